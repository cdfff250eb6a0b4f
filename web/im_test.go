package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/im/dingtalk"
	"github.com/wenshu-bi/wenshu/im/feishu"
	imslack "github.com/wenshu-bi/wenshu/im/slack"
	"github.com/wenshu-bi/wenshu/im/wecom"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/web"
)

// The IM bots end to end: each platform's signed (and where it applies,
// encrypted) events in, through the server's /im/<platform>/events, and the
// replies out to a fake of the platform's API on loopback, which checks
// the access token and records what was sent. Numbers are checked against
// hand-written SQL.

// sent is one call to the fake platform API: its path and every text it
// carried (JSON strings, form values and nested JSON, flattened).
type sent struct {
	path string
	text string
	raw  string
}

// fakePlatform serves the four platforms' APIs at once (their paths do not
// overlap) and hands what the bot sent to the test.
type fakePlatform struct {
	*httptest.Server
	sent      chan sent
	mu        sync.Mutex
	tokens    map[string]int // token endpoint → fetches
	uploads   int
	feishuBad bool // answer the next Feishu call with "token expired"
}

func newFakePlatform(t *testing.T) *fakePlatform {
	f := &fakePlatform{sent: make(chan sent, 64), tokens: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePlatform) token(path string) {
	f.mu.Lock()
	f.tokens[path]++
	f.mu.Unlock()
}

func (f *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	js := func(v any) { w.Header().Set("Content-Type", "application/json"); json.NewEncoder(w).Encode(v) }
	record := func(text string) { f.sent <- sent{path: r.URL.Path, text: text, raw: string(body)} }
	p := r.URL.Path
	switch {
	// Feishu
	case p == "/open-apis/auth/v3/tenant_access_token/internal":
		f.token(p)
		js(map[string]any{"code": 0, "tenant_access_token": "t-feishu", "expire": 7200})
	case strings.HasPrefix(p, "/open-apis/"):
		if r.Header.Get("Authorization") != "Bearer t-feishu" {
			js(map[string]any{"code": 99991663, "msg": "invalid token"})
			return
		}
		f.mu.Lock()
		expired := f.feishuBad
		f.feishuBad = false
		f.mu.Unlock()
		if expired {
			js(map[string]any{"code": 99991663, "msg": "token expired"})
			return
		}
		switch {
		case strings.HasPrefix(p, "/open-apis/contact/v3/users/"):
			js(map[string]any{"code": 0, "data": map[string]any{"user": map[string]any{"email": fakeEmails[strings.TrimPrefix(p, "/open-apis/contact/v3/users/")]}}})
		case p == "/open-apis/bot/v3/info":
			js(map[string]any{"code": 0, "bot": map[string]any{"open_id": "ou_bot"}})
		case p == "/open-apis/im/v1/images":
			f.mu.Lock()
			f.uploads++
			f.mu.Unlock()
			js(map[string]any{"code": 0, "data": map[string]any{"image_key": "img_v2_chart"}})
		default:
			record(flatten(body))
			js(map[string]any{"code": 0, "data": map[string]any{"message_id": "om_reply"}})
		}
	// DingTalk
	case p == "/robot/sendBySession":
		record(flatten(body))
		js(map[string]any{"errcode": 0, "errmsg": "ok"})
	case p == "/v1.0/oauth2/accessToken":
		f.token(p)
		js(map[string]any{"accessToken": "t-ding", "expireIn": 7200})
	case strings.HasPrefix(p, "/v1.0/robot/"):
		if r.Header.Get("X-Acs-Dingtalk-Access-Token") != "t-ding" {
			http.Error(w, `{"code":"InvalidAuthentication"}`, http.StatusUnauthorized)
			return
		}
		record(flatten(body))
		js(map[string]any{"processQueryKey": "k"})
	// WeCom
	case p == "/cgi-bin/gettoken":
		f.token(p)
		js(map[string]any{"errcode": 0, "access_token": "t-wecom", "expires_in": 7200})
	case strings.HasPrefix(p, "/cgi-bin/"):
		if r.URL.Query().Get("access_token") != "t-wecom" {
			js(map[string]any{"errcode": 40014, "errmsg": "invalid access_token"})
			return
		}
		if p == "/cgi-bin/media/upload" {
			f.mu.Lock()
			f.uploads++
			f.mu.Unlock()
			js(map[string]any{"errcode": 0, "media_id": "media-1"})
			return
		}
		record(flatten(body))
		js(map[string]any{"errcode": 0, "errmsg": "ok"})
	// Slack
	case strings.HasPrefix(p, "/api/"):
		form, _ := url.ParseQuery(string(body))
		if r.Header.Get("Authorization") != "Bearer xoxb-test" && form.Get("token") != "xoxb-test" {
			js(map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		switch p {
		case "/api/users.info":
			js(map[string]any{"ok": true, "user": map[string]any{"id": "U", "profile": map[string]any{"email": fakeEmails[form.Get("user")+r.URL.Query().Get("user")]}}})
		case "/api/files.getUploadURLExternal":
			js(map[string]any{"ok": true, "upload_url": f.URL + "/slack-upload", "file_id": "F1"})
		case "/api/files.completeUploadExternal":
			record(form.Get("channel_id") + " " + form.Get("thread_ts") + " " + form.Get("files"))
			js(map[string]any{"ok": true, "files": []any{map[string]any{"id": "F1", "title": "chart"}}})
		default:
			var b strings.Builder
			for _, k := range []string{"channel", "thread_ts", "text", "blocks"} {
				b.WriteString(k + "=" + form.Get(k) + "\n")
			}
			b.WriteString(flatten([]byte(form.Get("blocks"))))
			record(b.String())
			js(map[string]any{"ok": true, "channel": form.Get("channel"), "ts": "9.9"})
		}
	case p == "/slack-upload":
		w.Write([]byte("OK"))
	default:
		http.NotFound(w, r)
	}
}

// fakeEmails are the emails the fake platforms tell for their users.
var fakeEmails = map[string]string{"u-mail": "Mail@Example.com"}

// flatten joins every string in a JSON document, opening strings that
// are JSON themselves (Feishu's content, DingTalk's msgParam).
func flatten(data []byte) string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return string(data)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			var inner any
			if strings.HasPrefix(strings.TrimSpace(x), "{") && json.Unmarshal([]byte(x), &inner) == nil {
				walk(inner)
				return
			}
			b.WriteString(x + "\n")
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// next is the bot's next call to the platform.
func (f *fakePlatform) next(t *testing.T) sent {
	t.Helper()
	select {
	case s := <-f.sent:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the bot sent nothing to the platform")
	}
	return sent{}
}

// imUsers adds an HQ user, a 华南 region manager and maps their IM accounts.
func imUsers(t *testing.T, ts *testServer, platform string) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []struct {
		name, role, im string
		attrs          map[string]string
	}{{"hq", "hq", "u-hq", nil}, {"south", "region_manager", "u-south", map[string]string{"region": "华南"}}} {
		user, _, tok, _, err := web.NewUser(ts.srv.Model(), u.name, u.role, u.attrs, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		others, _ := ts.store.Users(ctx)
		if err := web.SetContacts(others, &user, nil, map[string]string{platform: u.im}); err != nil {
			t.Fatal(err)
		}
		if err := ts.store.AddUser(ctx, user, tok); err != nil {
			t.Fatal(err)
		}
	}
	ts.srv.RefreshUsers(ctx)
}

// gold is a hand-written SQL number, formatted as the answers show money.
func gold(t *testing.T, ts *testServer, sql string) string {
	t.Helper()
	_, rows, _, err := ts.db.Query(context.Background(), sql)
	if err != nil || len(rows) != 1 {
		t.Fatalf("gold %s: %v", sql, err)
	}
	return nlq.FormatCompact(rows[0][0], semantic.UnitCurrency, "zh")
}

// platformCase drives one platform: how to build an event and where the
// reply is expected.
type platformCase struct {
	name    string
	adapter func(api string) im.Adapter
	// event is the signed request of a message from user in thread.
	event func(t *testing.T, srvURL, user, thread, id, text string) *http.Request
	// replyPath is the API path the answer to a message arrives at.
	replyPath string
}

func platformCases() []platformCase {
	const feishuKey, feishuToken = "feishu-encrypt-key", "feishu-token"
	const dingSecret = "ding-secret"
	const wecomToken, wecomAES, wecomCorp = "wecom-token", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-corp"
	const slackSecret = "slack-secret"
	return []platformCase{
		{name: "feishu", replyPath: "/open-apis/im/v1/messages/",
			adapter: func(api string) im.Adapter {
				return feishu.New(feishu.Config{AppID: "cli_1", AppSecret: "s", VerificationToken: feishuToken, EncryptKey: feishuKey, APIBase: api})
			},
			event: func(t *testing.T, srv, user, thread, id, text string) *http.Request {
				msg := map[string]any{"message_id": "om_" + id, "chat_id": "oc_group", "chat_type": "group", "message_type": "text",
					"content":  mustJSON(map[string]string{"text": "@_user_1 " + text}),
					"mentions": []any{map[string]any{"key": "@_user_1", "name": "问数", "id": map[string]any{"open_id": "ou_bot"}}}}
				if thread != "" {
					msg["root_id"] = "om_" + thread
				}
				plain := mustJSON(map[string]any{"schema": "2.0",
					"header": map[string]any{"event_id": "ev_" + id, "event_type": "im.message.receive_v1", "token": feishuToken},
					"event":  map[string]any{"sender": map[string]any{"sender_id": map[string]any{"open_id": user}, "sender_type": "user"}, "message": msg}})
				body := []byte(mustJSON(map[string]string{"encrypt": feishu.Encrypt([]byte(plain), feishuKey, bytes.Repeat([]byte{3}, 16))}))
				r, _ := http.NewRequest(http.MethodPost, srv+"/im/feishu/events", bytes.NewReader(body))
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				r.Header.Set("X-Lark-Request-Timestamp", ts)
				r.Header.Set("X-Lark-Request-Nonce", "nonce-"+id)
				r.Header.Set("X-Lark-Signature", feishu.Signature(ts, "nonce-"+id, feishuKey, body))
				return r
			}},
		{name: "dingtalk", replyPath: "/robot/sendBySession",
			adapter: func(api string) im.Adapter {
				return dingtalk.New(dingtalk.Config{AppSecret: dingSecret, AppKey: "dingkey", APIBase: api})
			},
			event: func(t *testing.T, srv, user, thread, id, text string) *http.Request {
				base := strings.TrimSuffix(srv, "/")
				body := mustJSON(map[string]any{"conversationId": "cid-group", "conversationType": "2", "msgId": "msg-" + id, "msgtype": "text",
					"senderStaffId": user, "sessionWebhook": platformURL + "/robot/sendBySession?session=1", "robotCode": "dingkey",
					"sessionWebhookExpiredTime": time.Now().Add(time.Hour).UnixMilli(), "text": map[string]string{"content": " " + text}})
				r, _ := http.NewRequest(http.MethodPost, base+"/im/dingtalk/events", strings.NewReader(body))
				ms := time.Now().UnixMilli()
				r.Header.Set("timestamp", strconv.FormatInt(ms, 10))
				r.Header.Set("sign", push.DingTalkSign(dingSecret, ms))
				return r
			}},
		{name: "wecom", replyPath: "/cgi-bin/message/send",
			adapter: func(api string) im.Adapter {
				a, err := wecom.New(wecom.Config{CorpID: wecomCorp, AgentID: "1000002", Secret: "s", Token: wecomToken, AESKey: wecomAES, APIBase: api})
				if err != nil {
					panic(err)
				}
				return a
			},
			event: func(t *testing.T, srv, user, thread, id, text string) *http.Request {
				key, _ := wecom.Key(wecomAES)
				xmlMsg := "<xml><ToUserName>" + wecomCorp + "</ToUserName><FromUserName>" + user + "</FromUserName><CreateTime>1</CreateTime>" +
					"<MsgType>text</MsgType><Content><![CDATA[" + text + "]]></Content><MsgId>" + id + "</MsgId><AgentID>1000002</AgentID></xml>"
				enc := wecom.Encrypt(key, []byte(xmlMsg), wecomCorp, bytes.Repeat([]byte{5}, 16))
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				q := url.Values{"msg_signature": {wecom.Signature(wecomToken, ts, "n"+id, enc)}, "timestamp": {ts}, "nonce": {"n" + id}}
				r, _ := http.NewRequest(http.MethodPost, srv+"/im/wecom/events?"+q.Encode(),
					strings.NewReader("<xml><ToUserName>"+wecomCorp+"</ToUserName><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"))
				return r
			}},
		{name: "slack", replyPath: "/api/chat.postMessage",
			adapter: func(api string) im.Adapter {
				return imslack.New(imslack.Config{SigningSecret: slackSecret, BotToken: "xoxb-test", APIBase: api})
			},
			event: func(t *testing.T, srv, user, thread, id, text string) *http.Request {
				ev := map[string]any{"type": "app_mention", "user": user, "text": "<@UBOT> " + text, "ts": id + ".0", "channel": "C1"}
				if thread != "" {
					ev["thread_ts"] = thread + ".0"
				}
				body := mustJSON(map[string]any{"type": "event_callback", "event_id": "Ev" + id,
					"authorizations": []any{map[string]any{"user_id": "UBOT"}}, "event": ev})
				r, _ := http.NewRequest(http.MethodPost, srv+"/im/slack/events", strings.NewReader(body))
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				r.Header.Set("X-Slack-Request-Timestamp", ts)
				r.Header.Set("X-Slack-Signature", imslack.Signature(slackSecret, ts, []byte(body)))
				return r
			}},
	}
}

// platformURL is the running fake's URL (DingTalk events carry it as their
// session webhook).
var platformURL string

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func send(t *testing.T, r *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestIMEndToEnd: per platform, an @-mention in, the right number out; a
// follow-up in the same thread; a region manager kept to their rows; a
// user without access getting no numbers; redelivery, forgery and the
// unconfigured platforms refused.
func TestIMEndToEnd(t *testing.T) {
	for _, pc := range platformCases() {
		t.Run(pc.name, func(t *testing.T) {
			fake := newFakePlatform(t)
			platformURL = fake.URL
			ts := newTestServer(t, "", 0, web.Options{IM: []im.Adapter{pc.adapter(fake.URL)}, RateLimit: -1})
			imUsers(t, ts, pc.name)
			south := strings.ReplaceAll(salesQ, "{scope}", "s.region = '华南'")
			all := strings.ReplaceAll(salesQ, "{scope}", "TRUE")

			if got := send(t, pc.event(t, ts.URL, "u-hq", "", "101", "上个月华南的销售额")); got != http.StatusOK {
				t.Fatalf("event: HTTP %d", got)
			}
			reply := fake.next(t)
			if !strings.HasPrefix(reply.path, pc.replyPath) {
				t.Fatalf("replied at %s, want %s", reply.path, pc.replyPath)
			}
			if want := gold(t, ts, south+nov); !strings.Contains(reply.text, want) {
				t.Fatalf("the answer lacks %s:\n%s", want, reply.text)
			}
			// A follow-up in the same thread keeps the question's context.
			send(t, pc.event(t, ts.URL, "u-hq", "101", "102", "那同比呢"))
			reply = fake.next(t)
			for _, want := range []string{gold(t, ts, south+nov), gold(t, ts, south+nov24), "同比"} {
				if !strings.Contains(reply.text, want) {
					t.Fatalf("the follow-up lacks %s:\n%s", want, reply.text)
				}
			}

			// The same event again is not answered twice.
			if got := send(t, pc.event(t, ts.URL, "u-hq", "101", "102", "那同比呢")); got != http.StatusForbidden {
				t.Fatalf("a replayed event: HTTP %d, want 403", got)
			}

			// A region manager asking for the whole company gets 华南 only.
			send(t, pc.event(t, ts.URL, "u-south", "", "103", "上个月的销售额"))
			reply = fake.next(t)
			if want, whole := gold(t, ts, south+nov), gold(t, ts, all+nov); !strings.Contains(reply.text, want) || strings.Contains(reply.text, whole) {
				t.Fatalf("the region manager's answer (want %s, never %s):\n%s", want, whole, reply.text)
			}
			send(t, pc.event(t, ts.URL, "u-south", "", "104", "上个月华东的销售额"))
			if reply = fake.next(t); strings.Contains(reply.text, "¥") || !strings.Contains(reply.text, "华东") {
				t.Fatalf("another region's numbers must be refused:\n%s", reply.text)
			}

			// Someone the server does not know gets no numbers.
			send(t, pc.event(t, ts.URL, "u-stranger", "", "105", "上个月的销售额"))
			if reply = fake.next(t); strings.Contains(reply.text, "¥") || !strings.Contains(reply.text, "u-stranger") {
				t.Fatalf("an unknown user's reply:\n%s\n%s", reply.text, reply.raw)
			}

			// A forged request is refused and nothing is asked.
			r := pc.event(t, ts.URL, "u-hq", "", "106", "上个月的销售额")
			forge(r)
			if got := send(t, r); got != http.StatusUnauthorized {
				t.Fatalf("a forged request: HTTP %d, want 401", got)
			}
			select {
			case s := <-fake.sent:
				t.Fatalf("a forged request was answered: %s", s.text)
			default:
			}
		})
	}
}

// forge breaks a request's signature the way each platform carries it.
func forge(r *http.Request) {
	switch {
	case r.Header.Get("X-Lark-Signature") != "":
		r.Header.Set("X-Lark-Signature", strings.Repeat("0", 64))
	case r.Header.Get("sign") != "":
		r.Header.Set("sign", "Zm9yZ2Vk")
	case r.Header.Get("X-Slack-Signature") != "":
		r.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	default:
		q := r.URL.Query()
		q.Set("msg_signature", strings.Repeat("0", 40))
		r.URL.RawQuery = q.Encode()
	}
}

// TestIMUnconfigured: a platform without configuration answers 404.
func TestIMUnconfigured(t *testing.T) {
	ts := newTestServer(t, "", 0, web.Options{})
	for _, p := range []string{"feishu", "dingtalk", "wecom", "slack"} {
		resp, err := http.Post(ts.URL+"/im/"+p+"/events", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestIMSubscribeChartsAndOptions: per platform, a split answer carries its
// chart the platform's way; a clarification is answered by its number;
// "每天早上9点发一下昨天的销售额" makes a subscription to this chat that the
// scheduler posts through the platform's API; the access token is fetched
// once for all of it.
func TestIMSubscribeChartsAndOptions(t *testing.T) {
	for _, pc := range platformCases() {
		t.Run(pc.name, func(t *testing.T) {
			fake := newFakePlatform(t)
			platformURL = fake.URL
			ts := newTestServer(t, "", 0, web.Options{IM: []im.Adapter{pc.adapter(fake.URL)}, RateLimit: -1, IMPerMinute: 600, IMBurst: 100})
			imUsers(t, ts, pc.name)

			// A split: the chart goes with it.
			send(t, pc.event(t, ts.URL, "u-hq", "", "201", "上个月各大区的销售额"))
			reply := fake.next(t)
			byRegion := strings.ReplaceAll(salesQ, "{scope}", "s.region = '华东'") + nov
			if want := gold(t, ts, byRegion); !strings.Contains(reply.text, want) {
				t.Fatalf("the split lacks 华东's %s:\n%s", want, reply.text)
			}
			switch pc.name {
			case "feishu":
				if !strings.Contains(reply.raw, "img_v2_chart") {
					t.Fatalf("the card has no uploaded chart: %s", reply.raw)
				}
			case "wecom":
				if img := fake.next(t); !strings.Contains(img.raw, "media-1") {
					t.Fatalf("no image message after the markdown: %s", img.raw)
				}
			case "slack":
				// No public URL for an image block: the chart is uploaded into the thread.
				if up := fake.next(t); up.path != "/api/files.completeUploadExternal" || !strings.Contains(up.text, "C1 201.0") {
					t.Fatalf("the chart was not shared in the thread: %s %s", up.path, up.text)
				}
			}

			// A clarification, answered by its number (by the region manager,
			// whose conversation is new: on DingTalk and WeCom a user's
			// messages in a chat are one conversation).
			send(t, pc.event(t, ts.URL, "u-south", "", "202", "华南"))
			reply = fake.next(t)
			if !strings.Contains(reply.text, "1.") || !strings.Contains(reply.text, "上个月的销售额是多少") {
				t.Fatalf("the clarification lacks numbered options:\n%s", reply.text)
			}
			thread := "202" // the reply is in the question's thread
			if pc.name == "dingtalk" || pc.name == "wecom" {
				thread = ""
			}
			send(t, pc.event(t, ts.URL, "u-south", thread, "203", "1"))
			reply = fake.next(t)
			// Option 1 (上个月的销售额是多少) completes the partial 华南.
			if want := gold(t, ts, strings.ReplaceAll(salesQ, "{scope}", "s.region = '华南'")+nov); !strings.Contains(reply.text, want) {
				t.Fatalf("option 1 was not asked (want %s):\n%s", want, reply.text)
			}

			// Subscribing from the chat.
			send(t, pc.event(t, ts.URL, "u-hq", "", "204", "每天早上9点发一下昨天的销售额"))
			reply = fake.next(t)
			if !strings.Contains(reply.text, "已订阅") {
				t.Fatalf("no confirmation:\n%s", reply.text)
			}
			subs, err := ts.store.Subscriptions(context.Background())
			if err != nil || len(subs) != 1 {
				t.Fatalf("%v %+v", err, subs)
			}
			sub := subs[0]
			if sub.Schedule != "0 9 * * *" || len(sub.Channels) != 1 || sub.Channels[0].Type != push.ChannelChat || sub.Channels[0].Platform != pc.name {
				t.Fatalf("%+v", sub)
			}
			if !strings.Contains(reply.text, sub.ID) {
				t.Fatalf("the confirmation does not name the subscription %s:\n%s", sub.ID, reply.text)
			}
			out, err := ts.srv.RunNow(context.Background(), sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			if run := out.(push.Run); run.State != push.RunDone {
				t.Fatalf("the run: %+v", run)
			}
			posted := fake.next(t)
			// 昨天 at the demo's as-of 2025-12-31 is 2025-12-30.
			day := "SELECT sum(paid_amount) FROM orders WHERE status = 'completed' AND order_time >= TIMESTAMP '2025-12-30' AND order_time < TIMESTAMP '2025-12-31'"
			if want := gold(t, ts, day); !strings.Contains(posted.text, want) {
				t.Fatalf("the posted report lacks %s:\n%s %s", want, posted.path, posted.text)
			}
			wantPath := map[string]string{"feishu": "/open-apis/im/v1/messages", "dingtalk": "/v1.0/robot/groupMessages/send",
				"wecom": "/cgi-bin/message/send", "slack": "/api/chat.postMessage"}[pc.name]
			if posted.path != wantPath {
				t.Fatalf("posted at %s, want %s", posted.path, wantPath)
			}

			// "我的订阅" lists it; "取消订阅 ID" removes it.
			send(t, pc.event(t, ts.URL, "u-hq", "", "205", "我的订阅"))
			if reply = fake.next(t); !strings.Contains(reply.text, sub.ID) {
				t.Fatalf("the list lacks %s:\n%s", sub.ID, reply.text)
			}
			send(t, pc.event(t, ts.URL, "u-south", "", "206", "取消订阅 "+sub.ID))
			if reply = fake.next(t); !strings.Contains(reply.text, "没有编号") {
				t.Fatalf("another user unsubscribed it:\n%s", reply.text)
			}
			send(t, pc.event(t, ts.URL, "u-hq", "", "207", "取消订阅 "+sub.ID))
			if reply = fake.next(t); !strings.Contains(reply.text, "已退订") {
				t.Fatalf("not unsubscribed:\n%s", reply.text)
			}
			if subs, _ := ts.store.Subscriptions(context.Background()); len(subs) != 0 {
				t.Fatalf("still subscribed: %+v", subs)
			}

			fake.mu.Lock()
			defer fake.mu.Unlock()
			for path, n := range fake.tokens {
				if n != 1 {
					t.Errorf("%s fetched %d times; the token should be cached", path, n)
				}
			}
		})
	}
}

// gateRunner holds every query until the gate is opened.
type gateRunner struct {
	inner nlq.Runner
	gate  chan struct{}
}

func (g gateRunner) Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.inner.Run(ctx, p)
}

// TestIMAcknowledgesBeforeAnswering: the event is acknowledged while its
// query is still held (the platforms wait 3 s at most), and the answer
// follows; malformed and oversized bodies are refused.
func TestIMAcknowledgesBeforeAnswering(t *testing.T) {
	pc := platformCases()[3] // slack
	fake := newFakePlatform(t)
	platformURL = fake.URL
	gate := make(chan struct{})
	ts := newTestServerFull(t, "", 0, web.Options{IM: []im.Adapter{pc.adapter(fake.URL)}, RateLimit: -1}, func(e *nlq.Engine) {
		e.Runner = gateRunner{e.Runner, gate}
	})
	imUsers(t, ts, pc.name)
	if got := send(t, pc.event(t, ts.URL, "u-hq", "", "301", "上个月华南的销售额")); got != http.StatusOK {
		t.Fatalf("HTTP %d", got)
	}
	select {
	case s := <-fake.sent:
		t.Fatalf("answered before the query ran: %s", s.text)
	default:
	}
	close(gate)
	if reply := fake.next(t); !strings.Contains(reply.text, gold(t, ts, strings.ReplaceAll(salesQ, "{scope}", "s.region = '华南'")+nov)) {
		t.Fatalf("the answer after the ack:\n%s", reply.text)
	}
	for name, c := range map[string]struct {
		body string
		want int
	}{
		"malformed": {"{not json", http.StatusBadRequest},
		"oversized": {strings.Repeat("x", im.MaxBody+10), http.StatusRequestEntityTooLarge},
	} {
		r := pc.event(t, ts.URL, "u-hq", "", "302", "x")
		ts := r.Header.Get("X-Slack-Request-Timestamp")
		r.Body = io.NopCloser(strings.NewReader(c.body))
		r.ContentLength = int64(len(c.body))
		r.Header.Set("X-Slack-Signature", imslack.Signature("slack-secret", ts, []byte(c.body)))
		if got := send(t, r); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", name, got, c.want)
		}
	}
}

// TestFeishuWebhookCardCarriesChart: with a Feishu app configured, a
// subscription's Feishu group-bot card shows the chart, uploaded through
// the app's image API (the card can only show an image_key).
func TestFeishuWebhookCardCarriesChart(t *testing.T) {
	fake := newFakePlatform(t)
	hook := make(chan string, 1)
	webhook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hook <- string(b)
		w.Write([]byte(`{"code":0}`))
	}))
	defer webhook.Close()
	pc := platformCases()[0]
	ts := newTestServer(t, "", 0, web.Options{IM: []im.Adapter{pc.adapter(fake.URL)}, PushAllowHosts: "127.0.0.1"})
	resp, err := http.Post(ts.URL+"/api/v1/subscriptions", "application/json", strings.NewReader(mustJSON(map[string]any{
		"question": "上个月各大区的销售额", "schedule": "0 9 * * 1",
		"channels": []any{map[string]any{"type": "feishu", "url": webhook.URL + "/open-apis/bot/v2/hook/x"}}})))
	if err != nil {
		t.Fatal(err)
	}
	var sub push.Subscription
	json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	if _, err := ts.srv.RunNow(context.Background(), sub.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-hook:
		if !strings.Contains(body, `"img_key":"img_v2_chart"`) {
			t.Fatalf("the card has no chart: %s", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nothing was sent to the webhook")
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.uploads != 1 {
		t.Fatalf("%d uploads, want 1", fake.uploads)
	}
}

// TestIMUserByEmail: on platforms that tell the sender's email (Feishu,
// Slack), a user with that email and no mapped account is recognised.
func TestIMUserByEmail(t *testing.T) {
	for _, pc := range []platformCase{platformCases()[0], platformCases()[3]} {
		t.Run(pc.name, func(t *testing.T) {
			fake := newFakePlatform(t)
			ts := newTestServer(t, "", 0, web.Options{IM: []im.Adapter{pc.adapter(fake.URL)}, RateLimit: -1})
			ctx := context.Background()
			u, _, tok, _, err := web.NewUser(ts.srv.Model(), "mail", "region_manager", map[string]string{"region": "华南"}, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			email := "mail@example.com"
			if err := web.SetContacts(nil, &u, &email, nil); err != nil {
				t.Fatal(err)
			}
			if err := ts.store.AddUser(ctx, u, tok); err != nil {
				t.Fatal(err)
			}
			ts.srv.RefreshUsers(ctx)
			send(t, pc.event(t, ts.URL, "u-mail", "", "401", "上个月的销售额"))
			want := gold(t, ts, strings.ReplaceAll(salesQ, "{scope}", "s.region = '华南'")+nov)
			if reply := fake.next(t); !strings.Contains(reply.text, want) {
				t.Fatalf("the user found by email (want %s):\n%s", want, reply.text)
			}
		})
	}
}
