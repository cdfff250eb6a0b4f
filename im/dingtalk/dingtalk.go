// Package dingtalk is Wenshu's bot on DingTalk: an enterprise robot whose
// messages arrive by HTTP callback, signed in the timestamp and sign
// headers (base64 HMAC-SHA256 of timestamp + "\n" + app secret, keyed by
// the app secret, within an hour). Answers go back through the message's
// sessionWebhook as Markdown or an ActionCard; with the app key set,
// subscriptions made in a chat are posted through the robot message API.
package dingtalk

import (
	"context"
	"crypto/subtle"
	"encoding/json"
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

// Config is the robot's credentials (WENSHU_DINGTALK_*).
type Config struct {
	AppSecret string
	// AppKey (the robot's client id) lets the bot post on its own (chat
	// subscriptions); without it only answers are sent.
	AppKey string
	// APIBase is the new API (default https://api.dingtalk.com). Session
	// webhooks must be on a dingtalk.com host or on APIBase's host.
	APIBase string
	Client  *im.Client
}

// Adapter is the DingTalk bot.
type Adapter struct {
	cfg   Config
	token im.Token
}

// New makes the adapter.
func New(cfg Config) *Adapter {
	if cfg.APIBase == "" {
		cfg.APIBase = "https://api.dingtalk.com"
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	if cfg.Client == nil {
		cfg.Client = &im.Client{}
	}
	a := &Adapter{cfg: cfg}
	a.token.Fetch = a.fetchToken
	return a
}

func (a *Adapter) Platform() string { return push.ChannelDingTalk }

// Window is how far a callback's timestamp may be from now.
const Window = time.Hour

type callback struct {
	ConversationID   string `json:"conversationId"`
	ConversationType string `json:"conversationType"` // 1 direct, 2 group
	MsgID            string `json:"msgId"`
	MsgType          string `json:"msgtype"`
	SenderStaffID    string `json:"senderStaffId"`
	SenderID         string `json:"senderId"`
	SenderNick       string `json:"senderNick"`
	SessionWebhook   string `json:"sessionWebhook"`
	SessionExpires   int64  `json:"sessionWebhookExpiredTime"`
	RobotCode        string `json:"robotCode"`
	Text             struct {
		Content string `json:"content"`
	} `json:"text"`
}

// Parse verifies the headers and reads the message.
func (a *Adapter) Parse(r *http.Request, body []byte, now time.Time) (im.Inbound, error) {
	ts, sign := r.Header.Get("timestamp"), r.Header.Get("sign")
	if ts == "" || sign == "" {
		return im.Inbound{}, fmt.Errorf("%w: missing timestamp or sign header", im.ErrUnauthorized)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return im.Inbound{}, fmt.Errorf("%w: timestamp %q", im.ErrUnauthorized, ts)
	}
	want := push.DingTalkSign(a.cfg.AppSecret, ms)
	if subtle.ConstantTimeCompare([]byte(sign), []byte(want)) != 1 {
		return im.Inbound{}, fmt.Errorf("%w: sign does not match", im.ErrUnauthorized)
	}
	if !im.Within(time.UnixMilli(ms), now, Window) {
		return im.Inbound{}, fmt.Errorf("%w: signed at %s", im.ErrStale, time.UnixMilli(ms).UTC().Format(time.RFC3339))
	}
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrBadRequest, err)
	}
	if cb.MsgID == "" || cb.ConversationID == "" || cb.SessionWebhook == "" {
		return im.Inbound{}, fmt.Errorf("%w: msgId, conversationId and sessionWebhook are required", im.ErrBadRequest)
	}
	if err := a.checkWebhook(cb.SessionWebhook); err != nil {
		return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrBadRequest, err)
	}
	user := cb.SenderStaffID
	if user == "" {
		user = cb.SenderID
	}
	direct := cb.ConversationType == "1"
	text := ""
	if cb.MsgType == "text" {
		text = strings.TrimSpace(cb.Text.Content)
	}
	ev := &im.Event{Platform: a.Platform(), ID: cb.MsgID, Chat: cb.ConversationID, User: user, UserName: cb.SenderNick,
		Text: text, Direct: direct, Thread: cb.ConversationID,
		Reply: map[string]string{"webhook": cb.SessionWebhook, "expires": strconv.FormatInt(cb.SessionExpires, 10),
			"robot": cb.RobotCode, "type": cb.ConversationType}}
	if !direct {
		// No threads in DingTalk groups: each member's questions in a
		// group are one conversation.
		ev.Thread = cb.ConversationID + "/" + user
	}
	return im.Inbound{Event: ev}, nil
}

// checkWebhook accepts only DingTalk's own session webhooks (the URL comes
// in a signed callback, but is dialled with the bot's reply).
func (a *Adapter) checkWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("sessionWebhook: %v", err)
	}
	base, _ := url.Parse(a.cfg.APIBase)
	host := u.Hostname()
	switch {
	case u.Scheme == "https" && (host == "dingtalk.com" || strings.HasSuffix(host, ".dingtalk.com")):
		return nil
	case base != nil && u.Host == base.Host && u.Scheme == base.Scheme:
		return nil
	}
	return fmt.Errorf("sessionWebhook %s is not a DingTalk address", u.Redacted())
}

// markdown is a message as a DingTalk robot body.
func markdown(m im.Message) ([]byte, error) {
	if m.Report != nil {
		return push.DingTalkBody(*m.Report)
	}
	text := m.Text
	if len(m.Options) > 0 {
		// Each option is a link that sends its number back as a message.
		for i, o := range m.Options {
			n := strconv.Itoa(i + 1)
			text += "\n\n" + n + ". [" + o + "](dtmd://dingtalkclient/sendMessage?content=" + url.QueryEscape(n) + ")"
		}
	}
	title := []rune(m.Text)
	if len(title) > 20 {
		title = append(title[:20], '…')
	}
	return json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]any{"title": string(title), "text": text}})
}

type reply struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Reply answers through the message's session webhook.
func (a *Adapter) Reply(ctx context.Context, ev im.Event, m im.Message) error {
	if exp, _ := strconv.ParseInt(ev.Reply["expires"], 10, 64); exp > 0 && time.Now().UnixMilli() > exp {
		return errors.New("the session webhook has expired")
	}
	body, err := markdown(m)
	if err != nil {
		return err
	}
	var out reply
	if err := a.cfg.Client.Do(ctx, http.MethodPost, ev.Reply["webhook"], nil, "application/json", body, &out); err != nil {
		return err
	}
	if out.ErrCode != 0 {
		return fmt.Errorf("dingtalk session webhook: errcode %d: %s", out.ErrCode, out.ErrMsg)
	}
	return nil
}

func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		Token    string `json:"accessToken"`
		ExpireIn int    `json:"expireIn"`
	}
	if err := a.cfg.Client.JSON(ctx, a.cfg.APIBase+"/v1.0/oauth2/accessToken", nil,
		map[string]string{"appKey": a.cfg.AppKey, "appSecret": a.cfg.AppSecret}, &out); err != nil {
		return "", 0, err
	}
	if out.Token == "" {
		return "", 0, errors.New("dingtalk returned no access token")
	}
	return out.Token, time.Duration(out.ExpireIn) * time.Second, nil
}

// ChatTarget is where Post reaches the chat: "group:<openConversationId>:
// <robotCode>" or "user:<staffId>:<robotCode>". It needs the app key.
func (a *Adapter) ChatTarget(ev im.Event) (string, error) {
	if a.cfg.AppKey == "" {
		return "", errors.New("钉钉机器人还没有配置 AppKey（WENSHU_DINGTALK_APP_KEY），不能在群里主动发送；请在问数页面上用群机器人的 Webhook 订阅")
	}
	robot := ev.Reply["robot"]
	if robot == "" || robot == "normal" {
		robot = a.cfg.AppKey
	}
	if ev.Direct {
		return "user:" + ev.User + ":" + robot, nil
	}
	return "group:" + ev.Chat + ":" + robot, nil
}

// Post sends a report through the robot message API (group or 1:1).
func (a *Adapter) Post(ctx context.Context, to string, r push.Report) error {
	kind, rest, _ := strings.Cut(to, ":")
	i := strings.LastIndex(rest, ":")
	if i < 0 || (kind != "group" && kind != "user") {
		return fmt.Errorf("dingtalk chat %q is not group:ID:ROBOT or user:ID:ROBOT", to)
	}
	id, robot := rest[:i], rest[i+1:]
	text := "### " + r.Title + "\n\n" + r.Markdown()
	if r.ChartURL != "" {
		text += "\n\n![chart](" + r.ChartURL + ")"
	}
	if r.Link != "" {
		text += "\n\n[" + r.LinkTextOr() + "](" + r.Link + ")"
	}
	param, _ := json.Marshal(map[string]string{"title": r.Title, "text": text})
	body := map[string]any{"robotCode": robot, "msgKey": "sampleMarkdown", "msgParam": string(param)}
	path := "/v1.0/robot/groupMessages/send"
	if kind == "group" {
		body["openConversationId"] = id
	} else {
		path = "/v1.0/robot/oToMessages/batchSend"
		body["userIds"] = []string{id}
	}
	tok, err := a.token.Get(ctx)
	if err != nil {
		return err
	}
	err = a.cfg.Client.JSON(ctx, a.cfg.APIBase+path, http.Header{"X-Acs-Dingtalk-Access-Token": {tok}}, body, nil)
	if err != nil && strings.Contains(err.Error(), "HTTP 401") {
		a.token.Reset()
	}
	return err
}
