package nlq

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Definitions (口径): 复购率是怎么算的, 销售额包含退款吗, "how is conversion
// rate calculated", "what counts as a conversion" ask what a metric means,
// not its value. They are answered from the model — label, definition,
// formula in words, the rows it counts, its time and unit, its other
// names — with no query and no numbers.

var (
	defineRE = gate(regexp.MustCompile(`(怎么算|怎么计算|如何计算|如何算|怎样计算|怎么统计|如何统计|怎么定义|如何定义|计算方法|计算方式|计算公式|计算逻辑|统计口径|口径|定义是|的定义|是什么意思|什么意思|指的是什么|指什么|是指什么|含义|算不算|算进|含不含|包不包括|包不包含|有什么区别|有何区别|区别是什么|什么区别|有什么不同|的区别|哪里不同|(?:包含|包括|含)[^吗？?]{0,12}(?:吗|么)|` +
		`\bhow (?:is|are|do you|does|do we)\b.{0,40}\b(?:calculated|computed|defined|measured|calculate|compute|define|measure|counted)\b|\bdefinition\b|\bdefine\b|\bwhat counts as\b|\bwhat does\b.{0,40}\bmean\b|\bdoes\b.{0,40}\binclude\b|\bformula\b|\bdifference between\b|\bhow (?:is|are|does|do)\b.{0,40}\bdiffer)`))
)

var identRE = regexp.MustCompile(`[a-z][a-z0-9_]*`)

// Definition is what a metric means, from the model.
type Definition struct {
	Metric     string   `json:"metric"`
	Label      string   `json:"label"`
	Definition string   `json:"definition"`
	Formula    string   `json:"formula,omitempty"`
	Rows       string   `json:"rows,omitempty"`
	Time       string   `json:"time,omitempty"`
	Unit       string   `json:"unit"`
	Synonyms   []string `json:"synonyms,omitempty"`
}

// constructDefinition answers a definition question about the metrics named.
func constructDefinition(rd *reading) bool {
	if len(rd.metrics) == 0 || !defineRE.MatchString(rd.q) {
		return false
	}
	for _, name := range rd.metrics {
		if mt := rd.r.model.Metric(name); mt != nil {
			rd.t.Definitions = append(rd.t.Definitions, defineMetric(rd.r.model, mt, rd.lang))
		}
	}
	rd.t.Confident = true
	return len(rd.t.Definitions) > 0
}

var aggWords = map[string][2]string{
	"sum": {"求和", "sum of"}, "count": {"计数", "count of"}, "count_distinct": {"去重计数", "distinct count of"},
	"avg": {"平均", "average of"}, "min": {"最小值", "minimum of"}, "max": {"最大值", "maximum of"},
}

func defineMetric(m *semantic.Model, mt *semantic.Metric, lang string) Definition {
	d := Definition{Metric: mt.Name, Label: mt.Label.In(lang), Definition: mt.Description.In(lang), Unit: mt.Unit,
		Synonyms: mt.Synonyms[:min(len(mt.Synonyms), 8)]}
	switch mt.Type {
	case semantic.TypeDerived:
		// The formula over metric names, each name replaced by its label.
		f := identRE.ReplaceAllStringFunc(mt.Expr, func(name string) string {
			if dm := m.Metric(name); dm != nil {
				return dm.Label.In(lang)
			}
			return name
		})
		f = strings.NewReplacer("/", "÷", "*", "×").Replace(strings.TrimSpace(f))
		d.Formula = mt.Label.In(lang) + " = " + f
	case semantic.TypeRepeat:
		d.Formula = msg(lang, "至少购买 "+strconv.Itoa(mt.MinCount)+" 次的"+mt.Entity+"占比", "share of "+mt.Entity+" with at least "+strconv.Itoa(mt.MinCount)+" purchases")
	default:
		if w, ok := aggWords[mt.Agg]; ok {
			d.Formula = msg(lang, mt.Table+"."+mt.Expr+" 的"+w[0], w[1]+" "+mt.Table+"."+mt.Expr)
		}
	}
	if mt.Filter != "" {
		d.Rows = mt.Filter
	}
	if mt.Time != "" {
		d.Time = mt.Time
	}
	return d
}

// Text is the definition in a sentence or three, for clients that show only text.
func (d Definition) Text(lang string) string {
	var b strings.Builder
	b.WriteString(d.Label + msg(lang, "：", ": ") + d.Definition)
	if d.Formula != "" {
		b.WriteString(msg(lang, "\n计算：", "\nComputed as: ") + d.Formula)
	}
	if d.Rows != "" {
		b.WriteString(msg(lang, "\n只计入：", "\nCounts only: ") + d.Rows)
	}
	if d.Time != "" {
		b.WriteString(msg(lang, "\n时间按：", "\nTime by: ") + d.Time)
	}
	if len(d.Synonyms) > 0 {
		b.WriteString(msg(lang, "\n也叫：", "\nAlso called: ") + strings.Join(d.Synonyms, msg(lang, "、", ", ")))
	}
	return b.String()
}
