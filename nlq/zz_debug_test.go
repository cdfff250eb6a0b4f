package nlq

import (
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/semantic"
)

func TestZZDebug(t *testing.T) {
	m, _ := datasets.RetailModel()
	r := NewRules(m, NewLexicon(m, nil))
	for _, q := range []string{"which channel grew the fastest this year compared to last year?"} {
		rd := &reading{r: r, question: q, q: normalize(q), lang: detectLang(q), asOf: semantic.D(2025, 12, 31), t: &Translation{}}
		for _, c := range constructions {
			if c.apply(rd) {
				break
			}
		}
		t.Logf("%q rest=%q metrics=%v dims=%v amb=%v", rd.q, rd.rest, rd.metrics, rd.dims, rd.ambiguous)
	}
}
