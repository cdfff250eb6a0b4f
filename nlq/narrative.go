package nlq

import (
	"fmt"
	"math"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Extremes describe a whole result when only part of it was read: its row
// count and its highest, lowest and last rows (from Plan.Summary).
type Extremes struct {
	Rows         int
	Hi, Lo, Last []any
}

// TemplateNarrative explains a result without an LLM: the value, or the
// highest and lowest groups, or the peak of a series, and the change against
// the comparison. Every number it states is a cell of the result or the
// change computed from two cells. When the rows were cut by the row cap,
// ext (from the whole result) supplies the highest, lowest and count.
func TemplateNarrative(m *semantic.Model, q *semantic.Query, res *semantic.Result, reading Reading, lang string, ext *Extremes) string {
	if len(res.Rows) == 0 {
		return msg(lang, "在所选范围内没有数据。", "There is no data in the selected range.")
	}
	cols := res.Columns
	idx := func(role string) []int {
		var out []int
		for i, c := range cols {
			if c.Role == role {
				out = append(out, i)
			}
		}
		return out
	}
	metricCols, dimCols, timeCols := idx(semantic.RoleMetric), idx(semantic.RoleDimension), idx(semantic.RoleTime)
	if len(metricCols) == 0 {
		return ""
	}
	mc := metricCols[0]
	label := cols[mc].Title.In(lang)
	fv := func(row []any, i int) string { return FormatCompact(row[i], UnitOf(cols[i]), lang) }
	groupName := func(row []any) string {
		var parts []string
		for _, i := range timeCols {
			parts = append(parts, BucketLabel(cols[i].Name, row[i], lang))
		}
		for _, i := range dimCols {
			name := fmt.Sprint(row[i])
			if d := m.Dimension(cols[i].Name); d != nil {
				name = d.ValueLabel(row[i], lang)
			}
			if name == "" {
				name = "—"
			}
			parts = append(parts, name)
		}
		return strings.Join(parts, " / ")
	}
	period := ""
	for _, c := range reading.Chips {
		if c.Kind == "time" {
			period = c.Text
		}
	}
	// en: "Sales in Nov 2025"; zh: "2025年11月销售额".
	subject := func(metric string) string {
		if period == "" {
			return metric
		}
		sep := ""
		if r := []rune(period); r[len(r)-1] >= '0' && r[len(r)-1] <= '9' {
			sep = "，" // 2025-11-03 至 2025-11-16，销售额
		}
		return msg(lang, period+sep+metric, metric+" in "+period)
	}
	var b strings.Builder
	if len(dimCols) == 0 && len(timeCols) == 0 {
		row := res.Rows[0]
		for k, i := range metricCols {
			if k > 0 {
				b.WriteString(msg(lang, "；", "; "))
			}
			name := cols[i].Title.In(lang)
			if k == 0 {
				name = subject(name)
			}
			b.WriteString(fmt.Sprintf(msg(lang, "%s为 %s", "%s was %s"), name, fv(row, i)))
			b.WriteString(changeText(cols, row, cols[i].Name, q.Compare, lang))
		}
		b.WriteString(msg(lang, "。", "."))
		return capitalize(b.String())
	}
	// The highest and lowest rows by the first metric.
	hi, lo := -1, -1
	for r, row := range res.Rows {
		v, ok := toFloat(row[mc])
		if !ok {
			continue
		}
		if hi < 0 || v > mustFloat(res.Rows[hi][mc]) {
			hi = r
		}
		if lo < 0 || v < mustFloat(res.Rows[lo][mc]) {
			lo = r
		}
	}
	rows, nrows := res.Rows, len(res.Rows)
	var last []any
	if nrows > 0 {
		last = rows[nrows-1]
	}
	if ext != nil && ext.Hi != nil {
		// Cut by the row cap: say what holds for the whole result.
		rows, hi, lo, nrows, last = [][]any{ext.Hi, ext.Lo}, 0, 1, ext.Rows, ext.Last
	}
	if hi < 0 {
		return msg(lang, "结果中没有可比较的数值。", "The result holds no values to compare.")
	}
	share := -1
	for i, c := range cols {
		if c.Role == semantic.RoleShare && c.Metric == cols[mc].Name {
			share = i
		}
	}
	valueOf := func(row []any) string {
		v := fv(row, mc)
		if share >= 0 {
			v += msg(lang, "，占 ", ", ") + FormatCompact(row[share], semantic.UnitPercent, lang) + msg(lang, "", " of the total")
		}
		return v
	}
	switch {
	case nrows == 1:
		// 2025年11月南宁的客单价为 ¥1,334.09 / AOV for 南宁 in Nov 2025 was ¥1,334.09
		g := groupName(rows[0])
		if period != "" && len(timeCols) == 0 {
			b.WriteString(msg(lang, fmt.Sprintf("%s%s的%s为 %s", period, g, label, valueOf(rows[0])),
				fmt.Sprintf("%s for %s in %s was %s", label, g, period, valueOf(rows[0]))))
		} else {
			b.WriteString(msg(lang, fmt.Sprintf("%s的%s为 %s", g, label, valueOf(rows[0])),
				fmt.Sprintf("%s for %s was %s", label, g, valueOf(rows[0]))))
		}
		b.WriteString(changeText(cols, rows[0], cols[mc].Name, q.Compare, lang))
	case len(timeCols) > 0 && len(dimCols) == 0 && nrows == 2:
		// Two periods: both, in time order.
		b.WriteString(msg(lang,
			fmt.Sprintf("%s：%s为 %s，%s为 %s", subject(label), groupName(res.Rows[0]), fv(res.Rows[0], mc), groupName(res.Rows[1]), fv(res.Rows[1], mc)),
			fmt.Sprintf("%s: %s was %s, %s was %s", subject(label), groupName(res.Rows[0]), fv(res.Rows[0], mc), groupName(res.Rows[1]), fv(res.Rows[1], mc))))
		b.WriteString(changeText(cols, res.Rows[1], cols[mc].Name, q.Compare, lang))
	case len(timeCols) > 0 && len(dimCols) == 0:
		// 2025年销售额在2025年6月最高，为 1,280.0万；2025年2月最低，为 …
		first := res.Rows[0]
		b.WriteString(msg(lang,
			fmt.Sprintf("%s在%s最高，为 %s；%s最低，为 %s", subject(label), groupName(rows[hi]), fv(rows[hi], mc), groupName(rows[lo]), fv(rows[lo], mc)),
			fmt.Sprintf("%s peaked in %s at %s and was lowest in %s at %s", subject(label), groupName(rows[hi]), fv(rows[hi], mc), groupName(rows[lo]), fv(rows[lo], mc))))
		if nrows > 2 && last != nil {
			b.WriteString(msg(lang,
				fmt.Sprintf("；最近一期%s为 %s，第一期%s为 %s", groupName(last), fv(last, mc), groupName(first), fv(first, mc)),
				fmt.Sprintf("; the latest period, %s, was %s (the first, %s, was %s)", groupName(last), fv(last, mc), groupName(first), fv(first, mc))))
			b.WriteString(changeText(cols, last, cols[mc].Name, q.Compare, lang))
		}
	default:
		b.WriteString(msg(lang,
			fmt.Sprintf("%s最高的是%s（%s）", subject(label), groupName(rows[hi]), valueOf(rows[hi])),
			fmt.Sprintf("%s was highest for %s (%s)", subject(label), groupName(rows[hi]), valueOf(rows[hi]))))
		b.WriteString(changeText(cols, rows[hi], cols[mc].Name, q.Compare, lang))
		if lo != hi {
			b.WriteString(msg(lang, fmt.Sprintf("，最低的是%s（%s）", groupName(rows[lo]), valueOf(rows[lo])),
				fmt.Sprintf(" and lowest for %s (%s)", groupName(rows[lo]), valueOf(rows[lo]))))
		}
		if nrows > 2 {
			b.WriteString(fmt.Sprintf(msg(lang, "，共 %d 组", ", across %d groups"), nrows))
		}
	}
	b.WriteString(msg(lang, "。", "."))
	return capitalize(b.String())
}

// capitalize upper-cases the first letter of an English sentence.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// changeText describes the comparison columns of metric in row: a relative
// change, or for a rate the change in percentage points.
func changeText(cols []semantic.Column, row []any, metric, compare, lang string) string {
	if compare == "" {
		return ""
	}
	var prev, change, diff any
	unit := ""
	for i, c := range cols {
		if c.Metric != metric {
			continue
		}
		switch c.Role {
		case semantic.RolePrevious:
			prev, unit = row[i], UnitOf(c)
		case semantic.RoleChange:
			change = row[i]
		case semantic.RoleDifference:
			diff = row[i]
		}
	}
	word := map[string][2]string{semantic.CompareYoY: {"同比", "year on year"}, semantic.ComparePoP: {"环比", "on the previous period"}}[compare]
	before := map[string][2]string{semantic.CompareYoY: {"去年同期", "from"}, semantic.ComparePoP: {"上期", "from"}}[compare]
	prevText := FormatCompact(prev, unit, lang)
	if unit == semantic.UnitPercent {
		d, ok := toFloat(diff)
		if !ok || math.IsNaN(d) {
			return ""
		}
		pts := pointsText(d, lang)
		switch {
		case math.Round(d*1000) == 0:
			return msg(lang, fmt.Sprintf("，%s持平（%s %s）", word[0], before[0], prevText), fmt.Sprintf(", flat %s (%s %s)", word[1], before[1], prevText))
		case d > 0:
			return msg(lang, fmt.Sprintf("，%s上升 %s（%s %s）", word[0], pts, before[0], prevText), fmt.Sprintf(", up %s %s (%s %s)", pts, word[1], before[1], prevText))
		}
		return msg(lang, fmt.Sprintf("，%s下降 %s（%s %s）", word[0], pts, before[0], prevText), fmt.Sprintf(", down %s %s (%s %s)", pts, word[1], before[1], prevText))
	}
	ch, ok := toFloat(change)
	if !ok || math.IsNaN(ch) {
		return ""
	}
	pct := percentText(math.Abs(ch))
	switch {
	case pct == "0.0%":
		return msg(lang, fmt.Sprintf("，%s持平（%s %s）", word[0], before[0], prevText), fmt.Sprintf(", flat %s (%s %s)", word[1], before[1], prevText))
	case ch > 0:
		return msg(lang, fmt.Sprintf("，%s增长 %s（%s %s）", word[0], pct, before[0], prevText), fmt.Sprintf(", up %s %s (%s %s)", pct, word[1], before[1], prevText))
	}
	return msg(lang, fmt.Sprintf("，%s下降 %s（%s %s）", word[0], pct, before[0], prevText), fmt.Sprintf(", down %s %s (%s %s)", pct, word[1], before[1], prevText))
}

func mustFloat(v any) float64 {
	f, _ := toFloat(v)
	return f
}
