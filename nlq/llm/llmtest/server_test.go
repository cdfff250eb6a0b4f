package llmtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestServerChecksTheWireBasics(t *testing.T) {
	s := New(Text("hi"))
	defer s.Close()
	post := func(path, auth, body string) int {
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("/v1/other", "Bearer k", "{}"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	if code := post("/v1/chat/completions", "", "{}"); code != 401 {
		t.Errorf("no key: %d", code)
	}
	if code := post("/v1/chat/completions", "Bearer k", "{"); code != 400 {
		t.Errorf("bad JSON: %d", code)
	}
	if code := post("/v1/chat/completions", "Bearer k", `{"model":"m","messages":[]}`); code != 200 || len(s.Requests()) != 1 {
		t.Errorf("a good request: %d, %d recorded", code, len(s.Requests()))
	}
}
