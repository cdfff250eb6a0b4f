package nlq

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Scope: the values named (上海, 线上, 除了天猫) become filters; one value
// of a dimension pins it (no split), two or more are shown side by side,
// a value of a dimension already filtered replaces it (上海呢 after 北京).

func constructScope(rd *reading) bool {
	query := rd.query
	for _, f := range rd.filters {
		if f.scopeDim != "" && !f.exclude && !rd.r.filterApplies(query.Metrics, f) {
			// 门店的坪效: 门店 names the store scope of a store-only metric,
			// not the channel filter it cannot take.
			rd.t.Notes = append(rd.t.Notes, msg(rd.lang, "「"+f.word+"」按"+rd.r.model.Dimension(f.scopeDim).Label.In("zh")+"口径理解，不作为筛选",
				fmt.Sprintf("%q read as the %s scope, not a filter", f.word, strings.ToLower(rd.r.model.Dimension(f.scopeDim).Label.In("en")))))
			continue
		}
		op := "in"
		if f.exclude {
			op = "not_in"
		}
		nf := semantic.Filter{Dimension: f.dim, Op: op, Values: f.values}
		if len(f.values) == 1 {
			nf.Op = map[string]string{"in": "eq", "not_in": "ne"}[op]
		}
		query.Filters = slices.DeleteFunc(query.Filters, func(old semantic.Filter) bool { return old.Dimension == f.dim })
		query.Filters = append(query.Filters, nf)
		switch {
		case !f.exclude && len(f.values) == 1:
			// A dimension both grouped and pinned to one value needs no split.
			query.Dimensions = slices.DeleteFunc(query.Dimensions, func(d string) bool { return d == f.dim })
		case !f.exclude && !slices.Contains(query.Dimensions, f.dim):
			// 上海和北京的销售额: two values are wanted side by side.
			query.Dimensions = append(query.Dimensions, f.dim)
		}
	}
	return false
}

// filterApplies reports whether every metric can be filtered by f's dimension.
func (r *Rules) filterApplies(metrics []string, f valFilter) bool {
	for _, m := range metrics {
		probe := &semantic.Query{Metrics: []string{m}, Filters: []semantic.Filter{{Dimension: f.dim, Op: "in", Values: f.values}}}
		if _, err := semantic.Compile(r.model, probe, semantic.CompileOptions{}); err != nil {
			return false
		}
	}
	return true
}
