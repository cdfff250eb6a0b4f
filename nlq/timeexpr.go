package nlq

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// TimeInfo is what a question says about time, resolved in Go against as_of
// (an LLM never computes dates).
type TimeInfo struct {
	// Range is the period asked about; nil when the question names none.
	Range *semantic.DateRange
	// Grain buckets the period (每天, by month); Trend means "a trend" with
	// no grain named, to be chosen from the range's length.
	Grain string
	Trend bool
	// Compare is yoy or pop (同比, 环比).
	Compare string
	// Shift asks for the previous query's period moved back: "year"
	// (去年同期, same period last year) or "month" (上月同期).
	Shift string
	// Text is the matched wording of the range, for the reading.
	Text string
	// BadYear is a year the question names that no range can hold (3025年,
	// since 2030): the asker is told so instead of getting another period.
	BadYear int
	// masked is the question with every time expression blanked out.
	masked string
}

type timeRule struct {
	re *regexp.Regexp
	// fn turns a match into a range, or reports no range (a grain or compare).
	fn func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange
}

// timeNeeds say, per time rule, whether every match holds a digit or a
// Latin letter (read from the expressions at start): a question without
// one skips the rule.
var timeNeeds []struct {
	digit, latin bool
	first        starts
}

func init() {
	timeNeeds = make([]struct {
		digit, latin bool
		first        starts
	}, len(timeRules))
	for i, r := range timeRules {
		timeNeeds[i].digit = requires(r.re, isDigitRange)
		timeNeeds[i].latin = requires(r.re, isLatinRange)
		timeNeeds[i].first = startsOf(r.re)
	}
}

var monthNames = map[string]int{"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}

// lunarNewYear holds Spring Festival (正月初一) dates, which follow the lunar calendar.
var lunarNewYear = map[int]semantic.Date{
	2019: semantic.D(2019, 2, 5), 2020: semantic.D(2020, 1, 25), 2021: semantic.D(2021, 2, 12), 2022: semantic.D(2022, 2, 1),
	2023: semantic.D(2023, 1, 22), 2024: semantic.D(2024, 2, 10), 2025: semantic.D(2025, 1, 29), 2026: semantic.D(2026, 2, 17),
	2027: semantic.D(2027, 2, 6), 2028: semantic.D(2028, 1, 26), 2029: semantic.D(2029, 2, 13), 2030: semantic.D(2030, 2, 3),
}

func year4(s string, asOf semantic.Date) int {
	y, _ := strconv.Atoi(s)
	if y < 100 {
		y += 2000
	}
	return y
}

func relYear(word string, asOf semantic.Date) int {
	switch word {
	case "去年", "last year":
		return asOf.Year() - 1
	case "前年":
		return asOf.Year() - 2
	}
	return asOf.Year()
}

func monthRange(y, m int) *semantic.DateRange {
	s := semantic.D(y, time.Month(m), 1)
	return &semantic.DateRange{Start: s, End: s.AddMonths(1).AddDays(-1)}
}

func quarterRange(y, q int) *semantic.DateRange {
	s := semantic.D(y, time.Month(3*(q-1)+1), 1)
	return &semantic.DateRange{Start: s, End: s.AddMonths(3).AddDays(-1)}
}

func yearRange(y int) *semantic.DateRange {
	return &semantic.DateRange{Start: semantic.D(y, 1, 1), End: semantic.D(y, 12, 31)}
}

func halfRange(y int, second bool) *semantic.DateRange {
	if second {
		return &semantic.DateRange{Start: semantic.D(y, 7, 1), End: semantic.D(y, 12, 31)}
	}
	return &semantic.DateRange{Start: semantic.D(y, 1, 1), End: semantic.D(y, 6, 30)}
}

func dayRange(d semantic.Date) *semantic.DateRange { return &semantic.DateRange{Start: d, End: d} }

// latestMonth is the latest month m that has begun by asOf (3月份 in
// February means last March).
func latestMonth(m int, asOf semantic.Date) int {
	if m <= int(asOf.Month()) {
		return asOf.Year()
	}
	return asOf.Year() - 1
}

// capAsOf ends a range at asOf when it runs past it (本月 means up to today).
func capAsOf(r *semantic.DateRange, asOf semantic.Date) *semantic.DateRange {
	if r.Start.After(asOf.Time) || !r.End.After(asOf.Time) {
		return r
	}
	return &semantic.DateRange{Start: r.Start, End: asOf}
}

// lastN is the N units ending on asOf.
func lastN(n int, unit string, asOf semantic.Date) *semantic.DateRange {
	var start semantic.Date
	switch unit {
	case "天", "日", "day", "days":
		start = asOf.AddDays(1 - n)
	case "周", "星期", "个星期", "week", "weeks":
		start = asOf.AddDays(1 - 7*n)
	case "月", "个月", "month", "months":
		start = asOf.AddDays(1).AddMonths(-n)
	case "季度", "个季度", "quarter", "quarters":
		start = asOf.AddDays(1).AddMonths(-3 * n)
	default: // years
		start = asOf.AddDays(1).AddMonths(-12 * n)
	}
	return &semantic.DateRange{Start: start, End: asOf}
}

func holiday(name string, y int) *semantic.DateRange {
	switch {
	case strings.Contains(name, "双11") || strings.Contains(name, "双十一") || name == "double 11" || name == "singles day":
		return dayRange(semantic.D(y, 11, 11))
	case strings.Contains(name, "双12") || strings.Contains(name, "双十二") || name == "double 12":
		return dayRange(semantic.D(y, 12, 12))
	case name == "618":
		return dayRange(semantic.D(y, 6, 18))
	case strings.HasPrefix(name, "国庆") || name == "national day":
		return &semantic.DateRange{Start: semantic.D(y, 10, 1), End: semantic.D(y, 10, 7)}
	case name == "五一" || strings.HasPrefix(name, "劳动节"):
		return &semantic.DateRange{Start: semantic.D(y, 5, 1), End: semantic.D(y, 5, 5)}
	case strings.HasPrefix(name, "元旦") || name == "new year's day":
		return dayRange(semantic.D(y, 1, 1))
	case strings.HasPrefix(name, "圣诞") || name == "christmas":
		return dayRange(semantic.D(y, 12, 25))
	case name == "情人节" || name == "valentine's day":
		return dayRange(semantic.D(y, 2, 14))
	case strings.HasPrefix(name, "春节") || name == "spring festival" || name == "chinese new year":
		d, ok := lunarNewYear[y]
		if !ok {
			return nil
		}
		// The statutory holiday: New Year's Eve and the six days after New Year.
		return &semantic.DateRange{Start: d.AddDays(-1), End: d.AddDays(6)}
	}
	return nil
}

// latestHoliday is the latest occurrence that has begun by asOf.
func latestHoliday(name string, asOf semantic.Date) *semantic.DateRange {
	for y := asOf.Year(); y > asOf.Year()-2; y-- {
		if r := holiday(name, y); r != nil && !r.Start.After(asOf.Time) {
			return r
		}
	}
	return nil
}

func weekStart(d semantic.Date) semantic.Date { return d.AddDays(-((int(d.Weekday()) + 6) % 7)) }

func parseMD(y int, m, d string) (semantic.Date, bool) {
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if mi < 1 || mi > 12 || di < 1 || di > 31 {
		return semantic.Date{}, false
	}
	t := time.Date(y, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return semantic.Date{}, false
	}
	return semantic.Date{Time: t}, true
}

const (
	reHoliday = `(双11|双十一|双12|双十二|618|国庆节?假期|国庆节|国庆|春节假期|春节|元旦|圣诞节|圣诞|情人节|五一|劳动节)`
	reMonthEn = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`
)

// timeRules are tried in order; earlier rules win overlapping text.
// Years a question may name.
const minYear, maxYear = 1990, 2100

// badYear records an impossible year and reports no range.
func badYear(ti *TimeInfo, y int) *semantic.DateRange {
	if ti.BadYear == 0 {
		ti.BadYear = y
	}
	return nil
}

var timeRules = []timeRule{
	// From a month or a year up to today: 2024年3月以来, since March 2024, 2020年以来, since 2020.
	{regexp.MustCompile(`(\d{4})[-/年.](\d{1,2})月?(?:份)?(?:以来|至今|到现在|迄今|起至今)|\bsince\s+(\d{4})-(\d{1,2})\b|\bsince\s+` + reMonthEn + `\.?\s*(\d{4})\b`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			y, mo := atoi(m[1]), atoi(m[2])
			if m[3] != "" {
				y, mo = atoi(m[3]), atoi(m[4])
			}
			if m[5] != "" {
				y, mo = atoi(m[6]), monthNames[strings.ToLower(m[5])]
			}
			start := semantic.D(y, time.Month(max(mo, 1)), 1)
			if y < minYear || y > maxYear || mo < 1 || mo > 12 || start.After(asOf.Time) {
				return badYear(ti, y)
			}
			return &semantic.DateRange{Start: start, End: asOf}
		}},
	{regexp.MustCompile(`(\d{4})\s*年?(?:以来|至今|到现在|迄今|起至今|开始至今)|\bsince\s+(\d{4})\b|\b(\d{4})\s+(?:to date|until now|onwards)`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			y := atoi(m[1] + m[2] + m[3])
			if y < minYear || y > asOf.Year() {
				return badYear(ti, y)
			}
			return &semantic.DateRange{Start: semantic.D(y, 1, 1), End: asOf}
		}},
	// Explicit date ranges: 2025-11-01到2025-11-15, 11月1日至11月15日, from 2025-11-01 to 2025-11-15.
	{regexp.MustCompile(`(?:from\s+|between\s+)?(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})[日号]?\s*(?:到|至|~|—|-|to|and|until)\s*(?:(\d{4})[-/年.])?(\d{1,2})[-/月.](\d{1,2})[日号]?`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			y1 := year4(m[1], asOf)
			y2 := y1
			if m[4] != "" {
				y2 = year4(m[4], asOf)
			}
			s, ok1 := parseMD(y1, m[2], m[3])
			e, ok2 := parseMD(y2, m[5], m[6])
			if !ok1 || !ok2 || e.Before(s.Time) {
				return nil
			}
			return &semantic.DateRange{Start: s, End: e}
		}},
	{regexp.MustCompile(`(\d{1,2})月(\d{1,2})[日号]?\s*(?:到|至|~|—|-)\s*(?:(\d{1,2})月)?(\d{1,2})[日号]`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			y := latestMonth(atoi(m[1]), asOf)
			m2 := m[3]
			if m2 == "" {
				m2 = m[1]
			}
			s, ok1 := parseMD(y, m[1], m[2])
			e, ok2 := parseMD(y, m2, m[4])
			if !ok1 || !ok2 || e.Before(s.Time) {
				return nil
			}
			return &semantic.DateRange{Start: s, End: e}
		}},
	// Month spans: 1月到3月, 今年1-3月, 2024年10月至12月.
	{regexp.MustCompile(`(?:(\d{4}|\d{2})年|(今年|去年|前年))?的?(\d{1,2})月?份?\s*(?:到|至|~|—|-)\s*(\d{1,2})月份?`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			a, b := atoi(m[3]), atoi(m[4])
			if a < 1 || b > 12 || b < a {
				return nil
			}
			y := latestMonth(b, asOf)
			switch {
			case m[1] != "":
				y = year4(m[1], asOf)
			case m[2] != "":
				y = relYear(m[2], asOf)
			}
			return capAsOf(&semantic.DateRange{Start: monthRange(y, a).Start, End: monthRange(y, b).End}, asOf)
		}},
	// Holidays, with an optional year: 去年双11, 2024年618, 国庆; 双11那周 is
	// the Monday-to-Sunday week that holds the day.
	{regexp.MustCompile(`(?:(\d{2,4})年|(今年|去年|前年))?的?` + reHoliday + `(\s*(?:那一周|那周|那个星期|当周|所在的?周|所在的那周|这一周|那一星期))?`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			var r *semantic.DateRange
			switch {
			case m[1] != "":
				r = holiday(m[3], year4(m[1], asOf))
			case m[2] != "":
				r = holiday(m[3], relYear(m[2], asOf))
			default:
				r = latestHoliday(m[3], asOf)
			}
			if r != nil && m[4] != "" {
				mon := r.Start.AddDays(-((int(r.Start.Weekday()) + 6) % 7))
				r = capAsOf(&semantic.DateRange{Start: mon, End: mon.AddDays(6)}, asOf)
			}
			return r
		}},
	// Single dates: 2025-11-11, 2025年11月11日, 2025/11/11.
	{regexp.MustCompile(`(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})[日号]?`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			if d, ok := parseMD(year4(m[1], asOf), m[2], m[3]); ok {
				return dayRange(d)
			}
			return nil
		}},
	// A year with a part: 2025年3月, 25年Q3, 2025年第三季度, 2025年下半年, 2025-03, 2025q3.
	{regexp.MustCompile(`(\d{4}|\d{2})\s*年的?\s*(?:第?([1-4])季度|q([1-4])|(上半年|下半年)|(\d{1,2})月份?)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			y := year4(m[1], asOf)
			return yearPart(y, m[2], m[3], m[4], m[5])
		}},
	{regexp.MustCompile(`\b(\d{4})\s*-?\s*q([1-4])\b|\bq([1-4])\s*(\d{4})\b`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			if m[1] != "" {
				return quarterRange(atoi(m[1]), atoi(m[2]))
			}
			return quarterRange(atoi(m[4]), atoi(m[3]))
		}},
	{regexp.MustCompile(`\b(\d{4})[-/](\d{1,2})\b`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			if mo := atoi(m[2]); mo >= 1 && mo <= 12 {
				return monthRange(atoi(m[1]), mo)
			}
			return nil
		}},
	// A relative year with a part: 今年3月, 去年Q4, 去年下半年, 今年第一季度.
	{regexp.MustCompile(`(今年|去年|前年|本年)的?\s*(?:第?([1-4])季度|q([1-4])|(上半年|下半年)|(\d{1,2})月份?)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			return capAsOf(yearPart(relYear(m[1], asOf), m[2], m[3], m[4], m[5]), asOf)
		}},
	// English months: March 2025, Nov 2024, in November.
	{regexp.MustCompile(`\b` + reMonthEn + `\.?\s*(?:,\s*)?(\d{4})?\b`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			mo := monthNames[m[1]]
			if m[1] == "may" && m[2] == "" {
				return nil // "may" is usually the verb
			}
			y := latestMonth(mo, asOf)
			if m[2] != "" {
				y = atoi(m[2])
			}
			return monthRange(y, mo)
		}},
	{regexp.MustCompile(`\b(?:(first|second)\s+half|h([12]))(?:\s+(?:of\s+)?(\d{4}|this year|last year))?\b`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			y := asOf.Year()
			switch {
			case m[3] == "last year":
				y--
			case m[3] != "" && m[3] != "this year":
				y = atoi(m[3])
			}
			return capAsOf(halfRange(y, m[1] == "second" || m[2] == "2"), asOf)
		}},
	// Vague recent time: 最近几个月, 最近一段时间, "the last few months" is a
	// monthly trend over the last six full months (the as-of month counts
	// when the as-of date is its last day).
	{regexp.MustCompile(`(最近几个月|近几个月|最近这几个月|这几个月|最近一段时间|近一段时间|最近这段时间|这段时间|最近一阵子|最近一阵|近期|(?:the )?(?:last|past) (?:few|several|couple of) months|recent months|\blately\b|\brecently\b)`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			next := semantic.D(asOf.Year(), asOf.Month(), 1) // the first day after the last full month
			if asOf.IsMonthEnd() {
				next = next.AddMonths(1)
			}
			ti.Trend = true
			if ti.Grain == "" {
				ti.Grain = semantic.GrainMonth
			}
			return &semantic.DateRange{Start: next.AddMonths(-6), End: next.AddDays(-1)}
		}},
	// Rolling windows: 最近7天, 近三个月, 过去12周, last 30 days, past 3 months.
	{regexp.MustCompile(`(?:最近|近|过去|前|last|past|previous|trailing)\s*(\d+)\s*(天|日|个星期|星期|周|个月|月|个季度|季度|年|days?|weeks?|months?|quarters?|years?)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			n := atoi(m[1])
			if n < 1 || n > 3650 {
				return nil
			}
			return lastN(n, m[2], asOf)
		}},
	{regexp.MustCompile(`(年初至今|年初到现在|今年以来|年初以来|今年至今|本年至今|本年度至今|\bytd\b|year to date|year-to-date)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			return &semantic.DateRange{Start: semantic.D(asOf.Year(), 1, 1), End: asOf}
		}},
	{regexp.MustCompile(`(本月至今|月初至今|这个月以来|本月以来|\bmtd\b|month to date|month-to-date)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			return semantic.ResolveNamedRange("this_month", asOf)
		}},
	{regexp.MustCompile(`(本季度至今|\bqtd\b|quarter to date)`),
		func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
			return semantic.ResolveNamedRange("this_quarter", asOf)
		}},
	{regexp.MustCompile(`(上月同期|上个月同期|same period last month)`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			ti.Shift = "month"
			return nil
		}},
	// Same period a month or a year earlier (去年同期, 上月同期) shift another range.
	{regexp.MustCompile(`(去年同期|上年同期|同期|same period last year|same time last year|a year ago|last year's same period)`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			ti.Shift = "year"
			return nil
		}},
	{regexp.MustCompile(`(今天|今日|当天|\btoday\b)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange { return dayRange(asOf) }},
	{regexp.MustCompile(`(昨天|昨日|\byesterday\b)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return dayRange(asOf.AddDays(-1))
	}},
	{regexp.MustCompile(`(前天|day before yesterday)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return dayRange(asOf.AddDays(-2))
	}},
	{regexp.MustCompile(`(明天|\btomorrow\b)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return dayRange(asOf.AddDays(1))
	}},
	{regexp.MustCompile(`(上上周|上上个星期)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		s := weekStart(asOf).AddDays(-14)
		return &semantic.DateRange{Start: s, End: s.AddDays(6)}
	}},
	{regexp.MustCompile(`(上周|上个星期|上星期|上个礼拜|上礼拜|last week|previous week)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("last_week", asOf)
	}},
	{regexp.MustCompile(`(本周|这周|这个星期|本星期|这个礼拜|这礼拜|this week)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("this_week", asOf)
	}},
	{regexp.MustCompile(`(上上个月|上上月)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		s := semantic.D(asOf.Year(), asOf.Month(), 1).AddMonths(-2)
		return monthRange(s.Year(), int(s.Month()))
	}},
	{regexp.MustCompile(`(上个月|上月|上一个月|last month|previous month)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("last_month", asOf)
	}},
	{regexp.MustCompile(`(本月|这个月|这月|当月|this month)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("this_month", asOf)
	}},
	{regexp.MustCompile(`(上季度|上个季度|上一季度|上一个季度|last quarter|previous quarter)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("last_quarter", asOf)
	}},
	{regexp.MustCompile(`(本季度|这个季度|这季度|本季|当季|this quarter)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("this_quarter", asOf)
	}},
	{regexp.MustCompile(`(今年|本年度|本年|this year)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return semantic.ResolveNamedRange("this_year", asOf)
	}},
	{regexp.MustCompile(`(去年|上一年|上年|last year|previous year)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return yearRange(asOf.Year() - 1)
	}},
	{regexp.MustCompile(`(前年)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		return yearRange(asOf.Year() - 2)
	}},
	// A year alone: 2024年, in 2024.
	{regexp.MustCompile(`(\d{4})\s*年(?:度|全年)?|\b(?:in|for|during|of)\s+(\d{4})\b|^(\d{4})\b|\b(\d{4})$`),
		func(m []string, asOf semantic.Date, ti *TimeInfo) *semantic.DateRange {
			for _, s := range m[1:] {
				if y := atoi(s); y >= minYear && y <= maxYear {
					return yearRange(y)
				}
			}
			if y := atoi(m[1] + m[2]); y > 0 {
				return badYear(ti, y) // 3025年, in 1800: a year, but not one there can be data for
			}
			return nil
		}},
	// Parts of the current year: 上半年, 第三季度, Q3, 3月份, 11月.
	{regexp.MustCompile(`(上半年|下半年)`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		second := m[1] == "下半年"
		y := asOf.Year()
		if second && asOf.Month() < 7 {
			y--
		}
		return capAsOf(halfRange(y, second), asOf)
	}},
	{regexp.MustCompile(`第?([1-4])季度|\bq([1-4])\b`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		q := atoi(m[1] + m[2])
		y := asOf.Year()
		if quarterRange(y, q).Start.After(asOf.Time) {
			y--
		}
		return capAsOf(quarterRange(y, q), asOf)
	}},
	{regexp.MustCompile(`(\d{1,2})月(\d{1,2})[日号]`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		mo := atoi(m[1])
		if d, ok := parseMD(latestMonth(mo, asOf), m[1], m[2]); ok {
			return dayRange(d)
		}
		return nil
	}},
	{regexp.MustCompile(`(\d{1,2})月份?`), func(m []string, asOf semantic.Date, _ *TimeInfo) *semantic.DateRange {
		mo := atoi(m[1])
		if mo < 1 || mo > 12 {
			return nil
		}
		return capAsOf(monthRange(latestMonth(mo, asOf), mo), asOf)
	}},
}

// Granularity and comparison words.
var (
	grainRules = []struct {
		re    *regexp.Regexp
		grain string
	}{
		{regexp.MustCompile(`(每天|每日|按天|按日|逐日|日度|每一天|日趋势|分日|各天|\bdaily\b|by day|per day|each day|day by day)`), semantic.GrainDay},
		{regexp.MustCompile(`(每周|每个星期|按周|逐周|周度|周趋势|分周|各周|\bweekly\b|by week|per week|each week|week by week)`), semantic.GrainWeek},
		{regexp.MustCompile(`(每个月|每月|按月|逐月|月度|月趋势|分月|各月|\bmonthly\b|by month|per month|each month|month by month)`), semantic.GrainMonth},
		{regexp.MustCompile(`(每个季度|每季度|按季度|按季|逐季|季度趋势|分季度|各季度|\bquarterly\b|by quarter|per quarter|each quarter)`), semantic.GrainQuarter},
		{regexp.MustCompile(`(每年|按年|逐年|年度趋势|各年度|\byearly\b|\bannually\b|by year|per year|each year)`), semantic.GrainYear},
	}
	againstRE    = regexp.MustCompile(`(比|对比|相比|相较|\bvs\.?\b|versus|\bcompare)`)
	trendRE      = regexp.MustCompile(`(趋势|走势|变化情况|变化|波动|\btrend\b|\btrends\b|over time|trajectory)`)
	compareRules = []struct {
		re      *regexp.Regexp
		compare string
	}{
		{regexp.MustCompile(`(同比|[比较和与跟对]\s*(?:上年|去年)同期|同期相比|\byoy\b|year over year|year-over-year|比去年|较去年|和去年比|跟去年比|与去年相比|和去年相比|跟去年相比|对比去年|vs\.? last year|versus last year|compared? (?:to|with) (?:the same period )?last year|than last year|over last year|from last year)`), semantic.CompareYoY},
		{regexp.MustCompile(`(环比|\bmom\b|\bqoq\b|\bwow\b|\bpop\b|比上月|较上月|和上月比|跟上个月比|比上个月|和上个月比|与上月相比|比上周|较上周|比上期|较上期|上期相比|比前1周|比上1周|较前1周|和前1周比|比前1个月|较前1个月|比前1天|比前1日|较前1天|比昨天|较昨天|比前1季度|比上季度|较上季度|vs\.? last (?:month|week|quarter)|compared? (?:to|with) (?:the )?(?:previous|last) (?:month|week|quarter|period)|month over month|month-over-month|period over period|week over week|quarter over quarter)`), semantic.ComparePoP},
	}
)

func yearPart(y int, q1, q2, half, month string) *semantic.DateRange {
	switch {
	case q1 != "" || q2 != "":
		return quarterRange(y, atoi(q1+q2))
	case half != "":
		return halfRange(y, half == "下半年")
	case month != "":
		if mo := atoi(month); mo >= 1 && mo <= 12 {
			return monthRange(y, mo)
		}
		return nil
	}
	return yearRange(y)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// ResolveTime reads every time expression of a normalized question.
func ResolveTime(q string, asOf semantic.Date) TimeInfo {
	ti := TimeInfo{}
	masked := []rune(q)
	mask := func(loc []int) {
		// loc is in bytes; mask the runes it covers.
		start := len([]rune(q[:loc[0]]))
		end := len([]rune(q[:loc[1]]))
		for i := start; i < end; i++ {
			masked[i] = ' '
		}
	}
	cur := func() string { return string(masked) }
	// Compare words first: 比去年 must not be read as the year 去年.
	for _, r := range compareRules {
		if loc := r.re.FindStringIndex(cur()); loc != nil && ti.Compare == "" {
			ti.Compare = r.compare
			mask(byteLoc(q, cur(), loc))
		}
	}
	for _, r := range grainRules {
		if loc := r.re.FindStringIndex(cur()); loc != nil {
			if ti.Grain == "" {
				ti.Grain = r.grain
			}
			mask(byteLoc(q, cur(), loc))
		}
	}
	if loc := trendRE.FindStringIndex(cur()); loc != nil {
		// 环比变化, 同比变化 ask for the change, not a series.
		if w := cur()[loc[0]:loc[1]]; ti.Compare == "" || w == "趋势" || w == "走势" || strings.Contains(w, "trend") {
			ti.Trend = true
		}
		mask(byteLoc(q, cur(), loc))
	}
	hasDigit := strings.ContainsAny(q, "0123456789")
	hasLatin := strings.IndexFunc(q, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0
	for i, r := range timeRules {
		if timeNeeds[i].digit && !hasDigit || timeNeeds[i].latin && !hasLatin || !timeNeeds[i].first.may(q) {
			continue
		}
		for {
			s := cur()
			m := r.re.FindStringSubmatchIndex(s)
			if m == nil {
				break
			}
			groups := make([]string, len(m)/2)
			for i := range groups {
				if m[2*i] >= 0 {
					groups[i] = s[m[2*i]:m[2*i+1]]
				}
			}
			rng := r.fn(groups, asOf, &ti)
			mask(byteLoc(q, s, m[:2]))
			switch {
			case rng == nil:
			case ti.Range == nil:
				ti.Range = rng
				ti.Text = strings.TrimSpace(groups[0])
			case ti.Compare == "" && againstRE.MatchString(q):
				// "12月比11月": the second period is what the first is compared with.
				first, second := *ti.Range, *rng
				if second.Start.After(first.Start.Time) {
					first, second = second, first
					ti.Range = &first
				}
				for _, c := range []string{semantic.ComparePoP, semantic.CompareYoY} {
					if p, _ := semantic.PreviousRange(first, c, ""); p == second {
						ti.Compare = c
					}
				}
			}
		}
	}
	ti.masked = string(masked)
	return ti
}

// byteLoc converts a byte location in the masked string to one in q. Masking
// replaces runes with one-byte spaces, so count runes instead of bytes.
func byteLoc(q, masked string, loc []int) []int {
	rs := len([]rune(masked[:loc[0]]))
	re := len([]rune(masked[:loc[1]]))
	qr := []rune(q)
	return []int{len(string(qr[:rs])), len(string(qr[:re]))}
}

// AutoGrain picks a grain for a trend over r: days up to two months, weeks
// up to half a year, months beyond.
func AutoGrain(r *semantic.DateRange) string {
	switch {
	case r == nil:
		return semantic.GrainMonth
	case r.Days() <= 62:
		return semantic.GrainDay
	case r.Days() <= 190:
		return semantic.GrainWeek
	}
	return semantic.GrainMonth
}
