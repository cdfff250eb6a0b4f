package web_test

import (
	"fmt"
	"testing"
)

func TestFeedbackAndExamples(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	_, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"今年各渠道的客单价"}`)
	conv := body["conversation_id"].(string)
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"`+conv+`","turn":0,"correct":true}`); code != 200 || res["stored"] != true {
		t.Fatalf("feedback: %d %v", code, res)
	}
	// The confirmed pair now answers the same question directly.
	if _, again := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"今年各渠道的客单价"}`); again["translator"] != "memory" {
		t.Errorf("a confirmed question was translated again by %v", again["translator"])
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"`+conv+`","turn":5,"correct":true}`); code != 400 {
		t.Errorf("feedback on a missing turn: %d", code)
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"nope","turn":0,"correct":true}`); code != 404 {
		t.Errorf("feedback on a missing conversation: %d", code)
	}
	// An admin pair must be a valid query.
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/examples", `{"question":"老板最关心的数","query":{"metrics":["salse"]}}`)
	if code != 400 || errCode(res) != "unknown_metric" {
		t.Errorf("invalid example: %d %v", code, res)
	}
	code, _ = doJSON(t, "POST", ts.URL+"/api/v1/examples", `{"question":"老板最关心的数","query":{"metrics":["gmv"],"dimensions":["region"]}}`)
	if code != 201 {
		t.Fatalf("add example: %d", code)
	}
	_, list := doJSON(t, "GET", ts.URL+"/api/v1/examples", "")
	if n := len(list["examples"].([]any)); n != 2 {
		t.Errorf("%d examples", n)
	}
}

func TestAdminToken(t *testing.T) {
	opts := webOptions()
	opts.AdminToken = "s3cret"
	ts := newTestServer(t, "", 0, opts)
	body := `{"question":"x","query":{"metrics":["gmv"]}}`
	// A configured admin token ends open demo mode: nothing is anonymous.
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/examples", body); code != 401 {
		t.Errorf("without the token: %d", code)
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/examples", body, "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("with a wrong token: %d", code)
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/examples", body, "Authorization", "Bearer s3cret"); code != 201 {
		t.Errorf("with the token: %d", code)
	}
}

// TestExamplesKeepRelativeTime: a confirmed 上个月的销售额 asked on another day
// answers that day's last month; a question with no time gets that day's
// default; a follow-up is never confirmed for everyone.
func TestExamplesKeepRelativeTime(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	confirm := func(question string) {
		t.Helper()
		_, body := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"`+question+`","as_of":"2025-12-31"}`)
		conv := body["conversation_id"].(string)
		if code, res := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"`+conv+`","turn":0,"correct":true}`); code != 200 || res["stored"] != true {
			t.Fatalf("confirm %s: %d %v", question, code, res)
		}
	}
	rangeOf := func(res map[string]any) string {
		q, _ := res["query"].(map[string]any)
		tm, _ := q["time"].(map[string]any)
		r, _ := tm["range"].(map[string]any)
		return fmt.Sprint(r["start"], "..", r["end"])
	}
	confirm("上个月各渠道的销售额")
	confirm("各渠道的客单价")
	for _, tc := range []struct{ q, asOf, want string }{
		{"上个月各渠道的销售额", "2026-02-15", "2026-01-01..2026-01-31"},
		{"上个月各渠道的销售额", "2025-12-31", "2025-11-01..2025-11-30"},
		{"各渠道的客单价", "2026-02-15", "2026-01-01..2026-02-15"},
	} {
		_, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"`+tc.q+`","as_of":"`+tc.asOf+`"}`)
		if res["translator"] != "memory" || rangeOf(res) != tc.want {
			t.Errorf("%s as of %s: %v %s, want the example over %s", tc.q, tc.asOf, res["translator"], rangeOf(res), tc.want)
		}
	}
	// A follow-up means its conversation only.
	_, first := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月华东的销售额"}`)
	conv := first["conversation_id"].(string)
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"同比呢","conversation_id":"`+conv+`"}`)
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/feedback", `{"conversation_id":"`+conv+`","turn":1,"correct":true}`)
	if code != 200 || res["stored"] != false {
		t.Errorf("confirming a follow-up: %d %v", code, res)
	}
	_, fresh := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"同比呢"}`)
	if fresh["translator"] == "memory" {
		t.Errorf("a follow-up was replayed outside its conversation: %v", fresh["query"])
	}
}
