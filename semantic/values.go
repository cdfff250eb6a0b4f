package semantic

import (
	"fmt"
	"strings"
)

// ValuesPlan compiles a query listing up to limit distinct non-NULL values
// of a dimension, as bound on its own table (what the translator links
// question words to).
func ValuesPlan(m *Model, dim string, limit int, opts CompileOptions) (*Plan, error) {
	d := m.dims[dim]
	if d == nil {
		return nil, &Error{Code: CodeUnknownDimension, Message: fmt.Sprintf("unknown dimension %q", dim), Suggestions: m.SuggestDimensions(dim)}
	}
	cp := &compiler{m: m, d: opts.Dialect, asOf: opts.AsOf, argIndex: map[string]int{}}
	if cp.d == nil {
		cp.d = DuckDB
	}
	cp.defaultAsOf()
	rules := opts.Rules
	if opts.Access != nil {
		rules = append(rules, opts.Access.Rules...)
	}
	if len(rules) > 0 {
		return cp.scopedValues(d, limit, rules)
	}
	t := m.tables[d.home]
	expr := renderExpr(cp.sub(d.Expr), d.home, cp.d)
	var b strings.Builder
	if t.SQL != "" {
		b.WriteString("WITH " + cp.q(t.Name) + " AS (\n" + indent(cp.sub(strings.TrimSpace(t.SQL))) + "\n)\n")
	}
	fmt.Fprintf(&b, "SELECT DISTINCT %s AS %s\nFROM %s\nWHERE %s IS NOT NULL\nORDER BY 1\nLIMIT %d",
		expr, cp.q("value"), cp.tableRef(d.home), expr, limit)
	return &Plan{SQL: b.String(), Columns: []Column{{Name: "value", Type: "string", Role: RoleDimension, Title: d.Label}}, dialect: cp.d}, nil
}

// scopedValues lists the values of d among the rows the rules let through:
// on the first table (d's own, then the model's tables in order) from which
// both d and every rule's dimension are reachable.
func (cp *compiler) scopedValues(d *Dimension, limit int, rules []Filter) (*Plan, error) {
	tables := []string{d.home}
	for _, t := range cp.m.Tables {
		if t.Name != d.home {
			tables = append(tables, t.Name)
		}
	}
	for _, g := range tables {
		expr, base, ok := cp.bindDim(d, g, g)
		if !ok {
			continue
		}
		parts := []bindPart{{expr, base}}
		for _, f := range rules {
			rd := cp.m.dims[f.Dimension]
			if rd == nil {
				return nil, &Error{Code: CodeUnknownDimension, Message: fmt.Sprintf("unknown dimension %q in an access rule", f.Dimension)}
			}
			e, b, ok := cp.bindDim(rd, g, g)
			if !ok {
				parts = nil
				break
			}
			parts = append(parts, bindPart{e, b})
		}
		if parts == nil {
			continue
		}
		var need []string
		for _, p := range parts {
			need = append(need, exprTables(cp.sub(p.expr), p.base)...)
		}
		render := func(p bindPart) string { return renderExpr(cp.sub(p.expr), p.base, cp.d) }
		value := render(parts[0])
		where := []string{value + " IS NOT NULL"}
		for i, f := range rules {
			f.normalize()
			vals := make([]any, len(f.Values))
			for j, v := range f.Values {
				if s, ok := v.(string); ok {
					v = cp.m.dims[f.Dimension].NormalizeValue(s)
				}
				vals[j] = v
			}
			where = append(where, cp.filterSQL(render(parts[i+1]), f.Op, vals))
		}
		var b strings.Builder
		from := strings.Join(append([]string{"FROM " + cp.tableRef(g)}, cp.joins(g, need, nil)...), "\n")
		// Every derived table the FROM names (the grain's, or one joined
		// for a dimension: member_state) is a CTE.
		var ctes []string
		for _, t := range cp.m.Tables {
			if t.SQL != "" && strings.Contains(from, cp.q(t.Name)) {
				ctes = append(ctes, cp.q(t.Name)+" AS (\n"+indent(cp.sub(strings.TrimSpace(t.SQL)))+"\n)")
			}
		}
		if len(ctes) > 0 {
			b.WriteString("WITH " + strings.Join(ctes, ",\n") + "\n")
		}
		fmt.Fprintf(&b, "SELECT DISTINCT %s AS %s\n%s%s\nORDER BY 1\nLIMIT %d", value, cp.q("value"), from, whereClause(where), limit)
		return &Plan{SQL: b.String(), Args: cp.args, Columns: []Column{{Name: "value", Type: "string", Role: RoleDimension, Title: d.Label}}, dialect: cp.d}, nil
	}
	return nil, &Error{Code: CodeUnreachable, Message: fmt.Sprintf("no table reaches both %q and the access rules' dimensions", d.Name)}
}
