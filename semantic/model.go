package semantic

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Text is a label or description in Chinese and English. In YAML it is either
// a mapping {zh, en} or a plain string used for both languages.
type Text struct {
	Zh string `yaml:"zh" json:"zh,omitempty"`
	En string `yaml:"en" json:"en,omitempty"`
}

// UnmarshalYAML accepts a plain string as well as a {zh, en} mapping.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		t.Zh, t.En = n.Value, n.Value
		return nil
	}
	type plain Text
	return n.Decode((*plain)(t))
}

// In returns the text in lang ("zh" or "en"), falling back to the other one.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" || t.Zh == "" {
		return t.En
	}
	return t.Zh
}

// Types a dimension's values may have.
const (
	DimText    = "text"
	DimNumber  = "number"
	DimBoolean = "boolean"
)

var dimTypes = []string{DimText, DimNumber, DimBoolean}

// Units a metric's values are shown in.
const (
	UnitCurrency = "currency"
	UnitPercent  = "percent"
	UnitCount    = "count"
	UnitNumber   = "number"
)

// Metric types.
const (
	TypeSimple  = "simple"
	TypeDerived = "derived"
	TypeRepeat  = "repeat"
	// TypeFollowed is the share of rows (an event: an abandoned cart) whose
	// entity has a later event of another kind within a time window (a
	// payment within 24 hours), in any session: a windowed funnel.
	TypeFollowed = "followed"
)

// Aggregations of simple metrics.
const (
	AggSum           = "sum"
	AggCount         = "count"
	AggCountDistinct = "count_distinct"
	AggAvg           = "avg"
	AggMin           = "min"
	AggMax           = "max"
)

// Model is a semantic model: tables and how they join, dimensions, and
// metrics, each defined once.
type Model struct {
	Name  string
	Label Text
	// AsOf is the date relative time is resolved against when the caller
	// gives none; zero means today.
	AsOf time.Time
	// DefaultRange names the range a question with no time falls back to
	// (this_year, last_30_days, all, ...); a metric may override it.
	DefaultRange string
	// Currency is the ISO 4217 code of currency metrics (CNY when empty); a
	// metric may name its own. Locale (a BCP 47 tag such as en-GB or de-DE)
	// sets how numbers are written; empty follows the asker's language.
	Currency string
	Locale   string

	Tables     []*Table
	Dimensions []*Dimension
	Metrics    []*Metric
	Funnels    []*Funnel
	Audiences  []*Audience

	roles   []*Role
	tables  map[string]*Table
	dims    map[string]*Dimension
	metrics map[string]*Metric
}

// Table is a table of the data source, or a derived table defined by SQL.
type Table struct {
	Name string
	// From is the SQL table reference; empty means the quoted name.
	From string
	// SQL defines a derived table; it is rendered as a CTE named Name.
	SQL        string
	PrimaryKey []string
	// References are many-to-one joins: Column holds the primary key of Table.
	References []Reference
	Line       int
	lines      map[string]int
	// stages and rfm declare an entity-state table whose SQL the parser writes (state.go).
	stages *Stages
	rfm    *RFM
}

// Reference is a foreign key: this table's Column refers to Table's primary
// key. Required means every row has a match (the column is never NULL and
// never dangling), so the compiler may inner-join; otherwise it left-joins,
// keeping rows without a match as a NULL group.
type Reference struct {
	Column   string
	Table    string
	Required bool
}

// Dimension is a business attribute results can be grouped and filtered by.
// Expr binds it for metrics on any table from which Expr's table is reachable;
// Bindings override that per metric table (tier is tier_at_order on orders).
type Dimension struct {
	Name        string
	Label       Text
	Synonyms    []string
	Description Text
	Expr        string
	Bindings    map[string]string
	Values      []Value
	NullLabel   Text
	// Type is what the dimension holds: text (the default), number or
	// boolean; filter values must be of that type.
	Type string
	// PII marks personal data (a phone number): shown only to roles with
	// pii: true (and admins).
	PII  bool
	Line int

	home  string         // the table Expr is on
	lines map[string]int // line of each field, for error messages
}

// Value is a known value of a dimension with its labels and synonyms.
type Value struct {
	Value    string   `yaml:"value"`
	Zh       string   `yaml:"zh"`
	En       string   `yaml:"en"`
	Synonyms []string `yaml:"synonyms"`
}

// Label returns the value's label in lang, or the value itself.
func (v Value) Label(lang string) string {
	if lang == "en" && v.En != "" {
		return v.En
	}
	if lang != "en" && v.Zh != "" {
		return v.Zh
	}
	return v.Value
}

// Metric is one metric's single definition.
type Metric struct {
	Name        string
	Label       Text
	Synonyms    []string
	Description Text
	Unit        string
	Type        string
	Hidden      bool
	// DefaultRange overrides the model's default range for this metric.
	DefaultRange string
	Line         int

	// Simple and repeat metrics.
	Table  string
	Time   string // time column expression; empty for metrics with no time
	Filter string
	// Simple metrics.
	Agg        string
	Expr       string // also the formula of derived metrics, over metric names
	At         map[string]Alt
	FirstPer   string // count only each entity's first qualifying row ever
	Cumulative bool   // count everything up to the end of the period
	// Repeat metrics: the share of entities with at least MinCount distinct events.
	Entity   string
	Event    string
	MinCount int
	// Currency overrides the model's currency for this metric (ISO 4217).
	Currency string
	// Series is the dimension a per-period question about one period splits
	// by (a cohort's retention "by month" is by months since its first order).
	Series string
	// Followed metrics: rows of Table (with Filter) whose Entity has a row of
	// FollowedBy after After (a column of Table; default Time) and at most
	// FollowedBy.Within after it.
	After      string
	FollowedBy *FollowedBy

	deps    []string // metrics a derived metric refers to, in order of appearance
	formula *formula
	lines   map[string]int // line of each field, for error messages
}

// FollowedBy is the later event of a followed metric: rows of Table
// matching Filter, of the same entity (Entity), timed by Time.
type FollowedBy struct {
	Table  string        `yaml:"table"`
	Entity string        `yaml:"entity"`
	Time   string        `yaml:"time"`
	Filter string        `yaml:"filter"`
	Within time.Duration `yaml:"-"`
	// WithinText is the window as written (24h, 30m, 7d).
	WithinText string `yaml:"within"`
}

// Alt redefines a metric's aggregation on a finer table, used when a query
// splits the metric by dimensions reached only through that table.
type Alt struct {
	Agg  string `yaml:"agg"`
	Expr string `yaml:"expr"`
}

// Metric returns the named metric, or nil.
func (m *Model) Metric(name string) *Metric { return m.metrics[name] }

// Dimension returns the named dimension, or nil.
func (m *Model) Dimension(name string) *Dimension { return m.dims[name] }

// Table returns the named table, or nil.
func (m *Model) Table(name string) *Table { return m.tables[name] }

// Deps returns the metrics a derived metric is computed from.
func (mt *Metric) Deps() []string { return mt.deps }

// HasTime reports whether the metric can be restricted to a time range.
// Derived metrics have time when any component has.
func (m *Model) HasTime(mt *Metric) bool {
	if mt.Type != TypeDerived {
		return mt.Time != ""
	}
	for _, d := range mt.deps {
		if m.HasTime(m.metrics[d]) {
			return true
		}
	}
	return false
}

// ValueLabel returns the label of a dimension value in lang; NULL is shown
// with the dimension's null label.
func (d *Dimension) ValueLabel(v any, lang string) string {
	if v == nil {
		if l := d.NullLabel.In(lang); l != "" {
			return l
		}
		return ""
	}
	s := fmt.Sprint(v)
	for _, val := range d.Values {
		if val.Value == s {
			return val.Label(lang)
		}
	}
	return s
}

// NormalizeValue maps a label or synonym of a known value to the stored
// value (黄金会员 → gold, Shanghai → 上海); other values come back unchanged.
func (d *Dimension) NormalizeValue(v string) string {
	t := strings.TrimSpace(v)
	for _, val := range d.Values {
		if strings.EqualFold(val.Value, t) || strings.EqualFold(val.Zh, t) || strings.EqualFold(val.En, t) {
			return val.Value
		}
		for _, s := range val.Synonyms {
			if strings.EqualFold(s, t) {
				return val.Value
			}
		}
	}
	return v
}

// rawModel is the YAML shape; mappings stay nodes to keep order and lines.
type rawModel struct {
	Name         string    `yaml:"name"`
	Label        Text      `yaml:"label"`
	AsOf         string    `yaml:"as_of"`
	DefaultRange string    `yaml:"default_range"`
	Currency     string    `yaml:"currency"`
	Locale       string    `yaml:"locale"`
	Tables       yaml.Node `yaml:"tables"`
	Dimensions   yaml.Node `yaml:"dimensions"`
	Metrics      yaml.Node `yaml:"metrics"`
	Access       yaml.Node `yaml:"access"`
	Funnels      yaml.Node `yaml:"funnels"`
	Audiences    yaml.Node `yaml:"audiences"`
}

type rawTable struct {
	From       string    `yaml:"from"`
	SQL        string    `yaml:"sql"`
	PrimaryKey yaml.Node `yaml:"primary_key"`
	References yaml.Node `yaml:"references"`
	Stages     *Stages   `yaml:"stages"`
	RFM        yaml.Node `yaml:"rfm"`
}

type rawDimension struct {
	Label       Text      `yaml:"label"`
	Synonyms    []string  `yaml:"synonyms"`
	Description Text      `yaml:"description"`
	Expr        string    `yaml:"expr"`
	Bindings    yaml.Node `yaml:"bindings"`
	Values      []Value   `yaml:"values"`
	NullLabel   Text      `yaml:"null_label"`
	Type        string    `yaml:"type"`
	PII         bool      `yaml:"pii"`
}

type rawMetric struct {
	Label        Text           `yaml:"label"`
	Synonyms     []string       `yaml:"synonyms"`
	Description  Text           `yaml:"description"`
	Unit         string         `yaml:"unit"`
	Type         string         `yaml:"type"`
	Hidden       bool           `yaml:"hidden"`
	DefaultRange string         `yaml:"default_range"`
	Table        string         `yaml:"table"`
	Time         string         `yaml:"time"`
	Filter       string         `yaml:"filter"`
	Agg          string         `yaml:"agg"`
	Expr         string         `yaml:"expr"`
	At           map[string]Alt `yaml:"at"`
	FirstPer     string         `yaml:"first_per"`
	Cumulative   bool           `yaml:"cumulative"`
	Entity       string         `yaml:"entity"`
	Event        string         `yaml:"event"`
	MinCount     int            `yaml:"min_count"`
	After        string         `yaml:"after"`
	FollowedBy   *FollowedBy    `yaml:"followed_by"`
	Series       string         `yaml:"series"`
	Currency     string         `yaml:"currency"`
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	localeRE   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// CurrencyOf is the ISO code a currency metric is in: its own, the model's, else CNY.
func (m *Model) CurrencyOf(mt *Metric) string {
	switch {
	case mt != nil && mt.Currency != "":
		return mt.Currency
	case m.Currency != "":
		return m.Currency
	}
	return "CNY"
}

// ParseModel reads a model from YAML. file names the source in error
// messages. All problems are reported at once as ModelErrors, each with its
// line and element.
func ParseModel(file string, data []byte) (*Model, error) {
	p := &modelParser{file: file}
	var raw rawModel
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, ModelErrors{p.yamlError(err)}
	}
	if err := doc.Decode(&raw); err != nil {
		return nil, ModelErrors{p.yamlError(err)}
	}
	m := &Model{
		Name: raw.Name, Label: raw.Label, DefaultRange: raw.DefaultRange, Currency: raw.Currency, Locale: raw.Locale,
		tables: map[string]*Table{}, dims: map[string]*Dimension{}, metrics: map[string]*Metric{},
	}
	if raw.AsOf != "" {
		t, err := time.Parse(time.DateOnly, raw.AsOf)
		if err != nil {
			p.errf(0, "as_of", "not a date (want YYYY-MM-DD): %q", raw.AsOf)
		}
		m.AsOf = t
	}
	if raw.Currency != "" && !currencyRE.MatchString(raw.Currency) {
		p.errf(0, "currency", "want an ISO 4217 code such as CNY, GBP, USD or EUR, not %q", raw.Currency)
	}
	if raw.Locale != "" && !localeRE.MatchString(raw.Locale) {
		p.errf(0, "locale", "want a locale tag such as zh-CN, en-GB or de-DE, not %q", raw.Locale)
	}
	if raw.DefaultRange != "" && !IsNamedRange(raw.DefaultRange) {
		p.errf(0, "default_range", "unknown range %q (want one of %s)", raw.DefaultRange, strings.Join(NamedRanges, ", "))
	}
	p.each(&raw.Tables, "tables", func(name string, line int, n *yaml.Node) {
		var rt rawTable
		if err := n.Decode(&rt); err != nil {
			p.errf(line, "tables."+name, "%v", err)
			return
		}
		t := &Table{Name: name, From: rt.From, SQL: rt.SQL, Line: line, lines: fieldLines(n), stages: rt.Stages}
		if rt.RFM.Kind == yaml.MappingNode {
			var r RFM
			if err := rt.RFM.Decode(&r); err != nil {
				p.errf(line, "tables."+name+".rfm", "%v", err)
			}
			for i := 0; i+1 < len(rt.RFM.Content); i += 2 {
				if rt.RFM.Content[i].Value == "segments" {
					for _, k := range rt.RFM.Content[i+1].Content {
						if k.Kind == yaml.ScalarNode && len(r.order) < len(r.Segments) && r.Segments[k.Value] != [3]string{} && !slices.Contains(r.order, k.Value) {
							r.order = append(r.order, k.Value)
						}
					}
				}
			}
			t.rfm = &r
		}
		if (t.stages != nil || t.rfm != nil) && (t.SQL != "" || t.From != "" || t.stages != nil && t.rfm != nil) {
			p.errf(line, "tables."+name, "a table is one of from, sql, stages or rfm")
		}
		t.PrimaryKey = p.stringList(&rt.PrimaryKey, "tables."+name+".primary_key")
		p.each(&rt.References, "tables."+name+".references", func(col string, _ int, v *yaml.Node) {
			if v.Kind == yaml.SequenceNode {
				// One key referenced by several tables keyed the same (a
				// member's state tables): customer_id: [member_life, member_rfm].
				for _, e := range v.Content {
					t.References = append(t.References, Reference{Column: col, Table: e.Value})
				}
				return
			}
			r := Reference{Column: col, Table: v.Value}
			if v.Kind == yaml.MappingNode {
				var rr struct {
					Table    string `yaml:"table"`
					Required bool   `yaml:"required"`
				}
				if err := v.Decode(&rr); err != nil {
					p.errf(v.Line, "tables."+name+".references."+col, "%v", err)
				}
				r.Table, r.Required = rr.Table, rr.Required
			}
			t.References = append(t.References, r)
		})
		m.Tables = append(m.Tables, t)
		m.tables[name] = t
	})
	p.buildStates(m)
	p.each(&raw.Dimensions, "dimensions", func(name string, line int, n *yaml.Node) {
		var rd rawDimension
		if err := n.Decode(&rd); err != nil {
			p.errf(line, "dimensions."+name, "%v", err)
			return
		}
		d := &Dimension{Name: name, Label: rd.Label, Synonyms: rd.Synonyms, Description: rd.Description,
			Expr: strings.TrimSpace(rd.Expr), Values: rd.Values, NullLabel: rd.NullLabel, Type: rd.Type, PII: rd.PII, Line: line, Bindings: map[string]string{},
			lines: fieldLines(n)}
		if d.Type == "" {
			d.Type = DimText
		}
		p.each(&rd.Bindings, "dimensions."+name+".bindings", func(table string, _ int, v *yaml.Node) {
			d.Bindings[table] = strings.TrimSpace(v.Value)
		})
		m.Dimensions = append(m.Dimensions, d)
		m.dims[name] = d
	})
	p.each(&raw.Metrics, "metrics", func(name string, line int, n *yaml.Node) {
		var rm rawMetric
		if err := n.Decode(&rm); err != nil {
			p.errf(line, "metrics."+name, "%v", err)
			return
		}
		mt := &Metric{Name: name, Label: rm.Label, Synonyms: rm.Synonyms, Description: rm.Description,
			Unit: rm.Unit, Type: rm.Type, Hidden: rm.Hidden, DefaultRange: rm.DefaultRange, Line: line,
			Table: rm.Table, Time: strings.TrimSpace(rm.Time), Filter: strings.TrimSpace(rm.Filter),
			Agg: rm.Agg, Expr: strings.TrimSpace(rm.Expr), At: rm.At, FirstPer: rm.FirstPer,
			Cumulative: rm.Cumulative, Entity: rm.Entity, Event: rm.Event, MinCount: rm.MinCount,
			After: strings.TrimSpace(rm.After), FollowedBy: rm.FollowedBy, Series: rm.Series, Currency: rm.Currency, lines: fieldLines(n)}
		if mt.Type == "" {
			mt.Type = TypeSimple
		}
		m.Metrics = append(m.Metrics, mt)
		m.metrics[name] = mt
	})
	p.check(m)
	p.parseFunnels(m, &raw.Funnels)
	p.parseAudiences(m, &raw.Audiences)
	p.parseAccess(m, &raw.Access)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return m, nil
}

type modelParser struct {
	file string
	errs ModelErrors
}

func (p *modelParser) errf(line int, elem, format string, args ...any) {
	p.errs = append(p.errs, &ModelError{File: p.file, Line: line, Element: elem, Message: fmt.Sprintf(format, args...)})
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

func (p *modelParser) yamlError(err error) *ModelError {
	e := &ModelError{File: p.file, Message: err.Error()}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &e.Line)
		e.Message = m[2]
	}
	return e
}

// each calls fn for every key of a YAML mapping, in file order.
func (p *modelParser) each(n *yaml.Node, elem string, fn func(key string, line int, v *yaml.Node)) {
	if n.Kind == 0 {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, elem, "must be a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.errf(k.Line, elem+"."+k.Value, "defined twice")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k.Line, v)
	}
}

// stringList accepts a scalar or a sequence of scalars.
func (p *modelParser) stringList(n *yaml.Node, elem string) []string {
	switch n.Kind {
	case 0:
		return nil
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			out = append(out, c.Value)
		}
		return out
	}
	p.errf(n.Line, elem, "must be a column or a list of columns")
	return nil
}

var (
	validAggs  = []string{AggSum, AggCount, AggCountDistinct, AggAvg, AggMin, AggMax}
	validUnits = []string{UnitCurrency, UnitPercent, UnitCount, UnitNumber}
)

// check validates cross references once everything is read.
func (p *modelParser) check(m *Model) {
	if m.Name == "" {
		p.errf(0, "name", "the model needs a name")
	}
	if len(m.Metrics) == 0 {
		p.errf(0, "metrics", "the model defines no metrics")
	}
	for _, t := range m.Tables {
		elem := "tables." + t.Name
		if !nameRE.MatchString(t.Name) {
			p.errf(t.Line, elem, "table names are lower-case identifiers")
		}
		if t.From != "" && t.SQL != "" {
			p.errf(t.Line, elem, "give either from or sql, not both")
		}
		for _, r := range t.References {
			target := m.tables[r.Table]
			switch {
			case target == nil:
				p.errf(at(t.lines, "references", t.Line), elem+".references."+r.Column, "unknown table %q%s", r.Table, didYouMean(r.Table, tableNames(m)))
			case len(target.PrimaryKey) != 1:
				p.errf(at(t.lines, "references", t.Line), elem+".references."+r.Column, "table %q needs a single-column primary_key to be referenced", r.Table)
			}
		}
	}
	for _, d := range m.Dimensions {
		elem := "dimensions." + d.Name
		if !nameRE.MatchString(d.Name) {
			p.errf(d.Line, elem, "dimension names are lower-case identifiers")
		}
		if m.metrics[d.Name] != nil {
			p.errf(d.Line, elem, "a metric has the same name")
		}
		p.checkLabel(d.Line, elem, d.Label)
		if !slices.Contains(dimTypes, d.Type) {
			p.errf(at(d.lines, "type", d.Line), elem+".type", "unknown type %q (want %s)", d.Type, strings.Join(dimTypes, ", "))
		}
		if d.Expr == "" {
			p.errf(d.Line, elem, "expr is required (a table-qualified column or expression, e.g. orders.channel)")
			continue
		}
		homes := qualifiedTables(d.Expr, m)
		switch {
		case len(homes) != 1:
			p.errf(at(d.lines, "expr", d.Line), elem+".expr", "must refer to exactly one table with table-qualified columns (e.g. orders.channel), got %q", d.Expr)
		default:
			d.home = homes[0]
		}
		for _, table := range slices.Sorted(maps.Keys(d.Bindings)) {
			expr := d.Bindings[table]
			if m.tables[table] == nil {
				p.errf(at(d.lines, "bindings", d.Line), elem+".bindings."+table, "unknown table %q%s", table, didYouMean(table, tableNames(m)))
				continue
			}
			for _, tt := range qualifiedTables(expr, m) {
				if _, ok := m.path(table, tt); !ok {
					p.errf(at(d.lines, "bindings", d.Line), elem+".bindings."+table, "table %q is not reachable from %q through references", tt, table)
				}
			}
		}
		seen := map[string]bool{}
		for _, v := range d.Values {
			if seen[v.Value] {
				p.errf(at(d.lines, "values", d.Line), elem+".values", "value %q listed twice", v.Value)
			}
			seen[v.Value] = true
		}
	}
	for _, mt := range m.Metrics {
		p.checkMetric(m, mt)
	}
	p.checkCycles(m)
}

func (p *modelParser) checkLabel(line int, elem string, t Text) {
	if t.Zh == "" && t.En == "" {
		p.errf(line, elem+".label", "a label is required ({zh: ..., en: ...})")
	}
}

func (p *modelParser) checkMetric(m *Model, mt *Metric) {
	elem := "metrics." + mt.Name
	line := mt.Line
	if !nameRE.MatchString(mt.Name) {
		p.errf(line, elem, "metric names are lower-case identifiers")
	}
	p.checkLabel(line, elem, mt.Label)
	if mt.Currency != "" && (!currencyRE.MatchString(mt.Currency) || mt.Unit != UnitCurrency) {
		p.errf(at(mt.lines, "currency", line), elem+".currency", "a currency (ISO 4217, such as GBP) belongs to a metric of unit currency")
	}
	if mt.Series != "" && m.dims[mt.Series] == nil {
		p.errf(at(mt.lines, "series", line), elem+".series", "unknown dimension %q%s", mt.Series, didYouMean(mt.Series, dimensionNames(m)))
	}
	if mt.Unit == "" {
		p.errf(at(mt.lines, "unit", line), elem+".unit", "a unit is required (%s)", strings.Join(validUnits, ", "))
	} else if !slices.Contains(validUnits, mt.Unit) {
		p.errf(at(mt.lines, "unit", line), elem+".unit", "unknown unit %q (want %s)", mt.Unit, strings.Join(validUnits, ", "))
	}
	if mt.DefaultRange != "" && !IsNamedRange(mt.DefaultRange) {
		p.errf(at(mt.lines, "default_range", line), elem+".default_range", "unknown range %q (want one of %s)", mt.DefaultRange, strings.Join(NamedRanges, ", "))
	}
	switch mt.Type {
	case TypeDerived:
		if mt.Expr == "" {
			p.errf(at(mt.lines, "expr", line), elem+".expr", "a derived metric needs expr over other metrics (e.g. sales / orders)")
			return
		}
		f, err := parseFormula(mt.Expr)
		if err != nil {
			p.errf(at(mt.lines, "expr", line), elem+".expr", "bad formula %q: %v", mt.Expr, err)
			return
		}
		mt.formula = f
		for _, name := range f.metrics(nil) {
			if m.metrics[name] == nil {
				p.errf(at(mt.lines, "expr", line), elem+".expr", "unknown metric %q%s", name, didYouMean(name, metricNames(m)))
				continue
			}
			mt.deps = append(mt.deps, name)
		}
		if mt.Table != "" || mt.Agg != "" {
			p.errf(line, elem, "a derived metric takes no table or agg: its components have them")
		}
		return
	case TypeSimple, TypeRepeat, TypeFollowed:
	default:
		p.errf(at(mt.lines, "type", line), elem+".type", "unknown type %q (want simple, derived, repeat or followed)", mt.Type)
		return
	}
	t := m.tables[mt.Table]
	if t == nil {
		p.errf(at(mt.lines, "table", line), elem+".table", "unknown table %q%s", mt.Table, didYouMean(mt.Table, tableNames(m)))
		return
	}
	for _, part := range []struct{ name, expr string }{{"time", mt.Time}, {"filter", mt.Filter}, {"expr", mt.Expr}, {"entity", mt.Entity}, {"event", mt.Event}, {"after", mt.After}} {
		for _, tt := range qualifiedTables(part.expr, m) {
			if _, ok := m.path(mt.Table, tt); !ok {
				p.errf(line, elem+"."+part.name, "table %q is not reachable from %q through references", tt, mt.Table)
			}
		}
	}
	if mt.Type == TypeFollowed {
		p.checkFollowed(m, mt)
		return
	}
	if mt.Type == TypeRepeat {
		if mt.Entity == "" || mt.Event == "" {
			p.errf(line, elem, "a repeat metric needs entity (who repeats) and event (what is counted)")
		}
		if mt.MinCount < 1 {
			p.errf(at(mt.lines, "min_count", line), elem+".min_count", "must be at least 1")
		}
		return
	}
	if !slices.Contains(validAggs, mt.Agg) {
		p.errf(at(mt.lines, "agg", line), elem+".agg", "unknown aggregation %q (want %s)", mt.Agg, strings.Join(validAggs, ", "))
	}
	if mt.Expr == "" && mt.Agg != AggCount {
		p.errf(at(mt.lines, "expr", line), elem+".expr", "agg %s needs expr", mt.Agg)
	}
	if mt.Cumulative {
		if mt.Time == "" {
			p.errf(at(mt.lines, "cumulative", line), elem+".cumulative", "a cumulative metric needs a time column")
		}
		if !(mt.Agg == AggSum || mt.Agg == AggCount || mt.Agg == AggCountDistinct && isPrimaryKey(t, mt.Expr)) {
			p.errf(at(mt.lines, "cumulative", line), elem+".cumulative", "only sum, count, or count_distinct of the primary key can accumulate")
		}
	}
	if mt.FirstPer != "" && mt.Time == "" {
		p.errf(at(mt.lines, "first_per", line), elem+".first_per", "first_per needs a time column to order rows by")
	}
	for _, child := range slices.Sorted(maps.Keys(mt.At)) {
		alt := mt.At[child]
		ct := m.tables[child]
		if ct == nil {
			p.errf(at(mt.lines, "at", line), elem+".at."+child, "unknown table %q%s", child, didYouMean(child, tableNames(m)))
			continue
		}
		if !slices.ContainsFunc(ct.References, func(r Reference) bool { return r.Table == mt.Table }) {
			p.errf(at(mt.lines, "at", line), elem+".at."+child, "table %q does not reference %q", child, mt.Table)
		}
		if !slices.Contains(validAggs, alt.Agg) {
			p.errf(at(mt.lines, "at", line), elem+".at."+child+".agg", "unknown aggregation %q", alt.Agg)
		}
	}
}

// checkFollowed checks a windowed funnel: who (entity on both sides), when
// the window opens (after, default time) and how long it stays open.
func (p *modelParser) checkFollowed(m *Model, mt *Metric) {
	elem, line := "metrics."+mt.Name, mt.Line
	if mt.Entity == "" {
		p.errf(line, elem+".entity", "a followed metric needs entity (whose later event counts)")
	}
	if mt.Time == "" {
		p.errf(line, elem+".time", "a followed metric needs a time column")
	}
	if mt.Agg != "" || mt.Expr != "" || mt.At != nil || mt.FirstPer != "" || mt.Cumulative {
		p.errf(line, elem, "a followed metric is a share of rows: it takes no agg, expr, at, first_per or cumulative")
	}
	if mt.After == "" {
		mt.After = mt.Time
	}
	fb := mt.FollowedBy
	if fb == nil {
		p.errf(line, elem+".followed_by", "a followed metric needs followed_by: {table, entity, time, filter, within}")
		return
	}
	fe := elem + ".followed_by"
	fb.Time, fb.Filter, fb.Entity = strings.TrimSpace(fb.Time), strings.TrimSpace(fb.Filter), strings.TrimSpace(fb.Entity)
	if fb.Table == mt.Table {
		p.errf(line, fe+".table", "the later event must be on another table than %q (define a derived table for it)", mt.Table)
	} else if m.tables[fb.Table] == nil {
		p.errf(line, fe+".table", "unknown table %q%s", fb.Table, didYouMean(fb.Table, tableNames(m)))
	}
	if fb.Entity == "" || fb.Time == "" {
		p.errf(line, fe, "followed_by needs entity and time")
	}
	for _, e := range []string{fb.Entity, fb.Time, fb.Filter} {
		for _, tt := range qualifiedTables(e, m) {
			if tt != fb.Table {
				p.errf(line, fe, "followed_by reads only its own table %q, not %q", fb.Table, tt)
			}
		}
	}
	d, err := parseWindow(fb.WithinText)
	if err != nil || d <= 0 {
		p.errf(line, fe+".within", "want a positive window such as 24h, 30m or 7d, not %q", fb.WithinText)
	}
	fb.Within = d
}

// parseWindow reads a duration as Go writes it (24h, 90m), or whole days (7d).
func parseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

func (p *modelParser) checkCycles(m *Model) {
	state := map[string]int{}
	var visit func(name string, stack []string) bool
	visit = func(name string, stack []string) bool {
		switch state[name] {
		case 1:
			mt := m.metrics[stack[0]]
			p.errf(mt.Line, "metrics."+stack[0], "derived metrics refer to each other in a cycle: %s", strings.Join(append(stack, name), " → "))
			return false
		case 2:
			return true
		}
		state[name] = 1
		for _, d := range m.metrics[name].deps {
			if !visit(d, append(stack, name)) {
				return false
			}
		}
		state[name] = 2
		return true
	}
	for _, mt := range m.Metrics {
		if state[mt.Name] == 0 {
			visit(mt.Name, nil)
		}
	}
}

func isPrimaryKey(t *Table, expr string) bool {
	expr = strings.TrimPrefix(expr, t.Name+".")
	return len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == expr
}

func tableNames(m *Model) []string {
	out := make([]string, len(m.Tables))
	for i, t := range m.Tables {
		out[i] = t.Name
	}
	return out
}

func metricNames(m *Model) []string {
	out := make([]string, len(m.Metrics))
	for i, mt := range m.Metrics {
		out[i] = mt.Name
	}
	return out
}

func didYouMean(name string, candidates []string) string {
	if s := closest(name, candidates, 3); len(s) > 0 {
		return " (did you mean " + strings.Join(s, ", ") + "?)"
	}
	return ""
}

// fieldLines maps each key of a YAML mapping to its line.
func fieldLines(n *yaml.Node) map[string]int {
	out := map[string]int{}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = n.Content[i].Line
		}
	}
	return out
}

// at returns the line of field, or def when the field is absent.
func at(lines map[string]int, field string, def int) int {
	if l, ok := lines[field]; ok {
		return l
	}
	return def
}

// PopulationOf reports whether metric a counts (or rates) the rows followed
// metric b starts from: a is on b's table with a filter b's filter implies
// (abandoned carts for the cart recovery rate), or a ratio whose numerator
// is such a metric (the abandonment rate). 加购没买的用户24小时内挽回了多少
// names b's population before b itself.
func (m *Model) PopulationOf(a, b string) bool {
	ma, mb := m.metrics[a], m.metrics[b]
	if ma == nil || mb == nil || mb.Type != TypeFollowed || a == b {
		return false
	}
	if ma.Type == TypeDerived {
		return len(ma.deps) > 0 && m.PopulationOf(ma.deps[0], b)
	}
	if ma.Table != mb.Table || ma.Filter == "" {
		return false
	}
	have := conjuncts(mb.Filter)
	for _, c := range conjuncts(ma.Filter) {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}
