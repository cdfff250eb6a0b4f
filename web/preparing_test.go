package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/web"
)

// TestPreparing: during a first start /healthz says 503 with the step and
// progress, the API says preparing, the page shows a progress bar; after
// the swap the real handler answers.
func TestPreparing(t *testing.T) {
	p := web.NewProgress()
	p.Set("orders", 5, 10)
	swap := web.NewSwap(web.PreparingHandler(p))
	ts := httptest.NewServer(swap)
	defer ts.Close()
	res, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if res.StatusCode != 503 || h["status"] != "preparing" || h["step"] != "orders" || h["progress"] != 0.5 {
		t.Errorf("/healthz while preparing: %d %v", res.StatusCode, h)
	}
	if code, body := doJSON(t, "GET", ts.URL+"/readyz", ""); code != 503 || body["status"] != "preparing" {
		t.Errorf("/readyz while preparing: %d %v", code, body)
	}
	code, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`)
	if code != 503 || errCode(body) != "preparing" {
		t.Errorf("ask while preparing: %d %v", code, body)
	}
	page, _ := http.Get(ts.URL + "/")
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(buf.String(), "正在准备") || !strings.Contains(buf.String(), "/healthz") {
		t.Errorf("page while preparing: %d", page.StatusCode)
	}
	swap.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	res, _ = http.Get(ts.URL + "/healthz")
	res.Body.Close()
	if res.StatusCode != http.StatusTeapot {
		t.Errorf("after the swap: %d", res.StatusCode)
	}
}
