package push

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var report = Report{Title: "上周各渠道的销售额", Reading: "2025年第52周 · 按渠道 · 销售额",
	Lines:     []string{"门店 ¥1,280.0万（环比 +3.1%）", "天猫 ¥512.0万（环比 -2.0%）"},
	Narrative: "上周销售额最高的是门店（¥1,280.0万）。", Link: "https://bi.example.com/?q=上周各渠道的销售额", Chart: []byte("\x89PNG fake")}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return m
}

func TestFeishuCard(t *testing.T) {
	data, err := FeishuBody(report, "", "SECabc123", 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, data)
	if m["msg_type"] != "interactive" || m["timestamp"] != "1700000000" || m["sign"] != "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70=" {
		t.Errorf("envelope %v", m)
	}
	card := m["card"].(map[string]any)
	if card["header"].(map[string]any)["title"].(map[string]any)["content"] != report.Title || !strings.Contains(string(data), report.Link) {
		t.Errorf("card %s", data)
	}
	unsigned, _ := FeishuBody(report, "", "", 0)
	if strings.Contains(string(unsigned), `"sign"`) {
		t.Error("an unsigned bot got a sign")
	}
}

func TestDingTalkAndSlack(t *testing.T) {
	data, _ := DingTalkBody(report)
	m := decode(t, data)
	ac := m["actionCard"].(map[string]any)
	if m["msgtype"] != "actionCard" || ac["singleURL"] != report.Link || !strings.Contains(ac["text"].(string), "门店 ¥1,280.0万") {
		t.Errorf("DingTalk %s", data)
	}
	noLink := report
	noLink.Link = ""
	data, _ = DingTalkBody(noLink)
	if decode(t, data)["msgtype"] != "markdown" {
		t.Errorf("DingTalk without a link %s", data)
	}
	data, _ = SlackBody(report)
	m = decode(t, data)
	if blocks := m["blocks"].([]any); len(blocks) != 3 || !strings.HasPrefix(m["text"].(string), report.Title) {
		t.Errorf("Slack %s", data)
	}
	withURL := report
	withURL.ChartURL = "https://bi.example.com/charts/x.png"
	data, _ = SlackBody(withURL)
	if blocks := decode(t, data)["blocks"].([]any); len(blocks) != 4 || blocks[2].(map[string]any)["image_url"] != withURL.ChartURL {
		t.Errorf("Slack with a chart %s", data)
	}
	data, _ = DingTalkBody(withURL)
	if !strings.Contains(string(data), "![chart](https://bi.example.com/charts/x.png)") {
		t.Errorf("DingTalk with a chart %s", data)
	}
}

func TestWeComLimitsAndImage(t *testing.T) {
	long := report
	long.Narrative = strings.Repeat("销售额", 2000) // 18,000 bytes
	bodies, err := WeComBodies(long)
	if err != nil || len(bodies) != 2 {
		t.Fatalf("%d bodies, %v", len(bodies), err)
	}
	content := decode(t, bodies[0])["markdown"].(map[string]any)["content"].(string)
	if len(content) > WeComMaxMarkdown || !utf8.ValidString(content) || !strings.HasSuffix(content, "…") {
		t.Errorf("markdown of %d bytes (valid %v)", len(content), utf8.ValidString(content))
	}
	img := decode(t, bodies[1])["image"].(map[string]any)
	raw, _ := base64.StdEncoding.DecodeString(img["base64"].(string))
	sum := md5.Sum(raw)
	if string(raw) != string(report.Chart) || img["md5"] != hex.EncodeToString(sum[:]) {
		t.Errorf("image %v", img)
	}
	data, _ := WebhookBody(report)
	if m := decode(t, data); m["title"] != report.Title || m["chart_png_base64"] == nil {
		t.Errorf("webhook %s", data)
	}
}
