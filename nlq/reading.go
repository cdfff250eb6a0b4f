package nlq

import (
	"fmt"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Chip is one part of what was understood, shown to the asker: a metric, a
// split, a filter, the time, a comparison or a ranking.
type Chip struct {
	Kind string `json:"kind"` // metric, dimension, filter, time, grain, compare, order, share
	Text string `json:"text"`
}

// Reading is a query said back in the asker's language.
type Reading struct {
	Text  string `json:"text"`
	Chips []Chip `json:"chips"`
}

// Read says a query back: "2025年11月 · 按渠道 · 销售额".
func Read(m *semantic.Model, q *semantic.Query, lang string) Reading {
	var chips []Chip
	if q.Time != nil && q.Time.Range != nil {
		chips = append(chips, Chip{"time", rangeText(*q.Time.Range, lang)})
	}
	if q.Time != nil && q.Time.Grain != "" {
		chips = append(chips, Chip{"grain", msg(lang, map[string]string{"day": "按天", "week": "按周", "month": "按月", "quarter": "按季度", "year": "按年"}[q.Time.Grain],
			map[string]string{"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"}[q.Time.Grain])})
	}
	for _, name := range q.Dimensions {
		if d := m.Dimension(name); d != nil {
			chips = append(chips, Chip{"dimension", msg(lang, "按"+d.Label.Zh, "by "+strings.ToLower(d.Label.En))})
		}
	}
	for _, f := range q.Filters {
		if f.Op == "ne" && len(f.Values) == 1 && f.Values[0] == nil {
			continue // the ranking's "no empty groups", not something the asker said
		}
		chips = append(chips, Chip{"filter", filterText(m, f, lang)})
	}
	for _, name := range q.Metrics {
		if mt := m.Metric(name); mt != nil {
			chips = append(chips, Chip{"metric", mt.Label.In(lang)})
		}
	}
	switch q.Compare {
	case semantic.CompareYoY:
		chips = append(chips, Chip{"compare", msg(lang, "同比", "vs last year")})
	case semantic.ComparePoP:
		chips = append(chips, Chip{"compare", msg(lang, "环比", "vs previous period")})
	}
	for _, name := range q.Share {
		if mt := m.Metric(name); mt != nil {
			chips = append(chips, Chip{"share", msg(lang, mt.Label.Zh+"占比", mt.Label.En+" share")})
		}
	}
	if len(q.Order) > 0 {
		o := q.Order[0]
		label := o.By
		if mt := m.Metric(o.By); mt != nil {
			label = mt.Label.In(lang)
		} else if mt := m.Metric(strings.TrimSuffix(o.By, "_change")); mt != nil {
			// A ranking by the change: 销售额同比增幅.
			word := map[string][2]string{semantic.CompareYoY: {"同比增幅", " change on a year earlier"}, semantic.ComparePoP: {"环比增幅", " change on the previous period"}}[q.Compare]
			label = mt.Label.In(lang) + msg(lang, word[0], word[1])
		}
		switch {
		case q.Limit > 0 && o.Desc:
			chips = append(chips, Chip{"order", msg(lang, fmt.Sprintf("%s最高的%d个", label, q.Limit), fmt.Sprintf("top %d by %s", q.Limit, label))})
		case q.Limit > 0:
			chips = append(chips, Chip{"order", msg(lang, fmt.Sprintf("%s最低的%d个", label, q.Limit), fmt.Sprintf("bottom %d by %s", q.Limit, label))})
		default:
			chips = append(chips, Chip{"order", msg(lang, "按"+label+"排序", "sorted by "+label)})
		}
	}
	texts := make([]string, len(chips))
	for i, c := range chips {
		texts[i] = c.Text
	}
	return Reading{Text: strings.Join(texts, " · "), Chips: chips}
}

func filterText(m *semantic.Model, f semantic.Filter, lang string) string {
	var name string
	var vals []string
	if d := m.Dimension(f.Dimension); d != nil {
		name = d.Label.In(lang)
		for _, v := range f.Values {
			vals = append(vals, d.ValueLabel(v, lang))
		}
	} else if mt := m.Metric(f.Metric); mt != nil {
		name = mt.Label.In(lang)
		for _, v := range f.Values {
			vals = append(vals, FormatValue(v, MetricUnit(m, mt), lang))
		}
	}
	op := map[string]string{"eq": "=", "in": "=", "ne": "≠", "not_in": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "between": "∈", "contains": "∋"}[f.Op]
	sep := msg(lang, "、", ", ")
	if d := m.Dimension(f.Dimension); d != nil && len(f.Values) == 2 && f.Values[1] == nil && strings.Contains("gt gte lt lte", f.Op) {
		// 距上次购买天数 ≥ 90 或 从未购买: a comparison keeping rows with no value.
		none := d.NullLabel.In(lang)
		if none == "" {
			none = msg(lang, "无值", "none")
		}
		return fmt.Sprintf("%s %s %s%s%s", name, op, vals[0], msg(lang, " 或 ", " or "), none)
	}
	if f.Op == "between" && len(vals) == 2 {
		return fmt.Sprintf("%s %s [%s, %s]", name, op, vals[0], vals[1])
	}
	return fmt.Sprintf("%s %s %s", name, op, strings.Join(vals, sep))
}

// rangeText names a range the way people do: 2025年11月, 2025年Q3, Nov 2025.
func rangeText(r semantic.DateRange, lang string) string {
	s, e := r.Start, r.End
	switch {
	case s.Equal(e.Time):
		return s.String()
	case s.Month() == 1 && s.Day() == 1 && e.Month() == 12 && e.Day() == 31 && s.Year() == e.Year():
		return msg(lang, fmt.Sprintf("%d年", s.Year()), fmt.Sprint(s.Year()))
	case s.IsMonthStart() && e.IsMonthEnd() && s.Year() == e.Year() && s.Month() == e.Month():
		return msg(lang, fmt.Sprintf("%d年%d月", s.Year(), s.Month()), fmt.Sprintf("%s %d", s.Month().String()[:3], s.Year()))
	case s.Month() == 1 && s.Day() == 1 && e.Month() == 6 && e.Day() == 30 && s.Year() == e.Year():
		return msg(lang, fmt.Sprintf("%d年上半年", s.Year()), fmt.Sprintf("H1 %d", s.Year()))
	case s.Month() == 7 && s.Day() == 1 && e.Month() == 12 && e.Day() == 31 && s.Year() == e.Year():
		return msg(lang, fmt.Sprintf("%d年下半年", s.Year()), fmt.Sprintf("H2 %d", s.Year()))
	case s.IsMonthStart() && e.IsMonthEnd() && s.Year() == e.Year() && (s.Month()-1)%3 == 0 && e.Month() == s.Month()+2:
		q := (int(s.Month())-1)/3 + 1
		return msg(lang, fmt.Sprintf("%d年Q%d", s.Year(), q), fmt.Sprintf("Q%d %d", q, s.Year()))
	}
	return msg(lang, s.String()+" 至 "+e.String(), s.String()+" to "+e.String())
}

// FormatValue writes a number in its unit: ¥1,234,567.89, 35.2%, 12,345.
func FormatValue(v any, unit, lang string) string {
	f, ok := toFloat(v)
	if !ok {
		if v == nil {
			return "—"
		}
		return fmt.Sprint(v)
	}
	unit, cur := splitUnit(unit)
	switch unit {
	case semantic.UnitCurrency:
		if f < 0 {
			return "-" + cur + thousands(-f, 2)
		}
		return cur + thousands(f, 2)
	case semantic.UnitPercent:
		return fmt.Sprintf("%.1f%%", f*100)
	case semantic.UnitCount:
		return thousands(f, 0)
	}
	if f == float64(int64(f)) {
		return thousands(f, 0)
	}
	return thousands(f, 2)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

func thousands(f float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, f)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// stateAsOf says when a count of a state (members registered, a cumulative
// metric) is taken: 截至2025年12月31日, the end of the range asked or the
// as-of date — not a count of the period's activity.
func stateAsOf(m *semantic.Model, q *semantic.Query, asOf semantic.Date, lang string, r *Reading) {
	if q == nil || len(q.Metrics) == 0 || q.Time != nil && q.Time.Grain != "" {
		return
	}
	for _, name := range q.Metrics {
		if mt := m.Metric(name); mt == nil || !mt.Cumulative {
			return
		}
	}
	end := asOf
	if q.Time != nil && q.Time.Range != nil && q.Time.Range.End.Before(asOf.Time) {
		end = q.Time.Range.End
	}
	chip := Chip{"time", msg(lang, fmt.Sprintf("截至%d年%d月%d日", end.Year(), int(end.Month()), end.Day()), "as of "+end.String())}
	chips := []Chip{chip}
	for _, c := range r.Chips {
		if c.Kind != "time" {
			chips = append(chips, c)
		}
	}
	r.Chips = chips
	texts := make([]string, len(chips))
	for i, c := range chips {
		texts[i] = c.Text
	}
	r.Text = strings.Join(texts, " · ")
}
