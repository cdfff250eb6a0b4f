package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// LoadFrom copies tables of a DuckDB database (src, opened by
// semantic/duckdb) into PostgreSQL with COPY (pgx CopyFrom, no row-by-row
// inserts), replacing tables of the same names. Types map as DuckDB's do:
// DECIMAL(p,s) → NUMERIC(p,s), DOUBLE → DOUBLE PRECISION, VARCHAR → TEXT.
func (db *DB) LoadFrom(ctx context.Context, src *sql.DB, tables ...string) error {
	for _, table := range tables {
		if err := db.loadTable(ctx, src, table, table, false); err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
	}
	return nil
}

// TableExists reports whether the current schema has the table.
func (db *DB) TableExists(ctx context.Context, table string) (bool, error) {
	var n int
	err := db.pool.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", table).Scan(&n)
	return n > 0, err
}

// ImportFrom copies one DuckDB table into PostgreSQL as target: into a new
// table swapped in at the end in one transaction (replace: the old one goes;
// create: a table that exists is refused before), or appended to the
// existing table by column name. A failure leaves the target as it was.
func (db *DB) ImportFrom(ctx context.Context, src *sql.DB, table, target string, appendRows bool) error {
	if appendRows {
		return db.loadTable(ctx, src, table, target, true)
	}
	staging := target + "__import"
	if err := db.loadTable(ctx, src, table, staging, false); err != nil {
		db.pool.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{staging}.Sanitize())
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	t, s := pgx.Identifier{target}.Sanitize(), pgx.Identifier{staging}.Sanitize()
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "ALTER TABLE "+s+" RENAME TO "+pgx.Identifier{target}.Sanitize()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func pgType(duck string) string {
	t := strings.ToUpper(duck)
	switch {
	case strings.HasPrefix(t, "DECIMAL"):
		return "NUMERIC" + strings.TrimPrefix(t, "DECIMAL")
	case t == "DOUBLE" || t == "FLOAT":
		return "DOUBLE PRECISION"
	case t == "VARCHAR":
		return "TEXT"
	case t == "HUGEINT" || t == "UBIGINT":
		return "NUMERIC"
	case t == "UINTEGER":
		return "BIGINT"
	case t == "TINYINT" || t == "UTINYINT" || t == "USMALLINT":
		return "INTEGER"
	}
	return t // INTEGER, BIGINT, SMALLINT, BOOLEAN, DATE, TIMESTAMP
}

func (db *DB) loadTable(ctx context.Context, src *sql.DB, table, target string, appendRows bool) error {
	rows, err := src.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		return err
	}
	var names, types, sel []string
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return err
		}
		names, types = append(names, n), append(types, t)
		q := `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
		if strings.HasPrefix(strings.ToUpper(t), "DECIMAL") {
			q = "CAST(" + q + " AS DOUBLE)" // pgx writes a float64 into NUMERIC exactly as printed
		}
		sel = append(sel, q)
	}
	rows.Close()
	if len(names) == 0 {
		return fmt.Errorf("no such table")
	}
	var defs []string
	for i, n := range names {
		defs = append(defs, pgx.Identifier{n}.Sanitize()+" "+pgType(types[i]))
	}
	id := pgx.Identifier{target}.Sanitize()
	if !appendRows {
		if _, err := db.pool.Exec(ctx, "DROP TABLE IF EXISTS "+id); err != nil {
			return err
		}
		if _, err := db.pool.Exec(ctx, "CREATE TABLE "+id+" ("+strings.Join(defs, ", ")+")"); err != nil {
			return err
		}
	}
	data, err := src.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM \""+table+"\"")
	if err != nil {
		return err
	}
	defer data.Close()
	_, err = db.pool.CopyFrom(ctx, pgx.Identifier{target}, names, &sqlRows{rows: data, n: len(names)})
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, "ANALYZE "+id)
	return err
}

// sqlRows adapts database/sql rows to pgx's CopyFromSource.
type sqlRows struct {
	rows *sql.Rows
	n    int
	vals []any
	err  error
}

func (r *sqlRows) Next() bool {
	if !r.rows.Next() {
		return false
	}
	r.vals = make([]any, r.n)
	ptrs := make([]any, r.n)
	for i := range ptrs {
		ptrs[i] = &r.vals[i]
	}
	r.err = r.rows.Scan(ptrs...)
	return r.err == nil
}

func (r *sqlRows) Values() ([]any, error) { return r.vals, r.err }

func (r *sqlRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// Index creates an index on table's columns (for loaded data: the keys and
// times the demo's questions join and filter on).
func (db *DB) Index(ctx context.Context, table string, cols ...string) error {
	var ids []string
	for _, c := range cols {
		ids = append(ids, pgx.Identifier{c}.Sanitize())
	}
	name := pgx.Identifier{table + "_" + strings.Join(cols, "_") + "_idx"}.Sanitize()
	_, err := db.pool.Exec(ctx, "CREATE INDEX IF NOT EXISTS "+name+" ON "+pgx.Identifier{table}.Sanitize()+" ("+strings.Join(ids, ", ")+")")
	return err
}

// DemoIndexes are the indexes `wenshu gen --db postgres://` creates.
var DemoIndexes = [][]string{
	{"orders", "order_id"}, {"orders", "order_time"}, {"orders", "customer_id", "order_time"}, {"order_items", "order_id"},
	{"customers", "customer_id"}, {"stores", "store_id"}, {"products", "product_id"},
	{"events", "session_id"}, {"events", "customer_id", "event_type", "event_time"}, {"surveys", "order_id"},
}
