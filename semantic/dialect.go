package semantic

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialect is everything the compiler needs to know about one SQL engine.
// Adding an engine (PostgreSQL, ClickHouse) means adding a value of this
// interface; nothing else in the compiler names an engine.
type Dialect interface {
	Name() string
	// QuoteIdent quotes an identifier.
	QuoteIdent(name string) string
	// Placeholder is the n-th (1-based) bind parameter.
	Placeholder(n int) string
	// Literal renders a bound value inline, for the SQL shown to people.
	Literal(v any) string
	// TruncDate truncates a timestamp expression to the start of its grain, as a DATE.
	TruncDate(grain, expr string) string
	// ShiftDate moves a DATE expression forward by s.
	ShiftDate(expr string, s Shift) string
	// DateSeries is a table expression with one DATE column "bucket": every
	// grain start from start (inclusive) to end (exclusive), both placeholders.
	DateSeries(grain, start, end string) string
	// Divide divides without failing or returning infinity on zero (NULL then).
	Divide(a, b string) string
	// Contains tests whether a text expression contains a bound string.
	Contains(expr, param string) string
	// FirstRows selects, from a table reference (from, aliased alias), each
	// entity's first row by time and then primary key, among rows matching
	// where ("" for all); joins (may be "") are JOIN clauses where reads.
	FirstRows(from, alias, joins, entity, time string, pk []string, where string) string
	// AddDuration moves a timestamp expression forward by d.
	AddDuration(expr string, d time.Duration) string
	// NullSafeFullJoin reports whether a FULL JOIN may join on IS NOT
	// DISTINCT FROM (PostgreSQL refuses it: the groups are united first).
	NullSafeFullJoin() bool
}

// DuckDB is the dialect of DuckDB 1.x.
var DuckDB Dialect = duckDialect{}

type duckDialect struct{}

func (duckDialect) Name() string { return "duckdb" }

func (duckDialect) QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (duckDialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

func (duckDialect) Literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return "TIMESTAMP '" + x.Format(time.DateOnly) + "'"
		}
		return "TIMESTAMP '" + x.Format(time.DateTime) + "'"
	case bool:
		return strings.ToUpper(strconv.FormatBool(x))
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

var duckGrainUnit = map[string]string{GrainDay: "day", GrainWeek: "week", GrainMonth: "month", GrainQuarter: "quarter", GrainYear: "year"}

func (duckDialect) TruncDate(grain, expr string) string {
	return fmt.Sprintf("CAST(date_trunc('%s', %s) AS DATE)", duckGrainUnit[grain], expr)
}

func (duckDialect) ShiftDate(expr string, s Shift) string {
	return shiftDate(expr, s, func(n int, unit string) string { return fmt.Sprintf("INTERVAL %d %s", n, strings.ToUpper(unit)) })
}

// shiftDate moves a DATE by months and days, intervals written by interval.
func shiftDate(expr string, s Shift, interval func(n int, unit string) string) string {
	var parts []string
	if s.Months != 0 {
		parts = append(parts, interval(s.Months, "month"))
	}
	if s.Days != 0 {
		parts = append(parts, interval(s.Days, "day"))
	}
	if len(parts) == 0 {
		return expr
	}
	return fmt.Sprintf("CAST(%s + %s AS DATE)", expr, strings.Join(parts, " + "))
}

func (d duckDialect) DateSeries(grain, start, end string) string {
	return fmt.Sprintf("(SELECT CAST(range AS DATE) AS %s FROM range(CAST(%s AS DATE), CAST(%s AS DATE), INTERVAL 1 %s))",
		d.QuoteIdent("bucket"), start, end, strings.ToUpper(duckGrainUnit[grain]))
}

func (duckDialect) Divide(a, b string) string { return fmt.Sprintf("%s / NULLIF(%s, 0)", a, b) }

func (duckDialect) Contains(expr, param string) string {
	return fmt.Sprintf("contains(%s, %s)", expr, param)
}

func (duckDialect) NullSafeFullJoin() bool { return true }

func (duckDialect) AddDuration(expr string, d time.Duration) string {
	return fmt.Sprintf("%s + INTERVAL %d SECOND", expr, int64(d/time.Second))
}

func (d duckDialect) FirstRows(from, alias, joins, entity, time string, pk []string, where string) string {
	cond := ""
	if where != "" {
		cond = "\n  WHERE " + where
	}
	inner := from
	if joins != "" {
		inner += "\n  " + strings.ReplaceAll(joins, "\n", "\n  ")
	}
	if len(pk) == 1 {
		// A semi-join on the first key per entity is faster than a window.
		return fmt.Sprintf("SELECT *\nFROM %s\nWHERE %s IN (\n  SELECT arg_min(%s, (%s, %s))\n  FROM %s%s\n  GROUP BY %s\n)",
			from, pk[0], pk[0], time, pk[0], inner, cond, entity)
	}
	return fmt.Sprintf("SELECT %s.*\nFROM %s%s\nQUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s, %s) = 1",
		alias, strings.ReplaceAll(inner, "\n  ", "\n"), strings.ReplaceAll(cond, "\n  ", "\n"), entity, time, strings.Join(pk, ", "))
}

// Postgres is the dialect of PostgreSQL 13 and later.
var Postgres Dialect = pgDialect{}

type pgDialect struct{ duckDialect }

func (pgDialect) Name() string { return "postgres" }

func (pgDialect) Literal(v any) string {
	if x, ok := v.(time.Time); ok {
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return "TIMESTAMP '" + x.Format(time.DateOnly) + "'"
		}
		return "TIMESTAMP '" + x.Format(time.DateTime) + "'"
	}
	return duckDialect{}.Literal(v)
}

func (pgDialect) ShiftDate(expr string, s Shift) string {
	return shiftDate(expr, s, func(n int, unit string) string { return fmt.Sprintf("INTERVAL '%d %s'", n, unit) })
}

func (d pgDialect) DateSeries(grain, start, end string) string {
	return fmt.Sprintf("(SELECT CAST(g AS DATE) AS %s FROM generate_series(CAST(%s AS TIMESTAMP), CAST(%s AS TIMESTAMP) - INTERVAL '1 second', INTERVAL '1 %s') AS g)",
		d.QuoteIdent("bucket"), start, end, duckGrainUnit[grain])
}

func (pgDialect) Contains(expr, param string) string {
	return fmt.Sprintf("strpos(%s, %s) > 0", expr, param)
}

func (pgDialect) NullSafeFullJoin() bool { return false }

// Divide divides as a fraction: PostgreSQL divides integers as integers.
func (pgDialect) Divide(a, b string) string {
	return fmt.Sprintf("CAST(%s AS DOUBLE PRECISION) / NULLIF(%s, 0)", a, b)
}

func (pgDialect) AddDuration(expr string, d time.Duration) string {
	return fmt.Sprintf("%s + INTERVAL '%d seconds'", expr, int64(d/time.Second))
}

func (d pgDialect) FirstRows(from, alias, joins, entity, time string, pk []string, where string) string {
	cond := ""
	if where != "" {
		cond = "\nWHERE " + where
	}
	inner := from
	if joins != "" {
		inner += "\n" + joins
	}
	// DISTINCT ON keeps each entity's first row in the ORDER BY.
	return fmt.Sprintf("SELECT DISTINCT ON (%s) %s.*\nFROM %s%s\nORDER BY %s, %s, %s",
		entity, alias, inner, cond, entity, time, strings.Join(pk, ", "))
}
