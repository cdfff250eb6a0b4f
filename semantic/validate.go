package semantic

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxLimit caps a query's limit.
const MaxLimit = 10000

// checked is a query that passed validation, with names resolved.
type checked struct {
	q          *Query
	metrics    []*Metric
	dims       []*Dimension
	grain      string
	rng        *DateRange
	dimFilters []dimFilter
	having     []Filter
	columns    []string // every output column name, for order validation
}

type dimFilter struct {
	dim    *Dimension
	op     string
	values []any
	path   string
	rule   bool // an access rule, not part of the question
}

var filterArity = map[string][2]int{
	"in": {1, 1000}, "not_in": {1, 1000}, "eq": {1, 1}, "ne": {1, 1}, "gt": {1, 2}, "gte": {1, 2},
	"lt": {1, 2}, "lte": {1, 2}, "between": {2, 2}, "contains": {1, 1},
}

// validate resolves every name in q and collects every problem at once.
func (m *Model) validate(q *Query, rules []Filter, access *Access) (*checked, error) {
	var errs ErrorList
	c := &checked{q: q}
	if access != nil {
		access.check(c, q, &errs)
	}
	if len(q.Metrics) == 0 {
		errs.add("metrics", CodeEmptyQuery, "the query names no metric")
	}
	for i, name := range q.Metrics {
		mt := m.metrics[name]
		if mt == nil {
			e := errs.add(fmt.Sprintf("metrics[%d]", i), CodeUnknownMetric, "unknown metric %q", name)
			e.Suggestions = m.SuggestMetrics(name)
			continue
		}
		if !slices.Contains(c.metrics, mt) {
			c.metrics = append(c.metrics, mt)
		}
	}
	for i, name := range q.Dimensions {
		d := m.dims[name]
		if d == nil {
			e := errs.add(fmt.Sprintf("dimensions[%d]", i), CodeUnknownDimension, "unknown dimension %q", name)
			e.Suggestions = m.SuggestDimensions(name)
			continue
		}
		if slices.Contains(c.dims, d) {
			errs.add(fmt.Sprintf("dimensions[%d]", i), CodeDuplicate, "dimension %q is listed twice", name)
			continue
		}
		c.dims = append(c.dims, d)
	}
	if q.Time != nil {
		if q.Time.Grain != "" {
			if !slices.Contains(Grains, q.Time.Grain) {
				e := errs.add("time.grain", CodeBadGrain, "unknown grain %q (want %s)", q.Time.Grain, strings.Join(Grains, ", "))
				e.Suggestions = closest(q.Time.Grain, Grains, 1)
			} else {
				c.grain = q.Time.Grain
			}
		}
		if r := q.Time.Range; r != nil {
			switch {
			case r.Start.IsZero() || r.End.IsZero():
				errs.add("time.range", CodeBadTimeRange, "a range needs both start and end (YYYY-MM-DD)")
			case r.End.Before(r.Start.Time):
				errs.add("time.range", CodeBadTimeRange, "the range ends (%s) before it starts (%s)", r.End, r.Start)
			case r.Start.Year() < 1900 || r.End.Year() > 2200:
				errs.add("time.range", CodeBadTimeRange, "the range %s is outside the years 1900-2200", r)
			default:
				c.rng = r
			}
		}
	}
	if c.grain != "" && len(c.metrics) > 0 && !slices.ContainsFunc(c.metrics, m.HasTime) {
		errs.add("time.grain", CodeBadGrain, "no metric of the query has a time dimension to bucket by %s", c.grain)
	}
	if c.grain != "" && c.rng == nil {
		for _, mt := range c.metrics {
			if m.needsCumulative(mt) {
				errs.add("time.range", CodeBadTimeRange, "metric %q accumulates over time: bucketing it by %s needs a time range", mt.Name, c.grain)
			}
		}
	}
	switch q.Compare {
	case "", CompareYoY, ComparePoP:
		if q.Compare != "" && c.rng == nil && !(q.Time != nil && q.Time.Range != nil) {
			errs.add("compare", CodeBadCompare, "compare %q needs a time range to compare against", q.Compare)
		}
	default:
		errs.add("compare", CodeBadCompare, "unknown compare %q (want yoy or pop)", q.Compare)
	}
	for i, f := range rules {
		m.checkFilter(c, &errs, fmt.Sprintf("rules[%d]", i), f, true)
	}
	for i, f := range q.Filters {
		m.checkFilter(c, &errs, fmt.Sprintf("filters[%d]", i), f, false)
	}
	for i, name := range q.Share {
		mt := m.metrics[name]
		if mt == nil || !slices.Contains(c.metrics, mt) {
			errs.add(fmt.Sprintf("share[%d]", i), CodeBadShare, "share of %q needs that metric in metrics", name)
		}
	}
	c.columns = c.outputNames()
	for i, o := range q.Order {
		if !slices.Contains(c.columns, o.By) {
			e := errs.add(fmt.Sprintf("order[%d]", i), CodeBadOrder, "cannot order by %q: it is not a column of the result (%s)", o.By, strings.Join(c.columns, ", "))
			e.Suggestions = closest(o.By, c.columns, 3)
		}
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		errs.add("limit", CodeBadLimit, "limit must be between 0 and %d, got %d", MaxLimit, q.Limit)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (m *Model) checkFilter(c *checked, errs *ErrorList, path string, f Filter, rule bool) {
	f.normalize()
	arity, ok := filterArity[f.Op]
	if !ok {
		e := errs.add(path+".op", CodeBadFilter, "unknown filter op %q (want %s)", f.Op, strings.Join(FilterOps, ", "))
		e.Suggestions = closest(f.Op, FilterOps, 2)
		return
	}
	if n := len(f.Values); n < arity[0] || n > arity[1] {
		if arity[0] == arity[1] {
			errs.add(path+".values", CodeBadFilter, "op %s takes %d value(s), got %d", f.Op, arity[0], n)
		} else {
			errs.add(path+".values", CodeBadFilter, "op %s takes between %d and %d values, got %d", f.Op, arity[0], arity[1], n)
		}
		return
	}
	if len(f.Values) == 2 && arity == [2]int{1, 2} && (f.Values[0] == nil || f.Values[1] != nil) {
		// A comparison's second value can only be null: "or no value" (近90天
		//没有购买 keeps the members who never bought).
		errs.add(path+".values", CodeBadFilter, "op %s takes one value, and null as a second one to keep rows with no value", f.Op)
		return
	}
	for _, v := range f.Values {
		switch v.(type) {
		case nil, string, float64, int64, int, bool:
		default:
			errs.add(path+".values", CodeBadFilter, "filter values must be strings, numbers, booleans or null, got %T", v)
			return
		}
	}
	switch {
	case f.Dimension != "" && f.Metric != "":
		errs.add(path, CodeBadFilter, "a filter is on a dimension or on a metric, not both")
	case f.Dimension != "":
		d := m.dims[f.Dimension]
		if d == nil {
			e := errs.add(path+".dimension", CodeUnknownDimension, "unknown dimension %q", f.Dimension)
			e.Suggestions = m.SuggestDimensions(f.Dimension)
			return
		}
		if f.Op == "contains" {
			if _, ok := f.Values[0].(string); !ok || d.Type != DimText {
				errs.add(path+".values", CodeBadFilter, "contains takes a string, on a text dimension")
				return
			}
		}
		for _, v := range f.Values {
			if v == nil {
				continue
			}
			var ok bool
			switch v.(type) {
			case string:
				ok = d.Type == DimText
			case bool:
				ok = d.Type == DimBoolean
			default:
				ok = d.Type == DimNumber
			}
			if !ok {
				errs.add(path+".values", CodeBadFilter, "dimension %q holds %s values; %v (%s) cannot be compared with them",
					f.Dimension, d.Type, v, valueKind(v))
				return
			}
		}
		vals := make([]any, len(f.Values))
		for i, v := range f.Values {
			if s, ok := v.(string); ok && f.Op != "contains" {
				v = d.NormalizeValue(s)
			}
			vals[i] = v
		}
		c.dimFilters = append(c.dimFilters, dimFilter{dim: d, op: f.Op, values: vals, path: path, rule: rule})
	case f.Metric != "":
		if rule {
			errs.add(path, CodeBadFilter, "access rules filter dimensions, not metrics")
			return
		}
		mt := m.metrics[f.Metric]
		if mt == nil {
			e := errs.add(path+".metric", CodeUnknownMetric, "unknown metric %q", f.Metric)
			e.Suggestions = m.SuggestMetrics(f.Metric)
			return
		}
		if !slices.Contains(c.metrics, mt) {
			errs.add(path+".metric", CodeBadFilter, "a filter on metric %q needs that metric in metrics", f.Metric)
			return
		}
		if f.Op == "contains" || f.Op == "in" || f.Op == "not_in" {
			errs.add(path+".op", CodeBadFilter, "op %s does not apply to a metric", f.Op)
			return
		}
		for _, v := range f.Values {
			switch v.(type) {
			case float64, int64, int:
			default:
				errs.add(path+".values", CodeBadFilter, "a metric is compared with numbers, got %v", v)
				return
			}
		}
		c.having = append(c.having, f)
	default:
		errs.add(path, CodeBadFilter, "a filter needs a dimension or a metric")
	}
}

// needsCumulative reports whether a metric (or a component) accumulates.
func (m *Model) needsCumulative(mt *Metric) bool {
	if mt.Type == TypeDerived {
		return slices.ContainsFunc(mt.deps, func(d string) bool { return m.needsCumulative(m.metrics[d]) })
	}
	return mt.Cumulative
}

// outputNames lists the result's columns in order.
func (c *checked) outputNames() []string {
	var out []string
	if c.grain != "" {
		out = append(out, c.grain)
	}
	for _, d := range c.dims {
		out = append(out, d.Name)
	}
	for _, mt := range c.metrics {
		out = append(out, mt.Name)
		if c.q.Compare != "" {
			out = append(out, mt.Name+"_previous", mt.Name+"_change", mt.Name+"_diff")
		}
		if slices.Contains(c.q.Share, mt.Name) {
			out = append(out, mt.Name+"_share")
		}
	}
	return out
}

func valueKind(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// CheckModel binds every metric and dimension of a model against the data
// without reading it: probe runs each compiled query wrapped in LIMIT 0, so
// a column or table the model names wrongly is reported at start-up, by
// metric or dimension, instead of on the first question that needs it.
// The engines (semantic/duckdb, semantic/postgres) give probe.
func CheckModel(m *Model, opts CompileOptions, probe func(sql string, args []any) error) error {
	var errs []error
	run := func(what, sql string, args []any) {
		if err := probe("SELECT * FROM ("+sql+") AS probe LIMIT 0", args); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for _, mt := range m.Metrics {
		plan, err := Compile(m, &Query{Metrics: []string{mt.Name}}, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("metric %s: %w", mt.Name, err))
			continue
		}
		run("metric "+mt.Name, plan.SQL, plan.Args)
	}
	for _, d := range m.Dimensions {
		plan, err := ValuesPlan(m, d.Name, 1, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("dimension %s: %w", d.Name, err))
			continue
		}
		run("dimension "+d.Name, plan.SQL, plan.Args)
	}
	return errors.Join(errs...)
}
