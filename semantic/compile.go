package semantic

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CompileOptions configures Compile.
type CompileOptions struct {
	// Dialect renders the SQL; nil means DuckDB.
	Dialect Dialect
	// AsOf fills the model's {{as_of}} placeholders; zero means the model's as_of.
	AsOf Date
	// Rules are access rules: dimension filters applied to every metric, which
	// no query can remove. A metric a rule cannot restrict is refused.
	Rules []Filter
	// Access is the asker's role with its row rules resolved: its rules are
	// added to Rules, and what the role may not see is refused. nil sees all.
	Access *Access
	// Materialized names SQL-defined tables the engine has already computed
	// into tables of the same name: the SQL reads them instead of a CTE.
	Materialized []string
}

// Plan is a compiled query: SQL with bind arguments, and the result's columns.
type Plan struct {
	Query   *Query
	SQL     string
	Args    []any
	Columns []Column
	// Range and Previous are the resolved ranges (Previous when comparing).
	Range    *DateRange
	Previous *DateRange
	// Heavy marks a plan estimated to be expensive (see Estimate): the
	// engine runs it in its slots for heavy queries, keeping the others
	// for cheap ones.
	Heavy   bool
	dialect Dialect
}

// Column describes one result column.
type Column struct {
	Name string `json:"name"`
	// Label is the column's label in the language asked for (see Localize).
	Label string `json:"label"`
	// Type is date, string or number.
	Type string `json:"type"`
	// Role is time, dimension, metric, previous, change (relative),
	// difference (absolute) or share.
	Role string `json:"role"`
	// Unit of metric columns: currency, percent, count or number.
	Unit string `json:"unit,omitempty"`
	// Metric is the metric a previous/change/share column belongs to.
	Metric string `json:"metric,omitempty"`
	// Currency is the ISO code of a currency column (GBP, CNY).
	Currency string `json:"currency,omitempty"`
	Title    Text   `json:"-"`
}

// Column roles.
const (
	RoleTime       = "time"
	RoleDimension  = "dimension"
	RoleMetric     = "metric"
	RolePrevious   = "previous"
	RoleChange     = "change"
	RoleDifference = "difference"
	RoleShare      = "share"
)

// Localize sets every column's Label to its title in lang.
func Localize(cols []Column, lang string) {
	for i := range cols {
		cols[i].Label = cols[i].Title.In(lang)
	}
}

// DisplaySQL is the SQL with arguments written inline, for people to read.
// It renders in one pass over the SQL, outside quoted literals and
// identifiers, so an argument that looks like a placeholder ("$1") stays
// the text it is and the SQL shown is the SQL run.
func (p *Plan) DisplaySQL() string {
	if len(p.Args) == 0 {
		return p.SQL
	}
	var b strings.Builder
	sql := p.SQL
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			// Copy a quoted literal or identifier whole ('' and "" escape).
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(sql))
			b.WriteString(sql[i:end])
			i = end - 1
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(sql[i+1 : j])
			if n >= 1 && n <= len(p.Args) {
				b.WriteString(p.dialect.Literal(p.Args[n-1]))
			} else {
				b.WriteString(sql[i:j])
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type compiler struct {
	m *Model
	c *checked
	d Dialect
	// placeholders replaces the model's {{…}} (built on first use: as_of
	// and the reference day are fixed for one compile).
	placeholders *strings.Replacer
	asOf         Date

	args     []any
	argIndex map[string]int
	ctes     []string
	result   string // the SELECT of every output column

	materialized []string
}

// Compile validates q against the model and renders it to SQL. Validation
// problems come back together as an ErrorList of *Error.
func Compile(m *Model, q *Query, opts CompileOptions) (*Plan, error) {
	rules := opts.Rules
	if opts.Access != nil {
		rules = append(slices.Clone(rules), opts.Access.Rules...)
	}
	c, err := m.validate(q, rules, opts.Access)
	if err != nil {
		return nil, err
	}
	cp := &compiler{m: m, c: c, d: opts.Dialect, asOf: opts.AsOf, argIndex: map[string]int{}, materialized: opts.Materialized}
	if cp.d == nil {
		cp.d = DuckDB
	}
	cp.defaultAsOf()
	leaves, err := cp.planLeaves()
	if err != nil {
		return nil, err
	}
	units := cp.units(leaves)
	plan := &Plan{Query: q, Range: c.rng, dialect: cp.d}
	cp.derivedTables(units)

	cur := cp.rangeArgs(c.rng)
	var prev *rangeArgs
	if q.Compare != "" {
		pr, shift := PreviousRange(*c.rng, q.Compare, c.grain)
		plan.Previous = &pr
		prev = cp.rangeArgs(&pr)
		prev.shift = shift
	}
	refs := map[string]string{}     // leaf metric → SQL of its current value
	prevRefs := map[string]string{} // leaf metric → SQL of its previous value
	var joins []unitRef
	for _, u := range units {
		name := cp.renderUnit(u, u.name, cur)
		ref := unitRef{name: name, keys: cp.unitKeys(u)}
		joins = append(joins, ref)
		for _, l := range u.leaves {
			refs[l.mt.Name] = cp.d.QuoteIdent(name) + "." + cp.d.QuoteIdent(l.mt.Name)
			prevRefs[l.mt.Name] = refs[l.mt.Name]
		}
		if prev != nil && u.leaves[0].time != "" {
			pname := cp.renderUnit(u, u.name+"_previous", prev)
			joins = append(joins, unitRef{name: pname, keys: ref.keys, previous: true})
			for _, l := range u.leaves {
				prevRefs[l.mt.Name] = cp.d.QuoteIdent(pname) + "." + cp.d.QuoteIdent(l.mt.Name)
			}
		}
	}
	plan.Columns = cp.columns()
	cp.renderResult(joins, refs, prevRefs)
	final := cp.renderFinal()
	plan.SQL = "WITH " + strings.Join(cp.ctes, ",\n") + "\n" + final
	plan.Args = cp.args
	return plan, nil
}

// rangeArgs binds a range's bounds when first used (every bound parameter
// must appear in the SQL).
type rangeArgs struct {
	cp    *compiler
	r     DateRange
	shift Shift
}

func (cp *compiler) rangeArgs(r *DateRange) *rangeArgs {
	if r == nil {
		return nil
	}
	return &rangeArgs{cp: cp, r: *r}
}

// start is the inclusive start timestamp; end the exclusive end.
func (ra *rangeArgs) start() string { return ra.cp.arg(ra.r.Start.Time) }
func (ra *rangeArgs) end() string   { return ra.cp.arg(ra.r.End.AddDays(1).Time) }

// arg binds a value and returns its placeholder; equal values share one.
func (cp *compiler) arg(v any) string {
	k := fmt.Sprintf("%T:%v", v, v)
	if i, ok := cp.argIndex[k]; ok {
		return cp.d.Placeholder(i)
	}
	cp.args = append(cp.args, v)
	cp.argIndex[k] = len(cp.args)
	return cp.d.Placeholder(len(cp.args))
}

func (cp *compiler) q(name string) string { return cp.d.QuoteIdent(name) }

func (cp *compiler) addCTE(name, body string) {
	cp.ctes = append(cp.ctes, cp.q(name)+" AS (\n"+indent(body)+"\n)")
}

// defaultAsOf fills a zero as-of date: the model's, else today.
func (cp *compiler) defaultAsOf() {
	if cp.asOf.IsZero() {
		cp.asOf = Date{cp.m.AsOf}
		if cp.m.AsOf.IsZero() {
			now := time.Now()
			cp.asOf = D(now.Year(), now.Month(), now.Day())
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// derivedTables adds a CTE for every SQL-defined table the units read.
func (cp *compiler) derivedTables(units []*unit) {
	done := map[string]bool{}
	for _, u := range units {
		for _, l := range u.leaves {
			for _, name := range append([]string{l.gtable}, l.tables...) {
				t := cp.m.tables[name]
				if t.SQL == "" || done[name] || slices.Contains(cp.materialized, name) {
					continue
				}
				done[name] = true
				cp.addCTE(name, cp.sub(strings.TrimSpace(t.SQL)))
			}
			if fb := l.mt.FollowedBy; fb != nil && l.agg == "followed" {
				if t := cp.m.tables[fb.Table]; t.SQL != "" && !done[fb.Table] && !slices.Contains(cp.materialized, fb.Table) {
					done[fb.Table] = true
					cp.addCTE(fb.Table, cp.sub(strings.TrimSpace(t.SQL)))
				}
			}
		}
	}
}

// tableRef is how a FROM or JOIN names a model table.
func (cp *compiler) tableRef(name string) string {
	t := cp.m.tables[name]
	switch {
	case t.From != "":
		return t.From + " AS " + cp.q(name)
	default:
		return cp.q(name)
	}
}

// fromClause renders FROM and the joins a leaf's expressions need.
func (cp *compiler) fromClause(l *leaf, from string) string {
	return strings.Join(append([]string{"FROM " + from}, cp.joins(l.gtable, l.tables, l.strict)...), "\n")
}

// joins renders the JOIN clauses from table g to every table of tables:
// inner joins along required references and towards strict tables.
func (cp *compiler) joins(g string, tables, strict []string) []string {
	var lines []string
	joined := map[string]bool{g: true}
	inner := map[string]bool{}
	for _, t := range strict {
		path, _ := cp.m.path(g, t)
		for _, j := range path {
			inner[j.To] = true
		}
	}
	for _, t := range tables {
		path, _ := cp.m.path(g, t)
		for _, j := range path {
			if joined[j.To] {
				continue
			}
			joined[j.To] = true
			pk := cp.m.tables[j.To].PrimaryKey[0]
			kind := "LEFT JOIN"
			if j.Required || inner[j.To] {
				kind = "JOIN"
			}
			lines = append(lines, fmt.Sprintf("%s %s ON %s.%s = %s.%s",
				kind, cp.tableRef(j.To), cp.q(j.To), cp.q(pk), cp.q(j.From), cp.q(j.Column)))
		}
	}
	return lines
}

// unitKeys are the grouping columns of a unit: the time bucket (when the
// query has a grain and the unit has time) and the dimensions.
func (cp *compiler) unitKeys(u *unit) []string {
	var out []string
	if cp.c.grain != "" && u.leaves[0].time != "" {
		out = append(out, cp.c.grain)
	}
	for _, k := range u.leaves[0].keys {
		out = append(out, k.name)
	}
	return out
}

// renderUnit adds the CTE(s) of one unit for one range and returns the name
// of the CTE holding its values.
func (cp *compiler) renderUnit(u *unit, name string, r *rangeArgs) string {
	l0 := u.leaves[0]
	var sel []string
	bucket := ""
	if cp.c.grain != "" && l0.time != "" {
		bucket = cp.d.TruncDate(cp.c.grain, l0.time)
		if u.kind == "cumulative" && r != nil {
			bucket = fmt.Sprintf("greatest(%s, %s)", bucket, cp.d.TruncDate(cp.c.grain, r.start()))
		}
		if r != nil && (r.shift != Shift{}) && u.kind != "cumulative" {
			bucket = cp.d.ShiftDate(bucket, r.shift)
		}
		sel = append(sel, bucket+" AS "+cp.q(cp.c.grain))
	}
	for _, k := range l0.keys {
		sel = append(sel, k.expr+" AS "+cp.q(k.name))
	}
	nkeys := len(sel)
	var where []string
	if l0.time != "" && r != nil {
		if u.kind != "cumulative" {
			where = append(where, fmt.Sprintf("%s >= %s", l0.time, r.start()))
		}
		where = append(where, fmt.Sprintf("%s < %s", l0.time, r.end()))
	}
	where = append(where, l0.where...)
	from := cp.tableRef(l0.gtable)
	if u.kind == "first" {
		from = cp.q(cp.firstRows(l0)) + " AS " + cp.q(l0.gtable)
	}
	if u.kind == "followed" {
		from = "(\n" + indent(cp.followedRows(l0)) + "\n) AS " + cp.q(l0.gtable)
	}

	if u.kind == "repeat" {
		inner := append(slices.Clone(sel), l0.entity+" AS "+cp.q("_entity"))
		count := "count(DISTINCT " + l0.expr + ")"
		if l0.pkOnly {
			count = "count(*)"
		}
		inner = append(inner, count+" AS "+cp.q("_events"))
		if l0.filter != "" {
			where = append(where, parenthesize(l0.filter))
		}
		body := "SELECT " + strings.Join(inner, ",\n       ") + "\n" + cp.fromClause(l0, from) +
			whereClause(where) + groupBy(nkeys+1)
		var outer []string
		for _, k := range cp.unitKeys(u) {
			outer = append(outer, cp.q(k))
		}
		outer = append(outer, fmt.Sprintf("avg(CASE WHEN %s >= %d THEN 1.0 ELSE 0.0 END) AS %s",
			cp.q("_events"), l0.mt.MinCount, cp.q(l0.mt.Name)))
		cp.addCTE(name, "SELECT "+strings.Join(outer, ",\n       ")+"\nFROM (\n"+indent(body)+"\n) AS "+
			cp.q("per_entity")+groupBy(nkeys))
		return name
	}

	// Simple, first-time and cumulative units: one aggregation per leaf.
	common, perLeaf := splitFilters(u.leaves)
	if common != "" {
		where = append(where, common)
	}
	for _, l := range u.leaves {
		agg := cp.aggSQL(l)
		if perLeaf && l.filter != "" {
			agg += " FILTER (WHERE " + l.filter + ")"
		}
		sel = append(sel, agg+" AS "+cp.q(l.mt.Name))
	}
	body := "SELECT " + strings.Join(sel, ",\n       ") + "\n" + cp.fromClause(l0, from) + whereClause(where) + groupBy(nkeys)
	if u.kind != "cumulative" || bucket == "" {
		cp.addCTE(name, body)
		return name
	}
	// Cumulative by grain: new rows per bucket (everything before the range
	// lands in the first bucket), then a running total over every bucket of
	// the range, for every group, so that buckets with no new rows still count.
	newName := name + "_new"
	cp.addCTE(newName, body)
	g, bucket := cp.c.grain, "b."+cp.q("bucket")
	var dimCols, keyCols, on []string
	for _, k := range l0.keys {
		dimCols = append(dimCols, "k."+cp.q(k.name))
		keyCols = append(keyCols, cp.q(k.name))
		on = append(on, fmt.Sprintf("n.%s IS NOT DISTINCT FROM k.%s", cp.q(k.name), cp.q(k.name)))
	}
	on = append(on, fmt.Sprintf("n.%s = %s", cp.q(g), bucket))
	over := "ORDER BY " + bucket
	if len(dimCols) > 0 {
		over = "PARTITION BY " + strings.Join(dimCols, ", ") + " " + over
	}
	outBucket := bucket
	if r.shift != (Shift{}) {
		outBucket = cp.d.ShiftDate(bucket, r.shift)
	}
	sel = append(slices.Clone(dimCols), outBucket+" AS "+cp.q(g))
	for _, l := range u.leaves {
		sel = append(sel, fmt.Sprintf("sum(coalesce(n.%s, 0)) OVER (%s) AS %s", cp.q(l.mt.Name), over, cp.q(l.mt.Name)))
	}
	series := cp.d.DateSeries(g, cp.d.TruncDate(g, r.start()), r.end())
	from2 := "FROM " + series + " AS b"
	if len(dimCols) > 0 {
		from2 = fmt.Sprintf("FROM (SELECT DISTINCT %s FROM %s) AS k\nCROSS JOIN %s AS b", strings.Join(keyCols, ", "), cp.q(newName), series)
	}
	cp.addCTE(name, "SELECT "+strings.Join(sel, ",\n       ")+"\n"+from2+
		"\nLEFT JOIN "+cp.q(newName)+" AS n ON "+strings.Join(on, " AND "))
	return name
}

// firstRows adds a CTE keeping each entity's first qualifying row (by time,
// then primary key), and returns its name.
func (cp *compiler) firstRows(l *leaf) string {
	t := cp.m.tables[l.gtable]
	name := "first_" + l.gtable + "_per_" + strings.ReplaceAll(l.mt.FirstPer, ".", "_")
	for _, c := range cp.ctes {
		if strings.HasPrefix(c, cp.q(name)+" AS") {
			return name
		}
	}
	from := cp.tableRef(l.gtable)
	if t.From == "" {
		from += " AS " + cp.q(l.gtable)
	}
	var pk []string
	for _, c := range t.PrimaryKey {
		pk = append(pk, cp.q(t.Name)+"."+cp.q(c))
	}
	// Access rules apply before first rows are chosen: a user's "first
	// order" is the first among the rows they may see.
	where := l.filter
	if len(l.ruleWhere) > 0 {
		conds := l.ruleWhere
		if where != "" {
			conds = append([]string{parenthesize(where)}, conds...)
		}
		where = strings.Join(conds, " AND ")
	}
	joins := strings.Join(cp.joins(l.gtable, l.ruleTables, l.ruleStrict), "\n")
	cp.addCTE(name, cp.d.FirstRows(from, cp.q(l.gtable), joins, renderExpr(l.mt.FirstPer, l.gtable, cp.d), l.time, pk, where))
	return name
}

// followedFlag is the column followedRows adds: the row's entity has the
// later event within the window.
const followedFlag = "_followed"

// followedRows is every row of a followed metric's table with the flag
// telling whether its entity has the later event (followed_by) after the
// row's moment and at most the window after it. The outer query's filters
// (time, dimensions, access rules) reach the table's rows through this
// projection, so only the asked rows are looked up.
func (cp *compiler) followedRows(l *leaf) string {
	fb := l.mt.FollowedBy
	then := func(e string) string { return renderExpr(cp.sub(e), fb.Table, cp.d) }
	conds := []string{
		then(fb.Entity) + " = " + l.entity,
		then(fb.Time) + " > " + l.after,
		then(fb.Time) + " <= " + cp.d.AddDuration(l.after, fb.Within),
	}
	if fb.Filter != "" {
		conds = append(conds, parenthesize(then(fb.Filter)))
	}
	return fmt.Sprintf("SELECT %s.*,\n       EXISTS (\n         SELECT 1 FROM %s\n         WHERE %s\n       ) AS %s\nFROM %s",
		cp.q(l.gtable), cp.tableRef(fb.Table), strings.Join(conds, "\n           AND "), cp.q(followedFlag), cp.tableRef(l.gtable))
}

func (cp *compiler) aggSQL(l *leaf) string {
	switch l.agg {
	case "followed":
		return "avg(" + l.expr + ")"
	case AggCount:
		if l.expr == "" {
			return "count(*)"
		}
		return "count(" + l.expr + ")"
	case AggCountDistinct:
		if l.pkOnly {
			return "count(*)"
		}
		return "count(DISTINCT " + l.expr + ")"
	}
	return l.agg + "(" + l.expr + ")"
}

// splitFilters decides where the leaves' own filters go: a filter all
// leaves share goes to WHERE; otherwise each leaf gets a FILTER clause and
// WHERE keeps the rows any leaf needs.
func splitFilters(leaves []*leaf) (common string, perLeaf bool) {
	f0 := leaves[0].filter
	same, all := true, true
	var any []string
	for _, l := range leaves {
		if l.filter != f0 {
			same = false
		}
		if l.filter == "" {
			all = false
		} else if !slices.Contains(any, l.filter) {
			any = append(any, "("+l.filter+")")
		}
	}
	switch {
	case same:
		return parenthesize(f0), false
	case all:
		return "(" + strings.Join(any, " OR ") + ")", true
	}
	return "", true
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(conds, "\n  AND ")
}

func groupBy(n int) string {
	if n == 0 {
		return ""
	}
	ords := make([]string, n)
	for i := range ords {
		ords[i] = strconv.Itoa(i + 1)
	}
	return "\nGROUP BY " + strings.Join(ords, ", ")
}

type unitRef struct {
	name     string
	keys     []string
	previous bool
}

// renderResult adds the "result" CTE: every requested metric (derived ones
// as formulas over their components), previous values, changes and shares.
func (cp *compiler) renderResult(units []unitRef, refs, prevRefs map[string]string) {
	keys := cp.c.outputNames()[:cp.keyCount()]
	var sel []string
	var from []string
	var current []unitRef
	for _, u := range units {
		if !u.previous {
			current = append(current, u)
		}
	}
	keyRef := func(k string) string { return cp.q(current[0].name) + "." + cp.q(k) }
	switch {
	case len(keys) == 0:
		from = append(from, "FROM "+cp.q(units[0].name))
		for _, u := range units[1:] {
			from = append(from, "CROSS JOIN "+cp.q(u.name))
		}
	case len(units) == 1:
		from = append(from, "FROM "+cp.q(units[0].name))
	case len(units) == 2 && len(units[0].keys) == len(keys) && len(units[1].keys) == len(keys) && !units[1].previous && cp.d.NullSafeFullJoin():
		// Two aggregations over the same groups: one full join, no groups CTE.
		a, b := cp.q(units[0].name), cp.q(units[1].name)
		var on []string
		for _, k := range keys {
			on = append(on, fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s", a, cp.q(k), b, cp.q(k)))
		}
		from = append(from, "FROM "+a, "FULL JOIN "+b+" ON "+strings.Join(on, " AND "))
		keyRef = func(k string) string { return fmt.Sprintf("coalesce(%s.%s, %s.%s)", a, cp.q(k), b, cp.q(k)) }
	default:
		// The groups are those of the aggregations that have every key; a
		// single one is the base itself, several are united first.
		var full []unitRef
		for _, u := range current {
			if len(u.keys) == len(keys) {
				full = append(full, u)
			}
		}
		base := "groups"
		if len(full) == 1 {
			base = full[0].name
			from = append(from, "FROM "+cp.q(base))
		} else {
			var parts []string
			cols := make([]string, len(keys))
			for i, k := range keys {
				cols[i] = cp.q(k)
			}
			for _, u := range full {
				parts = append(parts, "SELECT "+strings.Join(cols, ", ")+" FROM "+cp.q(u.name))
			}
			cp.addCTE(base, strings.Join(parts, "\nUNION\n"))
			from = append(from, "FROM "+cp.q(base))
		}
		for _, u := range units {
			if u.name == base {
				continue
			}
			var on []string
			for _, k := range u.keys {
				on = append(on, fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s", cp.q(u.name), cp.q(k), cp.q(base), cp.q(k)))
			}
			if len(on) == 0 {
				from = append(from, "CROSS JOIN "+cp.q(u.name))
				continue
			}
			from = append(from, "LEFT JOIN "+cp.q(u.name)+" ON "+strings.Join(on, " AND "))
		}
		keyRef = func(k string) string { return cp.q(base) + "." + cp.q(k) }
	}
	for _, k := range keys {
		sel = append(sel, keyRef(k)+" AS "+cp.q(k))
	}
	for _, mt := range cp.c.metrics {
		cur := cp.metricSQL(mt, refs)
		sel = append(sel, cur+" AS "+cp.q(mt.Name))
		if cp.c.q.Compare != "" {
			prev := cp.metricSQL(mt, prevRefs)
			sel = append(sel, prev+" AS "+cp.q(mt.Name+"_previous"))
			sel = append(sel, cp.d.Divide("("+cur+" - "+prev+")", "abs("+prev+")")+" AS "+cp.q(mt.Name+"_change"))
			sel = append(sel, "("+cur+" - "+prev+") AS "+cp.q(mt.Name+"_diff"))
		}
		if slices.Contains(cp.c.q.Share, mt.Name) {
			sel = append(sel, cp.d.Divide(cur, "sum("+cur+") OVER ()")+" AS "+cp.q(mt.Name+"_share"))
		}
	}
	cp.result = "SELECT " + strings.Join(sel, ",\n       ") + "\n" + strings.Join(from, "\n")
}

func (cp *compiler) keyCount() int {
	n := len(cp.c.dims)
	if cp.c.grain != "" {
		n++
	}
	return n
}

// metricSQL is a metric's value: a leaf's column or a derived formula.
func (cp *compiler) metricSQL(mt *Metric, refs map[string]string) string {
	if mt.Type != TypeDerived {
		return refs[mt.Name]
	}
	return mt.formula.render(cp.d, func(name string) string { return cp.metricSQL(cp.m.metrics[name], refs) })
}

// renderFinal selects the result with metric filters, order and limit;
// with metric filters the result becomes a CTE so they can name its columns.
func (cp *compiler) renderFinal() string {
	var b strings.Builder
	var conds []string
	for _, f := range cp.c.having {
		col := cp.q(f.Metric)
		switch f.Op {
		case "between":
			conds = append(conds, fmt.Sprintf("%s BETWEEN %s AND %s", col, cp.arg(f.Values[0]), cp.arg(f.Values[1])))
		default:
			sym := map[string]string{"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[f.Op]
			conds = append(conds, fmt.Sprintf("%s %s %s", col, sym, cp.arg(f.Values[0])))
		}
	}
	if len(conds) > 0 {
		cp.addCTE("result", cp.result)
		b.WriteString("SELECT *\nFROM " + cp.q("result"))
		b.WriteString(whereClause(conds))
	} else {
		b.WriteString(cp.result)
	}
	keys := cp.c.outputNames()[:cp.keyCount()]
	var order []string
	used := map[string]bool{}
	for _, o := range cp.c.q.Order {
		dir := "ASC"
		if o.Desc {
			dir = "DESC"
		}
		order = append(order, cp.q(o.By)+" "+dir+" NULLS LAST")
		used[o.By] = true
	}
	if len(order) == 0 && cp.c.grain == "" && len(cp.c.dims) > 0 {
		order = append(order, cp.q(cp.c.metrics[0].Name)+" DESC NULLS LAST")
	}
	for _, k := range keys {
		if !used[k] {
			order = append(order, cp.q(k)+" ASC NULLS LAST")
		}
	}
	if len(order) > 0 {
		b.WriteString("\nORDER BY " + strings.Join(order, ", "))
	}
	if cp.c.q.Limit > 0 {
		b.WriteString("\nLIMIT " + strconv.Itoa(cp.c.q.Limit))
	}
	return b.String()
}

// columns describes the result's columns in order.
func (cp *compiler) columns() []Column {
	var cols []Column
	if g := cp.c.grain; g != "" {
		cols = append(cols, Column{Name: g, Type: "date", Role: RoleTime, Title: grainTitles[g]})
	}
	for _, d := range cp.c.dims {
		cols = append(cols, Column{Name: d.Name, Type: "string", Role: RoleDimension, Title: d.Label})
	}
	for _, mt := range cp.c.metrics {
		cols = append(cols, Column{Name: mt.Name, Type: "number", Role: RoleMetric, Unit: mt.Unit, Title: mt.Label})
		if cp.c.q.Compare != "" {
			pz, pe := "上期", "previous period"
			if cp.c.q.Compare == CompareYoY {
				pz, pe = "去年同期", "same period last year"
			}
			cols = append(cols,
				Column{Name: mt.Name + "_previous", Type: "number", Role: RolePrevious, Unit: mt.Unit, Metric: mt.Name,
					Title: Text{Zh: mt.Label.Zh + "（" + pz + "）", En: mt.Label.En + " (" + pe + ")"}},
				Column{Name: mt.Name + "_change", Type: "number", Role: RoleChange, Unit: UnitPercent, Metric: mt.Name,
					Title: Text{Zh: mt.Label.Zh + map[string]string{CompareYoY: "同比", ComparePoP: "环比"}[cp.c.q.Compare],
						En: mt.Label.En + map[string]string{CompareYoY: " YoY", ComparePoP: " change"}[cp.c.q.Compare]}},
				Column{Name: mt.Name + "_diff", Type: "number", Role: RoleDifference, Unit: mt.Unit, Metric: mt.Name,
					Title: Text{Zh: mt.Label.Zh + "增减", En: mt.Label.En + " difference"}})
		}
		if slices.Contains(cp.c.q.Share, mt.Name) {
			cols = append(cols, Column{Name: mt.Name + "_share", Type: "number", Role: RoleShare, Unit: UnitPercent, Metric: mt.Name,
				Title: Text{Zh: mt.Label.Zh + "占比", En: mt.Label.En + " share"}})
		}
	}
	for i, c := range cols {
		if c.Unit == UnitCurrency {
			name := c.Metric
			if name == "" {
				name = c.Name
			}
			cols[i].Currency = cp.m.CurrencyOf(cp.m.metrics[name])
		}
	}
	Localize(cols, "zh")
	return cols
}

var grainTitles = map[string]Text{
	GrainDay: {Zh: "日期", En: "Day"}, GrainWeek: {Zh: "周", En: "Week"}, GrainMonth: {Zh: "月份", En: "Month"},
	GrainQuarter: {Zh: "季度", En: "Quarter"}, GrainYear: {Zh: "年份", En: "Year"},
}

// parenthesize wraps a condition holding a top-level OR, so that it can be
// ANDed with others.
func parenthesize(cond string) string {
	if len(splitTop(tokenize(cond), "or")) > 1 {
		return "(" + cond + ")"
	}
	return cond
}
