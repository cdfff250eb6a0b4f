package nlq

import (
	"regexp"
	"regexp/syntax"
	"unicode"
)

// gated is a regular expression behind a cheap test: most questions hold
// none of the runes a match can begin with (read from the expression, so
// the test can never miss a match), and looking for a few runes costs far
// less than running the expression (the translator runs dozens per
// question; BenchmarkTranslate holds it to its speed).
type gated struct {
	re    *regexp.Regexp
	first starts // nil: any rune may begin a match
}

func gate(re *regexp.Regexp) gated { return gated{re, startsOf(re)} }

func (g gated) may(s string) bool { return g.first.may(s) }

func (g gated) MatchString(s string) bool { return g.may(s) && g.re.MatchString(s) }

func (g gated) FindString(s string) string {
	if !g.may(s) {
		return ""
	}
	return g.re.FindString(s)
}

func (g gated) FindStringSubmatch(s string) []string {
	if !g.may(s) {
		return nil
	}
	return g.re.FindStringSubmatch(s)
}

func (g gated) ReplaceAllString(s, repl string) string {
	if !g.may(s) {
		return s
	}
	return g.re.ReplaceAllString(s, repl)
}

// requires reports whether every match of the expression holds a rune for
// which in is true in every one of its possible ranges (a digit, a Latin
// letter): a question without such a rune cannot match, so the expression
// need not run.
func requires(re *regexp.Regexp, in func(lo, hi rune) bool) bool {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return false
	}
	return requiresNode(t.Simplify(), in)
}

func requiresNode(n *syntax.Regexp, in func(lo, hi rune) bool) bool {
	switch n.Op {
	case syntax.OpLiteral:
		for _, r := range n.Rune {
			if in(r, r) {
				return true
			}
		}
	case syntax.OpCharClass:
		if len(n.Rune) == 0 {
			return false
		}
		for i := 0; i+1 < len(n.Rune); i += 2 {
			if !in(n.Rune[i], n.Rune[i+1]) {
				return false
			}
		}
		return true
	case syntax.OpCapture, syntax.OpPlus:
		return requiresNode(n.Sub[0], in)
	case syntax.OpRepeat:
		return n.Min >= 1 && requiresNode(n.Sub[0], in)
	case syntax.OpConcat:
		for _, s := range n.Sub {
			if requiresNode(s, in) {
				return true
			}
		}
	case syntax.OpAlternate:
		for _, s := range n.Sub {
			if !requiresNode(s, in) {
				return false
			}
		}
		return len(n.Sub) > 0
	}
	return false
}

func isDigitRange(lo, hi rune) bool { return lo >= '0' && hi <= '9' }

func isLatinRange(lo, hi rune) bool {
	return lo >= 'a' && hi <= 'z' || lo >= 'A' && hi <= 'Z'
}

// starts is the set of runes a match of the expression can begin with,
// when it is small and known (a Chinese or English word list); nil when
// any rune might begin one.
type starts []rune

// startsOf reads the first runes of an expression (lower-cased: questions
// are normalized to lower case).
func startsOf(re *regexp.Regexp) starts {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	set, ok := firstRunes(t.Simplify())
	if !ok || len(set) == 0 || len(set) > 256 {
		return nil
	}
	return set
}

// firstRunes: the runes n's matches start with; ok false when n may match
// the empty string or start with a wide class.
func firstRunes(n *syntax.Regexp) (starts, bool) {
	switch n.Op {
	case syntax.OpLiteral:
		if len(n.Rune) == 0 {
			return nil, false
		}
		r := n.Rune[0]
		if n.Flags&syntax.FoldCase != 0 {
			return starts{unicode.ToLower(r), unicode.ToUpper(r)}, true
		}
		return starts{r}, true
	case syntax.OpCharClass:
		var out starts
		for i := 0; i+1 < len(n.Rune); i += 2 {
			if n.Rune[i+1]-n.Rune[i] > 64 {
				return nil, false
			}
			for r := n.Rune[i]; r <= n.Rune[i+1]; r++ {
				out = append(out, r)
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture, syntax.OpPlus:
		return firstRunes(n.Sub[0])
	case syntax.OpRepeat:
		if n.Min < 1 {
			return nil, false
		}
		return firstRunes(n.Sub[0])
	case syntax.OpConcat:
		var out starts
		for _, s := range n.Sub {
			if s.Op == syntax.OpWordBoundary || s.Op == syntax.OpBeginText || s.Op == syntax.OpBeginLine {
				continue
			}
			if s.Op == syntax.OpQuest || s.Op == syntax.OpStar || s.Op == syntax.OpRepeat && s.Min == 0 {
				sub, ok := firstRunes(s.Sub[0])
				if !ok {
					return nil, false
				}
				out = append(out, sub...)
				continue
			}
			sub, ok := firstRunes(s)
			if !ok {
				return nil, false
			}
			return append(out, sub...), true
		}
		return nil, false
	case syntax.OpAlternate:
		var out starts
		for _, s := range n.Sub {
			sub, ok := firstRunes(s)
			if !ok {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	}
	return nil, false
}

// may reports whether s holds a rune a match could begin with.
func (st starts) may(s string) bool {
	if st == nil {
		return true
	}
	for _, r := range s {
		for _, x := range st {
			if r == x {
				return true
			}
		}
	}
	return false
}
