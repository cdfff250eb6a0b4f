package nlq_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// TestSecondModel answers questions about a library with the same code: the
// vocabulary comes from testdata/library.yaml and the branch names from the data.
func TestSecondModel(t *testing.T) {
	src, err := os.ReadFile("testdata/library.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := semantic.ParseModel("library.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "library.duckdb")
	w, err := duckdb.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Exec(`
		CREATE TABLE branches AS SELECT * FROM (VALUES (1, '东湖分馆'), (2, '西城分馆')) t(branch_id, name);
		CREATE TABLE books AS SELECT * FROM (VALUES (1, 'scifi'), (2, 'history'), (3, 'scifi')) t(book_id, genre);
		CREATE TABLE loans AS SELECT * FROM (VALUES
			(1, 1, 1, 10, TIMESTAMP '2025-05-03 10:00', DATE '2025-05-17', TIMESTAMP '2025-05-20 09:00'),
			(2, 2, 1, 11, TIMESTAMP '2025-05-10 10:00', DATE '2025-05-24', TIMESTAMP '2025-05-21 09:00'),
			(3, 3, 2, 10, TIMESTAMP '2025-05-11 10:00', DATE '2025-05-25', NULL),
			(4, 1, 2, 12, TIMESTAMP '2025-06-02 10:00', DATE '2025-06-16', TIMESTAMP '2025-06-10 09:00')
		) t(loan_id, book_id, branch_id, reader_id, borrowed_at, due_at, returned_at);`)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	db, err := duckdb.Open(path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db, Conversations: nlq.NewMemoryConversations()}
	tests := []struct {
		q       string
		metrics []string
		dims    []string
		rows    [][]any
	}{
		{"上个月各分馆的借阅量", []string{"loans"}, []string{"branch"}, [][]any{{"东湖分馆", int64(2)}, {"西城分馆", int64(1)}}},
		// Both May loans of science fiction came back late or not at all.
		{"5月科幻小说的逾期率", []string{"overdue_rate"}, nil, [][]any{{1.0}}},
		{"readers by genre last month", []string{"readers"}, []string{"genre"}, [][]any{{"history", int64(1)}, {"scifi", int64(1)}}},
		{"东湖分馆今年的借书量", []string{"loans"}, nil, [][]any{{int64(2)}}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: tt.q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Query == nil {
				t.Fatalf("no query: %s", ans.Answer)
			}
			if !slices.Equal(ans.Query.Metrics, tt.metrics) || !slices.Equal(ans.Query.Dimensions, tt.dims) {
				t.Errorf("read as %+v", ans.Query)
			}
			if len(ans.Rows) != len(tt.rows) {
				t.Fatalf("rows = %v, want %v", ans.Rows, tt.rows)
			}
			for i, row := range tt.rows {
				for j, v := range row {
					if ans.Rows[i][j] != v {
						t.Errorf("row %d = %v, want %v", i, ans.Rows[i], row)
					}
				}
			}
		})
	}
}
