package nlq_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// heavyRunner records whether the plans it ran were marked heavy.
type heavyRunner struct {
	inner nlq.Runner
	heavy []bool
}

func (r *heavyRunner) Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error) {
	r.heavy = append(r.heavy, p.Heavy)
	return r.inner.Run(ctx, p)
}

// TestAdmission: at the sizes of a large retailer (SF10-like stats) a
// question over every day × product × store is refused with a way to
// narrow it, a day × product one runs as heavy, a monthly total as cheap.
func TestAdmission(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{"orders": 10e6, "order_items": 25e6, "customers": 2e6, "stores": 68, "products": 600, "sessions": 14e6}
	run := &heavyRunner{inner: db}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: run, Conversations: nlq.NewMemoryConversations(),
		AsOf: semantic.D(2025, 12, 31), Admission: &nlq.Admission{Stats: nlq.NewStats(rows, values)}}
	ask := func(q string) *nlq.Answer {
		t.Helper()
		ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	big := ask("2024年以来每天各商品各门店的销售额")
	if big.Refusal == nil || big.Refusal.Reason != nlq.RefusalTooCostly || len(big.Rows) != 0 ||
		!strings.Contains(big.Answer, "个商品") || !strings.Contains(big.Answer, "缩小时间范围") {
		t.Errorf("over budget: %+v %q", big.Refusal, big.Answer)
	}
	if len(run.heavy) != 0 {
		t.Errorf("a refused plan ran")
	}
	// (A cut result also runs its summary query, heavy like its plan.)
	if ans := ask("今年每天各商品的销量"); ans.Refusal != nil || len(run.heavy) == 0 || slices.Contains(run.heavy, false) {
		t.Errorf("day × product: refusal %+v, heavy %v", ans.Refusal, run.heavy)
	}
	n := len(run.heavy)
	if ans := ask("今年每个月的销售额"); ans.Refusal != nil || len(run.heavy) != n+1 || run.heavy[n] {
		t.Errorf("monthly total: refusal %+v, heavy %v", ans.Refusal, run.heavy)
	}
}
