package nlq

import (
	"regexp"

	"github.com/wenshu-bi/wenshu/semantic"
)

// How is it doing: 上个月销售额怎么样, 抖音表现如何, "how did sales do last
// month" ask for the value with its change, not one bare total; with no
// metric named, the model's headline metric (its first) is meant, said in
// a note.

var howRE = gate(regexp.MustCompile(`(怎么样|怎样|表现如何|表现怎么样|表现|情况如何|如何了|咋样|好不好|\bhow (?:is|are|was|were|did|does|do)\b.{0,40}\b(?:doing|going|performing|perform|do)\b|\bperformance\b)`))

// constructHowNoMetric gives a how-question (or 哪个渠道增长最快, "which
// channel grew the fastest") with no metric the headline metric.
func constructHowNoMetric(rd *reading) bool {
	asks := howRE.MatchString(rd.q) || growthRE.MatchString(rd.rest) || declineRE.MatchString(rd.rest)
	if len(rd.metrics) > 0 || rd.prev != nil || !asks || len(rd.filters)+len(rd.dims) == 0 {
		return false
	}
	for _, mt := range rd.r.model.Metrics {
		if !mt.Hidden {
			rd.metrics = []string{mt.Name}
			rd.t.Notes = append(rd.t.Notes, msg(rd.lang, "未指定指标，按"+mt.Label.In("zh")+"看", "no metric named: showing "+mt.Label.In("en")))
			break
		}
	}
	return false
}

// constructHow adds the change on the previous period to a how-question
// about one period's level.
func constructHow(rd *reading) bool {
	q := rd.query
	if !howRE.MatchString(rd.q) || q.Compare != "" || len(q.Order) > 0 || q.Time != nil && q.Time.Grain != "" || rd.ti.Trend {
		return false
	}
	q.Compare = semantic.ComparePoP
	return false
}
