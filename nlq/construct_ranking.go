package nlq

import (
	"regexp"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Rankings: 前N / top N / bottom N, the best or worst one (最高的门店, which
// channel), which day or month, 排名. A ranking with a limit ranks real
// members: the group with no value (online orders have no city) is left out.

var (
	topRE       = regexp.MustCompile(`(?:前|top|头|排名前)\s*(\d+)|(\d+)\s*(?:个|名|家|位|款)?\s*(?:最高|最多|最好|最大|最低|最少|最差|最小)|(?:最高|最多|最好|最大|最低|最少|最差|最小|highest|best|most|largest|biggest|lowest|worst|least|smallest|bottom)\s*(?:的)?\s*(\d+)|(?:bottom|后|倒数)\s*(\d+)`)
	bestRE      = regexp.MustCompile(`(最高|最多|最好|最大|最强|第一|卖得最好|highest|best|most|largest|biggest|top|leading)`)
	worstRE     = regexp.MustCompile(`(最低|最少|最差|最小|最弱|倒数|垫底|lowest|worst|least|smallest|bottom|weakest)`)
	rankRE      = regexp.MustCompile(`(排名|排行|排序|名次|\brank|\bsorted|\bordered)`)
	dayWhichRE  = regexp.MustCompile(`(哪天|哪一天|哪日|哪个日子|which day|what day)`)
	monWhichRE  = regexp.MustCompile(`(哪个月|哪一个月|哪月|which month|what month)`)
	weekWhichRE = regexp.MustCompile(`(哪周|哪一周|哪个星期|which week)`)
)

func constructRanking(rd *reading) bool {
	query, rest, q := rd.query, rd.rest, rd.q
	n, desc, ranked := 0, true, false
	if m := topRE.FindStringSubmatch(rest); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				n = atoi(g)
			}
		}
		ranked = true
		desc = !worstRE.MatchString(m[0]) && !strings.HasPrefix(m[0], "后")
	} else if bestRE.MatchString(rest) || worstRE.MatchString(rest) {
		ranked = true
		desc = !worstRE.MatchString(rest) || bestRE.MatchString(rest) && bestRE.FindStringIndex(rest)[0] < worstRE.FindStringIndex(rest)[0]
		if len(query.Dimensions) > 0 || rd.whichDim || dayWhichRE.MatchString(q) || monWhichRE.MatchString(q) || weekWhichRE.MatchString(q) {
			n = 1
		}
	} else if rankRE.MatchString(rest) {
		ranked = true
	}
	for _, w := range []struct {
		re    *regexp.Regexp
		grain string
	}{{dayWhichRE, semantic.GrainDay}, {monWhichRE, semantic.GrainMonth}, {weekWhichRE, semantic.GrainWeek}} {
		if w.re.MatchString(q) {
			query.Time = ensureTime(query.Time)
			query.Time.Grain = w.grain
			ranked = true
			if n == 0 {
				n = 1
			}
		}
	}
	if rd.whichDim && !ranked {
		ranked, n = true, 1
	}
	if ranked && len(query.Metrics) > 0 && (len(query.Dimensions) > 0 || query.Time != nil && query.Time.Grain != "") {
		query.Order = []semantic.OrderBy{{By: query.Metrics[0], Desc: desc}}
		if n > 0 {
			query.Limit = n
			// A ranking of cities ranks cities: rows with no city (online
			// orders) are not a contender.
			for _, d := range query.Dimensions {
				if !hasFilter(query.Filters, d) {
					query.Filters = append(query.Filters, semantic.Filter{Dimension: d, Op: "ne", Values: []any{nil}})
				}
			}
		}
	}
	return false
}
