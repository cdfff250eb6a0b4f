package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/web"
)

// newUser stores a user straight into the store of a server and refreshes
// its count, as the CLI does before a start.
func addStoredUser(t *testing.T, ts *testServer, name, role string, attrs map[string]string, ttl time.Duration) string {
	t.Helper()
	u, plain, tok, _, err := web.NewUser(ts.srv.Model(), name, role, attrs, "password-"+name, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddUser(context.Background(), u, tok); err != nil {
		t.Fatal(err)
	}
	ts.srv.RefreshUsers(context.Background())
	return plain
}

func TestDemoModeThenAuthentication(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	code, me := doJSON(t, "GET", ts.URL+"/api/v1/me", "")
	if code != 200 || me["demo"] != true {
		t.Fatalf("with no users the server is open demo mode: %d %v", code, me)
	}
	// Even in demo mode, credentials that are presented must be valid.
	if code, res := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer wst_bogus"); code != 401 || errCode(res) != "unauthorized" {
		t.Errorf("a bogus bearer token in demo mode: %d %v", code, res)
	}
	admin := addStoredUser(t, ts, "root", "admin", nil, 0)
	for _, path := range []string{"/api/v1/ask", "/api/v1/query", "/api/v1/conversations", "/api/v1/model", "/api/v1/examples", "/api/v1/users", "/api/v1/audit", "/api/v1/me"} {
		method := "GET"
		if path == "/api/v1/ask" || path == "/api/v1/query" {
			method = "POST"
		}
		code, res := doJSON(t, method, ts.URL+path, `{"question":"上个月的销售额"}`)
		if code != 401 || errCode(res) != "unauthorized" {
			t.Errorf("%s %s without credentials: %d %v", method, path, code, res)
		}
	}
	res, _ := http.Get(ts.URL + "/healthz")
	if res.StatusCode != 200 {
		t.Errorf("/healthz must stay open: %d", res.StatusCode)
	}
	res.Body.Close()
	if code, me := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer "+admin); code != 200 || me["name"] != "root" || me["admin"] != true {
		t.Errorf("the admin token: %d %v", code, me)
	}
	// A websocket without credentials is refused before the upgrade.
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/ws", nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("websocket without credentials: %v %v", err, resp)
	}
}

func TestBadTokens(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	good := addStoredUser(t, ts, "li", "hq", nil, 0)
	expiring := addStoredUser(t, ts, "wang", "hq", nil, time.Millisecond)
	time.Sleep(5 * time.Millisecond) // let the 1 ms token expire
	revoked := addStoredUser(t, ts, "zhao", "hq", nil, 0)
	id, _, _ := identity.ParseToken(revoked)
	u, _ := ts.store.UserByName(context.Background(), "zhao")
	if err := web.RevokeToken(context.Background(), ts.store, u.ID, id); err != nil {
		t.Fatal(err)
	}
	forged := good[:len(good)-4] + "AAAA"
	for name, tc := range map[string]struct{ header, want string }{
		"good":         {"Bearer " + good, ""},
		"expired":      {"Bearer " + expiring, "expired"},
		"revoked":      {"Bearer " + revoked, "revoked"},
		"forged":       {"Bearer " + forged, "not valid"},
		"malformed":    {"Bearer not-a-token", "malformed"},
		"not bearer":   {"Basic " + good, "Bearer TOKEN"},
		"empty bearer": {"Bearer ", "Bearer TOKEN"}, // the header arrives trimmed: "Bearer"
	} {
		t.Run(name, func(t *testing.T) {
			code, res := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", tc.header)
			if tc.want == "" {
				if code != 200 {
					t.Fatalf("%d %v", code, res)
				}
				return
			}
			e, _ := res["error"].(map[string]any)
			if code != 401 || errCode(res) != "unauthorized" || !strings.Contains(fmt.Sprint(e["message"]), tc.want) {
				t.Errorf("%d %v, want 401 saying %q", code, res, tc.want)
			}
		})
	}
}

func TestMissingAttributeRefused(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	tok := addStoredUser(t, ts, "nobody", "region_manager", nil, 0)
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`, "Authorization", "Bearer "+tok)
	e, _ := res["error"].(map[string]any)
	if code != 403 || errCode(res) != "missing_attribute" || !strings.Contains(fmt.Sprint(e["message"]), "region") {
		t.Errorf("a region manager without a region: %d %v", code, res)
	}
	code, res = doJSON(t, "POST", ts.URL+"/api/v1/query", `{"metrics":["sales"]}`, "Authorization", "Bearer "+tok)
	if code != 403 || errCode(res) != "missing_attribute" || res["rows"] != nil {
		t.Errorf("query: %d %v", code, res)
	}
	c := dialAs(t, ts, tok)
	sendMsg(t, c, map[string]any{"type": "ask", "id": "a", "question": "上个月的销售额"})
	evs := readUntil(t, c, "a", "done", "error")
	if last := evs[len(evs)-1]; last.Type != "error" || !strings.Contains(string(last.Data), "missing_attribute") {
		t.Errorf("websocket: %v %s", types(evs), last.Data)
	}
}

func TestPageSessionCookie(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	addStoredUser(t, ts, "chen", "region_manager", map[string]string{"region": "华南"}, 0)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	post := func(path, body string, hdr ...string) *http.Response {
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/api/v1/login", `{"name":"chen","password":"wrong-password"}`); res.StatusCode != 401 {
		t.Fatalf("a wrong password: %d", res.StatusCode)
	}
	res := post("/api/v1/login", `{"name":"chen","password":"password-chen"}`)
	if res.StatusCode != 200 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	setCookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{web.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, want)
		}
	}
	get, _ := client.Get(ts.URL + "/api/v1/me")
	var me map[string]any
	json.NewDecoder(get.Body).Decode(&me)
	get.Body.Close()
	if me["name"] != "chen" || me["role"] != "region_manager" {
		t.Fatalf("/me with the cookie: %v", me)
	}
	// A cookie-authenticated write from another site is refused.
	if res := post("/api/v1/ask", `{"question":"上个月的销售额"}`, "Origin", "https://evil.example"); res.StatusCode != 403 {
		t.Errorf("cross-origin ask with the cookie: %d", res.StatusCode)
	}
	if res := post("/api/v1/ask", `{"question":"上个月的销售额"}`, "Origin", ts.URL); res.StatusCode != 200 {
		t.Errorf("same-origin ask with the cookie: %d", res.StatusCode)
	}
	// The websocket authenticates by the cookie, from the page's origin only.
	cookie := "wenshu_session=" + cookieValue(jar, ts.URL)
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/ws"
	_, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Cookie": {cookie}, "Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("websocket with the cookie from another origin: %v %v", err, resp)
	}
	c, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Cookie": {cookie}, "Origin": {ts.URL}})
	if err != nil {
		t.Fatalf("websocket with the cookie from the page: %v", err)
	}
	defer c.Close()
	sendMsg(t, c, map[string]any{"type": "ask", "id": "a", "question": "上个月各大区的销售额"})
	evs := readUntil(t, c, "a", "done", "error")
	for _, ev := range evs {
		if ev.Type == "rows" && (strings.Contains(string(ev.Data), "华东") || !strings.Contains(string(ev.Data), "华南")) {
			t.Errorf("rows over the cookie socket: %s", ev.Data)
		}
	}
	// Signing out ends the session.
	post("/api/v1/logout", "")
	get, _ = client.Get(ts.URL + "/api/v1/me")
	get.Body.Close()
	if get.StatusCode != 401 {
		t.Errorf("after sign-out: %d", get.StatusCode)
	}
}

func cookieValue(jar http.CookieJar, rawURL string) string {
	req, _ := http.NewRequest("GET", rawURL, nil)
	for _, c := range jar.Cookies(req.URL) {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestConversationsArePrivate(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	a := addStoredUser(t, ts, "a", "hq", nil, 0)
	b := addStoredUser(t, ts, "b", "hq", nil, 0)
	_, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`, "Authorization", "Bearer "+a)
	conv := res["conversation_id"].(string)
	if len(conv) < 32 {
		t.Errorf("conversation id %q is short enough to guess", conv)
	}
	_, list := doJSON(t, "GET", ts.URL+"/api/v1/conversations", "", "Authorization", "Bearer "+b)
	if n := len(list["conversations"].([]any)); n != 0 {
		t.Errorf("b lists %d of a's conversations", n)
	}
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/v1/conversations/" + conv, ""},
		{"DELETE", "/api/v1/conversations/" + conv, ""},
		{"POST", "/api/v1/ask", `{"question":"那去年同期呢","conversation_id":"` + conv + `"}`},
		{"POST", "/api/v1/feedback", `{"conversation_id":"` + conv + `","turn":0,"correct":true}`},
	} {
		if code, res := doJSON(t, req.method, ts.URL+req.path, req.body, "Authorization", "Bearer "+b); code != 404 {
			t.Errorf("b %s %s: %d %v", req.method, req.path, code, res)
		}
	}
	_, list = doJSON(t, "GET", ts.URL+"/api/v1/conversations", "", "Authorization", "Bearer "+a)
	if n := len(list["conversations"].([]any)); n != 1 {
		t.Fatalf("a lists %d conversations", n)
	}
	if c, _ := ts.store.Conversation(context.Background(), list["conversations"].([]any)[0].(map[string]any)["owner"].(string), conv); c == nil || len(c.Turns) != 1 {
		t.Errorf("a's conversation changed: %+v", c)
	}
}

func TestAdminOnlyAndAudit(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	root := addStoredUser(t, ts, "root", "admin", nil, 0)
	south := addStoredUser(t, ts, "south", "region_manager", map[string]string{"region": "华南"}, 0)
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/api/v1/examples", `{"question":"x","query":{"metrics":["sales"]}}`},
		{"GET", "/api/v1/users", ""},
		{"POST", "/api/v1/users", `{"name":"eve","role":"admin"}`},
		{"DELETE", "/api/v1/users/root", ""},
		{"POST", "/api/v1/users/root/tokens", ""},
		{"GET", "/api/v1/audit", ""},
	} {
		if code, res := doJSON(t, req.method, ts.URL+req.path, req.body, "Authorization", "Bearer "+south); code != 403 || errCode(res) != "forbidden" {
			t.Errorf("a region manager %s %s: %d %v", req.method, req.path, code, res)
		}
	}
	// Examples the asker could not run are not listed to them.
	for _, body := range []string{`{"question":"华东的销售额","query":{"metrics":["sales"],"filters":[{"dimension":"region","op":"eq","values":["华东"]}]}}`,
		`{"question":"转化率","query":{"metrics":["conversion_rate"]}}`, `{"question":"销售额","query":{"metrics":["sales"]}}`} {
		if code, res := doJSON(t, "POST", ts.URL+"/api/v1/examples", body, "Authorization", "Bearer "+root); code != 201 {
			t.Fatalf("admin adds an example: %d %v", code, res)
		}
	}
	_, ex := doJSON(t, "GET", ts.URL+"/api/v1/examples", "", "Authorization", "Bearer "+south)
	if list := ex["examples"].([]any); len(list) != 1 || list[0].(map[string]any)["question"] != "销售额" {
		t.Errorf("the region manager sees examples %v", list)
	}
	// The catalog lists what the role may see.
	_, cat := doJSON(t, "GET", ts.URL+"/api/v1/model", "", "Authorization", "Bearer "+south)
	data, _ := json.Marshal(cat)
	for _, hidden := range []string{`"conversion_rate"`, `"members"`, `"华东"`} {
		if strings.Contains(string(data), hidden) {
			t.Errorf("the region manager's catalog lists %s", hidden)
		}
	}
	if !strings.Contains(string(data), `"sales"`) || !strings.Contains(string(data), `"华南"`) {
		t.Errorf("the region manager's catalog lacks sales or 华南")
	}
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`, "Authorization", "Bearer "+south)
	doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月华东的销售额"}`, "Authorization", "Bearer "+south)
	code, audit := doJSON(t, "GET", ts.URL+"/api/v1/audit?user=south", "", "Authorization", "Bearer "+root)
	entries, _ := audit["entries"].([]any)
	if code != 200 || len(entries) != 2 {
		t.Fatalf("audit: %d %v", code, audit)
	}
	refused, answered := entries[0].(map[string]any), entries[1].(map[string]any)
	if refused["outcome"] != "refused" || refused["error"] != "outside_access" || answered["outcome"] != "answered" ||
		answered["rows"] != 1.0 || len(fmt.Sprint(answered["sql_hash"])) != 16 || answered["role"] != "region_manager" || answered["translator"] != "rules" {
		t.Errorf("audit entries %v", entries)
	}
}

func TestAuditIsBounded(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	for i := 0; i < 30; i++ {
		if err := ts.store.AppendAudit(context.Background(), web.AuditEntry{User: fmt.Sprint("u", i)}, 10); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ts.store.Audit(context.Background(), "", 100)
	if err != nil || len(got) != 10 || got[0].User != "u29" || got[9].User != "u20" {
		t.Errorf("kept %d entries (%v)", len(got), err)
	}
}

func TestRateLimit(t *testing.T) {
	opts := webOptions()
	opts.RateLimit, opts.RateBurst = 0.5, 3
	ts := newTestServer(t, "", 0, opts)
	a := addStoredUser(t, ts, "a", "hq", nil, 0)
	b := addStoredUser(t, ts, "b", "hq", nil, 0)
	var last int
	var retry string
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+a)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		last, retry = res.StatusCode, res.Header.Get("Retry-After")
	}
	if last != 429 || retry == "" || retry == "0" {
		t.Errorf("the 4th request in a burst of 3: %d, Retry-After %q", last, retry)
	}
	// Another user is not slowed by a's requests.
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer "+b); code != 200 {
		t.Errorf("another user: %d", code)
	}
	// Websocket asks count too: b has 2 left after the upgrade, then an error event.
	c := dialAs(t, ts, b)
	var codes []string
	for i := 0; i < 3; i++ {
		id := fmt.Sprint("r", i)
		sendMsg(t, c, map[string]any{"type": "ask", "id": id, "question": "上个月的销售额"})
		evs := readUntil(t, c, id, "done", "error")
		last := evs[len(evs)-1]
		codes = append(codes, last.Type)
		if last.Type == "error" && !strings.Contains(string(last.Data), "rate_limited") {
			t.Errorf("error event %s", last.Data)
		}
	}
	if strings.Join(codes, ",") != "done,error,error" {
		t.Errorf("websocket asks over the limit: %v", codes)
	}
}

func TestUserAdminAPI(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	root := addStoredUser(t, ts, "root", "admin", nil, 0)
	auth := []string{"Authorization", "Bearer " + root}
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"zhou","role":"store_manager","attrs":{"stores":"广州万象城店"}}`, auth...)
	if code != 201 || !strings.HasPrefix(fmt.Sprint(res["token"]), "wst_") {
		t.Fatalf("add: %d %v", code, res)
	}
	tok := res["token"].(string)
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"zhou","role":"hq"}`, auth...); code != 409 {
		t.Errorf("a second zhou: %d %v", code, res)
	}
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"x","role":"regoin_manager"}`, auth...); code != 400 || errCode(res) != "unknown_role" {
		t.Errorf("an unknown role: %d %v", code, res)
	}
	_, users := doJSON(t, "GET", ts.URL+"/api/v1/users", "", auth...)
	data, _ := json.Marshal(users)
	if strings.Contains(string(data), "password_hash") || !strings.Contains(string(data), "zhou") {
		t.Errorf("user list %s", data)
	}
	// Changing attributes changes the scope at once.
	if code, res := doJSON(t, "PATCH", ts.URL+"/api/v1/users/zhou", `{"attrs":{"stores":"深圳万象城店"}}`, auth...); code != 200 {
		t.Fatalf("patch: %d %v", code, res)
	}
	_, ans := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月各门店的销售额"}`, "Authorization", "Bearer "+tok)
	if rows := fmt.Sprint(ans["rows"]); !strings.Contains(rows, "深圳万象城店") || strings.Contains(rows, "广州万象城店") {
		t.Errorf("after the change the rows are %s", rows)
	}
	if answer := fmt.Sprint(ans["answer"]); !strings.HasSuffix(answer, "（仅含门店为深圳万象城店的数据）") {
		t.Errorf("the narrative does not say whose rows it covers: %q", answer)
	}
	// A second token; revoking the first leaves the second working.
	_, nt := doJSON(t, "POST", ts.URL+"/api/v1/users/zhou/tokens", `{"expires_in":"1h"}`, auth...)
	second := nt["token"].(string)
	id, _, _ := identity.ParseToken(tok)
	if code, _ := doJSON(t, "DELETE", ts.URL+"/api/v1/users/zhou/tokens/"+id, "", auth...); code != 204 {
		t.Errorf("revoke: %d", code)
	}
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer "+tok); code != 401 {
		t.Errorf("the revoked token: %d", code)
	}
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer "+second); code != 200 {
		t.Errorf("the second token: %d", code)
	}
	if code, _ := doJSON(t, "DELETE", ts.URL+"/api/v1/users/zhou", "", auth...); code != 204 {
		t.Errorf("remove: %d", code)
	}
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/me", "", "Authorization", "Bearer "+second); code != 401 {
		t.Errorf("a removed user's token: %d", code)
	}
}
