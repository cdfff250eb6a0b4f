package semantic

import "testing"

func rng(a, b string) DateRange {
	s, _ := ParseDate(a)
	e, _ := ParseDate(b)
	return DateRange{s, e}
}

func TestPreviousRange(t *testing.T) {
	tests := []struct {
		name           string
		r              DateRange
		compare, grain string
		want           DateRange
		shift          Shift
	}{
		{"month yoy", rng("2025-11-01", "2025-11-30"), CompareYoY, "", rng("2024-11-01", "2024-11-30"), Shift{Months: 12}},
		{"february yoy into a leap year", rng("2025-02-01", "2025-02-28"), CompareYoY, "", rng("2024-02-01", "2024-02-29"), Shift{Months: 12}},
		{"leap day yoy", rng("2024-02-29", "2024-02-29"), CompareYoY, "", rng("2023-02-28", "2023-02-28"), Shift{Months: 12}},
		{"month pop", rng("2025-11-01", "2025-11-30"), ComparePoP, "", rng("2025-10-01", "2025-10-31"), Shift{Months: 1}},
		{"march pop is february", rng("2024-03-01", "2024-03-31"), ComparePoP, "", rng("2024-02-01", "2024-02-29"), Shift{Months: 1}},
		{"january pop crosses the year", rng("2025-01-01", "2025-01-31"), ComparePoP, "", rng("2024-12-01", "2024-12-31"), Shift{Months: 1}},
		{"quarter pop", rng("2025-07-01", "2025-09-30"), ComparePoP, "", rng("2025-04-01", "2025-06-30"), Shift{Months: 3}},
		{"year pop", rng("2025-01-01", "2025-12-31"), ComparePoP, "", rng("2024-01-01", "2024-12-31"), Shift{Months: 12}},
		{"month to date pop", rng("2025-03-01", "2025-03-15"), ComparePoP, "", rng("2025-02-01", "2025-02-15"), Shift{Months: 1}},
		{"last 7 days pop", rng("2025-12-25", "2025-12-31"), ComparePoP, "", rng("2025-12-18", "2025-12-24"), Shift{Days: 7}},
		{"iso week pop", rng("2025-12-22", "2025-12-28"), ComparePoP, "", rng("2025-12-15", "2025-12-21"), Shift{Days: 7}},
		{"monthly grain pop", rng("2025-01-01", "2025-06-30"), ComparePoP, GrainMonth, rng("2024-12-01", "2025-05-31"), Shift{Months: 1}},
		{"weekly grain yoy keeps weekdays", rng("2025-12-01", "2025-12-28"), CompareYoY, GrainWeek, rng("2024-12-02", "2024-12-29"), Shift{Days: 364}},
		{"daily grain pop", rng("2025-12-25", "2025-12-31"), ComparePoP, GrainDay, rng("2025-12-24", "2025-12-30"), Shift{Days: 1}},
		{"quarterly grain yoy", rng("2025-01-01", "2025-12-31"), CompareYoY, GrainQuarter, rng("2024-01-01", "2024-12-31"), Shift{Months: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, shift := PreviousRange(tt.r, tt.compare, tt.grain)
			if got != tt.want || shift != tt.shift {
				t.Errorf("PreviousRange(%s) = %s %+v, want %s %+v", tt.r, got, shift, tt.want, tt.shift)
			}
		})
	}
}

func TestResolveNamedRange(t *testing.T) {
	asOf := D(2025, 12, 31) // a Wednesday
	tests := map[string]DateRange{
		"today":        rng("2025-12-31", "2025-12-31"),
		"this_week":    rng("2025-12-29", "2025-12-31"),
		"last_week":    rng("2025-12-22", "2025-12-28"),
		"this_month":   rng("2025-12-01", "2025-12-31"),
		"last_month":   rng("2025-11-01", "2025-11-30"),
		"this_quarter": rng("2025-10-01", "2025-12-31"),
		"last_quarter": rng("2025-07-01", "2025-09-30"),
		"this_year":    rng("2025-01-01", "2025-12-31"),
		"last_year":    rng("2024-01-01", "2024-12-31"),
		"last_7_days":  rng("2025-12-25", "2025-12-31"),
		"last_30_days": rng("2025-12-02", "2025-12-31"),
	}
	for name, want := range tests {
		if got := ResolveNamedRange(name, asOf); got == nil || *got != want {
			t.Errorf("%s = %v, want %s", name, got, want)
		}
	}
	if ResolveNamedRange("all", asOf) != nil {
		t.Error("all has no bounds")
	}
	// March 2024 (leap year): last month is February with 29 days.
	if got := ResolveNamedRange("last_month", D(2024, 3, 10)); *got != rng("2024-02-01", "2024-02-29") {
		t.Errorf("last_month in March 2024 = %s", got)
	}
	// January: last quarter is in the previous year.
	if got := ResolveNamedRange("last_quarter", D(2025, 1, 5)); *got != rng("2024-10-01", "2024-12-31") {
		t.Errorf("last_quarter in January = %s", got)
	}
}
