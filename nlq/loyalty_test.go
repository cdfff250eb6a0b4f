package nlq_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
)

// TestLifecycleEdges: the generated data holds members right at every
// stage boundary (last order 89 and 90, 179 and 180 days before D, first
// order 29 and 30 days before), so loyalty.yaml's gold comparison tests
// the edges; and each of them is in the stage DATASET.md puts it in.
func TestLifecycleEdges(t *testing.T) {
	db := datasetstest.Open(t)
	_, m := retailRules(t)
	const d = "DATE '2025-12-31'"
	const life = `WITH l AS (SELECT customer_id, min(order_time::DATE) fd, max(order_time::DATE) ld FROM orders
		WHERE status = 'completed' AND customer_id IS NOT NULL GROUP BY 1) SELECT customer_id FROM l WHERE `
	edges := []struct {
		cond  string
		stage string
	}{
		{"date_diff('day', fd, " + d + ") = 29", "new"},
		{"date_diff('day', fd, " + d + ") = 30 AND date_diff('day', ld, " + d + ") <= 89", "active"},
		{"date_diff('day', fd, " + d + ") > 29 AND date_diff('day', ld, " + d + ") = 89", "active"},
		{"date_diff('day', fd, " + d + ") > 29 AND date_diff('day', ld, " + d + ") = 90", "dormant"},
		{"date_diff('day', fd, " + d + ") > 29 AND date_diff('day', ld, " + d + ") = 179", "dormant"},
		{"date_diff('day', fd, " + d + ") > 29 AND date_diff('day', ld, " + d + ") = 180", "churned"},
	}
	for _, edge := range edges {
		_, rows, _, err := db.Query(context.Background(), life+edge.cond+" LIMIT 1")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("no member at the edge %s: the gold comparison does not test it", edge.cond)
			continue
		}
		id := rows[0][0]
		// That very member's stage in the model's member_life.
		_, got, _, err := db.Query(context.Background(), `WITH s AS (`+stateSQL(t, m)+`) SELECT lifecycle FROM s WHERE customer_id = ?`, id)
		if err != nil || len(got) != 1 || got[0][0] != edge.stage {
			t.Errorf("member %v (%s): stage %v, want %s (%v)", id, edge.cond, got, edge.stage, err)
		}
	}
}

// stateSQL is the model's member_life as of 2025-12-31.
func stateSQL(t *testing.T, m *semantic.Model) string {
	t.Helper()
	tb := m.Table("member_life")
	if tb == nil {
		t.Fatal("the demo model has no member_life")
	}
	return strings.ReplaceAll(tb.SQL, "{{ref_day}}", "DATE '2025-12-31'")
}

// TestRetentionNotYet: a retention month after as_of has no numbers and
// says the time may not have come, never "为 —".
func TestRetentionNotYet(t *testing.T) {
	e, _ := insightEngine(t)
	ans := askTurns(t, e, "2025年10月新客的三个月留存率")
	if !strings.Contains(ans.Answer, "没有数据") || strings.Contains(ans.Answer, "—。") {
		t.Fatalf("%q", ans.Answer)
	}
}
