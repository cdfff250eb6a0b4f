package semantic

import (
	"fmt"
	"strings"
)

// Error codes of query validation. Callers branch on them (the LLM repair
// round, HTTP status mapping), so they are stable strings.
const (
	CodeBadJSON          = "bad_json"
	CodeEmptyQuery       = "empty_query"
	CodeUnknownMetric    = "unknown_metric"
	CodeUnknownDimension = "unknown_dimension"
	CodeUnreachable      = "unreachable_dimension"
	CodeBadTimeRange     = "bad_time_range"
	CodeBadGrain         = "bad_grain"
	CodeBadFilter        = "bad_filter"
	CodeBadCompare       = "bad_compare"
	CodeBadOrder         = "bad_order"
	CodeBadLimit         = "bad_limit"
	CodeBadShare         = "bad_share"
	CodeDuplicate        = "duplicate"
	CodeUnknownAudience  = "unknown_audience"
	CodeBadList          = "bad_list"
	// Access: what the asker's role may not see, or cannot be resolved.
	CodeNotPermitted     = "not_permitted"
	CodeUnknownRole      = "unknown_role"
	CodeMissingAttribute = "missing_attribute"
)

// Error is one problem with a query: where it is (a JSON path such as
// "metrics[1]"), a stable code, a message for people and, for unknown names,
// the closest valid names.
type Error struct {
	Path        string   `json:"path,omitempty"`
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	Suggestions []string `json:"suggestions,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	switch {
	case len(e.Suggestions) == 0:
	case e.Code == CodeUnreachable:
		fmt.Fprintf(&b, " (it can be split by %s)", strings.Join(e.Suggestions, ", "))
	default:
		fmt.Fprintf(&b, " (did you mean %s?)", strings.Join(e.Suggestions, ", "))
	}
	return b.String()
}

// ErrorList holds every problem found in one query, so that a translator can
// repair them all in one round.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.As find an individual *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

func (l *ErrorList) add(path, code, format string, args ...any) *Error {
	e := &Error{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
	*l = append(*l, e)
	return e
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// ModelError is a problem in a model file: the file, the line, the element
// (such as "metrics.sales") and what is wrong.
type ModelError struct {
	File    string
	Line    int
	Element string
	Message string
}

func (e *ModelError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Element != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Element, e.Message)
	}
	return fmt.Sprintf("%s: %s", loc, e.Message)
}

// ModelErrors lists every problem found in a model file.
type ModelErrors []*ModelError

func (l ModelErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}
