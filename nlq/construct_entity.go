package nlq

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Unknown entities: a name the data does not hold, standing where a value
// would — 京东的销售额, 优衣库今年的销售额, "nike sales" — is not dropped
// (the answer would be the whole company's, the worst defect). The asker
// is told the data has no such thing and offered what it has.

// genericWords are unknown words that modify a metric without naming
// anything (公司的销售额 is the company's sales).
var genericWords = map[string]bool{
	"公司": true, "我们": true, "我们的": true, "咱们": true, "全国": true, "全公司": true, "集团": true, "总体": true, "整体": true,
	"全部": true, "业务": true, "累计": true, "实际": true, "平均": true, "本期": true, "当期": true, "期间": true, "日均": true,
	"company": true, "our": true, "business": true, "overall": true, "total": true, "actual": true, "average": true,
	"group": true, "we": true, "us": true, "daily": true,
	// The entities themselves: 女性会员, 男性顾客 are a value's people.
	"会员": true, "顾客": true, "客户": true, "用户": true, "消费者": true, "买家": true, "人群": true, "客群": true,
	"customers": true, "members": true, "users": true, "buyers": true, "shoppers": true, "people": true,
}

// constructUnknownEntity clarifies an unknown name right before a metric.
func constructUnknownEntity(rd *reading) bool {
	if rd.oddWord != "" {
		if len(rd.metrics) == 0 && rd.prev != nil && len(rd.prev.Metrics) > 0 {
			rd.metrics = rd.prev.Metrics[:1]
		}
		if len(rd.metrics) > 0 {
			rd.t.Clarify = rd.r.entityClarification(rd, rd.oddWord)
			return true
		}
	}
	if len(rd.metrics) == 0 || rd.t.Funnel != "" {
		return false
	}
	masked := rd.ti.masked
	for _, u := range entityCandidates(rd.stripped) {
		lu := strings.ToLower(u)
		if genericWords[lu] || !nameLike(u) {
			continue
		}
		i := strings.Index(strings.ToLower(masked), lu)
		if i < 0 {
			continue
		}
		start := utf8.RuneCountInString(masked[:i])
		pos := start + utf8.RuneCountInString(u)
		if afterValue(rd, start) || !beforeMetric(rd, pos) && !afterPreposition(rd, start) {
			continue
		}
		rd.t.Clarify = rd.r.entityClarification(rd, u)
		return true
	}
	return false
}

// entityCandidates are the unexplained words of the rest, whole (拼多多
// keeps its 多, which alone is a function word), without a trailing 的,
// when they hold something besides function words.
func entityCandidates(rest string) []string {
	var out []string
	for _, w := range strings.Fields(rest) {
		w = strings.TrimRight(strings.TrimLeft(w, "的是看查"), "的是了吗呢啊吧呀")
		if w == "" || stopSet[w] || isNumber(w) {
			continue
		}
		if isCJK([]rune(w)[0]) && stripStopwords(w) == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// nameLike: two or more CJK characters, or a Latin word of three letters or more.
func nameLike(w string) bool {
	rs := []rune(w)
	if isCJK(rs[0]) {
		return len(rs) >= 2
	}
	return len(rs) >= 3
}

// beforeMetric reports whether, from rune position pos, only spaces (a
// masked time span) and 的 come before a metric's phrase.
func beforeMetric(rd *reading, pos int) bool {
	for _, m := range rd.mentions {
		if m.start < pos {
			continue
		}
		gap := strings.TrimSpace(strings.ReplaceAll(string(rd.rs[pos:m.start]), "的", ""))
		if gap != "" && !(rd.lang == "en" && stopSet[gap]) {
			return false
		}
		ms, _, _ := m.split()
		return len(ms) > 0
	}
	return false
}

// afterPreposition: in English a place or thing follows its preposition
// ("sales in Atlantis", "orders for acme"): a name there narrows the
// question as much as one before the metric.
func afterPreposition(rd *reading, start int) bool {
	if rd.lang != "en" {
		return false
	}
	before := strings.Fields(string(rd.rs[:start]))
	if len(before) == 0 {
		return false
	}
	switch before[len(before)-1] {
	case "in", "for", "from", "at", "of", "to":
		return true
	}
	return false
}

// afterValue reports whether a value's phrase ends right at rune start (美妆
// 新品: a word qualifying a value, not a name of its own).
func afterValue(rd *reading, start int) bool {
	for _, m := range rd.mentions {
		if _, _, vs := m.split(); len(vs) > 0 && m.end == start {
			return true
		}
	}
	return false
}

// entityClarification says the data has no such name and offers splits.
func (r *Rules) entityClarification(rd *reading, word string) *Clarification {
	lang := rd.lang
	mt := r.model.Metric(rd.metrics[0])
	var dimLabels []string
	c := &Clarification{}
	// Text dimensions (listed values, or values linked from the data).
	named := func(d *semantic.Dimension) bool {
		return d.Type == semantic.DimText && (len(d.Values) > 0 || r.lex.hasValue(d.Name))
	}
	for _, d := range r.model.Dimensions {
		if !named(d) || len(dimLabels) == 4 {
			continue
		}
		dimLabels = append(dimLabels, d.Label.In(lang))
	}
	c.Message = msg(lang,
		fmt.Sprintf("数据里没有「%s」：它不是%s等任何一项的值，所以不能只看它。可以这样问：", word, strings.Join(dimLabels, "、")),
		fmt.Sprintf("The data holds nothing called %q: it is not a value of %s or any other dimension, so I cannot narrow to it. You could ask:", word, strings.Join(dimLabels, ", ")))
	if mt == nil {
		return c
	}
	n := 0
	for _, d := range r.model.Dimensions {
		if !named(d) || n == 3 {
			continue
		}
		o := msg(lang, "各"+d.Label.In(lang)+"的"+mt.Label.In(lang), mt.Label.In(lang)+" by "+strings.ToLower(d.Label.In(lang)))
		c.Options = append(c.Options, Option{Label: o, Question: o})
		n++
	}
	return c
}
