package nlq

import (
	"fmt"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Admission decides, before a plan runs, whether it is cheap, heavy or too
// costly, from its estimated groups and rows read (semantic.Plan.Estimate).
// Heavy plans are marked so the engine keeps a share of its slots for the
// cheap ones; a plan over the budget is refused with a message saying how
// to narrow it.
type Admission struct {
	Stats semantic.Stats
	// HeavyGroups and HeavyRows mark a plan heavy (defaults 20,000 groups,
	// 10 million rows read).
	HeavyGroups, HeavyRows float64
	// MaxGroups refuses plans estimated above it (default 1,000,000).
	MaxGroups float64
}

// OverBudget is a plan refused as too costly.
type OverBudget struct {
	Cost    semantic.Cost
	Message string
}

func (e *OverBudget) Error() string { return e.Message }

// Admit marks plan heavy when it is, or returns *OverBudget. A nil
// Admission admits everything as cheap.
func (a *Admission) Admit(m *semantic.Model, plan *semantic.Plan, lang string) error {
	if a == nil {
		return nil
	}
	heavyGroups, heavyRows, maxGroups := a.HeavyGroups, a.HeavyRows, a.MaxGroups
	if heavyGroups == 0 {
		heavyGroups = 20000
	}
	if heavyRows == 0 {
		heavyRows = 10e6
	}
	if maxGroups == 0 {
		maxGroups = 1e6
	}
	c := plan.Estimate(m, a.Stats)
	if c.Groups > maxGroups {
		return &OverBudget{Cost: c, Message: msg(lang,
			fmt.Sprintf("这个问题要算约 %.0f 组（%s），超过了单次查询的上限 %.0f 组。请缩小时间范围、改成按月或按周，或去掉一个拆分维度。", c.Groups, c.Why.Zh, maxGroups),
			fmt.Sprintf("That asks for about %.0f groups (%s), over the limit of %.0f for one question. Narrow the time range, use a coarser grain, or drop a split.", c.Groups, c.Why.En, maxGroups))}
	}
	plan.Heavy = c.Groups > heavyGroups || c.Scanned > heavyRows
	return nil
}

// NewStats gathers what admission needs: table sizes from the engine and
// the number of values read for each dimension (those at the cap are left
// unknown, that is large).
func NewStats(tableRows map[string]int64, values map[string][]string) semantic.Stats {
	st := semantic.Stats{TableRows: tableRows, DimValues: map[string]int{}}
	for d, vs := range values {
		if n := len(vs); n > 0 && n < MaxValuesPerDimension {
			st.DimValues[d] = n
		}
	}
	return st
}
