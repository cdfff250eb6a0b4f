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

// TestQuestionSetAccuracy asks every question of the public development set
// (a copy of shared/eval/dev.yaml) and of this project's own extra set, and
// scores the answers against their gold SQL; it fails below 95%.
func TestQuestionSetAccuracy(t *testing.T) {
	rules, m := retailRules(t)
	db := datasetstest.Open(t)
	for _, file := range []string{"../testdata/eval/dev.yaml", "../testdata/eval/extra.yaml", "../testdata/eval/families.yaml", "../testdata/eval/loyalty.yaml"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			qs, err := nlq.ParseQuestions(data)
			if err != nil {
				t.Fatal(err)
			}
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
		})
	}
}

func TestParseQuestionsRejectsIncompleteEntries(t *testing.T) {
	for _, bad := range []string{"- {id: x}", "- {id: x, q: hi}", "- {q: hi, sql: SELECT 1}", "not: a list"} {
		if _, err := nlq.ParseQuestions([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
