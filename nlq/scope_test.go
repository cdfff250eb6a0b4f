package nlq_test

import (
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

func TestScopeCheck(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Access("region_manager", map[string]string{"region": "华南"})
	if err != nil {
		t.Fatal(err)
	}
	s := &nlq.Scope{Access: a, Values: map[string][]string{"city": {"广州", "深圳"}, "channel": {"门店"}}}
	f := func(dim, op string, vals ...any) *semantic.Query {
		return &semantic.Query{Metrics: []string{"sales"}, Filters: []semantic.Filter{{Dimension: dim, Op: op, Values: vals}}}
	}
	for name, tc := range map[string]struct {
		q         *semantic.Query
		err, note string
	}{
		"own region":           {q: f("region", "eq", "华南")},
		"own region by label":  {q: f("region", "in", "South China")},
		"other region":         {q: f("region", "eq", "华东"), err: "你只能查看大区为华南的数据；华东不在你的权限范围内。"},
		"other region english": {q: f("region", "in", "east china"), err: "华东不在你的权限范围内"},
		"mixed":                {q: f("region", "in", "华南", "华北"), note: "华北不在你的权限范围内，未计入结果"},
		"city outside":         {q: f("city", "eq", "上海"), err: "你只能查看大区为华南的数据，其中没有上海的数据。"},
		"online channel":       {q: f("channel", "eq", "天猫"), err: "其中没有天猫的数据"},
		"not in is narrowing":  {q: f("region", "not_in", "华东")},
		"unlisted dimension":   {q: f("brand", "eq", "whatever")},
		"no filters":           {q: &semantic.Query{Metrics: []string{"sales"}}},
	} {
		t.Run(name, func(t *testing.T) {
			notes, serr := s.Check(m, tc.q, "zh")
			switch {
			case tc.err != "":
				if serr == nil || !strings.Contains(serr.Message, tc.err) {
					t.Errorf("got %v, want an error containing %q", serr, tc.err)
				}
			case serr != nil:
				t.Errorf("unexpected error %v", serr)
			case tc.note != "" && (len(notes) != 1 || notes[0] != tc.note):
				t.Errorf("notes %q, want %q", notes, tc.note)
			case tc.note == "" && len(notes) > 0:
				t.Errorf("unexpected notes %q", notes)
			}
		})
	}
	var open *nlq.Scope
	if notes, serr := open.Check(m, f("region", "eq", "华东"), "zh"); serr != nil || notes != nil || open.Note("zh") != "" {
		t.Error("a nil scope sees everything")
	}
	if got := s.Note("en"); got != "By your access, the result covers Region South China only" {
		t.Errorf("note %q", got)
	}
}
