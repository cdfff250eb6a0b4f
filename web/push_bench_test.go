package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/push"
)

// BenchmarkPushTick: 1,000 subscriptions due at the same minute, each to a
// loopback webhook: reports deliveries per second and the p95 delay from
// the scheduled time to each delivery (the tick starts at the scheduled
// time). Run: go test ./web -run '^$' -bench PushTick -benchtime 1x
func BenchmarkPushTick(b *testing.B) {
	var mu sync.Mutex
	var arrivals []time.Time
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	}))
	defer hook.Close()
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(b, "", 0, opts)
	ctx := b.Context()
	created := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	questions := []string{"上个月各渠道的销售额", "上个月的销售额", "今年各会员等级的复购率", "上个月各大区的订单数", "今年每个月的销售额"}
	for i := 0; i < 1000; i++ {
		sub := push.Subscription{ID: fmt.Sprintf("s%04d", i), Question: questions[i%len(questions)], Schedule: "0 9 * * *", Timezone: "UTC",
			Created: created, Channels: []push.Channel{{Type: push.ChannelWebhook, URL: hook.URL}}}
		if err := ts.store.PutSubscription(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
	tick := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	start := time.Now()
	if err := ts.srv.TickSchedules(ctx, tick); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != 1000 {
		b.Fatalf("%d deliveries, want 1000", len(arrivals))
	}
	delays := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		delays[i] = a.Sub(start)
	}
	slices.Sort(delays)
	b.ReportMetric(float64(len(arrivals))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(delays[len(delays)*95/100].Milliseconds()), "p95_delay_ms")
	b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "last_delay_ms")
}
