package nlq_test

import (
	"testing"

	"github.com/wenshu-bi/wenshu/semantic"
)

// BenchmarkTranslate reads every question of testdata/translate.yaml with
// the demo vocabulary (model phrases plus the data's values: 68 stores, 600
// products, 20 brands, 24 cities — the same at every scale).
func BenchmarkTranslate(b *testing.B) {
	rules, _ := retailRules(b)
	cases := loadCases(b)
	var qs []string
	for _, c := range cases {
		if c.Q != "" {
			qs = append(qs, c.Q)
		}
	}
	asOf := semantic.D(2025, 12, 31)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rules.Translate(qs[i%len(qs)], nil, asOf)
	}
}
