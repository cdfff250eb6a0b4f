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
	topRE       = regexp.MustCompile(`(?:前|top|头|排名前)\s*(\d+)|(\d+)\s*(?:个|名|家|位|款)?\s*(?:最高|最多|最好|最大|最低|最少|最差|最小)|(?:最高|最多|最好|最大|最低|最少|最差|最小|highest|best|most|largest|biggest|lowest|worst|least|smallest|bottom)\s*(?:的)?\s*(\d+)|(?:bottom|后|倒数)\s*(\d+)|(?:which|哪)\s*(\d+)\s*(?:个|家|名|位|款)?`)
	bestRE      = regexp.MustCompile(`(最高|最多|最好|最大|最强|第一|卖得最好|highest|best|most|largest|biggest|top|leading)`)
	worstRE     = regexp.MustCompile(`(最低|最少|最差|最小|最弱|倒数|垫底|lowest|worst|least|smallest|bottom|weakest)`)
	rankRE      = regexp.MustCompile(`(排名|排行|排序|名次|\brank|\bsorted|\bordered)`)
	dayWhichRE  = regexp.MustCompile(`(哪天|哪一天|哪日|哪个日子|which day|what day)`)
	monWhichRE  = regexp.MustCompile(`(哪个月|哪一个月|哪月|which month|what month)`)
	weekWhichRE = regexp.MustCompile(`(哪周|哪一周|哪个星期|which week)`)
	// Rankings by change: 同比增长最快, 环比下滑最多, "grew the fastest".
	growthRE  = gate(regexp.MustCompile(`((?:增长|增速|涨幅|上涨|上升|提升|增幅|增加|涨)(?:得)?(?:最快|最多|最大|最猛|最明显|最高)|(?:fastest|most|biggest|largest|strongest) (?:growth|growing|increase|rise|gain)|(?:grew|rose|increased|gained|improved) (?:the )?(?:most|fastest))`))
	declineRE = gate(regexp.MustCompile(`((?:下滑|下降|下跌|跌幅|降幅|减少|萎缩|跌|降)(?:得)?(?:最快|最多|最大|最猛|最明显|最厉害|最严重)|(?:fastest|most|biggest|largest|steepest|sharpest) (?:decline|drop|fall|decrease)|(?:declined|dropped|fell|decreased|shrank) (?:the )?(?:most|fastest))`))
)

// constructChangeRanking orders by the change on the previous period (or
// year, with 同比) rather than by level: the winner of 同比增长最快 is the
// one that grew fastest, not the biggest.
func constructChangeRanking(rd *reading) bool {
	grow, fall := growthRE.FindString(rd.rest), declineRE.FindString(rd.rest)
	query := rd.query
	if grow == "" && fall == "" || len(query.Metrics) == 0 || len(query.Dimensions) == 0 {
		return false
	}
	if query.Compare == "" {
		query.Compare = semantic.ComparePoP
	}
	desc := grow != "" && (fall == "" || strings.Index(rd.rest, grow) < strings.Index(rd.rest, fall))
	query.Order = []semantic.OrderBy{{By: query.Metrics[0] + "_change", Desc: desc}}
	n := 1
	if m := topRE.FindStringSubmatch(rd.rest); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				n = atoi(g)
			}
		}
	}
	query.Limit = n
	rd.excludeEmpty(query)
	rd.rankedByChange = true
	return false
}

func constructRanking(rd *reading) bool {
	if rd.rankedByChange {
		return false
	}
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
		if !bestRE.MatchString(m[0]) && desc {
			// "which 3 … had the lowest": the direction is said apart from the number.
			desc = !worstRE.MatchString(rest) || bestRE.MatchString(rest)
		}
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
			rd.excludeEmpty(query)
		}
	}
	return false
}

// excludeEmpty leaves the group with no value (online orders have no city)
// out of a limited ranking, and says so.
func (rd *reading) excludeEmpty(query *semantic.Query) {
	for _, name := range query.Dimensions {
		if hasFilter(query.Filters, name) {
			continue
		}
		query.Filters = append(query.Filters, semantic.Filter{Dimension: name, Op: "ne", Values: []any{nil}})
		if d := rd.r.model.Dimension(name); d != nil && d.NullLabel.In(rd.lang) != "" {
			rd.t.Notes = append(rd.t.Notes, msg(rd.lang,
				"排名不含「"+d.NullLabel.In("zh")+"」（没有"+d.Label.In("zh")+"的数据）",
				"the ranking leaves out "+d.NullLabel.In("en")+" (no "+strings.ToLower(d.Label.In("en"))+")"))
		}
	}
}
