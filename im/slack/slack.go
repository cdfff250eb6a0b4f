// Package slack is Wenshu's bot on Slack through the Events API: it checks
// the v0 request signature (HMAC-SHA256 of "v0:timestamp:body" with the
// signing secret, within five minutes), answers url_verification, reads
// app_mention and direct messages, and replies in the thread with
// chat.postMessage in Block Kit, through github.com/slack-go/slack.
package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/push"
)

// Config is the app's settings (WENSHU_SLACK_*).
type Config struct {
	SigningSecret string
	BotToken      string
	// APIBase defaults to https://slack.com (the Web API is APIBase/api/).
	APIBase string
	HTTP    *http.Client
}

// Adapter is the Slack bot.
type Adapter struct {
	cfg Config
	api *slack.Client
}

// New makes the adapter.
func New(cfg Config) *Adapter {
	if cfg.APIBase == "" {
		cfg.APIBase = "https://slack.com"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	api := slack.New(cfg.BotToken, slack.OptionAPIURL(strings.TrimRight(cfg.APIBase, "/")+"/api/"), slack.OptionHTTPClient(cfg.HTTP))
	return &Adapter{cfg: cfg, api: api}
}

func (a *Adapter) Platform() string { return push.ChannelSlack }

// Window is how far a request's timestamp may be from now.
const Window = 5 * time.Minute

// Signature is X-Slack-Signature for a request: "v0=" + hex HMAC-SHA256 of
// "v0:" + timestamp + ":" + body, keyed by the signing secret.
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request's signature and age.
func Verify(h http.Header, body []byte, secret string, now time.Time) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: missing X-Slack-Signature or X-Slack-Request-Timestamp", im.ErrUnauthorized)
	}
	if !hmac.Equal([]byte(sig), []byte(Signature(secret, ts, body))) {
		return fmt.Errorf("%w: X-Slack-Signature does not match", im.ErrUnauthorized)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", im.ErrBadRequest, ts)
	}
	if !im.Within(time.Unix(sec, 0), now, Window) {
		return fmt.Errorf("%w: signed at %s", im.ErrStale, time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

var mentionRE = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)

// Parse verifies and reads one Events API request.
func (a *Adapter) Parse(r *http.Request, body []byte, now time.Time) (im.Inbound, error) {
	if err := Verify(r.Header, body, a.cfg.SigningSecret, now); err != nil {
		return im.Inbound{}, err
	}
	outer, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		return im.Inbound{}, fmt.Errorf("%w: %v", im.ErrBadRequest, err)
	}
	switch outer.Type {
	case slackevents.URLVerification:
		v, ok := outer.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if !ok {
			return im.Inbound{}, fmt.Errorf("%w: url_verification without a challenge", im.ErrBadRequest)
		}
		return im.Inbound{Body: []byte(v.Challenge), ContentType: "text/plain"}, nil
	case slackevents.CallbackEvent:
	default:
		return im.Inbound{}, nil
	}
	cb, ok := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb.EventID == "" {
		return im.Inbound{}, fmt.Errorf("%w: event_callback without event_id", im.ErrBadRequest)
	}
	bot := ""
	if len(cb.Authorizations) > 0 {
		bot = cb.Authorizations[0].UserID
	}
	retry := r.Header.Get("X-Slack-Retry-Num") != ""
	var ev *im.Event
	switch e := outer.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" {
			return im.Inbound{}, nil
		}
		ev = &im.Event{Chat: e.Channel, User: e.User, Text: e.Text, Thread: e.ThreadTimeStamp,
			Reply: map[string]string{"thread_ts": e.ThreadTimeStamp}}
		if ev.Thread == "" {
			ev.Thread, ev.Reply["thread_ts"] = e.TimeStamp, e.TimeStamp
		}
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.BotID != "" || e.SubType != "" || e.User == "" || e.User == bot {
			return im.Inbound{}, nil // channel messages come as app_mention; edits and bots are not asked
		}
		ev = &im.Event{Chat: e.Channel, User: e.User, Text: e.Text, Direct: true, Thread: e.Channel,
			Reply: map[string]string{"thread_ts": e.ThreadTimeStamp}}
		if e.ThreadTimeStamp != "" {
			ev.Thread = e.ThreadTimeStamp
		}
	default:
		return im.Inbound{}, nil
	}
	ev.Platform, ev.ID = a.Platform(), cb.EventID
	ev.Text = strings.TrimSpace(mentionRE.ReplaceAllStringFunc(ev.Text, func(m string) string {
		if id := mentionRE.FindStringSubmatch(m)[1]; id == bot || bot == "" {
			return ""
		}
		return m
	}))
	return im.Inbound{Event: ev, Retry: retry}, nil
}

// blocks is the message in Block Kit, with the plain text fallback.
func blocks(m im.Message) ([]slack.Block, string) {
	if m.Report == nil {
		text := m.Plain()
		return []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(text, 3000), false, false), nil, nil)}, text
	}
	r := m.Report
	out := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, cut(r.Title, 150), false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(r.Markdown(), 3000), false, false), nil, nil),
	}
	if r.ChartURL != "" {
		out = append(out, slack.NewImageBlock(r.ChartURL, r.Title, "", nil))
	}
	if r.Link != "" {
		btn := slack.NewButtonBlockElement("open", "open", slack.NewTextBlockObject(slack.PlainTextType, r.LinkTextOr(), false, false))
		btn.URL = r.Link
		out = append(out, slack.NewActionBlock("links", btn))
	}
	return out, r.Title + ": " + r.Narrative
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// post sends the message to a channel (in a thread when ts is set); a
// chart with no public URL is uploaded into the same place.
func (a *Adapter) post(ctx context.Context, channel, ts string, m im.Message) error {
	bl, text := blocks(m)
	opts := []slack.MsgOption{slack.MsgOptionBlocks(bl...), slack.MsgOptionText(text, false)}
	if ts != "" {
		opts = append(opts, slack.MsgOptionTS(ts))
	}
	if _, _, err := a.api.PostMessageContext(ctx, channel, opts...); err != nil {
		return fmt.Errorf("slack chat.postMessage: %w", err)
	}
	if r := m.Report; r != nil && r.ChartURL == "" && len(r.Chart) > 0 {
		_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{Reader: bytes.NewReader(r.Chart), FileSize: len(r.Chart),
			Filename: "chart.png", Title: r.Title, Channel: channel, ThreadTimestamp: ts})
		if err != nil {
			return fmt.Errorf("slack chart upload: %w", err)
		}
	}
	return nil
}

// Reply answers in the message's thread.
func (a *Adapter) Reply(ctx context.Context, ev im.Event, m im.Message) error {
	return a.post(ctx, ev.Chat, ev.Reply["thread_ts"], m)
}

// ChatTarget is the channel.
func (a *Adapter) ChatTarget(ev im.Event) (string, error) { return ev.Chat, nil }

// Post sends a report to a channel.
func (a *Adapter) Post(ctx context.Context, to string, r push.Report) error {
	return a.post(ctx, to, "", im.Message{Report: &r})
}

// Email reads a user's email (users.info; the app needs users:read.email).
func (a *Adapter) Email(ctx context.Context, user string) (string, error) {
	u, err := a.api.GetUserInfoContext(ctx, user)
	if err != nil {
		return "", fmt.Errorf("slack users.info: %w", err)
	}
	return u.Profile.Email, nil
}
