package nlq

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Windows: a followed metric (24小时挽回率) is defined with its window, so
// "24小时内" in 加购没买的用户24小时内挽回了多少 restates the definition
// and is read as part of it. Another window (48小时内挽回了多少) is a
// different metric the model does not define: the asker is told the
// window the model has, never answered for it.

var windowRE = regexp.MustCompile(`(?:within\s+|in\s+)?(\d+|[一二两三四五六七八九十]+)\s*(?:-\s*)?(?:个)?\s*(小时|钟头|h|hrs?|hours?|天|日|d|days?|分钟|min|mins|minutes?)(?:\s*(?:内|以内|之内|里))?`)

func constructWindow(rd *reading) bool {
	m := rd.r.model
	var mt *semantic.Metric
	for _, name := range rd.metrics {
		if x := m.Metric(name); x != nil && x.Type == semantic.TypeFollowed {
			mt = x
		}
	}
	if mt == nil && len(rd.metrics) == 0 && rd.prev != nil {
		for _, name := range rd.prev.Metrics {
			if x := m.Metric(name); x != nil && x.Type == semantic.TypeFollowed {
				mt = x
			}
		}
	}
	if mt == nil {
		return false
	}
	loc := windowRE.FindStringSubmatchIndex(rd.rest)
	if loc == nil {
		return false
	}
	d, ok := windowDuration(rd.rest[loc[2]:loc[3]], rd.rest[loc[4]:loc[5]])
	if !ok {
		return false
	}
	if d == mt.FollowedBy.Within {
		rd.rest = rd.rest[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + rd.rest[loc[1]:]
		return false
	}
	lang := rd.lang
	label := mt.Label.In(lang)
	asked := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rd.rest[loc[0]:loc[1]], "within "), "in "))
	rd.t.Clarify = &Clarification{
		Message: msg(lang,
			fmt.Sprintf("「%s」按%s的窗口定义（统一口径），模型里没有%s的版本，所以不能换算。可以这样问：", label, windowText(mt.FollowedBy.Within, "zh"), strings.TrimRight(asked, "内以之里")),
			fmt.Sprintf("%s is defined with a %s window (one definition for everyone); the model has no %s version, so it cannot be recomputed. You could ask:", label, windowText(mt.FollowedBy.Within, "en"), asked)),
		Options: []Option{{Label: label, Question: label}},
	}
	return true
}

func windowDuration(num, unit string) (time.Duration, bool) {
	n, err := strconv.Atoi(num)
	if err != nil {
		v, ok := cnToInt(num)
		if !ok {
			return 0, false
		}
		n = v
	}
	switch {
	case strings.HasPrefix(unit, "小") || unit == "钟头" || strings.HasPrefix(unit, "h"):
		return time.Duration(n) * time.Hour, true
	case unit == "天" || unit == "日" || strings.HasPrefix(unit, "d"):
		return time.Duration(n) * 24 * time.Hour, true
	default:
		return time.Duration(n) * time.Minute, true
	}
}

// windowText writes a window as people say it: 24小时, 7天, 30 minutes.
func windowText(d time.Duration, lang string) string {
	switch {
	case d%(24*time.Hour) == 0 && d >= 48*time.Hour:
		return msg(lang, fmt.Sprintf("%d天", d/(24*time.Hour)), fmt.Sprintf("%d-day", d/(24*time.Hour)))
	case d%time.Hour == 0:
		return msg(lang, fmt.Sprintf("%d小时", d/time.Hour), fmt.Sprintf("%d-hour", d/time.Hour))
	}
	return msg(lang, fmt.Sprintf("%d分钟", d/time.Minute), fmt.Sprintf("%d-minute", d/time.Minute))
}
