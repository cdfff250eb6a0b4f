package nlq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Audiences (圈人): 列出近90天没有购买的黄金会员 is answered with how many
// members match first, then the first rows of the list (the page offers the
// whole list as CSV or Excel). The rows are the asker's rows only.

// ListPageRows is how many members an answer shows; the export has them all
// (up to semantic.MaxExportRows).
const ListPageRows = 20

// ListInfo is what an answer says about a list beyond its first rows.
type ListInfo struct {
	Audience string `json:"audience"`
	// Total is how many members match.
	Total int64 `json:"total"`
	// Shown is how many rows the answer holds.
	Shown int `json:"shown"`
	// RefDay is the day the members' attributes are computed as of.
	RefDay semantic.Date `json:"ref_day"`
	// Hidden are columns left out for the asker's role (personal data).
	Hidden []string `json:"hidden,omitempty"`
	// OverExport is true when the whole list is longer than an export holds.
	OverExport bool `json:"over_export,omitempty"`
	MaxExport  int  `json:"max_export"`
}

// askList answers a list question; ans already holds the translation's notes.
func (e *Engine) askList(ctx context.Context, tr *Translation, asOf semantic.Date, scope *Scope, ans *Answer, emit func(Event),
	refuse func(reason, message string) (*Answer, error), finish func() (*Answer, error), turn *Turn) (*Answer, error) {
	lang := tr.Lang
	page := tr.Query.Clone()
	if page.Limit == 0 || page.Limit > ListPageRows {
		page.Limit = ListPageRows
	}
	t0 := time.Now()
	lp, err := semantic.CompileList(e.Model, page, e.CompileOptions(asOf, scope))
	ans.Timings["compile"] = time.Since(t0).Milliseconds()
	if err != nil {
		var list semantic.ErrorList
		if !errors.As(err, &list) {
			return nil, err
		}
		for _, x := range list {
			if x.Code == semantic.CodeNotPermitted {
				if a := scope.access(); a.Restricted() && x.Path == "list" {
					// The role's rows (a store, a region) cannot be told for a member.
					return refuse(RefusalNotPermitted, msg(lang,
						"你只能查看"+a.Scope.Zh+"的数据，而会员不能按这个范围划分，所以不能列出或导出会员名单。可以问这个范围内的指标，例如会员销售额。",
						"You can see "+a.Scope.En+" only, and members cannot be divided by that scope, so no member list can be given. You can ask for metrics of your scope, such as member sales."))
				}
				return refuse(RefusalNotPermitted, msg(lang, "你的角色不能看这份名单："+x.Message, "Your role cannot list these members: "+x.Message))
			}
		}
		ans.Clarification = e.validationClarification(list, tr.Query, lang, scope)
		ans.Answer = ans.Clarification.Text()
		ans.Query = tr.Query
		emit(Event{"clarify", ans.Clarification})
		return finish()
	}
	if note := scope.Note(lang); note != "" {
		ans.Notes = append(ans.Notes, note)
	}
	a := e.Model.Audience(tr.Query.List)
	reading := ReadList(e.Model, tr.Query, lp.RefDay, lang)
	ans.Query, ans.Reading = tr.Query, &reading
	turn.Query, turn.Reading = tr.Query, reading.Text
	emit(Event{"query", map[string]any{"query": tr.Query, "reading": reading, "notes": ans.Notes, "translator": ans.Translator, "lang": lang}})
	ans.SQL = lp.DisplaySQL()
	emit(Event{"sql", ans.SQL})

	t0 = time.Now()
	count, err := e.Runner.Run(ctx, lp.CountPlan())
	if err != nil {
		return nil, err
	}
	var total int64
	if len(count.Rows) == 1 {
		f, _ := toFloat(count.Rows[0][0])
		total = int64(f)
	}
	res, err := e.Runner.Run(ctx, lp.Plan)
	ans.Timings["execute"] = time.Since(t0).Milliseconds()
	if err != nil {
		return nil, err
	}
	semantic.Localize(res.Columns, lang)
	info := &ListInfo{Audience: a.Name, Total: total, Shown: len(res.Rows), RefDay: lp.RefDay, Hidden: lp.Hidden,
		OverExport: total > int64(e.ExportLimit()), MaxExport: e.ExportLimit()}
	if tr.Query.Limit > 0 && int64(tr.Query.Limit) < total {
		info.Total = int64(tr.Query.Limit)
	}
	ans.List = info
	ans.Columns, ans.Rows = res.Columns, res.Rows
	ans.Truncated, ans.TotalRows = info.Total > int64(len(res.Rows)), int(info.Total)
	emit(Event{"list", info})
	emit(Event{"columns", res.Columns})
	emit(Event{"rows", res.Rows})
	chart := semantic.Chart{Type: "table"}
	ans.Chart = &chart
	emit(Event{"chart", chart})
	for _, h := range lp.Hidden {
		if d := e.Model.Dimension(h); d != nil {
			ans.Notes = append(ans.Notes, msg(lang, "「"+d.Label.Zh+"」是个人信息，你的角色看不到，名单里不含这一列",
				d.Label.En+" is personal data your role may not see: the list leaves it out"))
		}
	}
	ans.Answer = listText(e.Model, a, tr.Query, reading, info, lang)
	emit(Event{"answer_delta", ans.Answer})
	return finish()
}

// ReadList is the reading of a list question: the day, the audience, its filters.
func ReadList(m *semantic.Model, q *semantic.Query, refDay semantic.Date, lang string) Reading {
	chips := []Chip{{"time", msg(lang, fmt.Sprintf("截至%d年%d月%d日", refDay.Year(), int(refDay.Month()), refDay.Day()), "as of "+refDay.String())}}
	for _, f := range q.Filters {
		chips = append(chips, Chip{"filter", filterText(m, f, lang)})
	}
	if a := m.Audience(q.List); a != nil {
		chips = append(chips, Chip{"list", a.Label.In(lang)})
	}
	if q.Limit > 0 {
		chips = append(chips, Chip{"order", msg(lang, fmt.Sprintf("前%d位", q.Limit), fmt.Sprintf("first %d", q.Limit))})
	}
	texts := make([]string, len(chips))
	for i, c := range chips {
		texts[i] = c.Text
	}
	return Reading{Text: strings.Join(texts, " · "), Chips: chips}
}

// listText says the count first, then what the table holds.
func listText(m *semantic.Model, a *semantic.Audience, q *semantic.Query, reading Reading, info *ListInfo, lang string) string {
	order := ""
	if len(a.Order) > 0 {
		if d := m.Dimension(a.Order[0].By); d != nil {
			order = d.Label.In(lang)
		}
	}
	var b strings.Builder
	if info.Total == 0 {
		b.WriteString(msg(lang, reading.Text+"：没有符合条件的会员。", reading.Text+": no member matches."))
		return b.String()
	}
	b.WriteString(msg(lang, fmt.Sprintf("%s：共 %s 位会员。", reading.Text, thousands(float64(info.Total), 0)),
		fmt.Sprintf("%s: %s members.", reading.Text, thousands(float64(info.Total), 0))))
	if info.Shown < int(info.Total) {
		b.WriteString(msg(lang, fmt.Sprintf("按%s从高到低列出前 %d 位，完整名单可下载（CSV / Excel）。", order, info.Shown),
			fmt.Sprintf(" The first %d by %s are listed; download the whole list as CSV or Excel.", info.Shown, strings.ToLower(order))))
	} else {
		b.WriteString(msg(lang, fmt.Sprintf("按%s从高到低全部列出。", order), fmt.Sprintf(" All listed, by %s.", strings.ToLower(order))))
	}
	if info.OverExport {
		b.WriteString(msg(lang, fmt.Sprintf("名单超过导出上限 %s 行，导出只含前 %s 位，请加条件缩小范围。", thousands(float64(info.MaxExport), 0), thousands(float64(info.MaxExport), 0)),
			fmt.Sprintf(" The list is longer than the export limit of %s rows: an export holds the first %s; narrow the question to get all.", thousands(float64(info.MaxExport), 0), thousands(float64(info.MaxExport), 0))))
	}
	return b.String()
}
