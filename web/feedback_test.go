package web_test

import (
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
