package semantic

import (
	"fmt"
	"strings"
)

// SummaryColumn is the extra column of a summary plan: the result's row count.
const SummaryColumn = "_rows"

// Summary returns a plan that reads the whole result of p and keeps only
// its extreme rows — the highest and the lowest by the first metric, and
// the last time bucket — each with the result's total row count in
// SummaryColumn. When a row cap cuts p's result, what is said about it
// (highest, lowest, how many groups) comes from here, not from the rows
// that happened to be read. Nil when p has no metric column.
func (p *Plan) Summary() *Plan {
	metric, timeCol := "", ""
	for _, c := range p.Columns {
		switch {
		case c.Role == RoleMetric && metric == "":
			metric = c.Name
		case c.Role == RoleTime && timeCol == "":
			timeCol = c.Name
		}
	}
	if metric == "" {
		return nil
	}
	q := p.dialect.QuoteIdent
	keep := []string{
		fmt.Sprintf("row_number() OVER (ORDER BY %s DESC NULLS LAST) = 1", q(metric)),
		fmt.Sprintf("row_number() OVER (ORDER BY %s ASC NULLS LAST) = 1", q(metric)),
	}
	if timeCol != "" {
		keep = append(keep, fmt.Sprintf("row_number() OVER (ORDER BY %s DESC NULLS LAST) = 1", q(timeCol)))
	}
	sql := "SELECT *, count(*) OVER () AS " + q(SummaryColumn) + "\nFROM (\n" + indent(p.SQL) + "\n) AS " + q("result") +
		"\nQUALIFY " + strings.Join(keep, "\n   OR ")
	cols := append(append([]Column(nil), p.Columns...), Column{Name: SummaryColumn, Type: "number", Role: "count"})
	return &Plan{Query: p.Query, SQL: sql, Args: p.Args, Columns: cols, Range: p.Range, Previous: p.Previous, Heavy: p.Heavy, dialect: p.dialect}
}
