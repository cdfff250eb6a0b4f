package slack

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/im"
)

// TestDocumentedSignature checks the example of Slack's "Verifying requests
// from Slack": its secret, timestamp, body and signature.
func TestDocumentedSignature(t *testing.T) {
	const (
		secret = "8f742231b10e8888abcd99yyyzzz85a5"
		ts     = "1531420618"
		body   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		want   = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", want)
	if err := Verify(h, []byte(body), secret, time.Unix(1531420618+60, 0)); err != nil {
		t.Fatalf("the documented request: %v", err)
	}
	if err := Verify(h, []byte(body), secret, time.Unix(1531420618+6*60, 0)); !errors.Is(err, im.ErrStale) {
		t.Fatalf("six minutes later: %v", err)
	}
	if err := Verify(h, []byte(body+"x"), secret, time.Unix(1531420618, 0)); !errors.Is(err, im.ErrUnauthorized) {
		t.Fatalf("a changed body: %v", err)
	}
}

const secret = "shh"

var now = time.Unix(1764547200, 0)

func signed(body string, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/im/slack/events", bytes.NewReader([]byte(body)))
	ts := strconv.FormatInt(at.Unix(), 10)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", Signature(secret, ts, []byte(body)))
	return r
}

func TestParse(t *testing.T) {
	a := New(Config{SigningSecret: secret, BotToken: "xoxb-1"})
	parse := func(body string) (im.Inbound, error) { return a.Parse(signed(body, now), []byte(body), now) }

	in, err := parse(`{"type":"url_verification","token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`)
	if err != nil || string(in.Body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %v %q", err, in.Body)
	}
	mention := `{"type":"event_callback","event_id":"Ev1","authorizations":[{"user_id":"UBOT"}],
		"event":{"type":"app_mention","user":"U1","text":"<@UBOT> sales last week by <@U2>","ts":"1.0001","channel":"C1"}}`
	in, err = parse(mention)
	if err != nil || in.Event == nil {
		t.Fatalf("app_mention: %v %+v", err, in)
	}
	if ev := in.Event; ev.Text != "sales last week by <@U2>" || ev.Thread != "1.0001" || ev.Reply["thread_ts"] != "1.0001" || ev.Chat != "C1" || ev.ID != "Ev1" {
		t.Fatalf("%+v", ev)
	}
	in, _ = parse(`{"type":"event_callback","event_id":"Ev2","authorizations":[{"user_id":"UBOT"}],
		"event":{"type":"app_mention","user":"U1","text":"<@UBOT> and yoy?","ts":"1.0009","thread_ts":"1.0001","channel":"C1"}}`)
	if in.Event == nil || in.Event.Thread != "1.0001" {
		t.Fatalf("a follow-up in the thread: %+v", in.Event)
	}
	in, _ = parse(`{"type":"event_callback","event_id":"Ev3","event":{"type":"message","channel_type":"im","user":"U1","text":"销售额","ts":"2.0","channel":"D1"}}`)
	if in.Event == nil || !in.Event.Direct || in.Event.Thread != "D1" {
		t.Fatalf("a direct message: %+v", in.Event)
	}
	for name, body := range map[string]string{
		"bot message":     `{"type":"event_callback","event_id":"Ev4","event":{"type":"message","channel_type":"im","bot_id":"B1","text":"x","channel":"D1"}}`,
		"edit":            `{"type":"event_callback","event_id":"Ev5","event":{"type":"message","channel_type":"im","subtype":"message_changed","channel":"D1"}}`,
		"channel message": `{"type":"event_callback","event_id":"Ev6","event":{"type":"message","channel_type":"channel","user":"U1","text":"x","channel":"C1"}}`,
	} {
		if in, err := parse(body); err != nil || in.Event != nil {
			t.Errorf("%s: %v %+v", name, err, in.Event)
		}
	}
	r := signed(mention, now)
	r.Header.Set("X-Slack-Retry-Num", "1")
	if in, err := a.Parse(r, []byte(mention), now); err != nil || !in.Retry {
		t.Fatalf("a retry is marked: %v %+v", err, in)
	}
	if _, err := a.Parse(signed(mention, now.Add(-10*time.Minute)), []byte(mention), now); !errors.Is(err, im.ErrStale) {
		t.Fatalf("stale: %v", err)
	}
	forged := signed(mention, now)
	forged.Header.Set("X-Slack-Signature", Signature("other secret", forged.Header.Get("X-Slack-Request-Timestamp"), []byte(mention)))
	if _, err := a.Parse(forged, []byte(mention), now); !errors.Is(err, im.ErrUnauthorized) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := parse(`{"type":`); !errors.Is(err, im.ErrBadRequest) {
		t.Fatalf("malformed: %v", err)
	}
}

// FuzzParse: no signed body makes Parse panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@U",  "ts":"1","channel":"C1"}}`)
	f.Add(`{"type":"url_verification"}`)
	f.Add(`{"type":"event_callback","event":{"type":"message"}}`)
	a := New(Config{SigningSecret: secret, BotToken: "xoxb-1"})
	f.Fuzz(func(t *testing.T, body string) {
		a.Parse(signed(body, now), []byte(body), now)
	})
}
