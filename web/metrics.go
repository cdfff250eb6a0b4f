package web

import (
	"net/http"

	"github.com/wenshu-bi/wenshu/nlq"

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
	feedback   *prometheus.CounterVec
	llmCalls   *prometheus.CounterVec
	llmTokens  *prometheus.CounterVec
	llmSeconds *prometheus.HistogramVec
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
	m.feedback = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wenshu_feedback_total", Help: "Answers marked right or wrong."}, []string{"verdict"})
	m.llmCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wenshu_llm_calls_total", Help: "LLM calls by purpose and outcome."}, []string{"purpose", "outcome"})
	m.llmTokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wenshu_llm_tokens_total", Help: "LLM tokens by purpose and kind."}, []string{"purpose", "kind"})
	m.llmSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wenshu_llm_call_seconds", Help: "LLM call latency.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)}, []string{"purpose"})
	m.reg.MustRegister(m.feedback, m.llmCalls, m.llmTokens, m.llmSeconds)
	m.reg.MustRegister(m.asks, m.latency, m.stage, m.errors, m.websockets, m.dropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *metrics) observeLLM(c nlq.LLMCall) {
	outcome := "ok"
	if c.Err != nil {
		outcome = "error"
	}
	m.llmCalls.WithLabelValues(c.Purpose, outcome).Inc()
	m.llmTokens.WithLabelValues(c.Purpose, "prompt").Add(float64(c.PromptTokens))
	m.llmTokens.WithLabelValues(c.Purpose, "completion").Add(float64(c.CompletionTokens))
	m.llmSeconds.WithLabelValues(c.Purpose).Observe(c.Latency.Seconds())
}
