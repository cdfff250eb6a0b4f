package nlq

import (
	"regexp"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Funnels asked as funnels: 转化漏斗, 从加购到支付的转化, "the funnel from cart
// to pay" ask for every step of one of the model's funnels (from the step
// named first to the step named last), not one conversion rate.

var (
	funnelRE     = regexp.MustCompile(`(漏斗|\bfunnel\b)`)
	fromToRE     = regexp.MustCompile(`从\s*(\S+?)\s*到\s*(\S+?)\s*的?\s*(?:转化|漏斗|流失)|\bfrom\s+(.+?)\s+to\s+(.+?)\b(?:\s|$)`)
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
