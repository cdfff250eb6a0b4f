// Package duckdb runs compiled semantic plans on DuckDB. It is the only
// package of Wenshu that imports the DuckDB driver: it opens databases
// read-only, runs queries under a context that really interrupts DuckDB,
// caps the rows read, and maps DuckDB types to plain Go values.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/wenshu-bi/wenshu/semantic"
)

// ErrTimeout is returned when a query is interrupted by its deadline.
var ErrTimeout = errors.New("query took too long and was interrupted")

// ErrCanceled is returned when the caller cancels a query.
var ErrCanceled = errors.New("query was canceled")

// DefaultMaxRows caps the rows a query returns when Options gives none.
const DefaultMaxRows = 10000

// Options configures Open.
type Options struct {
	// Timeout bounds each query; 0 means 30 seconds.
	Timeout time.Duration
	// MaxRows caps the rows returned; 0 means DefaultMaxRows.
	MaxRows int
	// Threads limits DuckDB's worker threads; 0 leaves DuckDB's default.
	Threads int
	// MaxConcurrent bounds the queries DuckDB runs at once (each is already
	// parallel inside); others wait their turn or their context. 0 means 4.
	// Plans marked Heavy take at most MaxConcurrent-1 of them, so a cheap
	// question always finds a slot that no heavy one can hold.
	MaxConcurrent int
	// CacheEntries keeps that many recent results of Run, keyed by SQL and
	// arguments: the file is opened read-only, so a result stays true for the
	// life of the process. 0 means 256; negative disables the cache.
	CacheEntries int
	// CacheBytes bounds the estimated memory of all cached results (0 means
	// 256 MiB); CacheEntryBytes is the largest result cached (0 means 8 MiB).
	CacheBytes, CacheEntryBytes int64
	// MemoryLimit is DuckDB's memory_limit ("4GB"); empty leaves DuckDB's
	// default (80% of the machine). Queries over it spill or fail, the
	// process does not grow past it.
	MemoryLimit string
}

// DB is a read-only DuckDB database.
type DB struct {
	sql   *sql.DB
	opts  Options
	slots chan struct{}
	heavy chan struct{} // at most MaxConcurrent-1 heavy queries hold slots
	cache *resultCache
}

// dataCatalog is the name the data file is attached under.
const dataCatalog = "wenshu_data"

// Open opens a DuckDB file read-only, so any number of processes can read
// it. The file is attached READ_ONLY to an in-memory instance, whose own
// catalog holds materialized derived tables (see Materialize); nothing can
// write to the file.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRows == 0 {
		opts.MaxRows = DefaultMaxRows
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.CacheEntries == 0 {
		opts.CacheEntries = 256
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = 256 << 20
	}
	if opts.CacheEntryBytes == 0 {
		opts.CacheEntryBytes = 8 << 20
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	params := url.Values{}
	if opts.Threads > 0 {
		params.Set("threads", fmt.Sprint(opts.Threads))
	}
	if opts.MemoryLimit != "" {
		params.Set("memory_limit", opts.MemoryLimit)
	}
	dsn := ""
	if len(params) > 0 {
		dsn = "?" + params.Encode()
	}
	attach := fmt.Sprintf("ATTACH IF NOT EXISTS '%s' AS %s (READ_ONLY)", strings.ReplaceAll(path, "'", "''"), dataCatalog)
	connector, err := duck.NewConnector(dsn, func(ex driver.ExecerContext) error {
		// Every connection reads the data file first, then materialized tables.
		for _, stmt := range []string{attach, "USE " + dataCatalog, "SET search_path = '" + dataCatalog + ".main,memory.main'"} {
			if _, err := ex.ExecContext(context.Background(), stmt, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{sql: db, opts: opts, slots: make(chan struct{}, opts.MaxConcurrent), heavy: make(chan struct{}, max(1, opts.MaxConcurrent-1)),
		cache: newResultCache(opts.CacheEntries, opts.CacheBytes, opts.CacheEntryBytes)}, nil
}

// Materialize computes a derived table once into memory, so that queries
// read it instead of recomputing it (compile with CompileOptions.Materialized).
// The data file is read-only, so the table stays true for the process.
func (db *DB) Materialize(ctx context.Context, name, query string) error {
	stmt := fmt.Sprintf("CREATE OR REPLACE TABLE memory.main.%s AS %s", semantic.DuckDB.QuoteIdent(name), query)
	if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("materialize %s: %w", name, err)
	}
	return nil
}

// Create opens (creating if needed) a writable DuckDB file, for the generator.
func Create(path string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect is DuckDB's: plans run here are compiled for it.
func (db *DB) Dialect() semantic.Dialect { return semantic.DuckDB }

// SQL returns the underlying handle, for read-only helpers such as tests.
func (db *DB) SQL() *sql.DB { return db.sql }

// Run executes a compiled plan and returns its result, with the plan's
// column descriptions.
func (db *DB) Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error) {
	key := cacheKey(p.SQL, p.Args)
	if rows, truncated, ok := db.cache.get(key); ok {
		return &semantic.Result{Columns: append([]semantic.Column(nil), p.Columns...), Rows: rows, Truncated: truncated}, nil
	}
	_, rows, truncated, err := db.query(ctx, p.Heavy, p.SQL, p.Args...)
	if err != nil {
		return nil, err
	}
	db.cache.put(key, rows, truncated)
	return &semantic.Result{Columns: append([]semantic.Column(nil), p.Columns...), Rows: rows, Truncated: truncated}, nil
}

// Query runs any read-only SQL under the database's timeout and row cap.
func (db *DB) Query(ctx context.Context, query string, args ...any) (cols []string, out [][]any, truncated bool, err error) {
	return db.query(ctx, false, query, args...)
}

// QueryHeavy is Query for a query known to be expensive: it waits for one
// of the heavy slots first.
func (db *DB) QueryHeavy(ctx context.Context, query string, args ...any) (cols []string, out [][]any, truncated bool, err error) {
	return db.query(ctx, true, query, args...)
}

func (db *DB) query(ctx context.Context, heavy bool, query string, args ...any) (cols []string, out [][]any, truncated bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout)
	defer cancel()
	if heavy {
		select {
		case db.heavy <- struct{}{}:
			defer func() { <-db.heavy }()
		case <-ctx.Done():
			return nil, nil, false, mapErr(ctx, ctx.Err())
		}
	}
	select {
	case db.slots <- struct{}{}:
		defer func() { <-db.slots }()
	case <-ctx.Done():
		return nil, nil, false, mapErr(ctx, ctx.Err())
	}
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	for _, t := range types {
		cols = append(cols, t.Name())
	}
	for rows.Next() {
		if len(out) == db.opts.MaxRows {
			truncated = true
			break
		}
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, false, mapErr(ctx, err)
		}
		for i, v := range vals {
			vals[i] = plain(v, types[i].DatabaseTypeName())
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, mapErr(ctx, err)
	}
	return cols, out, truncated, nil
}

// ErrBadValue is returned when DuckDB cannot convert or compare a value
// of the query (a number where text is stored, a value out of range):
// the caller's mistake, not the server's.
var ErrBadValue = errors.New("a value of the query does not fit the data's type")

func mapErr(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(ctx.Err(), context.Canceled):
		return ErrCanceled
	}
	var de *duck.Error
	if errors.As(err, &de) {
		switch de.Type {
		case duck.ErrorTypeConversion, duck.ErrorTypeOutOfRange, duck.ErrorTypeMismatchType:
			return fmt.Errorf("%w: %s", ErrBadValue, de.Msg)
		}
	}
	return fmt.Errorf("duckdb: %w", err)
}

// plain maps a scanned DuckDB value to a JSON-friendly Go value.
func plain(v any, dbType string) any {
	switch x := v.(type) {
	case time.Time:
		if dbType == "DATE" {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	case duck.Decimal:
		return x.Float64()
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case duck.UUID:
		return x.String()
	}
	return v
}

// Stats reads each table's row count (DuckDB's estimate, exact for a file
// that is not being written) for cost estimates.
func (db *DB) Stats(ctx context.Context) (map[string]int64, error) {
	_, rows, _, err := db.Query(ctx, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE database_name IN ('"+dataCatalog+"', 'memory')")
	if err != nil {
		return nil, fmt.Errorf("table sizes: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		name, _ := r[0].(string)
		switch n := r[1].(type) {
		case int64:
			out[name] += n
		case int32:
			out[name] += int64(n)
		}
	}
	return out, nil
}

// InFlight reports the queries holding a slot, and how many of them are heavy.
func (db *DB) InFlight() (all, heavy int) { return len(db.slots), len(db.heavy) }

// Stream runs a plan and hands each row to each, as DuckDB produces it, so
// a long list (an audience export) is written out without being held in
// memory; the row cap of Run does not apply (the plan's LIMIT bounds it).
// It takes a heavy slot and the database's timeout.
func (db *DB) Stream(ctx context.Context, p *semantic.Plan, each func(row []any) error) error {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout)
	defer cancel()
	for _, ch := range []chan struct{}{db.heavy, db.slots} {
		select {
		case ch <- struct{}{}:
			defer func() { <-ch }()
		case <-ctx.Done():
			return mapErr(ctx, ctx.Err())
		}
	}
	rows, err := db.sql.QueryContext(ctx, p.SQL, p.Args...)
	if err != nil {
		return mapErr(ctx, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return mapErr(ctx, err)
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return mapErr(ctx, err)
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = plain(v, types[i].DatabaseTypeName())
		}
		if err := each(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(ctx, err)
	}
	return nil
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }
