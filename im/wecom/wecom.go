// Package wecom is Wenshu's bot on WeCom (企业微信): a self-built app's
// callback. It answers the URL verification (echostr), checks msg_signature
// (SHA-1 of the sorted token, timestamp, nonce and ciphertext), decrypts
// messages with the EncodingAESKey (AES-256-CBC), and replies through the
// app message API with an access token cached until it expires: Markdown
// (at most 4,096 bytes) and the chart as an image message.
package wecom

import (
	"context"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/push"
)

// Config is the app's settings (WENSHU_WECOM_*).
type Config struct {
	CorpID  string
	AgentID string
	Secret  string
	Token   string
	AESKey  string
	// APIBase defaults to https://qyapi.weixin.qq.com.
	APIBase string
	// Window is how old a callback's timestamp may be (default one hour).
	Window time.Duration
	Client *im.Client
}

// Adapter is the WeCom bot.
type Adapter struct {
	cfg   Config
	key   []byte
	token im.Token
}

// New makes the adapter; a malformed EncodingAESKey is an error.
func New(cfg Config) (*Adapter, error) {
	key, err := Key(cfg.AESKey)
	if err != nil {
		return nil, fmt.Errorf("WENSHU_WECOM_AES_KEY: %w", err)
	}
	if _, err := strconv.Atoi(cfg.AgentID); err != nil {
		return nil, fmt.Errorf("WENSHU_WECOM_AGENT_ID %q is not a number", cfg.AgentID)
	}
	if cfg.APIBase == "" {
		cfg.APIBase = "https://qyapi.weixin.qq.com"
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	if cfg.Window == 0 {
		cfg.Window = time.Hour
	}
	if cfg.Client == nil {
		cfg.Client = &im.Client{}
	}
	a := &Adapter{cfg: cfg, key: key}
	a.token.Fetch = a.fetchToken
	return a, nil
}

func (a *Adapter) Platform() string { return push.ChannelWeCom }

// verify checks the query's signature over the ciphertext and its age.
func (a *Adapter) verify(q url.Values, encrypted string, now time.Time) error {
	ts, nonce, sig := q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")
	if ts == "" || nonce == "" || sig == "" {
		return fmt.Errorf("%w: msg_signature, timestamp and nonce are required", im.ErrUnauthorized)
	}
	want := Signature(a.cfg.Token, ts, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return fmt.Errorf("%w: msg_signature does not match", im.ErrUnauthorized)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", im.ErrBadRequest, ts)
	}
	if !im.Within(time.Unix(sec, 0), now, a.cfg.Window) {
		return fmt.Errorf("%w: signed at %s", im.ErrStale, time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

type envelope struct {
	Encrypt string `xml:"Encrypt"`
}

type message struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
}

// Parse answers the URL verification (GET) or reads a message (POST).
func (a *Adapter) Parse(r *http.Request, body []byte, now time.Time) (im.Inbound, error) {
	q := r.URL.Query()
	if r.Method == http.MethodGet {
		echo := q.Get("echostr")
		if err := a.verify(q, echo, now); err != nil {
			return im.Inbound{}, err
		}
		plain, err := Decrypt(a.key, echo, a.cfg.CorpID)
		if err != nil {
			return im.Inbound{}, fmt.Errorf("%w: echostr: %v", im.ErrUnauthorized, err)
		}
		return im.Inbound{Body: plain, ContentType: "text/plain; charset=utf-8"}, nil
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return im.Inbound{}, fmt.Errorf("%w: want an XML body with Encrypt", im.ErrBadRequest)
	}
	if err := a.verify(q, env.Encrypt, now); err != nil {
		return im.Inbound{}, err
	}
	plain, err := Decrypt(a.key, env.Encrypt, a.cfg.CorpID)
	if err != nil {
		return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrUnauthorized, err)
	}
	var m message
	if err := xml.Unmarshal(plain, &m); err != nil {
		return im.Inbound{}, fmt.Errorf("%w: decrypted message: %v", im.ErrBadRequest, err)
	}
	ack := im.Inbound{Body: []byte{}} // an empty answer: no passive reply
	if m.MsgType == "event" || m.FromUserName == "" {
		return ack, nil
	}
	id := m.MsgID
	if id == "" {
		id = m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10)
	}
	text := ""
	if m.MsgType == "text" {
		text = strings.TrimSpace(m.Content)
	}
	ack.Event = &im.Event{Platform: a.Platform(), ID: id, Chat: m.FromUserName, Thread: m.FromUserName,
		User: m.FromUserName, Text: text, Direct: true}
	return ack, nil
}

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
		Token   string `json:"access_token"`
		Expires int    `json:"expires_in"`
	}
	u := a.cfg.APIBase + "/cgi-bin/gettoken?corpid=" + url.QueryEscape(a.cfg.CorpID) + "&corpsecret=" + url.QueryEscape(a.cfg.Secret)
	if err := a.cfg.Client.Do(ctx, http.MethodGet, u, nil, "", nil, &out); err != nil {
		return "", 0, err
	}
	if out.ErrCode != 0 || out.Token == "" {
		return "", 0, fmt.Errorf("wecom gettoken: errcode %d: %s", out.ErrCode, out.ErrMsg)
	}
	return out.Token, time.Duration(out.Expires) * time.Second, nil
}

// invalidToken are WeCom's "access token invalid or expired" codes.
var invalidToken = map[int]bool{40014: true, 42001: true}

type result struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	MediaID string `json:"media_id"`
}

// call makes one app API call with the cached token, fetching a new one
// once when WeCom says it is invalid.
func (a *Adapter) call(ctx context.Context, do func(tok string, out *result) error) (result, error) {
	for attempt := 0; ; attempt++ {
		tok, err := a.token.Get(ctx)
		if err != nil {
			return result{}, err
		}
		var out result
		if err := do(tok, &out); err != nil {
			return out, err
		}
		if invalidToken[out.ErrCode] && attempt == 0 {
			a.token.Reset()
			continue
		}
		if out.ErrCode != 0 {
			return out, fmt.Errorf("wecom: errcode %d: %s", out.ErrCode, out.ErrMsg)
		}
		return out, nil
	}
}

func (a *Adapter) send(ctx context.Context, user string, msg map[string]any) error {
	agent, _ := strconv.Atoi(a.cfg.AgentID)
	msg["touser"], msg["agentid"] = user, agent
	_, err := a.call(ctx, func(tok string, out *result) error {
		return a.cfg.Client.JSON(ctx, a.cfg.APIBase+"/cgi-bin/message/send?access_token="+url.QueryEscape(tok), nil, msg, out)
	})
	return err
}

// sendReport sends the report as Markdown, then its chart as an image.
func (a *Adapter) sendReport(ctx context.Context, user string, r push.Report) error {
	if err := a.send(ctx, user, map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": push.WeComMarkdown(r)}}); err != nil {
		return err
	}
	if len(r.Chart) == 0 {
		return nil
	}
	up, err := a.call(ctx, func(tok string, out *result) error {
		return a.cfg.Client.Upload(ctx, a.cfg.APIBase+"/cgi-bin/media/upload?type=image&access_token="+url.QueryEscape(tok), nil,
			nil, "media", "chart.png", r.Chart, out)
	})
	if err != nil {
		return fmt.Errorf("chart upload: %w", err)
	}
	if up.MediaID == "" {
		return errors.New("chart upload: no media_id")
	}
	return a.send(ctx, user, map[string]any{"msgtype": "image", "image": map[string]string{"media_id": up.MediaID}})
}

// Reply answers the user in the app's chat.
func (a *Adapter) Reply(ctx context.Context, ev im.Event, m im.Message) error {
	if m.Report != nil {
		return a.sendReport(ctx, ev.User, *m.Report)
	}
	return a.send(ctx, ev.User, map[string]any{"msgtype": "text", "text": map[string]string{"content": m.Plain()}})
}

// ChatTarget is the user (the app's chats are one to one).
func (a *Adapter) ChatTarget(ev im.Event) (string, error) { return ev.User, nil }

// Post sends a report to a user.
func (a *Adapter) Post(ctx context.Context, to string, r push.Report) error {
	return a.sendReport(ctx, to, r)
}
