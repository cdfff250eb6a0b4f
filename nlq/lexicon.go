package nlq

import (
	"slices"
	"sort"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// The lexicon is every phrase the translator knows, each pointing at the
// model: metric and dimension names, labels and synonyms, and dimension
// values (from the model's value lists and from the data). Nothing in it is
// written in code, so another model works without code changes.

type targetKind int

const (
	kindMetric targetKind = iota
	kindDimension
	kindValue
)

type target struct {
	kind  targetKind
	name  string // metric or dimension name
	value string // stored value, for kindValue
}

// mention is a phrase of the question linked to the model.
type mention struct {
	start, end int // rune offsets in the normalized question
	text       string
	targets    []target
	fuzzy      bool
}

// split sorts a mention's targets by kind.
func (m mention) split() (metrics, dims []string, values []target) {
	for _, t := range m.targets {
		switch t.kind {
		case kindMetric:
			metrics = append(metrics, t.name)
		case kindDimension:
			dims = append(dims, t.name)
		case kindValue:
			values = append(values, t)
		}
	}
	return metrics, dims, values
}

// Lexicon links words to the model.
type Lexicon struct {
	model   *semantic.Model
	entries map[string][]target
	maxLen  int
	// fuzzyable are long CJK phrases a one-character typo may still match,
	// indexed by their first rune.
	fuzzyable []string
	fuzzyBy   map[rune][][]rune
	hasValues map[string]bool // dimensions with a value linked
	// tokens index the long free-text values (product names) by word.
	tokens map[string]*tokenIndex
}

// NewLexicon builds the vocabulary of a model; values holds the distinct
// values read from the data per dimension (may be nil).
func NewLexicon(m *semantic.Model, values map[string][]string) *Lexicon {
	lx := &Lexicon{model: m, entries: map[string][]target{}, hasValues: map[string]bool{}}
	for _, mt := range m.Metrics {
		if mt.Hidden {
			continue
		}
		t := target{kind: kindMetric, name: mt.Name}
		lx.addAll(t, append([]string{mt.Name, strings.ReplaceAll(mt.Name, "_", " "), mt.Label.Zh, mt.Label.En}, mt.Synonyms...), true)
	}
	for _, d := range m.Dimensions {
		t := target{kind: kindDimension, name: d.Name}
		lx.addAll(t, append([]string{d.Name, strings.ReplaceAll(d.Name, "_", " "), d.Label.Zh, d.Label.En}, d.Synonyms...), true)
		for _, v := range d.Values {
			vt := target{kind: kindValue, name: d.Name, value: v.Value}
			lx.addAll(vt, append([]string{v.Value, v.Zh, v.En}, v.Synonyms...), false)
			lx.addAll(vt, regionAliases(v.Value), false)
		}
		lx.hasValues[d.Name] = len(d.Values) > 0 || len(values[d.Name]) > 0
		for _, v := range values[d.Name] {
			vt := target{kind: kindValue, name: d.Name, value: v}
			lx.addAll(vt, []string{v}, false)
			// A country's name in the other language (France → 法国).
			lx.addAll(vt, regionAliases(v), false)
		}
	}
	lx.tokens = buildTokenIndexes(values)
	sort.Strings(lx.fuzzyable)
	lx.fuzzyBy = map[rune][][]rune{}
	for _, w := range lx.fuzzyable {
		wr := []rune(w)
		lx.fuzzyBy[wr[0]] = append(lx.fuzzyBy[wr[0]], wr)
	}
	return lx
}

func (lx *Lexicon) addAll(t target, words []string, fuzzy bool) {
	for _, w := range words {
		w = normalize(w)
		if w == "" || len([]rune(w)) == 1 && !isCJK([]rune(w)[0]) || t.kind == kindValue && isNumber(w) {
			continue // a bare number is a rank, a threshold or a date, never a value's name
		}
		lx.add(w, t)
		// Plain English plurals: channel → channels.
		if isASCIIWord(w) && !strings.HasSuffix(w, "s") && len(w) > 3 {
			lx.add(w+"s", t)
		}
		if fuzzy && len([]rune(w)) >= 3 && isCJK([]rune(w)[0]) && !slices.Contains(lx.fuzzyable, w) {
			lx.fuzzyable = append(lx.fuzzyable, w)
		}
	}
}

func (lx *Lexicon) add(w string, t target) {
	for _, have := range lx.entries[w] {
		if have == t {
			return
		}
	}
	lx.entries[w] = append(lx.entries[w], t)
	if n := len([]rune(w)); n > lx.maxLen {
		lx.maxLen = n
	}
}

// hasValue reports whether the lexicon links any value of a dimension.
func (lx *Lexicon) hasValue(dim string) bool { return lx != nil && lx.hasValues[dim] }

// Size is the number of distinct phrases.
func (lx *Lexicon) Size() int { return len(lx.entries) }

func isASCIIWord(s string) bool {
	for _, r := range s {
		if r >= 128 {
			return false
		}
	}
	return true
}

// link segments a normalized question into mentions by dynamic programming
// over the vocabulary: the segmentation covering the most text with the
// longest phrases wins (a phrase of n runes scores n²), and a phrase one
// character off (销量额 for 销售额) counts a little less than an exact one.
func (lx *Lexicon) link(q string) []mention {
	rs := []rune(q)
	n := len(rs)
	best := make([]int, n+1)
	from := make([]*mention, n+1)
	for i := 1; i <= n; i++ {
		best[i] = -1
	}
	for i := 0; i < n; i++ {
		if best[i] < 0 {
			continue
		}
		if best[i] > best[i+1] {
			best[i+1], from[i+1] = best[i], nil
		}
		if rs[i] == ' ' {
			continue
		}
		for l := 1; l <= lx.maxLen && i+l <= n; l++ {
			w := string(rs[i : i+l])
			ts, ok := lx.entries[w]
			if !ok || !boundary(rs, i, i+l) {
				continue
			}
			if s := best[i] + l*l*4; s > best[i+l] {
				best[i+l] = s
				from[i+l] = &mention{start: i, end: i + l, text: w, targets: ts}
			}
		}
		if isCJK(rs[i]) {
			for _, wr := range lx.fuzzyBy[rs[i]] {
				l := len(wr)
				if i+l > n || !oneOff(wr, rs[i:i+l]) {
					continue
				}
				w := string(wr)
				if s := best[i] + l*l*4 - 6; s > best[i+l] {
					best[i+l] = s
					from[i+l] = &mention{start: i, end: i + l, text: w, targets: lx.entries[w], fuzzy: true}
				}
			}
		}
	}
	var out []mention
	for i := n; i > 0; {
		if m := from[i]; m != nil {
			out = append(out, *m)
			i = m.start
			continue
		}
		i--
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

// boundary keeps ASCII phrases from matching inside words ("app" in "happy").
func boundary(rs []rune, start, end int) bool {
	if isWordRune(rs[start]) && start > 0 && isWordRune(rs[start-1]) {
		return false
	}
	if isWordRune(rs[end-1]) && end < len(rs) && isWordRune(rs[end]) {
		return false
	}
	return true
}

// oneOff reports whether b differs from a in exactly one inner CJK rune
// (typos such as 销量额 for 销售额 change the middle; a different first or
// last character is usually a different word: 多少人 is not 多少单).
func oneOff(a, b []rune) bool {
	diff := 0
	for i := range a {
		if a[i] != b[i] {
			if !isCJK(b[i]) || i == 0 || i == len(a)-1 || particles[b[i]] {
				return false
			}
			diff++
		}
	}
	return diff == 1
}

// particles are function characters a typo does not produce: 门的销售额 in
// 厦门的销售额 is 厦门 + 的 + 销售额, not a misspelt 门店销售额.
var particles = map[rune]bool{'的': true, '地': true, '得': true, '了': true, '和': true, '与': true, '及': true,
	'或': true, '在': true, '是': true, '吗': true, '呢': true, '吧': true, '啊': true, '各': true, '每': true}
