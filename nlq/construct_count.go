package nlq

import (
	"regexp"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Counting things: 有多少铂金会员, 铂金会员一共多少人, "how many gold members"
// name no metric, only a value and a counting word; they ask the model's
// count of that value's entity (a tier is a member's: 会员数), which the
// reading states as of the period's end for a state (cumulative) count.

var countRE = gate(regexp.MustCompile(`(多少|几个|几位|几家|几名|几人|多少人|多少个|多少家|人数|个数|数量|\bhow many\b|\bnumber of\b|\bcount of\b|\bcount\b)`))

// peopleRE asks how many people beside other metrics (各分层的人数和销售额).
var peopleRE = gate(regexp.MustCompile(`(人数|多少人|几个人|会员数量|\bnumber of (?:members|customers|people)\b|\bhow many (?:members|customers|people)\b|\bheadcount\b)`))

// constructCount picks the count metric of a counted value's entity.
func constructCount(rd *reading) bool {
	if len(rd.metrics) > 0 && peopleRE.MatchString(rd.rest) {
		// 人数 next to another metric: the count of the split's entity too.
		for _, d := range rd.dims {
			if m := countMetricFor(rd.r.model, d); m != "" && !slices.Contains(rd.metrics, m) {
				rd.metrics = append(rd.metrics, m)
				break
			}
		}
		return false
	}
	if len(rd.metrics) > 0 || !countRE.MatchString(rd.q) && !rd.valueThenShu() {
		return false
	}
	var dims []string
	for _, f := range rd.filters {
		dims = append(dims, f.dim)
	}
	dims = append(dims, rd.dims...)
	for _, d := range dims {
		if m := countMetricFor(rd.r.model, d); m != "" {
			rd.metrics = append(rd.metrics, m)
			return false
		}
	}
	return false
}

// countMetricFor is the count metric of the table a dimension belongs to
// (a state count before an activity count), or "".
func countMetricFor(m *semantic.Model, dim string) string {
	d := m.Dimension(dim)
	if d == nil {
		return ""
	}
	table, _, ok := strings.Cut(d.Expr, ".")
	if !ok {
		return ""
	}
	// The dimension's table, and the tables keyed one to one onto it (a
	// member's state is a customer's: members counts them).
	tables := []string{table}
	for _, t := range m.Tables {
		for _, r := range t.References {
			if r.Table == table && slices.Contains(t.PrimaryKey, r.Column) && len(t.PrimaryKey) == 1 {
				tables = append(tables, t.Name)
			}
		}
	}
	best := ""
	for _, mt := range m.Metrics {
		if mt.Hidden || !slices.Contains(tables, mt.Table) || mt.Unit != semantic.UnitCount || mt.Type == semantic.TypeDerived ||
			(mt.Agg != "count" && mt.Agg != "count_distinct") || mt.Filter != "" || mt.FirstPer != "" {
			continue
		}
		if mt.Cumulative {
			return mt.Name
		}
		if best == "" {
			best = mt.Name
		}
	}
	return best
}

// valueThenShu reports a value followed by 数 (沉睡会员数, 铂金会员数): the
// count of the value's entity, the value's phrase having taken 会员.
func (rd *reading) valueThenShu() bool {
	for _, m := range rd.mentions {
		if _, _, vs := m.split(); len(vs) > 0 && m.end < len(rd.rs) && rd.rs[m.end] == '数' {
			return true
		}
	}
	return false
}
