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

// TestGatesNeverMiss: a gated expression finds what the bare one finds on
// every question of the tables (a gate may only skip what cannot match).
func TestGatesNeverMiss(t *testing.T) {
	gates := []gated{amountRE, countRE, peopleRE, defineRE, funnelRE, fromToRE, howRE, growthRE, declineRE, notBIRE, whyRE, directionRE}
	qs := []string{"为什么下降了", "销售额是怎么算的", "有多少铂金会员", "from cart to pay", "the funnel", "how did sales do",
		"which channel grew the fastest", "写一首诗", "订单金额", "what drove the drop", "人数和销售额", "what counts as a conversion",
		"does gmv include refunds", "包含退款吗", "增长最快", "下滑最多", "销售额"}
	for _, g := range gates {
		for _, q := range qs {
			if g.re.MatchString(q) != g.MatchString(q) {
				t.Errorf("%s on %q: gated %v, bare %v", g.re, q, g.MatchString(q), g.re.MatchString(q))
			}
		}
	}
}
