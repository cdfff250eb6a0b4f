package nlq

import (
	"regexp"
	"slices"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Share: 占比 / 份额 / "share of total" asks each group's part of the total
// (for metrics that add up; a rate has no share).

var shareRE = regexp.MustCompile(`(占比|份额|比重|占多少|贡献度|构成|\bshare\b|proportion|percentage of total|% of total|breakdown)`)

func constructShare(rd *reading) bool {
	if !shareRE.MatchString(rd.rest) {
		return false
	}
	query := rd.query
	for _, name := range query.Metrics {
		if mt := rd.r.model.Metric(name); mt != nil && mt.Unit != semantic.UnitPercent && !slices.Contains(query.Share, name) {
			query.Share = append(query.Share, name)
		}
	}
	return false
}
