// Package postgres runs compiled semantic plans on PostgreSQL. It is the
// only package of Wenshu that imports a PostgreSQL driver (pgx): every
// query runs in a read-only transaction with a statement timeout and the
// request's cancellation, its rows are capped, and PostgreSQL's types are
// mapped to the same plain Go values as semantic/duckdb's.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wenshu-bi/wenshu/semantic"
)

// ErrTimeout is returned when a query is interrupted by its deadline.
var ErrTimeout = errors.New("query took too long and was interrupted")

// ErrUnreachable is returned when the server cannot be reached (down, or
// the network between): the pool reconnects by itself on the next query.
var ErrUnreachable = errors.New("the PostgreSQL server cannot be reached")

// Options configures Open.
type Options struct {
	// Timeout bounds each query (statement_timeout); 0 means 30 seconds.
	Timeout time.Duration
	// MaxRows caps the rows returned; 0 means 10,000.
	MaxRows int
	// MaxConns is the pool size; 0 means pgxpool's default.
	MaxConns int32
}

// DB is a PostgreSQL database read through a pool.
type DB struct {
	pool *pgxpool.Pool
	opts Options
}

// Open connects to a postgres:// URL.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRows == 0 {
		opts.MaxRows = 10000
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, mapErr(ctx, err)
	}
	return &DB{pool: pool, opts: opts}, nil
}

// Close closes the pool.
func (db *DB) Close() error { db.pool.Close(); return nil }

// Pool is the underlying pool, for loading data (CopyFrom) and tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Run executes a compiled plan.
func (db *DB) Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error) {
	_, rows, truncated, err := db.Query(ctx, p.SQL, p.Args...)
	if err != nil {
		return nil, err
	}
	return &semantic.Result{Columns: append([]semantic.Column(nil), p.Columns...), Rows: rows, Truncated: truncated}, nil
}

// Query runs read-only SQL under the timeout and row cap.
func (db *DB) Query(ctx context.Context, query string, args ...any) (cols []string, out [][]any, truncated bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout+time.Second)
	defer cancel()
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", db.opts.Timeout.Milliseconds())); err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	for _, f := range fields {
		cols = append(cols, f.Name)
	}
	for rows.Next() {
		if len(out) == db.opts.MaxRows {
			truncated = true
			break
		}
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, false, mapErr(ctx, err)
		}
		for i, v := range vals {
			vals[i] = plain(v, fields[i].DataTypeOID)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	return cols, out, truncated, nil
}

// begin starts a read-only transaction. A connection lost since it was
// last used (the server restarted) fails before anything is sent: it is
// retried with backoff (0.1, 0.3, 0.9 s) on a fresh connection.
func (db *DB) begin(ctx context.Context) (pgx.Tx, error) {
	wait := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err == nil || attempt == 3 || !pgconn.SafeToRetry(err) && !errors.Is(err, pgconn.ErrConnClosed) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 3
	}
}

func mapErr(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) && pe.SQLState() == "57014" { // query_canceled: statement_timeout
		return ErrTimeout
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &pe) && strings.HasPrefix(pe.SQLState(), "08") ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return fmt.Errorf("postgres: %w", err)
}

// plain maps a PostgreSQL value to the plain values semantic/duckdb gives.
func plain(v any, oid uint32) any {
	switch x := v.(type) {
	case time.Time:
		if oid == pgtype.DateOID {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		if x.NaN {
			return nil
		}
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		if x.Exp >= 0 && x.Int != nil {
			i := new(big.Int).Mul(x.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Exp)), nil))
			if i.IsInt64() {
				return i.Int64() // sum of integers: numeric in PostgreSQL, an integer in DuckDB
			}
		}
		return f.Float64
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	}
	return v
}

// Dialect is PostgreSQL's: plans run here are compiled for it.
func (db *DB) Dialect() semantic.Dialect { return semantic.Postgres }

// Stream runs a plan and hands each row to each as it arrives (an audience
// export), without the row cap.
func (db *DB) Stream(ctx context.Context, p *semantic.Plan, each func(row []any) error) error {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout+time.Second)
	defer cancel()
	tx, err := db.begin(ctx)
	if err != nil {
		return mapErr(ctx, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", db.opts.Timeout.Milliseconds())); err != nil {
		return mapErr(ctx, err)
	}
	rows, err := tx.Query(ctx, p.SQL, p.Args...)
	if err != nil {
		return mapErr(ctx, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return mapErr(ctx, err)
		}
		for i, v := range vals {
			vals[i] = plain(v, fields[i].DataTypeOID)
		}
		if err := each(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(ctx, err)
	}
	return nil
}

// CheckModel binds every metric and dimension against the database
// without reading it (LIMIT 0), so a wrong column is reported at start-up.
func (db *DB) CheckModel(ctx context.Context, m *semantic.Model, opts semantic.CompileOptions) error {
	opts.Dialect = semantic.Postgres
	return semantic.CheckModel(m, opts, func(sql string, args []any) error {
		_, _, _, err := db.Query(ctx, sql, args...)
		return err
	})
}

// Stats reads each table's row count estimate (pg_class.reltuples) for cost estimates.
func (db *DB) Stats(ctx context.Context) (map[string]int64, error) {
	_, rows, _, err := db.Query(ctx, `SELECT c.relname, GREATEST(c.reltuples, 0)::BIGINT FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range rows {
		n, _ := r[1].(int64)
		out[r[0].(string)] = n
	}
	return out, nil
}

// Ping checks the server answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }
