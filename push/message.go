package push

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Report is what one run sends, before any platform's format: a title,
// the reading (what was computed), the key numbers, the narrative, a link
// back to the chat page and optionally a chart image (PNG).
type Report struct {
	Title     string   `json:"title"`
	Reading   string   `json:"reading,omitempty"`
	Lines     []string `json:"lines,omitempty"`
	Narrative string   `json:"narrative,omitempty"`
	Link      string   `json:"link,omitempty"`
	LinkText  string   `json:"link_text,omitempty"`
	Chart     []byte   `json:"chart,omitempty"`
	// ChartURL is where the chart can be fetched (the server's public
	// /charts/…), for platforms that show images by URL (DingTalk, Slack).
	ChartURL string `json:"chart_url,omitempty"`
}

// Markdown is the report's body (reading, key numbers, narrative) as
// Markdown, the common ground of the platforms.
func (r Report) Markdown() string {
	var b strings.Builder
	if r.Reading != "" {
		b.WriteString(r.Reading + "\n\n")
	}
	for _, l := range r.Lines {
		b.WriteString("- " + l + "\n")
	}
	if len(r.Lines) > 0 {
		b.WriteString("\n")
	}
	if r.Narrative != "" {
		b.WriteString(r.Narrative + "\n")
	}
	return strings.TrimSpace(b.String())
}

// LinkTextOr is the link's text: LinkText, else 在问数中查看.
func (r Report) LinkTextOr() string {
	if r.LinkText != "" {
		return r.LinkText
	}
	return "在问数中查看"
}

// FeishuCard is the report as a Feishu interactive card: a header, the
// report in lark_md, the chart when it has been uploaded (imageKey, from
// the app's image API) and a button back to the page.
func FeishuCard(r Report, imageKey string) map[string]any {
	elements := []any{map[string]any{"tag": "div", "text": map[string]any{"tag": "lark_md", "content": r.Markdown()}}}
	if imageKey != "" {
		elements = append(elements, map[string]any{"tag": "img", "img_key": imageKey,
			"alt": map[string]any{"tag": "plain_text", "content": r.Title}})
	}
	if r.Link != "" {
		elements = append(elements, map[string]any{"tag": "action", "actions": []any{map[string]any{
			"tag": "button", "type": "primary", "url": r.Link, "text": map[string]any{"tag": "plain_text", "content": r.LinkTextOr()}}}})
	}
	return map[string]any{
		"config":   map[string]any{"wide_screen_mode": true},
		"header":   map[string]any{"title": map[string]any{"tag": "plain_text", "content": r.Title}},
		"elements": elements,
	}
}

// FeishuBody is a Feishu custom bot message: an interactive card with the
// report (and its chart when imageKey is set) and a button back to the
// page, signed when secret is set (timestamp in seconds in the body).
func FeishuBody(r Report, imageKey, secret string, ts int64) ([]byte, error) {
	body := map[string]any{"msg_type": "interactive", "card": FeishuCard(r, imageKey)}
	if secret != "" {
		body["timestamp"] = strconv.FormatInt(ts, 10)
		body["sign"] = FeishuSign(secret, ts)
	}
	return json.Marshal(body)
}

// DingTalkBody is a DingTalk robot message: an ActionCard with a link
// button when there is a link, else Markdown. Its signature goes in the URL
// (DingTalkURL).
func DingTalkBody(r Report) ([]byte, error) {
	text := "### " + r.Title + "\n\n" + r.Markdown()
	if r.ChartURL != "" {
		text += "\n\n![chart](" + r.ChartURL + ")"
	}
	if r.Link == "" {
		return json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]any{"title": r.Title, "text": text}})
	}
	return json.Marshal(map[string]any{"msgtype": "actionCard", "actionCard": map[string]any{
		"title": r.Title, "text": text, "singleTitle": r.LinkTextOr(), "singleURL": r.Link}})
}

// WeComMaxMarkdown is the largest markdown content a WeCom group robot takes.
const WeComMaxMarkdown = 4096

// WeComBodies are a WeCom group robot's messages: the report as Markdown
// (cut to 4,096 bytes on a character boundary) and, with a chart, an image
// message (base64 and md5 of the PNG).
func WeComBodies(r Report) ([][]byte, error) {
	md, err := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": WeComMarkdown(r)}})
	if err != nil {
		return nil, err
	}
	out := [][]byte{md}
	if len(r.Chart) > 0 {
		sum := md5.Sum(r.Chart)
		img, err := json.Marshal(map[string]any{"msgtype": "image", "image": map[string]any{
			"base64": base64.StdEncoding.EncodeToString(r.Chart), "md5": hex.EncodeToString(sum[:])}})
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}

// WeComMarkdown is the report as WeCom Markdown, cut to 4,096 bytes on a
// character boundary.
func WeComMarkdown(r Report) string {
	content := "**" + r.Title + "**\n" + r.Markdown()
	if r.Link != "" {
		content += "\n[" + r.LinkTextOr() + "](" + r.Link + ")"
	}
	return cutBytes(content, WeComMaxMarkdown)
}

// SlackBody is a Slack incoming-webhook message in blocks, with the plain
// text as the notification fallback.
func SlackBody(r Report) ([]byte, error) {
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": cutRunes(r.Title, 150)}},
		map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": cutRunes(r.Markdown(), 3000)}},
	}
	if r.ChartURL != "" {
		blocks = append(blocks, map[string]any{"type": "image", "image_url": r.ChartURL, "alt_text": r.Title})
	}
	if r.Link != "" {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": []any{map[string]any{
			"type": "button", "url": r.Link, "text": map[string]any{"type": "plain_text", "text": r.LinkTextOr()}}}})
	}
	return json.Marshal(map[string]any{"text": r.Title + ": " + r.Narrative, "blocks": blocks})
}

// WebhookBody is the generic JSON webhook: the report's fields as they are
// (the chart as base64).
func WebhookBody(r Report) ([]byte, error) {
	body := map[string]any{"title": r.Title, "reading": r.Reading, "lines": r.Lines, "narrative": r.Narrative, "link": r.Link}
	if len(r.Chart) > 0 {
		body["chart_png_base64"] = base64.StdEncoding.EncodeToString(r.Chart)
	}
	if r.ChartURL != "" {
		body["chart_url"] = r.ChartURL
	}
	return json.Marshal(body)
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	s = s[:n-len(more)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + more
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
