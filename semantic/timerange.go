package semantic

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Date is a calendar date, written "2006-01-02" in JSON.
type Date struct{ time.Time }

// D makes a Date.
func D(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date (want YYYY-MM-DD): %q", s)
	}
	return Date{t}, nil
}

func (d Date) String() string { return d.Format(time.DateOnly) }

// MarshalJSON writes the date as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return Date{d.AddDate(0, 0, n)} }

// AddMonths returns the date n months later, clamped to the end of the
// target month (2024-02-29 minus 12 months is 2023-02-28).
func (d Date) AddMonths(n int) Date {
	y, m, day := d.Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return Date{first.AddDate(0, 0, min(day, last)-1)}
}

// IsMonthStart and IsMonthEnd report whether d is the first or last day of its month.
func (d Date) IsMonthStart() bool { return d.Day() == 1 }
func (d Date) IsMonthEnd() bool   { return d.AddDays(1).Day() == 1 }

// DateRange is an inclusive range of calendar dates.
type DateRange struct {
	Start Date `json:"start"`
	End   Date `json:"end"`
}

// Days returns the number of days in the range.
func (r DateRange) Days() int { return int(r.End.Sub(r.Start.Time).Hours()/24) + 1 }

func (r DateRange) String() string { return r.Start.String() + ".." + r.End.String() }

// PreviousRange returns the range a comparison is made against, and the
// shift (in months or days) that moves a previous bucket onto its current
// one. Rules:
//   - yoy: the same dates a year earlier (by 52 weeks for a weekly grain,
//     so ISO weeks line up);
//   - pop with a grain: one grain earlier (the previous day, week, month...);
//   - pop without a grain: whole months → the same number of months before
//     (a calendar month → the previous month); a month-to-date range → the
//     same days of the previous month; otherwise the range of equal length
//     right before.
func PreviousRange(r DateRange, compare, grain string) (prev DateRange, shift Shift) {
	switch compare {
	case CompareYoY:
		if grain == GrainWeek {
			return DateRange{r.Start.AddDays(-364), r.End.AddDays(-364)}, Shift{Days: 364}
		}
		return DateRange{r.Start.AddMonths(-12), endShift(r.End, -12)}, Shift{Months: 12}
	}
	switch grain {
	case GrainDay:
		return DateRange{r.Start.AddDays(-1), r.End.AddDays(-1)}, Shift{Days: 1}
	case GrainWeek:
		return DateRange{r.Start.AddDays(-7), r.End.AddDays(-7)}, Shift{Days: 7}
	case GrainMonth, GrainQuarter, GrainYear:
		n := map[string]int{GrainMonth: 1, GrainQuarter: 3, GrainYear: 12}[grain]
		return DateRange{r.Start.AddMonths(-n), endShift(r.End, -n)}, Shift{Months: n}
	}
	if r.Start.IsMonthStart() && r.End.IsMonthEnd() {
		n := monthsBetween(r.Start, r.End.AddDays(1))
		return DateRange{r.Start.AddMonths(-n), r.Start.AddDays(-1)}, Shift{Months: n}
	}
	if r.Start.IsMonthStart() && r.Start.Month() == r.End.Month() && r.Start.Year() == r.End.Year() {
		return DateRange{r.Start.AddMonths(-1), r.End.AddMonths(-1)}, Shift{Months: 1}
	}
	n := r.Days()
	return DateRange{r.Start.AddDays(-n), r.Start.AddDays(-1)}, Shift{Days: n}
}

// Shift moves a date forward by Months and Days.
type Shift struct{ Months, Days int }

// endShift moves an end date by n months, keeping month ends at month ends.
func endShift(d Date, n int) Date {
	if d.IsMonthEnd() {
		return d.AddDays(1).AddMonths(n).AddDays(-1)
	}
	return d.AddMonths(n)
}

func monthsBetween(a, b Date) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// NamedRanges are the ranges a model may give as a default.
var NamedRanges = []string{"all", "today", "this_week", "this_month", "this_quarter", "this_year",
	"last_7_days", "last_30_days", "last_90_days", "last_week", "last_month", "last_quarter", "last_year"}

// IsNamedRange reports whether s is one of NamedRanges.
func IsNamedRange(s string) bool { return slices.Contains(NamedRanges, s) }

// ResolveNamedRange turns a named range into dates relative to asOf; "all"
// and unknown names give nil.
func ResolveNamedRange(name string, asOf Date) *DateRange {
	y, m, _ := asOf.Date()
	monthStart := D(y, m, 1)
	qStart := D(y, time.Month((int(m)-1)/3*3+1), 1)
	weekStart := asOf.AddDays(-((int(asOf.Weekday()) + 6) % 7))
	var r DateRange
	switch name {
	case "today":
		r = DateRange{asOf, asOf}
	case "this_week":
		r = DateRange{weekStart, asOf}
	case "this_month":
		r = DateRange{monthStart, asOf}
	case "this_quarter":
		r = DateRange{qStart, asOf}
	case "this_year":
		r = DateRange{D(y, 1, 1), asOf}
	case "last_7_days", "last_30_days", "last_90_days":
		n := map[string]int{"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}[name]
		r = DateRange{asOf.AddDays(1 - n), asOf}
	case "last_week":
		r = DateRange{weekStart.AddDays(-7), weekStart.AddDays(-1)}
	case "last_month":
		r = DateRange{monthStart.AddMonths(-1), monthStart.AddDays(-1)}
	case "last_quarter":
		r = DateRange{qStart.AddMonths(-3), qStart.AddDays(-1)}
	case "last_year":
		r = DateRange{D(y-1, 1, 1), D(y-1, 12, 31)}
	default:
		return nil
	}
	return &r
}
