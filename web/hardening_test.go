package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestJSONBodiesOnly: a cross-site form or text/plain post (sent by a
// browser without asking) is refused; JSON with a charset is fine.
func TestJSONBodiesOnly(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/ask", strings.NewReader(`{"question":"上个月的销售额"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 415 {
			t.Errorf("Content-Type %q: %d, want 415", ct, res.StatusCode)
		}
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/query", strings.NewReader(`{"metrics":["sales"]}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("JSON with a charset: %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	opts := webOptions()
	opts.FrameAncestors = []string{"https://applink.feishu.cn"}
	ts := newTestServer(t, "", 0, opts)
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors https://applink.feishu.cn", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff on the page")
	}
	api, _ := http.Get(ts.URL + "/api/v1/model")
	api.Body.Close()
	if api.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff on the API")
	}
}

// TestWSInvalidUTF8: a text frame that is not UTF-8 fails the connection
// with 1007, as RFC 6455 says.
func TestWSInvalidUTF8(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	c := dial(t, ts)
	if err := c.WriteMessage(websocket.TextMessage, []byte("{\"type\":\"ask\",\"id\":\"a\",\"question\":\"\xff\xfe\"}")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseInvalidFramePayloadData {
		t.Errorf("got %v, want a close with 1007", err)
	}
	// The server keeps serving others.
	other := dial(t, ts)
	sendMsg(t, other, map[string]any{"type": "ask", "id": "b", "question": "上个月的销售额"})
	if evs := readUntil(t, other, "b", "done", "error"); evs[len(evs)-1].Type != "done" {
		t.Errorf("another client got %v", types(evs))
	}
}

// TestDNSRebinding: with no public URL configured, a page whose name
// resolves to this machine (Host and Origin both evil.example) gets
// neither the open demo API nor a websocket; an IP address or localhost is
// fine, and so is a configured public origin.
func TestDNSRebinding(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	get := func(host, origin string) int {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/model", nil)
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	if code := get("evil.example:"+port, ""); code != 403 {
		t.Errorf("demo API by a DNS name: %d", code)
	}
	if code := get("localhost:"+port, ""); code != 200 {
		t.Errorf("demo API by localhost: %d", code)
	}
	h := http.Header{"Origin": {"http://evil.example:" + port}}
	d := websocket.Dialer{NetDial: func(network, _ string) (net.Conn, error) {
		return net.Dial(network, strings.TrimPrefix(ts.URL, "http://"))
	}}
	_, res, err := d.Dial("ws://evil.example:"+port+"/api/v1/ws", h)
	if err == nil || res == nil || res.StatusCode != 403 {
		t.Errorf("websocket by a rebound name: %v %v", err, res)
	}

	opts := webOptions()
	opts.PublicOrigins = []string{"https://bi.example.com"}
	pub := newTestServer(t, "", 0, opts)
	addStoredUser(t, pub, "li", "hq", nil, 0)
	wsURL := "ws" + strings.TrimPrefix(pub.URL, "http") + "/api/v1/ws"
	tok := addStoredUser(t, pub, "wang", "hq", nil, 0)
	for origin, want := range map[string]int{"https://bi.example.com": 101, "https://evil.example": 403, pub.URL: 101} {
		c, res, _ := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {origin}, "Authorization": {"Bearer " + tok}})
		if res == nil || res.StatusCode != want {
			t.Errorf("origin %s: %v, want %d", origin, res, want)
		}
		if c != nil {
			c.Close()
		}
	}
}

// TestSlowBodyCutOff: a client trickling its request body is cut off by
// the read timeout instead of holding a connection for as long as it likes.
func TestSlowBodyCutOff(t *testing.T) {
	opts := webOptions()
	opts.ReadTimeout = 500 * time.Millisecond
	ts := newTestServer(t, "", 0, opts)
	hs := ts.srv.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"question":"上个月的销售额"}`
	fmt.Fprintf(conn, "POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	sent := 0
	for i := 0; i < len(body) && i < 40; i++ {
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			break
		}
		sent++
		time.Sleep(100 * time.Millisecond) // the trickle under test, 10 bytes a second
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode == 200 {
			t.Fatalf("a trickled body was served: %s", data)
		}
	}
	if sent == len(body) && err == nil && res.StatusCode == 200 {
		t.Error("the whole trickled body was read and answered")
	}
}
