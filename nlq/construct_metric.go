package nlq

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Unknown metrics: 毛利率, 利润, "profit margin" name a measure the model
// does not have. The asker is told so, with the closest metrics it has (of
// the same kind: a rate for a rate, an amount for an amount), rather than
// a menu of unrelated examples or a value close in spelling (margin is not
// the city Harbin).

var (
	metricWordCN = regexp.MustCompile(`^[\p{Han}]{0,6}?(率|额|利润|毛利|利|成本|费用|收入|支出|库存|数|量|价|值|占比|比例|天数)$`)
	metricWordEN = map[string]string{
		"profit": semantic.UnitCurrency, "profits": semantic.UnitCurrency, "margin": semantic.UnitPercent, "margins": semantic.UnitPercent,
		"cost": semantic.UnitCurrency, "costs": semantic.UnitCurrency, "expense": semantic.UnitCurrency, "expenses": semantic.UnitCurrency,
		"roi": semantic.UnitPercent, "ltv": semantic.UnitCurrency, "clv": semantic.UnitCurrency, "churn": semantic.UnitPercent,
		"inventory": semantic.UnitCount, "ctr": semantic.UnitPercent, "cpc": semantic.UnitCurrency, "cpm": semantic.UnitCurrency,
		"budget": semantic.UnitCurrency, "quota": semantic.UnitCurrency, "ebitda": semantic.UnitCurrency, "payroll": semantic.UnitCurrency,
	}
)

// unitOfWord is the unit a metric-like word suggests, or "" when the word
// does not look like a metric's name.
func unitOfWord(w string) string {
	if u, ok := metricWordEN[strings.ToLower(w)]; ok {
		return u
	}
	m := metricWordCN.FindStringSubmatch(w)
	if m == nil || stopSet[w] {
		return ""
	}
	switch m[1] {
	case "率", "占比", "比例":
		return semantic.UnitPercent
	case "数", "量", "天数", "库存":
		return semantic.UnitCount
	}
	return semantic.UnitCurrency
}

// constructUnknownMetric answers a question whose only measure-like word
// is no metric of the model.
func constructUnknownMetric(rd *reading) bool {
	if len(rd.metrics) > 0 || len(rd.ambiguous) > 0 || rd.prev != nil && len(rd.dims)+len(rd.filters) > 0 {
		return false
	}
	words := entityCandidates(rd.stripped)
	for i, w := range words {
		unit := unitOfWord(w)
		if unit == "" {
			continue
		}
		if i+1 < len(words) && unitOfWord(words[i+1]) != "" && metricWordEN[strings.ToLower(w)] != "" {
			// "profit margin": one measure in two words.
			w, unit = w+" "+words[i+1], unitOfWord(words[i+1])
		}
		rd.t.Clarify = rd.r.unknownMetricClarification(rd, w, unit)
		return true
	}
	return false
}

func (r *Rules) unknownMetricClarification(rd *reading, word, unit string) *Clarification {
	lang := rd.lang
	c := &Clarification{Message: msg(lang,
		fmt.Sprintf("模型里没有「%s」这个指标（数据里也没有能算出它的字段）。最接近的是：", word),
		fmt.Sprintf("The model has no metric %q (nor the data to compute it). The closest it has:", word))}
	var names []string
	for _, s := range r.model.SuggestMetrics(word) {
		names = append(names, s)
	}
	for _, mt := range r.model.Metrics {
		if !mt.Hidden && mt.Unit == unit && len(names) < 4 {
			names = append(names, mt.Name)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		mt := r.model.Metric(n)
		if mt == nil || mt.Hidden || seen[n] || len(c.Options) == 4 {
			continue
		}
		seen[n] = true
		label := mt.Label.In(lang)
		q := strings.Replace(rd.question, word, label, 1)
		if q == rd.question {
			q = label
		}
		c.Options = append(c.Options, Option{Label: label, Question: q})
	}
	return c
}
