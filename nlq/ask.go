package nlq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Runner executes compiled plans (semantic/duckdb satisfies it).
type Runner interface {
	Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error)
}

// Turn is one question of a conversation and what it became.
type Turn struct {
	Question   string          `json:"question"`
	Query      *semantic.Query `json:"query,omitempty"`
	Reading    string          `json:"reading,omitempty"`
	Answer     string          `json:"answer,omitempty"`
	Translator string          `json:"translator,omitempty"`
	// Partial is what a question without a metric said; the next question
	// that names a metric completes it.
	Partial *semantic.Query `json:"partial,omitempty"`
	// FollowUp is true when the turn changed the previous one (那去年同期呢):
	// it means nothing outside its conversation, so it is never confirmed
	// as an example.
	FollowUp bool `json:"follow_up,omitempty"`
	// AsOf is the date relative time was resolved against.
	AsOf semantic.Date `json:"as_of,omitzero"`
	// Via is where the question came from (ws for the page, rest, cli).
	Via string    `json:"via,omitempty"`
	At  time.Time `json:"at"`
}

// Conversations stores conversations; the server's store is persistent.
// Every conversation has an owner (a user id, "" when no one is signed in);
// another owner's conversation must fail as not found, never be read or
// appended to.
type Conversations interface {
	// Turns returns a conversation's turns, oldest first (none for a new id).
	Turns(ctx context.Context, owner, id string) ([]Turn, error)
	// Append adds a turn, creating the conversation for owner if needed.
	Append(ctx context.Context, owner, id string, t Turn) error
}

// MemoryConversations keeps conversations in memory (the CLI and tests).
type MemoryConversations struct {
	mu    sync.Mutex
	turns map[string][]Turn
}

// NewMemoryConversations makes an empty in-memory store.
func NewMemoryConversations() *MemoryConversations {
	return &MemoryConversations{turns: map[string][]Turn{}}
}

func (s *MemoryConversations) Turns(_ context.Context, owner, id string) ([]Turn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Turn(nil), s.turns[owner+"\x00"+id]...), nil
}

func (s *MemoryConversations) Append(_ context.Context, owner, id string, t Turn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns[owner+"\x00"+id] = append(s.turns[owner+"\x00"+id], t)
	return nil
}

// Event is one stage of an answer, streamed as soon as it is ready.
type Event struct {
	Type string `json:"type"` // query, sql, columns, rows, chart, answer_delta, clarify, error
	Data any    `json:"data"`
}

// AskRequest is one question.
type AskRequest struct {
	Question       string
	ConversationID string
	// AsOf overrides the engine's as-of date.
	AsOf semantic.Date
	// Owner is the asker's user id: conversations are the owner's alone.
	Owner string
	// Scope is what the asker may see; nil sees everything.
	Scope *Scope
	// Via says where the question came from (ws for the page, rest, cli).
	Via string
}

// Answer is everything about one answered question: the /api/v1/ask shape.
type Answer struct {
	ConversationID string `json:"conversation_id"`
	// Turn is the index of this answer in its conversation (for feedback).
	Turn          int               `json:"turn"`
	Answer        string            `json:"answer"`
	Query         *semantic.Query   `json:"query,omitempty"`
	Reading       *Reading          `json:"reading,omitempty"`
	SQL           string            `json:"sql,omitempty"`
	Columns       []semantic.Column `json:"columns,omitempty"`
	Rows          [][]any           `json:"rows,omitempty"`
	Chart         *semantic.Chart   `json:"chart,omitempty"`
	Clarification *Clarification    `json:"clarification,omitempty"`
	Refusal       *Refusal          `json:"refusal,omitempty"`
	Notes         []string          `json:"notes,omitempty"`
	Translator    string            `json:"translator"`
	Lang          string            `json:"lang"`
	Truncated     bool              `json:"truncated,omitempty"`
	// Anomalies are the points of a trend outside their robust band.
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// Insight is what drove the change, for a why-question (or the most
	// extreme anomaly of a trend).
	Insight *Insight `json:"insight,omitempty"`
	// Definitions answer a question about what metrics mean (口径): the
	// answer then has no numbers.
	Definitions []Definition `json:"definitions,omitempty"`
	// Proposal is a subscription read from the question (每周一早上9点把…发到飞书群),
	// for the asker to confirm; the answer then has no numbers.
	Proposal *Proposal `json:"proposal,omitempty"`
	// TotalRows is the result's row count when Truncated.
	TotalRows int `json:"total_rows,omitempty"`
	// List is set when the answer is a list of members (圈人): how many
	// match, the day, what an export holds.
	List *ListInfo `json:"list,omitempty"`
	// Suggestions are follow-up questions that fit the answer.
	Suggestions []string         `json:"suggestions,omitempty"`
	Timings     map[string]int64 `json:"timings_ms,omitempty"`
}

// Engine answers questions: translate, compile, run, explain.
type Engine struct {
	Model         *semantic.Model
	Rules         *Rules
	Runner        Runner
	Conversations Conversations
	// AsOf is the default as-of date; zero means the model's, else today.
	AsOf   semantic.Date
	Logger *slog.Logger

	// LLM, when set, reads what the rules cannot read with full confidence
	// and writes the narrative; nil means rules and templates only.
	LLM *LLMTranslator
	// LLMTimeout bounds a translation by the LLM (default 20 s); after it
	// the rules' reading or a clarification is used.
	LLMTimeout time.Duration
	// NarrativeTimeout bounds the LLM narrative (default 30 s).
	NarrativeTimeout time.Duration
	// Examples are confirmed question→query pairs; an exact repeat skips
	// every translator.
	Examples Examples
	// Materialized names derived tables the runner has computed in advance.
	Materialized []string
	// Admission refuses plans over the cost budget and marks heavy ones;
	// nil admits everything.
	Admission *Admission
	// MaxExportRows bounds a list's export; 0 means semantic.MaxExportRows.
	MaxExportRows int
}

// ExportLimit is the most rows a list's export holds.
func (e *Engine) ExportLimit() int {
	if e.MaxExportRows > 0 {
		return min(e.MaxExportRows, semantic.MaxExportRows)
	}
	return semantic.MaxExportRows
}

// CompileOptions are the options every compile of this engine uses for an
// asker of the given scope (nil sees everything).
func (e *Engine) CompileOptions(asOf semantic.Date, scope *Scope) semantic.CompileOptions {
	return semantic.CompileOptions{AsOf: asOf, Access: scope.access(), Materialized: e.Materialized, Dialect: dialectOf(e.Runner)}
}

// dialectOf is the SQL dialect of a runner that names one (semantic/duckdb,
// semantic/postgres), else DuckDB's.
func dialectOf(r any) semantic.Dialect {
	if d, ok := r.(interface{ Dialect() semantic.Dialect }); ok {
		return d.Dialect()
	}
	return semantic.DuckDB
}

// NewConversationID returns a random conversation id (128 bits, not guessable).
func NewConversationID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *Engine) asOf(req AskRequest) semantic.Date {
	switch {
	case !req.AsOf.IsZero():
		return req.AsOf
	case !e.AsOf.IsZero():
		return e.AsOf
	case !e.Model.AsOf.IsZero():
		return semantic.Date{Time: e.Model.AsOf}
	}
	now := time.Now()
	return semantic.D(now.Year(), now.Month(), now.Day())
}

// Ask answers a question. emit (may be nil) receives each stage as soon as
// it is ready; the returned Answer holds them all. Failures of the data
// engine are returned as errors; what the asker must fix comes back as a
// clarification.
func (e *Engine) Ask(ctx context.Context, req AskRequest, emit func(Event)) (*Answer, error) {
	if emit == nil {
		emit = func(Event) {}
	}
	start := time.Now()
	timings := map[string]int64{}
	lap := func(stage string, t0 time.Time) { timings[stage] = time.Since(t0).Milliseconds() }
	if req.ConversationID == "" {
		req.ConversationID = NewConversationID()
	}
	turns, err := e.Conversations.Turns(ctx, req.Owner, req.ConversationID)
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	var prev *semantic.Query
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].Query != nil {
			prev = turns[i].Query
			break
		}
	}
	asOf := e.asOf(req)
	t0 := time.Now()
	var history []string
	for _, t := range turns {
		history = append(history, t.Question)
	}
	tr, translator := e.translate(ctx, req.Question, prev, asOf, req.Scope, history)
	if n := len(turns); n > 0 && turns[n-1].Partial != nil {
		tr.Complete(turns[n-1].Partial)
		tr.FollowUp = tr.FollowUp || tr.Query != nil
	}
	lap("translate", t0)
	ans := &Answer{ConversationID: req.ConversationID, Turn: len(turns), Translator: translator, Lang: tr.Lang, Notes: tr.Notes, Timings: timings}
	turn := Turn{Question: req.Question, Translator: translator, Partial: tr.Partial, FollowUp: tr.FollowUp, AsOf: asOf, Via: req.Via, At: time.Now().UTC()}
	finish := func() (*Answer, error) {
		timings["total"] = time.Since(start).Milliseconds()
		turn.Answer = ans.Answer
		if err := e.Conversations.Append(ctx, req.Owner, req.ConversationID, turn); err != nil {
			return nil, fmt.Errorf("save conversation: %w", err)
		}
		return ans, nil
	}
	if p := ReadProposal(req.Question); p != nil {
		if inner := e.Rules.Translate(p.Question, nil, asOf); inner.Query != nil {
			channel := map[string]string{"feishu": "飞书", "dingtalk": "钉钉", "wecom": "企业微信", "slack": "Slack", "email": "邮件"}[p.Channel]
			if channel == "" {
				channel = msg(tr.Lang, "（请选择）", "(choose one)")
			}
			ans.Proposal = p
			ans.Answer = msg(tr.Lang,
				fmt.Sprintf("要订阅「%s」吗？时间：%s（%s），渠道：%s。填写 webhook 地址后确认即可。", p.Question, p.Text, p.Schedule, channel),
				fmt.Sprintf("Subscribe to %q? Schedule: %s (%s), channel: %s. Fill in the webhook and confirm.", p.Question, p.Text, p.Schedule, channel))
			ans.Clarification = &Clarification{Message: ans.Answer}
			emit(Event{"clarify", ans.Clarification})
			return finish()
		}
	}
	switch {
	case tr.Refusal != nil:
		ans.Refusal = tr.Refusal
		ans.Clarification = &Clarification{Message: tr.Refusal.Message}
		for _, ex := range tr.Refusal.Examples {
			ans.Clarification.Options = append(ans.Clarification.Options, Option{Label: ex, Question: ex})
		}
		ans.Answer = ans.Clarification.Text()
		emit(Event{"clarify", ans.Clarification})
		return finish()
	case tr.Clarify != nil:
		ans.Clarification = tr.Clarify
		ans.Answer = tr.Clarify.Text()
		emit(Event{"clarify", tr.Clarify})
		return finish()
	case len(tr.Definitions) > 0:
		ans.Definitions = tr.Definitions
		var texts []string
		for _, d := range tr.Definitions {
			texts = append(texts, d.Text(tr.Lang))
		}
		ans.Answer = strings.Join(texts, "\n\n")
		emit(Event{"definition", tr.Definitions})
		return finish()
	}
	// What lies outside the asker's rows or role gets no numbers and says so.
	refuse := func(reason, message string) (*Answer, error) {
		ans.Refusal = &Refusal{Reason: reason, Message: message}
		ans.Answer = message
		ans.Query = tr.Query
		ans.Clarification = &Clarification{Message: message}
		emit(Event{"clarify", ans.Clarification})
		return finish()
	}
	scopeNotes, serr := req.Scope.Check(e.Model, tr.Query, tr.Lang)
	if serr != nil {
		return refuse(RefusalOutOfScope, serr.Message)
	}
	if tr.Query != nil && tr.Query.List != "" {
		ans.Notes = append(ans.Notes, scopeNotes...)
		return e.askList(ctx, tr, asOf, req.Scope, ans, emit, refuse, finish, &turn)
	}

	t0 = time.Now()
	plan, err := semantic.Compile(e.Model, tr.Query, e.CompileOptions(asOf, req.Scope))
	lap("compile", t0)
	if err != nil {
		var list semantic.ErrorList
		if !errors.As(err, &list) {
			return nil, err
		}
		if m := notPermitted(e.Model, req.Scope, tr.Query, tr.Lang); m != "" {
			return refuse(RefusalNotPermitted, m)
		}
		ans.Clarification = e.validationClarification(list, tr.Query, tr.Lang, req.Scope)
		ans.Answer = ans.Clarification.Text()
		ans.Query = tr.Query
		emit(Event{"clarify", ans.Clarification})
		return finish()
	}
	if err := e.Admission.Admit(e.Model, plan, tr.Lang); err != nil {
		var ob *OverBudget
		if errors.As(err, &ob) {
			return refuse(RefusalTooCostly, ob.Message)
		}
		return nil, err
	}
	if note := req.Scope.Note(tr.Lang); note != "" {
		ans.Notes = append(append(ans.Notes, scopeNotes...), note)
		tr.Notes = ans.Notes
	}
	reading := Read(e.Model, tr.Query, tr.Lang)
	stateAsOf(e.Model, tr.Query, asOf, tr.Lang, &reading)
	ans.Query, ans.Reading = tr.Query, &reading
	turn.Query, turn.Reading = tr.Query, reading.Text
	emit(Event{"query", map[string]any{"query": tr.Query, "reading": reading, "notes": tr.Notes, "translator": ans.Translator, "lang": tr.Lang}})
	ans.SQL = plan.DisplaySQL()
	emit(Event{"sql", ans.SQL})

	t0 = time.Now()
	res, err := e.Runner.Run(ctx, plan)
	lap("execute", t0)
	if err != nil {
		return nil, err
	}
	semantic.Localize(res.Columns, tr.Lang)
	ans.Columns, ans.Rows, ans.Truncated = res.Columns, res.Rows, res.Truncated
	emit(Event{"columns", res.Columns})
	emit(Event{"rows", res.Rows})
	chart := semantic.ChooseChart(res.Columns, len(res.Rows))
	if tr.Funnel != "" && len(res.Rows) == 1 {
		// A funnel's steps in one row: drawn as a funnel, the table beside it.
		chart = semantic.Chart{Type: "funnel", Alternatives: []string{"bar", "table"}}
		for _, c := range res.Columns {
			if c.Role == semantic.RoleMetric {
				chart.Y = append(chart.Y, c.Name)
			}
		}
	}
	ans.Chart = &chart
	emit(Event{"chart", chart})

	ans.Notes = append(ans.Notes, leftOut(e.Model, res, tr.Lang)...)
	var ext *Extremes
	if res.Truncated {
		// The row cap cut the table: what the answer says of the whole
		// result is computed over all of it, and the cut is stated.
		if ext, err = e.extremes(ctx, plan); err != nil {
			return nil, err
		}
		ans.TotalRows = len(res.Rows)
		if ext != nil {
			ans.TotalRows = ext.Rows
		}
		ans.Notes = append(ans.Notes, msg(tr.Lang,
			fmt.Sprintf("结果共 %d 行，表格只列出前 %d 行（%s）", ans.TotalRows, len(res.Rows), orderText(e.Model, tr.Query, "zh")),
			fmt.Sprintf("the result has %d rows; the table lists the first %d (%s)", ans.TotalRows, len(res.Rows), orderText(e.Model, tr.Query, "en"))))
	}

	t0 = time.Now()
	if noValues(res) {
		// Every number is empty (次月留存 of a cohort whose next month has
		// not come): say so instead of "为 —".
		ans.Answer = msg(tr.Lang, reading.Text+"：没有数据——所问的时间可能还没到，或这个范围里没有记录。",
			reading.Text+": no data — the period asked may not have come yet, or nothing falls in it.")
		emit(Event{"answer_delta", ans.Answer})
	} else {
		ans.Answer = e.narrate(ctx, req.Question, tr, res, reading, ext, emit)
	}
	if tr.Why != nil && tr.Query != nil && len(tr.Query.Metrics) > 0 {
		t1 := time.Now()
		ins, err := e.insight(ctx, tr.Query, tr.Why.Dimensions, asOf, req.Scope, tr.Lang)
		lap("insight", t1)
		if err != nil {
			e.log().Warn("insight failed", "err", err)
		} else {
			ans.Insight = ins
			emit(Event{"insight", ins})
			text := ins.Text(e.Model, tr.Lang)
			ans.Answer += text
			emit(Event{"answer_delta", text})
		}
	}
	if as := anomalies(tr.Query, res, tr.Lang); len(as) > 0 {
		ans.Anomalies = as
		emit(Event{"anomalies", as})
		text := anomalyText(e.Model, tr.Query, as, tr.Lang)
		if ins := e.explainAnomaly(ctx, tr.Query, as, asOf, req.Scope, tr.Lang); ins != nil && ans.Insight == nil {
			ans.Insight = ins
			emit(Event{"insight", ins})
			text += ins.Text(e.Model, tr.Lang)
		}
		ans.Answer += text
		emit(Event{"answer_delta", text})
	}
	if steps := funnelText(e.Model, tr, res); steps != "" {
		ans.Answer += steps
		emit(Event{"answer_delta", steps})
	}
	if a := req.Scope.access(); a.Restricted() && len(res.Rows) > 0 {
		// The narrative says whose rows it speaks of.
		scope := msg(tr.Lang, "（仅含"+a.Scope.Zh+"的数据）", " ("+a.Scope.En+" only)")
		ans.Answer += scope
		emit(Event{"answer_delta", scope})
	}
	lap("narrative", t0)
	ans.Suggestions = e.suggest(tr.Query, tr.Lang, req.Scope)
	return finish()
}

// suggest offers follow-ups: a split not yet used, a comparison, a trend.
// Probes compile with the asker's scope, so no hidden split is offered.
func (e *Engine) suggest(q *semantic.Query, lang string, scope *Scope) []string {
	var out []string
	for _, d := range e.Model.Dimensions {
		if len(out) == 2 {
			break
		}
		if slices.Contains(q.Dimensions, d.Name) || hasFilter(q.Filters, d.Name) {
			continue
		}
		probe := q.Clone()
		probe.Dimensions = append(probe.Dimensions, d.Name)
		probe.Order, probe.Limit = nil, 0
		if _, err := semantic.Compile(e.Model, probe, semantic.CompileOptions{Access: scope.access()}); err == nil {
			out = append(out, msg(lang, "按"+d.Label.Zh+"看", "by "+strings.ToLower(d.Label.En)))
		}
	}
	if q.Compare == "" && q.Time != nil && q.Time.Range != nil {
		out = append(out, msg(lang, "同比呢", "vs last year"))
	}
	if (q.Time == nil || q.Time.Grain == "") && q.Time != nil && q.Time.Range != nil && q.Time.Range.Days() > 31 {
		out = append(out, msg(lang, "改成按月", "monthly"))
	}
	return out
}

// translate routes a question: a confirmed example, else the rules when they
// read it with full confidence (fast and free), else the LLM, falling back
// to the rules' reading or a clarification when the LLM fails or is slow.
func (e *Engine) translate(ctx context.Context, question string, prev *semantic.Query, asOf semantic.Date, scope *Scope, history []string) (*Translation, string) {
	if e.Examples != nil {
		if ex := e.Examples.Exact(question); ex != nil && ex.Query != nil {
			return &Translation{Query: ex.Rebase(e.Rules, asOf), Lang: detectLang(question), Confident: true}, "memory"
		}
	}
	tr := e.Rules.Translate(question, prev, asOf)
	if e.LLM == nil || tr.Refusal != nil || len(tr.Definitions) > 0 || tr.Query != nil && tr.Confident {
		return tr, "rules"
	}
	// A question naming a value outside the asker's rows is refused before
	// the LLM: no hidden value reaches the model.
	if _, serr := scope.Check(e.Model, tr.Query, tr.Lang); serr != nil {
		return tr, "rules"
	}
	timeout := e.LLMTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lt, err := e.LLM.Translate(lctx, question, prev, asOf, scope, history...)
	if err != nil {
		e.log().Warn("llm translation failed, using the rules", "err", err)
		tr.Notes = append(tr.Notes, msg(tr.Lang, "大模型暂不可用，按规则理解", "the LLM was unavailable; read by rules"))
		return tr, "rules"
	}
	if lt.Query == nil && lt.Clarify == nil {
		return tr, "rules"
	}
	lt.Notes = append(lt.Notes, tr.Notes...)
	if lt.Query != nil && (lt.Query.Time == nil || lt.Query.Time.Range == nil) {
		lt.Notes = nil
	}
	return lt, "llm"
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// narrate explains the result: with the LLM, streamed and checked sentence
// by sentence; otherwise, or when the LLM fails, with the template.
func (e *Engine) narrate(ctx context.Context, question string, tr *Translation, res *semantic.Result, reading Reading, ext *Extremes, emit func(Event)) string {
	template := TemplateNarrative(e.Model, tr.Query, res, reading, tr.Lang, ext)
	if e.LLM == nil || len(res.Rows) == 0 || res.Truncated {
		// A cut table is explained from the whole result, by the template:
		// the LLM would see only the rows that were read.
		emit(Event{"answer_delta", template})
		return template
	}
	timeout := e.NarrativeTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	nctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	text, ok, err := e.LLM.Narrate(nctx, question, reading, res, tr.Lang, func(s string) { emit(Event{"answer_delta", s}) })
	if err != nil {
		e.log().Warn("llm narrative failed", "err", err)
	}
	if !ok {
		emit(Event{"answer_delta", template})
		return template
	}
	return text
}

// validationClarification turns compile errors into a clarification that
// says what cannot be done and offers what can.
func (e *Engine) validationClarification(list semantic.ErrorList, q *semantic.Query, lang string, scope *Scope) *Clarification {
	first := list[0]
	c := &Clarification{Message: e.friendlyError(first, q, lang)}
	for _, s := range first.Suggestions {
		label := s
		if d := e.Model.Dimension(s); d != nil {
			if !scope.DimensionVisible(s) {
				continue
			}
			label = d.Label.In(lang)
		} else if mt := e.Model.Metric(s); mt != nil {
			if !scope.MetricVisible(s) {
				continue
			}
			label = mt.Label.In(lang)
		}
		c.Options = append(c.Options, Option{Label: label, Question: msg(lang, "按"+label+"看", "by "+label)})
	}
	return c
}

// friendlyError says in the asker's words why a query cannot be computed:
// which metric cannot be seen by which dimension, and what it can be seen
// by; other errors without their JSON path.
func (e *Engine) friendlyError(err *semantic.Error, q *semantic.Query, lang string) string {
	if err.Code == semantic.CodeUnreachable && q != nil && len(q.Metrics) > 0 {
		dim := ""
		var i int
		switch {
		case strings.HasPrefix(err.Path, "dimensions[") && scanIndex(err.Path, &i) && i < len(q.Dimensions):
			dim = q.Dimensions[i]
		case strings.HasPrefix(err.Path, "filters[") && scanIndex(err.Path, &i) && i < len(q.Filters):
			dim = q.Filters[i].Dimension
		}
		mt, d := e.Model.Metric(q.Metrics[0]), e.Model.Dimension(dim)
		if mt != nil && d != nil {
			var can []string
			for _, s := range err.Suggestions {
				if sd := e.Model.Dimension(s); sd != nil {
					can = append(can, sd.Label.In(lang))
				}
			}
			m, dl := mt.Label.In(lang), d.Label.In(lang)
			text := msg(lang, m+"不能按"+dl+"来看或筛选：数据里两者没有关联。", m+" cannot be broken down or filtered by "+strings.ToLower(dl)+": the data does not connect them.")
			if len(can) > 0 {
				text += msg(lang, "它可以按"+strings.Join(can, "、")+"来看：", " It can be by "+strings.ToLower(strings.Join(can, ", "))+":")
			}
			return text
		}
	}
	return msg(lang, "这个问题暂时无法按所理解的方式回答：", "I cannot answer that as understood: ") + err.Message
}

// scanIndex reads the number in a path such as filters[2].
func scanIndex(path string, i *int) bool {
	open, end := strings.IndexByte(path, '['), strings.IndexByte(path, ']')
	if open < 0 || end < open {
		return false
	}
	n, err := strconv.Atoi(path[open+1 : end])
	*i = n
	return err == nil
}

// extremes reads the highest, lowest and last rows and the row count of a
// plan's whole result.
func (e *Engine) extremes(ctx context.Context, plan *semantic.Plan) (*Extremes, error) {
	sp := plan.Summary()
	if sp == nil {
		return nil, nil
	}
	res, err := e.Runner.Run(ctx, sp)
	if err != nil {
		return nil, fmt.Errorf("summary of a cut result: %w", err)
	}
	mc, tc, nc := -1, -1, len(sp.Columns)-1
	for i, c := range sp.Columns {
		if c.Role == semantic.RoleMetric && mc < 0 {
			mc = i
		}
		if c.Role == semantic.RoleTime && tc < 0 {
			tc = i
		}
	}
	ext := &Extremes{}
	for _, row := range res.Rows {
		if n, ok := toFloat(row[nc]); ok {
			ext.Rows = int(n)
		}
		v, ok := toFloat(row[mc])
		if ok && (ext.Hi == nil || v > mustFloat(ext.Hi[mc])) {
			ext.Hi = row
		}
		if ok && (ext.Lo == nil || v < mustFloat(ext.Lo[mc])) {
			ext.Lo = row
		}
		if tc >= 0 && (ext.Last == nil || fmt.Sprint(row[tc]) > fmt.Sprint(ext.Last[tc])) {
			ext.Last = row
		}
	}
	return ext, nil
}

// orderText says how a result's rows are ordered, for the note on a cut table.
func orderText(m *semantic.Model, q *semantic.Query, lang string) string {
	if len(q.Order) > 0 {
		o := q.Order[0]
		name := o.By
		if mt := m.Metric(o.By); mt != nil {
			name = mt.Label.In(lang)
		} else if d := m.Dimension(o.By); d != nil {
			name = d.Label.In(lang)
		}
		return msg(lang, "按"+name+map[bool]string{true: "从高到低", false: "从低到高"}[o.Desc], "by "+name+map[bool]string{true: ", highest first", false: ", lowest first"}[o.Desc])
	}
	if q.Time != nil && q.Time.Grain != "" {
		return msg(lang, "按时间先后", "in time order")
	}
	if len(q.Metrics) > 0 {
		if mt := m.Metric(q.Metrics[0]); mt != nil {
			return msg(lang, "按"+mt.Label.Zh+"从高到低", "by "+mt.Label.En+", highest first")
		}
	}
	return msg(lang, "按查询顺序", "in query order")
}

// leftOut names the empty groups a result does not show: a split by a
// dimension whose NULL group has a name (非会员, 线上) and no row for it — the
// metric does not count them (repurchase of guests) or a ranking left them
// out.
func leftOut(m *semantic.Model, res *semantic.Result, lang string) []string {
	if len(res.Rows) == 0 || res.Truncated {
		return nil
	}
	var out []string
	for i, c := range res.Columns {
		d := m.Dimension(c.Name)
		if c.Role != semantic.RoleDimension || d == nil || d.NullLabel.In(lang) == "" {
			continue
		}
		if !slices.ContainsFunc(res.Rows, func(r []any) bool { return r[i] == nil }) {
			out = append(out, msg(lang, "结果不含"+d.NullLabel.Zh, d.NullLabel.En+" not included"))
		}
	}
	return out
}

// noValues reports a result whose every metric cell is empty.
func noValues(res *semantic.Result) bool {
	if len(res.Rows) == 0 {
		return false
	}
	for _, row := range res.Rows {
		for i, c := range res.Columns {
			if c.Role == semantic.RoleMetric && row[i] != nil {
				return false
			}
		}
	}
	return true
}
