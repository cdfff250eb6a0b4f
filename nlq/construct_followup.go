package nlq

import (
	"regexp"
	"slices"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Follow-ups: a question that names no metric but says something the
// previous query can take (a split, a value, a time, a grain, a
// comparison, a ranking), or reads like a follow-up (那…呢, 换成…, only…),
// changes the previous query instead of starting over. A question with no
// metric and nothing to continue is asked what it means, and what it did
// say is kept for the next question (Partial).

var (
	followRE    = regexp.MustCompile(`^\s*(那么|那|换成|改成|换为|改为|改看|再看|看看|只看|仅看|按|分|如果|what about|how about|and|only|switch to|change to|instead)|呢\s*$|\binstead\b`)
	swapRE      = regexp.MustCompile(`(换成|改成|换为|改为|改看|switch to|change to|instead)`)
	removeDimRE = regexp.MustCompile(`(不按|不用按|不分|去掉|取消|合并|汇总|总计|不拆分|remove|without splitting|drop the split|in total|overall)`)
)

// constructFollowUp decides whether the question continues the previous
// query and starts the query: a new one, or the previous one changed.
func constructFollowUp(rd *reading) bool {
	ti, q := rd.ti, rd.q
	modifies := len(rd.dims) > 0 || len(rd.filters) > 0 || ti.Range != nil || ti.Shift != "" || ti.Grain != "" || ti.Compare != "" ||
		ti.Trend || rd.why || topRE.MatchString(rd.rest) || shareRE.MatchString(rd.rest) || followRE.MatchString(q) ||
		// 哪个最高, "which one was the highest": a ranking of the previous split.
		rd.prev != nil && len(rd.prev.Dimensions) > 0 && (bestRE.MatchString(rd.rest) || worstRE.MatchString(rd.rest) || rankRE.MatchString(rd.rest))
	rd.followUp = rd.prev != nil && (len(rd.metrics) == 0 && modifies || len(rd.metrics) > 0 && followRE.MatchString(q) && len(ti.masked) < 40)
	if len(rd.metrics) == 0 && !rd.followUp {
		if greetRE.MatchString(q) {
			rd.t.Refusal = greeting(rd.r, rd.lang)
			return true
		}
		rd.t.Clarify = rd.r.noMetricClarification(rd.lang, rd.question, rd.rest, rd.dims)
		rd.t.Partial = partialQuery(rd.dims, ti)
		for _, f := range rd.filters {
			if rd.t.Partial == nil {
				rd.t.Partial = &semantic.Query{}
			}
			op := map[bool]string{true: "not_in", false: "in"}[f.exclude]
			rd.t.Partial.Filters = append(rd.t.Partial.Filters, semantic.Filter{Dimension: f.dim, Op: op, Values: f.values})
		}
		return true
	}
	if !rd.followUp {
		rd.query = &semantic.Query{Metrics: rd.metrics, Dimensions: rd.dims}
		return false
	}
	rd.t.FollowUp = true
	query := rd.prev.Clone()
	dims := rd.dims
	if len(rd.metrics) > 0 {
		// 换成加购率 / 加购率呢: the new metrics replace the old ones and
		// whatever was said about those (rankings, shares, conditions).
		query.Metrics = rd.metrics
		query.Share = nil
		query.Order = nil
		query.Filters = slices.DeleteFunc(query.Filters, func(f semantic.Filter) bool { return f.Metric != "" })
	}
	if removeDimRE.MatchString(rd.rest) && len(dims) > 0 {
		// 去掉渠道 / 不按渠道 / 去掉渠道筛选: drop the split and any filter on it.
		query.Dimensions = slices.DeleteFunc(query.Dimensions, func(d string) bool { return slices.Contains(dims, d) })
		query.Filters = slices.DeleteFunc(query.Filters, func(f semantic.Filter) bool { return slices.Contains(dims, f.Dimension) })
		dims = nil
	}
	for _, d := range dims {
		if !slices.Contains(query.Dimensions, d) {
			query.Dimensions = append(query.Dimensions, d)
		}
	}
	rd.query = query
	return false
}
