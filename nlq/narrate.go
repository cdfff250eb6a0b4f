package nlq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/wenshu-bi/wenshu/semantic"
)

// MaxNarrativeRows caps the rows shown to the model for a narrative.
const MaxNarrativeRows = 50

// Narrate streams an explanation of the result from the model, a sentence
// at a time. Each sentence is checked before it is sent: every number in it
// must be a value of the result or derived from values of the result (a
// percentage, a difference, a ratio). The first sentence that fails ends the
// model's narrative; ok is false when nothing usable was said, so the caller
// falls back to the template narrative.
func (l *LLMTranslator) Narrate(ctx context.Context, question string, reading Reading, res *semantic.Result, lang string, emit func(string)) (text string, ok bool, err error) {
	msgs, err := l.narrativeMessages(question, reading, res, lang)
	if err != nil {
		return "", false, err
	}
	check := newNumberCheck(res, reading)
	var pending, said strings.Builder
	failed := false
	flush := func(final bool) {
		for !failed {
			s := pending.String()
			end := sentenceEnd(s, final)
			if end < 0 {
				return
			}
			sentence := s[:end]
			rest := s[end:]
			pending.Reset()
			pending.WriteString(rest)
			if bad := check.unsupported(sentence); bad != "" {
				failed = true
				return
			}
			said.WriteString(sentence)
			emit(sentence)
		}
	}
	_, err = l.call(ctx, ChatRequest{Purpose: "narrative", Messages: msgs, Temperature: 0.2}, func(delta string) {
		pending.WriteString(delta)
		flush(false)
	})
	flush(true)
	text = strings.TrimSpace(said.String())
	return text, text != "", err
}

func (l *LLMTranslator) narrativeMessages(question string, reading Reading, res *semantic.Result, lang string) ([]ChatMessage, error) {
	var cols []string
	for _, c := range res.Columns {
		cols = append(cols, fmt.Sprintf("%s (%s, %s%s)", c.Name, c.Title.In(lang), c.Role, map[bool]string{true: ", " + c.Unit, false: ""}[c.Unit != ""]))
	}
	rows := res.Rows
	if len(rows) > MaxNarrativeRows {
		rows = rows[:MaxNarrativeRows]
	}
	var rb strings.Builder
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil { // a value JSON cannot hold (NaN): show it as Go prints it
			b = []byte(fmt.Sprint(r))
		}
		rb.Write(b)
		rb.WriteByte('\n')
	}
	data := map[string]any{
		"LangName": msg(lang, "中文", "English"), "Question": question, "Reading": reading.Text,
		"Columns": strings.Join(cols, "; "), "Rows": rb.String(), "MaxRows": MaxNarrativeRows, "RowCount": len(res.Rows),
	}
	var buf bytes.Buffer
	if err := narrativePrompt.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("narrative prompt %s: %w", PromptVersion, err)
	}
	return []ChatMessage{{Role: "system", Content: buf.String()}, {Role: "user", Content: msg(lang, "请解释这个结果。", "Explain this result.")}}, nil
}

// sentenceEnd finds the end of the first complete sentence in s, or -1.
// At the end of the stream the rest is a sentence.
func sentenceEnd(s string, final bool) int {
	for i, r := range s {
		switch r {
		case '。', '！', '？', '；', '\n':
			return i + len(string(r))
		case '.', '!', '?', ';':
			next := i + 1
			if next == len(s) && !final {
				return -1 // a decimal point may follow
			}
			if next == len(s) || s[next] == ' ' || s[next] == '\n' {
				return next
			}
		}
	}
	if final && strings.TrimSpace(s) != "" {
		return len(s)
	}
	return -1
}

// numberCheck knows which numbers a narrative may state.
type numberCheck struct {
	values []float64
}

var numRE = regexp.MustCompile(`-?\d[\d,]*(?:\.\d+)?\s*(%|％|万|亿|k\b|m\b|bn\b)?`)

func newNumberCheck(res *semantic.Result, reading Reading) *numberCheck {
	c := &numberCheck{}
	add := func(v float64) { c.values = append(c.values, v, math.Abs(v)) }
	rows := res.Rows
	if len(rows) > MaxNarrativeRows {
		rows = rows[:MaxNarrativeRows]
	}
	add(float64(len(res.Rows)))
	for j := range res.Columns {
		var col []float64
		for _, r := range rows {
			if f, ok := toFloat(r[j]); ok {
				col = append(col, f)
				add(f)
				add(f * 100)
			} else if r[j] != nil {
				for _, m := range numRE.FindAllString(fmt.Sprint(r[j]), -1) {
					if f, ok := parseNum(m); ok {
						add(f)
					}
				}
			}
		}
		for a := range col {
			for b := range col {
				if a == b {
					continue
				}
				add(col[a] - col[b])
				if col[b] != 0 {
					add(col[a] / col[b])
					add((col[a] - col[b]) / col[b] * 100)
					add(col[a] / col[b] * 100)
				}
			}
		}
		sum := 0.0
		for _, v := range col {
			sum += v
		}
		add(sum)
		for _, v := range col {
			if sum != 0 {
				add(v / sum * 100)
			}
		}
	}
	// Numbers across columns of one row (a metric and its previous value).
	for _, r := range rows {
		for a := range r {
			for b := range r {
				fa, ok1 := toFloat(r[a])
				fb, ok2 := toFloat(r[b])
				if a != b && ok1 && ok2 {
					add(fa - fb)
					if fb != 0 {
						add((fa - fb) / fb * 100)
					}
				}
			}
		}
	}
	for _, m := range numRE.FindAllString(reading.Text, -1) {
		if f, ok := parseNum(m); ok {
			add(f)
		}
	}
	return c
}

func parseNum(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	for _, suf := range []string{"%", "％", "万", "亿", "k", "m", "bn"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suf))
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return f, err == nil
}

// unsupported returns the first number of text the result does not hold.
func (c *numberCheck) unsupported(text string) string {
	for _, m := range numRE.FindAllString(text, -1) {
		raw := strings.TrimSpace(m)
		f, ok := parseNum(raw)
		if !ok {
			continue
		}
		scale := 1.0
		switch {
		case strings.HasSuffix(raw, "万"):
			scale = 1e4
		case strings.HasSuffix(raw, "亿"):
			scale = 1e8
		case strings.HasSuffix(raw, "k"):
			scale = 1e3
		case strings.HasSuffix(raw, "m"):
			scale = 1e6
		case strings.HasSuffix(raw, "bn"):
			scale = 1e9
		}
		decimals := 0
		if i := strings.IndexByte(raw, '.'); i >= 0 {
			for _, r := range raw[i+1:] {
				if r < '0' || r > '9' {
					break
				}
				decimals++
			}
		}
		// A stated number may be rounded to the digits it shows.
		tol := 0.5 * math.Pow10(-decimals) * scale
		v := f * scale
		found := false
		for _, x := range c.values {
			if math.Abs(x-v) <= tol+1e-9 || math.Abs(x-v) <= 1e-3*math.Abs(x) {
				found = true
				break
			}
		}
		if !found {
			return raw
		}
	}
	return ""
}
