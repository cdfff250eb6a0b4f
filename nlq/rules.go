package nlq

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Translation is how a translator read a question: a semantic query, or a
// clarification, or a refusal; never numbers made up.
type Translation struct {
	Query   *semantic.Query `json:"query,omitempty"`
	Lang    string          `json:"lang"`
	Clarify *Clarification  `json:"clarification,omitempty"`
	Refusal *Refusal        `json:"refusal,omitempty"`
	// Confident is true when every content word was understood: the router
	// may then skip the LLM.
	Confident bool `json:"confident"`
	// Notes state defaults the question left open (the time range).
	Notes []string `json:"notes,omitempty"`
	// FollowUp is true when the question changed the previous query.
	FollowUp bool `json:"follow_up,omitempty"`
	// Unknown lists the words no rule understood.
	Unknown []string `json:"unknown,omitempty"`
	// DefaultTime is true when the range is the default, not asked for.
	DefaultTime bool `json:"default_time,omitempty"`
	// Partial keeps what a question without a metric did say (上个月, 按渠道),
	// so that naming the metric next completes it.
	Partial *semantic.Query `json:"partial,omitempty"`
}

// partialQuery holds the splits and time of a question that named no metric.
func partialQuery(dims []string, ti TimeInfo) *semantic.Query {
	if len(dims) == 0 && ti.Range == nil && ti.Grain == "" && ti.Compare == "" {
		return nil
	}
	q := &semantic.Query{Dimensions: dims, Compare: ti.Compare}
	if ti.Range != nil || ti.Grain != "" {
		q.Time = &semantic.Time{Range: ti.Range, Grain: ti.Grain}
	}
	return q
}

// Complete fills what a fresh question left open from a pending partial
// query (the conversation's previous question named no metric): its splits,
// filters on other dimensions, and its time unless this question set one.
func (t *Translation) Complete(pending *semantic.Query) {
	q := t.Query
	// A question with splits or filters of its own is a new question.
	if pending == nil || q == nil || t.FollowUp || len(q.Dimensions) > 0 || len(q.Filters) > 0 {
		return
	}
	for _, d := range pending.Dimensions {
		if !slices.Contains(q.Dimensions, d) && !hasFilter(q.Filters, d) {
			q.Dimensions = append(q.Dimensions, d)
		}
	}
	for _, f := range pending.Filters {
		if !hasFilter(q.Filters, f.Dimension) {
			q.Filters = append(q.Filters, f)
		}
	}
	if pending.Time != nil && (t.DefaultTime || q.Time == nil) {
		pt := *pending.Time
		if pt.Range == nil && q.Time != nil {
			pt.Range = q.Time.Range
		}
		q.Time = &pt
		if pending.Time.Range != nil {
			t.Notes, t.DefaultTime = nil, false
		}
	}
	if q.Compare == "" {
		q.Compare = pending.Compare
	}
}

// Clarification asks the asker to choose; each option is a question to ask.
type Clarification struct {
	Message string   `json:"message"`
	Options []Option `json:"options,omitempty"`
}

// Text is the clarification as plain text, its options numbered, for a
// client (a bot, a script) that shows only the answer text.
func (c *Clarification) Text() string {
	if len(c.Options) == 0 {
		return c.Message
	}
	var b strings.Builder
	b.WriteString(c.Message)
	for i, o := range c.Options {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Label)
	}
	return b.String()
}

// Option is one clickable answer to a clarification.
type Option struct {
	Label    string `json:"label"`
	Question string `json:"question"`
}

// Refusal is a polite no, for questions the model cannot answer.
type Refusal struct {
	// Reason is write, out_of_scope, chitchat, or for access: outside_access
	// (a value outside the asker's rows) or not_permitted (what the role
	// may not see).
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Examples []string `json:"examples,omitempty"`
}

// Refusal reasons of access.
const (
	RefusalOutOfScope   = "outside_access"
	RefusalNotPermitted = "not_permitted"
	// RefusalTooCostly: the question would compute more groups than one
	// question may (Admission); the message says how to narrow it.
	RefusalTooCostly = "too_costly"
)

// Rules is the offline translator: it reads questions with the model's
// vocabulary and a fixed grammar of Chinese and English BI phrasing.
type Rules struct {
	model *semantic.Model
	lex   *Lexicon

	phrasesOnce sync.Once
	phrases     map[string]*valuePhrases // value phrases per dimension, for unknown values
}

// NewRules makes a rules translator over a model and its lexicon.
func NewRules(m *semantic.Model, lex *Lexicon) *Rules { return &Rules{model: m, lex: lex} }

// Lexicon is the vocabulary the rules read with (the LLM path links with it too).
func (r *Rules) Lexicon() *Lexicon { return r.lex }

var (
	writeRE = regexp.MustCompile(`(把.{0,12}(订单|数据|记录|表|会员|价格|状态|金额).{0,12}(改成|改为|设为|设置为|标记为|更新为)|删除|删掉|删了|删去|清空|清除数据|修改数据|更改数据|改数据|改一下数据|写入|插入|新增一条|\bdrop\b|\bdelete\b|\btruncate\b|\bupdate\b|\binsert\b|\balter\b|\bcreate table\b|\bgrant\b)`)
	scopeRE = regexp.MustCompile(`(天气|下雨|下雪|气温|温度|雾霾|股价|股票|汇率|新闻|彩票|员工|绩效|工资|薪资|薪水|考勤|招聘|请假|\bweather\b|\brain\b|\bstock price\b|\bemployees?\b|\bsalary\b|\bsalaries\b|\bpayroll\b)`)
	// Forecasts and the future: the data holds only what happened.
	futureRE = regexp.MustCompile(`(预测|预估|预计|预期|展望|forecast|predict|projection|明年|下个月|下月|下周|下季度|下个季度|next month|next year|next week|next quarter)`)
	greetRE  = regexp.MustCompile(`^\s*(你好|您好|嗨|哈喽|早上好|晚上好|谢谢|多谢|感谢|你是谁|在吗|hi|hello|hey|thanks|thank you|who are you)\b?`)

	groupMarkRE = regexp.MustCompile(`(按照|按|各个|各|每个|每一个|每|分|哪个|哪些|哪家|哪一个|哪|by|per|across|for each|split by|broken down by|which|each)\s*$`)
	whichRE     = regexp.MustCompile(`(哪个|哪些|哪家|哪一个|哪|which)\s*$`)
	topTailRE   = regexp.MustCompile(`(?:前|top|头|bottom|后)\s*\d+\s*(?:个|名|家|位|款)?\s*$|(?:最高|最多|最好|最大|最低|最少|最差|最小)的\s*\d*\s*(?:个|名|家|位|款)?\s*$`)
	exclRE      = regexp.MustCompile(`(除了|除去|除开|不含|不包括|不包含|排除|去掉|剔除|不看|不要|除|except|excluding|exclude|without|other than|apart from|not)\s*$`)
	followRE    = regexp.MustCompile(`^\s*(那么|那|换成|改成|换为|改为|改看|再看|看看|只看|仅看|按|分|如果|what about|how about|and|only|switch to|change to|instead)|呢\s*$|\binstead\b`)
	swapRE      = regexp.MustCompile(`(换成|改成|换为|改为|改看|switch to|change to|instead)`)
	topRE       = regexp.MustCompile(`(?:前|top|头|排名前)\s*(\d+)|(\d+)\s*(?:个|名|家|位|款)?\s*(?:最高|最多|最好|最大|最低|最少|最差|最小)|(?:最高|最多|最好|最大|最低|最少|最差|最小|highest|best|most|largest|biggest|lowest|worst|least|smallest|bottom)\s*(?:的)?\s*(\d+)|(?:bottom|后|倒数)\s*(\d+)`)
	bestRE      = regexp.MustCompile(`(最高|最多|最好|最大|最强|第一|卖得最好|highest|best|most|largest|biggest|top|leading)`)
	worstRE     = regexp.MustCompile(`(最低|最少|最差|最小|最弱|倒数|垫底|lowest|worst|least|smallest|bottom|weakest)`)
	rankRE      = regexp.MustCompile(`(排名|排行|排序|名次|\brank|\bsorted|\bordered)`)
	shareRE     = regexp.MustCompile(`(占比|份额|比重|占多少|贡献度|构成|\bshare\b|proportion|percentage of total|% of total|breakdown)`)
	condRE      = regexp.MustCompile(`(超过|大于|高于|多于|不低于|不少于|至少|大于等于|>=|>|above|over|more than|greater than|at least|exceeds?|低于|小于|少于|不足|不到|不超过|至多|小于等于|<=|<|below|under|less than|at most|fewer than)\s*(\d+(?:\.\d+)?)\s*(万|千|百|k|w|m|%)?`)
	dayWhichRE  = regexp.MustCompile(`(哪天|哪一天|哪日|哪个日子|which day|what day)`)
	monWhichRE  = regexp.MustCompile(`(哪个月|哪一个月|哪月|which month|what month)`)
	weekWhichRE = regexp.MustCompile(`(哪周|哪一周|哪个星期|which week)`)
	removeDimRE = regexp.MustCompile(`(不按|不用按|不分|去掉|取消|合并|汇总|总计|不拆分|remove|without splitting|drop the split|in total|overall)`)
)

// stopwords are function words a question may hold without losing meaning.
var stopwords = strings.Fields(`的 了 是 多少 吗 呢 啊 吧 呀 哦 嘛 请问 请 帮我 帮忙 麻烦 查询 查一下 查查 查 看一下 看看 看下 看 一下 给我 给 显示 展示 列出 统计 数据 情况 怎么样 怎样 如何 有多少 有 多 少 分别 分别是 各 按照 按 每个 每 分 哪个 哪些 哪 和 与 及 以及 跟 同 在 中 里 里面 其中 对比 比较 比 排名 排行 最 高 低 好 差 前 后 个 名 家 位 款 做 做得 得 表现 怎么 一共 总共 合计 共 总 总的 整体 全部 所有 都 也 还 再 又 就 只 仅 要 想 想知道 知道 告诉 能 可以 为 为止 截至 到 至 从 起 期间 时候 时 年 月 日 天 周 季度 拆开 拆分 细分 维度 分布 下 上 多大 大概 大约 目前 现在 当前 数 量 金额 值 率 指标 怎么算 计算 口径 一样 呢 吗 能否 是否 有没有 几 卖 卖得 排 趋势
what is are was were the of in on at by for show me how many much did do does and vs versus per each which a an list give tell get what's whats please can you i want to know about from to with between than rate number total overall all our we my this that last over time compare compared breakdown split sorted ranked rank ranking top bottom highest lowest best worst most least who where when why`)

var stopSet = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range stopwords {
		m[w] = true
	}
	return m
}()

// Translate reads one question. prev is the conversation's previous query
// (nil at the start); follow-ups change it instead of starting over.
func (r *Rules) Translate(question string, prev *semantic.Query, asOf semantic.Date) *Translation {
	lang := detectLang(question)
	t := &Translation{Lang: lang}
	q := normalize(question)
	if q == "" {
		t.Clarify = r.examplesClarification(lang, msg(lang, "请输入一个问题，例如：", "Ask a question, for example:"))
		return t
	}
	if writeRE.MatchString(q) {
		t.Refusal = &Refusal{Reason: "write", Message: msg(lang,
			"我只能查询和分析数据，不能删除、修改或写入任何数据。", "I can only read and analyse data; I cannot delete, change or write anything."),
			Examples: r.examples(lang)}
		return t
	}
	if m := scopeRE.FindString(q); m != "" {
		t.Refusal = &Refusal{Reason: "out_of_scope", Message: msg(lang,
			fmt.Sprintf("抱歉，数据里没有「%s」相关的信息，我只能回答模型中定义的业务指标（销售、订单、会员、流量、满意度等）。", m),
			fmt.Sprintf("Sorry, the data holds nothing about %q; I can answer questions about the metrics of the model (sales, orders, members, traffic, satisfaction…).", m)),
			Examples: r.examples(lang)}
		return t
	}

	ti := ResolveTime(q, asOf)
	if ti.BadYear != 0 {
		// Never another period instead of the one asked for.
		t.Clarify = &Clarification{Message: msg(lang,
			fmt.Sprintf("%d年不在可以查询的时间范围内（%d年至今），请换一个时间，例如：", ti.BadYear, minYear),
			fmt.Sprintf("%d is outside the time that can be asked about (%d to today); try another period, for example:", ti.BadYear, minYear))}
		for _, e := range []string{msg(lang, "今年的"+r.firstLabel(lang), r.firstLabel(lang)+" this year"), msg(lang, "去年的"+r.firstLabel(lang), r.firstLabel(lang)+" last year")} {
			t.Clarify.Options = append(t.Clarify.Options, Option{Label: e, Question: e})
		}
		return t
	}
	mentions := r.lex.link(ti.masked)
	// restText is what no linked phrase explains: markers, and unknown words.
	restText := unlinked(ti.masked, mentions)
	if m := futureRE.FindString(restText); m != "" {
		t.Refusal = &Refusal{Reason: "forecast", Message: msg(lang,
			fmt.Sprintf("抱歉，我只能回答已经发生的数据，不能做「%s」这类预测。可以看看历史趋势，例如：", m),
			fmt.Sprintf("Sorry, I can only report what has happened, not %q. You could look at the trend instead:", m)),
			Examples: r.examples(lang)}
		return t
	}
	rs := []rune(ti.masked)

	var metrics, dims []string
	type valFilter struct {
		dim     string
		values  []any
		exclude bool
	}
	var filters []valFilter
	var ambiguous [][]string
	var whichDim bool
	fuzzy := false
	for i, m := range mentions {
		before := string(rs[prevEnd(mentions, i):m.start])
		if m.fuzzy {
			fuzzy = true
		}
		ms, ds, vs := m.split()
		after := string(rs[m.end:nextStart(mentions, i, len(rs))])
		// "…的门店" closing a question, or "top 10 stores", names what is ranked or listed.
		grouped := groupMarkRE.MatchString(before) || topTailRE.MatchString(before) ||
			i == len(mentions)-1 && strings.HasSuffix(strings.TrimSpace(before), "的") && strings.TrimSpace(stripStopwords(strings.TrimSpace(after))) == ""
		nextIsValueOf := func(dim string) bool {
			if i+1 >= len(mentions) {
				return false
			}
			for _, tg := range mentions[i+1].targets {
				if tg.kind == kindValue && tg.name == dim {
					return true
				}
			}
			return false
		}
		switch {
		case len(ms) > 0 && (len(ds) == 0 && len(vs) == 0 || !grouped):
			if len(ms) > 1 {
				ambiguous = append(ambiguous, ms)
				continue
			}
			if !slices.Contains(metrics, ms[0]) {
				metrics = append(metrics, ms[0])
			}
		case len(ds) > 0 && (grouped || len(vs) == 0):
			d := ds[0]
			if nextIsValueOf(d) && !grouped {
				continue // 城市为上海: the value says it
			}
			if !grouped && len(vs) == 0 && prevWasValue(mentions, i) && strings.TrimSpace(before) == "" {
				continue // "beauty products", 美妆商品: a noun after a value, not a split
			}
			if whichRE.MatchString(before) {
				whichDim = true
			}
			if !slices.Contains(dims, d) {
				dims = append(dims, d)
			}
		case len(vs) > 0:
			// A value may belong to several dimensions (a city of stores and of
			// members is one dimension here; a name shared by two is ambiguous:
			// take the first the model lists).
			v := vs[0]
			excl := exclRE.MatchString(before) || i > 0 && len(filters) > 0 && filters[len(filters)-1].exclude &&
				strings.TrimSpace(strings.Trim(before, "和及与、,或")) == "" && prevWasValue(mentions, i)
			placed := false
			for k := range filters {
				if filters[k].dim == v.name && filters[k].exclude == excl {
					filters[k].values = append(filters[k].values, v.value)
					placed = true
				}
			}
			if !placed {
				filters = append(filters, valFilter{dim: v.name, values: []any{v.value}, exclude: excl})
			}
		}
	}
	t.Unknown = leftover(restText)
	t.Confident = len(t.Unknown) == 0 && !fuzzy && len(ambiguous) == 0
	if c := r.unknownValue(question, ti.masked, mentions, t.Unknown, lang); c != nil {
		t.Clarify = c
		return t
	}

	if len(ambiguous) > 0 && len(metrics) == 0 {
		t.Clarify = r.ambiguityClarification(lang, question, ambiguous[0])
		return t
	}

	if len(metrics) == 0 && len(dims) == 0 && len(filters) == 0 && greetRE.MatchString(q) {
		t.Refusal = &Refusal{Reason: "chitchat", Message: msg(lang,
			"你好！我是问数，可以用自然语言查询业务指标。试试这样问：", "Hi! I am Wenshu: ask me about your business metrics in plain words, for example:"),
			Examples: r.examples(lang)}
		return t
	}
	// A question without a metric continues the conversation only when it
	// says something the previous query can take (a split, a value, a time,
	// a grain, a comparison, a ranking) or reads like a follow-up.
	modifies := len(dims) > 0 || len(filters) > 0 || ti.Range != nil || ti.Shift != "" || ti.Grain != "" || ti.Compare != "" ||
		ti.Trend || topRE.MatchString(restText) || shareRE.MatchString(restText) || followRE.MatchString(q)
	followUp := prev != nil && (len(metrics) == 0 && modifies || len(metrics) > 0 && followRE.MatchString(q) && len(ti.masked) < 40)
	if len(metrics) == 0 && !followUp {
		if greetRE.MatchString(q) {
			t.Refusal = &Refusal{Reason: "chitchat", Message: msg(lang,
				"你好！我是问数，可以用自然语言查询业务指标。试试这样问：", "Hi! I am Wenshu: ask me about your business metrics in plain words, for example:"),
				Examples: r.examples(lang)}
			return t
		}
		t.Clarify = r.noMetricClarification(lang, question, restText, dims)
		t.Partial = partialQuery(dims, ti)
		for _, f := range filters {
			if t.Partial == nil {
				t.Partial = &semantic.Query{}
			}
			op := map[bool]string{true: "not_in", false: "in"}[f.exclude]
			t.Partial.Filters = append(t.Partial.Filters, semantic.Filter{Dimension: f.dim, Op: op, Values: f.values})
		}
		return t
	}

	var query *semantic.Query
	if followUp {
		t.FollowUp = true
		query = prev.Clone()
		if len(metrics) > 0 {
			// 换成加购率 / 加购率呢: the new metrics replace the old ones and
			// whatever was said about those (rankings, shares, conditions).
			query.Metrics = metrics
			query.Share = nil
			query.Order = nil
			query.Filters = slices.DeleteFunc(query.Filters, func(f semantic.Filter) bool { return f.Metric != "" })
		}
		if removeDimRE.MatchString(restText) && len(dims) > 0 {
			// 去掉渠道 / 不按渠道 / 去掉渠道筛选: drop the split and any filter on it.
			query.Dimensions = slices.DeleteFunc(query.Dimensions, func(d string) bool { return slices.Contains(dims, d) })
			query.Filters = slices.DeleteFunc(query.Filters, func(f semantic.Filter) bool { return slices.Contains(dims, f.Dimension) })
			dims = nil
		}
		for _, d := range dims {
			if !slices.Contains(query.Dimensions, d) {
				query.Dimensions = append(query.Dimensions, d)
			}
		}
	} else {
		query = &semantic.Query{Metrics: metrics, Dimensions: dims}
	}
	for _, f := range filters {
		op := "in"
		if f.exclude {
			op = "not_in"
		}
		nf := semantic.Filter{Dimension: f.dim, Op: op, Values: f.values}
		if len(f.values) == 1 {
			nf.Op = map[string]string{"in": "eq", "not_in": "ne"}[op]
		}
		// A value of a dimension already filtered replaces it (上海呢 after 北京).
		query.Filters = slices.DeleteFunc(query.Filters, func(old semantic.Filter) bool { return old.Dimension == f.dim })
		query.Filters = append(query.Filters, nf)
		switch {
		case !f.exclude && len(f.values) == 1:
			// A dimension both grouped and pinned to one value needs no split.
			query.Dimensions = slices.DeleteFunc(query.Dimensions, func(d string) bool { return d == f.dim })
		case !f.exclude && !slices.Contains(query.Dimensions, f.dim):
			// 上海和北京的销售额: two values are wanted side by side.
			query.Dimensions = append(query.Dimensions, f.dim)
		}
	}

	// Time.
	switch {
	case ti.Range != nil && ti.Shift == "":
		query.Time = ensureTime(query.Time)
		query.Time.Range = ti.Range
	case ti.Shift != "":
		query.Time = ensureTime(query.Time)
		base := ti.Range
		if base == nil && query.Time.Range != nil {
			base = query.Time.Range
		}
		if base == nil {
			base = r.defaultRange(query, asOf)
		}
		if base != nil {
			months := map[string]int{"year": -12, "month": -1}[ti.Shift]
			shifted := shiftRange(*base, months)
			query.Time.Range = &shifted
		}
	}
	if ti.Grain != "" {
		query.Time = ensureTime(query.Time)
		query.Time.Grain = ti.Grain
	}
	if ti.Compare != "" {
		query.Compare = ti.Compare
	}

	// Rankings: top N, the best or worst one, which day/month.
	n, desc, ranked := 0, true, false
	if m := topRE.FindStringSubmatch(restText); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				n = atoi(g)
			}
		}
		ranked = true
		desc = !worstRE.MatchString(m[0]) && !strings.HasPrefix(m[0], "后")
	} else if bestRE.MatchString(restText) || worstRE.MatchString(restText) {
		ranked = true
		desc = !worstRE.MatchString(restText) || bestRE.MatchString(restText) && bestRE.FindStringIndex(restText)[0] < worstRE.FindStringIndex(restText)[0]
		if len(query.Dimensions) > 0 || whichDim || dayWhichRE.MatchString(q) || monWhichRE.MatchString(q) || weekWhichRE.MatchString(q) {
			n = 1
		}
	} else if rankRE.MatchString(restText) {
		ranked = true
	}
	for _, w := range []struct {
		re    *regexp.Regexp
		grain string
	}{{dayWhichRE, semantic.GrainDay}, {monWhichRE, semantic.GrainMonth}, {weekWhichRE, semantic.GrainWeek}} {
		if w.re.MatchString(q) {
			query.Time = ensureTime(query.Time)
			query.Time.Grain = w.grain
			ranked = true
			if n == 0 {
				n = 1
			}
		}
	}
	if whichDim && !ranked {
		ranked, n = true, 1
	}
	if ranked && len(query.Metrics) > 0 && (len(query.Dimensions) > 0 || query.Time != nil && query.Time.Grain != "") {
		query.Order = []semantic.OrderBy{{By: query.Metrics[0], Desc: desc}}
		if n > 0 {
			query.Limit = n
			// A ranking of cities ranks cities: rows with no city (online
			// orders) are not a contender.
			for _, d := range query.Dimensions {
				if !hasFilter(query.Filters, d) {
					query.Filters = append(query.Filters, semantic.Filter{Dimension: d, Op: "ne", Values: []any{nil}})
				}
			}
		}
	}

	// Share of the total and metric conditions.
	if shareRE.MatchString(restText) {
		for _, name := range query.Metrics {
			if mt := r.model.Metric(name); mt != nil && mt.Unit != semantic.UnitPercent && !slices.Contains(query.Share, name) {
				query.Share = append(query.Share, name)
			}
		}
	}
	for _, m := range condRE.FindAllStringSubmatchIndex(restText, -1) {
		op, val := condOp(restText[m[2]:m[3]]), restText[m[4]:m[5]]
		unit := ""
		if m[6] >= 0 {
			unit = restText[m[6]:m[7]]
		}
		target := r.nearestMetric(mentions, rs, m[0], query.Metrics)
		if target == "" {
			continue
		}
		v, _ := strconv.ParseFloat(val, 64)
		switch unit {
		case "万", "w":
			v *= 10000
		case "千", "k":
			v *= 1000
		case "百":
			v *= 100
		case "m":
			v *= 1000000
		case "%":
			v /= 100
		}
		if mt := r.model.Metric(target); unit == "" && mt != nil && mt.Unit == semantic.UnitPercent && v > 1 {
			v /= 100 // 转化率低于5 means 5%
		}
		query.Filters = append(query.Filters, semantic.Filter{Metric: target, Op: op, Values: []any{v}})
	}

	// Defaults the question left open, stated.
	if query.Time == nil || query.Time.Range == nil {
		if dr := r.defaultRange(query, asOf); dr != nil {
			query.Time = ensureTime(query.Time)
			query.Time.Range = dr
			t.Notes = append(t.Notes, msg(lang, "未指定时间，默认按"+rangeText(*dr, "zh")+"统计", "no time given: showing "+rangeText(*dr, "en")))
			t.DefaultTime = true
		}
	}
	if ti.Trend && (query.Time == nil || query.Time.Grain == "") {
		query.Time = ensureTime(query.Time)
		query.Time.Grain = AutoGrain(query.Time.Range)
	}
	if query.Compare != "" && (query.Time == nil || query.Time.Range == nil) {
		query.Compare = ""
	}
	t.Query = query
	return t
}

func nextStart(ms []mention, i, n int) int {
	if i+1 < len(ms) {
		return ms[i+1].start
	}
	return n
}

// unlinked is the question with every linked phrase blanked out.
func unlinked(q string, ms []mention) string {
	rs := []rune(q)
	for _, m := range ms {
		for i := m.start; i < m.end; i++ {
			rs[i] = ' '
		}
	}
	return string(rs)
}

func prevEnd(ms []mention, i int) int {
	if i == 0 {
		return 0
	}
	return ms[i-1].end
}

func prevWasValue(ms []mention, i int) bool {
	if i == 0 {
		return false
	}
	for _, tg := range ms[i-1].targets {
		if tg.kind == kindValue {
			return true
		}
	}
	return false
}

func condOp(w string) string {
	switch w {
	case "超过", "大于", "高于", "多于", ">", "above", "over", "more than", "greater than", "exceeds", "exceed":
		return "gt"
	case "不低于", "不少于", "至少", "大于等于", ">=", "at least":
		return "gte"
	case "不超过", "至多", "小于等于", "<=", "at most":
		return "lte"
	}
	return "lt"
}

// nearestMetric is the metric mentioned closest before position pos (in the
// rest text), else the one right after, else the first of the query.
func (r *Rules) nearestMetric(ms []mention, rs []rune, bytePos int, metrics []string) string {
	pos := len([]rune(string(rs)[:min(bytePos, len(string(rs)))]))
	best, bestDist := "", 1<<30
	for _, m := range ms {
		for _, tg := range m.targets {
			if tg.kind != kindMetric || !slices.Contains(metrics, tg.name) {
				continue
			}
			d := pos - m.end
			if d < 0 {
				d = (m.start - pos) * 2
			}
			if d < bestDist {
				best, bestDist = tg.name, d
			}
		}
	}
	if best == "" && len(metrics) > 0 {
		return metrics[0]
	}
	return best
}

func ensureTime(t *semantic.Time) *semantic.Time {
	if t == nil {
		return &semantic.Time{}
	}
	return t
}

func shiftRange(r semantic.DateRange, months int) semantic.DateRange {
	end := r.End.AddMonths(months)
	if r.End.IsMonthEnd() {
		end = r.End.AddDays(1).AddMonths(months).AddDays(-1)
	}
	return semantic.DateRange{Start: r.Start.AddMonths(months), End: end}
}

// defaultRange is the first metric's default range, else the model's.
func (r *Rules) defaultRange(q *semantic.Query, asOf semantic.Date) *semantic.DateRange {
	name := r.model.DefaultRange
	if len(q.Metrics) > 0 {
		if mt := r.model.Metric(q.Metrics[0]); mt != nil && mt.DefaultRange != "" {
			name = mt.DefaultRange
		}
	}
	if name == "" {
		name = "this_year"
	}
	if name == "all" {
		// Cumulative metrics read "all" as up to today.
		return nil
	}
	return semantic.ResolveNamedRange(name, asOf)
}

// leftover lists the words of the rest text no rule used.
func leftover(rest string) []string {
	rest = condRE.ReplaceAllString(rest, " ")
	for _, re := range []*regexp.Regexp{topRE, bestRE, worstRE, rankRE, shareRE, dayWhichRE, monWhichRE, weekWhichRE, removeDimRE, swapRE} {
		rest = re.ReplaceAllString(rest, " ")
	}
	var out []string
	for _, w := range strings.Fields(rest) {
		if stopSet[w] || isNumber(w) {
			continue
		}
		// Chinese has no spaces: strip known function words from the run.
		if isCJK([]rune(w)[0]) {
			w = stripStopwords(w)
			if w == "" {
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	return err == nil
}

// stripStopwords removes function words from a run of Chinese, longest first.
func stripStopwords(w string) string {
	rs := []rune(w)
	var out []rune
	for i := 0; i < len(rs); {
		matched := 0
		for l := min(4, len(rs)-i); l >= 1; l-- {
			if stopSet[string(rs[i:i+l])] {
				matched = l
				break
			}
		}
		if matched > 0 {
			i += matched
			continue
		}
		out = append(out, rs[i])
		i++
	}
	return string(out)
}

func detectLang(s string) string {
	for _, r := range s {
		if isCJK(r) {
			return "zh"
		}
	}
	return "en"
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

func hasFilter(fs []semantic.Filter, dim string) bool {
	for _, f := range fs {
		if f.Dimension == dim {
			return true
		}
	}
	return false
}

// firstLabel is the label of the model's first visible metric, for examples.
func (r *Rules) firstLabel(lang string) string {
	for _, mt := range r.model.Metrics {
		if !mt.Hidden {
			return mt.Label.In(lang)
		}
	}
	return ""
}
