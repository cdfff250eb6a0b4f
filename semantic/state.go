package semantic

import (
	"fmt"
	"slices"
	"strings"
)

// The SQL written here is the common ground of DuckDB and PostgreSQL
// (INTERVAL '29 day', FILTER, date - date).

// Entity attributes as of a day, declared instead of written in SQL: a
// table with `stages:` holds each entity's lifecycle stage (the first rule
// that holds, in order, over the days from its first and last event to the
// reference day D), a table with `rfm:` each entity's RFM segment (recency,
// frequency and amount over a trailing window, each high or low against
// the mean or median of the entities with an event in it). The model's
// parser writes their SQL (Table.SQL, with {{ref_day}}), so the compiler
// treats them as any derived table; a retailer changes 90 days to 60 by
// editing one number.

// Events are the history an entity's state is computed from.
type Events struct {
	Table  string `yaml:"table"`
	Entity string `yaml:"entity"`
	Time   string `yaml:"time"`
	Filter string `yaml:"filter"`
	Amount string `yaml:"amount"`
}

// Stages declares a lifecycle-stage table.
type Stages struct {
	// Of is the entity table (one row per entity, its primary key the key);
	// Since, a time column of it, keeps the entities that exist by D.
	Of     string `yaml:"of"`
	Since  string `yaml:"since"`
	Events Events `yaml:"events"`
	// WindowDays is the trailing window of window_events and window_amount.
	WindowDays int         `yaml:"window_days"`
	Column     string      `yaml:"column"`
	Rules      []StageRule `yaml:"rules"`
}

// StageRule is one stage: Value when the entity has no event up to D
// (Never), its first event is at most FirstWithinDays before D (counting D as
// day 1), or its last is at most LastWithinDays; a rule with none of them
// takes everyone left (it must come last).
type StageRule struct {
	Value           string `yaml:"value"`
	Never           bool   `yaml:"never"`
	FirstWithinDays int    `yaml:"first_within_days"`
	LastWithinDays  int    `yaml:"last_within_days"`
}

// RFM declares an RFM-segment table.
type RFM struct {
	Of         string `yaml:"of"`
	Events     Events `yaml:"events"`
	WindowDays int    `yaml:"window_days"`
	Column     string `yaml:"column"`
	// Compare is mean (the default) or median.
	Compare string `yaml:"compare"`
	// Segments maps each segment to [R, F, M], each high or low: high R is
	// recent (days since the last event at most the average), high F and M
	// at least the average.
	Segments map[string][3]string `yaml:"segments"`
	// Order lists the segments (YAML mappings keep no order in Go).
	order []string
}

// stateColumns are the columns a stages table holds besides its key and stage.
var stateColumns = []string{"first_day", "last_day", "window_events", "window_amount"}

// buildStates writes the SQL of every declared state table.
func (p *modelParser) buildStates(m *Model) {
	for _, t := range m.Tables {
		switch {
		case t.stages != nil:
			t.SQL = p.stagesSQL(m, t, t.stages)
		case t.rfm != nil:
			t.SQL = p.rfmSQL(m, t, t.rfm)
		}
	}
}

// eventsRef is how a state's SQL reads its events' table.
func eventsRef(m *Model, name string) string {
	t := m.tables[name]
	switch {
	case t == nil:
		return name
	case t.SQL != "":
		return "(" + strings.TrimSpace(t.SQL) + ")"
	case t.From != "":
		return t.From
	}
	return `"` + name + `"`
}

func (p *modelParser) checkEvents(m *Model, elem string, line int, ev Events, needAmount bool) bool {
	ok := true
	if m.tables[ev.Table] == nil {
		p.errf(line, elem+".events.table", "unknown table %q%s", ev.Table, didYouMean(ev.Table, tableNames(m)))
		ok = false
	}
	if ev.Entity == "" || ev.Time == "" {
		p.errf(line, elem+".events", "events need entity (whose) and time (when)")
		ok = false
	}
	if needAmount && ev.Amount == "" {
		p.errf(line, elem+".events.amount", "RFM needs the events' amount (M)")
		ok = false
	}
	return ok
}

func (p *modelParser) entityKey(m *Model, elem string, line int, of string) string {
	t := m.tables[of]
	if t == nil {
		p.errf(line, elem+".of", "unknown table %q%s", of, didYouMean(of, tableNames(m)))
		return ""
	}
	if len(t.PrimaryKey) != 1 {
		p.errf(line, elem+".of", "table %q needs a single-column primary_key to hold entities", of)
		return ""
	}
	return t.PrimaryKey[0]
}

// stateHeader checks what stage and RFM tables share — the entity, its
// events, the key, the column, the window (365 days when not given) — and
// returns the element path and the entity's key ("" when they cannot be used).
func (p *modelParser) stateHeader(m *Model, t *Table, kind, of string, ev Events, needAmount bool, column, example string, window *int) (string, string) {
	elem, line := "tables."+t.Name+"."+kind, t.Line
	key := p.entityKey(m, elem, line, of)
	if !p.checkEvents(m, elem, line, ev, needAmount) || key == "" {
		return elem, ""
	}
	if len(t.PrimaryKey) != 1 || t.PrimaryKey[0] != key {
		p.errf(line, "tables."+t.Name+".primary_key", "a %s table is keyed by its entity's key %q", kind, key)
	}
	if column == "" {
		p.errf(line, elem+".column", "name the column (e.g. %s)", example)
	}
	if *window <= 0 {
		*window = 365
	}
	return elem, key
}

func (p *modelParser) stagesSQL(m *Model, t *Table, s *Stages) string {
	line := t.Line
	elem, key := p.stateHeader(m, t, "stages", s.Of, s.Events, false, s.Column, "lifecycle", &s.WindowDays)
	if key == "" {
		return ""
	}
	if len(s.Rules) == 0 {
		p.errf(line, elem+".rules", "a stages table needs rules, the catch-all last")
		return ""
	}
	var whens []string
	elseValue := ""
	for i, r := range s.Rules {
		set := 0
		for _, b := range []bool{r.Never, r.FirstWithinDays > 0, r.LastWithinDays > 0} {
			if b {
				set++
			}
		}
		lit := "'" + strings.ReplaceAll(r.Value, "'", "''") + "'"
		switch {
		case r.Value == "":
			p.errf(line, fmt.Sprintf("%s.rules[%d].value", elem, i), "a stage needs a value")
		case set > 1:
			p.errf(line, fmt.Sprintf("%s.rules[%d]", elem, i), "a stage takes one of never, first_within_days, last_within_days")
		case set == 0 && i != len(s.Rules)-1:
			p.errf(line, fmt.Sprintf("%s.rules[%d]", elem, i), "only the last stage may take everyone left (no condition)")
		case set == 0:
			elseValue = lit
		case r.Never:
			whens = append(whens, "WHEN h.k IS NULL THEN "+lit)
		case r.FirstWithinDays > 0:
			whens = append(whens, fmt.Sprintf("WHEN h.first_day >= {{ref_day}} - INTERVAL '%d day' THEN %s", r.FirstWithinDays-1, lit))
		default:
			whens = append(whens, fmt.Sprintf("WHEN h.last_day >= {{ref_day}} - INTERVAL '%d day' THEN %s", r.LastWithinDays-1, lit))
		}
	}
	if !slices.ContainsFunc(s.Rules, func(r StageRule) bool { return r.Never }) {
		// Entities with no event get no stage unless a rule says which.
		whens = append([]string{"WHEN h.k IS NULL THEN NULL"}, whens...)
	}
	stage := "CASE " + strings.Join(whens, "\n            ")
	if elseValue != "" {
		stage += "\n            ELSE " + elseValue
	}
	stage += " END"
	ev := s.Events
	amount := "NULL"
	if ev.Amount != "" {
		amount = ev.Amount
	}
	where := []string{ev.Entity + " IS NOT NULL", ev.Time + " < {{ref_day}} + INTERVAL '1 day'"}
	if ev.Filter != "" {
		where = append([]string{"(" + strings.TrimSpace(ev.Filter) + ")"}, where...)
	}
	since := ""
	if s.Since != "" {
		since = "\nWHERE x." + s.Since + " < {{ref_day}} + INTERVAL '1 day'"
	}
	return fmt.Sprintf(`WITH e AS (
  SELECT %s AS k, CAST(%s AS DATE) AS d, %s AS amount
  FROM %s
  WHERE %s
), h AS (
  SELECT k, min(d) AS first_day, max(d) AS last_day,
         count(*) FILTER (WHERE d >= {{ref_day}} - INTERVAL '%d day') AS window_events,
         sum(amount) FILTER (WHERE d >= {{ref_day}} - INTERVAL '%d day') AS window_amount
  FROM e
  GROUP BY k
)
SELECT x.%s AS %s,
       %s AS %s,
       h.first_day, h.last_day, coalesce(h.window_events, 0) AS window_events, coalesce(h.window_amount, 0) AS window_amount
FROM %s x
LEFT JOIN h ON h.k = x.%s%s`,
		ev.Entity, ev.Time, amount, eventsRef(m, ev.Table), strings.Join(where, " AND "), s.WindowDays-1, s.WindowDays-1,
		key, key, stage, s.Column, eventsRef(m, s.Of), key, since)
}

func (p *modelParser) rfmSQL(m *Model, t *Table, r *RFM) string {
	line := t.Line
	elem, key := p.stateHeader(m, t, "rfm", r.Of, r.Events, true, r.Column, "rfm_segment", &r.WindowDays)
	if key == "" {
		return ""
	}
	agg := map[string]string{"": "avg", "mean": "avg", "median": "median"}[r.Compare]
	if agg == "" {
		p.errf(line, elem+".compare", "compare is mean or median, not %q", r.Compare)
		return ""
	}
	if len(r.Segments) != 8 {
		p.errf(line, elem+".segments", "RFM names all eight segments (R, F, M each high or low), got %d", len(r.Segments))
	}
	seen := map[[3]string]string{}
	var whens []string
	for _, name := range r.order {
		hl := r.Segments[name]
		var conds []string
		for i, v := range hl {
			high := []string{"w.r <= a.ar", "w.f >= a.af", "w.m >= a.am"}[i]
			switch v {
			case "high":
				conds = append(conds, high)
			case "low":
				conds = append(conds, "NOT ("+high+")")
			default:
				p.errf(line, elem+".segments."+name, "want [R, F, M] each high or low, got %q", v)
			}
		}
		if other, dup := seen[hl]; dup {
			p.errf(line, elem+".segments."+name, "the same R, F and M as %s", other)
		}
		seen[hl] = name
		whens = append(whens, "WHEN "+strings.Join(conds, " AND ")+" THEN '"+strings.ReplaceAll(name, "'", "''")+"'")
	}
	ev := r.Events
	where := []string{ev.Entity + " IS NOT NULL",
		fmt.Sprintf("%s >= {{ref_day}} - INTERVAL '%d day'", ev.Time, r.WindowDays-1), ev.Time + " < {{ref_day}} + INTERVAL '1 day'"}
	if ev.Filter != "" {
		where = append([]string{"(" + strings.TrimSpace(ev.Filter) + ")"}, where...)
	}
	return fmt.Sprintf(`WITH w AS (
  SELECT %s AS k, {{ref_day}} - max(CAST(%s AS DATE)) AS r, count(*) AS f, sum(%s) AS m
  FROM %s
  WHERE %s
  GROUP BY k
), a AS (
  SELECT %s(r) AS ar, %s(f) AS af, %s(m) AS am FROM w
)
SELECT w.k AS %s,
       CASE %s END AS %s
FROM w CROSS JOIN a`,
		ev.Entity, ev.Time, ev.Amount, eventsRef(m, ev.Table), strings.Join(where, "\n    AND "), agg, agg, agg,
		key, strings.Join(whens, "\n            "), r.Column)
}
