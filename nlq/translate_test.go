package nlq_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

type wantQuery struct {
	Metrics []string `yaml:"metrics"`
	Dims    []string `yaml:"dims"`
	Filters []string `yaml:"filters"`
	Range   string   `yaml:"range"`
	Grain   string   `yaml:"grain"`
	Compare string   `yaml:"compare"`
	Limit   int      `yaml:"limit"`
	Order   string   `yaml:"order"`
	Share   []string `yaml:"share"`
	Refuse  bool     `yaml:"refuse"`
	Clarify bool     `yaml:"clarify"`
	// Define names the metrics a definition question must define.
	Define []string `yaml:"define"`
	// Funnel names the funnel whose steps the metrics must be.
	Funnel string `yaml:"funnel"`
	// List names the audience a list question must ask for.
	List string `yaml:"list"`
}

type translateCase struct {
	Q     string    `yaml:"q"`
	Turns []string  `yaml:"turns"`
	Want  wantQuery `yaml:"want"`
	// hasDims records whether the case states dims at all (dims: [] means none).
	hasDims bool
}

func loadCases(t testing.TB) []translateCase { return loadCaseFile(t, "testdata/translate.yaml") }

func loadCaseFile(t testing.TB, path string) []translateCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var cases []translateCase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for i := range cases {
		w, _ := raw[i]["want"].(map[string]any)
		_, cases[i].hasDims = w["dims"]
	}
	return cases
}

// retailRules builds the rules translator on the demo model, with values
// read from a generated database as the server does.
func retailRules(t testing.TB) (*nlq.Rules, *semantic.Model) {
	t.Helper()
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	values, err := nlq.LoadValues(context.Background(), m, datasetstest.Open(t))
	if err != nil {
		t.Fatal(err)
	}
	return nlq.NewRules(m, nlq.NewLexicon(m, values)), m
}

func filterString(f semantic.Filter) string {
	if f.Metric != "" {
		sym := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "ne": "!="}[f.Op]
		v, _ := f.Values[0].(float64)
		return f.Metric + sym + strconv.FormatFloat(v, 'f', -1, 64)
	}
	var vals []string
	for _, v := range f.Values {
		if v == nil {
			vals = append(vals, "")
			continue
		}
		vals = append(vals, fmt.Sprint(v))
	}
	sym := map[string]string{"ne": "!=", "not_in": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[f.Op]
	if sym == "" {
		sym = "="
	}
	return f.Dimension + sym + strings.Join(vals, "|")
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

func TestTranslate(t *testing.T) {
	rules, _ := retailRules(t)
	cases := loadCases(t)
	failed := runCases(t, rules, cases)
	t.Logf("%d/%d questions read as intended", len(cases)-failed, len(cases))
}

// TestConstructions runs each construction's own table
// (testdata/constructions/<family>.yaml, named as construct_<family>.go).
func TestConstructions(t *testing.T) {
	rules, _ := retailRules(t)
	files, err := filepath.Glob("testdata/constructions/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no construction tables: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			runCases(t, rules, loadCaseFile(t, f))
		})
	}
}

// runCases translates every case and checks it; it returns how many failed.
func runCases(t *testing.T, rules *nlq.Rules, cases []translateCase) int {
	asOf := semantic.D(2025, 12, 31)
	failed := 0
	for _, c := range cases {
		turns := c.Turns
		if len(turns) == 0 {
			turns = []string{c.Q}
		}
		name := strings.Join(turns, " → ")
		ok := t.Run(name, func(t *testing.T) {
			var prev *semantic.Query
			var tr *nlq.Translation
			for _, q := range turns {
				tr = rules.Translate(q, prev, asOf)
				if tr.Query != nil {
					prev = tr.Query
				}
			}
			checkCase(t, c, tr)
		})
		if !ok {
			failed++
		}
	}
	return failed
}

func checkCase(t *testing.T, c translateCase, tr *nlq.Translation) {
	w := c.Want
	switch {
	case w.Refuse:
		if tr.Refusal == nil {
			t.Fatalf("want a refusal, got query %+v clarify %+v", tr.Query, tr.Clarify)
		}
		return
	case w.Clarify:
		if tr.Clarify == nil || tr.Query != nil {
			t.Fatalf("want a clarification, got query %+v refusal %+v", tr.Query, tr.Refusal)
		}
		return
	case w.Define != nil:
		var got []string
		for _, d := range tr.Definitions {
			got = append(got, d.Metric)
		}
		if tr.Query != nil || !slices.Equal(got, w.Define) {
			t.Fatalf("want definitions of %v, got %v (query %+v)", w.Define, got, tr.Query)
		}
		return
	}
	q := tr.Query
	if q == nil {
		t.Fatalf("no query: clarify %+v refusal %+v", tr.Clarify, tr.Refusal)
	}
	if w.List != q.List {
		t.Errorf("list = %q, want %q", q.List, w.List)
	}
	if w.Funnel != tr.Funnel {
		t.Errorf("funnel = %q, want %q", tr.Funnel, w.Funnel)
	}
	if !slices.Equal(sorted(q.Metrics), sorted(w.Metrics)) {
		t.Errorf("metrics = %v, want %v", q.Metrics, w.Metrics)
	}
	if c.hasDims && !slices.Equal(sorted(q.Dimensions), sorted(w.Dims)) {
		t.Errorf("dims = %v, want %v", q.Dimensions, w.Dims)
	}
	if w.Filters != nil {
		var got []string
		for _, f := range q.Filters {
			got = append(got, filterString(f))
		}
		if !slices.Equal(sorted(got), sorted(w.Filters)) {
			t.Errorf("filters = %v, want %v", got, w.Filters)
		}
	}
	if w.Range != "" && (q.Time == nil || q.Time.Range == nil || q.Time.Range.String() != w.Range) {
		t.Errorf("range = %+v, want %s", q.Time, w.Range)
	}
	if w.Grain != "" && (q.Time == nil || q.Time.Grain != w.Grain) {
		t.Errorf("grain = %+v, want %s", q.Time, w.Grain)
	}
	if w.Compare != q.Compare && w.Compare != "" {
		t.Errorf("compare = %q, want %q", q.Compare, w.Compare)
	}
	if w.Limit != 0 && q.Limit != w.Limit {
		t.Errorf("limit = %d, want %d", q.Limit, w.Limit)
	}
	if w.Order != "" {
		got := ""
		if len(q.Order) > 0 {
			got = q.Order[0].By + map[bool]string{true: " desc", false: " asc"}[q.Order[0].Desc]
		}
		if got != w.Order {
			t.Errorf("order = %q, want %q", got, w.Order)
		}
	}
	if w.Share != nil && !slices.Equal(q.Share, w.Share) {
		t.Errorf("share = %v, want %v", q.Share, w.Share)
	}
}

// TestPendingPartsComplete: a question without a metric is clarified, and
// naming the metric next keeps what it said.
func TestPendingPartsComplete(t *testing.T) {
	rules, m := retailRules(t)
	e := &nlq.Engine{Model: m, Rules: rules, Runner: datasetstest.Open(t), Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}
	ask := func(conv, q string) *nlq.Answer {
		ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: q, ConversationID: conv}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	first := ask("", "上个月按渠道")
	if first.Clarification == nil || first.Query != nil {
		t.Fatalf("want a clarification, got %+v", first)
	}
	ans := ask(first.ConversationID, "销售额")
	q := ans.Query
	if q == nil || q.Metrics[0] != "sales" || len(q.Dimensions) != 1 || q.Dimensions[0] != "channel" || q.Time.Range.String() != "2025-11-01..2025-11-30" {
		t.Fatalf("the metric did not complete the pending question: %+v", q)
	}
	if len(ans.Notes) != 0 {
		t.Errorf("the time was asked for, yet notes say %v", ans.Notes)
	}
	// A question with its own time keeps it.
	first = ask("", "按渠道")
	ans = ask(first.ConversationID, "今年的订单数")
	if ans.Query.Time.Range.String() != "2025-01-01..2025-12-31" || ans.Query.Dimensions[0] != "channel" {
		t.Errorf("%+v", ans.Query)
	}
	// A whole new question is not completed.
	first = ask("", "按渠道")
	ans = ask(first.ConversationID, "今年各品类的订单数")
	if len(ans.Query.Dimensions) != 1 || ans.Query.Dimensions[0] != "category" {
		t.Errorf("%+v", ans.Query)
	}
}

// TestUnknownMetricSaysSo: a measure the model lacks is named in the
// answer with same-kind alternatives, never matched to a value by spelling.
func TestUnknownMetricSaysSo(t *testing.T) {
	rules, m := retailRules(t)
	for q, unit := range map[string]string{"今年的毛利率": semantic.UnitPercent, "what is our profit margin this year": semantic.UnitPercent, "上个月的利润是多少": semantic.UnitCurrency} {
		tr := rules.Translate(q, nil, semantic.D(2025, 12, 31))
		if tr.Clarify == nil || len(tr.Clarify.Options) == 0 {
			t.Fatalf("%s: %+v", q, tr)
		}
		if !strings.Contains(tr.Clarify.Message, "毛利率") && !strings.Contains(tr.Clarify.Message, "profit margin") && !strings.Contains(tr.Clarify.Message, "利润") {
			t.Errorf("%s: the message does not name the measure: %s", q, tr.Clarify.Message)
		}
		for _, o := range tr.Clarify.Options {
			found := false
			for _, mt := range m.Metrics {
				if mt.Label.In(tr.Lang) == o.Label {
					found = true
					if mt.Unit != unit && !strings.Contains(o.Label, "客单价") {
						t.Errorf("%s: option %s is a %s, not a %s", q, o.Label, mt.Unit, unit)
					}
				}
			}
			if !found {
				t.Errorf("%s: option %q is not a metric", q, o.Label)
			}
		}
	}
}
