package nlq_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// TestDevSetAccuracy asks every question of the public development set and
// scores the answers against its gold SQL; it fails below 95%.
func TestDevSetAccuracy(t *testing.T) {
	data, err := os.ReadFile("../testdata/eval/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := nlq.ParseQuestions(data)
	if err != nil {
		t.Fatal(err)
	}
	rules, m := retailRules(t)
	db := datasetstest.Open(t)
	e := &nlq.Engine{Model: m, Rules: rules, Runner: db, Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}
	results, err := nlq.Evaluate(context.Background(), e, db, qs)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	acc := nlq.PrintEval(&out, results)
	t.Log(out.String())
	if acc < 0.95 {
		t.Fatalf("accuracy %.1f%% is below 95%%", acc*100)
	}
}

func TestParseQuestionsRejectsIncompleteEntries(t *testing.T) {
	for _, bad := range []string{"- {id: x}", "- {id: x, q: hi}", "- {q: hi, sql: SELECT 1}", "not: a list"} {
		if _, err := nlq.ParseQuestions([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
