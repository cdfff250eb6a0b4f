package nlq

import (
	"regexp"
	"slices"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Funnels asked as funnels: 转化漏斗, 从加购到支付的转化, "the funnel from cart
// to pay" ask for every step of one of the model's funnels (from the step
// named first to the step named last), not one conversion rate.

var (
	funnelRE     = gate(regexp.MustCompile(`(漏斗|\bfunnel\b)`))
	fromToRE     = gate(regexp.MustCompile(`从\s*(\S+?)\s*到\s*(\S+?)\s*的?\s*(?:转化|漏斗|流失)|\bfrom\s+(.+?)\s+to\s+(.+?)\b(?:\s|$)`))
	stepWordsFor = func(s semantic.FunnelStep) []string {
		return append([]string{s.Zh, strings.ToLower(s.En)}, s.Synonyms...)
	}
)

// constructFunnel replaces the metrics with a funnel's steps.
func constructFunnel(rd *reading) bool {
	m := rd.r.model
	if len(m.Funnels) == 0 {
		return false
	}
	ft := fromToRE.FindStringSubmatch(rd.q)
	if !funnelRE.MatchString(rd.q) && ft == nil {
		return false
	}
	for _, f := range m.Funnels {
		first, last := 0, len(f.Steps)-1
		if ft != nil {
			from, to := ft[1]+ft[3], ft[2]+ft[4]
			a, b := stepIndex(f, from), stepIndex(f, to)
			if a < 0 || b < 0 || b <= a {
				if !funnelRE.MatchString(rd.q) {
					continue // 从上海到北京: not this funnel
				}
			} else {
				first, last = a, b
			}
		}
		rd.metrics = rd.metrics[:0]
		for _, s := range f.Steps[first : last+1] {
			rd.metrics = append(rd.metrics, s.Metric)
		}
		rd.t.Funnel = f.Name
		rd.ambiguous = nil
		return false
	}
	return false
}

// stepIndex is the step a word names, or -1.
func stepIndex(f *semantic.Funnel, word string) int {
	w := strings.ToLower(strings.TrimSpace(word))
	for i, s := range f.Steps {
		for _, sw := range stepWordsFor(s) {
			if sw != "" && (w == strings.ToLower(sw) || strings.HasPrefix(w, strings.ToLower(sw))) {
				return i
			}
		}
	}
	return -1
}

// funnelText states a funnel's steps with the step-to-step and overall
// rates ("访问 18.1万 → 加购 3.2万（17.5%）→ 支付 9,107（28.9%），整体 5.0%"),
// or "" when the answer is not one funnel row.
func funnelText(m *semantic.Model, tr *Translation, res *semantic.Result) string {
	if tr.Funnel == "" || len(res.Rows) != 1 {
		return ""
	}
	var f *semantic.Funnel
	for _, x := range m.Funnels {
		if x.Name == tr.Funnel {
			f = x
		}
	}
	if f == nil {
		return ""
	}
	lang := tr.Lang
	var parts []string
	var first, prev float64
	for _, s := range f.Steps {
		i := slices.IndexFunc(res.Columns, func(c semantic.Column) bool { return c.Name == s.Metric })
		if i < 0 {
			continue
		}
		v, _ := toFloat(res.Rows[0][i])
		part := s.Label(m, lang) + " " + FormatCompact(v, semantic.UnitCount, lang)
		if len(parts) == 0 {
			first = v
		} else if prev > 0 {
			part += msg(lang, "（", " (") + FormatCompact(v/prev, semantic.UnitPercent, lang) + msg(lang, "）", ")")
		}
		parts = append(parts, part)
		prev = v
	}
	if len(parts) < 2 {
		return ""
	}
	text := msg(lang, "\n漏斗：", "\nFunnel: ") + strings.Join(parts, " → ")
	if first > 0 {
		text += msg(lang, "，整体 ", "; overall ") + FormatCompact(prev/first, semantic.UnitPercent, lang)
	}
	return text
}
