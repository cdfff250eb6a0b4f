package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
)

func TestQueryCommand(t *testing.T) {
	db := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"query", "--db", db, "--lang", "en",
		`{"metrics":["sales","conversion_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var res struct {
		SQL     string `json:"sql"`
		Columns []struct{ Name, Label, Role string }
		Rows    [][]any
		Chart   struct{ Type string }
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res.Rows) != 5 || len(res.Columns) != 3 || res.Columns[1].Label != "Sales" || res.Chart.Type != "bar" {
		t.Errorf("unexpected result: %+v", res)
	}
	if !strings.Contains(res.SQL, "TIMESTAMP '2025-11-01'") {
		t.Errorf("the SQL shown has its arguments inline: %s", res.SQL)
	}
}

func TestQueryCommandErrors(t *testing.T) {
	db := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"query", "--db", db, `{"metrics":["salse"]}`}, &out, &errOut)
	if err == nil || !strings.Contains(out.String(), `"unknown_metric"`) || !strings.Contains(out.String(), `"sales"`) {
		t.Errorf("want a typed error with suggestions, got %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"query", "--db", db, `{"metrics":`}, &out, &errOut); err == nil {
		t.Error("malformed JSON accepted")
	}
	if err := run(context.Background(), []string{"nope"}, &out, &errOut); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestGenAndBench(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.duckdb")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"gen", "--scale", "0.005", "--seed", "3", "--out", path}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if err := run(context.Background(), []string{"bench", "--db", path, "--runs", "1"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"sales_last_month", "median ratio", "worst ratio"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, out.String())
		}
	}
}
