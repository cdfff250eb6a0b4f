package dingtalk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/im"
)

const secret = "SECapp"

var now = time.Unix(1764547200, 0)

// sign is DingTalk's callback signature as its documentation states it,
// written here apart from the code under test.
func sign(ms int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ms, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func signedCallback(t *testing.T, msg map[string]any, at time.Time) (*http.Request, []byte) {
	t.Helper()
	body, _ := json.Marshal(msg)
	r := httptest.NewRequest(http.MethodPost, "/im/dingtalk/events", bytes.NewReader(body))
	r.Header.Set("timestamp", strconv.FormatInt(at.UnixMilli(), 10))
	r.Header.Set("sign", sign(at.UnixMilli()))
	return r, body
}

func group(text string) map[string]any {
	return map[string]any{"conversationId": "cidGroup", "conversationType": "2", "msgId": "msg1", "msgtype": "text",
		"senderStaffId": "staff1", "senderNick": "张三", "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=s",
		"sessionWebhookExpiredTime": now.Add(time.Hour).UnixMilli(), "robotCode": "dingrobot", "isInAtList": true,
		"text": map[string]any{"content": text}}
}

func TestParse(t *testing.T) {
	a := New(Config{AppSecret: secret})
	r, body := signedCallback(t, group(" 上周的销售额 "), now)
	in, err := a.Parse(r, body, now)
	if err != nil || in.Event == nil {
		t.Fatalf("%v %+v", err, in)
	}
	if ev := in.Event; ev.Text != "上周的销售额" || ev.User != "staff1" || ev.Thread != "cidGroup/staff1" || ev.Direct || ev.Reply["robot"] != "dingrobot" {
		t.Fatalf("%+v", ev)
	}
	r, body = signedCallback(t, group("x"), now.Add(-61*time.Minute))
	if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrStale) {
		t.Fatalf("an hour and a minute old: %v", err)
	}
	r, body = signedCallback(t, group("x"), now)
	r.Header.Set("sign", sign(now.UnixMilli()+1))
	if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
		t.Fatalf("a wrong sign: %v", err)
	}
	r.Header.Del("sign")
	if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
		t.Fatalf("no sign: %v", err)
	}
	evil := group("x")
	evil["sessionWebhook"] = "https://attacker.example/steal"
	r, body = signedCallback(t, evil, now)
	if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrBadRequest) {
		t.Fatalf("a session webhook off DingTalk: %v", err)
	}
	if _, err := a.ChatTarget(*in.Event); err == nil {
		t.Fatal("posting unprompted needs the app key")
	}
	withKey := New(Config{AppSecret: secret, AppKey: "dingkey"})
	if to, err := withKey.ChatTarget(*in.Event); err != nil || to != "group:cidGroup:dingrobot" {
		t.Fatalf("%q %v", to, err)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := json.Marshal(group("x"))
	f.Add(b)
	f.Add([]byte(`{"sessionWebhook":"::"}`))
	a := New(Config{AppSecret: secret})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("timestamp", strconv.FormatInt(now.UnixMilli(), 10))
		r.Header.Set("sign", sign(now.UnixMilli()))
		a.Parse(r, body, now)
	})
}
