package nlq

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Anomalies of a trend: points outside a robust band around what their
// neighbours say — the same weekday (daily series of three weeks or more)
// or the same month of other years (monthly series of two years or more)
// where the series is long enough to show a season, the points beside it
// otherwise. The band is the neighbours' median ± 3 robust deviations
// (1.4826 · the median absolute residual of the series), so one outlier
// cannot widen it; a point must also differ by 5 % from what is expected.
// The most extreme one is explained like a why-question.

// Anomaly is one point outside its band.
type Anomaly struct {
	Bucket   string  `json:"bucket"`
	Label    string  `json:"label"`
	Value    float64 `json:"value"`
	Expected float64 `json:"expected"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	// Direction is high or low.
	Direction string `json:"direction"`
}

var seasons = map[string]int{semantic.GrainDay: 7, semantic.GrainMonth: 12, semantic.GrainQuarter: 4}

// findAnomalies flags the points of a series (at least six) outside their
// band. A first pass finds the outliers; the second judges every point
// against neighbours that are not outliers themselves, so one collapse
// does not make the points beside it look high.
func findAnomalies(grain string, values []float64) []int {
	idx, _ := anomaliesWithScale(grain, values)
	return idx
}

// anomaliesWithScale is findAnomalies with the robust scale of the band.
func anomaliesWithScale(grain string, values []float64) ([]int, float64) {
	if len(values) < 6 {
		return nil, 0
	}
	first, scale := flagPass(grain, values, nil)
	if scale == 0 || len(first) == 0 {
		return nil, scale
	}
	skip := map[int]bool{}
	for _, i := range first {
		skip[i] = true
	}
	var out []int
	for i, v := range values {
		exp := expectedAt(grain, values, i, skip)
		if r := v - exp; math.Abs(r) > 3*scale && exp != 0 && math.Abs(r/exp) >= 0.05 {
			out = append(out, i)
		}
	}
	return out, scale
}

// flagPass flags the points outside expected ± 3·scale, the scale read
// from all residuals.
func flagPass(grain string, values []float64, skip map[int]bool) ([]int, float64) {
	res := make([]float64, len(values))
	abs := make([]float64, len(values))
	for i, v := range values {
		res[i] = v - expectedAt(grain, values, i, skip)
		abs[i] = math.Abs(res[i])
	}
	scale := 1.4826 * median(abs)
	if scale == 0 {
		// A series that repeats exactly: the mean deviation, which only
		// the outliers make non-zero.
		var sum float64
		for _, a := range abs {
			sum += a
		}
		scale = 1.2533 * sum / float64(len(abs))
	}
	var out []int
	for i, v := range values {
		exp := v - res[i]
		if scale > 0 && math.Abs(res[i]) > 3*scale && exp != 0 && math.Abs(res[i]/exp) >= 0.05 {
			out = append(out, i)
		}
	}
	return out, scale
}

// expectedAt is the median of point i's neighbours (the same season of
// other cycles when the series shows one), leaving out those in skip.
func expectedAt(grain string, values []float64, i int, skip map[int]bool) float64 {
	n := len(values)
	season := seasons[grain]
	steps := []int{1, 2, 3}
	if season > 0 && n >= 2*season+1 && !(grain == semantic.GrainDay && n < 21) {
		steps = []int{season, 2 * season, 3 * season}
	}
	var nb []float64
	for _, s := range steps {
		for _, j := range []int{i - s, i + s} {
			if j >= 0 && j < n && !skip[j] {
				nb = append(nb, values[j])
			}
		}
	}
	return median(nb)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// anomalies reads a one-metric trend result and flags its anomalies,
// with the band of each; nil when the answer is not one series.
func anomalies(q *semantic.Query, res *semantic.Result, lang string) []Anomaly {
	if q == nil || len(q.Metrics) != 1 || len(q.Dimensions) > 0 || q.Compare != "" || q.Time == nil || q.Time.Grain == "" {
		return nil
	}
	ti := slices.IndexFunc(res.Columns, func(c semantic.Column) bool { return c.Role == semantic.RoleTime })
	mi := slices.IndexFunc(res.Columns, func(c semantic.Column) bool { return c.Role == semantic.RoleMetric })
	if ti < 0 || mi < 0 {
		return nil
	}
	var values []float64
	var buckets []string
	for _, row := range res.Rows {
		v, ok := toFloat(row[mi])
		if !ok {
			return nil // a gap: not a series to judge
		}
		values = append(values, v)
		buckets = append(buckets, fmt.Sprint(row[ti]))
	}
	idx, scale := anomaliesWithScale(q.Time.Grain, values)
	skip := map[int]bool{}
	for _, i := range idx {
		skip[i] = true
	}
	var out []Anomaly
	for _, i := range idx {
		a := Anomaly{Bucket: buckets[i], Label: BucketLabel(q.Time.Grain, buckets[i], lang), Value: values[i], Direction: "high"}
		a.Expected = expectedAt(q.Time.Grain, values, i, skip)
		a.Low, a.High = a.Expected-3*scale, a.Expected+3*scale
		if a.Value < a.Expected {
			a.Direction = "low"
		}
		out = append(out, a)
	}
	return out
}

// bucketRange is the period of a time bucket starting at start.
func bucketRange(grain, start string) (semantic.DateRange, bool) {
	d, err := semantic.ParseDate(start)
	if err != nil {
		return semantic.DateRange{}, false
	}
	switch grain {
	case semantic.GrainDay:
		return semantic.DateRange{Start: d, End: d}, true
	case semantic.GrainWeek:
		return semantic.DateRange{Start: d, End: d.AddDays(6)}, true
	case semantic.GrainMonth:
		return semantic.DateRange{Start: d, End: d.AddMonths(1).AddDays(-1)}, true
	case semantic.GrainQuarter:
		return semantic.DateRange{Start: d, End: d.AddMonths(3).AddDays(-1)}, true
	case semantic.GrainYear:
		return semantic.DateRange{Start: d, End: d.AddMonths(12).AddDays(-1)}, true
	}
	return semantic.DateRange{}, false
}

// anomalyText says the anomalies in words.
func anomalyText(m *semantic.Model, q *semantic.Query, as []Anomaly, lang string) string {
	mt := m.Metric(q.Metrics[0])
	if mt == nil || len(as) == 0 {
		return ""
	}
	var parts []string
	shown := as
	if len(shown) > 5 {
		// The five furthest from what was expected, in time order.
		byDev := slices.Clone(as)
		slices.SortFunc(byDev, func(x, y Anomaly) int {
			return cmpFloat(math.Abs(y.Value-y.Expected), math.Abs(x.Value-x.Expected))
		})
		shown = byDev[:5]
		slices.SortFunc(shown, func(x, y Anomaly) int { return strings.Compare(x.Bucket, y.Bucket) })
	}
	for _, a := range shown {
		word := msg(lang, "明显偏高", "unusually high")
		if a.Direction == "low" {
			word = msg(lang, "明显偏低", "unusually low")
		}
		parts = append(parts, msg(lang,
			fmt.Sprintf("%s %s%s（按前后规律约 %s）", a.Label, FormatCompact(a.Value, MetricUnit(m, mt), lang), word, FormatCompact(a.Expected, MetricUnit(m, mt), lang)),
			fmt.Sprintf("%s at %s is %s (about %s expected)", a.Label, FormatCompact(a.Value, MetricUnit(m, mt), lang), word, FormatCompact(a.Expected, MetricUnit(m, mt), lang))))
	}
	more := ""
	if len(as) > len(shown) {
		more = msg(lang, fmt.Sprintf("，共 %d 处", len(as)), fmt.Sprintf("; %d in all", len(as)))
	}
	return msg(lang, "\n异常：", "\nAnomalies: ") + strings.Join(parts, msg(lang, "；", "; ")) + more + msg(lang, "。", ".")
}

// explainAnomaly runs the why-analysis on the most extreme anomaly's period.
func (e *Engine) explainAnomaly(ctx context.Context, q *semantic.Query, as []Anomaly, asOf semantic.Date, scope *Scope, lang string) *Insight {
	worst, dev := -1, 0.0
	for i, a := range as {
		if d := math.Abs(a.Value - a.Expected); d > dev {
			worst, dev = i, d
		}
	}
	if worst < 0 {
		return nil
	}
	r, ok := bucketRange(q.Time.Grain, as[worst].Bucket)
	if !ok {
		return nil
	}
	w := q.Clone()
	w.Time = &semantic.Time{Range: &r}
	ins, err := e.Insight(ctx, w, nil, asOf, scope, lang)
	if err != nil {
		e.log().Warn("anomaly insight", "err", err)
		return nil
	}
	return ins
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
