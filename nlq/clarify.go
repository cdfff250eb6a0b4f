package nlq

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// examples are a few questions the model can answer, built from the model
// itself so that they fit any model.
func (r *Rules) examples(lang string) []string {
	var metrics []*semantic.Metric
	for _, mt := range r.model.Metrics {
		if !mt.Hidden {
			metrics = append(metrics, mt)
		}
	}
	if len(metrics) == 0 {
		return nil
	}
	dims := r.model.Dimensions
	pick := func(i int) *semantic.Metric { return metrics[i%len(metrics)] }
	var out []string
	if lang == "en" {
		out = append(out, fmt.Sprintf("%s last month", pick(0).Label.En))
		if len(dims) > 0 {
			out = append(out, fmt.Sprintf("%s by %s this year", pick(1).Label.En, strings.ToLower(dims[0].Label.En)))
			out = append(out, fmt.Sprintf("top 5 %s by %s", strings.ToLower(dims[len(dims)/2].Label.En), strings.ToLower(pick(0).Label.En)))
		}
		out = append(out, fmt.Sprintf("monthly %s trend this year", strings.ToLower(pick(2).Label.En)))
		return out
	}
	out = append(out, fmt.Sprintf("上个月的%s是多少", pick(0).Label.Zh))
	if len(dims) > 0 {
		out = append(out, fmt.Sprintf("今年各%s的%s", dims[0].Label.Zh, pick(1).Label.Zh))
		out = append(out, fmt.Sprintf("%s最高的5个%s", pick(0).Label.Zh, dims[len(dims)/2].Label.Zh))
	}
	out = append(out, fmt.Sprintf("今年每个月的%s趋势", pick(2).Label.Zh))
	return out
}

func (r *Rules) examplesClarification(lang, message string) *Clarification {
	c := &Clarification{Message: message}
	for _, e := range r.examples(lang) {
		c.Options = append(c.Options, Option{Label: e, Question: e})
	}
	return c
}

// ambiguityClarification lists the metrics one word could mean.
func (r *Rules) ambiguityClarification(lang, question string, names []string) *Clarification {
	c := &Clarification{Message: msg(lang, "这个问题可以指以下几个指标，请选择一个：", "That could mean several metrics; which one?")}
	for _, name := range names {
		mt := r.model.Metric(name)
		label := mt.Label.In(lang)
		c.Options = append(c.Options, Option{Label: label + " — " + mt.Description.In(lang), Question: question + " (" + label + ")"})
	}
	return c
}

// noMetricClarification answers a question that names no metric: it offers
// metrics close to the unknown words, or those that can split the named
// dimensions, or examples.
func (r *Rules) noMetricClarification(lang, question, rest string, dims []string) *Clarification {
	var names []string
	for _, w := range leftover(stripOperators(rest)) {
		for _, s := range r.model.SuggestMetrics(w) {
			if !slices.Contains(names, s) {
				names = append(names, s)
			}
		}
	}
	if len(names) == 0 && len(dims) > 0 {
		for _, mt := range r.model.Metrics {
			if !mt.Hidden && len(names) < 4 {
				names = append(names, mt.Name)
			}
		}
	}
	if len(names) == 0 {
		return r.examplesClarification(lang, msg(lang,
			"没有在问题里找到可以回答的指标。可以这样问：", "I could not find a metric in that question. You could ask:"))
	}
	c := &Clarification{Message: msg(lang, "您想看哪个指标？", "Which metric do you mean?")}
	for _, name := range names {
		mt := r.model.Metric(name)
		label := mt.Label.In(lang)
		q := strings.TrimSpace(question)
		if lang == "en" {
			q = label + " " + q
		} else {
			q = q + "的" + label
		}
		c.Options = append(c.Options, Option{Label: label, Question: q})
	}
	return c
}
