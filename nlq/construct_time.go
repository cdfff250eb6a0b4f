package nlq

import (
	"fmt"
	"slices"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Time: the spans of the question (上个月, 2024年Q3, last week) are resolved
// first and masked, so the rest is read without them; then applied to the
// query (a range, a shift such as 去年同期, a grain, a comparison), and what
// the question left open is filled with the metric's default, stated.

// constructTimeSpan resolves the question's time words; a year outside the
// data is asked about, never replaced by another period.
func constructTimeSpan(rd *reading) bool {
	rd.ti = ResolveTime(rd.q, rd.asOf)
	if rd.ti.BadYear == 0 {
		return false
	}
	lang := rd.lang
	rd.t.Clarify = &Clarification{Message: msg(lang,
		fmt.Sprintf("%d年不在可以查询的时间范围内（%d年至今），请换一个时间，例如：", rd.ti.BadYear, minYear),
		fmt.Sprintf("%d is outside the time that can be asked about (%d to today); try another period, for example:", rd.ti.BadYear, minYear))}
	for _, e := range []string{msg(lang, "今年的"+rd.r.firstLabel(lang), rd.r.firstLabel(lang)+" this year"), msg(lang, "去年的"+rd.r.firstLabel(lang), rd.r.firstLabel(lang)+" last year")} {
		rd.t.Clarify.Options = append(rd.t.Clarify.Options, Option{Label: e, Question: e})
	}
	return true
}

// constructTime applies the question's time to the query.
func constructTime(rd *reading) bool {
	ti, query := rd.ti, rd.query
	switch {
	case ti.Range != nil && ti.Shift == "":
		query.Time = ensureTime(query.Time)
		query.Time.Range = ti.Range
	case ti.Shift != "":
		query.Time = ensureTime(query.Time)
		base := ti.Range
		if base == nil && query.Time.Range != nil {
			base = query.Time.Range
		}
		if base == nil {
			base = rd.r.defaultRange(query, rd.asOf)
		}
		if base != nil {
			months := map[string]int{"year": -12, "month": -1}[ti.Shift]
			shifted := shiftRange(*base, months)
			query.Time.Range = &shifted
		}
	}
	if ti.Grain != "" {
		query.Time = ensureTime(query.Time)
		query.Time.Grain = ti.Grain
	}
	if ti.Compare != "" {
		query.Compare = ti.Compare
	}
	return false
}

// constructDefaultTime fills the range the question left open (stated in
// a note), the grain of a trend, and drops a comparison with no range.
func constructDefaultTime(rd *reading) bool {
	query, lang := rd.query, rd.lang
	if query.Time == nil || query.Time.Range == nil {
		if dr := rd.r.defaultRange(query, rd.asOf); dr != nil {
			query.Time = ensureTime(query.Time)
			query.Time.Range = dr
			rd.t.Notes = append(rd.t.Notes, msg(lang, "未指定时间，默认按"+rangeText(*dr, "zh")+"统计", "no time given: showing "+rangeText(*dr, "en")))
			rd.t.DefaultTime = true
		}
	}
	if rd.ti.Trend && (query.Time == nil || query.Time.Grain == "") {
		query.Time = ensureTime(query.Time)
		query.Time.Grain = AutoGrain(query.Time.Range)
	}
	seriesSplit(rd)
	if query.Compare != "" && (query.Time == nil || query.Time.Range == nil) {
		query.Compare = ""
	}
	return false
}

// seriesSplit: a metric with a series (retention by months since the first
// order) is never averaged over its series: 2025年1月新客各月的留存率 and
// 2025年1月新客的留存趋势 (one cohort "by month") split by the series instead
// of a grain, and a question that neither names nor splits by the series
// (2025年各月的留存率) is split by it too, beside its grain.
func seriesSplit(rd *reading) {
	q := rd.query
	if len(q.Metrics) == 0 {
		return
	}
	series := ""
	for _, name := range q.Metrics {
		mt := rd.r.model.Metric(name)
		if mt == nil || mt.Series == "" || series != "" && mt.Series != series {
			return
		}
		series = mt.Series
	}
	if hasFilter(q.Filters, series) || slices.Contains(q.Dimensions, series) {
		return
	}
	if q.Time != nil && q.Time.Range != nil && q.Time.Grain != "" && withinMonth(*q.Time.Range) {
		q.Time.Grain = ""
	}
	q.Dimensions = append(q.Dimensions, series)
}

// withinMonth: the range lies in one calendar month (one cohort).
func withinMonth(r semantic.DateRange) bool {
	return r.Start.Year() == r.End.Year() && r.Start.Month() == r.End.Month()
}
