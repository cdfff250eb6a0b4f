package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers (tests) never collide.
type metrics struct {
	reg        *prometheus.Registry
	asks       *prometheus.CounterVec
	latency    prometheus.Histogram
	stage      *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	websockets prometheus.Gauge
	dropped    prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		asks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wenshu_asks_total",
			Help: "Questions asked, by the translator that read them and the outcome."}, []string{"translator", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wenshu_ask_seconds",
			Help: "Time to answer a question.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wenshu_ask_stage_seconds",
			Help: "Time per stage of an answer.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"stage"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wenshu_errors_total",
			Help: "Errors returned to askers, by code."}, []string{"code"}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wenshu_open_websockets", Help: "Open websocket connections."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "wenshu_ws_slow_clients_dropped_total",
			Help: "Websocket clients disconnected because they did not read their events."}),
	}
	m.reg.MustRegister(m.asks, m.latency, m.stage, m.errors, m.websockets, m.dropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }
