package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/web"
)

// BenchmarkSoak runs the server as `serve` does (admission, result cache,
// DuckDB memory limit) under 50 websocket clients for WENSHU_SOAK (default
// 10m): 40 ask cheap questions, 10 ask heavy ones (every day × product of a
// random stretch, with and without 同比) and now and then one over the
// budget. It reports the cheap asks' p50/p95, the heavy asks' p50, how many
// were refused as too costly, errors, peak RSS and the goroutines left
// after the server shut down. Run: go test ./web -run '^$' -bench Soak -benchtime 1x
// (WENSHU_BENCH_SCALE, default 1).
func BenchmarkSoak(b *testing.B) {
	scale, dur := 1.0, 10*time.Minute
	if s := os.Getenv("WENSHU_BENCH_SCALE"); s != "" {
		scale, _ = strconv.ParseFloat(s, 64)
	}
	if s := os.Getenv("WENSHU_SOAK"); s != "" {
		dur, _ = time.ParseDuration(s)
	}
	m, _ := datasets.RetailModel()
	db, err := duckdb.Open(datasetstest.Path(b, scale, 42), duckdb.Options{MemoryLimit: "4GB"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Materialize(ctx, "sessions", m.Table("sessions").SQL); err != nil {
		b.Fatal(err)
	}
	values, err := nlq.LoadValues(ctx, m, db)
	if err != nil {
		b.Fatal(err)
	}
	sizes, err := db.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	store, err := web.OpenStore(b.TempDir() + "/meta.db")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	engine := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db, Conversations: store,
		AsOf: semantic.D(2025, 12, 31), Materialized: []string{"sessions"}, Admission: &nlq.Admission{Stats: nlq.NewStats(sizes, values)}}
	srv := web.NewServer(engine, store, nil, web.Options{RateLimit: -1})
	ts := newHTTPTest(srv)
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/ws"
	goroutinesBefore := runtime.NumGoroutine()

	cheap := func(r *rand.Rand) string {
		m := r.IntN(12) + 1
		qs := []string{
			fmt.Sprintf("2025年%d月各渠道的销售额", m), fmt.Sprintf("2025年%d月的客单价", m), "今年各会员等级的复购率",
			"销售额最高的5个城市", fmt.Sprintf("2025年%d月各大区的订单数", m), "conversion rate by channel last month",
			fmt.Sprintf("2024年%d月的销售额同比", m), "各品类今年的订单数",
		}
		return qs[r.IntN(len(qs))]
	}
	heavy := func(r *rand.Rand) string {
		if r.IntN(10) == 0 {
			return "2000年以来每天各商品各门店的销售额同比" // over the budget
		}
		m1 := r.IntN(9) + 1
		m2 := m1 + 1 + r.IntN(3)
		yoy := []string{"", "同比"}[r.IntN(2)]
		return fmt.Sprintf("2025年%d月%d日到%d月%d日每天各商品的销量%s", m1, r.IntN(28)+1, m2, r.IntN(28)+1, yoy)
	}
	type sample struct {
		heavy   bool
		d       time.Duration
		outcome string
	}
	var mu sync.Mutex
	var samples []sample
	stopMem, peak := make(chan struct{}), make(chan int64)
	go samplePeakRSS(stopMem, peak)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := 0; c < 50; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			conn, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			isHeavy := c < 10
			for i := 0; time.Now().Before(deadline); i++ {
				q := cheap(r)
				if isHeavy {
					q = heavy(r)
				}
				id := fmt.Sprint(i)
				t0 := time.Now()
				conn.WriteJSON(map[string]any{"type": "ask", "id": id, "question": q})
				conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
				outcome := "done"
				for {
					var ev event
					if err := conn.ReadJSON(&ev); err != nil {
						b.Error(err)
						return
					}
					if ev.ID != id {
						continue
					}
					if ev.Type == "clarify" && strings.Contains(string(ev.Data), "超过了单次查询的上限") {
						outcome = "refused"
					}
					if ev.Type == "error" {
						outcome = "error:" + string(ev.Data)
					}
					if ev.Type == "done" || ev.Type == "error" {
						break
					}
				}
				mu.Lock()
				samples = append(samples, sample{isHeavy, time.Since(t0), outcome})
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	close(stopMem)
	peakRSS := <-peak
	ts.Close()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	srv.Shutdown(sctx)
	cancel()
	var cheapLat, heavyLat []time.Duration
	refused, errs := 0, 0
	for _, s := range samples {
		switch {
		case s.outcome == "refused":
			refused++
		case strings.HasPrefix(s.outcome, "error"):
			errs++
			if errs <= 3 {
				b.Logf("error: %s", s.outcome)
			}
		case s.heavy:
			heavyLat = append(heavyLat, s.d)
		default:
			cheapLat = append(cheapLat, s.d)
		}
	}
	if len(cheapLat) == 0 || len(heavyLat) == 0 {
		b.Fatalf("cheap %d, heavy %d asks completed", len(cheapLat), len(heavyLat))
	}
	slices.Sort(cheapLat)
	slices.Sort(heavyLat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	time.Sleep(200 * time.Millisecond) // let closed connections' goroutines end before counting
	b.ReportMetric(float64(len(cheapLat)), "cheap_asks")
	b.ReportMetric(ms(cheapLat[len(cheapLat)/2]), "cheap_p50_ms")
	b.ReportMetric(ms(cheapLat[len(cheapLat)*95/100]), "cheap_p95_ms")
	b.ReportMetric(float64(len(heavyLat)), "heavy_asks")
	b.ReportMetric(ms(heavyLat[len(heavyLat)/2]), "heavy_p50_ms")
	b.ReportMetric(float64(refused), "refused_too_costly")
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(float64(peakRSS)/(1<<20), "peak_rss_MiB")
	b.ReportMetric(float64(runtime.NumGoroutine()-goroutinesBefore), "goroutines_left")
}
