package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/nlq/llm"
	"github.com/wenshu-bi/wenshu/nlq/llm/llmtest"
	"github.com/wenshu-bi/wenshu/web"
)

// webOptions are the tests' server options: no rate limit, since many
// tests share one loopback address (the rate-limit tests set their own).
func webOptions() web.Options { return web.Options{RateLimit: -1} }

type event struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

func dial(t *testing.T, ts *testServer) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func sendMsg(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
}

// readUntil reads events until one of type final arrives for id (or any
// error when id is ""), failing after a generous bound.
func readUntil(t *testing.T, c *websocket.Conn, id string, final ...string) []event {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	var out []event
	for {
		var ev event
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("read: %v (after %v)", err, types(out))
		}
		if id != "" && ev.ID != id {
			out = append(out, ev)
			continue
		}
		out = append(out, ev)
		for _, f := range final {
			if ev.Type == f {
				return out
			}
		}
	}
}

func types(evs []event) []string {
	var s []string
	for _, e := range evs {
		s = append(s, e.ID+":"+e.Type)
	}
	return s
}

func ofID(evs []event, id string) []string {
	var s []string
	for _, e := range evs {
		if e.ID == id && (len(s) == 0 || s[len(s)-1] != e.Type) {
			s = append(s, e.Type)
		}
	}
	return s
}

func TestWSEventOrder(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "q1", "question": "上个月各渠道的销售额"})
	evs := readUntil(t, c, "q1", "done", "error")
	want := "accepted query sql columns rows chart answer_delta done"
	if got := strings.Join(ofID(evs, "q1"), " "); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	var rows [][]any
	for _, e := range evs {
		if e.Type == "rows" {
			var chunk [][]any
			json.Unmarshal(e.Data, &chunk)
			rows = append(rows, chunk...)
		}
	}
	if len(rows) != 5 {
		t.Errorf("%d rows", len(rows))
	}
	// A clarification ends the ask too.
	sendMsg(t, c, map[string]any{"type": "ask", "id": "q2", "question": "明天上海会下雨吗"})
	evs = readUntil(t, c, "q2", "done", "error")
	if got := strings.Join(ofID(evs, "q2"), " "); got != "accepted clarify done" {
		t.Errorf("refusal events %s", got)
	}
}

func TestWSTwoAsksInFlight(t *testing.T) {
	ts := newTestServer(t, "", 300*time.Millisecond, webOptions())
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "a", "question": "今年各渠道的订单数"})
	sendMsg(t, c, map[string]any{"type": "ask", "id": "b", "question": "今年各品类的销售额"})
	var all []event
	done := map[string]bool{}
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	for !done["a"] || !done["b"] {
		var ev event
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatal(err)
		}
		all = append(all, ev)
		if ev.Type == "done" || ev.Type == "error" {
			done[ev.ID] = true
		}
	}
	for _, id := range []string{"a", "b"} {
		if got := strings.Join(ofID(all, id), " "); got != "accepted query sql columns rows chart answer_delta done" {
			t.Errorf("%s: %s", id, got)
		}
	}
	// Both were in flight together: b was accepted before a finished.
	firstDoneA, acceptedB := -1, -1
	for i, e := range all {
		if e.ID == "a" && e.Type == "done" && firstDoneA < 0 {
			firstDoneA = i
		}
		if e.ID == "b" && e.Type == "accepted" {
			acceptedB = i
		}
	}
	if acceptedB > firstDoneA {
		t.Errorf("asks ran one after the other: %v", types(all))
	}
}

func TestWSCancel(t *testing.T) {
	ts := newTestServer(t, "", time.Hour, webOptions())
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "slow", "question": "今年各渠道的订单数"})
	readUntil(t, c, "slow", "sql")
	sendMsg(t, c, map[string]any{"type": "cancel", "id": "slow"})
	evs := readUntil(t, c, "slow", "done", "error")
	last := evs[len(evs)-1]
	if last.Type != "error" || !strings.Contains(string(last.Data), `"canceled"`) {
		t.Fatalf("after cancel: %s %s", last.Type, last.Data)
	}
	// The socket is still usable, and canceling nothing is an error event.
	sendMsg(t, c, map[string]any{"type": "cancel", "id": "nope"})
	evs = readUntil(t, c, "nope", "error")
	if !strings.Contains(string(evs[len(evs)-1].Data), "not_found") {
		t.Errorf("cancel of unknown id: %s", evs[len(evs)-1].Data)
	}
}

func TestWSBadMessagesKeepTheSocket(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	c := dial(t, ts)
	check := func(payload, code string) {
		t.Helper()
		if err := c.WriteMessage(websocket.TextMessage, []byte(payload)); err != nil {
			t.Fatal(err)
		}
		evs := readUntil(t, c, "", "error")
		if !strings.Contains(string(evs[len(evs)-1].Data), `"`+code+`"`) {
			t.Errorf("%.30s: got %s, want %s", payload, evs[len(evs)-1].Data, code)
		}
	}
	check(`{"type":`, "bad_json")
	check(`{"type":"dance"}`, "bad_request")
	check(`{"type":"ask","id":"x","question":"`+strings.Repeat("a", 20000)+`"}`, "too_large")
	check(`{"type":"ask","question":"上个月的销售额"}`, "bad_request")
	check(`{"type":"ask","id":"e","question":""}`, "bad_request")
	sendMsg(t, c, map[string]any{"type": "ask", "id": "ok", "question": "上个月的销售额"})
	evs := readUntil(t, c, "ok", "done", "error")
	if evs[len(evs)-1].Type != "done" {
		t.Errorf("after bad messages: %v", types(evs))
	}
}

// TestWSSlowReader: a client that never reads is dropped once its bounded
// queue fills, and another client is served meanwhile.
func TestWSSlowReader(t *testing.T) {
	opts := webOptions()
	opts.WS.SendQueue = 16
	ts := newTestServer(t, "", 0, opts)
	dialer := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		conn, err := net.Dial(network, addr)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096) // a small window, so the server's writes back up
		}
		return conn, err
	}}
	slow, _, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := dial(t, ts)
	// The slow client asks for big results and never reads.
	for i := 0; i < 300; i++ {
		slow.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if err := slow.WriteJSON(map[string]any{"type": "ask", "id": fmt.Sprint("s", i), "question": "今年各商品的销售额"}); err != nil {
			break // dropped
		}
		if dropped(t, ts) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sendMsg(t, fast, map[string]any{"type": "ask", "id": "f", "question": "上个月各渠道的销售额"})
	evs := readUntil(t, fast, "f", "done", "error")
	if evs[len(evs)-1].Type != "done" {
		t.Errorf("the other client got %v", types(evs))
	}
	deadline := time.Now().Add(30 * time.Second)
	for dropped(t, ts) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if dropped(t, ts) == 0 {
		t.Fatal("the slow client was never dropped")
	}
}

func dropped(t *testing.T, ts *testServer) int {
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "wenshu_ws_slow_clients_dropped_total ") {
			var n int
			fmt.Sscan(strings.TrimPrefix(line, "wenshu_ws_slow_clients_dropped_total "), &n)
			return n
		}
	}
	return 0
}

// TestWSWithLLM streams the LLM narrative through the socket as several
// answer_delta events, and exports the LLM's calls as metrics.
func TestWSWithLLM(t *testing.T) {
	fake := llmtest.New(
		llmtest.ToolCall("semantic_query", `{"metrics":["sales"],"dimensions":["channel"],"time_range":"default"}`),
		llmtest.StreamText("今年门店的销售额最高。其余渠道依次排后。"))
	defer fake.Close()
	ts := newTestServerWith(t, func(e *nlq.Engine) {
		e.LLM = &nlq.LLMTranslator{Model: e.Model, Lex: e.Rules.Lexicon(),
			Chat: llm.New(llm.Config{APIKey: "k", BaseURL: fake.BaseURL(), RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})}
	})
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "l", "question": "最近生意怎么样，给我看看渠道情况"})
	evs := readUntil(t, c, "l", "done", "error")
	var deltas []string
	for _, e := range evs {
		if e.Type == "answer_delta" {
			var s string
			json.Unmarshal(e.Data, &s)
			deltas = append(deltas, s)
		}
		if e.Type == "query" && !strings.Contains(string(e.Data), `"translator":"llm"`) {
			t.Errorf("query event %s", e.Data)
		}
	}
	if strings.Join(deltas, "") != "今年门店的销售额最高。其余渠道依次排后。" || len(deltas) != 2 {
		t.Errorf("deltas %q", deltas)
	}
	res, _ := http.Get(ts.URL + "/metrics")
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`wenshu_llm_calls_total{outcome="ok",purpose="translate"} 1`, `wenshu_llm_tokens_total{kind="prompt",purpose="translate"} 120`,
		`wenshu_asks_total{outcome="answered",translator="llm"} 1`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestWSDisconnectCancelsTheLLM: when the asker goes away mid-ask, the
// upstream LLM request is canceled.
func TestWSDisconnectCancelsTheLLM(t *testing.T) {
	fake := llmtest.New(llmtest.Hang())
	defer fake.Close()
	ts := newTestServerWith(t, func(e *nlq.Engine) {
		e.LLMTimeout = time.Minute
		e.LLM = &nlq.LLMTranslator{Model: e.Model, Lex: e.Rules.Lexicon(), Chat: llm.New(llm.Config{APIKey: "k", BaseURL: fake.BaseURL()})}
	})
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "x", "question": "最近生意怎么样，给我看看渠道情况"})
	readUntil(t, c, "x", "accepted")
	for len(fake.Requests()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	select {
	case <-fake.Canceled:
	case <-time.After(30 * time.Second):
		t.Fatal("the upstream request outlived the asker")
	}
}

// TestShutdownEndsAsksAndSockets: shutting down cancels websocket asks,
// closes the sockets with "going away", and waits for its goroutines.
func TestShutdownEndsAsksAndSockets(t *testing.T) {
	ts := newTestServer(t, "", time.Hour, webOptions())
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "s", "question": "今年各渠道的订单数"})
	readUntil(t, c, "s", "sql")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts.srv.Shutdown(ctx)
	if ctx.Err() != nil {
		t.Fatal("shutdown did not finish")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var ev event
		err := c.ReadJSON(&ev)
		if err == nil {
			continue // the canceled ask's error event
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("socket ended with %v, want going away", err)
		}
		break
	}
}

// TestPingKeepsIdleSocketsOpen: with pings every 50 ms and a 150 ms pong
// wait, an idle reader stays connected well past the wait.
func TestPingKeepsIdleSocketsOpen(t *testing.T) {
	opts := webOptions()
	opts.WS.PingInterval, opts.WS.PongWait = 50*time.Millisecond, 150*time.Millisecond
	ts := newTestServer(t, "", 0, opts)
	c := dial(t, ts)
	pings := 0
	c.SetPingHandler(func(data string) error {
		pings++
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	// Read (answering pings) for a while with nothing else to do.
	c.SetReadDeadline(time.Now().Add(600 * time.Millisecond))
	var ev event
	err := c.ReadJSON(&ev)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("the idle socket was closed: %v", err)
	}
	if pings < 3 {
		t.Errorf("%d pings", pings)
	}
	// Still usable after the read deadline is lifted.
	c2 := dial(t, ts)
	sendMsg(t, c2, map[string]any{"type": "ask", "id": "p", "question": "上个月的销售额"})
	if evs := readUntil(t, c2, "p", "done", "error"); evs[len(evs)-1].Type != "done" {
		t.Error("server unusable")
	}
}
