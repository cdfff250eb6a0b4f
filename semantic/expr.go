package semantic

import (
	"slices"
	"strings"
	"unicode"
)

// Model expressions (metric expr, filter, time, dimension expr) are SQL
// snippets in the engine's dialect. The compiler reads them only as tokens:
// it finds column references, qualifies bare columns with the metric's table
// and quotes identifiers. It never rewrites anything else.

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokPunct
	tokSpace
)

type token struct {
	kind tokKind
	text string
	// qual is the table of a qualified column reference (orders.channel);
	// text then holds the column.
	qual string
	// fn marks an identifier followed by "(": a function name.
	fn bool
	// typ marks an identifier that names a type (after :: or CAST ... AS).
	typ bool
}

func tokenize(s string) []token {
	var toks []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			j := i
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
			toks = append(toks, token{kind: tokSpace, text: " "})
			i = j
		case r == '\'':
			j := i + 1
			for j < len(rs) {
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(rs))
			toks = append(toks, token{kind: tokString, text: string(rs[i:j])})
			i = j
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: string(rs[i+1 : min(j, len(rs))])})
			i = min(j+1, len(rs))
		case unicode.IsDigit(r) || r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E') {
				j++
			}
			toks = append(toks, token{kind: tokNumber, text: string(rs[i:j])})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: string(rs[i:j])})
			i = j
		default:
			j := i + 1
			if j < len(rs) && strings.ContainsRune("<>=!:|", r) && strings.ContainsRune("=>:|", rs[j]) {
				j++
			}
			toks = append(toks, token{kind: tokPunct, text: string(rs[i:j])})
			i = j
		}
	}
	// Join "table . column" into one qualified reference; mark functions and types.
	var out []token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tokIdent && i+2 < len(toks) && toks[i+1].text == "." && toks[i+1].kind == tokPunct && toks[i+2].kind == tokIdent {
			t = token{kind: tokIdent, qual: t.text, text: toks[i+2].text}
			i += 2
		}
		if t.kind == tokIdent {
			if n := nextSignificant(toks, i+1); n >= 0 && toks[n].text == "(" {
				t.fn = true
			}
			if p := lastSignificant(out); p >= 0 && (out[p].text == "::" || out[p].kind == tokIdent && strings.EqualFold(out[p].text, "as")) {
				t.typ = true
			}
		}
		out = append(out, t)
	}
	return out
}

func nextSignificant(toks []token, i int) int {
	for ; i < len(toks); i++ {
		if toks[i].kind != tokSpace {
			return i
		}
	}
	return -1
}

func lastSignificant(toks []token) int {
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].kind != tokSpace {
			return i
		}
	}
	return -1
}

var keywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`and or not is null in like ilike between case when then else end true false
		as distinct filter where interval date timestamp time cast exists any all some asc desc nulls first last
		over partition by order from select group having limit union escape similar to glob collate both leading
		trailing year month day hour minute second week quarter epoch dow doy isodow isoyear`) {
		keywords[k] = true
	}
}

func isKeyword(s string) bool { return keywords[strings.ToLower(s)] }

// isColumn reports whether a token is a column reference.
func (t token) isColumn() bool {
	return t.kind == tokIdent && !t.fn && !t.typ && (t.qual != "" || !isKeyword(t.text))
}

// qualifiedTables lists the tables an expression names in qualified column
// references, in order of first appearance.
func qualifiedTables(expr string, m *Model) []string {
	var out []string
	for _, t := range tokenize(expr) {
		if t.isColumn() && t.qual != "" && !slices.Contains(out, t.qual) {
			out = append(out, t.qual)
		}
	}
	return out
}

// exprTables lists the tables an expression needs once bare columns are read
// as columns of base.
func exprTables(expr, base string) []string {
	var out []string
	for _, t := range tokenize(expr) {
		if !t.isColumn() {
			continue
		}
		q := t.qual
		if q == "" {
			q = base
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// renderExpr writes expr with every column qualified (bare columns belong to
// base) and quoted by the dialect.
func renderExpr(expr, base string, d Dialect) string {
	var b strings.Builder
	for _, t := range tokenize(expr) {
		switch {
		case t.isColumn():
			q := t.qual
			if q == "" {
				q = base
			}
			b.WriteString(d.QuoteIdent(q) + "." + d.QuoteIdent(t.text))
		case t.kind == tokIdent && t.qual != "":
			b.WriteString(t.qual + "." + t.text)
		default:
			b.WriteString(t.text)
		}
	}
	return strings.TrimSpace(b.String())
}

// splitTop splits tokens at a keyword (AND, OR) outside parentheses.
func splitTop(toks []token, word string) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case depth == 0 && t.kind == tokIdent && t.qual == "" && strings.EqualFold(t.text, word):
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// conjuncts splits a rendered condition at its top-level ANDs, each part in
// one canonical form (identifiers quoted) so that parts compare as text.
func conjuncts(cond string) []string {
	var out []string
	for _, part := range splitTop(tokenize(cond), "and") {
		var b strings.Builder
		for _, t := range part {
			switch {
			case t.kind == tokIdent && t.qual != "":
				b.WriteString(`"` + t.qual + `"."` + t.text + `"`)
			case t.kind == tokIdent && !t.fn && !t.typ && !isKeyword(t.text):
				b.WriteString(`"` + t.text + `"`)
			default:
				b.WriteString(t.text)
			}
		}
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
	}
	return out
}
