package semantic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Query is a semantic query: what a translator emits and what
// POST /api/v1/query takes. See shared/design/ARCHITECTURE.md.
type Query struct {
	Metrics    []string  `json:"metrics"`
	Dimensions []string  `json:"dimensions,omitempty"`
	Time       *Time     `json:"time,omitempty"`
	Filters    []Filter  `json:"filters,omitempty"`
	Compare    string    `json:"compare,omitempty"`
	Share      []string  `json:"share,omitempty"`
	Order      []OrderBy `json:"order,omitempty"`
	Limit      int       `json:"limit,omitempty"`
	// List names an audience of the model (圈人): the answer is one row per
	// member with the audience's columns, not metrics (see CompileList).
	List string `json:"list,omitempty"`
}

// Time restricts a query to a date range and optionally buckets it.
type Time struct {
	Grain string     `json:"grain,omitempty"`
	Range *DateRange `json:"range,omitempty"`
}

// Filter keeps rows whose dimension (or groups whose metric) satisfies Op.
// Exactly one of Dimension and Metric is set.
type Filter struct {
	Dimension string `json:"dimension,omitempty"`
	Metric    string `json:"metric,omitempty"`
	Op        string `json:"op"`
	Values    []any  `json:"values,omitempty"`
	// Value is shorthand for a one-element Values.
	Value any `json:"value,omitempty"`
}

// OrderBy sorts results by a metric, dimension, time bucket or derived column.
type OrderBy struct {
	By   string `json:"by"`
	Desc bool   `json:"desc,omitempty"`
}

// Grains and comparisons.
const (
	GrainDay     = "day"
	GrainWeek    = "week"
	GrainMonth   = "month"
	GrainQuarter = "quarter"
	GrainYear    = "year"

	CompareYoY = "yoy"
	ComparePoP = "pop"
)

// Grains lists the time grains, finest first.
var Grains = []string{GrainDay, GrainWeek, GrainMonth, GrainQuarter, GrainYear}

// Filter operators.
var FilterOps = []string{"in", "not_in", "eq", "ne", "gt", "gte", "lt", "lte", "between", "contains"}

// MaxQueryBytes caps the size of a query document.
const MaxQueryBytes = 64 << 10

// ParseQuery decodes a query from JSON, rejecting unknown fields and
// trailing data with a typed *Error (code bad_json).
func ParseQuery(data []byte) (*Query, error) {
	if len(data) > MaxQueryBytes {
		return nil, &Error{Code: CodeBadJSON, Message: fmt.Sprintf("query is %d bytes, more than the %d allowed", len(data), MaxQueryBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var q Query
	if err := dec.Decode(&q); err != nil {
		return nil, &Error{Code: CodeBadJSON, Message: "malformed query JSON: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Code: CodeBadJSON, Message: "malformed query JSON: data after the query object"}
	}
	for i := range q.Filters {
		q.Filters[i].normalize()
	}
	return &q, nil
}

// normalize folds Value into Values and json.Number into float64 or int64.
func (f *Filter) normalize() {
	if f.Value != nil && len(f.Values) == 0 {
		f.Values = []any{f.Value}
	}
	f.Value = nil
	for i, v := range f.Values {
		if n, ok := v.(json.Number); ok {
			if iv, err := n.Int64(); err == nil {
				f.Values[i] = iv
			} else if fv, err := n.Float64(); err == nil {
				f.Values[i] = fv
			}
		}
	}
}

// Clone returns a deep copy, so that a conversation can change a query
// without touching the one it came from.
func (q *Query) Clone() *Query {
	if q == nil {
		return nil
	}
	c := *q
	c.Metrics = append([]string(nil), q.Metrics...)
	c.Dimensions = append([]string(nil), q.Dimensions...)
	c.Share = append([]string(nil), q.Share...)
	c.Order = append([]OrderBy(nil), q.Order...)
	c.Filters = nil
	for _, f := range q.Filters {
		f.Values = append([]any(nil), f.Values...)
		c.Filters = append(c.Filters, f)
	}
	if q.Time != nil {
		t := *q.Time
		if q.Time.Range != nil {
			r := *q.Time.Range
			t.Range = &r
		}
		c.Time = &t
	}
	return &c
}
