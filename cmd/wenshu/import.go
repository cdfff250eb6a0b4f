package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// runImport reads files into a table of a DuckDB file (created when missing).
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "DuckDB file to write (created when missing)")
	table := fs.String("table", "", "table to write; default: the first file's name")
	appendRows := fs.Bool("append", false, "add the rows to the table when it exists (columns matched by name)")
	replace := fs.Bool("replace", false, "replace the table when it exists")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbPath == "" || fs.NArg() == 0 {
		return errors.New("usage: wenshu import --db FILE [--table NAME] [--append|--replace] SOURCE...")
	}
	if *appendRows && *replace {
		return errors.New("--append and --replace exclude each other")
	}
	mode := ingest.Create
	switch {
	case *appendRows:
		mode = ingest.Append
	case *replace:
		mode = ingest.Replace
	}
	db, err := duckdb.Create(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := ingest.Import(ctx, db, ingest.Options{Table: *table, Mode: mode}, fs.Args()...)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.String())
	return nil
}
