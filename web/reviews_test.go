package web_test

import (
	"strings"
	"testing"
)

// TestReviewQueue: an answer marked 不对 with a comment reaches the admins'
// queue with its question, reading and query; the queue counts where
// understanding failed; the admin's corrected query (checked dry first)
// becomes a confirmed example in its relative form, so the same question
// asked a month later reads the month before that, and is answered from
// memory.
func TestReviewQueue(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	admin := addStoredUser(t, ts, "boss", "admin", nil, 0)
	user := addStoredUser(t, ts, "li", "hq", nil, 0)
	as := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	// 上个月卖得怎么样 read as sales; the user meant orders and says so.
	code, ans := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的单子"}`, as(user)...)
	if code != 200 {
		t.Fatalf("%d %v", code, ans)
	}
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"天气怎么样"}`, as(user)...)
	code, ans = doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月卖得怎么样"}`, as(user)...)
	if code != 200 || ans["query"] == nil {
		t.Fatalf("%d %v", code, ans)
	}
	conv := ans["conversation_id"].(string)
	code, fb := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"`+conv+`","turn":0,"correct":false,"comment":"我问的是订单数"}`, as(user)...)
	if code != 200 || fb["review"] == nil {
		t.Fatalf("%d %v", code, fb)
	}
	id := fb["review"].(string)

	// Only admins see the queue.
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/feedback", "", as(user)...); code != 403 {
		t.Fatalf("a non-admin read the queue: %d", code)
	}
	code, q := doJSON(t, "GET", ts.URL+"/api/v1/feedback", "", as(admin)...)
	if code != 200 {
		t.Fatalf("%d %v", code, q)
	}
	reviews := q["reviews"].([]any)
	if len(reviews) != 1 {
		t.Fatalf("%v", reviews)
	}
	r := reviews[0].(map[string]any)
	if r["question"] != "上个月卖得怎么样" || r["comment"] != "我问的是订单数" || r["query"] == nil || !strings.Contains(r["reading"].(string), "销售额") || r["state"] != "open" {
		t.Fatalf("%v", r)
	}
	counts := q["counts"].(map[string]any)
	if counts["marked_wrong"].(float64) != 1 || counts["refused"].(float64) != 1 || counts["no_metric"].(float64) != 1 ||
		counts["translators"].(map[string]any)["rules"].(float64) != 1 {
		t.Fatalf("counts %v", counts)
	}

	// A wrong correction is refused as typed; a right one reads back.
	code, dry := doJSON(t, "POST", ts.URL+"/api/v1/feedback/"+id+"/fix", `{"dry":true,"query":{"metrics":["ordrs"]}}`, as(admin)...)
	if code != 400 || !strings.Contains(dry["error"].(map[string]any)["message"].(string), "orders") {
		t.Fatalf("a misspelled metric: %d %v", code, dry)
	}
	fixed := `{"metrics":["orders"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`
	code, dry = doJSON(t, "POST", ts.URL+"/api/v1/feedback/"+id+"/fix", `{"dry":true,"query":`+fixed+`}`, as(admin)...)
	if code != 200 || !strings.Contains(dry["reading"].(map[string]any)["text"].(string), "订单数") {
		t.Fatalf("dry: %d %v", code, dry)
	}
	if code, q = doJSON(t, "GET", ts.URL+"/api/v1/feedback", "", as(admin)...); len(q["reviews"].([]any)) != 1 {
		t.Fatal("a dry check closed the review")
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/feedback/"+id+"/fix", `{"query":`+fixed+`}`, as(admin)...); code != 200 {
		t.Fatalf("fix: %d", code)
	}
	if _, q = doJSON(t, "GET", ts.URL+"/api/v1/feedback", "", as(admin)...); len(q["reviews"].([]any)) != 0 {
		t.Fatalf("still open: %v", q["reviews"])
	}

	// Never wrong again, and 上个月 stays relative.
	_, ans = doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月卖得怎么样"}`, as(user)...)
	if ans["translator"] != "memory" || ans["query"].(map[string]any)["metrics"].([]any)[0] != "orders" {
		t.Fatalf("the fixed question: %v %v", ans["translator"], ans["query"])
	}
	_, ans = doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月卖得怎么样","as_of":"2025-10-15"}`, as(user)...)
	rng := ans["query"].(map[string]any)["time"].(map[string]any)["range"].(map[string]any)
	if rng["start"] != "2025-09-01" || rng["end"] != "2025-09-30" {
		t.Fatalf("asked in October, 上个月 is September: %v", rng)
	}
}
