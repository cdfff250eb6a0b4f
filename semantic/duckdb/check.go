package duckdb

import (
	"context"

	"github.com/wenshu-bi/wenshu/semantic"
)

// CheckModel binds every metric and dimension of a model against the data
// without reading it (each query is planned with LIMIT 0), so a column or
// table the model names wrongly is reported at start-up, by metric or
// dimension, instead of on the first question that needs it.
func (db *DB) CheckModel(ctx context.Context, m *semantic.Model, opts semantic.CompileOptions) error {
	opts.Dialect = semantic.DuckDB
	return semantic.CheckModel(m, opts, func(sql string, args []any) error {
		_, _, _, err := db.Query(ctx, sql, args...)
		return err
	})
}
