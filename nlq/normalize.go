package nlq

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// normalize folds a question into the form every rule reads: full-width
// characters to ASCII, lower case, Chinese punctuation to spaces, and Chinese
// numerals before a unit (三个月, 前五名, 十一月) to digits.
func normalize(q string) string {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		switch r {
		case '，', '。', '？', '！', '；', '：', '、', '“', '”', '‘', '’', '（', '）', '【', '】', '《', '》', '…', '?', '!', ',', ';', '(', ')', '"', '[', ']':
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	s := b.String()
	s = strings.NewReplacer("双十一", "双11", "双十二", "双12", "半年度", "半年").Replace(s)
	s = pctCNRE.ReplaceAllStringFunc(s, func(m string) string {
		num := strings.TrimPrefix(m, "百分之")
		if n, ok := cnToInt(num); ok {
			num = strconv.Itoa(n)
		}
		return num + "%"
	})
	s = halfYearRE.ReplaceAllString(s, "${1}6个月")
	s = enNumRE.ReplaceAllStringFunc(s, func(m string) string { return strconv.Itoa(enNums[m]) })
	s = cnNumRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := cnNumRE.FindStringSubmatch(m)
		if n, ok := cnToInt(sub[1]); ok {
			return strconv.Itoa(n) + sub[2]
		}
		return m
	})
	// 前十, 倒数五, 头三: a rank's numeral with no measure word after it.
	s = rankNumRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := rankNumRE.FindStringSubmatch(m)
		if n, ok := cnToInt(sub[2]); ok {
			return sub[1] + strconv.Itoa(n)
		}
		return m
	})
	return strings.Join(strings.Fields(s), " ")
}

var (
	rankNumRE  = regexp.MustCompile(`(前|倒数|后|头|排名前|哪)([一二两三四五六七八九十]+)`)
	halfYearRE = regexp.MustCompile(`(最近|近|过去)半年`)
	cnNumRE    = regexp.MustCompile(`([零一二两三四五六七八九十]+)(个月|个季度|季度|个星期|星期|周|天|日|年|月份|月|个|名|位|家|款|条|笔|单)`)
	enNumRE    = regexp.MustCompile(`\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)\b`)
	pctCNRE    = regexp.MustCompile(`百分之(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)`)
)

var enNums = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}

// cnToInt reads a Chinese numeral up to 99.
func cnToInt(s string) (int, bool) {
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10, true
	case len(rs) == 1:
		d, ok := digits[rs[0]]
		return d, ok
	case len(rs) == 2 && rs[0] == '十':
		d, ok := digits[rs[1]]
		return 10 + d, ok
	case len(rs) == 2 && rs[1] == '十':
		d, ok := digits[rs[0]]
		return 10 * d, ok
	case len(rs) == 3 && rs[1] == '十':
		a, ok1 := digits[rs[0]]
		c, ok2 := digits[rs[2]]
		return 10*a + c, ok1 && ok2
	}
	return 0, false
}

func isCJK(r rune) bool { return unicode.Is(unicode.Han, r) }

func isWordRune(r rune) bool {
	return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
