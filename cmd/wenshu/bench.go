package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
	"github.com/wenshu-bi/wenshu/web"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Float64("scale", 1, "scale of the generated data to benchmark on")
	dbPath := fs.String("db", "", "data file; empty means data/bench-sf<scale>.duckdb, generated when missing")
	runs := fs.Int("runs", 7, "timed runs per query (after one warm-up)")
	role := fs.String("role", "region_manager", "also time each query as a user of this role, to measure the cost of its row rules (empty: skip)")
	var attrs attrFlags
	fs.Var(&attrs, "attr", "attribute of that user, key=value (default region=华东)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(attrs) == 0 {
		attrs = attrFlags{"region=华东"}
	}
	log := newLogger(stderr, slog.LevelInfo)
	path := *dbPath
	if path == "" {
		path = fmt.Sprintf("data/bench-sf%g.duckdb", *scale)
		if err := ensureBenchData(ctx, path, *scale, log); err != nil {
			return err
		}
	}
	m, err := datasets.RetailModel()
	if err != nil {
		return err
	}
	// A postgres:// --db benchmarks PostgreSQL (loaded by gen --db), each
	// compiled query against the hand-written SQL for PostgreSQL.
	var db benchDB
	dialect := semantic.DuckDB
	if isPostgresURL(path) {
		pg, err := postgres.Open(ctx, path, postgres.Options{Timeout: 10 * time.Minute, MaxRows: 1 << 20})
		if err != nil {
			return err
		}
		db, dialect = pg, semantic.Postgres
	} else {
		duck, err := duckdb.Open(path, duckdb.Options{Timeout: 10 * time.Minute, MaxRows: 1 << 20})
		if err != nil {
			return err
		}
		db = duck
	}
	defer db.Close()

	var access *semantic.Access
	if *role != "" {
		kv, err := identity.ParseAttrs(attrs)
		if err != nil {
			return err
		}
		if access, err = m.Access(*role, kv); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\tcompile µs\tcompiled ms\thand-written ms\tratio\twith rules ms\trules cost\t\n")
	var ratios, costs []float64
	for _, bq := range datasets.BenchQueries {
		q, err := semantic.ParseQuery([]byte(bq.Query))
		if err != nil {
			return fmt.Errorf("%s: %w", bq.Name, err)
		}
		cstart := time.Now()
		plan, err := semantic.CompileAny(m, q, semantic.CompileOptions{Dialect: dialect})
		if err != nil {
			return fmt.Errorf("%s: %w", bq.Name, err)
		}
		compile := time.Since(cstart)
		// The same query as a user whose role's rules restrict rows; a
		// metric those rules cannot restrict is hidden from the role.
		var ruled *semantic.Plan
		if access != nil {
			ruled, _ = semantic.CompileAny(m, q, semantic.CompileOptions{Access: access, Dialect: dialect})
		}
		var compiled, hand, withRules []time.Duration
		for i := 0; i <= *runs; i++ {
			// Alternate them so drift in the machine's load hits each.
			c, err := timeQuery(ctx, db, plan.SQL, plan.Args...)
			if err != nil {
				return fmt.Errorf("%s compiled: %w", bq.Name, err)
			}
			h, err := timeQuery(ctx, db, bq.HandSQL(dialect.Name()))
			if err != nil {
				return fmt.Errorf("%s hand-written: %w", bq.Name, err)
			}
			var r time.Duration
			if ruled != nil {
				if r, err = timeQuery(ctx, db, ruled.SQL, ruled.Args...); err != nil {
					return fmt.Errorf("%s with rules: %w", bq.Name, err)
				}
			}
			if i > 0 {
				compiled, hand, withRules = append(compiled, c), append(hand, h), append(withRules, r)
			}
		}
		mc, mh := median(compiled), median(hand)
		ratio := float64(mc) / float64(mh)
		ratios = append(ratios, ratio)
		rulesMS, cost := "hidden", ""
		if ruled != nil {
			mr := median(withRules)
			rulesMS, cost = fmt.Sprintf("%.2f", ms(mr)), fmt.Sprintf("%.2f", float64(mr)/float64(mc))
			costs = append(costs, float64(mr)/float64(mc))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%s\t%s\t\n", bq.Name, compile.Microseconds(), ms(mc), ms(mh), ratio, rulesMS, cost)
	}
	slices.Sort(ratios)
	slices.Sort(costs)
	medCost := ""
	if len(costs) > 0 {
		medCost = fmt.Sprintf("%.2f", costs[len(costs)/2])
	}
	fmt.Fprintf(tw, "median ratio\t\t\t\t%.2f\t\t%s\t\n", ratios[len(ratios)/2], medCost)
	fmt.Fprintf(tw, "worst ratio\t\t\t\t%.2f\t\t\t\n", ratios[len(ratios)-1])
	if access != nil {
		fmt.Fprintf(tw, "rules: role %s, %s\t\t\t\t\t\t\t\n", access.Role.Name, access.Scope.En)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return benchExport(ctx, stdout, m, db, dialect, *runs)
}

// benchExport times the export of a 10,000-member audience (CSV and Excel,
// streamed to nowhere) and measures the heap it takes: the peak of live
// heap objects above the level before it started, sampled every 2 ms.
func benchExport(ctx context.Context, w io.Writer, m *semantic.Model, db benchDB, dialect semantic.Dialect, runs int) error {
	q := &semantic.Query{List: "members", Limit: 10000}
	lp, err := semantic.CompileList(m, q, semantic.CompileOptions{Dialect: dialect})
	if err != nil {
		return err
	}
	semantic.Localize(lp.Columns, "zh")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\nexport (10,000 members)\trows\tms\tbytes\tpeak heap MiB\tallocated MiB\t\n")
	for _, format := range []string{"csv", "xlsx"} {
		var times []time.Duration
		var peak, alloc uint64
		var rows int
		var size int64
		for i := 0; i <= runs; i++ {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			stop := make(chan struct{})
			peakc := make(chan uint64)
			go func() {
				var top uint64
				tick := time.NewTicker(2 * time.Millisecond)
				defer tick.Stop()
				sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
				for {
					metrics.Read(sample)
					top = max(top, sample[0].Value.Uint64())
					select {
					case <-stop:
						peakc <- top
						return
					case <-tick.C:
					}
				}
			}()
			cw := &countWriter{}
			start := time.Now()
			var n int
			if format == "csv" {
				n, err = web.WriteCSV(ctx, cw, db, lp)
			} else {
				n, err = web.WriteXLSX(ctx, cw, db, lp, m, q, int64(q.Limit), false, "zh")
			}
			d := time.Since(start)
			close(stop)
			top := <-peakc
			if err != nil {
				return fmt.Errorf("export %s: %w", format, err)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if i > 0 {
				times = append(times, d)
				if top > before.HeapAlloc {
					peak = max(peak, top-before.HeapAlloc)
				}
				alloc = max(alloc, after.TotalAlloc-before.TotalAlloc)
			}
			rows, size = n, cw.n
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%.1f\t%.1f\t\n", format, rows, ms(median(times)), size, float64(peak)/(1<<20), float64(alloc)/(1<<20))
	}
	return tw.Flush()
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func ensureBenchData(ctx context.Context, path string, scale float64, log *slog.Logger) error {
	if fileExists(path) {
		return nil
	}
	return generate(ctx, path, scale, 42, defaultGenMemory, log, nil)
}

// benchDB is an engine the bench times: DuckDB or PostgreSQL.
type benchDB interface {
	Query(ctx context.Context, query string, args ...any) ([]string, [][]any, bool, error)
	Stream(ctx context.Context, p *semantic.Plan, each func(row []any) error) error
	Close() error
}

func timeQuery(ctx context.Context, db benchDB, sql string, args ...any) (time.Duration, error) {
	start := time.Now()
	_, _, _, err := db.Query(ctx, sql, args...)
	return time.Since(start), err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
