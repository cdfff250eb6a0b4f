package semantic

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Audiences (圈人): a question that asks to list or export members is
// answered with one row per row of the audience's table (a member), the
// audience's columns (dimensions, computed as of the reference day D like
// any entity attribute), filtered by any dimension filters and ordered as
// the audience says. The access rules of the asker's role apply to the rows
// as to any query; columns marked pii are left out for roles that may not
// see personal data.

// MaxExportRows bounds an audience export (CSV or Excel): a longer list is
// cut at this many rows and the answer says so.
const MaxExportRows = 100_000

// Audience is a list of entities a question can ask for.
type Audience struct {
	Name        string
	Label       Text
	Synonyms    []string
	Description Text
	// Table holds one row per entity listed; Filter (SQL on it, may use
	// {{ref_day}}) keeps the rows that are members on the day.
	Table  string
	Filter string
	// Columns are the dimensions shown, in order.
	Columns []string
	// Order is the default order (sales in the last 365 days, descending).
	Order []OrderBy
	// Recency, Spend and Frequency name the number dimensions that 近90天没有
	// 购买, 消费超过5000元 and 下单超过3次 filter by (days since the last
	// order, sales and orders in the window); empty when the model has none.
	Recency, Spend, Frequency string
	Line                      int
}

type rawAudience struct {
	Label       Text      `yaml:"label"`
	Synonyms    []string  `yaml:"synonyms"`
	Description Text      `yaml:"description"`
	Table       string    `yaml:"table"`
	Filter      string    `yaml:"filter"`
	Columns     []string  `yaml:"columns"`
	Order       []OrderBy `yaml:"order"`
	Recency     string    `yaml:"recency"`
	Spend       string    `yaml:"spend"`
	Frequency   string    `yaml:"frequency"`
}

// Audience returns the named audience, or nil.
func (m *Model) Audience(name string) *Audience {
	for _, a := range m.Audiences {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// parseAudiences reads the audiences section; every column is a dimension
// reachable from the audience's table.
func (p *modelParser) parseAudiences(m *Model, n *yaml.Node) {
	p.each(n, "audiences", func(name string, line int, v *yaml.Node) {
		var ra rawAudience
		if err := v.Decode(&ra); err != nil {
			p.errf(line, "audiences."+name, "%v", err)
			return
		}
		elem := "audiences." + name
		a := &Audience{Name: name, Label: ra.Label, Synonyms: ra.Synonyms, Description: ra.Description,
			Table: ra.Table, Filter: strings.TrimSpace(ra.Filter), Columns: ra.Columns, Order: ra.Order,
			Recency: ra.Recency, Spend: ra.Spend, Frequency: ra.Frequency, Line: line}
		p.checkLabel(line, elem, a.Label)
		if m.tables[a.Table] == nil {
			p.errf(line, elem+".table", "unknown table %q%s", a.Table, didYouMean(a.Table, tableNames(m)))
			return
		}
		if len(a.Columns) == 0 {
			p.errf(line, elem+".columns", "an audience lists at least one column (a dimension)")
		}
		for _, c := range a.Columns {
			d := m.dims[c]
			if d == nil {
				p.errf(line, elem+".columns", "unknown dimension %q%s", c, didYouMean(c, dimensionNames(m)))
				continue
			}
			if !m.listReaches(a.Table, d) {
				p.errf(line, elem+".columns", "dimension %q is not reachable from table %q", c, a.Table)
			}
		}
		for field, name := range map[string]string{"recency": a.Recency, "spend": a.Spend, "frequency": a.Frequency} {
			if d := m.dims[name]; name != "" && (d == nil || d.Type != DimNumber || !m.listReaches(a.Table, d)) {
				p.errf(line, elem+"."+field, "%q is not a number dimension of %q", name, a.Table)
			}
		}
		for _, o := range a.Order {
			if !slices.Contains(a.Columns, o.By) {
				p.errf(line, elem+".order", "cannot order by %q: it is not one of the columns", o.By)
			}
		}
		m.Audiences = append(m.Audiences, a)
	})
}

// Lists reports whether d is an attribute of each entity the audience lists.
func (a *Audience) Lists(m *Model, d *Dimension) bool { return m.listReaches(a.Table, d) }

// listReaches reports whether d can be read for each row of table.
func (m *Model) listReaches(table string, d *Dimension) bool {
	expr, base := d.Expr, d.home
	if b, ok := d.Bindings[table]; ok {
		expr, base = b, table
	}
	return m.reachesAll(table, exprTables(expr, base))
}

// ListPlan is a compiled audience: the SQL of its rows (ordered, capped at
// Limit when the query has one) and of their count.
type ListPlan struct {
	*Plan
	CountSQL string
	// Hidden are the audience's columns left out for the asker's role
	// (personal data, or dimensions the role may not see).
	Hidden []string
	// RefDay is the day the columns are computed as of.
	RefDay Date
}

// CompileList compiles a query with List set.
func CompileList(m *Model, q *Query, opts CompileOptions) (*ListPlan, error) {
	var errs ErrorList
	a := m.Audience(q.List)
	if a == nil {
		var names []string
		for _, x := range m.Audiences {
			names = append(names, x.Name)
		}
		e := errs.add("list", CodeUnknownAudience, "unknown audience %q", q.List)
		e.Suggestions = closest(q.List, names, 3)
		return nil, errs.err()
	}
	if len(q.Metrics) > 0 || q.Compare != "" || len(q.Share) > 0 || q.Time != nil && q.Time.Grain != "" {
		errs.add("list", CodeBadList, "a list takes filters, a time range (the day it is as of), extra dimensions, order and limit; not metrics, grain, compare or share")
	}
	rules := opts.Rules
	if opts.Access != nil {
		rules = append(slices.Clone(rules), opts.Access.Rules...)
	}
	c := &checked{q: q}
	if q.Time != nil && q.Time.Range != nil {
		if r := q.Time.Range; r.Start.IsZero() || r.End.IsZero() || r.End.Before(r.Start.Time) {
			errs.add("time.range", CodeBadTimeRange, "a range needs a start and an end after it (YYYY-MM-DD)")
		} else {
			c.rng = r
		}
	}
	lp := &ListPlan{}
	var cols []*Dimension
	visible := func(name string) bool {
		d := m.dims[name]
		return opts.Access == nil || opts.Access.DimensionVisible(name) && (!d.PII || opts.Access.SeesPII())
	}
	for _, name := range a.Columns {
		if !visible(name) {
			lp.Hidden = append(lp.Hidden, name)
			continue
		}
		cols = append(cols, m.dims[name])
	}
	for i, name := range q.Dimensions {
		d := m.dims[name]
		switch {
		case d == nil:
			e := errs.add(fmt.Sprintf("dimensions[%d]", i), CodeUnknownDimension, "unknown dimension %q", name)
			e.Suggestions = m.SuggestDimensions(name)
		case !visible(name):
			what := "dimension"
			if d.PII {
				what = "personal data"
			}
			errs.add(fmt.Sprintf("dimensions[%d]", i), CodeNotPermitted, "%s %q is not available to the role %s", what, name, opts.Access.Role.Name)
		case !m.listReaches(a.Table, d):
			errs.add(fmt.Sprintf("dimensions[%d]", i), CodeUnreachable, "dimension %q is not an attribute of %s", name, a.Table)
		case !slices.Contains(cols, d):
			cols = append(cols, d)
		}
	}
	for i, f := range rules {
		m.checkFilter(c, &errs, fmt.Sprintf("rules[%d]", i), f, true)
	}
	for i, f := range q.Filters {
		if f.Metric != "" {
			errs.add(fmt.Sprintf("filters[%d]", i), CodeBadFilter, "a list filters by dimensions, not metrics")
			continue
		}
		if d := m.dims[f.Dimension]; d != nil && !visible(f.Dimension) {
			errs.add(fmt.Sprintf("filters[%d].dimension", i), CodeNotPermitted, "dimension %q is not available to the role %s", f.Dimension, opts.Access.Role.Name)
			continue
		}
		m.checkFilter(c, &errs, fmt.Sprintf("filters[%d]", i), f, false)
	}
	for _, f := range c.dimFilters {
		if !m.listReaches(a.Table, f.dim) {
			if f.rule {
				// A rule the list cannot apply hides the list: never show rows unfiltered.
				errs.add("list", CodeNotPermitted, "the role %s sees only some %s, and %s cannot be told for each of them", opts.Access.Role.Name, f.dim.Name, a.Label.En)
			} else {
				errs.add(f.path, CodeUnreachable, "dimension %q is not an attribute of %s", f.dim.Name, a.Table)
			}
		}
	}
	order := q.Order
	if len(order) == 0 {
		order = a.Order
	}
	var names []string
	for _, d := range cols {
		names = append(names, d.Name)
	}
	for i, o := range q.Order {
		if !slices.Contains(names, o.By) {
			errs.add(fmt.Sprintf("order[%d]", i), CodeBadOrder, "cannot order by %q: it is not a column of the list (%s)", o.By, strings.Join(names, ", "))
		}
	}
	if q.Limit < 0 || q.Limit > MaxExportRows+1 {
		errs.add("limit", CodeBadLimit, "limit must be between 0 and %d, got %d", MaxExportRows+1, q.Limit)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}

	cp := &compiler{m: m, c: c, d: opts.Dialect, asOf: opts.AsOf, argIndex: map[string]int{}, materialized: opts.Materialized}
	if cp.d == nil {
		cp.d = DuckDB
	}
	cp.defaultAsOf()
	lp.RefDay = cp.refDay()
	render := func(d *Dimension) (string, []string) {
		expr, base := d.Expr, d.home
		if b, ok := d.Bindings[a.Table]; ok {
			expr, base = b, a.Table
		}
		return renderExpr(cp.sub(expr), base, cp.d), exprTables(cp.sub(expr), base)
	}
	var sel, where, tables, strict []string
	if a.Filter != "" {
		where = append(where, parenthesize(renderExpr(cp.sub(a.Filter), a.Table, cp.d)))
	}
	add := func(ts []string) {
		for _, t := range ts {
			if !slices.Contains(tables, t) {
				tables = append(tables, t)
			}
		}
	}
	var columns []Column
	for _, d := range cols {
		e, ts := render(d)
		add(ts)
		sel = append(sel, e+" AS "+cp.q(d.Name))
		typ := "string"
		if d.Type == DimNumber {
			typ = "number"
		}
		unit := map[string]string{a.Spend: UnitCurrency, a.Frequency: UnitCount, a.Recency: UnitCount}[d.Name]
		cur := ""
		if unit == UnitCurrency {
			cur = m.CurrencyOf(nil)
		}
		columns = append(columns, Column{Name: d.Name, Label: d.Label.Zh, Type: typ, Role: RoleDimension, Unit: unit, Currency: cur, Title: d.Label})
	}
	for _, f := range c.dimFilters {
		e, ts := render(f.dim)
		add(ts)
		where = append(where, cp.filterSQL(e, f.op, f.values))
		if f.op != "not_in" && f.op != "ne" && !slices.Contains(f.values, nil) {
			strict = append(strict, ts...)
		}
	}
	for _, name := range append([]string{a.Table}, tables...) {
		if t := m.tables[name]; t.SQL != "" && !slices.Contains(cp.materialized, name) {
			cp.addCTE(name, cp.sub(strings.TrimSpace(t.SQL)))
		}
	}
	from := strings.Join(append([]string{"FROM " + cp.tableRef(a.Table)}, cp.joins(a.Table, tables, strict)...), "\n")
	var ob []string
	for _, o := range order {
		dir := "ASC"
		if o.Desc {
			dir = "DESC"
		}
		ob = append(ob, cp.q(o.By)+" "+dir+" NULLS LAST")
	}
	// Ties are broken by the table's key, so a list (and its pages) is stable.
	for _, k := range m.tables[a.Table].PrimaryKey {
		ob = append(ob, cp.q(a.Table)+"."+cp.q(k))
	}
	with := ""
	if len(cp.ctes) > 0 {
		with = "WITH " + strings.Join(cp.ctes, ",\n") + "\n"
	}
	body := from + whereClause(where)
	sql := with + "SELECT " + strings.Join(sel, ",\n       ") + "\n" + body + "\nORDER BY " + strings.Join(ob, ", ")
	if q.Limit > 0 {
		sql += fmt.Sprintf("\nLIMIT %d", q.Limit)
	}
	lp.Plan = &Plan{Query: q, SQL: sql, Args: cp.args, Columns: columns, Range: c.rng, dialect: cp.d}
	lp.CountSQL = with + "SELECT count(*) AS " + cp.q("members") + "\n" + body
	return lp, nil
}

// CountPlan is the plan of the list's length.
func (lp *ListPlan) CountPlan() *Plan {
	return &Plan{Query: lp.Query, SQL: lp.CountSQL, Args: lp.Args, dialect: lp.dialect,
		Columns: []Column{{Name: "members", Label: "人数", Type: "number", Role: RoleMetric, Unit: UnitCount, Title: Text{Zh: "人数", En: "Members"}}}}
}

// CompileAny compiles a list query (List set) with CompileList and any
// other with Compile, returning the plan of its rows.
func CompileAny(m *Model, q *Query, opts CompileOptions) (*Plan, error) {
	if q.List != "" {
		lp, err := CompileList(m, q, opts)
		if err != nil {
			return nil, err
		}
		return lp.Plan, nil
	}
	return Compile(m, q, opts)
}
