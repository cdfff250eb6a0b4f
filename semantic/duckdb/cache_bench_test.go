package duckdb_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// BenchmarkCacheAttack runs WENSHU_ATTACK_N (default 750) distinct wide
// queries (10,000 rows × 14 columns: three metrics with 同比 by day,
// product and store) through Run, once with the cache bounded
// only by its entry count as before (256 entries of any size) and once
// with the byte budget, and reports the process's peak resident memory and
// the Go heap after each. WENSHU_BENCH_SCALE picks the data (default 1).
func BenchmarkCacheAttack(b *testing.B) {
	scale, n := 1.0, 750
	if s := os.Getenv("WENSHU_BENCH_SCALE"); s != "" {
		scale, _ = strconv.ParseFloat(s, 64)
	}
	if s := os.Getenv("WENSHU_ATTACK_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	m, _ := datasets.RetailModel()
	path := datasetstest.Path(b, scale, 42)
	for _, mode := range []struct {
		name string
		opts duckdb.Options
	}{
		{"entries=256", duckdb.Options{CacheEntries: 256, CacheBytes: 1 << 40, CacheEntryBytes: 1 << 40}},
		{"bytes=256MiB", duckdb.Options{}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			db, err := duckdb.Open(path, mode.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			runtime.GC()
			base := datasetstest.RSS()
			peak := base
			start := semantic.D(2025, 1, 1)
			for i := 0; i < n; i++ {
				from := start.AddDays(i % 330)
				q := &semantic.Query{Metrics: []string{"units", "sales", "orders"}, Dimensions: []string{"product", "store"}, Compare: "yoy",
					Time: &semantic.Time{Grain: "day", Range: &semantic.DateRange{Start: from, End: from.AddDays(20 + i/600)}}}
				plan, err := semantic.Compile(m, q, semantic.CompileOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.Run(context.Background(), plan); err != nil {
					b.Fatal(err)
				}
				if rss := datasetstest.RSS(); rss > peak {
					peak = rss
				}
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(peak)/(1<<20), "peak_rss_MiB")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap_after_MiB")
		})
	}
}
