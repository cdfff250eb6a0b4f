// Package onlineretail tests the Online Retail example: the README's
// import of the real CSV, the example model, and its question set with
// hand-written gold SQL, scored as the other sets are.
package onlineretail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// CSV is the Online Retail export; WENSHU_ONLINE_RETAIL may point elsewhere.
func CSV(t testing.TB) string {
	t.Helper()
	p := os.Getenv("WENSHU_ONLINE_RETAIL")
	if p == "" {
		p = "../../../shared/data/online-retail/online_retail.csv.gz"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the Online Retail export is missing (%v): set WENSHU_ONLINE_RETAIL or put shared/ beside the checkout", err)
	}
	return p
}

func TestOnlineRetailQuestions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "retail.duckdb")
	raw, err := duckdb.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The README's first command: wenshu import --db FILE --table lines online_retail.csv.gz
	if _, err := ingest.Import(ctx, raw, ingest.Options{Table: "lines"}, CSV(t)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	data, err := os.ReadFile("model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := semantic.ParseModel("model.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckModel(ctx, m, semantic.CompileOptions{}); err != nil {
		t.Fatal(err)
	}
	values, err := nlq.LoadValues(ctx, m, db)
	if err != nil {
		t.Fatal(err)
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db, Conversations: nlq.NewMemoryConversations()}
	qdata, err := os.ReadFile("questions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := nlq.ParseQuestions(qdata)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 20 {
		t.Fatalf("%d questions, want at least 20", len(qs))
	}
	results, err := nlq.Evaluate(ctx, e, db, qs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	acc := nlq.PrintEval(&b, results)
	t.Log(b.String())
	if acc < 0.95 {
		t.Errorf("accuracy %.1f%% is below 95%%", acc*100)
	}
	// Money is in pounds.
	ans, err := e.Ask(ctx, nlq.AskRequest{Question: "total sales in 2011"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans.Answer, "£") || strings.Contains(ans.Answer, "¥") {
		t.Errorf("the answer is not in pounds: %q", ans.Answer)
	}
}
