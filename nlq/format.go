package nlq

import (
	"fmt"
	"math"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// How numbers and periods read in sentences, as business readers expect:
// 5,512.0万 and 1.23亿 in Chinese, 55.12M in English; the sign before the
// currency (-¥407,266); never -0.0%; periods as 2025年6月 / Jun 2025.
// Tables and CSV keep full precision (FormatValue).

// Units of money carry their currency: "currency:GBP" (UnitOf, MetricUnit);
// plain "currency" is yuan.

// UnitOf is the unit a column's values are written in.
func UnitOf(c semantic.Column) string {
	if c.Unit == semantic.UnitCurrency && c.Currency != "" {
		return c.Unit + ":" + c.Currency
	}
	return c.Unit
}

// MetricUnit is the unit a metric's values are written in.
func MetricUnit(m *semantic.Model, mt *semantic.Metric) string {
	if mt.Unit == semantic.UnitCurrency {
		return mt.Unit + ":" + m.CurrencyOf(mt)
	}
	return mt.Unit
}

// currencySymbols are the signs written before amounts; other currencies
// are written with their code (CHF 12.50).
var currencySymbols = map[string]string{"CNY": "¥", "RMB": "¥", "USD": "$", "GBP": "£", "EUR": "€", "JPY": "JP¥", "HKD": "HK$", "TWD": "NT$",
	"KRW": "₩", "SGD": "S$", "AUD": "A$", "CAD": "C$", "INR": "₹"}

// splitUnit returns the unit and, for money, the sign of its currency.
func splitUnit(unit string) (string, string) {
	base, code, ok := strings.Cut(unit, ":")
	if base != semantic.UnitCurrency {
		return base, ""
	}
	if !ok || code == "" {
		return base, "¥"
	}
	if s, ok := currencySymbols[code]; ok {
		return base, s
	}
	return base, code + " "
}

// FormatCompact writes a value of a unit for a sentence.
func FormatCompact(v any, unit, lang string) string {
	unit, cur := splitUnit(unit)
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return FormatValue(v, unit, lang)
	}
	_ = cur
	if unit == semantic.UnitPercent {
		return percentText(f)
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	decimals := 0
	switch {
	case unit == semantic.UnitCurrency:
		decimals = 2
	case unit == semantic.UnitNumber && f != math.Trunc(f):
		decimals = 2
	}
	return sign + cur + compactNumber(f, decimals, lang)
}

// compactNumber writes a non-negative number with 万/亿 or K/M/B.
func compactNumber(f float64, decimals int, lang string) string {
	if lang == "en" {
		switch {
		case f >= 1e9:
			return fmt.Sprintf("%.2fB", f/1e9)
		case f >= 1e6:
			return fmt.Sprintf("%.2fM", f/1e6)
		case f >= 1e5:
			return fmt.Sprintf("%.1fK", f/1e3)
		}
		return thousands(f, decimals)
	}
	switch {
	case f >= 1e8:
		return fmt.Sprintf("%.2f亿", f/1e8)
	case f >= 1e4:
		return thousands(f/1e4, 1) + "万"
	}
	return thousands(f, decimals)
}

// percentText writes a fraction as a percent with one decimal; a value
// that rounds to zero is 0.0%, never -0.0%.
func percentText(f float64) string {
	p := math.Round(f*1000) / 10
	if p == 0 {
		p = 0 // drops the sign of -0
	}
	return fmt.Sprintf("%.1f%%", p)
}

// pointsText writes a change of a rate (a difference of fractions) in
// percentage points: 0.7 个百分点 / 0.7 pp.
func pointsText(diff float64, lang string) string {
	p := math.Round(math.Abs(diff)*1000) / 10
	return msg(lang, fmt.Sprintf("%.1f 个百分点", p), fmt.Sprintf("%.1f pp", p))
}

// BucketLabel writes a time bucket (its start date) by its grain:
// 2025年6月 / Jun 2025, 2025年Q3, 第45周（11/03–11/09）, 2025年6月18日.
func BucketLabel(grain string, v any, lang string) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	d, err := semantic.ParseDate(s)
	if err != nil {
		return s
	}
	y, m, day := d.Date()
	switch grain {
	case semantic.GrainYear:
		return msg(lang, fmt.Sprintf("%d年", y), fmt.Sprint(y))
	case semantic.GrainQuarter:
		q := (int(m)-1)/3 + 1
		return msg(lang, fmt.Sprintf("%d年Q%d", y, q), fmt.Sprintf("Q%d %d", q, y))
	case semantic.GrainMonth:
		return msg(lang, fmt.Sprintf("%d年%d月", y, m), fmt.Sprintf("%s %d", m.String()[:3], y))
	case semantic.GrainWeek:
		_, w := d.ISOWeek()
		end := d.AddDays(6)
		return msg(lang, fmt.Sprintf("第%d周（%02d/%02d–%02d/%02d）", w, m, day, end.Month(), end.Day()),
			fmt.Sprintf("week %d (%s %d–%s %d)", w, m.String()[:3], day, end.Month().String()[:3], end.Day()))
	}
	return msg(lang, fmt.Sprintf("%d年%d月%d日", y, m, day), d.Format("Jan 2, 2006"))
}
