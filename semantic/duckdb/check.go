package duckdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/wenshu-bi/wenshu/semantic"
)

// CheckModel binds every metric and dimension of a model against the data
// without reading it (each query is planned with LIMIT 0), so a column or
// table the model names wrongly is reported at start-up, by metric or
// dimension, instead of on the first question that needs it.
func (db *DB) CheckModel(ctx context.Context, m *semantic.Model, opts semantic.CompileOptions) error {
	var errs []error
	probe := func(what string, sql string, args []any) {
		if _, _, _, err := db.Query(ctx, "SELECT * FROM ("+sql+") AS probe LIMIT 0", args...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for _, mt := range m.Metrics {
		plan, err := semantic.Compile(m, &semantic.Query{Metrics: []string{mt.Name}}, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("metric %s: %w", mt.Name, err))
			continue
		}
		probe("metric "+mt.Name, plan.SQL, plan.Args)
	}
	for _, d := range m.Dimensions {
		plan, err := semantic.ValuesPlan(m, d.Name, 1, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("dimension %s: %w", d.Name, err))
			continue
		}
		probe("dimension "+d.Name, plan.SQL, plan.Args)
	}
	return errors.Join(errs...)
}
