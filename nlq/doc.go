// Package nlq is Wenshu's ask pipeline: it turns a question into a semantic
// query and the result into an answer. Time expressions are resolved in Go
// against as_of; words are linked to the model's metrics, dimensions and
// values (from the model and the data, never from code); the rules
// translator reads the question offline, and an LLM translator may take
// the long tail; conversations keep the previous query so follow-ups change
// it; a narrative explains the result using only its numbers.
package nlq
