package nlq

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wenshu-bi/wenshu/semantic"
)

// An unknown word where a value belongs — 渠道为淘宝, "channel is taobao",
// 淘宝渠道, or a word close to a dimension's values — must not be dropped:
// the answer would silently cover every value. It becomes a clarification
// offering the closest values.

var (
	copulaRE   = regexp.MustCompile(`^\s*(?:为|是|等于|=|:|：|\bis\b|\bequals\b)\s*`)
	valueRunRE = regexp.MustCompile(`^[^\s的,，。？?、]+`)
)

// valuePhrases lists, per dimension, the phrases of its values in the
// vocabulary and the value each stands for.
type valuePhrases struct {
	phrases []string
	values  []string
}

func (r *Rules) phrasesByDim() map[string]*valuePhrases {
	r.phrasesOnce.Do(func() {
		r.phrases = map[string]*valuePhrases{}
		for w, ts := range r.lex.entries {
			for _, t := range ts {
				if t.kind != kindValue {
					continue
				}
				vp := r.phrases[t.name]
				if vp == nil {
					vp = &valuePhrases{}
					r.phrases[t.name] = vp
				}
				vp.phrases = append(vp.phrases, w)
				vp.values = append(vp.values, t.value)
			}
		}
		for _, vp := range r.phrases {
			sortPhrases(vp)
		}
	})
	return r.phrases
}

// sortPhrases orders phrases (and their values) so suggestions are stable.
func sortPhrases(vp *valuePhrases) {
	idx := make([]int, len(vp.phrases))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return vp.phrases[idx[a]] < vp.phrases[idx[b]] })
	p, v := make([]string, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		p[i], v[i] = vp.phrases[j], vp.values[j]
	}
	vp.phrases, vp.values = p, v
}

// unknownValue returns a clarification when an unknown word stands where a
// value of a dimension would, or nil.
func (r *Rules) unknownValue(question, masked string, mentions []mention, unknown []string, lang string) *Clarification {
	if len(unknown) == 0 {
		return nil
	}
	isUnknown := func(w string) string {
		for _, u := range unknown {
			if w == u || strings.HasPrefix(w, u) && utf8.RuneCountInString(u) >= 2 {
				return u
			}
		}
		return ""
	}
	rs := []rune(masked)
	for _, m := range mentions {
		_, dims, vals := m.split()
		if len(dims) == 0 || len(vals) > 0 {
			continue
		}
		// 渠道为淘宝, channel is taobao: a copula, then the word.
		after := string(rs[m.end:])
		cop := copulaRE.FindString(after)
		if cop == "" {
			continue
		}
		if w := isUnknown(valueRunRE.FindString(after[len(cop):])); w != "" {
			return r.valueClarification(question, dims[0], w, lang)
		}
	}
	// No dimension named: a word that begins a value's name (淘宝 for
	// 淘宝天猫), or is one or two edits from one (tmal), is that value
	// misnamed, not a word to drop. A word right after a value is tried
	// with it (上海 + 来福士 → 上海来福士店).
	type try struct {
		word string
		same []target // values the word already stands for (男性 + 顾客 is still 男)
	}
	var tries []try
	for _, m := range mentions {
		if _, _, vals := m.split(); len(vals) > 0 && m.end < len(rs) {
			if w := isUnknown(valueRunRE.FindString(string(rs[m.end:]))); w != "" {
				tries = append(tries, try{m.text + w, vals})
			}
		}
	}
	for _, u := range unknown {
		tries = append(tries, try{word: u})
	}
	byDim := r.phrasesByDim()
	for _, tr := range tries {
		u := tr.word
		n := utf8.RuneCountInString(u)
		ascii := isASCIIWord(u)
		if n < 2 || ascii && n < 4 {
			continue
		}
		limit := 1
		if n > 5 {
			limit = 2
		}
		for _, d := range r.model.Dimensions {
			vp := byDim[d.Name]
			if vp == nil {
				continue
			}
			for i, p := range vp.phrases {
				pn := utf8.RuneCountInString(p)
				prefix := strings.HasPrefix(p, u) && pn > n
				near := n >= 3 && pn >= n-limit && pn <= n+limit && semantic.EditDistance(u, p) <= limit
				if (prefix || near) && !slices.Contains(tr.same, target{kind: kindValue, name: d.Name, value: vp.values[i]}) {
					return r.valueClarification(question, d.Name, u, lang)
				}
			}
		}
	}
	return nil
}

// valueClarification says that word is not a value of dim and offers the
// closest values (or the first few).
func (r *Rules) valueClarification(question, dim, word string, lang string) *Clarification {
	d := r.model.Dimension(dim)
	c := &Clarification{Message: msg(lang,
		fmt.Sprintf("没有找到%s「%s」。你是指：", d.Label.Zh, word),
		fmt.Sprintf("There is no %s called %q. Did you mean:", strings.ToLower(d.Label.En), word))}
	var vals []string
	if vp := r.phrasesByDim()[dim]; vp != nil {
		for _, p := range semantic.Closest(word, vp.phrases, 8) {
			for i, q := range vp.phrases {
				if q == p && !containsStr(vals, vp.values[i]) {
					vals = append(vals, vp.values[i])
				}
			}
		}
		if len(vals) == 0 {
			for _, v := range vp.values {
				if len(vals) < 6 && !containsStr(vals, v) {
					vals = append(vals, v)
				}
			}
		}
	}
	for _, v := range vals[:min(len(vals), 4)] {
		label := d.ValueLabel(v, lang)
		q := replaceFold(question, word, label)
		c.Options = append(c.Options, Option{Label: label, Question: q})
	}
	return c
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// replaceFold replaces the first case-insensitive occurrence of old in s.
func replaceFold(s, old, repl string) string {
	if i := strings.Index(strings.ToLower(s), strings.ToLower(old)); i >= 0 && len(strings.ToLower(s)) == len(s) {
		return s[:i] + repl + s[i+len(old):]
	}
	return repl + " " + s
}
