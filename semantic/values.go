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
	t := m.tables[d.home]
	expr := renderExpr(cp.sub(d.Expr), d.home, cp.d)
	var b strings.Builder
	if t.SQL != "" {
		b.WriteString("WITH " + cp.q(t.Name) + " AS (\n" + indent(strings.TrimSpace(t.SQL)) + "\n)\n")
	}
	fmt.Fprintf(&b, "SELECT DISTINCT %s AS %s\nFROM %s\nWHERE %s IS NOT NULL\nORDER BY 1\nLIMIT %d",
		expr, cp.q("value"), cp.tableRef(d.home), expr, limit)
	return &Plan{SQL: b.String(), Columns: []Column{{Name: "value", Type: "string", Role: RoleDimension, Title: d.Label}}, dialect: cp.d}, nil
}
