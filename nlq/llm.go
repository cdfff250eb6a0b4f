package nlq

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// ChatModel is the one thing the LLM path needs from a provider: a chat
// completion with tools, optionally streamed. nlq/llm wraps go-openai to
// satisfy it for any OpenAI-compatible endpoint.
type ChatModel interface {
	// Chat sends the request. With onDelta set the answer is streamed and
	// onDelta receives each piece of content as it arrives.
	Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (*ChatResponse, error)
}

// ChatRequest is one call.
type ChatRequest struct {
	// Purpose names the call in logs and metrics (translate, repair, narrative).
	Purpose  string
	Messages []ChatMessage
	Tools    []ToolSpec
	// ToolChoice is "", "auto", "required" or a tool name.
	ToolChoice  string
	Temperature float32
}

// ChatMessage is a message of the conversation with the model.
type ChatMessage struct {
	Role       string // system, user, assistant, tool
	Content    string
	ToolCalls  []ToolCall
	ToolCallID string
}

// ToolSpec declares a function the model may call.
type ToolSpec struct {
	Name        string
	Description string
	Parameters  map[string]any // JSON schema
}

// ToolCall is a call the model made.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// ChatResponse is the model's answer with its cost.
type ChatResponse struct {
	Content          string
	ToolCalls        []ToolCall
	PromptTokens     int
	CompletionTokens int
	Latency          time.Duration
}

// LLMCall describes one call, for logs and metrics.
type LLMCall struct {
	Purpose          string
	Latency          time.Duration
	PromptTokens     int
	CompletionTokens int
	Err              error
}

//go:embed prompts/*.md
var promptFiles embed.FS

var (
	translatePrompt = template.Must(template.ParseFS(promptFiles, "prompts/translate.v1.md"))
	narrativePrompt = template.Must(template.ParseFS(promptFiles, "prompts/narrative.v1.md"))
)

// PromptVersion identifies the prompt files in use.
const PromptVersion = "v1"

// Range candidates the model may pick; dates are resolved in Go.
const (
	rangeAsked    = "asked"
	rangeDefault  = "default"
	rangePrevious = "previous"
	rangeAll      = "all_time"
)

// ErrLLMGarbage is returned when the model answers with something that is
// neither a valid tool call nor a clarification.
var ErrLLMGarbage = errors.New("the model did not return a usable tool call")

// LLMTranslator reads questions with an LLM through function calling.
type LLMTranslator struct {
	Model *semantic.Model
	Lex   *Lexicon
	Chat  ChatModel
	// Examples supplies confirmed question→query pairs (may be nil).
	Examples Examples
	// OnCall observes every model call (logging, metrics); may be nil.
	OnCall func(LLMCall)
}

// translateInput is everything the prompt is built from.
type translateInput struct {
	question string
	lang     string
	asOf     semantic.Date
	prev     *semantic.Query
	ti       TimeInfo
	ranges   map[string]*semantic.DateRange
	history  []string
	// scope limits the metrics, dimensions, values and examples the prompt
	// and the tool schema hold to what the asker may see.
	scope *Scope
}

// Prompt builds the messages and tool for a question, without calling the
// model (tests and golden files use it).
func (l *LLMTranslator) Prompt(question string, prev *semantic.Query, asOf semantic.Date, history ...string) ([]ChatMessage, []ToolSpec, error) {
	in := l.input(question, prev, asOf)
	in.history = history
	return l.prompt(in)
}

func (l *LLMTranslator) input(question string, prev *semantic.Query, asOf semantic.Date) translateInput {
	q := normalize(question)
	ti := ResolveTime(q, asOf)
	in := translateInput{question: question, lang: detectLang(question), asOf: asOf, prev: prev, ti: ti,
		ranges: map[string]*semantic.DateRange{}}
	if ti.Range != nil {
		in.ranges[rangeAsked] = ti.Range
	}
	if prev != nil && prev.Time != nil && prev.Time.Range != nil {
		in.ranges[rangePrevious] = prev.Time.Range
		if ti.Shift != "" {
			s := shiftRange(*prev.Time.Range, map[string]int{"year": -12, "month": -1}[ti.Shift])
			in.ranges[rangeAsked] = &s
		}
	}
	name := l.Model.DefaultRange
	if name == "" {
		name = "this_year"
	}
	if r := semantic.ResolveNamedRange(name, asOf); r != nil {
		in.ranges[rangeDefault] = r
	}
	return in
}

type promptMetric struct{ Name, Label, Definition, Unit string }
type promptDim struct{ Name, Label, Values string }
type promptRange struct{ ID, Text string }
type promptExample struct{ Question, Query string }

// linked returns the metrics and dimensions schema linking found in the
// question (and the previous query), or a small default set.
func (l *LLMTranslator) linked(in translateInput) (metrics []string, dims []string, values map[string][]string) {
	values = map[string][]string{}
	mentions := l.Lex.link(in.ti.masked)
	addMetric := func(name string) {
		if in.scope.MetricVisible(name) {
			metrics = appendNew(metrics, name)
		}
	}
	addDim := func(name string) {
		if in.scope.DimensionVisible(name) {
			dims = appendNew(dims, name)
		}
	}
	for _, m := range mentions {
		ms, ds, vs := m.split()
		for _, name := range ms {
			addMetric(name)
		}
		for _, name := range ds {
			addDim(name)
		}
		for _, v := range vs {
			if !in.scope.DimensionVisible(v.name) || !in.scope.ValueVisible(l.Model, v.name, v.value) {
				continue
			}
			addDim(v.name)
			values[v.name] = appendNew(values[v.name], v.value)
		}
	}
	if in.prev != nil {
		for _, m := range in.prev.Metrics {
			addMetric(m)
		}
		for _, d := range in.prev.Dimensions {
			addDim(d)
		}
		for _, f := range in.prev.Filters {
			if f.Dimension != "" {
				addDim(f.Dimension)
			}
		}
	}
	// Nothing matched: offer a few of each so the model can still choose.
	for _, mt := range l.Model.Metrics {
		if len(metrics) >= 5 {
			break
		}
		if !mt.Hidden && len(mentions) == 0 {
			addMetric(mt.Name)
		}
	}
	for _, d := range l.Model.Dimensions {
		if len(dims) >= 3 {
			break
		}
		addDim(d.Name)
	}
	return metrics, dims, values
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (l *LLMTranslator) prompt(in translateInput) ([]ChatMessage, []ToolSpec, error) {
	metrics, dims, values := l.linked(in)
	data := struct {
		AsOf, Lang, Previous string
		History              []string
		Metrics              []promptMetric
		Dimensions           []promptDim
		HasValues            bool
		Ranges               []promptRange
		Examples             []promptExample
		Audiences            []promptMetric
	}{AsOf: in.asOf.String(), Lang: in.lang}
	for _, a := range l.audiences(in) {
		def := a.Description.In(in.lang)
		var by []string
		for _, name := range []string{a.Recency, a.Spend, a.Frequency} {
			if d := l.Model.Dimension(name); d != nil && in.scope.DimensionVisible(name) {
				by = append(by, d.Name+" ("+d.Label.In(in.lang)+")")
			}
		}
		if len(by) > 0 {
			def += msg(in.lang, " 可按这些数值筛选：", " Number filters: ") + strings.Join(by, ", ")
		}
		data.Audiences = append(data.Audiences, promptMetric{a.Name, a.Label.In(in.lang), def, ""})
	}
	for _, name := range metrics {
		mt := l.Model.Metric(name)
		data.Metrics = append(data.Metrics, promptMetric{mt.Name, mt.Label.In(in.lang), mt.Description.In(in.lang), mt.Unit})
	}
	for _, name := range dims {
		d := l.Model.Dimension(name)
		pd := promptDim{Name: d.Name, Label: d.Label.In(in.lang)}
		var vs []string
		for _, v := range values[name] {
			vs = append(vs, fmt.Sprintf("%s (%s)", v, d.ValueLabel(v, in.lang)))
		}
		if len(vs) == 0 && len(d.Values) > 0 && len(d.Values) <= 12 {
			for _, v := range d.Values {
				if in.scope.ValueVisible(l.Model, d.Name, v.Value) {
					vs = append(vs, fmt.Sprintf("%s (%s)", v.Value, v.Label(in.lang)))
				}
			}
		}
		pd.Values = strings.Join(vs, ", ")
		data.HasValues = data.HasValues || pd.Values != ""
		data.Dimensions = append(data.Dimensions, pd)
	}
	for _, id := range []string{rangeAsked, rangePrevious, rangeDefault} {
		if r := in.ranges[id]; r != nil {
			data.Ranges = append(data.Ranges, promptRange{id, r.String() + " (" + rangeText(*r, in.lang) + ")"})
		}
	}
	data.Ranges = append(data.Ranges, promptRange{rangeAll, msg(in.lang, "全部时间（累计指标截至今天）", "all time (cumulative metrics up to today)")})
	if in.prev != nil {
		b, _ := json.Marshal(in.prev)
		data.Previous = string(b)
	}
	if n := len(in.history); n > 3 {
		data.History = in.history[n-3:]
	} else {
		data.History = in.history
	}
	if l.Examples != nil {
		for _, ex := range l.Examples.Similar(in.question, 6) {
			if len(data.Examples) == 3 {
				break
			}
			if !in.scope.Allows(l.Model, ex.Query) {
				continue // an example the asker could not run tells the model what they may not see
			}
			b, _ := json.Marshal(ex.Query)
			data.Examples = append(data.Examples, promptExample{ex.Question, string(b)})
		}
	}
	var buf bytes.Buffer
	if err := translatePrompt.Execute(&buf, data); err != nil {
		return nil, nil, fmt.Errorf("translate prompt %s: %w", PromptVersion, err)
	}
	msgs := []ChatMessage{{Role: "system", Content: buf.String()}, {Role: "user", Content: in.question}}
	return msgs, l.tools(in), nil
}

// tools are the functions the model may call; names are enums generated
// from the model, so the model can only emit valid names.
func (l *LLMTranslator) tools(in translateInput) []ToolSpec {
	var metrics, dims []string
	for _, mt := range l.Model.Metrics {
		if !mt.Hidden && in.scope.MetricVisible(mt.Name) {
			metrics = append(metrics, mt.Name)
		}
	}
	for _, d := range l.Model.Dimensions {
		if in.scope.DimensionVisible(d.Name) {
			dims = append(dims, d.Name)
		}
	}
	ranges := []string{rangeAll}
	for _, id := range []string{rangeAsked, rangePrevious, rangeDefault} {
		if in.ranges[id] != nil {
			ranges = append(ranges, id)
		}
	}
	enum := func(vals []string) map[string]any { return map[string]any{"type": "string", "enum": vals} }
	query := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"metrics":    map[string]any{"type": "array", "items": enum(metrics), "minItems": 1},
			"dimensions": map[string]any{"type": "array", "items": enum(dims)},
			"time_range": enum(ranges),
			"grain":      enum(semantic.Grains),
			"filters": map[string]any{"type": "array", "items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"dimension": enum(dims),
					"op":        enum([]string{"in", "not_in", "eq", "ne", "contains"}),
					"values":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				},
				"required": []string{"dimension", "op", "values"},
			}},
			"metric_filters": map[string]any{"type": "array", "items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"metric": enum(metrics),
					"op":     enum([]string{"gt", "gte", "lt", "lte"}),
					"value":  map[string]any{"type": "number"},
				},
				"required": []string{"metric", "op", "value"},
			}},
			"compare": enum([]string{semantic.CompareYoY, semantic.ComparePoP}),
			"share":   map[string]any{"type": "array", "items": enum(metrics)},
			"order_by": map[string]any{"type": "object", "properties": map[string]any{
				"metric": enum(metrics), "desc": map[string]any{"type": "boolean"}}},
			"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": semantic.MaxLimit},
		},
		"required": []string{"metrics", "time_range"},
	}
	clarify := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"message": map[string]any{"type": "string"},
			"options": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "maxItems": 4},
			"reason":  enum([]string{"ambiguous", "out_of_scope", "write_request", "chitchat"}),
		},
		"required": []string{"message"},
	}
	tools := []ToolSpec{
		{Name: "semantic_query", Description: "Answer the question with a semantic query over the metrics model.", Parameters: query},
		{Name: "ask_clarification", Description: "Ask the user to clarify, or decline politely when the model cannot answer.", Parameters: clarify},
	}
	var audiences []string
	for _, a := range l.audiences(in) {
		audiences = append(audiences, a.Name)
	}
	if len(audiences) > 0 {
		list := map[string]any{
			"type": "object",
			"properties": map[string]any{
				"audience":   enum(audiences),
				"dimensions": map[string]any{"type": "array", "items": enum(dims)},
				"time_range": enum(ranges),
				"filters": map[string]any{"type": "array", "items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"dimension":       enum(dims),
						"op":              enum([]string{"in", "not_in", "eq", "ne", "gt", "gte", "lt", "lte"}),
						"values":          map[string]any{"type": "array", "items": map[string]any{"type": []string{"string", "number"}}},
						"include_missing": map[string]any{"type": "boolean", "description": "for gt/gte/lt/lte: also keep members with no value (never bought)"},
					},
					"required": []string{"dimension", "op", "values"},
				}},
				"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": semantic.MaxExportRows},
			},
			"required": []string{"audience"},
		}
		tools = append(tools, ToolSpec{Name: "member_list", Description: "List or export the members who match (one row per member), as of the end of time_range.", Parameters: list})
	}
	return tools
}

// audiences are the model's audiences the asker may list (a region
// manager's rule cannot be told for members: no list, not even offered).
func (l *LLMTranslator) audiences(in translateInput) []*semantic.Audience {
	var out []*semantic.Audience
	for _, a := range l.Model.Audiences {
		if _, err := semantic.CompileList(l.Model, &semantic.Query{List: a.Name}, semantic.CompileOptions{Access: in.scope.access()}); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// listArgs is the shape of a member_list call.
type listArgs struct {
	Audience   string   `json:"audience"`
	Dimensions []string `json:"dimensions"`
	TimeRange  string   `json:"time_range"`
	Filters    []struct {
		Dimension      string `json:"dimension"`
		Op             string `json:"op"`
		Values         []any  `json:"values"`
		IncludeMissing bool   `json:"include_missing"`
	} `json:"filters"`
	Limit int `json:"limit"`
}

// toList maps member_list arguments to a list query.
func (in translateInput) toList(a listArgs) (*semantic.Query, error) {
	q := &semantic.Query{List: a.Audience, Dimensions: a.Dimensions, Limit: a.Limit}
	if a.TimeRange != "" && a.TimeRange != rangeAll {
		r, ok := in.ranges[a.TimeRange]
		if !ok {
			return nil, &semantic.Error{Path: "time_range", Code: semantic.CodeBadTimeRange,
				Message: fmt.Sprintf("time_range %q is not one of the candidates", a.TimeRange)}
		}
		q.Time = &semantic.Time{Range: r}
	}
	for _, f := range a.Filters {
		vals := slices.Clone(f.Values)
		if f.IncludeMissing && len(vals) == 1 {
			vals = append(vals, nil)
		}
		q.Filters = append(q.Filters, semantic.Filter{Dimension: f.Dimension, Op: f.Op, Values: vals})
	}
	for i := range q.Filters {
		// JSON numbers arrive as float64; whole numbers compare as integers.
		for j, v := range q.Filters[i].Values {
			if x, ok := v.(float64); ok && x == float64(int64(x)) {
				q.Filters[i].Values[j] = int64(x)
			}
		}
	}
	return q, nil
}

// toolArgs is the shape of a semantic_query call.
type toolArgs struct {
	Metrics    []string `json:"metrics"`
	Dimensions []string `json:"dimensions"`
	TimeRange  string   `json:"time_range"`
	Grain      string   `json:"grain"`
	Filters    []struct {
		Dimension string   `json:"dimension"`
		Op        string   `json:"op"`
		Values    []string `json:"values"`
	} `json:"filters"`
	MetricFilters []struct {
		Metric string  `json:"metric"`
		Op     string  `json:"op"`
		Value  float64 `json:"value"`
	} `json:"metric_filters"`
	Compare string   `json:"compare"`
	Share   []string `json:"share"`
	OrderBy *struct {
		Metric string `json:"metric"`
		Desc   bool   `json:"desc"`
	} `json:"order_by"`
	Limit int `json:"limit"`
}

type clarifyArgs struct {
	Message string   `json:"message"`
	Options []string `json:"options"`
	Reason  string   `json:"reason"`
}

// toQuery maps tool arguments to a semantic query, resolving the time range
// candidate to dates in Go.
func (in translateInput) toQuery(a toolArgs) (*semantic.Query, error) {
	q := &semantic.Query{Metrics: a.Metrics, Dimensions: a.Dimensions, Compare: a.Compare, Share: a.Share, Limit: a.Limit}
	switch a.TimeRange {
	case "", rangeAll:
	default:
		r, ok := in.ranges[a.TimeRange]
		if !ok {
			return nil, &semantic.Error{Path: "time_range", Code: semantic.CodeBadTimeRange,
				Message: fmt.Sprintf("time_range %q is not one of the candidates", a.TimeRange)}
		}
		q.Time = &semantic.Time{Range: r}
	}
	if a.Grain != "" {
		if q.Time == nil {
			q.Time = &semantic.Time{}
		}
		q.Time.Grain = a.Grain
	}
	for _, f := range a.Filters {
		vals := make([]any, len(f.Values))
		for i, v := range f.Values {
			vals[i] = v
		}
		q.Filters = append(q.Filters, semantic.Filter{Dimension: f.Dimension, Op: f.Op, Values: vals})
	}
	for _, f := range a.MetricFilters {
		q.Filters = append(q.Filters, semantic.Filter{Metric: f.Metric, Op: f.Op, Values: []any{f.Value}})
	}
	if a.OrderBy != nil && a.OrderBy.Metric != "" {
		q.Order = []semantic.OrderBy{{By: a.OrderBy.Metric, Desc: a.OrderBy.Desc}}
	}
	return q, nil
}

// Translate asks the model for a query. A query that fails validation goes
// back once with the errors; a second failure becomes a clarification. A
// query that passed validation is returned as the model wrote it.
// history holds the conversation's earlier questions, oldest first.
// scope (nil for everything) limits what the prompt and tools hold, and the
// query is validated under it.
func (l *LLMTranslator) Translate(ctx context.Context, question string, prev *semantic.Query, asOf semantic.Date, scope *Scope, history ...string) (*Translation, error) {
	in := l.input(question, prev, asOf)
	in.history, in.scope = history, scope
	msgs, tools, err := l.prompt(in)
	if err != nil {
		return nil, err
	}
	t := &Translation{Lang: in.lang}
	for round := 0; round < 2; round++ {
		purpose := "translate"
		if round == 1 {
			purpose = "repair"
		}
		res, err := l.call(ctx, ChatRequest{Purpose: purpose, Messages: msgs, Tools: tools, ToolChoice: "required"}, nil)
		if err != nil {
			return nil, err
		}
		if len(res.ToolCalls) == 0 {
			return nil, fmt.Errorf("%w: no tool call (content %.80q)", ErrLLMGarbage, res.Content)
		}
		call := res.ToolCalls[0]
		switch call.Name {
		case "ask_clarification":
			var c clarifyArgs
			if err := json.Unmarshal([]byte(call.Arguments), &c); err != nil || c.Message == "" {
				return nil, fmt.Errorf("%w: bad clarification arguments", ErrLLMGarbage)
			}
			t.Clarify = &Clarification{Message: c.Message}
			for _, o := range c.Options {
				t.Clarify.Options = append(t.Clarify.Options, Option{Label: o, Question: o})
			}
			return t, nil
		case "semantic_query":
		case "member_list":
			var la listArgs
			dec := json.NewDecoder(strings.NewReader(call.Arguments))
			dec.DisallowUnknownFields()
			var verr error
			if err := dec.Decode(&la); err != nil {
				verr = &semantic.Error{Code: semantic.CodeBadJSON, Message: "the arguments are not valid JSON for member_list: " + err.Error()}
			} else if q, err := in.toList(la); err != nil {
				verr = err
			} else if _, err := semantic.CompileList(l.Model, q, semantic.CompileOptions{AsOf: asOf, Access: scope.access()}); err != nil {
				var list semantic.ErrorList
				if errors.As(err, &list) && !slices.ContainsFunc(list, func(e *semantic.Error) bool { return e.Code != semantic.CodeNotPermitted }) {
					t.Query = q // the engine refuses it with the reason
					return t, nil
				}
				verr = err
			} else {
				t.Query = q
				return t, nil
			}
			if round == 1 {
				t.Clarify = &Clarification{Message: msg(in.lang, "没能把问题准确转换成名单查询：", "I could not turn that into a valid list: ") + verr.Error()}
				return t, nil
			}
			feedback, _ := json.Marshal(map[string]any{"valid": false, "errors": errorsOf(verr)})
			msgs = append(msgs,
				ChatMessage{Role: "assistant", ToolCalls: []ToolCall{call}},
				ChatMessage{Role: "tool", ToolCallID: call.ID, Content: string(feedback)})
			continue
		default:
			return nil, fmt.Errorf("%w: unknown tool %q", ErrLLMGarbage, call.Name)
		}
		var verr error
		var args toolArgs
		dec := json.NewDecoder(strings.NewReader(call.Arguments))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&args); err != nil {
			verr = &semantic.Error{Code: semantic.CodeBadJSON, Message: "the arguments are not valid JSON for semantic_query: " + err.Error()}
		} else if q, err := in.toQuery(args); err != nil {
			verr = err
		} else if _, err := semantic.Compile(l.Model, q, semantic.CompileOptions{AsOf: asOf, Access: scope.access()}); err != nil {
			verr = err
		} else {
			t.Query = q
			return t, nil
		}
		var list semantic.ErrorList
		var se *semantic.Error
		if !errors.As(verr, &list) && !errors.As(verr, &se) {
			return nil, verr
		}
		if q, err := in.toQuery(args); err == nil && len(list) > 0 && !slices.ContainsFunc(list, func(e *semantic.Error) bool {
			return e.Code != semantic.CodeNotPermitted
		}) {
			// Only what the asker may not see is wrong: no repair can help,
			// and the engine refuses it with a clear note.
			t.Query = q
			return t, nil
		}
		if round == 1 {
			t.Clarify = &Clarification{Message: msg(in.lang, "没能把问题准确转换成查询：", "I could not turn that into a valid query: ") + verr.Error()}
			if list != nil && len(list[0].Suggestions) > 0 {
				for _, s := range list[0].Suggestions {
					t.Clarify.Options = append(t.Clarify.Options, Option{Label: s, Question: question + " (" + s + ")"})
				}
			}
			return t, nil
		}
		// One repair round: the model sees exactly the validation errors.
		feedback, _ := json.Marshal(map[string]any{"valid": false, "errors": errorsOf(verr)})
		msgs = append(msgs,
			ChatMessage{Role: "assistant", ToolCalls: []ToolCall{call}},
			ChatMessage{Role: "tool", ToolCallID: call.ID, Content: string(feedback)})
	}
	return t, nil
}

func errorsOf(err error) any {
	var list semantic.ErrorList
	var se *semantic.Error
	switch {
	case errors.As(err, &list):
		return list
	case errors.As(err, &se):
		return []*semantic.Error{se}
	}
	return []string{err.Error()}
}

func (l *LLMTranslator) call(ctx context.Context, req ChatRequest, onDelta func(string)) (*ChatResponse, error) {
	start := time.Now()
	res, err := l.Chat.Chat(ctx, req, onDelta)
	if l.OnCall != nil {
		c := LLMCall{Purpose: req.Purpose, Latency: time.Since(start), Err: err}
		if res != nil {
			c.PromptTokens, c.CompletionTokens = res.PromptTokens, res.CompletionTokens
		}
		l.OnCall(c)
	}
	return res, err
}
