package postgres_test

import (
	"context"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
	"github.com/wenshu-bi/wenshu/semantic/postgres/pgtest"
	"github.com/wenshu-bi/wenshu/semantic/resultcmp"
)


// TestSameRowsOnBothEngines loads the generated data into PostgreSQL and
// checks that every bench query (ratios, repeat and first-order metrics,
// funnels from events, date series, 同比, lifecycle, RFM, the retention
// triangle, the cart win-back, an audience) gives the same rows on DuckDB
// and on PostgreSQL, each compiled for its own dialect from one model.
func TestSameRowsOnBothEngines(t *testing.T) {
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.URL(t), postgres.Options{})
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v): .ci/run starts it; WENSHU_TEST_PG may point elsewhere", err)
	}
	defer pg.Close()
	duck, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	if err := pg.LoadFrom(ctx, duck.SQL(), "stores", "customers", "products", "orders", "order_items", "member_tier_changes", "events", "surveys"); err != nil {
		t.Fatal(err)
	}
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, bq := range datasets.BenchQueries {
		n++
		t.Run(bq.Name, func(t *testing.T) {
			q, err := semantic.ParseQuery([]byte(bq.Query))
			if err != nil {
				t.Fatal(err)
			}
			dp, err := semantic.CompileAny(m, q, semantic.CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pp, err := semantic.CompileAny(m, q, semantic.CompileOptions{Dialect: semantic.Postgres})
			if err != nil {
				t.Fatal(err)
			}
			want, err := duck.Run(ctx, dp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Run(ctx, pp)
			if err != nil {
				t.Fatalf("%v\n%s", err, pp.DisplaySQL())
			}
			if len(want.Rows) == 0 {
				t.Fatal("no rows on DuckDB: the case tests nothing")
			}
			if err := resultcmp.Contains(got.Rows, want.Rows, resultcmp.Options{Exact: true}); err != nil {
				t.Errorf("PostgreSQL differs from DuckDB: %v\n%s", err, pp.DisplaySQL())
			}
		})
	}
	if n < 17 {
		t.Fatalf("only %d bench queries", n)
	}
}

// TestReadOnlyAndTimeout: the engine cannot write, and a slow query is cut.
func TestReadOnlyAndTimeout(t *testing.T) {
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.URL(t), postgres.Options{Timeout: 200_000_000})
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v)", err)
	}
	defer pg.Close()
	if _, _, _, err := pg.Query(ctx, "CREATE TABLE should_not_exist (x int)"); err == nil {
		t.Error("a write went through a read-only transaction")
	}
	if _, _, _, err := pg.Query(ctx, "SELECT pg_sleep(2)"); err != postgres.ErrTimeout {
		t.Errorf("a 2 s query under a 200 ms timeout: %v", err)
	}
}
