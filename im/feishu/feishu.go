// Package feishu is Wenshu's bot on Feishu (Lark): a self-built app with
// event subscription v2. It answers the URL verification challenge, checks
// the verification token and the request signature (X-Lark-Signature =
// hex SHA-256 of timestamp + nonce + encrypt key + body), decrypts
// encrypted events (AES-256-CBC, key SHA-256(encrypt key), the IV first),
// reads im.message.receive_v1 (group @-mentions and direct messages), and
// replies through the open API with a tenant access token cached until it
// expires: interactive cards, the chart uploaded through the image API.
package feishu

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/push"
)

// Config is the app's credentials (WENSHU_FEISHU_*).
type Config struct {
	AppID, AppSecret  string
	VerificationToken string
	// EncryptKey, when set, means events arrive encrypted and signed.
	EncryptKey string
	// APIBase is the open platform (default https://open.feishu.cn; Lark:
	// https://open.larksuite.com).
	APIBase string
	// Window is how old a signed request may be (default one hour).
	Window time.Duration
	Client *im.Client
	Log    *slog.Logger
}

// Adapter is the Feishu bot.
type Adapter struct {
	cfg   Config
	token im.Token

	botMu     sync.Mutex
	botOpenID string
}

// New makes the adapter.
func New(cfg Config) *Adapter {
	if cfg.APIBase == "" {
		cfg.APIBase = "https://open.feishu.cn"
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	if cfg.Window == 0 {
		cfg.Window = time.Hour
	}
	if cfg.Client == nil {
		cfg.Client = &im.Client{}
	}
	a := &Adapter{cfg: cfg}
	a.token.Fetch = a.fetchToken
	return a
}

func (a *Adapter) Platform() string { return push.ChannelFeishu }

// Signature is X-Lark-Signature for a request: hex SHA-256 of timestamp +
// nonce + encrypt key + body.
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Decrypt opens an encrypted event: base64 of IV + AES-256-CBC ciphertext
// (PKCS#7), keyed by SHA-256 of the encrypt key.
func Decrypt(encrypt, encryptKey string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, fmt.Errorf("encrypt is not base64: %w", err)
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("encrypt has a wrong length")
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, _ := aes.NewCipher(key[:])
	iv, ct := raw[:aes.BlockSize], append([]byte(nil), raw[aes.BlockSize:]...)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(ct, ct)
	n := int(ct[len(ct)-1])
	if n == 0 || n > aes.BlockSize || n > len(ct) {
		return nil, errors.New("bad padding (wrong encrypt key?)")
	}
	for _, b := range ct[len(ct)-n:] {
		if int(b) != n {
			return nil, errors.New("bad padding (wrong encrypt key?)")
		}
	}
	return ct[:len(ct)-n], nil
}

// Encrypt is Decrypt's inverse with the given IV (tests build events with it).
func Encrypt(plain []byte, encryptKey string, iv []byte) string {
	key := sha256.Sum256([]byte(encryptKey))
	block, _ := aes.NewCipher(key[:])
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte(nil), plain...), make([]byte, n)...)
	for i := len(plain); i < len(padded); i++ {
		padded[i] = byte(n)
	}
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	return base64.StdEncoding.EncodeToString(append(append([]byte(nil), iv...), out...))
}

// envelope is every shape of callback body: encrypted, the challenge and
// the v2 event.
type envelope struct {
	Encrypt   string `json:"encrypt"`
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Token     string `json:"token"`
	Schema    string `json:"schema"`
	Header    struct {
		EventID   string `json:"event_id"`
		EventType string `json:"event_type"`
		Token     string `json:"token"`
		AppID     string `json:"app_id"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

type messageEvent struct {
	Sender struct {
		SenderID struct {
			OpenID  string `json:"open_id"`
			UnionID string `json:"union_id"`
			UserID  string `json:"user_id"`
		} `json:"sender_id"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Message struct {
		MessageID   string `json:"message_id"`
		RootID      string `json:"root_id"`
		ChatID      string `json:"chat_id"`
		ChatType    string `json:"chat_type"`
		MessageType string `json:"message_type"`
		Content     string `json:"content"`
		Mentions    []struct {
			Key  string `json:"key"`
			Name string `json:"name"`
			ID   struct {
				OpenID string `json:"open_id"`
			} `json:"id"`
		} `json:"mentions"`
	} `json:"message"`
}

func (a *Adapter) tokenOK(got string) bool {
	if a.cfg.VerificationToken == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.VerificationToken)) == 1
}

// Parse verifies and reads one callback.
func (a *Adapter) Parse(r *http.Request, body []byte, now time.Time) (im.Inbound, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrBadRequest, err)
	}
	signed := false
	if a.cfg.EncryptKey != "" {
		if env.Encrypt == "" {
			return im.Inbound{}, fmt.Errorf("%w: an encrypt key is set but the event is not encrypted", im.ErrUnauthorized)
		}
		if sig := r.Header.Get("X-Lark-Signature"); sig != "" {
			ts := r.Header.Get("X-Lark-Request-Timestamp")
			want := Signature(ts, r.Header.Get("X-Lark-Request-Nonce"), a.cfg.EncryptKey, body)
			if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
				return im.Inbound{}, fmt.Errorf("%w: X-Lark-Signature does not match", im.ErrUnauthorized)
			}
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				return im.Inbound{}, fmt.Errorf("%w: X-Lark-Request-Timestamp %q", im.ErrBadRequest, ts)
			}
			if !im.Within(time.Unix(sec, 0), now, a.cfg.Window) {
				return im.Inbound{}, fmt.Errorf("%w: signed at %s", im.ErrStale, time.Unix(sec, 0).UTC().Format(time.RFC3339))
			}
			signed = true
		}
		plain, err := Decrypt(env.Encrypt, a.cfg.EncryptKey)
		if err != nil {
			return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrUnauthorized, err)
		}
		env = envelope{}
		if err := json.Unmarshal(plain, &env); err != nil {
			return im.Inbound{}, fmt.Errorf("%w: decrypted event: %v", im.ErrBadRequest, err)
		}
	}
	if env.Type == "url_verification" {
		if !a.tokenOK(env.Token) {
			return im.Inbound{}, fmt.Errorf("%w: verification token", im.ErrUnauthorized)
		}
		b, _ := json.Marshal(map[string]string{"challenge": env.Challenge})
		return im.Inbound{Body: b, ContentType: "application/json"}, nil
	}
	if a.cfg.EncryptKey != "" && !signed {
		// Only the challenge comes unsigned; an event without a signature
		// could be an old ciphertext sent again.
		return im.Inbound{}, fmt.Errorf("%w: the event has no X-Lark-Signature", im.ErrUnauthorized)
	}
	if env.Schema != "2.0" {
		return im.Inbound{}, fmt.Errorf("%w: only event subscription v2 (schema 2.0) is read", im.ErrBadRequest)
	}
	if !a.tokenOK(env.Header.Token) {
		return im.Inbound{}, fmt.Errorf("%w: verification token", im.ErrUnauthorized)
	}
	if env.Header.EventType != "im.message.receive_v1" {
		return im.Inbound{}, nil
	}
	var me messageEvent
	if err := json.Unmarshal(env.Event, &me); err != nil {
		return im.Inbound{}, fmt.Errorf("%w: event: %v", im.ErrBadRequest, err)
	}
	m := me.Message
	if me.Sender.SenderType != "user" || m.MessageID == "" || m.ChatID == "" {
		return im.Inbound{}, nil // the bot's own and other apps' messages
	}
	direct := m.ChatType == "p2p"
	text := ""
	if m.MessageType == "text" {
		var c struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(m.Content), &c); err != nil {
			return im.Inbound{}, fmt.Errorf("%w: message content: %v", im.ErrBadRequest, err)
		}
		text = c.Text
	}
	mentioned := false
	for _, mn := range m.Mentions {
		if a.isBot(mn.ID.OpenID) {
			mentioned = true
			text = strings.ReplaceAll(text, mn.Key, "")
		} else {
			text = strings.ReplaceAll(text, mn.Key, "@"+mn.Name)
		}
	}
	if !direct && !mentioned {
		return im.Inbound{}, nil // a group message not addressed to the bot
	}
	ev := &im.Event{Platform: a.Platform(), ID: env.Header.EventID, Chat: m.ChatID, User: me.Sender.SenderID.OpenID,
		Text: strings.TrimSpace(text), Direct: direct, Reply: map[string]string{"message_id": m.MessageID}}
	if ev.ID == "" {
		ev.ID = m.MessageID
	}
	switch {
	case m.RootID != "":
		ev.Thread = m.RootID
	case direct:
		ev.Thread = m.ChatID
	default:
		ev.Thread = m.MessageID // the answer opens a thread on it
	}
	return im.Inbound{Event: ev}, nil
}

// isBot reports whether an @-mention is of this bot. The bot's open_id is
// read once from /bot/v3/info; until it is known any mention counts (Feishu
// only delivers group messages that mention the bot, unless the app may
// read every message).
func (a *Adapter) isBot(openID string) bool {
	a.botMu.Lock()
	defer a.botMu.Unlock()
	return a.botOpenID == "" || openID == a.botOpenID
}

// LoadBotInfo reads the bot's open_id (the server calls it at start).
func (a *Adapter) LoadBotInfo(ctx context.Context) error {
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Bot  struct {
			OpenID string `json:"open_id"`
		} `json:"bot"`
	}
	if err := a.call(ctx, http.MethodGet, "/open-apis/bot/v3/info", nil, &out, func() (int, string) { return out.Code, out.Msg }); err != nil {
		return err
	}
	a.botMu.Lock()
	a.botOpenID = out.Bot.OpenID
	a.botMu.Unlock()
	return nil
}

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"`
	}
	err := a.cfg.Client.JSON(ctx, a.cfg.APIBase+"/open-apis/auth/v3/tenant_access_token/internal", nil,
		map[string]string{"app_id": a.cfg.AppID, "app_secret": a.cfg.AppSecret}, &out)
	if err != nil {
		return "", 0, err
	}
	if out.Code != 0 || out.Token == "" {
		return "", 0, fmt.Errorf("feishu code %d: %s", out.Code, out.Msg)
	}
	return out.Token, time.Duration(out.Expire) * time.Second, nil
}

// invalidToken are Feishu's "the access token is invalid or expired" codes.
var invalidToken = map[int]bool{99991661: true, 99991663: true, 99991668: true}

// call makes an authorized open-API call; code reads the answer's code
// and msg. An invalid token is fetched again and the call retried once.
func (a *Adapter) call(ctx context.Context, method, path string, in any, out any, code func() (int, string)) error {
	for attempt := 0; ; attempt++ {
		tok, err := a.token.Get(ctx)
		if err != nil {
			return err
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		if method == http.MethodGet {
			err = a.cfg.Client.Do(ctx, method, a.cfg.APIBase+path, h, "", nil, out)
		} else {
			err = a.cfg.Client.JSON(ctx, a.cfg.APIBase+path, h, in, out)
		}
		if err != nil {
			return err
		}
		c, msg := code()
		if invalidToken[c] && attempt == 0 {
			a.token.Reset()
			continue
		}
		if c != 0 {
			return fmt.Errorf("feishu %s: code %d: %s", path, c, msg)
		}
		return nil
	}
}

// UploadImage uploads a PNG through the image API and returns its image_key.
func (a *Adapter) UploadImage(ctx context.Context, png []byte) (string, error) {
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			ImageKey string `json:"image_key"`
		} `json:"data"`
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.token.Get(ctx)
		if err != nil {
			return "", err
		}
		err = a.cfg.Client.Upload(ctx, a.cfg.APIBase+"/open-apis/im/v1/images", http.Header{"Authorization": {"Bearer " + tok}},
			map[string]string{"image_type": "message"}, "image", "chart.png", png, &out)
		if err != nil {
			return "", err
		}
		if invalidToken[out.Code] && attempt == 0 {
			a.token.Reset()
			continue
		}
		if out.Code != 0 || out.Data.ImageKey == "" {
			return "", fmt.Errorf("feishu image upload: code %d: %s", out.Code, out.Msg)
		}
		return out.Data.ImageKey, nil
	}
}

// content is the message as Feishu's msg_type and content string.
func (a *Adapter) content(ctx context.Context, m im.Message) (string, string, error) {
	if m.Report == nil {
		b, err := json.Marshal(map[string]string{"text": m.Plain()})
		return "text", string(b), err
	}
	key := ""
	if len(m.Report.Chart) > 0 {
		var err error
		if key, err = a.UploadImage(ctx, m.Report.Chart); err != nil {
			if a.cfg.Log != nil {
				a.cfg.Log.Warn("feishu chart upload failed; the card goes without it", "err", err)
			}
			key = "" // the card goes without its chart rather than not at all
		}
	}
	b, err := json.Marshal(push.FeishuCard(*m.Report, key))
	return "interactive", string(b), err
}

type sendResult struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// Reply answers in the message's thread (a group) or the direct chat.
func (a *Adapter) Reply(ctx context.Context, ev im.Event, m im.Message) error {
	typ, content, err := a.content(ctx, m)
	if err != nil {
		return err
	}
	var out sendResult
	return a.call(ctx, http.MethodPost, "/open-apis/im/v1/messages/"+url.PathEscape(ev.Reply["message_id"])+"/reply",
		map[string]any{"msg_type": typ, "content": content, "reply_in_thread": !ev.Direct}, &out,
		func() (int, string) { return out.Code, out.Msg })
}

// Post sends a report to a chat (by chat_id).
func (a *Adapter) Post(ctx context.Context, to string, r push.Report) error {
	typ, content, err := a.content(ctx, im.Message{Report: &r})
	if err != nil {
		return err
	}
	var out sendResult
	return a.call(ctx, http.MethodPost, "/open-apis/im/v1/messages?receive_id_type=chat_id",
		map[string]any{"receive_id": to, "msg_type": typ, "content": content}, &out,
		func() (int, string) { return out.Code, out.Msg })
}

// ChatTarget is the event's chat_id.
func (a *Adapter) ChatTarget(ev im.Event) (string, error) { return ev.Chat, nil }

// Email reads a user's email through the contact API (the app needs the
// permission to read it), for mapping a Feishu user to a Wenshu user.
func (a *Adapter) Email(ctx context.Context, openID string) (string, error) {
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			User struct {
				Email           string `json:"email"`
				EnterpriseEmail string `json:"enterprise_email"`
			} `json:"user"`
		} `json:"data"`
	}
	err := a.call(ctx, http.MethodGet, "/open-apis/contact/v3/users/"+url.PathEscape(openID)+"?user_id_type=open_id", nil, &out,
		func() (int, string) { return out.Code, out.Msg })
	if err != nil {
		return "", err
	}
	if out.Data.User.EnterpriseEmail != "" {
		return out.Data.User.EnterpriseEmail, nil
	}
	return out.Data.User.Email, nil
}
