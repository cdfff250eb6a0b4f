package push

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The expected signatures were computed independently with openssl:
//
//	printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nSECabc123')" -binary | base64
//	printf '1700000000000\nSECabc123' | openssl dgst -sha256 -hmac 'SECabc123' -binary | base64
func TestSignatures(t *testing.T) {
	if got := FeishuSign("SECabc123", 1700000000); got != "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70=" {
		t.Errorf("Feishu sign %s", got)
	}
	if got := DingTalkSign("SECabc123", 1700000000000); got != "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=" {
		t.Errorf("DingTalk sign %s", got)
	}
	u, err := DingTalkURL("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc123", 1700000000000)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(u)
	if q := parsed.Query(); q.Get("access_token") != "abc" || q.Get("timestamp") != "1700000000000" || q.Get("sign") != "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=" {
		t.Errorf("DingTalk URL %s", u)
	}
	if !strings.Contains(u, "sign=N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D") {
		t.Errorf("the sign is not URL-encoded: %s", u)
	}
}

func TestGuard(t *testing.T) {
	g, err := NewGuard("hooks.internal, 10.1.0.0/16, 192.168.5.5")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.2.0.1": false, "172.16.0.1": false, "192.168.1.1": false,
		"10.1.2.3": true, "192.168.5.5": true, "169.254.169.254": false, "fe80::1": false, "0.0.0.0": false,
		"::ffff:127.0.0.1": false,
	} {
		if got := g.allowed("x.example", netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: allowed %v, want %v", addr, got, want)
		}
	}
	if !g.allowed("hooks.internal", netip.MustParseAddr("10.9.9.9")) || g.allowed("hooks.internal", netip.MustParseAddr("169.254.169.254")) {
		t.Error("a host allowed by name may reach private addresses but never link-local ones")
	}
	if _, err := NewGuard("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	ctx := context.Background()
	for _, bad := range []string{"ftp://example.com/x", "http://", "not a url", "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/latest"} {
		if err := g.CheckURL(ctx, bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

// TestClientRefusesLoopback: the client will not connect to a loopback
// server unless the operator allows it, and never follows a redirect.
func TestClientRefusesLoopback(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/hook", http.StatusFound)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	closed, _ := NewGuard("")
	_, err := closed.Client(5 * time.Second).Get(srv.URL + "/hook")
	if !errors.Is(err, ErrForbiddenAddress) || hits != 0 {
		t.Fatalf("a loopback webhook: %v (%d hits)", err, hits)
	}
	open, _ := NewGuard("127.0.0.0/8")
	res, err := open.Client(5 * time.Second).Get(srv.URL + "/hook")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("an allowed loopback webhook: %v", err)
	}
	res.Body.Close()
	if _, err := open.Client(5 * time.Second).Get(srv.URL + "/redirect"); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("a redirect was followed: %v", err)
	}
}
