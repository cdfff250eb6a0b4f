package semantic

import (
	"fmt"
	"slices"
	"strconv"
)

// A formula is the expression of a derived metric: numbers and metric names
// combined with + - * / and parentheses. It is parsed once when the model
// loads and rendered per dialect, so that division never fails on zero.
type formula struct {
	op          byte // 0 for a leaf; '+', '-', '*', '/'; 'n' for negation
	metric      string
	num         float64
	left, right *formula
}

type formulaParser struct {
	toks []token
	pos  int
}

func parseFormula(s string) (*formula, error) {
	var toks []token
	for _, t := range tokenize(s) {
		if t.kind != tokSpace {
			toks = append(toks, t)
		}
	}
	p := &formulaParser{toks: toks}
	f, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return f, nil
}

func (p *formulaParser) peek() string {
	if p.pos < len(p.toks) && p.toks[p.pos].kind == tokPunct {
		return p.toks[p.pos].text
	}
	return ""
}

func (p *formulaParser) expr() (*formula, error) {
	left, err := p.term()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.peek()[0]
		p.pos++
		var right *formula
		if right, err = p.term(); err == nil {
			left = &formula{op: op, left: left, right: right}
		}
	}
	return left, err
}

func (p *formulaParser) term() (*formula, error) {
	left, err := p.factor()
	for err == nil && (p.peek() == "*" || p.peek() == "/") {
		op := p.peek()[0]
		p.pos++
		var right *formula
		if right, err = p.factor(); err == nil {
			left = &formula{op: op, left: left, right: right}
		}
	}
	return left, err
}

func (p *formulaParser) factor() (*formula, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("the formula ends too early")
	}
	t := p.toks[p.pos]
	p.pos++
	switch {
	case t.kind == tokPunct && t.text == "(":
		f, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return f, nil
	case t.kind == tokPunct && t.text == "-":
		f, err := p.factor()
		return &formula{op: 'n', left: f}, err
	case t.kind == tokNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		return &formula{num: v}, err
	case t.kind == tokIdent && t.qual == "" && !t.fn:
		return &formula{metric: t.text}, nil
	}
	return nil, fmt.Errorf("unexpected %q (a formula combines metric names and numbers with + - * /)", t.text)
}

// metrics lists the metric names a formula uses, in order.
func (f *formula) metrics(out []string) []string {
	if f == nil {
		return out
	}
	if f.op == 0 && f.metric != "" && !slices.Contains(out, f.metric) {
		out = append(out, f.metric)
	}
	return f.right.metrics(f.left.metrics(out))
}

// render writes the formula with ref giving each metric's SQL.
func (f *formula) render(d Dialect, ref func(string) string) string {
	switch f.op {
	case 0:
		if f.metric != "" {
			return ref(f.metric)
		}
		return strconv.FormatFloat(f.num, 'g', -1, 64)
	case 'n':
		return "-(" + f.left.render(d, ref) + ")"
	case '/':
		return "(" + d.Divide(f.left.render(d, ref), "("+f.right.render(d, ref)+")") + ")"
	}
	return "(" + f.left.render(d, ref) + " " + string(f.op) + " " + f.right.render(d, ref) + ")"
}
