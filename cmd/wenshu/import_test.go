package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
	"github.com/wenshu-bi/wenshu/semantic/postgres/pgtest"
)

// TestImportIntoPostgres: wenshu import --db postgres://… creates, refuses
// to overwrite, appends by column name and replaces, as into DuckDB.
func TestImportIntoPostgres(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("id,v\n1,10\n2,20\n"), 0o644)
	os.WriteFile(b, []byte("v,id\n30,3\n"), 0o644)
	ctx := context.Background()
	pg, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	sum := func() string {
		_, rows, _, err := pg.Query(ctx, "SELECT CAST(sum(id * v) AS TEXT) || '/' || count(*) FROM import_cmd_t")
		if err != nil {
			t.Fatal(err)
		}
		return rows[0][0].(string)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"import", "--db", url, "--table", "import_cmd_t", "--replace", a}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 rows") || sum() != "50/2" {
		t.Fatalf("import: %s %s", out.String(), sum())
	}
	if err := run(ctx, []string{"import", "--db", url, "--table", "import_cmd_t", b}, &out, &out); !errors.Is(err, ingest.ErrExists) {
		t.Errorf("a second import without a mode: %v", err)
	}
	if err := run(ctx, []string{"import", "--db", url, "--table", "import_cmd_t", "--append", b}, &out, &out); err != nil || sum() != "140/3" {
		t.Errorf("append by column name: %v %s", err, sum())
	}
	if err := run(ctx, []string{"import", "--db", url, "--table", "import_cmd_t", "--replace", b}, &out, &out); err != nil || sum() != "90/1" {
		t.Errorf("replace: %v %s", err, sum())
	}
}
