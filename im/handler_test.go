package im

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/push"
)

// fakeAdapter accepts bodies "ok <id> <chat>", refuses "bad" and "old".
type fakeAdapter struct{}

func (fakeAdapter) Platform() string { return "fake" }
func (fakeAdapter) Parse(r *http.Request, body []byte, now time.Time) (Inbound, error) {
	f := strings.Fields(string(body))
	switch {
	case len(f) == 0:
		return Inbound{}, ErrBadRequest
	case f[0] == "bad":
		return Inbound{}, ErrUnauthorized
	case f[0] == "old":
		return Inbound{}, ErrStale
	case f[0] == "challenge":
		return Inbound{Body: []byte("c"), ContentType: "text/plain"}, nil
	}
	return Inbound{Event: &Event{Platform: "fake", ID: f[1], Chat: f[2], Text: "q"}, Retry: r.Header.Get("Retry") != ""}, nil
}
func (fakeAdapter) Reply(context.Context, Event, Message) error     { return nil }
func (fakeAdapter) Post(context.Context, string, push.Report) error { return nil }
func (fakeAdapter) ChatTarget(ev Event) (string, error)             { return ev.Chat, nil }

func TestHandler(t *testing.T) {
	var mu sync.Mutex
	var answered, busy []string
	clock := time.Unix(1764547200, 0)
	h := &Handler{Adapter: fakeAdapter{}, Seen: &MemorySeen{}, PerMinute: 60, Burst: 2,
		Now:    func() time.Time { return clock },
		Go:     func(f func(context.Context)) { f(context.Background()) }, // synchronous: the test reads the results at once
		Answer: func(_ context.Context, ev Event) { mu.Lock(); answered = append(answered, ev.ID); mu.Unlock() },
		Busy:   func(_ context.Context, ev Event) { mu.Lock(); busy = append(busy, ev.ID); mu.Unlock() }}
	post := func(body string, retry bool) int {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if retry {
			r.Header.Set("Retry", "1")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	cases := []struct {
		body  string
		retry bool
		want  int
	}{
		{"ok e1 chat1", false, 200},
		{"ok e1 chat1", false, 403}, // replayed
		{"ok e1 chat1", true, 200},  // the platform's retry: acknowledged, not answered
		{"bad", false, 401},
		{"old", false, 403},
		{"", false, 400},
		{"challenge", false, 200},
		{"ok e2 chat1", false, 200},
		{"ok e3 chat1", false, 200}, // over the chat's burst: busy
		{"ok e4 chat1", false, 200}, // still over: not told twice
		{"ok e5 chat2", false, 200}, // another chat is not limited
	}
	for _, c := range cases {
		if got := post(c.body, c.retry); got != c.want {
			t.Errorf("%q retry=%v: status %d, want %d", c.body, c.retry, got, c.want)
		}
	}
	if want := []string{"e1", "e2", "e5"}; !slicesEqual(answered, want) {
		t.Errorf("answered %v, want %v", answered, want)
	}
	if want := []string{"e3"}; !slicesEqual(busy, want) {
		t.Errorf("told busy %v, want %v", busy, want)
	}
	big := bytes.Repeat([]byte("x"), MaxBody+1)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(big)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body: %d", w.Code)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMemorySeenForgets(t *testing.T) {
	s := &MemorySeen{TTL: time.Hour}
	t0 := time.Unix(0, 0)
	for _, c := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {time.Minute, false}, {2 * time.Hour, true}} {
		if got, _ := s.FirstSeen(context.Background(), "k", t0.Add(c.at)); got != c.want {
			t.Errorf("at %v: %v, want %v", c.at, got, c.want)
		}
	}
}

func TestTokenCached(t *testing.T) {
	clock := time.Unix(0, 0)
	fetches := 0
	tok := &Token{Now: func() time.Time { return clock }, Fetch: func(context.Context) (string, time.Duration, error) {
		fetches++
		return "t" + string(rune('0'+fetches)), 2 * time.Hour, nil
	}}
	get := func() string {
		v, err := tok.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get() != "t1" || get() != "t1" {
		t.Fatal("the token was not kept")
	}
	clock = clock.Add(2*time.Hour - 4*time.Minute) // inside the five-minute margin
	if get() != "t2" {
		t.Fatal("a token about to expire was kept")
	}
	tok.Reset()
	if get() != "t3" || fetches != 3 {
		t.Fatal("Reset did not fetch a new token")
	}
	tok.Fetch = func(context.Context) (string, time.Duration, error) { return "", 0, errors.New("down") }
	tok.Reset()
	if _, err := tok.Get(context.Background()); err == nil {
		t.Fatal("a failed fetch gave a token")
	}
}

func TestClientRetriesServerErrors(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls < 3 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := &Client{WaitMin: time.Millisecond}
	var out struct{ OK bool }
	if err := c.JSON(context.Background(), srv.URL, nil, map[string]int{"a": 1}, &out); err != nil || !out.OK || calls != 3 {
		t.Fatalf("%v %+v calls=%d", err, out, calls)
	}
	calls = -100 // every call fails now
	if err := c.JSON(context.Background(), srv.URL+"?access_token=SECRET", nil, nil, &out); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("a failing call: %v", err)
	}
}
