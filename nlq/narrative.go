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
	unit := cols[mc].Unit
	fv := func(v any) string { return FormatValue(v, unit, lang) }
	groupName := func(row []any) string {
		var parts []string
		for _, i := range timeCols {
			parts = append(parts, fmt.Sprint(row[i]))
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
	var b strings.Builder
	prefix := ""
	for _, c := range reading.Chips {
		if c.Kind == "time" {
			prefix = c.Text
		}
	}
	if len(dimCols) == 0 && len(timeCols) == 0 {
		row := res.Rows[0]
		if prefix != "" {
			b.WriteString(prefix + msg(lang, "，", ", "))
		}
		for k, i := range metricCols {
			if k > 0 {
				b.WriteString(msg(lang, "；", "; "))
			}
			b.WriteString(fmt.Sprintf(msg(lang, "%s为 %s", "%s was %s"), cols[i].Title.In(lang), FormatValue(row[i], cols[i].Unit, lang)))
			b.WriteString(changeText(cols, row, cols[i].Name, q.Compare, lang))
		}
		b.WriteString(msg(lang, "。", "."))
		return b.String()
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
	if prefix != "" {
		b.WriteString(prefix + msg(lang, "，", ", "))
	}
	if nrows == 1 {
		b.WriteString(fmt.Sprintf(msg(lang, "%s为 %s：%s", "%s for %s: %s"), label, groupName(rows[0]), fv(rows[0][mc])))
		b.WriteString(changeText(cols, rows[0], cols[mc].Name, q.Compare, lang))
	} else if len(timeCols) > 0 && len(dimCols) == 0 {
		first := res.Rows[0]
		b.WriteString(fmt.Sprintf(msg(lang, "%s最高在 %s（%s），最低在 %s（%s）", "%s peaked at %s (%s) and was lowest at %s (%s)"),
			label, groupName(rows[hi]), fv(rows[hi][mc]), groupName(rows[lo]), fv(rows[lo][mc])))
		if nrows > 1 && last != nil {
			b.WriteString(fmt.Sprintf(msg(lang, "；最后一期 %s 为 %s，首期 %s 为 %s", "; the last period %s was %s, the first %s was %s"),
				groupName(last), fv(last[mc]), groupName(first), fv(first[mc])))
		}
		b.WriteString(changeText(cols, last, cols[mc].Name, q.Compare, lang))
	} else {
		b.WriteString(fmt.Sprintf(msg(lang, "%s最高的是 %s（%s）", "%s was highest for %s (%s)"), label, groupName(rows[hi]), fv(rows[hi][mc])))
		b.WriteString(changeText(cols, rows[hi], cols[mc].Name, q.Compare, lang))
		if lo != hi {
			b.WriteString(fmt.Sprintf(msg(lang, "，最低的是 %s（%s）", ", lowest for %s (%s)"), groupName(rows[lo]), fv(rows[lo][mc])))
		}
		if nrows > 2 {
			b.WriteString(fmt.Sprintf(msg(lang, "，共 %d 组", " across %d groups"), nrows))
		}
	}
	b.WriteString(msg(lang, "。", "."))
	return b.String()
}

// changeText describes the comparison columns of metric in row.
func changeText(cols []semantic.Column, row []any, metric, compare, lang string) string {
	if compare == "" {
		return ""
	}
	var prev, change any
	unit := ""
	for i, c := range cols {
		if c.Metric == metric && c.Role == semantic.RolePrevious {
			prev, unit = row[i], c.Unit
		}
		if c.Metric == metric && c.Role == semantic.RoleChange {
			change = row[i]
		}
	}
	ch, ok := toFloat(change)
	if !ok || math.IsNaN(ch) {
		return ""
	}
	word := map[string][2]string{semantic.CompareYoY: {"同比", "year on year"}, semantic.ComparePoP: {"环比", "on the previous period"}}[compare]
	dir := msg(lang, "增长", "up")
	if ch < 0 {
		dir = msg(lang, "下降", "down")
	}
	pct := fmt.Sprintf("%.1f%%", math.Abs(ch)*100)
	if lang == "en" {
		return fmt.Sprintf(", %s %s %s (previously %s)", dir, pct, word[1], FormatValue(prev, unit, lang))
	}
	return fmt.Sprintf("，%s%s %s（对比期 %s）", word[0], dir, pct, FormatValue(prev, unit, lang))
}

func mustFloat(v any) float64 {
	f, _ := toFloat(v)
	return f
}
