package semantic

import (
	"gopkg.in/yaml.v3"
)

// Funnel is a sequence of count metrics over the same rows, each step a
// subset of the one before (visits → carts → payments). A question asked
// as a funnel (漏斗, 从访问到支付) is answered with every step's count and
// the step-to-step rates, drawn as a funnel.
type Funnel struct {
	Name     string
	Label    Text
	Synonyms []string
	Steps    []FunnelStep
	Line     int
}

// FunnelStep is one step: its metric and the words that name it.
type FunnelStep struct {
	Metric   string   `yaml:"metric"`
	Zh       string   `yaml:"zh"`
	En       string   `yaml:"en"`
	Synonyms []string `yaml:"synonyms"`
}

// Label is the step's name in lang (the metric's label when not given).
func (s FunnelStep) Label(m *Model, lang string) string {
	if lang == "en" && s.En != "" {
		return s.En
	}
	if lang != "en" && s.Zh != "" {
		return s.Zh
	}
	if mt := m.Metric(s.Metric); mt != nil {
		return mt.Label.In(lang)
	}
	return s.Metric
}

type rawFunnel struct {
	Label    Text         `yaml:"label"`
	Synonyms []string     `yaml:"synonyms"`
	Steps    []FunnelStep `yaml:"steps"`
}

// parseFunnels reads the funnels section: each step a count metric, at
// least two, all on one table.
func (p *modelParser) parseFunnels(m *Model, n *yaml.Node) {
	p.each(n, "funnels", func(name string, line int, v *yaml.Node) {
		var rf rawFunnel
		if err := v.Decode(&rf); err != nil {
			p.errf(line, "funnels."+name, "%v", err)
			return
		}
		f := &Funnel{Name: name, Label: rf.Label, Synonyms: rf.Synonyms, Steps: rf.Steps, Line: line}
		if len(f.Steps) < 2 {
			p.errf(line, "funnels."+name, "a funnel needs at least two steps")
		}
		table := ""
		for i, s := range f.Steps {
			mt := m.Metric(s.Metric)
			switch {
			case mt == nil:
				p.errf(line, "funnels."+name, "step %d: unknown metric %q", i+1, s.Metric)
			case mt.Unit != UnitCount || mt.Type == TypeDerived:
				p.errf(line, "funnels."+name, "step %d: %s is not a count metric", i+1, s.Metric)
			case table != "" && mt.Table != table:
				p.errf(line, "funnels."+name, "step %d: %s is on table %s, the funnel's steps on %s", i+1, s.Metric, mt.Table, table)
			default:
				table = mt.Table
			}
		}
		m.Funnels = append(m.Funnels, f)
	})
}
