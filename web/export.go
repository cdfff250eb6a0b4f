package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Audience exports (圈人): GET /api/v1/export?format=csv|xlsx&query=JSON
// (a link the page can offer) or POST /api/v1/export {"query", "format",
// "lang"} writes the whole list of a list query — the asker's rows only,
// without the columns their role may not see — streamed from the database
// row by row, at most semantic.MaxExportRows rows. When the list is longer,
// X-Wenshu-Total says how long and X-Wenshu-Truncated is set (the answer on
// the page says it too).

// Streamer runs a plan row by row (semantic/duckdb and semantic/postgres satisfy it).
type Streamer interface {
	Stream(ctx context.Context, p *semantic.Plan, each func(row []any) error) error
}

type exportRequest struct {
	Query  *semantic.Query `json:"query"`
	Format string          `json:"format"`
	Lang   string          `json:"lang"`
}

func (s *Server) handleExport(c *gin.Context) {
	var req exportRequest
	if c.Request.Method == http.MethodPost {
		if err := s.decode(c, &req); err != nil {
			s.fail(c, err)
			return
		}
	} else {
		req.Format, req.Lang = c.Query("format"), c.Query("lang")
		raw := c.Query("query")
		if len(raw) > semantic.MaxQueryBytes {
			s.fail(c, &apiError{Code: "bad_request", Message: "the query parameter is too long"})
			return
		}
		q, err := semantic.ParseQuery([]byte(raw))
		if err != nil {
			s.fail(c, err)
			return
		}
		req.Query = q
	}
	if req.Format == "" {
		req.Format = "csv"
	}
	if req.Lang != "en" {
		req.Lang = "zh"
	}
	if req.Format != "csv" && req.Format != "xlsx" {
		s.fail(c, &apiError{Code: "bad_request", Message: "format must be csv or xlsx, got " + strconv.Quote(req.Format)})
		return
	}
	if req.Query == nil || req.Query.List == "" {
		s.fail(c, &apiError{Code: "bad_request", Message: `only lists of members can be exported: the query needs "list" (e.g. {"list":"members"})`})
		return
	}
	s.exportList(c, principal(c), req, s.eng().AsOf, "export")
}

// exportList streams the list of req.Query as p sees it now, as of asOf.
func (s *Server) exportList(c *gin.Context, p *Principal, req exportRequest, asOf semantic.Date, via string) {
	st, ok := s.eng().Runner.(Streamer)
	if !ok {
		s.fail(c, &apiError{Code: "internal", Message: "this engine cannot stream an export"})
		return
	}
	entry := AuditEntry{User: p.Name, Role: p.Role, TokenID: p.TokenID, Via: via, Question: exportQuestion(req.Query, req.Format)}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.AskTimeout)
	defer cancel()
	scope, err := s.scope(ctx, p)
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	if _, serr := scope.Check(s.eng().Model, req.Query, req.Lang); serr != nil {
		s.audit(entry, nil, serr)
		s.fail(c, serr)
		return
	}
	q := req.Query.Clone()
	max := s.eng().ExportLimit()
	bounded := q.Limit == 0 || q.Limit > max
	if bounded {
		q.Limit = max
	}
	lp, err := semantic.CompileList(s.eng().Model, q, s.eng().CompileOptions(asOf, scope))
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	entry.SQLHash = sqlHash(lp.DisplaySQL())
	count, err := s.eng().Runner.Run(ctx, lp.CountPlan())
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	var total int64
	if len(count.Rows) == 1 {
		if n, ok := count.Rows[0][0].(int64); ok {
			total = n
		}
	}
	semantic.Localize(lp.Columns, req.Lang)
	a := s.eng().Model.Audience(q.List)
	name := fmt.Sprintf("%s-%s.%s", safeName(a.Name), lp.RefDay, req.Format)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("X-Wenshu-Total", strconv.FormatInt(total, 10))
	if bounded && total > int64(q.Limit) {
		c.Header("X-Wenshu-Truncated", "true")
	}
	c.Header("Cache-Control", "no-store")
	var rows int
	if req.Format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		rows, err = WriteCSV(ctx, c.Writer, st, lp)
	} else {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		rows, err = WriteXLSX(ctx, c.Writer, st, lp, s.eng().Model, q, total, bounded && total > int64(max), req.Lang)
	}
	entry.Rows = rows
	s.audit(entry, nil, err)
	if err != nil {
		// Headers are gone; the client sees a cut file. Log why.
		s.log.Warn("export failed", "err", err, "rows", rows)
		c.Abort()
	}
}

func exportQuestion(q *semantic.Query, format string) string {
	data, _ := json.Marshal(q)
	return format + " " + string(data)
}

// safeName keeps letters, digits, - and _ of a name for a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "list"
	}
	return b.String()
}

// WriteCSV writes a UTF-8 CSV with a byte-order mark (so Excel reads the
// Chinese labels), the column labels first.
func WriteCSV(ctx context.Context, w io.Writer, st Streamer, lp *semantic.ListPlan) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	var head []string
	for _, col := range lp.Columns {
		head = append(head, col.Label)
	}
	cw.Write(head)
	n := 0
	rec := make([]string, len(lp.Columns))
	err := st.Stream(ctx, lp.Plan, func(row []any) error {
		for i, v := range row {
			rec[i] = cellText(v)
		}
		n++
		return cw.Write(rec)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		// A cell that a spreadsheet would run as a formula is written as text.
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	}
	return fmt.Sprint(v)
}

// WriteXLSX writes the list as a worksheet through excelize's stream
// writer (rows beyond its buffer go to a temporary file, not memory), and
// a second sheet saying what the list is.
func WriteXLSX(ctx context.Context, w io.Writer, st Streamer, lp *semantic.ListPlan, m *semantic.Model, q *semantic.Query, total int64, cut bool, lang string) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	head := make([]any, len(lp.Columns))
	for i, col := range lp.Columns {
		head[i] = col.Label
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	n := 0
	err = st.Stream(ctx, lp.Plan, func(row []any) error {
		n++
		cell, err := excelize.CoordinatesToCellName(1, n+1)
		if err != nil {
			return err
		}
		out := make([]any, len(row))
		for i, v := range row {
			if s, ok := v.(string); ok {
				out[i] = cellText(s)
			} else {
				out[i] = v
			}
		}
		return sw.SetRow(cell, out)
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	about := "说明"
	if lang == "en" {
		about = "About"
	}
	if _, err := f.NewSheet(about); err != nil {
		return n, err
	}
	reading := nlq.ReadList(m, q, lp.RefDay, lang)
	lines := [][]any{{reading.Text}, {fmt.Sprintf("%d / %d", n, total)}}
	if cut {
		lines = append(lines, []any{fmt.Sprintf("%s %d", map[bool]string{true: "Cut at the export limit of", false: "已按导出上限截断，上限行数"}[lang == "en"], n)})
	}
	for i, l := range lines {
		if err := f.SetSheetRow(about, fmt.Sprintf("A%d", i+1), &l); err != nil {
			return n, err
		}
	}
	_, err = f.WriteTo(w)
	return n, err
}

// A pushed list (an audience subscription) links to its whole list: the
// token is the credential, as for charts, for ListLinkTTL; the download
// runs the list again as its owner sees it then (a removed user's link
// stops working, a narrowed role narrows it).

// ListLinkTTL is how long a pushed list's download link works.
const ListLinkTTL = 7 * 24 * time.Hour

// ListLink is a stored download link of a pushed list.
type ListLink struct {
	Query   *semantic.Query `json:"query"`
	Owner   string          `json:"owner"` // user id; "" for the open demo
	Name    string          `json:"name"`
	AsOf    semantic.Date   `json:"as_of"`
	Lang    string          `json:"lang"`
	Expires time.Time       `json:"expires"`
}

// listLink stores a download link for a pushed list and returns its path
// without the format suffix, or "" when it cannot be stored.
func (s *Server) listLink(ctx context.Context, q *semantic.Query, owner, name string, asOf semantic.Date, lang string) string {
	token := identity.NewID(16)
	l := ListLink{Query: q, Owner: owner, Name: name, AsOf: asOf, Lang: lang, Expires: s.now().Add(ListLinkTTL)}
	if err := s.store.PutListLink(ctx, token, l); err != nil {
		s.log.Warn("list link", "err", err)
		return ""
	}
	return "/lists/" + token
}

func (s *Server) handleListLink(c *gin.Context) {
	file := c.Param("file")
	token, format, _ := strings.Cut(file, ".")
	l, err := s.store.ListLink(c.Request.Context(), token)
	if err != nil || len(token) != 32 || (format != "csv" && format != "xlsx") {
		writeError(c, &apiError{Code: "not_found", Message: "no such list"})
		return
	}
	if s.now().After(l.Expires) {
		writeError(c, &apiError{Code: "not_found", Message: "this list's link has expired; the next report brings a new one"})
		return
	}
	var p *Principal
	if l.Owner == "" {
		p = &Principal{Name: l.Name, Role: semantic.RoleAdmin, Admin: true}
	} else if p, err = s.userPrincipal(c.Request.Context(), l.Owner); err != nil {
		s.fail(c, err)
		return
	}
	s.exportList(c, p, exportRequest{Query: l.Query, Format: format, Lang: l.Lang}, l.AsOf, "list-link")
}
