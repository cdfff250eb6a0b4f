package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
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
	if isPostgresURL(*dbPath) {
		return importPostgres(ctx, *dbPath, *table, mode, fs.Args(), stdout)
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

// importPostgres reads the files with DuckDB's readers into a scratch
// file, then copies the table into PostgreSQL (COPY), swapped in at the end.
func importPostgres(ctx context.Context, url, table string, mode ingest.Mode, sources []string, stdout io.Writer) error {
	if table == "" {
		table = ingest.TableName(sources[0])
	}
	pg, err := postgres.Open(ctx, url, postgres.Options{Timeout: time.Hour})
	if err != nil {
		return err
	}
	defer pg.Close()
	exists, err := pg.TableExists(ctx, table)
	if err != nil {
		return err
	}
	if exists && mode == ingest.Create {
		return fmt.Errorf("table %s: %w", table, ingest.ErrExists)
	}
	dir, err := os.MkdirTemp("", "wenshu-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	scratch, err := duckdb.Create(filepath.Join(dir, "import.duckdb"))
	if err != nil {
		return err
	}
	defer scratch.Close()
	rep, err := ingest.Import(ctx, scratch, ingest.Options{Table: table, TempDir: dir}, sources...)
	if err != nil {
		return err
	}
	if err := pg.ImportFrom(ctx, scratch, table, table, exists && mode == ingest.Append); err != nil {
		return fmt.Errorf("copy into PostgreSQL: %w", err)
	}
	fmt.Fprint(stdout, rep.String())
	fmt.Fprintf(stdout, "copied into PostgreSQL table %s (%s)\n", table, redactURL(url))
	return nil
}
