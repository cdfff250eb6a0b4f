package nlq

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Scope is what one asker may see, as the ask pipeline needs it: their
// access (role and row rules, applied by the compiler) and, when rows are
// restricted, the values of each dimension inside their rows, so that a
// question about a value outside them is refused with a note instead of
// answered with an empty or a wider result. A nil *Scope sees everything.
type Scope struct {
	Access *semantic.Access
	// Values lists, per dimension, the values within the asker's rows; a
	// dimension with more than MaxValuesPerDimension values is absent (its
	// values cannot be checked, the rules still restrict its rows).
	Values map[string][]string
}

// NewScope reads the values visible under access from the data. With no
// row rules there is nothing to read.
func NewScope(ctx context.Context, m *semantic.Model, r Runner, access *semantic.Access) (*Scope, error) {
	s := &Scope{Access: access}
	if !access.Restricted() {
		return s, nil
	}
	vals, err := loadValues(ctx, m, r, semantic.CompileOptions{Access: access}, MaxValuesPerDimension+1)
	if err != nil {
		return nil, fmt.Errorf("values visible to role %s: %w", access.Role.Name, err)
	}
	for d, vs := range vals {
		if len(vs) > MaxValuesPerDimension {
			delete(vals, d)
		}
	}
	s.Values = vals
	return s, nil
}

func (s *Scope) access() *semantic.Access {
	if s == nil {
		return nil
	}
	return s.Access
}

// MetricVisible and DimensionVisible say what the asker's role may see.
func (s *Scope) MetricVisible(name string) bool    { return s.access().MetricVisible(name) }
func (s *Scope) DimensionVisible(name string) bool { return s.access().DimensionVisible(name) }

// ValueVisible reports whether a dimension value lies within the asker's
// rows (true when it cannot be told).
func (s *Scope) ValueVisible(m *semantic.Model, dim string, v any) bool {
	a := s.access()
	if !a.Restricted() || v == nil {
		return true
	}
	str, ok := v.(string)
	if !ok {
		return true
	}
	d := m.Dimension(dim)
	if d == nil {
		return true
	}
	str = d.NormalizeValue(str)
	if allowed := a.RuleValues(dim); allowed != nil {
		return slices.Contains(allowed, any(str))
	}
	if vals, ok := s.Values[dim]; ok {
		return slices.Contains(vals, str)
	}
	return true
}

// ScopeError is a question outside the asker's rows: it gets no numbers.
type ScopeError struct {
	Dimension string
	Values    []string
	Message   string
}

func (e *ScopeError) Error() string { return e.Message }

// Check looks at the filters of a query before it runs. A filter whose every
// value lies outside the asker's rows is a ScopeError; a filter with some
// values outside gives a note naming them (the rules drop their rows).
func (s *Scope) Check(m *semantic.Model, q *semantic.Query, lang string) (notes []string, err *ScopeError) {
	a := s.access()
	if !a.Restricted() || q == nil {
		return nil, nil
	}
	for _, f := range q.Filters {
		if f.Dimension == "" || (f.Op != "in" && f.Op != "eq") {
			continue
		}
		d := m.Dimension(f.Dimension)
		if d == nil {
			continue
		}
		vals := f.Values
		if f.Value != nil && len(vals) == 0 {
			vals = []any{f.Value}
		}
		var outside []string
		inside := 0
		for _, v := range vals {
			if v == nil {
				continue
			}
			if s.ValueVisible(m, f.Dimension, v) {
				inside++
			} else {
				outside = append(outside, d.ValueLabel(d.NormalizeValue(fmt.Sprint(v)), lang))
			}
		}
		if len(outside) == 0 {
			continue
		}
		list := strings.Join(outside, msg(lang, "、", ", "))
		ruled := a.RuleValues(f.Dimension) != nil
		if inside == 0 {
			m := msg(lang, "你只能查看"+a.Scope.Zh+"的数据；"+list+"不在你的权限范围内。",
				"You can see "+a.Scope.En+" only; "+list+" is outside your scope.")
			if !ruled {
				// Not the rule's own dimension: the value may exist, just
				// not within the asker's rows (天猫 for a region, a product
				// their stores never sold).
				m = msg(lang, "你只能查看"+a.Scope.Zh+"的数据，其中没有"+list+"的数据。",
					"You can see "+a.Scope.En+" only, and it holds no data for "+list+".")
			}
			return nil, &ScopeError{Dimension: f.Dimension, Values: outside, Message: m}
		}
		notes = append(notes, msg(lang, list+"不在你的权限范围内，未计入结果", list+" is outside your scope and not included"))
	}
	return notes, nil
}

// Note says, for a restricted asker, which rows every answer covers.
func (s *Scope) Note(lang string) string {
	a := s.access()
	if !a.Restricted() {
		return ""
	}
	return msg(lang, "按你的权限，结果只包含"+a.Scope.Zh+"的数据", "By your access, the result covers "+a.Scope.En+" only")
}

// notPermitted names, for a refusal, what in q the asker's role may not
// see; "" when the role may see all of it.
func notPermitted(m *semantic.Model, s *Scope, q *semantic.Query, lang string) string {
	var names []string
	for _, name := range q.Metrics {
		if mt := m.Metric(name); mt != nil && !s.MetricVisible(name) {
			names = append(names, mt.Label.In(lang))
		}
	}
	dims := slices.Clone(q.Dimensions)
	for _, f := range q.Filters {
		if f.Dimension != "" {
			dims = append(dims, f.Dimension)
		}
	}
	for _, name := range dims {
		if d := m.Dimension(name); d != nil && !s.DimensionVisible(name) && !slices.Contains(names, d.Label.In(lang)) {
			names = append(names, d.Label.In(lang))
		}
	}
	if len(names) == 0 {
		return ""
	}
	role := s.access().Role
	return msg(lang, "你的角色（"+role.Label.Zh+"）无权查看"+strings.Join(names, "、")+"。",
		"Your role ("+role.Label.En+") may not see "+strings.Join(names, ", ")+".")
}

// Allows reports whether the asker could run q: everything it names is
// visible and its filters stay inside the asker's rows.
func (s *Scope) Allows(m *semantic.Model, q *semantic.Query) bool {
	if s.access() == nil {
		return true
	}
	if q == nil || notPermitted(m, s, q, "en") != "" {
		return false
	}
	if _, err := s.Check(m, q, "en"); err != nil {
		return false
	}
	return true
}
