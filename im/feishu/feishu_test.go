package feishu

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/im"
)

// TestDecryptDocumentedExample decrypts the example of Feishu's "Encrypt
// Key" documentation: key "test key", the ciphertext below, "hello world".
func TestDecryptDocumentedExample(t *testing.T) {
	got, err := Decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "test key")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello world" {
		t.Fatalf("got %q, want hello world", got)
	}
	if _, err := Decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "another key"); err == nil {
		t.Fatal("a wrong key decrypted without an error")
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	iv := bytes.Repeat([]byte{7}, 16)
	for _, n := range []int{0, 1, 15, 16, 17, 1000} {
		plain := bytes.Repeat([]byte("问"), n)
		got, err := Decrypt(Encrypt(plain, "k", iv), "k")
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: %v %q", n, err, got)
		}
	}
}

const (
	key   = "enc-key-123"
	token = "verify-token"
)

var now = time.Unix(1764547200, 0) // 2025-12-01

// request builds a callback as Feishu sends it: the event encrypted, the
// request signed with timestamp, nonce and the encrypt key.
func request(t *testing.T, event any, signedAt time.Time, sign bool) (*http.Request, []byte) {
	t.Helper()
	plain, _ := json.Marshal(event)
	body, _ := json.Marshal(map[string]string{"encrypt": Encrypt(plain, key, bytes.Repeat([]byte{1}, 16))})
	r := httptest.NewRequest(http.MethodPost, "/im/feishu/events", bytes.NewReader(body))
	if sign {
		ts := strconv.FormatInt(signedAt.Unix(), 10)
		r.Header.Set("X-Lark-Request-Timestamp", ts)
		r.Header.Set("X-Lark-Request-Nonce", "n0nce")
		r.Header.Set("X-Lark-Signature", Signature(ts, "n0nce", key, body))
	}
	return r, body
}

func message(chatType, text string, mentions ...map[string]any) map[string]any {
	return map[string]any{"schema": "2.0",
		"header": map[string]any{"event_id": "ev1", "event_type": "im.message.receive_v1", "token": token},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]any{"open_id": "ou_user"}, "sender_type": "user"},
			"message": map[string]any{"message_id": "om_1", "chat_id": "oc_1", "chat_type": chatType, "message_type": "text",
				"content": `{"text":"` + text + `"}`, "mentions": mentions}}}
}

func TestParse(t *testing.T) {
	a := New(Config{AppID: "cli", AppSecret: "s", VerificationToken: token, EncryptKey: key})
	a.botOpenID = "ou_bot"
	bot := map[string]any{"key": "@_user_1", "name": "问数", "id": map[string]any{"open_id": "ou_bot"}}
	other := map[string]any{"key": "@_user_2", "name": "张三", "id": map[string]any{"open_id": "ou_zhang"}}

	t.Run("challenge", func(t *testing.T) {
		r, body := request(t, map[string]string{"type": "url_verification", "challenge": "c-42", "token": token}, now, false)
		in, err := a.Parse(r, body, now)
		if err != nil || string(in.Body) != `{"challenge":"c-42"}` {
			t.Fatalf("%v %s", err, in.Body)
		}
	})
	t.Run("challenge with a wrong token", func(t *testing.T) {
		r, body := request(t, map[string]string{"type": "url_verification", "challenge": "c", "token": "nope"}, now, false)
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("group mention", func(t *testing.T) {
		r, body := request(t, message("group", "@_user_1 上周的销售额 @_user_2", bot, other), now, true)
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event == nil {
			t.Fatalf("%v %+v", err, in)
		}
		ev := in.Event
		if ev.Text != "上周的销售额 @张三" || ev.Chat != "oc_1" || ev.Thread != "om_1" || ev.User != "ou_user" || ev.Direct || ev.ID != "ev1" {
			t.Fatalf("%+v", ev)
		}
	})
	t.Run("group message for someone else", func(t *testing.T) {
		r, body := request(t, message("group", "@_user_2 你好", other), now, true)
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event != nil {
			t.Fatalf("%v %+v", err, in.Event)
		}
	})
	t.Run("direct", func(t *testing.T) {
		r, body := request(t, message("p2p", "销售额"), now, true)
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event == nil || !in.Event.Direct || in.Event.Thread != "oc_1" {
			t.Fatalf("%v %+v", err, in.Event)
		}
	})
	t.Run("in a thread", func(t *testing.T) {
		ev := message("group", "@_user_1 那同比呢", bot)
		ev["event"].(map[string]any)["message"].(map[string]any)["root_id"] = "om_root"
		r, body := request(t, ev, now, true)
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event.Thread != "om_root" {
			t.Fatalf("%v %+v", err, in.Event)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		r, body := request(t, message("p2p", "x"), now, true)
		r.Header.Set("X-Lark-Signature", Signature("1", "2", key, body))
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unsigned event", func(t *testing.T) {
		r, body := request(t, message("p2p", "x"), now, false)
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("stale", func(t *testing.T) {
		r, body := request(t, message("p2p", "x"), now.Add(-2*time.Hour), true)
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrStale) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong verification token", func(t *testing.T) {
		ev := message("p2p", "x")
		ev["header"].(map[string]any)["token"] = "forged"
		r, body := request(t, ev, now, true)
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("plain event when a key is set", func(t *testing.T) {
		body, _ := json.Marshal(message("p2p", "x"))
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if _, err := a.Parse(r, body, now); !errors.Is(err, im.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if _, err := a.Parse(r, []byte("{not json"), now); !errors.Is(err, im.ErrBadRequest) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bots are not answered", func(t *testing.T) {
		ev := message("p2p", "x")
		ev["event"].(map[string]any)["sender"].(map[string]any)["sender_type"] = "app"
		r, body := request(t, ev, now, true)
		in, err := a.Parse(r, body, now)
		if err != nil || in.Event != nil {
			t.Fatalf("%v %+v", err, in.Event)
		}
	})
}

// FuzzParse: no body makes Parse panic, and nothing unsigned gets through.
func FuzzParse(f *testing.F) {
	plain, _ := json.Marshal(message("p2p", "x"))
	f.Add(plain)
	f.Add([]byte(`{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}`))
	f.Add([]byte(`{"encrypt":"!!"}`))
	a := New(Config{AppID: "cli", AppSecret: "s", VerificationToken: token, EncryptKey: key})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		in, err := a.Parse(r, body, now)
		if err == nil && in.Event != nil {
			t.Fatalf("an unsigned body was accepted as an event: %q", body)
		}
	})
}
