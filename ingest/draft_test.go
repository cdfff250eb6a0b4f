package ingest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// TestProfileAndDraft: a shop's three tables are profiled (keys, a
// reference found by containment, low-cardinality values, time spans) and
// the drafted model loads, passes the start-up check and answers the
// standard metrics as hand-written SQL does.
func TestProfileAndDraft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shop.duckdb")
	raw, err := duckdb.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE stores AS SELECT range AS store_id, ['North', 'South', 'East'][range % 3 + 1] AS region FROM range(1, 7)`,
		`CREATE TABLE customers AS SELECT range AS customer_id, CASE WHEN range % 2 = 0 THEN 'gold' ELSE 'basic' END AS tier FROM range(1, 201)`,
		`CREATE TABLE sales AS SELECT range AS line_id, range // 3 AS order_id, 1 + range % 200 AS customer_id, 1 + range % 6 AS store_id,
			TIMESTAMP '2025-01-01' + to_hours(range) AS sold_at, 1 + range % 4 AS qty, 9.5 + range % 7 AS price,
			CASE WHEN range % 5 = 0 THEN 'online' ELSE 'store' END AS channel FROM range(3000)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := duckdb.Open(path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	prof, err := ingest.ProfileDB(ctx, db.SQL())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*ingest.TableProfile{}
	for _, tp := range prof.Tables {
		byName[tp.Name] = tp
	}
	if k := byName["sales"].Keys; len(k) != 1 || k[0] != "line_id" {
		t.Errorf("sales keys %v, want [line_id]", k)
	}
	refs := fmt.Sprint(prof.References)
	for _, want := range []string{"{sales customer_id customers customer_id}", "{sales store_id stores store_id}"} {
		if !strings.Contains(refs, want) {
			t.Errorf("references %s lack %s", refs, want)
		}
	}
	draft := ingest.Draft(prof, "shop")
	m, err := semantic.ParseModel("draft.yaml", draft)
	if err != nil {
		t.Fatalf("the draft does not load: %v\n%s", err, draft)
	}
	if err := db.CheckModel(ctx, m, semantic.CompileOptions{}); err != nil {
		t.Fatalf("the draft does not run: %v\n%s", err, draft)
	}
	for _, w := range []string{"as_of: 2025-05-05", "references: {customer_id: customers, store_id: stores}", "- {value: online}", "check:"} {
		if !strings.Contains(string(draft), w) {
			t.Errorf("the draft lacks %q:\n%s", w, draft)
		}
	}
	cases := []struct{ query, gold string }{
		{`{"metrics":["sales","orders","units","customers"]}`,
			`SELECT sum(qty * price), count(DISTINCT order_id), sum(qty), count(DISTINCT customer_id) FROM sales`},
		{`{"metrics":["aov","repurchase_rate"],"dimensions":["channel"]}`,
			`SELECT channel, sum(qty * price) / count(DISTINCT order_id),
			   avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM sales JOIN (SELECT channel c2, customer_id cid, count(DISTINCT order_id) n FROM sales GROUP BY 1, 2) r
			   ON r.c2 = channel AND r.cid = customer_id GROUP BY 1`},
		{`{"metrics":["sales"],"dimensions":["tier","region"]}`,
			`SELECT c.tier, s.region, sum(qty * price) FROM sales JOIN customers c USING (customer_id) JOIN stores s USING (store_id) GROUP BY 1, 2`},
	}
	for _, c := range cases {
		q, err := semantic.ParseQuery([]byte(c.query))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := semantic.Compile(m, q, semantic.CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		res, err := db.Run(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		_, want, _, err := db.Query(ctx, c.gold)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || len(res.Rows) != len(want) {
			t.Fatalf("%s: %d rows, want %d", c.query, len(res.Rows), len(want))
		}
		got := map[string]bool{}
		for _, r := range res.Rows {
			got[round(r)] = true
		}
		for _, w := range want {
			if !got[round(w)] {
				t.Errorf("%s: row %v missing from %v", c.query, w, res.Rows)
			}
		}
	}
}

func round(r []any) string {
	var s []string
	for _, v := range r {
		switch x := v.(type) {
		case float64:
			s = append(s, fmt.Sprintf("%.4f", x))
		default:
			var f float64
			if _, err := fmt.Sscan(fmt.Sprint(v), &f); err == nil {
				s = append(s, fmt.Sprintf("%.4f", f))
			} else {
				s = append(s, fmt.Sprint(v))
			}
		}
	}
	return strings.Join(s, "|")
}
