package nlq

import (
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
)

// TestUnknownValueOptions: the clarification for a value the data lacks
// offers the closest values, each as a question ready to ask.
func TestUnknownValueOptions(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRules(m, NewLexicon(m, map[string][]string{"store": {"上海来福士店", "广州万象城店"}}))
	for q, want := range map[string]struct{ msg, label, question string }{
		"渠道为淘宝的销售额":             {"没有找到渠道「淘宝」。你是指：", "天猫", "渠道为天猫的销售额"},
		"淘宝上个月的订单数":             {"没有找到渠道「淘宝」。你是指：", "天猫", "天猫上个月的订单数"},
		"tmal sales last month": {`There is no channel called "tmal". Did you mean:`, "Tmall", "Tmall sales last month"},
		"上海来福士的销售额":             {"没有找到门店「上海来福士」。你是指：", "上海来福士店", "上海来福士店的销售额"},
	} {
		tr := r.Translate(q, nil, d("2025-12-31"))
		if tr.Clarify == nil || tr.Query != nil {
			t.Errorf("%q: no clarification (query %+v)", q, tr.Query)
			continue
		}
		if tr.Clarify.Message != want.msg || len(tr.Clarify.Options) == 0 ||
			tr.Clarify.Options[0].Label != want.label || tr.Clarify.Options[0].Question != want.question {
			t.Errorf("%q: %+v, want %q then %q (%q)", q, tr.Clarify, want.msg, want.label, want.question)
		}
	}
}
