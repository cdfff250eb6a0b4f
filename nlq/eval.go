package nlq

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/resultcmp"
)

// EvalQuestion is one entry of a question file (shared/eval/dev.yaml format).
type EvalQuestion struct {
	ID     string   `yaml:"id"`
	Q      string   `yaml:"q"`
	Turns  []string `yaml:"turns"`
	SQL    string   `yaml:"sql"`
	Expect string   `yaml:"expect"`
}

// ParseQuestions reads a question file.
func ParseQuestions(data []byte) ([]EvalQuestion, error) {
	var qs []EvalQuestion
	if err := yaml.Unmarshal(data, &qs); err != nil {
		return nil, fmt.Errorf("question file: %w", err)
	}
	for i, q := range qs {
		if q.ID == "" || q.Q == "" && len(q.Turns) == 0 || q.SQL == "" && q.Expect != "refuse" {
			return nil, fmt.Errorf("question file: entry %d (%q) needs id, q or turns, and sql or expect: refuse", i+1, q.ID)
		}
	}
	return qs, nil
}

// SQLRunner runs gold SQL (semantic/duckdb's DB satisfies it).
type SQLRunner interface {
	Query(ctx context.Context, query string, args ...any) ([]string, [][]any, bool, error)
}

// EvalResult is the outcome of one question.
type EvalResult struct {
	ID     string
	OK     bool
	Reason string
	Answer *Answer
}

// Evaluate asks every question (each in a new conversation, turn by turn)
// and scores the last answer: right when its rows hold the gold rows, or,
// for expect: refuse, when it gives a clarification or refusal and no numbers.
func Evaluate(ctx context.Context, e *Engine, gold SQLRunner, qs []EvalQuestion) ([]EvalResult, error) {
	same := sameFunc(e.Model)
	var out []EvalResult
	for _, q := range qs {
		turns := q.Turns
		if len(turns) == 0 {
			turns = []string{q.Q}
		}
		conv := NewConversationID()
		var ans *Answer
		var err error
		for _, t := range turns {
			ans, err = e.Ask(ctx, AskRequest{Question: t, ConversationID: conv}, nil)
			if err != nil {
				break
			}
		}
		r := EvalResult{ID: q.ID, Answer: ans}
		switch {
		case err != nil:
			r.Reason = "error: " + err.Error()
		case q.Expect == "refuse":
			r.OK = len(ans.Rows) == 0 && (ans.Clarification != nil || ans.Refusal != nil || len(ans.Definitions) > 0)
			if !r.OK {
				r.Reason = "answered with numbers instead of refusing"
			}
		case len(ans.Rows) == 0:
			r.Reason = "no rows: " + ans.Answer
		case ans.List != nil:
			// A list is right when the whole list (not only the rows shown)
			// is the gold list, member for member.
			_, want, _, gerr := gold.Query(ctx, q.SQL)
			if gerr != nil {
				return nil, fmt.Errorf("%s: gold SQL: %w", q.ID, gerr)
			}
			r.Reason = e.checkList(ctx, ans, want, same)
			r.OK = r.Reason == ""
		default:
			_, want, _, gerr := gold.Query(ctx, q.SQL)
			if gerr != nil {
				return nil, fmt.Errorf("%s: gold SQL: %w", q.ID, gerr)
			}
			if cerr := resultcmp.Contains(ans.Rows, want, resultcmp.Options{Same: same}); cerr != nil {
				r.Reason = cerr.Error()
			} else {
				r.OK = true
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// sameFunc treats a dimension value, its labels and its synonyms as equal.
func sameFunc(m *semantic.Model) func(a, b string) bool {
	canon := map[string]string{}
	for _, d := range m.Dimensions {
		for _, v := range d.Values {
			for _, w := range append([]string{v.Value, v.Zh, v.En}, v.Synonyms...) {
				if w != "" {
					canon[strings.ToLower(w)] = d.Name + "=" + v.Value
				}
			}
		}
	}
	return func(a, b string) bool {
		ca, ok1 := canon[strings.ToLower(a)]
		cb, ok2 := canon[strings.ToLower(b)]
		return ok1 && ok2 && ca == cb
	}
}

// PrintEval writes the misses and the accuracy.
func PrintEval(w io.Writer, results []EvalResult) float64 {
	ok := 0
	for _, r := range results {
		if r.OK {
			ok++
			continue
		}
		reading := ""
		if r.Answer != nil && r.Answer.Reading != nil {
			reading = r.Answer.Reading.Text
		}
		fmt.Fprintf(w, "MISS %s: %s\n     read as: %s\n", r.ID, r.Reason, reading)
	}
	acc := 0.0
	if len(results) > 0 {
		acc = float64(ok) / float64(len(results))
	}
	fmt.Fprintf(w, "accuracy: %d/%d = %.1f%%\n", ok, len(results), acc*100)
	return acc
}

// checkList compares an answer's whole list with the gold rows.
func (e *Engine) checkList(ctx context.Context, ans *Answer, want [][]any, same func(a, b string) bool) string {
	q := ans.Query.Clone()
	if q.Limit == 0 {
		q.Limit = e.ExportLimit()
	}
	lp, err := semantic.CompileList(e.Model, q, e.CompileOptions(e.asOf(AskRequest{}), nil))
	if err != nil {
		return "list: " + err.Error()
	}
	res, err := e.Runner.Run(ctx, lp.Plan)
	if err != nil {
		return "list: " + err.Error()
	}
	if ans.List.Total != int64(len(want)) {
		return fmt.Sprintf("the answer counts %d members, the gold list has %d", ans.List.Total, len(want))
	}
	if len(res.Rows) != len(want) {
		return fmt.Sprintf("the list has %d rows, the gold list %d", len(res.Rows), len(want))
	}
	// Members are matched by their key (the first column of both), then
	// the gold row's other values within that member's row.
	byKey := map[string][]any{}
	for _, r := range res.Rows {
		byKey[fmt.Sprint(r[0])] = r
	}
	for _, g := range want {
		if len(g) == 0 {
			continue
		}
		row, ok := byKey[fmt.Sprint(g[0])]
		if !ok {
			return fmt.Sprintf("list: gold member %v is not in the list", g[0])
		}
		if err := resultcmp.Contains([][]any{row}, [][]any{g}, resultcmp.Options{Same: same}); err != nil {
			return fmt.Sprintf("list: member %v: %v", g[0], err)
		}
	}
	return ""
}
