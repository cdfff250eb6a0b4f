package nlq

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Long free-text values (a shop's ~4,000 product descriptions) are found
// by their words: an index from each word to the values holding it, built
// once, answers "hanging heart holder" with every description holding all
// three words in a few microseconds. One match is that value; several are
// offered to choose from; none is said.

// tokenIndex is the word index of one dimension's long values.
type tokenIndex struct {
	values []string
	posts  map[string][]int32 // word → indexes into values, ascending
}

// longValueWords is how many words a dimension's values have on average
// to be searched by word (a product name, not a city).
const longValueWords = 2.5

func valueTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// buildTokenIndexes indexes, per dimension, values of several words.
func buildTokenIndexes(values map[string][]string) map[string]*tokenIndex {
	out := map[string]*tokenIndex{}
	for dim, vs := range values {
		if len(vs) < 20 {
			continue
		}
		words := 0
		for _, v := range vs {
			words += len(valueTokens(v))
		}
		if float64(words)/float64(len(vs)) < longValueWords {
			continue
		}
		ix := &tokenIndex{values: vs, posts: map[string][]int32{}}
		for i, v := range vs {
			seen := map[string]bool{}
			for _, w := range valueTokens(v) {
				if !seen[w] {
					seen[w] = true
					ix.posts[w] = append(ix.posts[w], int32(i))
				}
			}
		}
		out[dim] = ix
	}
	return out
}

// search returns the values holding every word (all when words is empty: none).
func (ix *tokenIndex) search(words []string) []string {
	var hits []int32
	for i, w := range words {
		p := ix.posts[w]
		if p == nil {
			// plural to singular: holders → holder
			p = ix.posts[strings.TrimSuffix(w, "s")]
		}
		if p == nil {
			return nil
		}
		if i == 0 {
			hits = slices.Clone(p)
			continue
		}
		hits = intersect(hits, p)
		if len(hits) == 0 {
			return nil
		}
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = ix.values[h]
	}
	return out
}

func intersect(a, b []int32) []int32 {
	var out []int32
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

// searchValues reads the question's unexplained words as part of a long
// value's name (hanging heart holder): one value holding them all becomes
// a filter (said in a note), several are offered; it reports whether it
// decided the translation.
func (rd *reading) searchValues() bool {
	var words []string
	for _, u := range rd.t.Unknown {
		for _, w := range valueTokens(u) {
			if len(w) >= 3 && !stopSet[w] {
				words = append(words, w)
			}
		}
	}
	if len(words) == 0 || len(rd.metrics) == 0 {
		return false
	}
	for _, d := range rd.r.model.Dimensions {
		ix := rd.r.lex.tokens[d.Name]
		if ix == nil {
			continue
		}
		hits := ix.search(words)
		switch {
		case len(hits) == 0:
			continue
		case len(hits) == 1:
			rd.filters = append(rd.filters, valFilter{dim: d.Name, values: []any{hits[0]}, word: strings.Join(words, " ")})
			rd.t.Unknown = nil
			rd.t.Notes = append(rd.t.Notes, msg(rd.lang, "「"+strings.Join(words, " ")+"」按"+d.Label.Zh+"「"+hits[0]+"」统计",
				"\""+strings.Join(words, " ")+"\" read as the "+strings.ToLower(d.Label.En)+" "+hits[0]))
			return false
		default:
			c := &Clarification{Message: msg(rd.lang,
				fmt.Sprintf("有 %d 个%s包含「%s」，你是指：", len(hits), d.Label.Zh, strings.Join(words, " ")),
				fmt.Sprintf("%d %s names hold %q. Did you mean:", len(hits), strings.ToLower(d.Label.En), strings.Join(words, " ")))}
			for _, h := range hits[:min(len(hits), 5)] {
				c.Options = append(c.Options, Option{Label: h, Question: replaceWords(rd.question, words, h)})
			}
			rd.t.Clarify = c
			return true
		}
	}
	return false
}

// replaceWords puts the value where its words were asked (or in front).
func replaceWords(question string, words []string, value string) string {
	lower := strings.ToLower(question)
	first, last := -1, -1
	for _, w := range words {
		i := strings.Index(lower, w)
		if i < 0 {
			return value + " " + question
		}
		if first < 0 || i < first {
			first = i
		}
		if i+len(w) > last {
			last = i + len(w)
		}
	}
	if len(lower) != len(question) {
		return value + " " + question
	}
	return question[:first] + value + question[last:]
}
