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
	// Why is set for a why-question: the query is the metric with its
	// comparison, and the answer looks for what drove the change.
	Why *WhyRequest `json:"why,omitempty"`
	// Funnel names the model's funnel the query's metrics are the steps of.
	Funnel string `json:"funnel,omitempty"`
	// Definitions answer a question about what metrics mean (口径): no query.
	Definitions []Definition `json:"definitions,omitempty"`
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

// stopwords are function words a question may hold without losing meaning.
var stopwords = strings.Fields(`的 了 是 多少 吗 呢 啊 吧 呀 哦 嘛 请问 请 帮我 帮忙 麻烦 查询 查一下 查查 查 看一下 看看 看下 看 一下 给我 给 显示 展示 列出 统计 数据 情况 怎么样 怎样 如何 有多少 有 多 少 分别 分别是 各 按照 按 每个 每 分 哪个 哪些 哪 和 与 及 以及 跟 同 在 中 里 里面 其中 对比 比较 比 排名 排行 最 高 低 好 差 前 后 个 名 家 位 款 做 做得 得 表现 怎么 一共 总共 合计 共 总 总的 整体 全部 所有 都 也 还 再 又 就 只 仅 要 想 想知道 知道 告诉 能 可以 为 为止 截至 到 至 从 起 期间 时候 时 年 月 日 天 周 季度 拆开 拆分 细分 维度 分布 下 上 多大 大概 大约 目前 现在 当前 数 量 金额 值 率 指标 怎么算 计算 口径 一样 呢 吗 能否 是否 有没有 几 卖 卖得 排 趋势
what is are was were the of in on at by for show me how many much did do does and vs versus per each which a an list give tell get what's whats please can you i want to know about from to with between than rate number total overall all our we my this that last over time compare compared breakdown split sorted ranked rank ranking top bottom highest lowest best worst most least who where when why had has have having been be being it its their there these those any some got`)

var stopSet = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range stopwords {
		m[w] = true
	}
	return m
}()

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
// leftover is what no rule explains in a rest already stripped of its
// operator words (stripOperators).
func leftover(rest string) []string {
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

var (
	operatorREs    = []*regexp.Regexp{topRE, bestRE, worstRE, rankRE, shareRE, dayWhichRE, monWhichRE, weekWhichRE, removeDimRE, swapRE}
	operatorStarts = func() []starts {
		out := make([]starts, len(operatorREs))
		for i, re := range operatorREs {
			out[i] = startsOf(re)
		}
		return out
	}()
)

// stripOperators blanks the operator words of the rest (前N, 最高, 占比,
// 超过…, 换成), which are read by constructions, not unknown.
func stripOperators(rest string) string {
	rest = condRE.ReplaceAllString(rest, " ")
	for i, re := range operatorREs {
		if operatorStarts[i].may(rest) {
			rest = re.ReplaceAllString(rest, " ")
		}
	}
	for _, g := range []gated{growthRE, declineRE, howRE, countRE, whyRE, directionRE} {
		rest = g.ReplaceAllString(rest, " ")
	}
	return rest
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
