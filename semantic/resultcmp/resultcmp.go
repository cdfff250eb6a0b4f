// Package resultcmp decides whether a result table holds a gold answer's
// rows, the way the question sets in shared/eval define it: any column names
// and order, numbers equal to a relative 1e-6, ratios as fractions, a time
// bucket as its start date or as 2025-11 / 2025-Q3, and codes or labels
// where the caller says they are the same.
package resultcmp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Options tunes matching.
type Options struct {
	// Same reports whether two strings name the same thing (a code and its
	// label, such as gold and 黄金会员). nil means exact match only.
	Same func(a, b string) bool
	// Exact requires the same number of rows as the gold answer.
	Exact bool
}

// Contains returns nil when every gold row matches a distinct row of got,
// each gold value matching a distinct cell of that row; otherwise an error
// naming the first gold row without a match.
func Contains(got, gold [][]any, opts Options) error {
	if opts.Exact && len(got) != len(gold) {
		return fmt.Errorf("got %d rows, want %d", len(got), len(gold))
	}
	used := make([]bool, len(got))
	for i, g := range gold {
		found := -1
		for j, row := range got {
			if !used[j] && rowMatches(row, g, opts) {
				found = j
				break
			}
		}
		if found < 0 {
			return fmt.Errorf("gold row %d %v has no match among %d rows (first rows: %v)", i, g, len(got), head(got, 3))
		}
		used[found] = true
	}
	return nil
}

func head(rows [][]any, n int) [][]any {
	if len(rows) > n {
		return rows[:n]
	}
	return rows
}

// rowMatches assigns every gold cell to a distinct cell of row (backtracking;
// rows are short).
func rowMatches(row, gold []any, opts Options) bool {
	used := make([]bool, len(row))
	var assign func(i int) bool
	assign = func(i int) bool {
		if i == len(gold) {
			return true
		}
		for j, v := range row {
			if !used[j] && ValueEqual(v, gold[i], opts) {
				used[j] = true
				if assign(i + 1) {
					return true
				}
				used[j] = false
			}
		}
		return false
	}
	return assign(0)
}

// ValueEqual compares one result cell with one gold cell.
func ValueEqual(got, gold any, opts Options) bool {
	if got == nil || gold == nil {
		return got == nil && gold == nil
	}
	gf, gok := number(got)
	wf, wok := number(gold)
	if gok && wok {
		if math.IsNaN(gf) || math.IsNaN(wf) {
			return math.IsNaN(gf) && math.IsNaN(wf)
		}
		diff := math.Abs(gf - wf)
		return diff <= 1e-9 || diff <= 1e-6*math.Max(math.Abs(gf), math.Abs(wf))
	}
	gs, ws := text(got), text(gold)
	if gs == ws {
		return true
	}
	if dateEqual(gs, ws) {
		return true
	}
	return opts.Same != nil && opts.Same(gs, ws)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case bool:
		return 0, false
	case interface{ Float64() float64 }:
		return x.Float64(), true
	}
	return 0, false
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	}
	return fmt.Sprint(v)
}

// dateEqual accepts the forms a time bucket may take: a start date or
// timestamp, 2025-11 (month), 2025-Q3 (quarter), 2025 (year), 2025-W07 (ISO week).
func dateEqual(a, b string) bool {
	da, oka := bucketStart(a)
	db, okb := bucketStart(b)
	if !oka || !okb {
		return false
	}
	return da.Equal(db)
}

func bucketStart(s string) (time.Time, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, " 00:00:00"), "T00:00:00Z")
	for _, layout := range []string{time.DateOnly, "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if len(s) == 7 && (s[4] == '-' && (s[5] == 'Q' || s[5] == 'q')) {
		y, err1 := strconv.Atoi(s[:4])
		q, err2 := strconv.Atoi(s[6:])
		if err1 == nil && err2 == nil && q >= 1 && q <= 4 {
			return time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC), true
		}
	}
	if len(s) == 8 && s[4] == '-' && (s[5] == 'W' || s[5] == 'w') {
		y, err1 := strconv.Atoi(s[:4])
		w, err2 := strconv.Atoi(s[6:])
		if err1 == nil && err2 == nil {
			// ISO week 1 holds January 4th.
			jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
			monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
			return monday.AddDate(0, 0, 7*(w-1)), true
		}
	}
	return time.Time{}, false
}
