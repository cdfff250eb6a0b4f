package nlq

import (
	"sort"
	"sync"
	"time"

	"github.com/wenshu-bi/wenshu/semantic"
)

// Example is a confirmed question→query pair: a user marked the answer
// right, or an admin added it.
type Example struct {
	Question string          `json:"question"`
	Query    *semantic.Query `json:"query"`
	Source   string          `json:"source"` // user or admin
	At       time.Time       `json:"at"`
	// AsOf is the as-of date the example was confirmed on: its relative
	// time (上个月, the default range) is resolved again on each reuse.
	AsOf semantic.Date `json:"as_of,omitzero"`
}

// Rebase returns the example's query for a question asked as of asOf: time
// words of the question (上个月) are resolved again, and a range that was
// the default when it was confirmed becomes today's default; a range the
// question's words do not explain (an admin's explicit dates) is kept.
func (e *Example) Rebase(r *Rules, asOf semantic.Date) *semantic.Query {
	q := e.Query.Clone()
	if q.Time == nil || q.Time.Range == nil {
		return q
	}
	now := ResolveTime(normalize(e.Question), asOf)
	if now.Range != nil {
		q.Time.Range = now.Range
		return q
	}
	if e.AsOf.IsZero() {
		return q
	}
	if then := r.defaultRange(q, e.AsOf); then != nil && *then == *q.Time.Range {
		q.Time.Range = r.defaultRange(q, asOf)
	}
	return q
}

// Examples retrieves confirmed pairs: an exact repeat skips the LLM, similar
// ones go into its prompt.
type Examples interface {
	Exact(question string) *Example
	Similar(question string, n int) []Example
}

// ExampleIndex is an in-memory index of examples (the server loads it from
// its store and adds to both).
type ExampleIndex struct {
	mu    sync.RWMutex
	items []Example
	grams []map[string]bool
	exact map[string]int
}

// NewExampleIndex indexes examples.
func NewExampleIndex(items []Example) *ExampleIndex {
	x := &ExampleIndex{exact: map[string]int{}}
	for _, e := range items {
		x.Add(e)
	}
	return x
}

// Add indexes one more example; a newer pair for the same question wins.
func (x *ExampleIndex) Add(e Example) {
	x.mu.Lock()
	defer x.mu.Unlock()
	key := normalize(e.Question)
	if i, ok := x.exact[key]; ok {
		x.items[i] = e
		return
	}
	x.exact[key] = len(x.items)
	x.items = append(x.items, e)
	x.grams = append(x.grams, bigrams(key))
}

// Len is the number of examples.
func (x *ExampleIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.items)
}

// Exact returns the example for the same question (after normalization).
func (x *ExampleIndex) Exact(question string) *Example {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if i, ok := x.exact[normalize(question)]; ok {
		e := x.items[i]
		e.Query = e.Query.Clone()
		return &e
	}
	return nil
}

// Similar returns up to n examples sharing the most character bigrams.
func (x *ExampleIndex) Similar(question string, n int) []Example {
	x.mu.RLock()
	defer x.mu.RUnlock()
	g := bigrams(normalize(question))
	type scored struct {
		i     int
		score float64
	}
	var s []scored
	for i, h := range x.grams {
		inter := 0
		for k := range g {
			if h[k] {
				inter++
			}
		}
		if inter == 0 {
			continue
		}
		s = append(s, scored{i, float64(inter) / float64(len(g)+len(h)-inter)})
	}
	sort.SliceStable(s, func(a, b int) bool { return s[a].score > s[b].score })
	var out []Example
	for _, sc := range s {
		if len(out) == n {
			break
		}
		out = append(out, x.items[sc.i])
	}
	return out
}

func bigrams(s string) map[string]bool {
	rs := []rune(s)
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		if rs[i] != ' ' || rs[i+1] != ' ' {
			out[string(rs[i:i+2])] = true
		}
	}
	if len(rs) == 1 {
		out[s] = true
	}
	return out
}
