package nlq

import (
	"regexp"
	"slices"
	"strings"
)

// Linking: the lexicon links phrases to metrics, dimensions and values;
// the frame then says what each linked phrase is doing in the question —
// a metric asked, a split (按渠道, 各门店, 哪个城市, "by channel"), a value
// filter (上海, 线上) or an excluded value (除了天猫).

var (
	groupMarkRE = regexp.MustCompile(`(按照|按|各个|各|每个|每一个|每|分|哪个|哪些|哪家|哪一个|哪|by|per|across|for each|split by|broken down by|which|each)\s*$`)
	whichRE     = regexp.MustCompile(`(哪个|哪些|哪家|哪一个|哪|which)\s*$`)
	topTailRE   = regexp.MustCompile(`(?:前|top|头|bottom|后)\s*\d+\s*(?:个|名|家|位|款)?\s*$|(?:最高|最多|最好|最大|最低|最少|最差|最小)的\s*\d*\s*(?:个|名|家|位|款)?\s*$`)
	exclRE      = regexp.MustCompile(`(除了|除去|除开|不含|不包括|不包含|排除|去掉|剔除|不看|不要|除|except|excluding|exclude|without|other than|apart from|not)\s*$`)
)

// constructLink links the (time-masked) question to the model's words.
func constructLink(rd *reading) bool {
	rd.mentions = rd.r.lex.link(rd.ti.masked)
	rd.rest = unlinked(rd.ti.masked, rd.mentions)
	rd.rs = []rune(rd.ti.masked)
	return false
}

// constructFrame reads each linked phrase in its place.
func constructFrame(rd *reading) bool {
	mentions, rs := rd.mentions, rd.rs
	for i, m := range mentions {
		before := string(rs[prevEnd(mentions, i):m.start])
		if m.fuzzy {
			rd.fuzzy = true
		}
		ms, ds, vs := m.split()
		after := string(rs[m.end:nextStart(mentions, i, len(rs))])
		// "…的门店" closing a question, or "top 10 stores", names what is ranked or listed.
		grouped := groupMarkRE.MatchString(before) || topTailRE.MatchString(before) ||
			i == len(mentions)-1 && strings.HasSuffix(strings.TrimSpace(before), "的") && strings.TrimSpace(stripStopwords(strings.TrimSpace(after))) == ""
		nextIsValueOf := func(dim string) bool {
			if i+1 >= len(mentions) {
				return false
			}
			for _, tg := range mentions[i+1].targets {
				if tg.kind == kindValue && tg.name == dim {
					return true
				}
			}
			return false
		}
		switch {
		case len(ms) > 0 && (len(ds) == 0 && len(vs) == 0 || !grouped):
			if len(ms) > 1 {
				rd.ambiguous = append(rd.ambiguous, ms)
				continue
			}
			if !slices.Contains(rd.metrics, ms[0]) {
				rd.metrics = append(rd.metrics, ms[0])
			}
		case len(ds) > 0 && (grouped || len(vs) == 0):
			d := ds[0]
			if nextIsValueOf(d) && !grouped {
				continue // 城市为上海: the value says it
			}
			if !grouped && len(vs) == 0 && prevWasValue(mentions, i) && strings.TrimSpace(before) == "" {
				continue // "beauty products", 美妆商品: a noun after a value, not a split
			}
			if whichRE.MatchString(before) {
				rd.whichDim = true
			}
			if !slices.Contains(rd.dims, d) {
				rd.dims = append(rd.dims, d)
			}
		case len(vs) > 0 && rd.partOfWord(i):
			// 女装: 女 (a gender) begins a word the data does not hold.
			rd.oddWord = string(rs[m.start : m.end+1])
		case len(vs) > 0:
			// A value may belong to several dimensions (a city of stores and of
			// members is one dimension here; a name shared by two is ambiguous:
			// take the first the model lists).
			v := vs[0]
			excl := exclRE.MatchString(before) || i > 0 && len(rd.filters) > 0 && rd.filters[len(rd.filters)-1].exclude &&
				strings.TrimSpace(strings.Trim(before, "和及与、,或")) == "" && prevWasValue(mentions, i)
			placed := false
			for k := range rd.filters {
				if rd.filters[k].dim == v.name && rd.filters[k].exclude == excl {
					rd.filters[k].values = append(rd.filters[k].values, v.value)
					placed = true
				}
			}
			if !placed {
				f := valFilter{dim: v.name, values: []any{v.value}, exclude: excl, word: m.text}
				if len(ds) > 0 {
					f.scopeDim = ds[0]
				}
				rd.filters = append(rd.filters, f)
			}
		}
	}
	return false
}

// afterOneRune are the characters that may follow a one-character value
// (女性, 男顾客, 女的): anything else makes a word of its own (女装, 男鞋).
const afterOneRune = "的和与及或跟同在性士顾会用客人买消生方"

// partOfWord reports whether mention i is a one-character value glued to
// the next character of a word no phrase explains.
func (rd *reading) partOfWord(i int) bool {
	m := rd.mentions[i]
	if m.end-m.start != 1 || !isCJK(rd.rs[m.start]) || m.end >= len(rd.rs) {
		return false
	}
	next := rd.rs[m.end]
	if !isCJK(next) || strings.ContainsRune(afterOneRune, next) {
		return false
	}
	return i+1 >= len(rd.mentions) || rd.mentions[i+1].start != m.end
}
