package nlq

import (
	"regexp"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Why: 为什么11月华东的销售额下降了, "what drove the drop in conversion", 变化
// 原因, and as a follow-up (上个月的销售额 → 为什么下降了) ask for the change
// of one number against its baseline (the previous period, or a year
// earlier with 同比) and what drove it. The query is the metric with its
// comparison; the drivers are found by Engine.insight. Splits named in the
// question (各门店) are where the drivers are looked for.

var whyRE = gate(regexp.MustCompile(`(为什么|为啥|为何|怎么回事|什么原因|原因是|原因|是什么导致|什么导致|导致|驱动因素|归因|\bwhy\b|what drove|what caused|what is behind|what's behind|reason for|reasons for|drivers? (?:of|behind))`))

// directionRE are the words of a change's direction (下降了, went up).
var directionRE = gate(regexp.MustCompile(`(下降|下滑|下跌|减少|降低|跌|上升|增长|提升|增加|上涨|涨|变化|波动|\b(?:drop|dropped|fall|fell|decline|declined|rise|rose|grow|grew|increase|increased|decrease|decreased|change|changed|go up|went up|go down|went down)\b)`))

// constructWhy marks a why-question (before the follow-up decision, which
// takes the previous query for 为什么下降了).
func constructWhy(rd *reading) bool {
	if whyRE.MatchString(rd.q) {
		rd.why = true
	}
	return false
}

// constructWhyShape makes the query one number with its comparison: the
// splits asked become where drivers are looked for.
func constructWhyShape(rd *reading) bool {
	if !rd.why {
		return false
	}
	q := rd.query
	rd.t.Why = &WhyRequest{Dimensions: q.Dimensions}
	q.Dimensions, q.Order, q.Limit, q.Share = nil, nil, 0, nil
	if q.Time != nil {
		q.Time.Grain = ""
	}
	if q.Compare == "" {
		q.Compare = semantic.ComparePoP
	}
	if len(q.Metrics) > 1 {
		q.Metrics = q.Metrics[:1]
	}
	return false
}

// WhyRequest is a why-question's part of a translation: where to look for
// the drivers (empty: every dimension the metric can be split by).
type WhyRequest struct {
	Dimensions []string `json:"dimensions,omitempty"`
}
