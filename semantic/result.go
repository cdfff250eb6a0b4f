package semantic

// Result is the answer to a query: its columns and rows. Time buckets are
// "2006-01-02" strings, numbers are float64 or int64, NULL is nil.
type Result struct {
	Columns   []Column `json:"columns"`
	Rows      [][]any  `json:"rows"`
	Truncated bool     `json:"truncated,omitempty"`
}
