package semantic

import (
	"fmt"
	"math"
	"strings"
)

// Stats are what an engine knows of the data's size, for cost estimates.
type Stats struct {
	// TableRows is each model table's row count.
	TableRows map[string]int64
	// DimValues is each dimension's number of distinct values; a
	// dimension absent or 0 is taken as large (UnknownValues).
	DimValues map[string]int
}

// UnknownValues is the cardinality assumed for a dimension Stats lack.
const UnknownValues = 2000

// Cost is a plan's estimated size before it runs.
type Cost struct {
	// Groups is the result's rows: time buckets × each dimension's values
	// (never more than the rows read).
	Groups float64
	// Scanned is the rows read from the model's tables, twice with a
	// comparison.
	Scanned float64
	// Why says in words where Groups comes from ("365 days × 600 products").
	Why Text
}

// Estimate computes a plan's cost from table and dimension sizes. It is a
// rough upper bound, meant to tell a question of a few hundred groups from
// one of millions before anything runs.
func (p *Plan) Estimate(m *Model, st Stats) Cost {
	var c Cost
	q := p.Query
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		mt := m.metrics[name]
		if mt == nil || seen[name] {
			return
		}
		seen[name] = true
		if mt.Type == TypeDerived {
			for _, d := range mt.deps {
				visit(d)
			}
			return
		}
		n, ok := st.TableRows[mt.Table]
		if !ok {
			// A table of unknown size (a derived table not computed in
			// advance) counts as the largest known.
			for _, v := range st.TableRows {
				n = max(n, v)
			}
		}
		c.Scanned += float64(n)
	}
	for _, name := range q.Metrics {
		visit(name)
	}
	if q.Compare != "" {
		c.Scanned *= 2
	}
	c.Groups = 1
	var zh, en []string
	if q.Time != nil && q.Time.Grain != "" && p.Range != nil {
		n := buckets(*p.Range, q.Time.Grain)
		c.Groups *= float64(n)
		zh = append(zh, fmt.Sprintf("%d个%s", n, grainTitles[q.Time.Grain].Zh))
		en = append(en, fmt.Sprintf("%d %ss", n, strings.ToLower(grainTitles[q.Time.Grain].En)))
	}
	for _, name := range q.Dimensions {
		d := m.dims[name]
		if d == nil {
			continue
		}
		n := st.DimValues[name]
		if n <= 0 {
			n = len(d.Values) + 1 // the model's list, and NULL
		}
		if n <= 1 {
			n = UnknownValues
		}
		c.Groups *= float64(n)
		zh = append(zh, fmt.Sprintf("%d个%s", n, d.Label.Zh))
		en = append(en, fmt.Sprintf("%d %s values", n, strings.ToLower(d.Label.En)))
	}
	if c.Scanned > 0 {
		c.Groups = math.Min(c.Groups, c.Scanned)
	}
	c.Why = Text{Zh: strings.Join(zh, " × "), En: strings.Join(en, " × ")}
	return c
}

// buckets is the number of time buckets of grain a range spans.
func buckets(r DateRange, grain string) int {
	days := r.Days()
	switch grain {
	case GrainWeek:
		return days/7 + 1
	case GrainMonth:
		return (r.End.Year()-r.Start.Year())*12 + int(r.End.Month()) - int(r.Start.Month()) + 1
	case GrainQuarter:
		return ((r.End.Year()-r.Start.Year())*12+int(r.End.Month())-int(r.Start.Month()))/3 + 1
	case GrainYear:
		return r.End.Year() - r.Start.Year() + 1
	}
	return days
}
