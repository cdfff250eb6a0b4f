package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
)

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Float64("scale", 1, "scale factor: 1 ≈ 200k members, 1M orders")
	seed := fs.Int64("seed", 42, "random seed; equal seeds give equal data")
	out := fs.String("out", defaultDB, "DuckDB file to write (replaced)")
	memory := fs.String("memory-limit", defaultGenMemory, "DuckDB memory limit while generating; the rest spills to a temporary folder beside --out")
	pgURL := fs.String("db", "", "a postgres:// URL: load the generated data there (tables replaced) instead of writing --out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo)
	if *pgURL == "" {
		return generate(ctx, *out, *scale, *seed, *memory, log, nil)
	}
	if !isPostgresURL(*pgURL) {
		return fmt.Errorf("--db takes a postgres:// URL (a DuckDB file is --out)")
	}
	// The same deterministic data: generated in DuckDB, then copied with COPY.
	dir, err := os.MkdirTemp("", "wenshu-gen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "gen.duckdb")
	if err := generate(ctx, tmp, *scale, *seed, *memory, log, nil); err != nil {
		return err
	}
	src, err := duckdb.Open(tmp, duckdb.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	pg, err := postgres.Open(ctx, *pgURL, postgres.Options{Timeout: time.Hour})
	if err != nil {
		return err
	}
	defer pg.Close()
	start := time.Now()
	tables := []string{"stores", "customers", "products", "member_tier_changes", "orders", "order_items", "events", "surveys"}
	if err := pg.LoadFrom(ctx, src.SQL(), tables...); err != nil {
		return err
	}
	for _, ix := range postgres.DemoIndexes {
		if err := pg.Index(ctx, ix[0], ix[1:]...); err != nil {
			return err
		}
	}
	log.Info("demo data loaded into PostgreSQL", "db", redactURL(*pgURL), "tables", len(tables), "seconds", time.Since(start).Seconds())
	return nil
}
