package web_test

import (
	"context"
	"fmt"
	"os"
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

var loadQuestions = []string{
	"上个月各渠道的销售额", "今年各会员等级的复购率", "销售额最高的5个城市", "今年每个月的销售额趋势",
	"上个月销售额同比增长了多少", "conversion rate by channel last month", "各品类今年的订单数", "各大区的坪效",
}

// BenchmarkWSLoad runs N concurrent websocket clients on loopback, each
// asking the question mix in turn, and reports asks/s, p50/p95 latency and
// the process's peak resident memory. Scale: WENSHU_BENCH_SCALE (default 1).
func BenchmarkWSLoad(b *testing.B) {
	scale := 1.0
	if s := os.Getenv("WENSHU_BENCH_SCALE"); s != "" {
		scale, _ = strconv.ParseFloat(s, 64)
	}
	m, _ := datasets.RetailModel()
	path := datasetstest.Path(b, scale, 42)
	for _, cache := range []int{-1, 256} {
		db, err := duckdb.Open(path, duckdb.Options{CacheEntries: cache})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		// As the server does: the sessions table is computed once.
		if err := db.Materialize(context.Background(), "sessions", m.Table("sessions").SQL); err != nil {
			b.Fatal(err)
		}
		values, err := nlq.LoadValues(context.Background(), m, db)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{1, 10, 100} {
			benchLoad(b, m, db, values, n, cache > 0)
		}
	}
}

func benchLoad(b *testing.B, m *semantic.Model, db *duckdb.DB, values map[string][]string, n int, cached bool) {
	{
		b.Run(fmt.Sprintf("cache=%v/clients=%d", cached, n), func(b *testing.B) {
			store, err := web.OpenStore(b.TempDir() + "/meta.db")
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			engine := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db,
				Conversations: store, AsOf: semantic.D(2025, 12, 31), Materialized: []string{"sessions"}}
			srv := web.NewServer(engine, store, nil, web.Options{RateLimit: -1})
			ts := newHTTPTest(srv)
			defer ts.Close()
			url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/ws"
			perClient := max(1, b.N/n)
			stopMem := make(chan struct{})
			peak := make(chan int64)
			go samplePeakRSS(stopMem, peak)
			var mu sync.Mutex
			var lat []time.Duration
			start := time.Now()
			var wg sync.WaitGroup
			for c := 0; c < n; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					conn, _, err := websocket.DefaultDialer.Dial(url, nil)
					if err != nil {
						b.Error(err)
						return
					}
					defer conn.Close()
					for i := 0; i < perClient; i++ {
						id := fmt.Sprint(i)
						t0 := time.Now()
						conn.WriteJSON(map[string]any{"type": "ask", "id": id, "question": loadQuestions[(c+i)%len(loadQuestions)]})
						conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
						for {
							var ev event
							if err := conn.ReadJSON(&ev); err != nil {
								b.Error(err)
								return
							}
							if ev.ID == id && (ev.Type == "done" || ev.Type == "error") {
								break
							}
						}
						mu.Lock()
						lat = append(lat, time.Since(t0))
						mu.Unlock()
					}
				}(c)
			}
			wg.Wait()
			elapsed := time.Since(start)
			close(stopMem)
			slices.Sort(lat)
			if len(lat) == 0 {
				b.Fatal("no asks completed")
			}
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "asks/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
			b.ReportMetric(float64(<-peak)/(1<<20), "peak_rss_MiB")
		})
	}
}

// samplePeakRSS reads the process's resident memory until stop closes.
func samplePeakRSS(stop chan struct{}, out chan<- int64) {
	var peak int64
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if rss := datasetstest.RSS(); rss > peak {
			peak = rss
		}
		select {
		case <-stop:
			out <- peak
			return
		case <-tick.C:
		}
	}
}
