package nlq

import (
	"fmt"
	"regexp"
	"strings"
)

// A question that asks for a report on a schedule — 每周一早上9点把上周各渠道
// 的销售额发到飞书群 — is not answered once: it becomes a subscription
// proposal for the asker to confirm (the page asks for the webhook).

// Proposal is a subscription read from words.
type Proposal struct {
	Question string `json:"question"`
	Schedule string `json:"schedule"`
	Channel  string `json:"channel,omitempty"` // feishu, dingtalk, wecom, slack, email; "" when not said
	Text     string `json:"text"`              // the schedule in words
}

var (
	verbFirstRE = regexp.MustCompile(`^\s*[，,]?\s*(?:请)?(?:发一下|发送一下|推送一下|发送|推送|发)(.+)$`)
	sendRE      = regexp.MustCompile(`(?:把|将)?(.+?)(?:发到|发给|发送到|推送到|推到|发我|发一下|推送给)(.*)$`)
	dailyRE     = regexp.MustCompile(`每天(?:早上|上午|下午|晚上)?(\d{1,2})(?:点|:|：)(\d{1,2})?(?:分)?(?:半)?`)
	weeklyRE    = regexp.MustCompile(`每(?:周|星期)([一二三四五六日天1-7])(?:早上|上午|下午|晚上)?(\d{1,2})(?:点|:|：)(\d{1,2})?(?:分)?(半)?`)
	monthRE     = regexp.MustCompile(`每月(\d{1,2})(?:号|日)(?:早上|上午|下午|晚上)?(\d{1,2})(?:点|:|：)(\d{1,2})?(?:分)?(半)?`)
	pmRE        = regexp.MustCompile(`(下午|晚上)`)
	channels    = []struct {
		re   *regexp.Regexp
		name string
	}{
		{regexp.MustCompile(`飞书|feishu|lark`), "feishu"}, {regexp.MustCompile(`钉钉|dingtalk`), "dingtalk"},
		{regexp.MustCompile(`企业微信|企微|wecom`), "wecom"}, {regexp.MustCompile(`slack`), "slack"},
		{regexp.MustCompile(`邮件|邮箱|email|e-mail`), "email"},
	}
)

var weekdays = map[string]int{"日": 0, "天": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "7": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}

// ReadProposal reads a scheduled report from a question, or nil.
func ReadProposal(question string) *Proposal {
	q := strings.TrimSpace(question)
	lower := strings.ToLower(q)
	hour := func(h, m, half, whole string) (int, int) {
		hh, mm := atoi(h), atoi(m)
		if half != "" {
			mm = 30
		}
		if pmRE.MatchString(whole) && hh < 12 {
			hh += 12
		}
		return hh, mm
	}
	var cron, text string
	var rest string
	switch {
	case weeklyRE.MatchString(q):
		m := weeklyRE.FindStringSubmatch(q)
		h, mm := hour(m[2], m[3], m[4], m[0])
		cron, text = fmt.Sprintf("%d %d * * %d", mm, h, weekdays[m[1]]), m[0]
		rest = strings.Replace(q, m[0], "", 1)
	case monthRE.MatchString(q):
		m := monthRE.FindStringSubmatch(q)
		h, mm := hour(m[2], m[3], m[4], m[0])
		cron, text = fmt.Sprintf("%d %d %d * *", mm, h, atoi(m[1])), m[0]
		rest = strings.Replace(q, m[0], "", 1)
	case dailyRE.MatchString(q):
		m := dailyRE.FindStringSubmatch(q)
		h, mm := hour(m[1], m[2], "", m[0])
		if strings.HasSuffix(m[0], "半") {
			mm = 30
		}
		cron, text = fmt.Sprintf("%d %d * * *", mm, h), m[0]
		rest = strings.Replace(q, m[0], "", 1)
	default:
		return nil
	}
	var asked string
	if s := verbFirstRE.FindStringSubmatch(rest); s != nil {
		asked = s[1] // 发一下昨天的销售额
	} else if s := sendRE.FindStringSubmatch(rest); s != nil {
		asked = s[1] // 把上周各渠道销售额发到飞书群
	} else {
		return nil
	}
	p := &Proposal{Question: strings.Trim(asked, " ，,。把将"), Schedule: cron, Text: text}
	for _, c := range channels {
		if c.re.MatchString(lower) {
			p.Channel = c.name
			break
		}
	}
	if p.Question == "" {
		return nil
	}
	return p
}
