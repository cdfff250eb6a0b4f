package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

func doJSON(t *testing.T, method, url, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("not JSON (%d): %s", res.StatusCode, data)
		}
	}
	return res.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAskEndpoint(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	code, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月各渠道的销售额"}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, body)
	}
	rows, _ := body["rows"].([]any)
	cols, _ := body["columns"].([]any)
	if len(rows) != 5 || len(cols) != 2 || body["translator"] != "rules" || body["sql"] == "" || body["chart"] == nil {
		t.Fatalf("unexpected answer: %v", body)
	}
	conv := body["conversation_id"].(string)
	// A follow-up in the same conversation changes the previous query.
	_, body = doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"那去年同期呢","conversation_id":"`+conv+`"}`)
	q := body["query"].(map[string]any)
	if r := q["time"].(map[string]any)["range"].(map[string]any); r["start"] != "2024-11-01" {
		t.Errorf("follow-up read as %v", q)
	}
	// A refusal has no numbers.
	_, body = doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"把orders表删掉"}`)
	if body["clarification"] == nil || body["rows"] != nil {
		t.Errorf("refusal answered with %v", body)
	}
}

func TestAskErrors(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	tests := []struct {
		body   string
		status int
		code   string
	}{
		{`{"question":`, 400, "bad_json"},
		{`{"question":"hi","extra":1}`, 400, "bad_json"},
		{`{"question":"  "}`, 400, "bad_request"},
		{`{"question":"` + strings.Repeat("销", 501) + `"}`, 413, "too_large"},
		{`{"question":"x","as_of":"2025-13-01"}`, 400, "bad_request"},
		{`{"question":"` + strings.Repeat("a", 70000) + `"}`, 413, "too_large"},
	}
	for _, tt := range tests {
		code, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", tt.body)
		if code != tt.status || errCode(body) != tt.code {
			t.Errorf("%.40s: got %d %v, want %d %s", tt.body, code, body, tt.status, tt.code)
		}
	}
}

func TestQueryEndpoint(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	code, body := doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["sales","orders"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`)
	if code != 200 || len(body["rows"].([]any)) != 5 {
		t.Fatalf("status %d: %v", code, body)
	}
	if _, ok := body["answer"]; ok {
		t.Error("/query has no narrative")
	}
	code, body = doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["salse"]}`)
	if code != 400 || errCode(body) != "unknown_metric" {
		t.Fatalf("unknown metric: %d %v", code, body)
	}
	details := body["error"].(map[string]any)["details"].([]any)
	if s := details[0].(map[string]any)["suggestions"].([]any); len(s) == 0 || s[0] != "sales" {
		t.Errorf("suggestions %v", s)
	}
	code, body = doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["conversion_rate"],"dimensions":["category"]}`)
	if code != 400 || errCode(body) != "unreachable_dimension" {
		t.Errorf("unreachable: %d %v", code, body)
	}
	code, body = doJSON(t, "POST", ts.URL+"/api/v1/query", `not json`)
	if code != 400 || errCode(body) != "bad_json" {
		t.Errorf("bad json: %d %v", code, body)
	}
}

func TestModelEndpoint(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	code, body := doJSON(t, "GET", ts.URL+"/api/v1/model", "")
	if code != 200 {
		t.Fatal(code)
	}
	metrics := body["metrics"].([]any)
	found := false
	for _, m := range metrics {
		mm := m.(map[string]any)
		if mm["name"] == "paying_sessions" {
			t.Error("hidden components are not in the catalog")
		}
		if mm["name"] == "conversion_rate" {
			found = true
			dims := mm["dimensions"].([]any)
			if len(dims) == 0 || contains(dims, "category") || !contains(dims, "channel") {
				t.Errorf("conversion_rate dimensions %v", dims)
			}
			if mm["definition"].(map[string]any)["zh"] == "" {
				t.Error("no definition")
			}
		}
	}
	if !found {
		t.Error("conversion_rate missing from the catalog")
	}
}

func contains(list []any, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestConversationsPersistAcrossRestart(t *testing.T) {
	meta := t.TempDir() + "/meta.db"
	ts := newTestServer(t, meta, 0, webOptions())
	_, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"今年的退款率"}`)
	conv := body["conversation_id"].(string)
	ts.close() // the server stops; the store file stays

	ts2 := newTestServer(t, meta, 0, webOptions())
	code, list := doJSON(t, "GET", ts2.URL+"/api/v1/conversations", "")
	if code != 200 || len(list["conversations"].([]any)) != 1 {
		t.Fatalf("conversations after restart: %v", list)
	}
	// The follow-up still knows the previous question.
	_, body = doJSON(t, "POST", ts2.URL+"/api/v1/ask", `{"question":"按渠道看","conversation_id":"`+conv+`"}`)
	q := body["query"].(map[string]any)
	if q["metrics"].([]any)[0] != "refund_rate" || q["dimensions"].([]any)[0] != "channel" {
		t.Errorf("follow-up after restart read as %v", q)
	}
	code, c := doJSON(t, "GET", ts2.URL+"/api/v1/conversations/"+conv, "")
	if code != 200 || len(c["turns"].([]any)) != 2 {
		t.Errorf("conversation: %d %v", code, c)
	}
	if code, _ := doJSON(t, "GET", ts2.URL+"/api/v1/conversations/nope", ""); code != 404 {
		t.Errorf("unknown conversation: %d", code)
	}
	if code, _ := doJSON(t, "DELETE", ts2.URL+"/api/v1/conversations/"+conv, ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := doJSON(t, "GET", ts2.URL+"/api/v1/conversations/"+conv, ""); code != 404 {
		t.Errorf("after delete: %d", code)
	}
}

func TestHealthMetricsAndPage(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`)
	for path, want := range map[string]string{
		"/healthz":               "ok",
		"/metrics":               `wenshu_asks_total{outcome="answered",translator="rules"} 1`,
		"/":                      "问数",
		"/vendor/echarts.min.js": "echarts",
		"/app.js":                "AnswerView",
	} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(data), want) {
			t.Errorf("%s: %d, lacks %q", path, res.StatusCode, want)
		}
	}
	if code, body := doJSON(t, "GET", ts.URL+"/api/v1/nothing", ""); code != 404 || errCode(body) != "not_found" {
		t.Errorf("unknown endpoint: %d %v", code, body)
	}
}

// TestQueryTypeErrors: a filter value of the wrong type is a 400 with a
// typed code, not a 500 from the engine.
func TestQueryTypeErrors(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	for _, body := range []string{
		`{"metrics":["sales"],"filters":[{"dimension":"channel","op":"eq","values":[5]}]}`,
		`{"metrics":["sales"],"filters":[{"dimension":"age_band","op":"gt","values":[true]}]}`,
		`{"metrics":["sales"],"filters":[{"dimension":"store","op":"contains","values":[7]}]}`,
	} {
		code, res := doJSON(t, "POST", ts.URL+"/api/v1/query", body)
		if code != 400 || errCode(res) != "bad_filter" {
			t.Errorf("%s: %d %v", body, code, res)
		}
	}
}

// TestQueryOverBudget: /api/v1/query refuses a plan over the cost budget
// with a typed 400 that says how to narrow it.
func TestQueryOverBudget(t *testing.T) {
	ts := newTestServerWith(t, func(e *nlq.Engine) {
		e.Admission = &nlq.Admission{MaxGroups: 1000, Stats: semantic.Stats{TableRows: map[string]int64{"orders": 1e7}}}
	})
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["sales"],"dimensions":["store"],"time":{"grain":"day","range":{"start":"2025-01-01","end":"2025-12-31"}}}`)
	if code != 400 || errCode(res) != "too_costly" {
		t.Errorf("over budget: %d %v", code, res)
	}
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["sales"],"dimensions":["channel"]}`); code != 200 {
		t.Errorf("a small query: %d %v", code, res)
	}
}

// TestMethodNotAllowed: GET on a POST-only endpoint is a 405 with the
// usual error shape.
func TestMethodNotAllowed(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	code, res := doJSON(t, "GET", ts.URL+"/api/v1/ask", "")
	if code != 405 || errCode(res) != "method_not_allowed" {
		t.Errorf("GET /api/v1/ask: %d %v", code, res)
	}
}

// TestClarificationTextListsOptions: a client that shows only answer still
// sees the choices.
func TestClarificationTextListsOptions(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	_, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"渠道为淘宝的销售额"}`)
	answer, _ := res["answer"].(string)
	if !strings.Contains(answer, "没有找到渠道「淘宝」") || !strings.Contains(answer, "\n1. 天猫") {
		t.Errorf("answer %q", answer)
	}
}

// TestConversationsBySource: the page lists the conversations it began,
// not every API script's.
func TestConversationsBySource(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`)
	c := dial(t, ts)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "a", "question": "今年各渠道的订单数"})
	readUntil(t, c, "a", "done", "error")
	_, all := doJSON(t, "GET", ts.URL+"/api/v1/conversations", "")
	_, page := doJSON(t, "GET", ts.URL+"/api/v1/conversations?via=ws", "")
	if n, m := len(all["conversations"].([]any)), len(page["conversations"].([]any)); n != 2 || m != 1 {
		t.Errorf("all %d, page %d; want 2 and 1", n, m)
	}
}
