package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Progress is what a first start reports while it prepares the data: the
// step running, how many are done of how many.
type Progress struct {
	mu          sync.Mutex
	step        string
	done, total int
	started     time.Time
}

// NewProgress starts a progress report.
func NewProgress() *Progress { return &Progress{started: time.Now(), step: "starting"} }

// Set records the step now running.
func (p *Progress) Set(step string, done, total int) {
	p.mu.Lock()
	p.step, p.done, p.total = step, done, total
	p.mu.Unlock()
}

func (p *Progress) snapshot() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	frac := 0.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	return map[string]any{"status": "preparing", "step": p.step, "done": p.done, "total": p.total, "progress": frac,
		"seconds": int(time.Since(p.started).Seconds())}
}

// PreparingHandler answers while the server is not ready: /healthz and /readyz are 503
// with the progress, the API says it is preparing, and every page shows a
// progress bar that reloads itself when the data is ready.
func PreparingHandler(p *Progress) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch {
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/api/v1/progress":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(p.snapshot())
		case strings.HasPrefix(r.URL.Path, "/api/"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "preparing",
				"message": "the demo data is being prepared; try again in a few seconds"}})
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
			w.Write([]byte(preparingPage))
		}
	})
}

// Swap is a handler that can be replaced while serving: the preparing
// handler first, the real one when the data is ready.
type Swap struct {
	mu sync.RWMutex
	h  http.Handler
}

// NewSwap serves h until Set replaces it.
func NewSwap(h http.Handler) *Swap { return &Swap{h: h} }

// Set replaces the handler for the next requests.
func (s *Swap) Set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

func (s *Swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	h := s.h
	s.mu.RUnlock()
	h.ServeHTTP(w, r)
}

// NewHTTPServer wraps a handler in an http.Server with the timeouts of
// Options (see Server.HTTPServer).
func NewHTTPServer(h http.Handler, opts Options) *http.Server {
	opts.applyTimeouts()
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: opts.ReadTimeout,
		WriteTimeout: opts.WriteTimeout, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

const preparingPage = `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>问数 Wenshu · 准备中</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f6f7fb;color:#1f2937;display:flex;align-items:center;justify-content:center;min-height:100vh}
.box{width:min(420px,90vw);background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:24px}
h1{font-size:20px;margin:0 0 8px}p{color:#6b7280;font-size:14px;margin:0 0 16px}
.bar{height:10px;background:#e5e7eb;border-radius:5px;overflow:hidden}.fill{height:100%;width:0;background:#2563eb;transition:width .4s}
#step{font-size:13px;color:#374151;margin-top:10px}
</style></head><body><div class="box">
<h1>问数正在准备演示数据</h1><p>Preparing the demo data — the page opens by itself when it is ready.</p>
<div class="bar"><div class="fill" id="fill"></div></div><div id="step">…</div></div>
<script>
async function poll(){
  try{
    const r=await fetch("/healthz",{cache:"no-store"});
    if(r.ok){location.reload();return}
    const p=await r.json();
    document.getElementById("fill").style.width=Math.round((p.progress||0)*100)+"%";
    document.getElementById("step").textContent=p.done+"/"+p.total+" · "+p.step+" · "+p.seconds+" s";
  }catch(e){}
  setTimeout(poll,1000);
}
poll();
</script></body></html>`
