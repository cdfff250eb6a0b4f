package semantic

import (
	"slices"
	"sort"
	"strings"
)

// closest returns up to n candidates close to name: those containing it or
// contained in it first, then by edit distance (on runes, so it works for
// Chinese), ties in candidate order.
func closest(name string, candidates []string, n int) []string {
	type scored struct {
		s     string
		score int
		i     int
	}
	q := strings.ToLower(strings.TrimSpace(name))
	if q == "" {
		return nil
	}
	var out []scored
	for i, c := range candidates {
		lc := strings.ToLower(c)
		if lc == q {
			continue
		}
		d := levenshtein([]rune(q), []rune(lc))
		limit := max(1, (len([]rune(lc))+1)/3)
		switch {
		case strings.Contains(lc, q) || strings.Contains(q, lc) && len([]rune(lc)) > 1:
			out = append(out, scored{c, 0, i})
		case d <= limit:
			out = append(out, scored{c, d, i})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].score < out[b].score })
	var res []string
	for _, s := range out {
		if !slices.Contains(res, s.s) {
			res = append(res, s.s)
		}
		if len(res) == n {
			break
		}
	}
	return res
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// SuggestMetrics returns the metrics whose name, label or synonym is close to
// word, best first.
func (m *Model) SuggestMetrics(word string) []string {
	return suggestNamed(word, len(m.Metrics), func(i int) (string, []string, bool) {
		mt := m.Metrics[i]
		return mt.Name, append([]string{mt.Label.Zh, mt.Label.En}, mt.Synonyms...), mt.Hidden
	})
}

// SuggestDimensions returns the dimensions whose name, label or synonym is
// close to word, best first.
func (m *Model) SuggestDimensions(word string) []string {
	return suggestNamed(word, len(m.Dimensions), func(i int) (string, []string, bool) {
		d := m.Dimensions[i]
		return d.Name, append([]string{d.Label.Zh, d.Label.En}, d.Synonyms...), false
	})
}

func suggestNamed(word string, n int, item func(int) (string, []string, bool)) []string {
	var words []string
	owner := map[string]string{}
	for i := 0; i < n; i++ {
		name, alts, hidden := item(i)
		if hidden {
			continue
		}
		for _, w := range append([]string{name}, alts...) {
			if w == "" {
				continue
			}
			if _, ok := owner[strings.ToLower(w)]; !ok {
				owner[strings.ToLower(w)] = name
				words = append(words, w)
			}
		}
	}
	var out []string
	for _, w := range closest(word, words, 10) {
		if name := owner[strings.ToLower(w)]; !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// Closest returns up to n candidates close to name, best first: those
// containing it or contained in it, then by edit distance on runes.
func Closest(name string, candidates []string, n int) []string { return closest(name, candidates, n) }

// EditDistance is the Levenshtein distance of a and b, counted in runes.
func EditDistance(a, b string) int { return levenshtein([]rune(a), []rune(b)) }
