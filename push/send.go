package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// Channel types.
const (
	ChannelFeishu   = "feishu"
	ChannelDingTalk = "dingtalk"
	ChannelWeCom    = "wecom"
	ChannelSlack    = "slack"
	ChannelEmail    = "email"
	ChannelWebhook  = "webhook"
	// ChannelChat is an IM chat the bot posts to itself (a subscription
	// made from the chat): Platform says which, To which chat.
	ChannelChat = "chat"
)

// Channel is where a report goes. Secret signs the request (Feishu,
// DingTalk); To is the addressee of an email.
type Channel struct {
	Type   string `json:"type"`
	URL    string `json:"url,omitempty"`
	Secret string `json:"secret,omitempty"`
	To     string `json:"to,omitempty"`
	// Platform is a chat channel's IM platform (feishu, dingtalk, wecom, slack).
	Platform string `json:"platform,omitempty"`
}

// ChatPoster posts a report to a chat through a platform's app API (the
// IM bot); to is the chat as the bot recorded it.
type ChatPoster interface {
	Post(ctx context.Context, to string, r Report) error
}

// ErrPermanent marks a failure no retry can mend (a bad signature, a
// refused address, an unknown channel).
var ErrPermanent = errors.New("permanent delivery failure")

// Sender posts reports to channels: the platform's format and signature,
// retries with backoff and jitter for what can succeed later (HTTP 5xx and
// 429, and the platforms' rate-limit codes), none for the rest.
type Sender struct {
	// Client dials the webhooks (Guard.Client).
	Client *http.Client
	// Now is the clock signatures use (time.Now when nil).
	Now func() time.Time
	// Retries after the first attempt (default 3) and the backoff bounds.
	Retries          int
	WaitMin, WaitMax time.Duration
	Logger           *slog.Logger
	// SMTP is the mail server of email channels (nil: email is refused).
	SMTP *SMTP
	// PerMinute caps the requests to one destination (a webhook URL) per
	// channel type: the platforms' own limits by default (DingTalk and
	// WeCom 20 a minute, Feishu 5 a second); 0 leaves a type unlimited.
	PerMinute map[string]int
	// Chats post to chat channels, by platform (the configured IM bots).
	Chats map[string]ChatPoster
	// FeishuImage uploads a chart through the Feishu app's image API and
	// returns its image_key, so a Feishu webhook card shows the chart (nil
	// when no Feishu app is configured: the card goes without it).
	FeishuImage func(ctx context.Context, png []byte) (string, error)

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// DefaultPerMinute are the platforms' documented limits per robot.
var DefaultPerMinute = map[string]int{ChannelDingTalk: 20, ChannelWeCom: 20, ChannelFeishu: 300}

func (s *Sender) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// wait blocks until the destination may take another request, or fails
// at once when ctx's deadline comes first.
func (s *Sender) wait(ctx context.Context, ch Channel) error {
	limits := s.PerMinute
	if limits == nil {
		limits = DefaultPerMinute
	}
	n := limits[ch.Type]
	if n <= 0 {
		return nil
	}
	s.mu.Lock()
	if s.limiters == nil {
		s.limiters = map[string]*rate.Limiter{}
	}
	l := s.limiters[ch.Type+" "+ch.URL]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(float64(n)/60), max(1, n/10))
		s.limiters[ch.Type+" "+ch.URL] = l
	}
	s.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return fmt.Errorf("rate limit of %s: %w", ch.Type, err)
	}
	return nil
}

// rateLimitCodes are the platforms' "too many requests" answers, sent with
// HTTP 200: Feishu 11232, DingTalk 130101, WeCom 45009.
var rateLimitCodes = map[int]bool{11232: true, 130101: true, 45009: true}

// platformReply is the body the IM platforms answer with.
type platformReply struct {
	Code    *int   `json:"code"`    // Feishu
	Msg     string `json:"msg"`     // Feishu
	ErrCode *int   `json:"errcode"` // DingTalk, WeCom
	ErrMsg  string `json:"errmsg"`
}

func (p platformReply) code() (int, string) {
	switch {
	case p.Code != nil:
		return *p.Code, p.Msg
	case p.ErrCode != nil:
		return *p.ErrCode, p.ErrMsg
	}
	return 0, ""
}

// Send delivers one report to one channel; attempts is how many requests
// were made. A returned error wraps ErrPermanent when retrying is useless.
func (s *Sender) Send(ctx context.Context, ch Channel, r Report) (attempts int, err error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	url := ch.URL
	var bodies [][]byte
	switch ch.Type {
	case ChannelFeishu:
		key := ""
		if len(r.Chart) > 0 && s.FeishuImage != nil {
			if key, err = s.FeishuImage(ctx, r.Chart); err != nil {
				s.log().Warn("feishu chart upload failed; the card goes without it", "err", err)
				key = ""
			}
		}
		b, err := FeishuBody(r, key, ch.Secret, now().Unix())
		if err != nil {
			return 0, err
		}
		bodies = [][]byte{b}
	case ChannelDingTalk:
		b, err := DingTalkBody(r)
		if err != nil {
			return 0, err
		}
		if ch.Secret != "" {
			if url, err = DingTalkURL(ch.URL, ch.Secret, now().UnixMilli()); err != nil {
				return 0, fmt.Errorf("%w: %v", ErrPermanent, err)
			}
		}
		bodies = [][]byte{b}
	case ChannelWeCom:
		if bodies, err = WeComBodies(r); err != nil {
			return 0, err
		}
	case ChannelSlack:
		b, err := SlackBody(r)
		if err != nil {
			return 0, err
		}
		bodies = [][]byte{b}
	case ChannelEmail:
		return s.sendEmail(ctx, ch, r)
	case ChannelChat:
		poster := s.Chats[ch.Platform]
		if poster == nil {
			return 0, fmt.Errorf("%w: no %s bot is configured on this server", ErrPermanent, ch.Platform)
		}
		if err := s.wait(ctx, ch); err != nil {
			return 0, err
		}
		return 1, poster.Post(ctx, ch.To, r)
	case ChannelWebhook:
		b, err := WebhookBody(r)
		if err != nil {
			return 0, err
		}
		bodies = [][]byte{b}
	default:
		return 0, fmt.Errorf("%w: channel type %q is not sent by this sender", ErrPermanent, ch.Type)
	}
	for _, body := range bodies {
		if err := s.wait(ctx, ch); err != nil {
			return attempts, err
		}
		n, err := s.post(ctx, url, body)
		attempts += n
		if err != nil {
			return attempts, err
		}
	}
	return attempts, nil
}

// post sends one body with retries and reads the platform's verdict.
func (s *Sender) post(ctx context.Context, url string, body []byte) (int, error) {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = s.Client
	rc.RetryMax = s.Retries
	if rc.RetryMax == 0 {
		rc.RetryMax = 3
	}
	rc.RetryWaitMin, rc.RetryWaitMax = s.WaitMin, s.WaitMax
	if rc.RetryWaitMin == 0 {
		rc.RetryWaitMin, rc.RetryWaitMax = 500*time.Millisecond, 10*time.Second
	}
	rc.Backoff = retryablehttp.LinearJitterBackoff
	rc.Logger = nil
	attempts := 0
	var verdict error
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		attempts++
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			verdict = err
			if errors.Is(err, ErrForbiddenAddress) {
				verdict = fmt.Errorf("%w: %v", ErrPermanent, err)
				return false, nil
			}
			return true, nil // a network error may pass
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body = io.NopCloser(bytes.NewReader(data))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			verdict = fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, data)
			return true, nil
		case resp.StatusCode >= 300:
			verdict = fmt.Errorf("%w: HTTP %d: %.200s", ErrPermanent, resp.StatusCode, data)
			return false, nil
		}
		var reply platformReply
		if json.Unmarshal(data, &reply) == nil {
			if code, msg := reply.code(); code != 0 {
				if rateLimitCodes[code] {
					verdict = fmt.Errorf("rate limited (code %d): %s", code, msg)
					return true, nil
				}
				verdict = fmt.Errorf("%w: code %d: %s", ErrPermanent, code, msg)
				return false, nil
			}
		}
		verdict = nil
		return false, nil
	}
	rc.ErrorHandler = func(resp *http.Response, err error, _ int) (*http.Response, error) {
		if resp != nil {
			resp.Body.Close()
		}
		if verdict == nil {
			verdict = err
		}
		return nil, verdict
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rc.Do(req)
	if err != nil {
		if verdict != nil {
			return attempts, verdict
		}
		return attempts, err
	}
	resp.Body.Close()
	return attempts, verdict
}
