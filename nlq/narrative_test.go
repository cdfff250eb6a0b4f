package nlq_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

var updateNarratives = flag.Bool("update", false, "rewrite testdata/narratives.golden")

// TestNarrativesGolden renders the template narrative of a fixed set of
// results — single values, rankings, trends, comparisons (a rate's in
// percentage points), shares, negative changes, an empty result — in both
// languages, and compares them with testdata/narratives.golden (go test
// ./nlq -run NarrativesGolden -update rewrites it; review the diff).
func TestNarrativesGolden(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	nov := &semantic.DateRange{Start: semantic.D(2025, 11, 1), End: semantic.D(2025, 11, 30)}
	y2025 := &semantic.DateRange{Start: semantic.D(2025, 1, 1), End: semantic.D(2025, 12, 31)}
	cases := []struct {
		name string
		q    *semantic.Query
		rows [][]any
	}{
		{"single value yoy", &semantic.Query{Metrics: []string{"sales"}, Time: &semantic.Time{Range: nov}, Compare: "yoy"},
			[][]any{{118520341.25, 105520000.0, 0.1232, 13000341.25}}},
		{"single value down pop", &semantic.Query{Metrics: []string{"orders"}, Time: &semantic.Time{Range: nov}, Compare: "pop"},
			[][]any{{84211.0, 88800.0, -0.0517, -4589.0}}},
		{"two metrics", &semantic.Query{Metrics: []string{"sales", "aov"}, Time: &semantic.Time{Range: nov}},
			[][]any{{55119994.68, 334.5}}},
		{"rate yoy in points", &semantic.Query{Metrics: []string{"repurchase_rate"}, Time: &semantic.Time{Range: y2025}, Compare: "yoy"},
			[][]any{{0.359, 0.352, 0.0199, 0.007}}},
		{"rate flat", &semantic.Query{Metrics: []string{"conversion_rate"}, Time: &semantic.Time{Range: nov}, Compare: "pop"},
			[][]any{{0.0551, 0.05512, -0.0004, -0.00002}}},
		{"ranking with share", &semantic.Query{Metrics: []string{"sales"}, Dimensions: []string{"channel"}, Time: &semantic.Time{Range: nov}, Share: []string{"sales"}},
			[][]any{{"门店", 55119994.68, 0.463}, {"天猫", 30110000.0, 0.253}, {"APP", 20000000.0, 0.168}, {"抖音", 2051428.48, 0.017}}},
		{"one group", &semantic.Query{Metrics: []string{"aov"}, Dimensions: []string{"city"}, Time: &semantic.Time{Range: nov}},
			[][]any{{"南宁", 1334.09}}},
		{"tiers", &semantic.Query{Metrics: []string{"members"}, Dimensions: []string{"tier"}},
			[][]any{{"normal", 120000.0}, {"silver", 50000.0}, {"gold", 22000.0}, {"platinum", 8000.0}}},
		{"monthly trend", &semantic.Query{Metrics: []string{"sales"}, Time: &semantic.Time{Grain: "month", Range: y2025}},
			[][]any{{"2025-01-01", 88000000.0}, {"2025-02-01", 61000000.0}, {"2025-06-01", 128000000.0}, {"2025-12-01", 95000000.0}}},
		{"weekly trend yoy", &semantic.Query{Metrics: []string{"sales"}, Time: &semantic.Time{Grain: "week", Range: &semantic.DateRange{Start: semantic.D(2025, 11, 3), End: semantic.D(2025, 11, 16)}}, Compare: "yoy"},
			[][]any{{"2025-11-03", 9100000.0, 8000000.0, 0.1375, 1100000.0}, {"2025-11-10", 12000000.0, 12600000.0, -0.0476, -600000.0}}},
		{"empty", &semantic.Query{Metrics: []string{"sales"}, Time: &semantic.Time{Range: nov}}, nil},
	}
	var b strings.Builder
	for _, tc := range cases {
		plan, err := semantic.Compile(m, tc.q, semantic.CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res := &semantic.Result{Columns: plan.Columns, Rows: tc.rows}
		b.WriteString("## " + tc.name + "\n")
		for _, lang := range []string{"zh", "en"} {
			text := nlq.TemplateNarrative(m, tc.q, res, nlq.Read(m, tc.q, lang), lang, nil)
			for _, bad := range []*regexp.Regexp{regexp.MustCompile(`-0\.0%`), regexp.MustCompile(`¥-`), regexp.MustCompile(`\dk\b`), regexp.MustCompile(`T00:00`), regexp.MustCompile(`\d{4}-\d{2}-01[^\d]`)} {
				if bad.MatchString(text) {
					t.Errorf("%s (%s) writes %s: %s", tc.name, lang, bad, text)
				}
			}
			b.WriteString(lang + ": " + text + "\n")
		}
	}
	got := b.String()
	const file = "testdata/narratives.golden"
	if *updateNarratives {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("narratives differ from %s (run go test ./nlq -run NarrativesGolden -update and review)\n--- got\n%s", file, got)
	}
}

func TestFormatCompact(t *testing.T) {
	for _, tc := range []struct {
		v          any
		unit, lang string
		want       string
	}{
		{55119994.68, "currency", "zh", "¥5,512.0万"},
		{123456789.0, "currency", "zh", "¥1.23亿"},
		{-407266.37, "currency", "zh", "-¥40.7万"},
		{-407266.37, "currency", "en", "-¥407.3K"},
		{55119994.68, "currency", "en", "¥55.12M"},
		{1334.09, "currency", "zh", "¥1,334.09"},
		{60000.0, "count", "en", "60,000"},
		{853000.0, "count", "zh", "85.3万"},
		{-0.00001, "percent", "zh", "0.0%"},
		{-0.052, "percent", "en", "-5.2%"},
		{nil, "currency", "zh", "—"},
	} {
		if got := nlq.FormatCompact(tc.v, tc.unit, tc.lang); got != tc.want {
			t.Errorf("FormatCompact(%v, %s, %s) = %q, want %q", tc.v, tc.unit, tc.lang, got, tc.want)
		}
	}
	for _, tc := range []struct{ grain, v, lang, want string }{
		{"month", "2025-06-01", "zh", "2025年6月"}, {"month", "2025-06-01", "en", "Jun 2025"},
		{"quarter", "2025-07-01", "zh", "2025年Q3"}, {"week", "2025-11-03", "zh", "第45周（11/03–11/09）"},
		{"day", "2025-06-18", "zh", "2025年6月18日"}, {"year", "2025-01-01", "en", "2025"},
	} {
		if got := nlq.BucketLabel(tc.grain, tc.v, tc.lang); got != tc.want {
			t.Errorf("BucketLabel(%s, %s, %s) = %q, want %q", tc.grain, tc.v, tc.lang, got, tc.want)
		}
	}
}
