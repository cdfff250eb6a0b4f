package nlq

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Audiences (圈人): 列出近90天没有购买的黄金会员, 导出重要价值客户名单,
// "list the dormant gold members in Shanghai" ask for members, one row
// each, not for a number. The members are named by a word of the model's
// audience (会员, 客户, members) or by a value of one of their attributes
// (黄金会员, 沉睡会员); they are filtered by those values, by recency
// (近90天没有购买) and by spend or orders in the 365 days to D (消费超过5000元).
// Asking for personal data the model does not hold (手机号) is refused with
// the reason; a list follows up like any answer (只看女性).

var (
	listWordRE = regexp.MustCompile(`(列出|列一下|列个|列一份|列表|导出|名单|清单|明细|圈出|圈选|圈人|圈一批|拉一份|拉个|拉出|筛出|筛选出|找出|\blist\b|\bexport\b|\bwho are\b|\bwhich (?:customers|members|users|shoppers)\b|\bshow me the (?:customers|members)\b)`)
	whichRE2   = regexp.MustCompile(`(哪些|哪几位|有谁|都有谁|是谁)`)
	// Recency: no order in the last N days (members who never bought count too) …
	notBoughtRE = regexp.MustCompile(`(?:近|最近|过去)?\s*(\d+)\s*(?:天|日)(?:内|以内|之内)?(?:都|一直|还)?(?:没有|没|未|无|不曾|从未)(?:购买|买过?|下单|下过单|消费|复购|回购|购物)|(?:no|not|haven't|have not|hasn't|has not|didn't|did not|without)\s+(?:an?\s+)?(?:purchase[sd]?|bought|buy|buying|order(?:ed|s)?|shopp?(?:ed|ing)?)\s+(?:in|for|within|over)\s+(?:the\s+)?(?:last|past)\s+(\d+)\s+days`)
	// … or some order in them.
	boughtRE  = regexp.MustCompile(`(?:近|最近|过去)\s*(\d+)\s*(?:天|日)(?:内|以内|之内)?(?:有|都有)?(?:购买|买过|下过单|下单|消费)过?|(?:purchased|bought|ordered|shopped)\s+(?:in|within)\s+(?:the\s+)?(?:last|past)\s+(\d+)\s+days`)
	spendRE   = regexp.MustCompile(`(?:消费|花费|花了|买了|销售额|消费额|消费金额|累计消费|spent|spend|spending|sales)\s*(超过|大于|高于|多于|不少于|至少|达到|不低于|满|低于|少于|不到|不足|小于|over|more than|above|at least|below|under|less than|>=|>|<=|<)\s*[¥￥$]?\s*(\d+(?:\.\d+)?)\s*(万|k)?`)
	ordersRE  = regexp.MustCompile(`(?:下单|购买|买|订单|复购)(?:次数|数)?\s*(超过|大于|多于|至少|不少于|达到|满|少于|不到|低于)\s*(\d+)\s*(?:次|单|笔)|(more than|over|at least|fewer than|less than)\s+(\d+)\s+orders`)
	listTopRE = regexp.MustCompile(`(?:前|top\s*)(\d+)\s*(?:名|位|个|人)?`)
	// Personal data: names of columns a list may be asked for.
	personalRE = regexp.MustCompile(`(手机号码?|手机|电话号码?|联系电话|联系方式|微信号|邮箱|电子邮件|e-?mail(?:s| address(?:es)?)?|phone(?: numbers?)?|mobile(?: numbers?)?|收货地址|住址|地址|address(?:es)?|身份证号?|id numbers?|真实姓名|姓名|名字|full names?|names)`)
)

var compareOp = map[string]string{
	"超过": "gt", "大于": "gt", "高于": "gt", "多于": "gt", "over": "gt", "more than": "gt", "above": "gt", ">": "gt",
	"不少于": "gte", "至少": "gte", "达到": "gte", "不低于": "gte", "满": "gte", "at least": "gte", ">=": "gte",
	"低于": "lt", "少于": "lt", "不到": "lt", "不足": "lt", "小于": "lt", "below": "lt", "under": "lt", "less than": "lt", "fewer than": "lt", "<": "lt",
	"<=": "lte",
}

// audienceWord returns the model's audience named in q by one of its words, else nil.
func audienceWord(m *semantic.Model, q string) *semantic.Audience {
	for _, a := range m.Audiences {
		for _, w := range append([]string{a.Label.Zh, strings.ToLower(a.Label.En)}, a.Synonyms...) {
			if w != "" && strings.Contains(q, strings.ToLower(w)) {
				return a
			}
		}
	}
	return nil
}

// memberFilters are the question's value filters on the audience's attributes.
func memberFilters(rd *reading, a *semantic.Audience) (out []semantic.Filter, other []string) {
	m := rd.r.model
	for _, f := range rd.filters {
		d := m.Dimension(f.dim)
		if d == nil {
			continue
		}
		if !a.Lists(m, d) {
			other = append(other, f.dim)
			continue
		}
		op := "in"
		if f.exclude {
			op = "not_in"
		}
		out = append(out, semantic.Filter{Dimension: f.dim, Op: op, Values: slices.Clone(f.values)})
	}
	return out, other
}

func constructAudience(rd *reading) bool {
	m := rd.r.model
	if len(m.Audiences) == 0 {
		return false
	}
	q := rd.q
	listWord := listWordRE.FindString(q)
	a := audienceWord(m, q)
	followUp := false
	if a == nil {
		// 列出沉睡会员: a value of a member attribute names the members.
		for _, aa := range m.Audiences {
			if fs, _ := memberFilters(rd, aa); len(fs) > 0 {
				a = aa
				break
			}
		}
	}
	prevList := rd.prev != nil && rd.prev.List != ""
	switch {
	case listWord != "" && a != nil:
	case whichRE2.MatchString(q) && a != nil && audienceWord(m, q) != nil && len(rd.dims) == 0 && !hasOtherMetric(rd, a):
		// 哪些会员…: the members themselves (哪些城市 asks for a split instead).
	case prevList && listWord == "" && len(rd.metrics) == 0 && len(rd.dims) == 0:
		// 只看女性 after a list: the same list, narrowed.
		a, followUp = m.Audience(rd.prev.List), true
		if a == nil {
			return false
		}
	default:
		if a != nil && personalRE.MatchString(q) && audienceWord(m, q) != nil {
			// 黄金会员的手机号: personal data of members, asked without 列出.
			return refusePersonal(rd, a, personalRE.FindString(q))
		}
		return false
	}
	if len(rd.dims) > 0 && !followUp {
		// 列出各等级的会员数: a split of a number, not a list of members.
		return false
	}
	if hasOtherMetric(rd, a) && !spendRE.MatchString(q) && !ordersRE.MatchString(q) {
		return false
	}
	query := &semantic.Query{List: a.Name}
	if followUp {
		query = rd.prev.Clone()
		rd.t.FollowUp = true
	}
	filters, other := memberFilters(rd, a)
	if len(other) > 0 {
		d := m.Dimension(other[0])
		rd.t.Clarify = &Clarification{Message: msg(rd.lang,
			fmt.Sprintf("名单按会员本人的属性筛选，「%s」不是会员的属性（它属于订单或访问），所以不能用来圈人。可以按这些条件圈：%s。", d.Label.Zh, listableLabels(m, a, "zh")),
			fmt.Sprintf("A list is filtered by the members' own attributes; %s is not one (it belongs to orders or visits). You can filter by: %s.", d.Label.En, listableLabels(m, a, "en")))}
		return true
	}
	for _, f := range filters {
		query.Filters = replaceFilter(query.Filters, f)
	}
	// Personal data: a column the model holds (and the role may see), or a refusal.
	if w := personalRE.FindString(q); w != "" {
		d := personalDim(m, w)
		if d == nil {
			return refusePersonal(rd, a, w)
		}
		if !slices.Contains(query.Dimensions, d.Name) {
			query.Dimensions = append(query.Dimensions, d.Name)
		}
	}
	usedRecency := false
	if mm := notBoughtRE.FindStringSubmatch(q); mm != nil && a.Recency != "" {
		n := atoiFirst(mm[1:])
		query.Filters = replaceFilter(query.Filters, semantic.Filter{Dimension: a.Recency, Op: "gte", Values: []any{int64(n), nil}})
		usedRecency = true
	} else if mm := boughtRE.FindStringSubmatch(q); mm != nil && a.Recency != "" {
		n := atoiFirst(mm[1:])
		query.Filters = replaceFilter(query.Filters, semantic.Filter{Dimension: a.Recency, Op: "lte", Values: []any{int64(n - 1)}})
		usedRecency = true
	}
	if mm := spendRE.FindStringSubmatch(q); mm != nil && a.Spend != "" {
		v, _ := strconv.ParseFloat(mm[2], 64)
		switch mm[3] {
		case "万":
			v *= 10000
		case "k":
			v *= 1000
		}
		query.Filters = replaceFilter(query.Filters, semantic.Filter{Dimension: a.Spend, Op: compareOp[mm[1]], Values: []any{v}})
	}
	if mm := ordersRE.FindStringSubmatch(q); mm != nil && a.Frequency != "" {
		op, num := mm[1], mm[2]
		if op == "" {
			op, num = mm[3], mm[4]
		}
		n, _ := strconv.Atoi(num)
		query.Filters = replaceFilter(query.Filters, semantic.Filter{Dimension: a.Frequency, Op: compareOp[op], Values: []any{int64(n)}})
	}
	if mm := listTopRE.FindStringSubmatch(q); mm != nil {
		n, _ := strconv.Atoi(mm[1])
		query.Limit = n
	}
	// D follows the question (上个月底 → 2025-11-30); a recency phrase's
	// 近90天 is the window of the filter, not the day.
	if rd.ti.Range != nil && !usedRecency {
		query.Time = &semantic.Time{Range: rd.ti.Range}
	}
	rd.t.Query = query
	rd.t.Confident = !rd.fuzzy
	return true
}

// hasOtherMetric: the question names a metric that is not the audience's
// own word (会员 is also 会员数), so it asks for a number.
func hasOtherMetric(rd *reading, a *semantic.Audience) bool {
	for _, mn := range rd.mentions {
		ms, _, _ := mn.split()
		if len(ms) == 0 {
			continue
		}
		text := strings.ToLower(mn.text)
		own := slices.ContainsFunc(append([]string{a.Label.Zh}, a.Synonyms...), func(w string) bool {
			return strings.Contains(text, strings.ToLower(w))
		})
		if !own {
			return true
		}
	}
	return false
}

func atoiFirst(ss []string) int {
	for _, s := range ss {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 0
}

// replaceFilter sets f, replacing a filter on the same dimension.
func replaceFilter(fs []semantic.Filter, f semantic.Filter) []semantic.Filter {
	out := slices.DeleteFunc(slices.Clone(fs), func(x semantic.Filter) bool { return x.Dimension == f.Dimension })
	return append(out, f)
}

// personalDim is the model's dimension named by a personal-data word, or nil.
func personalDim(m *semantic.Model, word string) *semantic.Dimension {
	w := strings.ToLower(word)
	for _, d := range m.Dimensions {
		for _, n := range append([]string{d.Name, d.Label.Zh, strings.ToLower(d.Label.En)}, d.Synonyms...) {
			n = strings.ToLower(n)
			if n != "" && (n == w || strings.Contains(n, w) || strings.Contains(w, n) && len([]rune(n)) >= 2) {
				return d
			}
		}
	}
	return nil
}

// refusePersonal refuses a question for personal data the model does not hold.
func refusePersonal(rd *reading, a *semantic.Audience, word string) bool {
	cols := listableColumns(rd.r.model, a, rd.lang)
	rd.t.Refusal = &Refusal{Reason: "personal_data", Message: msg(rd.lang,
		fmt.Sprintf("数据里没有会员的「%s」：模型不含这项个人信息，所以无法提供。名单可以给出：%s。", word, cols),
		fmt.Sprintf("The data holds no %s of members: the model has no such personal data, so it cannot be given. A list can show: %s.", word, cols))}
	if ex := listExample(rd.r.model, a, rd.lang); ex != "" {
		rd.t.Refusal.Examples = []string{ex}
	}
	return true
}

func listableColumns(m *semantic.Model, a *semantic.Audience, lang string) string {
	var out []string
	for _, c := range a.Columns {
		if d := m.Dimension(c); d != nil && !d.PII {
			out = append(out, d.Label.In(lang))
		}
	}
	return strings.Join(out, msg(lang, "、", ", "))
}

func listableLabels(m *semantic.Model, a *semantic.Audience, lang string) string {
	var out []string
	for _, d := range m.Dimensions {
		if len(d.Values) > 0 && !d.PII && a.Lists(m, d) {
			out = append(out, d.Label.In(lang))
		}
	}
	return strings.Join(out, msg(lang, "、", ", "))
}

// listExample is a list question the model can answer.
func listExample(m *semantic.Model, a *semantic.Audience, lang string) string {
	for _, d := range m.Dimensions {
		if len(d.Values) > 0 && a.Lists(m, d) {
			v := d.Values[len(d.Values)/2]
			return msg(lang, "列出"+v.Label("zh")+"的"+a.Label.Zh, "list the "+strings.ToLower(a.Label.En)+" with "+strings.ToLower(d.Label.En)+" "+v.Label("en"))
		}
	}
	return ""
}
