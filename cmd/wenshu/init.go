package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// runInit profiles a database and writes a draft model, checked against
// the data before it is written.
func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "DuckDB file to profile")
	out := fs.String("out", "model.yaml", "where to write the draft model")
	force := fs.Bool("force", false, "overwrite the output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbPath == "" {
		return errors.New("usage: wenshu init --db FILE [--out model.yaml]")
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return fmt.Errorf("%s exists: pass --force to overwrite it", *out)
	}
	db, err := duckdb.Open(*dbPath, duckdb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	prof, err := ingest.ProfileDB(ctx, db.SQL())
	if err != nil {
		return err
	}
	name := ingest.TableName(*dbPath)
	draft := ingest.Draft(prof, name)
	m, err := semantic.ParseModel(*out, draft)
	if err != nil {
		return fmt.Errorf("the draft does not load (a bug in wenshu init; please report it): %w", err)
	}
	if err := db.CheckModel(ctx, m, semantic.CompileOptions{}); err != nil {
		return fmt.Errorf("the draft does not run on the data (a bug in wenshu init; please report it): %w", err)
	}
	if err := os.WriteFile(*out, draft, 0o644); err != nil {
		return err
	}
	for _, t := range prof.Tables {
		fmt.Fprintf(stdout, "table %s: %d rows, %d columns, key %s\n", t.Name, t.Rows, len(t.Columns), strings.Join(append(t.Keys, "none")[:1], ""))
	}
	for _, r := range prof.References {
		fmt.Fprintf(stdout, "reference %s.%s → %s.%s\n", r.Table, r.Column, r.RefTable, r.RefColumn)
	}
	var metrics []string
	for _, mt := range m.Metrics {
		metrics = append(metrics, mt.Name)
	}
	fmt.Fprintf(stdout, "wrote %s: %d dimensions, metrics %s; it loads and runs on the data.\n", *out, len(m.Dimensions), strings.Join(metrics, ", "))
	fmt.Fprintf(stdout, "read its \"check:\" comments, then: wenshu serve --db %s --model %s\n", *dbPath, filepath.Clean(*out))
	return nil
}
