// Package ingest brings a user's own data into Wenshu: it imports files
// (CSV of any delimiter, gzipped or not, Parquet, JSON lines, Excel .xlsx)
// into a DuckDB file keeping the source's column names, profiles the
// tables, and drafts a semantic model from the profile. It speaks SQL to a
// *sql.DB the caller opened (semantic/duckdb.Create), so it does not import
// the DuckDB driver itself.
package ingest

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Mode says what an import does to a table that exists.
type Mode int

const (
	// Create refuses a table that exists.
	Create Mode = iota
	// Append adds the rows (columns matched by name).
	Append
	// Replace swaps the table for the imported one.
	Replace
)

// Options configures Import.
type Options struct {
	// Table is the table to write; empty means the first source's base name.
	Table string
	Mode  Mode
	// TempDir holds the CSV an Excel sheet is converted to; empty means os.TempDir.
	TempDir string
}

// Column is one imported column and its detected type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Nulls is how many rows have no value.
	Nulls int64 `json:"nulls"`
}

// Problem is something found in the data, with how often.
type Problem struct {
	// Kind is unparsable (rows DuckDB could not read), not_double, not_date,
	// not_timestamp (a text column that is numbers or dates but for a few
	// values), all_null or duplicate_rows.
	Kind    string `json:"kind"`
	Column  string `json:"column,omitempty"`
	Count   int64  `json:"count"`
	Example string `json:"example,omitempty"`
}

// Report is what an import did.
type Report struct {
	Table    string        `json:"table"`
	Sources  []string      `json:"sources"`
	Rows     int64         `json:"rows"`
	Added    int64         `json:"added"`
	Columns  []Column      `json:"columns"`
	Problems []Problem     `json:"problems,omitempty"`
	Took     time.Duration `json:"took_ns"`
}

// ErrExists is returned when the table exists and the mode is Create.
var ErrExists = errors.New("the table exists: pass --append or --replace")

var (
	identRE     = regexp.MustCompile(`[^A-Za-z0-9_]+`)
	tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// TableName makes a table name from a file name: online_retail.csv.gz → online_retail.
func TableName(path string) string {
	base := filepath.Base(path)
	for {
		ext := filepath.Ext(base)
		if ext == "" || len(ext) > 8 {
			break
		}
		base = strings.TrimSuffix(base, ext)
	}
	name := strings.Trim(identRE.ReplaceAllString(strings.ToLower(base), "_"), "_")
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "t_" + name
	}
	return name
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// kind is a source's format, from its name.
func kind(path string) (string, error) {
	p := strings.ToLower(path)
	p = strings.TrimSuffix(strings.TrimSuffix(p, ".gz"), ".zst")
	switch {
	case strings.HasSuffix(p, ".csv"), strings.HasSuffix(p, ".tsv"), strings.HasSuffix(p, ".txt"):
		return "csv", nil
	case strings.HasSuffix(p, ".parquet"):
		return "parquet", nil
	case strings.HasSuffix(p, ".jsonl"), strings.HasSuffix(p, ".ndjson"), strings.HasSuffix(p, ".json"):
		return "json", nil
	case strings.HasSuffix(p, ".xlsx"):
		return "xlsx", nil
	}
	return "", fmt.Errorf("%s: unknown format (want .csv, .tsv, .txt, .parquet, .jsonl, .json or .xlsx, optionally .gz)", path)
}

// Import reads the sources into one table. It writes a new table first and
// swaps it in at the end in one transaction, so a failed import leaves an
// existing table as it was.
func Import(ctx context.Context, db *sql.DB, opts Options, sources ...string) (*Report, error) {
	start := time.Now()
	if len(sources) == 0 {
		return nil, errors.New("nothing to import: name one or more files")
	}
	table := opts.Table
	if table == "" {
		table = TableName(sources[0])
	}
	if !tableNameRE.MatchString(table) {
		return nil, fmt.Errorf("table name %q: use letters, digits and _", table)
	}
	exists, err := tableExists(ctx, db, table)
	if err != nil {
		return nil, err
	}
	if exists && opts.Mode == Create {
		return nil, fmt.Errorf("table %s: %w", table, ErrExists)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	staging := fmt.Sprintf("%s__import_%d", table, time.Now().UnixNano())
	defer conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+quote(staging))
	rep := &Report{Table: table, Sources: sources}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for i, src := range sources {
		if _, err := os.Stat(src); err != nil {
			return nil, err
		}
		k, err := kind(src)
		if err != nil {
			return nil, err
		}
		path := src
		if k == "xlsx" {
			if path, err = xlsxToCSV(src, opts.TempDir); err != nil {
				return nil, err
			}
			temps = append(temps, path)
			k = "csv"
		}
		var read string
		switch k {
		case "csv":
			// Delimiter, quoting, header and types are sniffed from the whole
			// file; rows that do not parse are kept aside and counted.
			read = fmt.Sprintf("read_csv(%s, auto_detect = true, sample_size = -1, store_rejects = true, rejects_limit = 0)", literal(path))
		case "parquet":
			read = fmt.Sprintf("read_parquet(%s)", literal(path))
		case "json":
			read = fmt.Sprintf("read_json_auto(%s, format = 'newline_delimited')", literal(path))
		}
		q := "CREATE TABLE " + quote(staging) + " AS SELECT * FROM " + read
		if i > 0 {
			q = "INSERT INTO " + quote(staging) + " BY NAME SELECT * FROM " + read
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		if k == "csv" {
			if err := rejects(ctx, conn, rep); err != nil {
				return nil, err
			}
		}
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(staging)).Scan(&rep.Added); err != nil {
		return nil, err
	}
	if err := describe(ctx, conn, staging, rep); err != nil {
		return nil, err
	}
	// Swap in at the end, in one transaction.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var stmts []string
	switch {
	case exists && opts.Mode == Append:
		stmts = []string{"INSERT INTO " + quote(table) + " BY NAME SELECT * FROM " + quote(staging)}
	case exists:
		stmts = []string{"DROP TABLE " + quote(table), "ALTER TABLE " + quote(staging) + " RENAME TO " + quote(table)}
	default:
		stmts = []string{"ALTER TABLE " + quote(staging) + " RENAME TO " + quote(table)}
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(table)).Scan(&rep.Rows); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return nil, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

func tableExists(ctx context.Context, db *sql.DB, table string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", table).Scan(&n)
	return n > 0, err
}

// rejects counts the rows DuckDB could not parse in the last CSV read.
func rejects(ctx context.Context, conn *sql.Conn, rep *Report) error {
	rows, err := conn.QueryContext(ctx, `SELECT coalesce(any_value(column_name), ''), count(DISTINCT line), any_value(csv_line)
		FROM reject_errors GROUP BY error_type ORDER BY 2 DESC`)
	if err != nil {
		return fmt.Errorf("reading the rejected rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Problem
		var example sql.NullString
		if err := rows.Scan(&p.Column, &p.Count, &example); err != nil {
			return err
		}
		p.Kind, p.Example = "unparsable", truncate(example.String, 120)
		rep.Problems = append(rep.Problems, p)
	}
	return rows.Err()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// describe fills the columns, their nulls, and the problems a profile sees
// at once: columns with no value at all, and duplicate rows.
func describe(ctx context.Context, conn *sql.Conn, table string, rep *Report) error {
	rows, err := conn.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			rows.Close()
			return err
		}
		rep.Columns = append(rep.Columns, c)
	}
	rows.Close()
	if len(rep.Columns) == 0 {
		return fmt.Errorf("the sources hold no columns")
	}
	var sel []string
	for _, c := range rep.Columns {
		sel = append(sel, "count(*) - count("+quote(c.Name)+")")
	}
	vals := make([]any, len(rep.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+quote(table)).Scan(ptrs...); err != nil {
		return err
	}
	for i, v := range vals {
		n, _ := v.(int64)
		rep.Columns[i].Nulls = n
		if n == rep.Added && rep.Added > 0 {
			rep.Problems = append(rep.Problems, Problem{Kind: "all_null", Column: rep.Columns[i].Name, Count: n})
		}
	}
	// A text column that is numbers or dates but for a few values was
	// typed text because of them: said, never changed (a C in front of an
	// invoice number is data, not noise).
	for _, c := range rep.Columns {
		if c.Type != "VARCHAR" || c.Nulls == rep.Added {
			continue
		}
		for _, typ := range []string{"DOUBLE", "DATE", "TIMESTAMP"} {
			col := quote(c.Name)
			var bad, good int64
			var example sql.NullString
			q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS %[2]s) IS NULL),
				count(TRY_CAST(%[1]s AS %[2]s)), any_value(%[1]s) FILTER (WHERE %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS %[2]s) IS NULL) FROM %[3]s`, col, typ, quote(table))
			if err := conn.QueryRowContext(ctx, q).Scan(&bad, &good, &example); err != nil {
				return err
			}
			if bad > 0 && good > 0 && bad*100 <= good {
				rep.Problems = append(rep.Problems, Problem{Kind: "not_" + strings.ToLower(typ), Column: c.Name, Count: bad, Example: truncate(example.String, 60)})
				break
			}
		}
	}
	var dup int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM "+quote(table)+")) FROM "+quote(table)).Scan(&dup); err != nil {
		return err
	}
	if dup > 0 {
		rep.Problems = append(rep.Problems, Problem{Kind: "duplicate_rows", Count: dup})
	}
	return nil
}

// xlsxToCSV writes the first sheet of a workbook as a CSV (streamed row by
// row through excelize's row iterator), so DuckDB detects its types like
// any CSV's.
func xlsxToCSV(path, dir string) (string, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fmt.Errorf("%s: the workbook has no sheet", path)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return "", err
	}
	defer rows.Close()
	out, err := os.CreateTemp(dir, "wenshu-xlsx-*.csv")
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(out)
	width := 0
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			out.Close()
			return "", err
		}
		if width == 0 {
			width = len(cols)
		}
		for len(cols) < width {
			cols = append(cols, "")
		}
		if err := w.Write(cols[:width]); err != nil {
			out.Close()
			return "", err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		out.Close()
		return "", err
	}
	return out.Name(), out.Close()
}

// String is the report as people read it.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: %d rows (%d imported from %s) in %.1fs\n", r.Table, r.Rows, r.Added, strings.Join(r.Sources, ", "), r.Took.Seconds())
	for _, c := range r.Columns {
		nulls := ""
		if c.Nulls > 0 {
			nulls = fmt.Sprintf("  (%d empty)", c.Nulls)
		}
		fmt.Fprintf(&b, "  %-24s %s%s\n", c.Name, c.Type, nulls)
	}
	if len(r.Problems) == 0 {
		b.WriteString("no problems found\n")
	}
	for _, p := range r.Problems {
		switch p.Kind {
		case "unparsable":
			where := ""
			if p.Column != "" {
				where = " (column " + p.Column + ")"
			}
			fmt.Fprintf(&b, "problem: %d rows could not be read and were left out%s, e.g. %s\n", p.Count, where, p.Example)
		case "all_null":
			fmt.Fprintf(&b, "problem: column %s is empty in every row\n", p.Column)
		case "duplicate_rows":
			fmt.Fprintf(&b, "problem: %d rows repeat another row exactly\n", p.Count)
		case "not_double", "not_date", "not_timestamp":
			fmt.Fprintf(&b, "problem: column %s is kept as text: %d values are not %ss, e.g. %q\n", p.Column, p.Count, strings.TrimPrefix(p.Kind, "not_"), p.Example)
		}
	}
	return b.String()
}
