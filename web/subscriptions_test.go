package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/web"
)

// TestSubscriptions: a subscription is checked at creation, sends now on
// request as its owner, runs once for a scheduled tick however often the
// scheduler looks, and never shows its secret.
func TestSubscriptions(t *testing.T) {
	var mu sync.Mutex
	clock := time.Unix(1700000000, 0)
	var hooks []map[string]any
	var feishu []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		mu.Lock()
		hooks = append(hooks, m)
		mu.Unlock()
	}))
	defer hook.Close()
	lark := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		mu.Lock()
		feishu = append(feishu, m)
		mu.Unlock()
		w.Write([]byte(`{"code":0,"msg":"success"}`))
	}))
	defer lark.Close()
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	opts.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	opts.PublicOrigins = []string{"https://bi.example.com"}
	ts := newTestServer(t, "", 0, opts)
	south := addStoredUser(t, ts, "south", "region_manager", map[string]string{"region": "华南"}, 0)
	other := addStoredUser(t, ts, "other", "hq", nil, 0)
	auth := []string{"Authorization", "Bearer " + south}
	channels := `[{"type":"webhook","url":"` + hook.URL + `/h"},{"type":"feishu","url":"` + lark.URL + `/bot","secret":"SECabc123"}]`
	for body, want := range map[string]string{
		`{"question":"上周各渠道的销售额","schedule":"0 9 * *","channels":` + channels + `}`:                            "5 fields",
		`{"question":"上周各渠道的销售额","schedule":"0 9 * * 1","channels":[{"type":"fax","url":"` + hook.URL + `"}]}`: "unknown type",
		`{"question":"你好","schedule":"0 9 * * 1","channels":` + channels + `}`:                                 "cannot be answered",
		`{"question":"上周的转化率","schedule":"0 9 * * 1","channels":` + channels + `}`:                             "not available to the role",
		`{"question":"上周华东的销售额","schedule":"0 9 * * 1","channels":` + channels + `}`:                           "华东",
		`{"question":"上周各渠道的销售额","schedule":"0 9 * * 1","channels":[]}`:                                        "1 to 10 channels",
	} {
		code, res := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions", body, auth...)
		if code < 400 || !strings.Contains(fmt_(res), want) {
			t.Errorf("%s: %d %v, want an error about %q", body, code, res, want)
		}
	}
	code, sub := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions", `{"question":"上周各渠道的销售额","schedule":"0 9 * * 1","channels":`+channels+`}`, auth...)
	if code != 201 || sub["timezone"] != "Asia/Shanghai" || strings.Contains(fmt_(sub), "SECabc123") {
		t.Fatalf("create: %d %v", code, sub)
	}
	id := sub["id"].(string)
	if code, _ := doJSON(t, "GET", ts.URL+"/api/v1/subscriptions/"+id, "", "Authorization", "Bearer "+other); code != 404 {
		t.Errorf("another user reads the subscription: %d", code)
	}

	// Send now: both channels get the owner's (华南's) numbers.
	code, run := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions/"+id+"/run", "", auth...)
	if code != 200 || run["state"] != "done" {
		t.Fatalf("run now: %d %v", code, run)
	}
	mu.Lock()
	if len(hooks) != 1 || len(feishu) != 1 {
		t.Fatalf("deliveries: webhook %d, feishu %d", len(hooks), len(feishu))
	}
	if hooks[0]["title"] != "上周各渠道的销售额" || !strings.Contains(fmt_(hooks[0]), "门店") || strings.Contains(fmt_(hooks[0]), "天猫") ||
		!strings.Contains(fmt_(hooks[0]["lines"]), "环比") {
		t.Errorf("webhook body (a region manager sees only stores) %v", hooks[0])
	}
	if feishu[0]["timestamp"] != "1700000000" || feishu[0]["sign"] != "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70=" {
		t.Errorf("Feishu signature %v %v", feishu[0]["timestamp"], feishu[0]["sign"])
	}
	// The next Monday 09:00 in Shanghai, looked at by three ticks: one run.
	clock = time.Date(2023, 11, 20, 1, 0, 30, 0, time.UTC)
	mu.Unlock()
	for i := 0; i < 3; i++ {
		if err := ts.srv.TickSchedules(t.Context(), opts.Now()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	if len(hooks) != 2 {
		t.Errorf("after the Monday tick the webhook got %d sends, want 2 (the manual and one scheduled)", len(hooks))
	}
	mu.Unlock()
	_, runs := doJSON(t, "GET", ts.URL+"/api/v1/subscriptions/"+id+"/runs", "", auth...)
	list, _ := runs["runs"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["trigger"] != "schedule" {
		t.Errorf("runs %v", runs)
	}
	if code, _ := doJSON(t, "DELETE", ts.URL+"/api/v1/subscriptions/"+id, "", auth...); code != 204 {
		t.Errorf("delete: %d", code)
	}
	// HQ's report of every channel carries a chart image.
	_, hqSub := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions", `{"question":"上周各渠道的销售额","schedule":"0 9 * * 1","channels":[{"type":"webhook","url":"`+hook.URL+`/h"}]}`, "Authorization", "Bearer "+other)
	doJSON(t, "POST", ts.URL+"/api/v1/subscriptions/"+fmt.Sprint(hqSub["id"])+"/run", "", "Authorization", "Bearer "+other)
	mu.Lock()
	last := hooks[len(hooks)-1]
	mu.Unlock()
	if chart, _ := base64.StdEncoding.DecodeString(fmt.Sprint(last["chart_png_base64"])); !bytes.HasPrefix(chart, []byte("\x89PNG")) {
		t.Errorf("the report carries no chart image (%d bytes)", len(chart))
	}
	// The chart is also served by URL (for DingTalk and Slack), without sign-in.
	chartURL := fmt.Sprint(last["chart_url"])
	path, ok := strings.CutPrefix(chartURL, "https://bi.example.com")
	if !ok {
		t.Fatalf("chart_url %q", chartURL)
	}
	res, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("GET %s: %d", path, res.StatusCode)
	}
	if res, _ := http.Get(ts.URL + "/charts/guess.png"); res.StatusCode != 404 {
		t.Errorf("a guessed chart: %d", res.StatusCode)
	}
}

// recordingHook is a loopback webhook that keeps the JSON bodies it gets.
func recordingHook(t *testing.T) (*httptest.Server, func() []map[string]any) {
	var mu sync.Mutex
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bodies)
	}
}

func fmt_(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestAlerts: 抖音's conversion falls by two thirds in 2025-10 (a planted
// anomaly): a change_lt -30% alert fires once, stays quiet while firing
// within its repeat interval, and recovers in November; a region manager
// may not watch the funnel at all.
func TestAlerts(t *testing.T) {
	hook, sent := recordingHook(t)
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(t, "", 0, opts)
	hq := addStoredUser(t, ts, "hq", "hq", nil, 0)
	south := addStoredUser(t, ts, "south", "region_manager", map[string]string{"region": "华南"}, 0)
	channels := `[{"type":"webhook","url":"` + hook.URL + `/h"}]`
	body := `{"question":"本月抖音的转化率","schedule":"0 9 * * *","channels":` + channels + `,"condition":{"op":"change_lt","value":-0.3},"repeat":"24h"}`
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/alerts", body, "Authorization", "Bearer "+south); code != 403 {
		t.Errorf("a region manager watching the funnel: %d %v", code, res)
	}
	for bad, want := range map[string]string{
		`{"question":"本月抖音的转化率","schedule":"0 9 * * *","channels":` + channels + `,"condition":{"op":"median","value":1}}`:                     "unknown condition op",
		`{"question":"本月各渠道的转化率","schedule":"0 9 * * *","channels":` + channels + `,"condition":{"op":"lt","value":0.02}}`:                     "one number",
		`{"question":"本月抖音的转化率","schedule":"0 9 * * *","channels":` + channels + `,"condition":{"op":"lt","value":0.02},"quiet_hours":"late"}`: "quiet_hours",
	} {
		if code, res := doJSON(t, "POST", ts.URL+"/api/v1/alerts", bad, "Authorization", "Bearer "+hq); code != 400 || !strings.Contains(fmt_(res), want) {
			t.Errorf("%s: %d %v", bad, code, res)
		}
	}
	code, alert := doJSON(t, "POST", ts.URL+"/api/v1/alerts", body, "Authorization", "Bearer "+hq)
	if code != 201 || alert["state"] != "ok" {
		t.Fatalf("create: %d %v", code, alert)
	}
	id := alert["id"].(string)
	eval := func(asOf string) map[string]any {
		t.Helper()
		code, res := doJSON(t, "POST", ts.URL+"/api/v1/alerts/"+id+"/evaluate", `{"as_of":"`+asOf+`"}`, "Authorization", "Bearer "+hq)
		if code != 200 {
			t.Fatalf("evaluate %s: %d %v", asOf, code, res)
		}
		return res
	}
	if res := eval("2025-10-31"); res["state"] != "firing" || res["notice"] != "firing" || res["value"].(float64) > -0.3 {
		t.Errorf("October: %v", res)
	}
	if res := eval("2025-10-31"); res["state"] != "firing" || res["notice"] != "" {
		t.Errorf("October again, within the repeat interval: %v", res)
	}
	if res := eval("2025-11-30"); res["state"] != "ok" || res["notice"] != "recovery" {
		t.Errorf("November: %v", res)
	}
	// A band: October leaves mean ± 3 sd of the six months before it; September does not.
	code, band := doJSON(t, "POST", ts.URL+"/api/v1/alerts", `{"question":"本月抖音的转化率","schedule":"0 9 * * *","channels":`+channels+`,"condition":{"op":"band","periods":6,"k":3}}`, "Authorization", "Bearer "+hq)
	if code != 201 {
		t.Fatalf("band alert: %d %v", code, band)
	}
	bandEval := func(asOf string) map[string]any {
		_, res := doJSON(t, "POST", ts.URL+"/api/v1/alerts/"+band["id"].(string)+"/evaluate", `{"as_of":"`+asOf+`"}`, "Authorization", "Bearer "+hq)
		return res
	}
	if res := bandEval("2025-09-30"); res["state"] != "ok" {
		t.Errorf("September against its band: %v", res)
	}
	if res := bandEval("2025-10-31"); res["state"] != "firing" || res["band"] == nil {
		t.Errorf("October against its band: %v", res)
	}
	eval("2025-10-31") // firing again
	code, patched := doJSON(t, "PATCH", ts.URL+"/api/v1/alerts/"+id, `{"paused":true,"condition":{"op":"change_lt","value":-0.8}}`, "Authorization", "Bearer "+hq)
	if code != 200 || patched["paused"] != true || patched["state"] != "ok" {
		t.Errorf("patch: %d %v (a new condition starts from ok)", code, patched)
	}
	// The change alert: fired, recovered, fired again; the band alert fired once in between.
	if got := sent(); len(got) != 4 || !strings.Contains(fmt_(got[0]), "触发") || !strings.Contains(fmt_(got[1]), "已恢复") {
		t.Errorf("notices sent: %v", got)
	}
}

// TestResumeInterruptedRun: a run a crashed process left behind sends its
// pending deliveries once, with the report it recorded, and does not send
// again the one caught mid-request.
func TestResumeInterruptedRun(t *testing.T) {
	var a, b atomic.Int32
	hookA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.Add(1) }))
	defer hookA.Close()
	var bodyB []byte
	hookB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bodyB, _ = io.ReadAll(r.Body); b.Add(1) }))
	defer hookB.Close()
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(t, "", 0, opts)
	ctx := t.Context()
	sub := push.Subscription{ID: "s1", Question: "上个月的销售额", Schedule: "0 9 * * *", Timezone: "Asia/Shanghai", Created: time.Now(),
		Channels: []push.Channel{{Type: "webhook", URL: hookA.URL}, {Type: "webhook", URL: hookB.URL}}}
	if err := ts.store.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	run := push.Run{ID: "r1", Subscription: "s1", State: push.RunRunning, Started: time.Now(), Report: &push.Report{Title: "上个月的销售额", Narrative: "recorded"},
		Deliveries: []push.Delivery{{Channel: 0, Type: "webhook", State: push.DeliverySending}, {Channel: 1, Type: "webhook", State: push.DeliveryPending}}}
	if err := ts.store.PutRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := ts.srv.ResumeRuns(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a.Load() != 0 || b.Load() != 1 || !strings.Contains(string(bodyB), "recorded") {
		t.Errorf("after resuming twice: A %d, B %d sends (body %s); want A 0, B 1 with the recorded report", a.Load(), b.Load(), bodyB)
	}
	runs, _ := ts.store.Runs(ctx, "s1", 10)
	if len(runs) != 1 || runs[0].State != push.RunFailed || runs[0].Deliveries[0].State != push.DeliveryFailed || runs[0].Deliveries[1].State != push.DeliverySent {
		t.Errorf("run after resume: %+v", runs)
	}
}

// TestRelativeTimeAtFireTime: for a model that does not pin its as_of, a
// subscription's 上个月 is the month before the day it fires.
func TestRelativeTimeAtFireTime(t *testing.T) {
	hook, sent := recordingHook(t)
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	opts.Now = func() time.Time { return time.Date(2025, 8, 15, 1, 0, 0, 0, time.UTC) }
	ts := newTestServerFull(t, "", 0, opts, func(e *nlq.Engine) { e.Model.AsOf = time.Time{} })
	ctx := t.Context()
	sub := push.Subscription{ID: "s1", Question: "上个月的销售额", Schedule: "0 9 * * *", Timezone: "Asia/Shanghai", Created: time.Now(),
		Channels: []push.Channel{{Type: "webhook", URL: hook.URL}}}
	if err := ts.store.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.srv.RunNow(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if bodies := sent(); len(bodies) != 1 || !strings.Contains(fmt_(bodies[0]["reading"]), "2025年7月") {
		t.Errorf("sent %v, want the reading of July 2025", bodies)
	}
}

// TestProposalFromWords: asking for a report on a schedule proposes a
// subscription to confirm, with no numbers.
func TestProposalFromWords(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	_, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"每周一早上9点把上周各渠道销售额发到飞书群"}`)
	p, _ := res["proposal"].(map[string]any)
	if p == nil || p["schedule"] != "0 9 * * 1" || p["channel"] != "feishu" || p["question"] != "上周各渠道销售额" || res["rows"] != nil ||
		!strings.Contains(fmt.Sprint(res["answer"]), "要订阅「上周各渠道销售额」吗") {
		t.Errorf("proposal %v, answer %v", p, res["answer"])
	}
	if _, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"每周一早上9点把天气预报发到飞书群"}`); res["proposal"] != nil {
		t.Errorf("a question that does not translate was proposed: %v", res["proposal"])
	}
}

// TestClaimedRunNotLost: a tick claimed just before a crash (the run record
// written with the claim, nothing asked or sent) runs once at the next start.
func TestClaimedRunNotLost(t *testing.T) {
	hook, sent := recordingHook(t)
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(t, "", 0, opts)
	ctx := t.Context()
	sub := push.Subscription{ID: "s1", Question: "上个月的销售额", Schedule: "0 9 * * *", Timezone: "UTC", Created: time.Now(),
		Channels: []push.Channel{{Type: "webhook", URL: hook.URL}}}
	if err := ts.store.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	tick := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	if ok, err := ts.store.Claim(ctx, "s1", tick); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if ok, _ := ts.store.Claim(ctx, "s1", tick); ok {
		t.Fatal("a tick was claimed twice")
	}
	for i := 0; i < 2; i++ {
		if err := ts.srv.ResumeRuns(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runs, _ := ts.store.Runs(ctx, "s1", 10)
	if n := len(sent()); n != 1 || len(runs) != 1 || runs[0].State != push.RunDone || runs[0].ID != web.ScheduledRunID(tick) {
		t.Errorf("%d sends, runs %+v; want one send and one done run", n, runs)
	}
}

// TestReportsExplainTheirNumber: a subscription with insight says why its
// number moved (the planted 抖音 collapse of October 2025), and a firing
// alert always does.
func TestReportsExplainTheirNumber(t *testing.T) {
	hook, sent := recordingHook(t)
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(t, "", 0, opts)
	hq := addStoredUser(t, ts, "hq", "hq", nil, 0)
	auth := []string{"Authorization", "Bearer " + hq}
	channels := `[{"type":"webhook","url":"` + hook.URL + `/h"}]`
	code, sub := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions", `{"question":"2025年10月的转化率","schedule":"0 9 * * 1","insight":true,"channels":`+channels+`}`, auth...)
	if code != 201 || sub["insight"] != true {
		t.Fatalf("%d %v", code, sub)
	}
	if code, run := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions/"+sub["id"].(string)+"/run", "", auth...); code != 200 || run["state"] != "done" {
		t.Fatalf("%d %v", code, run)
	}
	got := sent()
	if len(got) != 1 || !strings.Contains(got[0]["narrative"].(string), "抖音") || !strings.Contains(got[0]["narrative"].(string), "主要因素") {
		t.Fatalf("the report does not say why: %v", got)
	}
	code, alert := doJSON(t, "POST", ts.URL+"/api/v1/alerts", `{"question":"2025年10月的转化率","schedule":"0 9 * * *","channels":`+channels+`,"condition":{"op":"lt","value":0.05}}`, auth...)
	if code != 201 {
		t.Fatalf("%d %v", code, alert)
	}
	if code, ev := doJSON(t, "POST", ts.URL+"/api/v1/alerts/"+alert["id"].(string)+"/evaluate", `{"as_of":"2025-12-31"}`, auth...); code != 200 || ev["state"] != "firing" {
		t.Fatalf("%d %v", code, ev)
	}
	got = sent()
	if len(got) != 2 || !strings.Contains(got[1]["narrative"].(string), "抖音") {
		t.Fatalf("the firing notice does not say why: %v", got[len(got)-1])
	}
}
