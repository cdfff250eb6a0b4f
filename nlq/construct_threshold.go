package nlq

import (
	"regexp"
	"strconv"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Thresholds: 超过100万 / 低于5% / "more than 1000" keep the groups whose
// metric passes the condition, on the metric named nearest the words.

var condRE = regexp.MustCompile(`(超过|大于|高于|多于|不低于|不少于|至少|大于等于|>=|>|above|over|more than|greater than|at least|exceeds?|低于|小于|少于|不足|不到|不超过|至多|小于等于|<=|<|below|under|less than|at most|fewer than)\s*(\d+(?:\.\d+)?)\s*(万|千|百|k|w|m|%)?`)

func constructThreshold(rd *reading) bool {
	query, rest := rd.query, rd.rest
	for _, m := range condRE.FindAllStringSubmatchIndex(rest, -1) {
		op, val := condOp(rest[m[2]:m[3]]), rest[m[4]:m[5]]
		unit := ""
		if m[6] >= 0 {
			unit = rest[m[6]:m[7]]
		}
		target := rd.r.nearestMetric(rd.mentions, rd.rs, m[0], query.Metrics)
		if target == "" {
			continue
		}
		v, _ := strconv.ParseFloat(val, 64)
		switch unit {
		case "万", "w":
			v *= 10000
		case "千", "k":
			v *= 1000
		case "百":
			v *= 100
		case "m":
			v *= 1000000
		case "%":
			v /= 100
		}
		if mt := rd.r.model.Metric(target); unit == "" && mt != nil && mt.Unit == semantic.UnitPercent && v > 1 {
			v /= 100 // 转化率低于5 means 5%
		}
		query.Filters = append(query.Filters, semantic.Filter{Metric: target, Op: op, Values: []any{v}})
	}
	return false
}
