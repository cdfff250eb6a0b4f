package im

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/push"
)

// Event is one message addressed to the bot: an @-mention in a group or a
// direct message.
type Event struct {
	Platform string `json:"platform"`
	// ID identifies the delivery for deduplication (the platform's event or
	// message id).
	ID string `json:"id"`
	// Chat is the group or direct chat; Thread is the conversation inside
	// it (a thread root, or the chat itself where there are no threads).
	Chat   string `json:"chat"`
	Thread string `json:"thread"`
	// User is the sender's platform user id; UserName is for logs.
	User     string `json:"user"`
	UserName string `json:"user_name,omitempty"`
	// Text is the question with the bot's mention removed.
	Text   string `json:"text"`
	Direct bool   `json:"direct"`
	// Reply is what the adapter needs to answer this message (a message id
	// to reply to, a session webhook); opaque outside the adapter.
	Reply map[string]string `json:"reply,omitempty"`
}

// Message is one reply: a report (an answer with numbers, chart and link)
// or a short text, with numbered options for a clarification.
type Message struct {
	// Report is set for an answer with numbers.
	Report *push.Report
	// Text is a short message: a confirmation, a refusal, an error.
	Text string
	// Options are a clarification's choices; the user answers with the
	// number (or the adapter shows them as buttons that send it).
	Options []string
}

// Plain is the message as plain text, options numbered.
func (m Message) Plain() string {
	var b strings.Builder
	if m.Report != nil {
		b.WriteString(m.Report.Title)
		if s := m.Report.Markdown(); s != "" {
			b.WriteString("\n" + s)
		}
		if m.Report.Link != "" {
			b.WriteString("\n" + m.Report.Link)
		}
	} else {
		b.WriteString(m.Text)
	}
	for i, o := range m.Options {
		b.WriteString("\n" + strconv.Itoa(i+1) + ". " + o)
	}
	return b.String()
}

// Inbound is what an adapter read from one request: an immediate answer
// (the URL verification challenge) or an event to answer later, or
// neither (an event the bot ignores: its own messages, edits, joins).
type Inbound struct {
	// Status, ContentType and Body answer the request when Body is set.
	Status      int
	ContentType string
	Body        []byte
	Event       *Event
	// Retry is true when the platform marks the request as a redelivery
	// (Slack's X-Slack-Retry-Num): a duplicate is acknowledged, not refused.
	Retry bool
}

// Adapter is one platform.
type Adapter interface {
	// Platform is the adapter's name in paths and channels: feishu,
	// dingtalk, wecom or slack.
	Platform() string
	// Parse verifies an inbound request (signature, timestamp window,
	// token, decryption) and reads it. body is the whole, size-capped
	// request body. Errors wrap ErrUnauthorized, ErrStale or ErrBadRequest.
	Parse(r *http.Request, body []byte, now time.Time) (Inbound, error)
	// Reply answers an event in its chat (in its thread where there are
	// threads).
	Reply(ctx context.Context, ev Event, m Message) error
	// Post sends a report to a chat on the bot's own initiative (a
	// subscription made from the chat); to is the chat as ChatTarget gave it.
	Post(ctx context.Context, to string, r push.Report) error
	// ChatTarget is where Post reaches the event's chat later, or an error
	// saying why this chat cannot be posted to unprompted.
	ChatTarget(ev Event) (string, error)
}

// Errors of Parse, mapped to HTTP statuses by Handler.
var (
	ErrUnauthorized = errors.New("bad signature or token")
	ErrStale        = errors.New("timestamp outside the accepted window")
	ErrBadRequest   = errors.New("malformed request")
	ErrDuplicate    = errors.New("event already handled")
)

// Within reports whether t is within window of now, either way (a
// request's timestamp against the server's clock).
func Within(t, now time.Time, window time.Duration) bool {
	d := now.Sub(t)
	return d <= window && d >= -window
}
