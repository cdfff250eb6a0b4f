package nlq

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Insight is the answer to "why did it change": the metric in the period
// and its baseline, and the members whose change drove it, ranked by the
// size of their part in the direction of the change.
type Insight struct {
	Metric string `json:"metric"`
	// Current, Previous and Change (Current − Previous) of the metric;
	// ChangeRate is the relative change (absent with no baseline).
	Current    float64  `json:"current"`
	Previous   float64  `json:"previous"`
	Change     float64  `json:"change"`
	ChangeRate *float64 `json:"change_rate,omitempty"`
	Compare    string   `json:"compare"`
	// Kind is additive (each member's own change), ratio (mix and rate
	// effects of a numerator over a denominator) or repeat (a repeat rate:
	// repeat buyers over buyers, decomposed as a ratio).
	Kind    string   `json:"kind"`
	Drivers []Driver `json:"drivers"`
	// Offsets are the members that moved against the change (华东 fell
	// while the total rose), at least a tenth of the change each.
	Offsets []Driver `json:"offsets,omitempty"`
	// Explained is the share of the change the top members of the leading
	// driver's dimension account for.
	Explained float64 `json:"explained"`
	// Drill is the leading driver looked into one level down.
	Drill *Drill `json:"drill,omitempty"`
	// Note says what could not be decomposed, when so.
	Note string `json:"note,omitempty"`
}

// Driver is one member's part of the change.
type Driver struct {
	Dimension     string  `json:"dimension"`
	Value         any     `json:"value"`
	Label         string  `json:"label"`
	Contribution  float64 `json:"contribution"`
	ShareOfChange float64 `json:"share_of_change"`
	Current       float64 `json:"current"`
	Previous      float64 `json:"previous"`
	Mix           float64 `json:"mix,omitempty"`
	Rate          float64 `json:"rate,omitempty"`
	excess        float64 // the part beyond the member's size: what ranks it
}

// Drill is the drivers inside the leading one (华东 → its stores).
type Drill struct {
	Dimension string   `json:"dimension"`
	Value     any      `json:"value"`
	Label     string   `json:"label"`
	Drivers   []Driver `json:"drivers"`
}

var ratioExprRE = regexp.MustCompile(`^\s*([a-z][a-z0-9_]*)\s*/\s*([a-z][a-z0-9_]*)\s*$`)

// insightParts reads how a metric decomposes: additive, a ratio of two
// additive metrics, or not at all.
func insightParts(m *semantic.Model, mt *semantic.Metric) (kind string, metrics []string) {
	additive := func(x *semantic.Metric) bool {
		return x != nil && x.Type == semantic.TypeSimple && !x.Cumulative && (x.Agg == "sum" || x.Agg == "count" || x.Agg == "count_distinct")
	}
	switch {
	case additive(mt):
		return "additive", []string{mt.Name}
	case mt.Type == semantic.TypeDerived:
		if g := ratioExprRE.FindStringSubmatch(mt.Expr); g != nil && additive(m.Metric(g[1])) && additive(m.Metric(g[2])) {
			return "ratio", []string{g[1], g[2]}
		}
	case mt.Type == semantic.TypeRepeat:
		// A repeat rate is repeat entities over entities: its denominator is
		// the distinct count of the entity over the same rows (复购率 over 购买人数).
		for _, x := range m.Metrics {
			if additive(x) && x.Agg == "count_distinct" && x.Table == mt.Table && x.Expr == mt.Entity &&
				(x.Filter == mt.Filter || x.Filter+" AND "+mt.Entity+" IS NOT NULL" == mt.Filter) {
				return "repeat", []string{mt.Name, x.Name}
			}
		}
	}
	return "", nil
}

// insight finds what drove the change of q's metric between q's period and
// its comparison period: one grouped query per dimension (concurrently),
// decomposed, ranked across dimensions; then the leading driver drilled
// into one level.
func (e *Engine) insight(ctx context.Context, q *semantic.Query, dims []string, asOf semantic.Date, scope *Scope, lang string) (*Insight, error) {
	m := e.Model
	mt := m.Metric(q.Metrics[0])
	if mt == nil {
		return nil, fmt.Errorf("insight: unknown metric %s", q.Metrics[0])
	}
	ins := &Insight{Metric: mt.Name, Compare: q.Compare, Drivers: []Driver{}}
	kind, parts := insightParts(m, mt)
	ins.Kind = kind
	if kind == "" {
		ins.Note = msg(lang, mt.Label.Zh+"不是可加的量，也不是两个可加量之比，无法拆分变化的来源",
			mt.Label.En+" is neither additive nor a ratio of two additive metrics: its change cannot be split")
		return ins, nil
	}
	base := &semantic.Query{Metrics: parts, Filters: q.Filters, Time: q.Time, Compare: q.Compare}
	totals, err := e.decomposeBy(ctx, base, "", kind, asOf, scope)
	if err != nil {
		return nil, err
	}
	for _, p := range totals {
		ins.Current, ins.Previous = p.Cur, p.Prev
	}
	ins.Change = ins.Current - ins.Previous
	if r := relChange(ins.Current, ins.Previous); !math.IsNaN(r) {
		ins.ChangeRate = &r
	}
	perDim := 2
	if len(dims) > 0 {
		perDim = 5 // the question named where to look
	} else {
		dims = e.insightDims(q, scope)
	}
	byDim := e.decomposeAll(ctx, base, dims, kind, asOf, scope)
	dropWhole(byDim, ins.Current, ins.Previous, kind)
	ins.Drivers = rankDrivers(m, byDim, ins.Change, lang, 5, perDim)
	for _, o := range rankDrivers(m, byDim, -ins.Change, lang, 2, 1) {
		if o.ShareOfChange = o.Contribution / ins.Change; math.Abs(o.ShareOfChange) >= 0.1 {
			ins.Offsets = append(ins.Offsets, o)
		}
	}
	if len(ins.Drivers) == 0 {
		return ins, nil
	}
	top := ins.Drivers[0]
	if ins.Change != 0 {
		var sum float64
		for i, d := range rankDrivers(m, map[string][]part{top.Dimension: byDim[top.Dimension]}, ins.Change, lang, 3, 3) {
			if i < 3 {
				sum += d.Contribution
			}
		}
		ins.Explained = sum / ins.Change
	}
	// One level into the leading driver.
	drillQ := base.Clone()
	drillQ.Filters = append(drillQ.Filters, semantic.Filter{Dimension: top.Dimension, Op: "eq", Values: []any{top.Value}})
	var rest []string
	for _, d := range dims {
		if d != top.Dimension {
			rest = append(rest, d)
		}
	}
	inner := e.decomposeAll(ctx, drillQ, rest, kind, asOf, scope)
	dropWhole(inner, top.Current, top.Previous, kind)
	if ds := rankDrivers(m, inner, ins.Change, lang, 3, 3); len(ds) > 0 {
		// The drill shows the best dimension inside: the one of its top member.
		best := ds[0].Dimension
		ins.Drill = &Drill{Dimension: top.Dimension, Value: top.Value, Label: top.Label,
			Drivers: rankDrivers(m, map[string][]part{best: inner[best]}, ins.Change, lang, 3, 3)}
	}
	return ins, nil
}

// Insight finds what drove the change of q's first metric between its
// period and the previous one (a year earlier when q compares yoy): for
// push reports (数据解读) and fired alerts. dims limits where drivers are
// looked for (nil: everywhere the asker may see).
func (e *Engine) Insight(ctx context.Context, q *semantic.Query, dims []string, asOf semantic.Date, scope *Scope, lang string) (*Insight, error) {
	if q == nil || len(q.Metrics) == 0 || q.Time == nil || q.Time.Range == nil {
		return nil, fmt.Errorf("insight: the question has no metric or period")
	}
	w := q.Clone()
	w.Dimensions, w.Order, w.Limit, w.Share, w.Time.Grain = nil, nil, 0, nil, ""
	w.Filters = slices.DeleteFunc(w.Filters, func(f semantic.Filter) bool { return f.Metric != "" })
	if w.Compare == "" {
		w.Compare = semantic.ComparePoP
	}
	return e.insight(ctx, w, dims, asOf, scope, lang)
}

// insightDims are the dimensions drivers are looked for in: those the
// asker may see and the question has not pinned to one value.
func (e *Engine) insightDims(q *semantic.Query, scope *Scope) []string {
	var out []string
	for _, d := range e.Model.Dimensions {
		pinned := slices.ContainsFunc(q.Filters, func(f semantic.Filter) bool {
			return f.Dimension == d.Name && (f.Op == "eq" || f.Op == "in" && len(f.Values) == 1)
		})
		// Numbers (days since the last order, a member's ID) are no categories to explain by.
		if !pinned && scope.DimensionVisible(d.Name) && !e.stateAsOf(d) && d.Type != semantic.DimNumber {
			out = append(out, d.Name)
		}
	}
	return out
}

// stateAsOf reports whether a dimension is an entity's state as of the
// question's day (lifecycle, RFM segment): it is read from the outcome
// itself (who bought in October is "active" at its end), so it cannot
// explain the change of that outcome, and is not looked at for drivers.
func (e *Engine) stateAsOf(d *semantic.Dimension) bool {
	if strings.Contains(d.Expr, "{{ref_day}}") {
		return true
	}
	for _, m := range tableRefRE.FindAllStringSubmatch(d.Expr, -1) {
		if t := e.Model.Table(m[1]); t != nil && strings.Contains(t.SQL, "{{ref_day}}") {
			return true
		}
	}
	return false
}

// tableRefRE finds the tables an expression names (member_life.last_day).
var tableRefRE = regexp.MustCompile(`\b([a-z_][a-z0-9_]*)\.[a-zA-Z_"]`)

// insightWorkers is how many grouped queries of one analysis run at once.
const insightWorkers = 4

// decomposeAll decomposes the change by each dimension, concurrently; a
// dimension the metric cannot be split by is left out.
func (e *Engine) decomposeAll(ctx context.Context, base *semantic.Query, dims []string, kind string, asOf semantic.Date, scope *Scope) map[string][]part {
	out := map[string][]part{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, insightWorkers)
	for _, d := range dims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			parts, err := e.decomposeBy(ctx, base, d, kind, asOf, scope)
			if err != nil {
				return // not splittable by d, or out of time: the others still speak
			}
			mu.Lock()
			out[d] = parts
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// decomposeBy runs base split by dim ("" for the total) and decomposes it.
func (e *Engine) decomposeBy(ctx context.Context, base *semantic.Query, dim, kind string, asOf semantic.Date, scope *Scope) ([]part, error) {
	q := base.Clone()
	if dim != "" {
		q.Dimensions = []string{dim}
	}
	plan, err := semantic.Compile(e.Model, q, e.CompileOptions(asOf, scope))
	if err != nil {
		return nil, err
	}
	res, err := e.Runner.Run(ctx, plan)
	if err != nil {
		return nil, err
	}
	col := func(name string) int {
		return slices.IndexFunc(res.Columns, func(c semantic.Column) bool { return c.Name == name })
	}
	di := col(dim)
	num := func(row []any, name string) float64 {
		if i := col(name); i >= 0 {
			f, _ := toFloat(row[i])
			return f
		}
		return 0
	}
	var ms []memberChange
	for _, row := range res.Rows {
		mc := memberChange{}
		if di >= 0 {
			mc.Value = row[di]
		}
		switch kind {
		case "ratio":
			n, d := base.Metrics[0], base.Metrics[1]
			mc.NumCur, mc.NumPrev, mc.DenCur, mc.DenPrev = num(row, n), num(row, n+"_previous"), num(row, d), num(row, d+"_previous")
		case "repeat":
			// The numerator is the rate times the entities.
			r, d := base.Metrics[0], base.Metrics[1]
			mc.DenCur, mc.DenPrev = num(row, d), num(row, d+"_previous")
			mc.NumCur, mc.NumPrev = num(row, r)*mc.DenCur, num(row, r+"_previous")*mc.DenPrev
		default:
			mc.Cur, mc.Prev = num(row, base.Metrics[0]), num(row, base.Metrics[0]+"_previous")
		}
		ms = append(ms, mc)
	}
	if kind != "additive" {
		parts, r1, r0 := decomposeRatio(ms)
		if dim == "" {
			return []part{{Cur: r1, Prev: r0, Contribution: r1 - r0}}, nil
		}
		return parts, nil
	}
	parts, cur, prev := decomposeAdditive(ms)
	if dim == "" {
		return []part{{Cur: cur, Prev: prev, Contribution: cur - prev}}, nil
	}
	return parts, nil
}

// dropWhole leaves out the dimensions where one member is the whole in
// both periods (华东's sales are all 门店 sales; sales count only completed
// orders): that member "explains" everything and says nothing.
func dropWhole(byDim map[string][]part, cur, prev float64, kind string) {
	for dim, parts := range byDim {
		if len(parts) <= 1 {
			delete(byDim, dim)
			continue
		}
		if kind != "additive" {
			continue
		}
		for _, p := range parts {
			if near99(p.Cur, cur) && near99(p.Prev, prev) {
				delete(byDim, dim)
				break
			}
		}
	}
}

func near99(part, whole float64) bool {
	if whole == 0 {
		return part == 0
	}
	return part/whole >= 0.99
}

// rankDrivers ranks the members of every dimension by their part in the
// direction of the change (both directions when it is zero), at most
// perDim from one dimension, n in all.
func rankDrivers(m *semantic.Model, byDim map[string][]part, change float64, lang string, n, perDim int) []Driver {
	var all []Driver
	for dim, parts := range byDim {
		d := m.Dimension(dim)
		var prevTotal float64
		for _, p := range parts {
			prevTotal += p.Prev
		}
		for _, p := range parts {
			if p.Contribution == 0 || change > 0 && p.Contribution < 0 || change < 0 && p.Contribution > 0 {
				continue
			}
			label := fmt.Sprint(p.Value)
			if d != nil {
				label = d.ValueLabel(p.Value, lang)
			}
			dr := Driver{Dimension: dim, Value: p.Value, Label: label, Contribution: p.Contribution, Current: p.Cur, Previous: p.Prev, Mix: p.Mix, Rate: p.Rate}
			if change != 0 {
				dr.ShareOfChange = p.Contribution / change
			}
			// A member is a driver by how much more it moved than its size
			// would make it move (a big member moving in step with the
			// total drives nothing); a ratio's parts are already relative.
			dr.excess = p.Contribution
			if p.Mix == 0 && p.Rate == 0 && prevTotal != 0 {
				dr.excess = p.Contribution - p.Prev/prevTotal*change
			}
			all = append(all, dr)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := math.Abs(all[i].excess), math.Abs(all[j].excess)
		if a != b {
			return a > b
		}
		return all[i].Dimension+all[i].Label < all[j].Dimension+all[j].Label
	})
	var out []Driver
	count := map[string]int{}
	for _, d := range all {
		if len(out) == n {
			break
		}
		if count[d.Dimension] == perDim {
			continue
		}
		count[d.Dimension]++
		out = append(out, d)
	}
	return out
}

// Text says the insight in words: the change, the leading drivers with
// their share, how much the top members explain, and the drill.
func (ins *Insight) Text(m *semantic.Model, lang string) string {
	mt := m.Metric(ins.Metric)
	if mt == nil {
		return ""
	}
	unit := MetricUnit(m, mt)
	fmtV := func(v float64) string { return FormatCompact(v, unit, lang) }
	fmtC := func(v float64) string {
		if unit == semantic.UnitPercent {
			pts := v * 100
			return msg(lang, fmt.Sprintf("%+.1f 个百分点", pts), fmt.Sprintf("%+.1f pp", pts))
		}
		s := FormatCompact(math.Abs(v), unit, lang)
		if v < 0 {
			return "-" + s
		}
		return "+" + s
	}
	var b strings.Builder
	if ins.Note != "" {
		return "\n" + ins.Note
	}
	dir := msg(lang, "持平", "was flat")
	switch {
	case ins.Change > 0:
		dir = msg(lang, "上升", "rose")
	case ins.Change < 0:
		dir = msg(lang, "下降", "fell")
	}
	base := msg(lang, map[string]string{semantic.CompareYoY: "去年同期", semantic.ComparePoP: "上期"}[ins.Compare],
		map[string]string{semantic.CompareYoY: "a year earlier", semantic.ComparePoP: "the previous period"}[ins.Compare])
	rate := ""
	if ins.ChangeRate != nil && unit != semantic.UnitPercent {
		rate = msg(lang, "（"+FormatCompact(*ins.ChangeRate, semantic.UnitPercent, lang)+"）", " ("+FormatCompact(*ins.ChangeRate, semantic.UnitPercent, lang)+")")
	}
	b.WriteString(msg(lang,
		fmt.Sprintf("\n%s比%s%s %s%s（%s → %s）。", mt.Label.Zh, base, dir, strings.TrimLeft(fmtC(ins.Change), "+-"), rate, fmtV(ins.Previous), fmtV(ins.Current)),
		fmt.Sprintf("\n%s %s %s%s on %s (%s → %s).", mt.Label.En, dir, fmtC(ins.Change), rate, base, fmtV(ins.Previous), fmtV(ins.Current))))
	if len(ins.Drivers) == 0 {
		return b.String()
	}
	var parts []string
	for _, d := range ins.Drivers[:min(3, len(ins.Drivers))] {
		dl := d.Dimension
		if dd := m.Dimension(d.Dimension); dd != nil {
			dl = dd.Label.In(lang)
		}
		p := msg(lang, fmt.Sprintf("%s「%s」%s（占变化的 %s）", dl, d.Label, fmtC(d.Contribution), FormatCompact(d.ShareOfChange, semantic.UnitPercent, lang)),
			fmt.Sprintf("%s %s %s (%s of the change)", strings.ToLower(dl), d.Label, fmtC(d.Contribution), FormatCompact(d.ShareOfChange, semantic.UnitPercent, lang)))
		if ins.Kind != "additive" && d.Mix != 0 && d.Rate != 0 {
			which := msg(lang, "主要是自身比率的变化", "mostly its own rate")
			if math.Abs(d.Mix) > math.Abs(d.Rate) {
				which = msg(lang, "主要是占比变化", "mostly its weight")
			}
			p += msg(lang, "，"+which, ", "+which)
		}
		parts = append(parts, p)
	}
	b.WriteString(msg(lang, "主要因素："+strings.Join(parts, "；")+"。", "Main drivers: "+strings.Join(parts, "; ")+"."))
	if ins.Explained != 0 {
		top := ins.Drivers[0]
		dl := top.Dimension
		if dd := m.Dimension(top.Dimension); dd != nil {
			dl = dd.Label.In(lang)
		}
		b.WriteString(msg(lang, fmt.Sprintf("按%s看，前 3 个解释了 %s 的变化。", dl, FormatCompact(ins.Explained, semantic.UnitPercent, lang)),
			fmt.Sprintf(" By %s, the top 3 explain %s of the change.", strings.ToLower(dl), FormatCompact(ins.Explained, semantic.UnitPercent, lang))))
	}
	if len(ins.Offsets) > 0 {
		var off []string
		for _, o := range ins.Offsets {
			dl := o.Dimension
			if dd := m.Dimension(o.Dimension); dd != nil {
				dl = dd.Label.In(lang)
			}
			off = append(off, msg(lang, dl+"「"+o.Label+"」"+fmtC(o.Contribution), strings.ToLower(dl)+" "+o.Label+" "+fmtC(o.Contribution)))
		}
		b.WriteString(msg(lang, "反向变化："+strings.Join(off, "、")+"。", " Moving the other way: "+strings.Join(off, ", ")+"."))
	}
	if dr := ins.Drill; dr != nil && len(dr.Drivers) > 0 {
		var in []string
		for _, d := range dr.Drivers {
			in = append(in, msg(lang, "「"+d.Label+"」"+fmtC(d.Contribution), d.Label+" "+fmtC(d.Contribution)))
		}
		dl := dr.Drivers[0].Dimension
		if dd := m.Dimension(dl); dd != nil {
			dl = dd.Label.In(lang)
		}
		b.WriteString(msg(lang, fmt.Sprintf("其中「%s」按%s看：%s。", dr.Label, dl, strings.Join(in, "、")),
			fmt.Sprintf(" Within %s, by %s: %s.", dr.Label, strings.ToLower(dl), strings.Join(in, ", "))))
	}
	return b.String()
}
