package wecom

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/im"
)

// The example of WeCom's callback documentation and its official
// WXBizMsgCrypt samples.
const (
	docToken  = "QDG6eK"
	docCorp   = "wx5823bf96d3bd56c7"
	docAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

func docAdapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := New(Config{CorpID: docCorp, AgentID: "218", Secret: "s", Token: docToken, AESKey: docAESKey, Window: 100 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestVerifyURLDocumentedExample answers the documented URL verification.
func TestVerifyURLDocumentedExample(t *testing.T) {
	q := url.Values{"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, "timestamp": {"1409659589"},
		"nonce": {"263014780"}, "echostr": {"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}}
	r := httptest.NewRequest(http.MethodGet, "/im/wecom/events?"+q.Encode(), nil)
	in, err := docAdapter(t).Parse(r, nil, time.Unix(1409659589, 0))
	if err != nil {
		t.Fatal(err)
	}
	if string(in.Body) != "1616140317555161061" {
		t.Fatalf("echo %q", in.Body)
	}
	q.Set("msg_signature", strings.Repeat("0", 40))
	r = httptest.NewRequest(http.MethodGet, "/im/wecom/events?"+q.Encode(), nil)
	if _, err := docAdapter(t).Parse(r, nil, time.Unix(1409659589, 0)); !errors.Is(err, im.ErrUnauthorized) {
		t.Fatalf("a wrong signature: %v", err)
	}
}

// TestDecryptDocumentedMessage reads the documented text message "hello".
func TestDecryptDocumentedMessage(t *testing.T) {
	body := `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`
	q := url.Values{"msg_signature": {"477715d11cdb4164915debcba66cb864d751f3e6"}, "timestamp": {"1409659813"}, "nonce": {"1372623149"}}
	r := httptest.NewRequest(http.MethodPost, "/im/wecom/events?"+q.Encode(), strings.NewReader(body))
	in, err := docAdapter(t).Parse(r, []byte(body), time.Unix(1409659813, 0))
	if err != nil {
		t.Fatal(err)
	}
	ev := in.Event
	if ev == nil || ev.Text != "hello" || ev.User != "mycreate" || ev.ID != "4561255354251345929" || !ev.Direct {
		t.Fatalf("%+v", ev)
	}
	if in.Body == nil || len(in.Body) != 0 {
		t.Fatalf("the acknowledgement must be empty, got %q", in.Body)
	}
}

func TestParseRefusals(t *testing.T) {
	a := docAdapter(t)
	a.cfg.Window = time.Hour
	key, _ := Key(docAESKey)
	now := time.Unix(1764547200, 0)
	build := func(corp string, signedAt time.Time, xmlMsg string) (*http.Request, []byte) {
		enc := Encrypt(key, []byte(xmlMsg), corp, bytes.Repeat([]byte{9}, 16))
		ts := strconv.FormatInt(signedAt.Unix(), 10)
		q := url.Values{"msg_signature": {Signature(docToken, ts, "n", enc)}, "timestamp": {ts}, "nonce": {"n"}}
		body := []byte("<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		return httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), bytes.NewReader(body)), body
	}
	text := "<xml><FromUserName>zhang</FromUserName><MsgType>text</MsgType><Content>上周的销售额</Content><MsgId>1</MsgId></xml>"
	if r, body := build(docCorp, now, text); true {
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event == nil || in.Event.Text != "上周的销售额" {
			t.Fatalf("a good message: %v %+v", err, in.Event)
		}
	}
	if r, body := build("another-corp", now, text); true {
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("another corp's message: %v", err)
		}
	}
	if r, body := build(docCorp, now.Add(-3*time.Hour), text); true {
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrStale) {
			t.Fatalf("an old message: %v", err)
		}
	}
	if r, body := build(docCorp, now, "<xml><FromUserName>zhang</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>"); true {
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event != nil {
			t.Fatalf("an event is not a question: %v %+v", err, in.Event)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("not xml"))
	if _, err := a.Parse(r, []byte("not xml"), now); !errors.Is(err, im.ErrBadRequest) {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := New(Config{AESKey: "short", AgentID: "1"}); err == nil {
		t.Fatal("a malformed EncodingAESKey was accepted")
	}
}

// FuzzDecrypt: no ciphertext makes Decrypt panic.
func FuzzDecrypt(f *testing.F) {
	key, _ := Key(docAESKey)
	f.Add(Encrypt(key, []byte("<xml/>"), docCorp, make([]byte, 16)))
	f.Add("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		Decrypt(key, s, docCorp)
	})
}
