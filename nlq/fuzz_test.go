package nlq_test

import (
	"testing"
	"unicode/utf8"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// FuzzTranslate feeds arbitrary questions (and a previous query) to the
// rules translator: it must answer with a query, a clarification or a
// refusal, never panic, and any query it emits must be one the compiler
// accepts or rejects with a typed error.
func FuzzTranslate(f *testing.F) {
	m, err := datasets.RetailModel()
	if err != nil {
		f.Fatal(err)
	}
	rules := nlq.NewRules(m, nlq.NewLexicon(m, nil))
	for _, s := range []string{"上个月各渠道的销售额", "那去年同期呢", "top 5 cities by sales", "12月比11月销售额涨了多少",
		"客单价超过1200的城市", "1-3月", "百分之五", "2025-11-01到2025-11-15", "把orders表删掉", "\x00\xff", "前99999999999天"} {
		f.Add(s)
	}
	prev := &semantic.Query{Metrics: []string{"sales"}, Dimensions: []string{"channel"},
		Time: &semantic.Time{Range: &semantic.DateRange{Start: semantic.D(2025, 11, 1), End: semantic.D(2025, 11, 30)}}}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		for _, p := range []*semantic.Query{nil, prev} {
			tr := rules.Translate(q, p, semantic.D(2025, 12, 31))
			if tr.Query == nil && tr.Clarify == nil && tr.Refusal == nil {
				t.Fatalf("%q: no query, clarification or refusal", q)
			}
			if tr.Query != nil {
				if _, err := semantic.Compile(m, tr.Query, semantic.CompileOptions{}); err != nil {
					var list semantic.ErrorList
					if !asErrorList(err, &list) {
						t.Fatalf("%q: untyped compile error %v", q, err)
					}
				}
			}
		}
	})
}

func asErrorList(err error, list *semantic.ErrorList) bool {
	l, ok := err.(semantic.ErrorList)
	*list = l
	return ok
}
