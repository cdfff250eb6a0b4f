package feishu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/push"
)

// TestTokenRenewedWhenRejected: when Feishu says the tenant token is no
// longer valid, a new one is fetched and the call made once more.
func TestTokenRenewedWhenRejected(t *testing.T) {
	var mu sync.Mutex
	tokens, sends := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/open-apis/auth/v3/tenant_access_token/internal":
			var in map[string]string
			json.NewDecoder(r.Body).Decode(&in)
			if in["app_id"] != "cli_x" || in["app_secret"] != "sec" {
				w.Write([]byte(`{"code":10003,"msg":"bad app"}`))
				return
			}
			tokens++
			w.Write([]byte(`{"code":0,"tenant_access_token":"t` + string(rune('0'+tokens)) + `","expire":7200}`))
		case "/open-apis/im/v1/messages":
			sends++
			if r.Header.Get("Authorization") != "Bearer t2" {
				w.Write([]byte(`{"code":99991663,"msg":"token expired"}`))
				return
			}
			if r.URL.Query().Get("receive_id_type") != "chat_id" {
				w.Write([]byte(`{"code":230001,"msg":"bad receive_id_type"}`))
				return
			}
			w.Write([]byte(`{"code":0}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	a := New(Config{AppID: "cli_x", AppSecret: "sec", APIBase: srv.URL, Client: &im.Client{}})
	if err := a.Post(context.Background(), "oc_1", push.Report{Title: "t", Narrative: "n"}); err != nil {
		t.Fatal(err)
	}
	if tokens != 2 || sends != 2 {
		t.Fatalf("tokens %d sends %d, want 2 and 2", tokens, sends)
	}
	bad := New(Config{AppID: "cli_x", AppSecret: "wrong", APIBase: srv.URL})
	if err := bad.Post(context.Background(), "oc_1", push.Report{Title: "t"}); err == nil || !strings.Contains(err.Error(), "10003") {
		t.Fatalf("wrong credentials: %v", err)
	}
}
