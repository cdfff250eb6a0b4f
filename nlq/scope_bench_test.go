package nlq_test

import (
	"context"
	"os"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// BenchmarkNewScope reads the values visible to a region manager, the
// one-off cost of the first ask of each scope (cached by the server).
// WENSHU_BENCH_DB picks the data file (e.g. data/bench-sf1.duckdb); the
// tests' small file otherwise.
func BenchmarkNewScope(b *testing.B) {
	path := os.Getenv("WENSHU_BENCH_DB")
	if path == "" {
		path = datasetstest.Path(b, datasetstest.Scale, datasetstest.Seed)
	}
	m, err := datasets.RetailModel()
	if err != nil {
		b.Fatal(err)
	}
	db, err := duckdb.Open(path, duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	a, err := m.Access("region_manager", map[string]string{"region": "华南"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := nlq.NewScope(context.Background(), m, db, a); err != nil {
			b.Fatal(err)
		}
	}
}
