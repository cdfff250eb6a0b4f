package nlq

import (
	"regexp"
	"testing"
)

func TestRequires(t *testing.T) {
	cases := []struct {
		re           string
		digit, latin bool
	}{
		{`(\d{4})年`, true, false},
		{`(\d{4})年|\bsince\s+(\d{4})\b`, true, false},
		{`(今年|去年|\d+月)`, false, false},
		{`(今年|this year)`, false, false},
		{`\b(?:jan|feb)\b`, false, true},
		{`(上个月|上月|last month)`, false, false},
		{`(?:最近|近)\s*(\d+)\s*(天|days?)`, true, false},
		{`第?([1-4])季度|\bq([1-4])\b`, true, false},
	}
	for _, c := range cases {
		re := regexp.MustCompile(c.re)
		if got := requires(re, isDigitRange); got != c.digit {
			t.Errorf("%s needs a digit: %v, want %v", c.re, got, c.digit)
		}
		if got := requires(re, isLatinRange); got != c.latin {
			t.Errorf("%s needs a letter: %v, want %v", c.re, got, c.latin)
		}
	}
}

func TestStarts(t *testing.T) {
	cases := []struct {
		re   string
		in   []string // strings that may match
		skip []string // strings that cannot
	}{
		{`(上个月|上月|last month)`, []string{"上个月的销售额", "sales last month"}, []string{"今年的销售额"}},
		{`(?:前|top|头)\s*(\d+)`, []string{"前10的城市", "top 5"}, []string{"各渠道的销售额"}},
		{`(排名|排行|\brank)`, []string{"排行", "rank"}, []string{"销售额"}},
		{`(\d{4})年`, []string{"2024年"}, []string{"去年"}},
	}
	for _, c := range cases {
		st := startsOf(regexp.MustCompile(c.re))
		for _, s := range c.in {
			if !st.may(s) {
				t.Errorf("%s: %q was skipped", c.re, s)
			}
		}
		for _, s := range c.skip {
			if st.may(s) && st != nil {
				t.Errorf("%s: %q was not skipped", c.re, s)
			}
		}
	}
	// A wide start is never skipped.
	if st := startsOf(regexp.MustCompile(`.*x`)); st != nil {
		t.Errorf("a wide start gave %q", string(st))
	}
}
