package semantic

import (
	"fmt"
	"slices"
	"strings"
)

// A plan groups the leaf metrics of a query (simple and repeat metrics;
// derived metrics are formulas over leaves) into units: one aggregation
// each, rendered as one CTE. Leaves share a unit when they aggregate the same
// rows: the same table, time column, groupings and filters.

type leaf struct {
	mt     *Metric
	gtable string // the table rows are aggregated from
	agg    string
	expr   string // rendered aggregation argument (the event of a repeat metric)
	entity string // rendered entity of a repeat or followed metric
	after  string // rendered moment a followed metric's window opens
	filter string // rendered metric filter
	time   string // rendered time column, "" for timeless metrics
	keys   []key  // rendered group keys (dimensions)
	where  []string
	tables []string // tables to join from gtable
	pkOnly bool     // count_distinct of gtable's primary key: count(*) will do
	// strict lists tables whose NULL rows the filters reject anyway, so
	// joins towards them may be inner joins.
	strict []string
	// ruleWhere are the access rules among where, and ruleTables the tables
	// they read: a first-rows CTE applies them before choosing first rows.
	ruleWhere  []string
	ruleTables []string
	ruleStrict []string
}

// key is one grouping column of a unit: its output name and expression.
type key struct{ name, expr string }

type unit struct {
	name   string
	kind   string // simple, first, cumulative, repeat, followed
	leaves []*leaf
}

// planLeaves binds every leaf metric of the query to a table, its group keys
// and its filters, reporting dimensions a metric cannot reach.
func (cp *compiler) planLeaves() ([]*leaf, error) {
	var errs ErrorList
	var leaves []*leaf
	seen := map[string]bool{}
	failed := map[*Metric]bool{}
	var visit func(top, mt *Metric)
	visit = func(top, mt *Metric) {
		if seen[mt.Name] {
			return
		}
		seen[mt.Name] = true
		if mt.Type == TypeDerived {
			for _, d := range mt.deps {
				visit(top, cp.m.metrics[d])
			}
			return
		}
		if failed[top] {
			return // one error per requested metric
		}
		if l := cp.bindLeaf(top, mt, &errs); l != nil {
			leaves = append(leaves, l)
		} else {
			failed[top] = true
		}
	}
	for _, mt := range cp.c.metrics {
		visit(mt, mt)
	}
	return leaves, errs.err()
}

// bindLeaf finds the table a leaf is aggregated from: its own table when
// every dimension and filter is reachable from it, else a table referencing
// it (one fan-out level) where the metric is redefined by `at` or its
// aggregation does not double count.
func (cp *compiler) bindLeaf(top, mt *Metric, errs *ErrorList) *leaf {
	candidates := append([]string{mt.Table}, cp.m.children(mt.Table)...)
	// Access rules never move a metric to a finer table by themselves: that
	// would change what the metric counts. A metric the rules cannot
	// restrict on its own table is refused.
	if cp.hasRules() {
		if _, _, ok := cp.bindParts(mt, mt.Table, mt.Table, mt.Expr, false); ok {
			candidates = candidates[:1]
		}
	}
	for _, g := range candidates {
		if l := cp.tryBind(mt, g); l != nil {
			return l
		}
	}
	// Report the first dimension or filter the metric's own table cannot reach.
	for i, d := range cp.c.dims {
		if _, _, ok := cp.bindDim(d, mt.Table, mt.Table); !ok {
			cp.unreachable(errs, fmt.Sprintf("dimensions[%d]", i), d, top, mt)
			return nil
		}
	}
	for _, f := range cp.c.dimFilters {
		if _, _, ok := cp.bindDim(f.dim, mt.Table, mt.Table); !ok {
			if f.rule {
				errs.add(f.path, CodeUnreachable, "metric %q cannot be restricted by the access rule on %q, so it is not available", top.Name, f.dim.Name)
			} else {
				cp.unreachable(errs, f.path, f.dim, top, mt)
			}
			return nil
		}
	}
	// Reachable only with fan-out, and the metric would double count.
	for i, d := range cp.c.dims {
		if _, ok := cp.m.path(mt.Table, d.home); ok || d.Bindings[mt.Table] != "" {
			continue
		}
		e := errs.add(fmt.Sprintf("dimensions[%d]", i), CodeUnreachable,
			"metric %q cannot be split by %q: each %s row would be counted once per matching row of a finer table", top.Name, d.Name, mt.Table)
		e.Suggestions = cp.reachableDims(mt)
		return nil
	}
	errs.add("dimensions", CodeUnreachable, "metric %q cannot be split or filtered by these dimensions without double counting", top.Name)
	return nil
}

func (cp *compiler) hasRules() bool {
	return slices.ContainsFunc(cp.c.dimFilters, func(f dimFilter) bool { return f.rule })
}

func (cp *compiler) unreachable(errs *ErrorList, path string, d *Dimension, top, mt *Metric) {
	via := ""
	if top != mt {
		via = fmt.Sprintf(" (its component %q is on table %s)", mt.Name, mt.Table)
	}
	e := errs.add(path, CodeUnreachable, "metric %q cannot be split by %q: no join path leads from table %s to %s%s",
		top.Name, d.Name, mt.Table, d.home, via)
	e.Suggestions = cp.reachableDims(mt)
}

// reachableDims lists up to five dimensions that can split mt.
func (cp *compiler) reachableDims(mt *Metric) []string {
	var out []string
	for _, d := range cp.m.Dimensions {
		if _, _, ok := cp.bindDim(d, mt.Table, mt.Table); ok && len(out) < 5 {
			out = append(out, d.Name)
		}
	}
	return out
}

// bindPart is an expression to bind with the table its bare columns are on.
type bindPart struct{ expr, base string }

// bindParts binds the query's dimensions and filters, then the metric's own
// expressions, for a metric of table mt aggregated from table g; ok is false
// when one of them cannot be reached from g. With rules false the access
// rules are left out (to see whether the question alone needs a fan-out).
func (cp *compiler) bindParts(mt *Metric, g, exprBase, expr string, rules bool) (parts []bindPart, tables []string, ok bool) {
	for _, d := range cp.c.dims {
		e, base, ok := cp.bindDim(d, mt.Table, g)
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, bindPart{e, base})
	}
	for _, f := range cp.c.dimFilters {
		if f.rule && !rules {
			continue
		}
		e, base, ok := cp.bindDim(f.dim, mt.Table, g)
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, bindPart{e, base})
	}
	own := []bindPart{{expr, exprBase}, {mt.Filter, mt.Table}, {mt.Time, mt.Table}, {mt.Entity, mt.Table}, {mt.Event, mt.Table}, {mt.After, mt.Table}}
	parts = append(parts, own...)
	for _, p := range parts {
		for _, t := range exprTables(cp.sub(p.expr), p.base) {
			if !slices.Contains(tables, t) {
				tables = append(tables, t)
			}
		}
	}
	return parts, tables, cp.m.reachesAll(g, tables)
}

func (cp *compiler) tryBind(mt *Metric, g string) *leaf {
	l := &leaf{mt: mt, gtable: g, agg: mt.Agg, expr: mt.Expr}
	exprBase := mt.Table
	if g != mt.Table {
		if mt.FirstPer != "" || mt.Cumulative {
			return nil
		}
		alt, ok := mt.At[g]
		switch {
		case ok:
			l.agg, l.expr, exprBase = alt.Agg, alt.Expr, g
		case mt.Type == TypeRepeat || mt.Agg == AggCountDistinct || mt.Agg == AggMin || mt.Agg == AggMax:
		default:
			return nil
		}
	}
	// Check everything is reachable from g before rendering (which binds parameters).
	parts, tables, ok := cp.bindParts(mt, g, exprBase, l.expr, true)
	if !ok {
		return nil
	}
	l.tables = tables
	own := parts[len(parts)-6:]
	render := func(p bindPart) string { return renderExpr(cp.sub(p.expr), p.base, cp.d) }
	for i, d := range cp.c.dims {
		l.keys = append(l.keys, key{name: d.Name, expr: render(parts[i])})
	}
	for i, f := range cp.c.dimFilters {
		p := parts[len(cp.c.dims)+i]
		cond := cp.filterSQL(render(p), f.op, f.values)
		l.where = append(l.where, cond)
		if f.rule {
			l.ruleWhere = append(l.ruleWhere, cond)
			l.ruleTables = append(l.ruleTables, exprTables(cp.sub(p.expr), p.base)...)
			if f.op == "in" && !slices.Contains(f.values, nil) {
				l.ruleStrict = append(l.ruleStrict, exprTables(cp.sub(p.expr), p.base)...)
			}
		}
		if f.op != "not_in" && f.op != "ne" && !slices.Contains(f.values, nil) {
			l.strict = append(l.strict, exprTables(cp.sub(p.expr), p.base)...)
		}
	}
	l.expr, l.filter, l.time, l.entity, l.after = render(own[0]), render(own[1]), render(own[2]), render(own[3]), render(own[5])
	if mt.Type == TypeFollowed {
		l.agg = "followed"
		l.expr = fmt.Sprintf("CASE WHEN %s.%s THEN 1.0 ELSE 0.0 END", cp.q(g), cp.q(followedFlag))
	}
	if mt.Type == TypeRepeat {
		l.agg = "repeat"
		l.expr = render(own[4])
		l.pkOnly = g == mt.Table && isPrimaryKey(cp.m.tables[g], mt.Event)
	} else {
		l.pkOnly = l.agg == AggCountDistinct && g == mt.Table &&
			(isPrimaryKey(cp.m.tables[g], mt.Expr) || mt.FirstPer != "" && mt.FirstPer == mt.Expr)
	}
	// A filter conjunct "fk IS NOT NULL" makes the join along fk strict.
	for _, c := range conjuncts(l.filter) {
		for _, r := range cp.m.tables[g].References {
			if c == cp.d.QuoteIdent(g)+"."+cp.d.QuoteIdent(r.Column)+" IS NOT NULL" {
				l.strict = append(l.strict, r.Table)
			}
		}
	}
	return l
}

// bindDim returns the expression of d for a metric of table mt aggregated
// from table g, with the table its bare columns belong to.
func (cp *compiler) bindDim(d *Dimension, mtTable, g string) (expr, base string, ok bool) {
	for _, t := range []string{mtTable, g} {
		if b, has := d.Bindings[t]; has {
			return b, t, cp.m.reachesAll(g, exprTables(cp.sub(b), t))
		}
	}
	return d.Expr, d.home, cp.m.reachesAll(g, exprTables(cp.sub(d.Expr), d.home))
}

// units groups leaves that aggregate the same rows.
func (cp *compiler) units(leaves []*leaf) []*unit {
	var out []*unit
	byKey := map[string]*unit{}
	for _, l := range leaves {
		kind := "simple"
		switch {
		case l.agg == "repeat":
			kind = "repeat"
		case l.agg == "followed":
			kind = "followed"
		case l.mt.FirstPer != "":
			kind = "first"
		case l.mt.Cumulative:
			kind = "cumulative"
		}
		k := strings.Join([]string{l.gtable, l.time, fmt.Sprint(l.keys), strings.Join(l.where, "\x00")}, "\x01")
		if u := byKey[k]; kind == "simple" && u != nil {
			u.leaves = append(u.leaves, l)
			continue
		}
		u := &unit{kind: kind, leaves: []*leaf{l}}
		out = append(out, u)
		if kind == "simple" {
			byKey[k] = u
		}
	}
	taken := map[string]bool{}
	for _, t := range cp.m.Tables {
		taken[t.Name] = true
	}
	for _, u := range out {
		var names []string
		for _, l := range u.leaves {
			names = append(names, l.mt.Name)
		}
		if len(names) > 3 {
			names = append(names[:2], "etc")
		}
		by := "total"
		if len(u.leaves[0].keys) > 0 || cp.c.grain != "" && u.leaves[0].time != "" {
			var parts []string
			if cp.c.grain != "" && u.leaves[0].time != "" {
				parts = append(parts, cp.c.grain)
			}
			for _, k := range u.leaves[0].keys {
				parts = append(parts, k.name)
			}
			by = "by_" + strings.Join(parts, "_")
		}
		name := strings.Join(names, "_") + "_" + by
		for i := 2; taken[name]; i++ {
			name = fmt.Sprintf("%s_%s_%d", strings.Join(names, "_"), by, i)
		}
		taken[name] = true
		u.name = name
	}
	return out
}

// sub replaces the model's placeholders.
func (cp *compiler) sub(expr string) string {
	if !strings.Contains(expr, "{{") {
		return expr
	}
	if cp.placeholders == nil {
		cp.placeholders = strings.NewReplacer("{{as_of_year}}", fmt.Sprint(cp.asOf.Year()), "{{as_of}}", "DATE '"+cp.asOf.String()+"'",
			"{{ref_day}}", "DATE '"+cp.refDay().String()+"'")
	}
	return cp.placeholders.Replace(expr)
}

// refDay is the day entity attributes are computed as of ({{ref_day}}):
// the last day of the asked period (上个月 → its last day), else as_of.
func (cp *compiler) refDay() Date {
	if cp.c == nil || cp.c.q == nil {
		return cp.asOf
	}
	if t := cp.c.q.Time; t != nil && t.Range != nil && t.Range.End.Before(cp.asOf.Time) {
		return t.Range.End
	}
	return cp.asOf
}

// filterSQL renders a dimension filter; values become bind parameters.
func (cp *compiler) filterSQL(expr, op string, values []any) string {
	hasNull := slices.Contains(values, nil)
	var nonNull []any
	for _, v := range values {
		if v != nil {
			nonNull = append(nonNull, v)
		}
	}
	list := func() string {
		ps := make([]string, len(nonNull))
		for i, v := range nonNull {
			ps[i] = cp.arg(v)
		}
		return strings.Join(ps, ", ")
	}
	switch op {
	case "in", "eq":
		switch {
		case len(nonNull) == 0:
			return expr + " IS NULL"
		case hasNull:
			return fmt.Sprintf("(%s IN (%s) OR %s IS NULL)", expr, list(), expr)
		case len(nonNull) == 1:
			return fmt.Sprintf("%s = %s", expr, list())
		}
		return fmt.Sprintf("%s IN (%s)", expr, list())
	case "not_in", "ne":
		// "not X" keeps rows with no value, as people mean it (除了上海 keeps online orders).
		switch {
		case len(nonNull) == 0:
			return expr + " IS NOT NULL"
		case hasNull:
			return fmt.Sprintf("%s NOT IN (%s)", expr, list())
		}
		return fmt.Sprintf("(%s NOT IN (%s) OR %s IS NULL)", expr, list(), expr)
	case "gt", "gte", "lt", "lte":
		sym := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
		if hasNull {
			return fmt.Sprintf("(%s %s %s OR %s IS NULL)", expr, sym, cp.arg(values[0]), expr)
		}
		return fmt.Sprintf("%s %s %s", expr, sym, cp.arg(values[0]))
	case "between":
		return fmt.Sprintf("%s BETWEEN %s AND %s", expr, cp.arg(values[0]), cp.arg(values[1]))
	case "contains":
		return cp.d.Contains(expr, cp.arg(values[0]))
	}
	return "FALSE"
}
