package im

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Seen remembers the events already handled, so a redelivered event is
// answered once. The server keeps them in its store (they survive a
// restart); MemorySeen serves tests and the CLI.
type Seen interface {
	// FirstSeen records key at at and reports whether it is new.
	FirstSeen(ctx context.Context, key string, at time.Time) (bool, error)
}

// MemorySeen is a Seen in memory, forgetting keys after TTL (default a day).
type MemorySeen struct {
	TTL  time.Duration
	mu   sync.Mutex
	keys map[string]time.Time
}

func (m *MemorySeen) FirstSeen(_ context.Context, key string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ttl := m.TTL
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	if m.keys == nil {
		m.keys = map[string]time.Time{}
	}
	if t, ok := m.keys[key]; ok && at.Sub(t) < ttl {
		return false, nil
	}
	if len(m.keys) > 100000 {
		for k, t := range m.keys {
			if at.Sub(t) >= ttl {
				delete(m.keys, k)
			}
		}
	}
	m.keys[key] = at
	return true, nil
}

// MaxBody is the largest inbound request a Handler reads (1 MiB; the
// platforms' events are a few KiB).
const MaxBody = 1 << 20

// Handler is one platform's inbound endpoint: it verifies and parses the
// request, drops what was already handled, acknowledges at once (Feishu
// and Slack want an answer within 3 s) and answers in the background.
type Handler struct {
	Adapter Adapter
	Seen    Seen
	// Answer answers an event; it runs in the background through Go.
	Answer func(ctx context.Context, ev Event)
	// Busy answers an event refused by the chat's rate limit.
	Busy func(ctx context.Context, ev Event)
	// Go runs background work (the server counts it so shutdown waits);
	// nil runs a plain goroutine with context.Background.
	Go func(func(ctx context.Context))
	// PerMinute and Burst bound the questions of one chat (defaults 30, 10).
	PerMinute float64
	Burst     int
	Log       *slog.Logger
	Now       func() time.Time

	mu       sync.Mutex
	limiters map[string]*chatLimit
}

type chatLimit struct {
	l      *rate.Limiter
	warned time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// status maps Parse's errors to HTTP statuses.
func status(err error) int {
	switch {
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrStale), errors.Is(err, ErrDuplicate):
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	lvl := slog.LevelWarn
	if errors.Is(err, ErrDuplicate) {
		lvl = slog.LevelInfo
	}
	h.log().Log(r.Context(), lvl, "im request refused", "platform", h.Adapter.Platform(), "status", code, "remote", r.RemoteAddr, "err", err)
	http.Error(w, err.Error(), code)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.log().Warn("im request refused", "platform", h.Adapter.Platform(), "status", 413, "err", "body too large")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.refuse(w, r, errors.Join(ErrBadRequest, err))
		return
	}
	now := h.now()
	in, err := h.Adapter.Parse(r, body, now)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	if ev := in.Event; ev != nil {
		fresh, err := h.Seen.FirstSeen(r.Context(), h.Adapter.Platform()+":"+ev.ID, now)
		if err != nil {
			h.log().Error("im dedup store", "platform", h.Adapter.Platform(), "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		if !fresh {
			if in.Retry {
				w.WriteHeader(http.StatusOK) // the platform's own retry: stop it
				return
			}
			h.refuse(w, r, ErrDuplicate)
			return
		}
		h.dispatch(*ev)
	}
	if in.Body == nil {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
		return
	}
	if in.ContentType != "" {
		w.Header().Set("Content-Type", in.ContentType)
	}
	if in.Status != 0 {
		w.WriteHeader(in.Status)
	}
	w.Write(in.Body)
}

// dispatch answers the event in the background, or says the chat is
// asking too fast (once a minute at most).
func (h *Handler) dispatch(ev Event) {
	run := h.Go
	if run == nil {
		run = func(f func(context.Context)) { go f(context.Background()) }
	}
	if ok, warn := h.allow(ev.Platform + ":" + ev.Chat); !ok {
		h.log().Warn("im chat rate limited", "platform", ev.Platform, "chat", ev.Chat)
		if warn && h.Busy != nil {
			run(func(ctx context.Context) { h.Busy(ctx, ev) })
		}
		return
	}
	run(func(ctx context.Context) { h.Answer(ctx, ev) })
}

func (h *Handler) allow(chat string) (ok, warn bool) {
	per, burst := h.PerMinute, h.Burst
	if per == 0 {
		per = 30
	}
	if burst == 0 {
		burst = 10
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limiters == nil || len(h.limiters) > 10000 {
		h.limiters = map[string]*chatLimit{}
	}
	cl := h.limiters[chat]
	if cl == nil {
		cl = &chatLimit{l: rate.NewLimiter(rate.Limit(per/60), burst)}
		h.limiters[chat] = cl
	}
	now := h.now()
	if cl.l.AllowN(now, 1) {
		return true, false
	}
	if now.Sub(cl.warned) >= time.Minute {
		cl.warned = now
		return false, true
	}
	return false, false
}
