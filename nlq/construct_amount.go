package nlq

import (
	"regexp"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Amounts: 订单金额, 换成金额, "order amount" ask the money of what a count
// metric counts — the currency metric of the same rows (订单数 → 销售额),
// never the count itself.

var amountRE = gate(regexp.MustCompile(`(金额|多少钱|\bamount\b|\bmoney\b)`))

func constructAmount(rd *reading) bool {
	if !amountRE.MatchString(rd.rest) && !amountRE.MatchString(rd.q) {
		return false
	}
	m := rd.r.model
	var base *semantic.Metric
	switch {
	case swapRE.MatchString(rd.q) && rd.prev != nil && len(rd.prev.Metrics) > 0 && (len(rd.metrics) == 0 || rd.fuzzy):
		// 换成金额: the money of the previous metric's rows (a fuzzy link of
		// 成金额 to 成交金额 is not what was said).
		base = m.Metric(rd.prev.Metrics[0])
	case len(rd.metrics) == 1:
		base = m.Metric(rd.metrics[0])
	}
	if base == nil || base.Unit != semantic.UnitCount {
		return false
	}
	if cur := currencyMetricOf(m, base); cur != "" {
		rd.metrics = []string{cur}
	}
	return false
}

// currencyMetricOf is the first currency metric over the same table and
// rows as base (the model's order: 销售额 before GMV), or "".
func currencyMetricOf(m *semantic.Model, base *semantic.Metric) string {
	for _, mt := range m.Metrics {
		if !mt.Hidden && mt.Unit == semantic.UnitCurrency && mt.Type != semantic.TypeDerived && mt.Table == base.Table && mt.Filter == base.Filter {
			return mt.Name
		}
	}
	return ""
}
