package push

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePlatform is a loopback stand-in for an IM platform: it checks what
// the platform checks (the signature, against values computed with
// openssl, and the message type), and answers from a script.
type fakePlatform struct {
	mu      sync.Mutex
	replies []func(w http.ResponseWriter)
	bodies  []map[string]any
	queries []string
	*httptest.Server
}

func newFake(t *testing.T, check func(r *http.Request, body map[string]any) string, replies ...func(w http.ResponseWriter)) *fakePlatform {
	f := &fakePlatform{replies: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(data, &body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.queries = append(f.queries, r.URL.RawQuery)
		n := len(f.bodies)
		f.mu.Unlock()
		if problem := check(r, body); problem != "" {
			w.Write([]byte(`{"code":19021,"msg":"` + problem + `"}`))
			return
		}
		if n <= len(f.replies) {
			f.replies[n-1](w)
			return
		}
		w.Write([]byte(`{"code":0,"errcode":0,"msg":"ok"}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func reply(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(status); w.Write([]byte(body)) }
}

func testSender(t *testing.T) *Sender {
	g, err := NewGuard("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	return &Sender{Client: g.Client(5 * time.Second), Now: func() time.Time { return time.Unix(1700000000, 0) },
		WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}
}

func TestSendFeishuRetriesRateLimit(t *testing.T) {
	f := newFake(t, func(r *http.Request, b map[string]any) string {
		if b["timestamp"] != "1700000000" || b["sign"] != "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70=" {
			return "sign match fail"
		}
		if b["msg_type"] != "interactive" {
			return "bad msg_type"
		}
		return ""
	}, reply(200, `{"code":11232,"msg":"frequency limited"}`))
	n, err := testSender(t).Send(context.Background(), Channel{Type: ChannelFeishu, URL: f.URL + "/hook", Secret: "SECabc123"}, report)
	if err != nil || n != 2 {
		t.Errorf("Feishu: %d attempts, %v; want a retry after the rate limit, then success", n, err)
	}
}

func TestSendDingTalkRetries5xx(t *testing.T) {
	f := newFake(t, func(r *http.Request, b map[string]any) string {
		q := r.URL.Query()
		if q.Get("timestamp") != "1700000000000" || q.Get("sign") != "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=" || q.Get("access_token") != "tok" {
			return "sign not match"
		}
		if b["msgtype"] != "actionCard" {
			return "bad msgtype"
		}
		return ""
	}, reply(502, "bad gateway"), reply(503, "busy"))
	n, err := testSender(t).Send(context.Background(), Channel{Type: ChannelDingTalk, URL: f.URL + "/robot/send?access_token=tok", Secret: "SECabc123"}, report)
	if err != nil || n != 3 {
		t.Errorf("DingTalk: %d attempts, %v; want two retries then success", n, err)
	}
}

func TestSendPermanentFailures(t *testing.T) {
	f := newFake(t, func(r *http.Request, b map[string]any) string { return "" }, reply(200, `{"code":19021,"msg":"sign match fail"}`))
	n, err := testSender(t).Send(context.Background(), Channel{Type: ChannelFeishu, URL: f.URL, Secret: "wrong"}, report)
	if !errors.Is(err, ErrPermanent) || n != 1 {
		t.Errorf("a bad signature: %d attempts, %v; want one attempt and a permanent error", n, err)
	}
	f2 := newFake(t, func(r *http.Request, b map[string]any) string { return "" }, reply(404, "no such hook"))
	if n, err := testSender(t).Send(context.Background(), Channel{Type: ChannelWebhook, URL: f2.URL}, report); !errors.Is(err, ErrPermanent) || n != 1 {
		t.Errorf("a 404: %d attempts, %v", n, err)
	}
	closed, _ := NewGuard("")
	s := testSender(t)
	s.Client = closed.Client(time.Second)
	if n, err := s.Send(context.Background(), Channel{Type: ChannelWebhook, URL: f2.URL}, report); !errors.Is(err, ErrPermanent) || n != 1 {
		t.Errorf("a refused address: %d attempts, %v", n, err)
	}
	if _, err := s.Send(context.Background(), Channel{Type: "fax", URL: f2.URL}, report); !errors.Is(err, ErrPermanent) {
		t.Errorf("an unknown channel: %v", err)
	}
}

func TestSendWeComTwoMessages(t *testing.T) {
	f := newFake(t, func(r *http.Request, b map[string]any) string {
		if b["msgtype"] != "markdown" && b["msgtype"] != "image" {
			return "bad msgtype"
		}
		return ""
	}, reply(200, `{"errcode":45009,"errmsg":"api freq out of limit"}`))
	n, err := testSender(t).Send(context.Background(), Channel{Type: ChannelWeCom, URL: f.URL}, report)
	if err != nil || n != 3 || len(f.bodies) != 3 || f.bodies[2]["msgtype"] != "image" {
		t.Errorf("WeCom: %d attempts, %v, bodies %d", n, err, len(f.bodies))
	}
}

// TestSendRateLimitPerDestination: a destination's limit holds its sends
// back (here: a burst of 2 a minute, so the third cannot go before a
// deadline a second away) while another destination is not held.
func TestSendRateLimitPerDestination(t *testing.T) {
	f := newFake(t, func(r *http.Request, b map[string]any) string { return "" })
	s := testSender(t)
	s.PerMinute = map[string]int{ChannelDingTalk: 20} // burst 2
	ch := Channel{Type: ChannelDingTalk, URL: f.URL + "/a"}
	for i := 0; i < 2; i++ {
		if _, err := s.Send(context.Background(), ch, report); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.Send(ctx, ch, report); err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("the third send within the minute: %v", err)
	}
	if _, err := s.Send(ctx, Channel{Type: ChannelDingTalk, URL: f.URL + "/b"}, report); err != nil {
		t.Errorf("another destination was held back: %v", err)
	}
	if len(f.bodies) != 3 {
		t.Errorf("%d requests reached the platform, want 3", len(f.bodies))
	}
}
