package datasets

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"text/template"
	"time"
)

//go:embed gen.sql
var genSQL string

// GenOptions configures the demo data generator.
type GenOptions struct {
	// Scale is the scale factor: 1 gives about 200k members and 1M orders.
	Scale float64
	// Seed makes the output deterministic: equal seeds and scales give equal tables.
	Seed int64
	// Logger receives one line per step; nil discards.
	Logger *slog.Logger
	// MemoryLimit bounds DuckDB while generating ("3GB"); what does not fit
	// spills to TempDir. Empty leaves DuckDB's default (80% of the machine).
	MemoryLimit string
	TempDir     string
	// OnStep, when set, is told each step before it runs (done of total).
	OnStep func(step string, done, total int)
}

// Tables lists the tables Generate writes, in the order of DATASET.md.
var Tables = []string{"stores", "customers", "member_tier_changes", "products", "orders", "order_items", "events", "surveys"}

// Generate writes the demo retail tables into db, which must be a writable
// DuckDB database. Existing tables of the same names are replaced.
func Generate(ctx context.Context, db *sql.DB, opts GenOptions) error {
	if opts.Scale <= 0 || math.IsNaN(opts.Scale) || opts.Scale > 1000 {
		return fmt.Errorf("generate: scale must be in (0, 1000], got %v", opts.Scale)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	steps, err := genSteps(opts)
	if err != nil {
		return err
	}
	// One connection: the temporary tables and macros live in it.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close()
	if opts.MemoryLimit != "" {
		set := []string{"SET memory_limit = '" + strings.ReplaceAll(opts.MemoryLimit, "'", "") + "'"}
		if opts.TempDir != "" {
			set = append(set, "SET temp_directory = '"+strings.ReplaceAll(opts.TempDir, "'", "''")+"'")
		}
		for _, stmt := range set {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("generate: %s: %w", stmt, err)
			}
		}
	}
	for i, st := range steps {
		if opts.OnStep != nil {
			opts.OnStep(st.name, i, len(steps))
		}
		start := time.Now()
		if _, err := conn.ExecContext(ctx, st.sql); err != nil {
			return fmt.Errorf("generate %s: %w", st.name, err)
		}
		log.Info("generated", "step", st.name, "ms", time.Since(start).Milliseconds())
	}
	return nil
}

type genStep struct{ name, sql string }

// genSteps renders the generator script and splits it at its "-- step:" lines.
func genSteps(opts GenOptions) ([]genStep, error) {
	tmpl, err := template.New("gen").Parse(genSQL)
	if err != nil {
		return nil, fmt.Errorf("generate: parse script: %w", err)
	}
	params := struct {
		Seed, Customers, Guests int64
		Scale                   float64
		// Chunks are conditions on visit_time, one a month in time order,
		// the first and last open-ended.
		Chunks []string
	}{
		Seed:      opts.Seed,
		Scale:     opts.Scale,
		Customers: max(1, int64(math.Round(200000*opts.Scale))),
		Guests:    int64(math.Round(guestOrders * opts.Scale)),
		Chunks:    monthChunks(2024, 24),
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, params); err != nil {
		return nil, fmt.Errorf("generate: render script: %w", err)
	}
	var steps []genStep
	for _, part := range strings.Split(buf.String(), "\n-- step: ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		steps = append(steps, genStep{name: strings.TrimSpace(name), sql: body})
	}
	return steps, nil
}

// monthChunks returns n monthly conditions on visit_time from January of
// year on; the first takes everything before, the last everything after.
func monthChunks(year, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		from := time.Date(year, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 1, 0)
		var conds []string
		if i > 0 {
			conds = append(conds, "visit_time >= TIMESTAMP '"+from.Format(time.DateOnly)+"'")
		}
		if i < n-1 {
			conds = append(conds, "visit_time < TIMESTAMP '"+to.Format(time.DateOnly)+"'")
		}
		out = append(out, strings.Join(conds, " AND "))
	}
	return out
}

// guestOrders is the number of guest (non-member) store orders at scale 1.
const guestOrders = 440000

// Script returns the generator's SQL script: equal scripts generate equal
// data for equal options (tests key cached files by its hash).
func Script() string { return genSQL }
