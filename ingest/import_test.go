package ingest_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if strings.HasSuffix(name, ".gz") {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(f)
		zw.Write([]byte(body))
		zw.Close()
		f.Close()
		return p
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := duckdb.Create(filepath.Join(dir, "data.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scalar(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

func TestImportFormats(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	ctx := context.Background()
	// Semicolons, a gzip, a duplicate row, an empty column, a row that does not parse.
	var body strings.Builder
	body.WriteString("Order No;Amount;Note;Day;Price\n1;10.5;;2025-01-02;1\n2;7;;2025-01-03;2\n2;7;;2025-01-03;2\n3;3;;2025-01-04;3\n4;3.25;;2025-01-05;4\n5;1;;2025-01-06;1;extra;fields\n")
	for i := 6; i < 206; i++ {
		body.WriteString(fmt.Sprintf("%d;1;;2025-02-01;%d\n", i, i))
	}
	body.WriteString("206;1;;2025-02-01;n/a\n")
	csvPath := write(t, dir, "sales export.csv.gz", body.String())
	rep, err := ingest.Import(ctx, db, ingest.Options{}, csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Table != "sales_export" || rep.Rows != 206 {
		t.Fatalf("report %+v", rep)
	}
	types := map[string]string{}
	for _, c := range rep.Columns {
		types[c.Name] = c.Type
	}
	if types["Order No"] != "BIGINT" || types["Amount"] != "DOUBLE" || types["Day"] != "DATE" || types["Price"] != "VARCHAR" {
		t.Errorf("column names or types not kept: %v", types)
	}
	kinds := map[string]int64{}
	for _, p := range rep.Problems {
		kinds[p.Kind] += p.Count
	}
	if kinds["unparsable"] != 1 || kinds["duplicate_rows"] != 1 || kinds["all_null"] != 206 || kinds["not_double"] != 1 {
		t.Errorf("problems %+v (want 1 unparsable row, 1 duplicate, the empty Note column, 1 price that is no number)", rep.Problems)
	}
	if got := scalar(t, db, `SELECT CAST(sum("Amount") AS VARCHAR) FROM sales_export`); got != "231.75" {
		t.Errorf("sum of Amount = %s, want 231.75 (the row with extra fields left out)", got)
	}
	text := rep.String()
	for _, w := range []string{"206 rows", "Order No", "BIGINT", "1 rows could not be read and were left out", "column Note is empty", "1 rows repeat", `column Price is kept as text: 1 values are not doubles, e.g. "n/a"`} {
		if !strings.Contains(text, w) {
			t.Errorf("the printed report lacks %q:\n%s", w, text)
		}
	}

	// Parquet and JSON lines, through DuckDB's own writers.
	pq := filepath.Join(dir, "p.parquet")
	if _, err := db.Exec(`COPY (SELECT range AS id, 'x' || range AS name FROM range(5)) TO '` + pq + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.Import(ctx, db, ingest.Options{Table: "p"}, pq); err != nil || rep.Rows != 5 {
		t.Fatalf("parquet: %+v %v", rep, err)
	}
	js := write(t, dir, "events.jsonl", `{"user": "a", "n": 1}`+"\n"+`{"user": "b", "n": 2}`+"\n")
	if rep, err := ingest.Import(ctx, db, ingest.Options{}, js); err != nil || rep.Rows != 2 || scalar(t, db, "SELECT CAST(sum(n) AS VARCHAR) FROM events") != "3" {
		t.Fatalf("json lines: %+v %v", rep, err)
	}

	// Excel, through excelize.
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"SKU", "Qty", "Price"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"A-1", 2, 9.5})
	f.SetSheetRow("Sheet1", "A3", &[]any{"B-2", 1, 20})
	xl := filepath.Join(dir, "stock.xlsx")
	if err := f.SaveAs(xl); err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.Import(ctx, db, ingest.Options{}, xl); err != nil || rep.Rows != 2 || scalar(t, db, `SELECT CAST(sum("Qty" * "Price") AS VARCHAR) FROM stock`) != "39.0" {
		t.Fatalf("xlsx: %+v %v", rep, err)
	}
}

func TestImportModes(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	ctx := context.Background()
	a := write(t, dir, "a.csv", "id,v\n1,10\n2,20\n")
	b := write(t, dir, "b.csv", "v,id\n30,3\n")
	if _, err := ingest.Import(ctx, db, ingest.Options{Table: "t"}, a); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Import(ctx, db, ingest.Options{Table: "t"}, b); !errors.Is(err, ingest.ErrExists) {
		t.Fatalf("a second import without a mode: %v", err)
	}
	if rep, err := ingest.Import(ctx, db, ingest.Options{Table: "t", Mode: ingest.Append}, b); err != nil || rep.Rows != 3 || rep.Added != 1 {
		t.Fatalf("append: %+v %v", rep, err)
	}
	if got := scalar(t, db, "SELECT CAST(sum(id * v) AS VARCHAR) FROM t"); got != "140" {
		t.Errorf("append matched columns by name? sum(id*v) = %s, want 140", got)
	}
	// A failing import (the second file is not Parquet) leaves the table as it was.
	bad := write(t, dir, "bad.parquet", "not parquet")
	if _, err := ingest.Import(ctx, db, ingest.Options{Table: "t", Mode: ingest.Replace}, a, bad); err == nil {
		t.Fatal("a broken file was imported")
	}
	if got := scalar(t, db, "SELECT count(*) FROM t"); got != "3" {
		t.Errorf("after a failed replace the table has %s rows, want the 3 it had", got)
	}
	if got := scalar(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 't__import_%'"); got != "0" {
		t.Errorf("%s staging tables left behind", got)
	}
	if rep, err := ingest.Import(ctx, db, ingest.Options{Table: "t", Mode: ingest.Replace}, b); err != nil || rep.Rows != 1 {
		t.Fatalf("replace: %+v %v", rep, err)
	}
	if _, err := ingest.Import(ctx, db, ingest.Options{Table: "t; DROP TABLE t"}, a); err == nil {
		t.Error("a table name with SQL in it was accepted")
	}
	if _, err := ingest.Import(ctx, db, ingest.Options{}, filepath.Join(dir, "a.exe")); err == nil {
		t.Error("a missing file of an unknown format was accepted")
	}
}

// TestImportOnlineRetail imports the real export the README describes and
// finds the mess it lists.
func TestImportOnlineRetail(t *testing.T) {
	src := os.Getenv("WENSHU_ONLINE_RETAIL")
	if src == "" {
		src = "../../shared/data/online-retail/online_retail.csv.gz"
	}
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("the Online Retail export is missing (%v): set WENSHU_ONLINE_RETAIL or put shared/ beside the checkout", err)
	}
	db := open(t, t.TempDir())
	rep, err := ingest.Import(context.Background(), db, ingest.Options{Table: "lines"}, src)
	if err != nil {
		t.Fatal(err)
	}
	nulls := map[string]int64{}
	for _, c := range rep.Columns {
		nulls[c.Name] = c.Nulls
	}
	var dup int64
	for _, p := range rep.Problems {
		if p.Kind == "duplicate_rows" {
			dup = p.Count
		}
	}
	if rep.Rows != 541909 || nulls["CustomerID"] != 135080 || nulls["Description"] != 1454 || dup != 5268 {
		t.Errorf("rows %d, empty CustomerID %d, empty Description %d, duplicates %d (README: 541,909, 135,080, 1,454, 5,268)",
			rep.Rows, nulls["CustomerID"], nulls["Description"], dup)
	}
}
