package nlq

import (
	"slices"
	"strings"
)

// Absorbed metric words: in 10月新客的次月留存率, 新客 is not a second metric
// (新客数) but says whose retention: "新客" + "留存率" is itself a name of
// 留存率. A metric phrase that, joined to a later metric's phrase, spells a
// name of that later metric qualifies it and is dropped.

func constructAbsorb(rd *reading) bool {
	if len(rd.metrics) < 2 {
		return false
	}
	m := rd.r.model
	type hit struct{ name, text string }
	var hits []hit
	for _, mn := range rd.mentions {
		if ms, _, _ := mn.split(); len(ms) == 1 {
			hits = append(hits, hit{ms[0], mn.text})
		}
	}
	for i, a := range hits {
		for _, b := range hits[i+1:] {
			mt := m.Metric(b.name)
			if mt == nil || a.name == b.name {
				continue
			}
			if m.PopulationOf(a.name, b.name) {
				// 加购没买的用户…挽回: the abandoned carts are whom the recovery rate is of.
				rd.metrics = slices.DeleteFunc(rd.metrics, func(x string) bool { return x == a.name })
				continue
			}
			joined := strings.ToLower(a.text + b.text)
			names := append([]string{mt.Label.Zh, mt.Label.En}, mt.Synonyms...)
			if slices.ContainsFunc(names, func(n string) bool {
				n = strings.ToLower(n)
				return n == joined || strings.HasPrefix(joined, n) && len(n) > len(b.text)
			}) {
				rd.metrics = slices.DeleteFunc(rd.metrics, func(x string) bool { return x == a.name })
			}
		}
	}
	return false
}
