package nlq_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// TestTruncatedAnswer: when the row cap cuts a result, the highest, lowest
// and the number of groups the answer states are those of the whole
// result (checked with hand-written SQL), and the cut is said.
func TestTruncatedAnswer(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	path := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	db, err := duckdb.Open(path, duckdb.Options{MaxRows: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db,
		Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}
	// 600 products, 40 rows read: the lowest and the count are not in them.
	ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: "今年各商品的销量"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Truncated || len(ans.Rows) != 40 {
		t.Fatalf("want a cut result of 40 rows, got %d (truncated %v)", len(ans.Rows), ans.Truncated)
	}
	gold := `SELECT p.product_name, sum(i.quantity) AS u FROM order_items i JOIN orders o ON o.order_id = i.order_id
		JOIN products p ON p.product_id = i.product_id
		WHERE o.status = 'completed' AND o.order_time >= '2025-01-01' AND o.order_time < '2026-01-01' GROUP BY 1`
	_, n, _, err := db.Query(context.Background(), "SELECT count(*) FROM ("+gold+")")
	if err != nil {
		t.Fatal(err)
	}
	// Products tied at the top or the bottom all qualify.
	_, top, _, _ := db.Query(context.Background(), "SELECT product_name, u FROM ("+gold+") WHERE u = (SELECT max(u) FROM ("+gold+"))")
	_, bottom, _, _ := db.Query(context.Background(), "SELECT product_name, u FROM ("+gold+") WHERE u = (SELECT min(u) FROM ("+gold+"))")
	total := n[0][0].(int64)
	if ans.TotalRows != int(total) {
		t.Errorf("total rows %d, want %d", ans.TotalRows, total)
	}
	named := func(rows [][]any) bool {
		for _, r := range rows {
			if strings.Contains(ans.Answer, fmt.Sprint(r[0], "（", r[1], "）")) {
				return true
			}
		}
		return false
	}
	if !named(top) || !named(bottom) || !strings.Contains(ans.Answer, "共 "+strconv.FormatInt(total, 10)+" 组") {
		t.Errorf("the answer %q does not state the whole result's highest %v, lowest %v and %d groups", ans.Answer, top, bottom, total)
	}
	// The rows read are not the extremes: a narrative from them would differ.
	if note := strings.Join(ans.Notes, " "); !strings.Contains(note, "表格只列出前 40 行") || !strings.Contains(note, strconv.FormatInt(total, 10)) {
		t.Errorf("the cut is not said: %q", note)
	}
}

// TestLeftOutGroups: a split that shows no row for the dimension's named
// empty group (非会员, 线上) says so; one that shows it says nothing.
func TestLeftOutGroups(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db,
		Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}
	for q, want := range map[string]bool{"今年各会员等级的复购率": true, "今年各会员等级的销售额": false, "销售额最高的5个城市": true} {
		ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(ans.Notes, " ")
		if got := strings.Contains(notes, "结果不含"); got != want {
			t.Errorf("%s: notes %q, want a left-out note: %v", q, notes, want)
		}
	}
}
