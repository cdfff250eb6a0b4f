package semantic

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Access policies: the model names roles, and each role says what its users
// may see — which metrics and dimensions, and which rows. Row rules are
// dimension conditions whose values come from the user's attributes
// ("region = {user.region}", "store in {user.stores}"). The compiler adds the
// rules to every scan of every query, so what a user sees is what the data
// would hold if it had only their rows; a metric no rule path restricts is
// hidden from the role rather than shown unfiltered.

// RoleAdmin is the role that manages users, examples and subscriptions. A
// model that does not define it gets it implicitly, seeing everything.
const RoleAdmin = "admin"

// Role is one access role of the model.
type Role struct {
	Name  string
	Label Text
	// Admin roles manage users, confirmed examples and every subscription.
	Admin bool
	// Metrics and Dimensions, when set, list all the role may see;
	// HiddenMetrics and HiddenDimensions remove names from what it sees.
	Metrics          []string
	Dimensions       []string
	HiddenMetrics    []string
	HiddenDimensions []string
	// Rows are the row rules, all of which apply.
	Rows []RowRule
	// PII: the role may see dimensions marked as personal data.
	PII  bool
	Line int

	once         sync.Once
	unrestricted map[string]bool // metrics the rules cannot restrict
}

// RowRule restricts rows by one dimension: Op is in or not_in; the values are
// Literal, or the user's attribute Attr (comma-separated for several values).
type RowRule struct {
	Dimension string
	Op        string
	Attr      string
	Literal   []string
	Text      string
}

// Roles lists the model's roles in file order (the implicit admin role last
// when the model does not define it).
func (m *Model) Roles() []*Role { return m.roles }

// Role returns the named role, or nil.
func (m *Model) Role(name string) *Role {
	for _, r := range m.roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// NeededAttrs lists the user attributes the role's rules read.
func (r *Role) NeededAttrs() []string {
	var out []string
	for _, rr := range r.Rows {
		if rr.Attr != "" && !slices.Contains(out, rr.Attr) {
			out = append(out, rr.Attr)
		}
	}
	return out
}

// Access is what one user may see: their role with the row rules' values
// filled in from their attributes. A nil *Access sees everything.
type Access struct {
	Role  *Role
	Rules []Filter
	// Scope describes the rows in words, per language, for notes such as
	// "你只能查看 大区 为 华南 的数据".
	Scope Text
	m     *Model
}

// Access resolves a role for a user with the given attributes. It fails,
// rather than dropping a rule, when the role is unknown or an attribute a
// rule needs is missing or empty.
func (m *Model) Access(role string, attrs map[string]string) (*Access, error) {
	r := m.Role(role)
	if r == nil {
		var names []string
		for _, r := range m.roles {
			names = append(names, r.Name)
		}
		return nil, &Error{Code: CodeUnknownRole, Message: fmt.Sprintf("unknown role %q (the model defines %s)", role, strings.Join(names, ", ")),
			Suggestions: closest(role, names, 2)}
	}
	a := &Access{Role: r, m: m}
	var zh, en []string
	for _, rr := range r.Rows {
		vals := rr.Literal
		if rr.Attr != "" {
			vals = SplitAttr(attrs[rr.Attr])
			if len(vals) == 0 {
				return nil, &Error{Code: CodeMissingAttribute, Message: fmt.Sprintf(
					"role %s restricts rows by the user attribute %q, which this user does not have; an admin must set it (wenshu user attr --attr %s=...)",
					r.Name, rr.Attr, rr.Attr)}
			}
		}
		d := m.dims[rr.Dimension]
		values := make([]any, len(vals))
		zv, ev := make([]string, len(vals)), make([]string, len(vals))
		for i, v := range vals {
			values[i] = d.NormalizeValue(v)
			zv[i], ev[i] = d.ValueLabel(values[i], "zh"), d.ValueLabel(values[i], "en")
		}
		a.Rules = append(a.Rules, Filter{Dimension: rr.Dimension, Op: rr.Op, Values: values})
		neg := rr.Op == "not_in"
		zh = append(zh, d.Label.Zh+map[bool]string{false: "为", true: "不是"}[neg]+strings.Join(zv, "、"))
		en = append(en, d.Label.En+map[bool]string{false: " ", true: " not "}[neg]+strings.Join(ev, ", "))
	}
	a.Scope = Text{Zh: strings.Join(zh, "且"), En: strings.Join(en, " and ")}
	return a, nil
}

// SplitAttr splits a multi-valued attribute ("广州天河店,深圳南山店").
func SplitAttr(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SeesPII reports whether the role may see personal data (nil sees all).
func (a *Access) SeesPII() bool { return a == nil || a.Role.Admin || a.Role.PII }

// Restricted reports whether the access has row rules.
func (a *Access) Restricted() bool { return a != nil && len(a.Rules) > 0 }

// IsAdmin reports whether the access manages users and examples.
func (a *Access) IsAdmin() bool { return a == nil || a.Role.Admin }

// MetricVisible reports whether the user may see a metric: the role lists
// it (or lists nothing), does not hide it, and its rules can restrict it.
func (a *Access) MetricVisible(name string) bool {
	if a == nil {
		return true
	}
	r := a.Role
	if len(r.Metrics) > 0 && !slices.Contains(r.Metrics, name) || slices.Contains(r.HiddenMetrics, name) {
		return false
	}
	r.once.Do(func() { r.unrestricted = a.m.unrestricted(r) })
	return !r.unrestricted[name]
}

// DimensionVisible reports whether the user may split or filter by a dimension.
func (a *Access) DimensionVisible(name string) bool {
	if a == nil {
		return true
	}
	r := a.Role
	return !(len(r.Dimensions) > 0 && !slices.Contains(r.Dimensions, name) || slices.Contains(r.HiddenDimensions, name))
}

// RuleValues returns the values the rules allow on a dimension (nil when no
// in-rule is on it).
func (a *Access) RuleValues(dim string) []any {
	if a == nil {
		return nil
	}
	for _, f := range a.Rules {
		if f.Dimension == dim && f.Op == "in" {
			return f.Values
		}
	}
	return nil
}

// unrestricted finds the metrics a role's rules cannot restrict, by
// compiling each metric with the rules (placeholder values).
func (m *Model) unrestricted(r *Role) map[string]bool {
	out := map[string]bool{}
	if len(r.Rows) == 0 {
		return out
	}
	var rules []Filter
	for _, rr := range r.Rows {
		rules = append(rules, Filter{Dimension: rr.Dimension, Op: rr.Op, Values: []any{"-"}})
	}
	for _, mt := range m.Metrics {
		q := &Query{Metrics: []string{mt.Name}}
		if _, err := Compile(m, q, CompileOptions{Rules: rules}); err != nil {
			out[mt.Name] = true
		}
	}
	return out
}

// checkAccess refuses what the role may not see, every problem at once.
func (a *Access) check(c *checked, q *Query, errs *ErrorList) {
	for i, name := range q.Metrics {
		if a.m.metrics[name] != nil && !a.MetricVisible(name) {
			errs.add(fmt.Sprintf("metrics[%d]", i), CodeNotPermitted, "metric %q is not available to the role %s", name, a.Role.Name)
		}
	}
	for i, name := range q.Dimensions {
		if a.m.dims[name] != nil && !a.DimensionVisible(name) {
			errs.add(fmt.Sprintf("dimensions[%d]", i), CodeNotPermitted, "dimension %q is not available to the role %s", name, a.Role.Name)
		}
	}
	for i, f := range q.Filters {
		if f.Dimension != "" && a.m.dims[f.Dimension] != nil && !a.DimensionVisible(f.Dimension) {
			errs.add(fmt.Sprintf("filters[%d].dimension", i), CodeNotPermitted, "dimension %q is not available to the role %s", f.Dimension, a.Role.Name)
		}
	}
}

type rawRole struct {
	Label            Text      `yaml:"label"`
	Admin            bool      `yaml:"admin"`
	Metrics          []string  `yaml:"metrics"`
	Dimensions       []string  `yaml:"dimensions"`
	HiddenMetrics    []string  `yaml:"hidden_metrics"`
	HiddenDimensions []string  `yaml:"hidden_dimensions"`
	Rows             yaml.Node `yaml:"rows"`
	PII              bool      `yaml:"pii"`
}

// ruleRE reads "dimension op value": op is =, in, != or not in; the value is
// {user.attr}, a quoted literal, or a parenthesized list of quoted literals.
var ruleRE = regexp.MustCompile(`^\s*([a-z][a-z0-9_]*)\s*(=|!=|<>|(?i:not\s+in)|(?i:in))\s*(.+?)\s*$`)
var attrRE = regexp.MustCompile(`^\{\s*user\.([A-Za-z_][A-Za-z0-9_]*)\s*\}$`)
var literalRE = regexp.MustCompile(`'((?:[^']|'')*)'`)

// parseAccess reads the access section; called after dimensions are read.
func (p *modelParser) parseAccess(m *Model, n *yaml.Node) {
	if n.Kind != 0 {
		if n.Kind != yaml.MappingNode {
			p.errf(n.Line, "access", "must be a mapping with roles")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value != "roles" {
				p.errf(k.Line, "access."+k.Value, "unknown field (want roles)")
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "roles" {
				p.each(n.Content[i+1], "access.roles", func(name string, line int, v *yaml.Node) { p.parseRole(m, name, line, v) })
			}
		}
	}
	if m.Role(RoleAdmin) == nil {
		m.roles = append(m.roles, &Role{Name: RoleAdmin, Label: Text{Zh: "管理员", En: "Administrator"}, Admin: true})
	}
}

func (p *modelParser) parseRole(m *Model, name string, line int, n *yaml.Node) {
	elem := "access.roles." + name
	var rr rawRole
	if err := n.Decode(&rr); err != nil {
		p.errf(line, elem, "%v", err)
		return
	}
	if !nameRE.MatchString(name) {
		p.errf(line, elem, "role names are lower-case identifiers")
	}
	r := &Role{Name: name, Label: rr.Label, Admin: rr.Admin, Metrics: rr.Metrics, Dimensions: rr.Dimensions,
		HiddenMetrics: rr.HiddenMetrics, HiddenDimensions: rr.HiddenDimensions, PII: rr.PII, Line: line}
	for _, list := range []struct {
		field string
		names []string
		known func(string) bool
		all   []string
	}{
		{"metrics", r.Metrics, func(s string) bool { return m.metrics[s] != nil }, metricNames(m)},
		{"hidden_metrics", r.HiddenMetrics, func(s string) bool { return m.metrics[s] != nil }, metricNames(m)},
		{"dimensions", r.Dimensions, func(s string) bool { return m.dims[s] != nil }, dimensionNames(m)},
		{"hidden_dimensions", r.HiddenDimensions, func(s string) bool { return m.dims[s] != nil }, dimensionNames(m)},
	} {
		for _, s := range list.names {
			if !list.known(s) {
				p.errf(line, elem+"."+list.field, "unknown name %q%s", s, didYouMean(s, list.all))
			}
		}
	}
	if rr.Rows.Kind != 0 && rr.Rows.Kind != yaml.SequenceNode {
		p.errf(rr.Rows.Line, elem+".rows", "must be a list of rules such as \"region = {user.region}\"")
	}
	for _, c := range rr.Rows.Content {
		if rule, err := parseRowRule(m, c.Value); err != nil {
			p.errf(c.Line, elem+".rows", "%v", err)
		} else {
			r.Rows = append(r.Rows, rule)
		}
	}
	m.roles = append(m.roles, r)
}

// parseRowRule reads one row rule.
func parseRowRule(m *Model, s string) (RowRule, error) {
	g := ruleRE.FindStringSubmatch(s)
	if g == nil {
		return RowRule{}, fmt.Errorf("cannot read the rule %q (want e.g. \"region = {user.region}\" or \"store in {user.stores}\")", s)
	}
	rule := RowRule{Dimension: g[1], Text: strings.TrimSpace(s)}
	if m.dims[rule.Dimension] == nil {
		return rule, fmt.Errorf("rule %q: unknown dimension %q%s", s, rule.Dimension, didYouMean(rule.Dimension, dimensionNames(m)))
	}
	switch strings.ToLower(strings.Join(strings.Fields(g[2]), " ")) {
	case "=", "in":
		rule.Op = "in"
	default:
		rule.Op = "not_in"
	}
	rhs := g[3]
	if a := attrRE.FindStringSubmatch(rhs); a != nil {
		rule.Attr = a[1]
		return rule, nil
	}
	body := strings.TrimSpace(rhs)
	if strings.HasPrefix(body, "(") && strings.HasSuffix(body, ")") {
		body = body[1 : len(body)-1]
	}
	rest := literalRE.ReplaceAllStringFunc(body, func(lit string) string {
		rule.Literal = append(rule.Literal, strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"))
		return ""
	})
	if len(rule.Literal) == 0 || strings.Trim(rest, " ,") != "" {
		return rule, fmt.Errorf("rule %q: the value must be {user.ATTRIBUTE}, a quoted value, or a list of quoted values", s)
	}
	return rule, nil
}

func dimensionNames(m *Model) []string {
	out := make([]string, len(m.Dimensions))
	for i, d := range m.Dimensions {
		out[i] = d.Name
	}
	return out
}
