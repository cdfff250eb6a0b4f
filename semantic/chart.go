package semantic

// Chart is the chart a result is best shown as, chosen from its shape, with
// the other types that also fit (the page offers a switch between them).
type Chart struct {
	// Type is number, line, bar, grouped_bar or table.
	Type string `json:"type"`
	// X is the category or time column; empty for a number.
	X string `json:"x,omitempty"`
	// Y are the value columns.
	Y []string `json:"y,omitempty"`
	// Series is a second dimension whose values become separate series.
	Series       string   `json:"series,omitempty"`
	Alternatives []string `json:"alternatives,omitempty"`
}

// ChooseChart picks a chart for a result: a big number for a single value,
// a line for a time series, bars for a split by category, grouped bars for a
// comparison or a two-way split (a heat-map table for a rate split two
// ways), and a table otherwise.
func ChooseChart(cols []Column, rows int) Chart {
	var timeCol, firstUnit string
	var dims, metrics, prevs []string
	for _, c := range cols {
		if c.Role == RoleMetric && firstUnit == "" {
			firstUnit = c.Unit
		}
		switch c.Role {
		case RoleTime:
			timeCol = c.Name
		case RoleDimension:
			dims = append(dims, c.Name)
		case RoleMetric:
			metrics = append(metrics, c.Name)
		case RolePrevious:
			prevs = append(prevs, c.Name)
		}
	}
	switch {
	case len(metrics) == 0 || rows == 0:
		return Chart{Type: "table"}
	case timeCol == "" && len(dims) == 0 && rows == 1 && len(prevs) == 0:
		return Chart{Type: "number", Y: metrics, Alternatives: []string{"table"}}
	case timeCol == "" && len(dims) == 0 && rows == 1:
		// One value with its comparison: the number, the previous value and
		// the change read better than two unlabelled bars.
		return Chart{Type: "number", Y: metrics, Alternatives: []string{"grouped_bar", "table"}}
	case timeCol == "" && rows == 1:
		// A ranking with one group is its number, not one giant bar.
		return Chart{Type: "number", X: dims[0], Y: metrics, Alternatives: []string{"bar", "table"}}
	case timeCol != "" && len(dims) <= 1:
		c := Chart{Type: "line", X: timeCol, Y: metrics, Alternatives: []string{"bar", "table"}}
		if len(dims) == 1 {
			c.Series, c.Y = dims[0], metrics[:1]
		} else if len(prevs) > 0 {
			c.Y = append(metrics[:1:1], prevs[0])
		}
		return c
	case timeCol == "" && len(dims) == 1 && len(prevs) > 0:
		return Chart{Type: "grouped_bar", X: dims[0], Y: append(metrics[:1:1], prevs[0]), Alternatives: []string{"bar", "table"}}
	case timeCol == "" && len(dims) == 1:
		return Chart{Type: "bar", X: dims[0], Y: metrics, Alternatives: []string{"line", "table"}}
	case timeCol == "" && len(dims) == 2 && len(metrics) == 1 && firstUnit == UnitPercent:
		// A rate split two ways (retention by cohort × months since) reads
		// as a heat-map table: the cohort triangle.
		return Chart{Type: "heatmap", X: dims[0], Series: dims[1], Y: metrics, Alternatives: []string{"grouped_bar", "table"}}
	case timeCol == "" && len(dims) == 2:
		return Chart{Type: "grouped_bar", X: dims[0], Series: dims[1], Y: metrics[:1], Alternatives: []string{"table"}}
	}
	return Chart{Type: "table"}
}
