package datasets_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// handMembers is DATASET.md's audience written by hand: one row per member
// registered by D — customer_id, tier, city, lifecycle, last order day,
// completed orders and sales in the 365 days ending on D.
func handMembers(d string) string {
	return fmt.Sprintf(`WITH o AS (SELECT customer_id, order_time::DATE dd, paid_amount FROM orders
	   WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '%[1]s' + 1),
	 l AS (SELECT customer_id, min(dd) fd, max(dd) ld, count(*) FILTER (WHERE dd >= DATE '%[1]s' - 364) n,
	   sum(paid_amount) FILTER (WHERE dd >= DATE '%[1]s' - 364) s FROM o GROUP BY 1)
	 SELECT c.customer_id, c.tier, c.city, c.gender,
	   CASE WHEN l.customer_id IS NULL THEN 'never' WHEN DATE '%[1]s' - l.fd <= 29 THEN 'new'
	        WHEN DATE '%[1]s' - l.ld <= 89 THEN 'active' WHEN DATE '%[1]s' - l.ld <= 179 THEN 'dormant' ELSE 'churned' END AS stage,
	   CAST(l.ld AS VARCHAR) AS last_day, DATE '%[1]s' - l.ld AS days, coalesce(l.n, 0) AS n, coalesce(l.s, 0) AS s
	 FROM customers c LEFT JOIN l USING (customer_id) WHERE c.registered_at < DATE '%[1]s' + 1`, d)
}

func TestAudiencesAgainstHandWrittenSQL(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	cols := `customer_id, tier, city, stage, last_day, n, s`
	cases := []struct{ name, query, gold string }{
		{"gold members with no order in 90 days (never-buyers too)", `{"metrics":[],"list":"members","filters":[{"dimension":"tier","op":"in","values":["gold"]},{"dimension":"days_since_last_order","op":"gte","values":[90,null]}]}`,
			`SELECT ` + cols + ` FROM (` + handMembers("2025-12-31") + `) WHERE tier = 'gold' AND (days >= 90 OR days IS NULL) ORDER BY s DESC, customer_id`},
		{"dormant members in Shanghai as of last month's end", `{"metrics":[],"list":"members","time":{"range":{"start":"2025-11-01","end":"2025-11-30"}},"filters":[{"dimension":"lifecycle","op":"in","values":["dormant"]},{"dimension":"city","op":"in","values":["上海"]}]}`,
			`SELECT ` + cols + ` FROM (` + handMembers("2025-11-30") + `) WHERE stage = 'dormant' AND city = '上海' ORDER BY s DESC, customer_id`},
		{"women who spent over 5000 and ordered at least 3 times, as of mid-November", `{"metrics":[],"list":"members","time":{"range":{"start":"2025-11-01","end":"2025-11-15"}},"filters":[{"dimension":"gender","op":"in","values":["F"]},{"dimension":"sales_365d","op":"gt","values":[5000]},{"dimension":"orders_365d","op":"gte","values":[3]}]}`,
			`SELECT ` + cols + ` FROM (` + handMembers("2025-11-15") + `) WHERE gender = 'F' AND s > 5000 AND n >= 3 ORDER BY s DESC, customer_id`},
		{"the first 50 platinum members bought in the last 30 days", `{"metrics":[],"list":"members","limit":50,"filters":[{"dimension":"tier","op":"in","values":["platinum"]},{"dimension":"days_since_last_order","op":"lte","values":[29]}]}`,
			`SELECT ` + cols + ` FROM (` + handMembers("2025-12-31") + `) WHERE tier = 'platinum' AND days <= 29 ORDER BY s DESC, customer_id LIMIT 50`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := semantic.ParseQuery([]byte(c.query))
			if err != nil {
				t.Fatal(err)
			}
			lp, err := semantic.CompileList(m, q, semantic.CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, got, trunc, err := db.Query(context.Background(), lp.SQL, lp.Args...)
			if err != nil || trunc {
				t.Fatalf("%v (truncated %v)\n%s", err, trunc, lp.DisplaySQL())
			}
			_, want, _, err := db.Query(context.Background(), c.gold)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("the gold SQL returned no rows: the case tests nothing")
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
					t.Fatalf("row %d = %v, want %v", i, got[i], want[i])
				}
			}
			// The count the answer states is the whole list's.
			_, cnt, _, err := db.Query(context.Background(), lp.CountSQL, lp.Args...)
			if err != nil {
				t.Fatal(err)
			}
			_, wantCnt, _, _ := db.Query(context.Background(), "SELECT count(*) FROM ("+trimLimit(c.gold)+")")
			if fmt.Sprint(cnt[0][0]) != fmt.Sprint(wantCnt[0][0]) {
				t.Errorf("count %v, want %v", cnt[0][0], wantCnt[0][0])
			}
		})
	}
}

func trimLimit(s string) string {
	if i := len(s) - len(" LIMIT 50"); i > 0 && s[i:] == " LIMIT 50" {
		return s[:i]
	}
	return s
}

// TestLoyaltyEdges builds a handful of members whose stages are known from
// DATASET.md's words alone (last order exactly 89, 90, 91, 179 and 180 days
// before D; a first order 29 and 30 days before; no orders; refunded orders
// only; registered after D; an order later on D itself and one after D; a
// cohort with no returners) and checks the lifecycle dimension, the
// audience and retention against them, at a month's end and mid-month.
func TestLoyaltyEdges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edges.duckdb")
	raw, err := duckdb.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(db *sql.DB, q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(raw, `CREATE TABLE customers (customer_id INTEGER, tier VARCHAR, city VARCHAR, gender VARCHAR, birth_year INTEGER, registered_at TIMESTAMP)`)
	exec(raw, `CREATE TABLE orders (order_id BIGINT, customer_id INTEGER, channel VARCHAR, store_id INTEGER, order_time TIMESTAMP,
		status VARCHAR, tier_at_order VARCHAR, gross_amount DECIMAL(12,2), discount_amount DECIMAL(12,2), paid_amount DECIMAL(12,2))`)
	// D = 2025-11-30. Each member: id, registered, and completed orders as day offsets before D.
	members := []struct {
		id         int
		registered string
		orders     []int // days before D of completed orders
		stage      string
	}{
		{1, "2024-01-01", []int{400, 90}, "dormant"},
		{2, "2024-01-01", []int{400, 89}, "active"},
		{3, "2024-01-01", []int{400, 91}, "dormant"},
		{4, "2024-01-01", []int{400, 179}, "dormant"},
		{5, "2024-01-01", []int{400, 180}, "churned"},
		{6, "2025-10-01", []int{29}, "new"},
		{7, "2025-10-01", []int{30}, "active"},
		{8, "2024-01-01", nil, "never"},
		{9, "2024-01-01", nil, "never"}, // refunded orders only (below)
		{10, "2025-12-05", nil, ""},     // registered after D: not a member on D
		{11, "2024-01-01", []int{0}, "new"},
	}
	oid := 0
	for _, mb := range members {
		exec(raw, fmt.Sprintf(`INSERT INTO customers VALUES (%d, 'gold', '上海', 'F', 1990, TIMESTAMP '%s')`, mb.id, mb.registered))
		for _, d := range mb.orders {
			oid++
			exec(raw, fmt.Sprintf(`INSERT INTO orders VALUES (%d, %d, 'APP', NULL, DATE '2025-11-30' - %d + INTERVAL 23 HOUR, 'completed', 'gold', 100, 0, 100)`, oid, mb.id, d))
		}
	}
	more := []string{
		// refunded and cancelled orders never count
		`(100, 9, 'APP', NULL, TIMESTAMP '2025-11-01 10:00', 'refunded', 'gold', 50, 0, 50)`,
		`(101, 8, 'APP', NULL, TIMESTAMP '2025-11-02 10:00', 'cancelled', 'gold', 50, 0, 50)`,
		// an order after D does not make member 5 active as of D
		`(102, 5, 'APP', NULL, TIMESTAMP '2025-12-01 00:00', 'completed', 'gold', 70, 0, 70)`,
		// a guest order counts for no member
		`(103, NULL, '门店', 1, TIMESTAMP '2025-11-20 10:00', 'completed', NULL, 80, 0, 80)`,
	}
	for _, v := range more {
		exec(raw, `INSERT INTO orders VALUES `+v)
	}
	exec(raw, "CHECKPOINT")
	raw.Close()
	db, err := duckdb.Open(path, duckdb.Options{CacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nov := `"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}`
	q, _ := semantic.ParseQuery([]byte(`{"metrics":[],"list":"members",` + nov + `}`))
	lp, err := semantic.CompileList(m, q, semantic.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, rows, _, err := db.Query(ctx, lp.SQL, lp.Args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, lp.DisplaySQL())
	}
	got := map[int64]string{}
	for _, r := range rows {
		got[r[0].(int64)] = r[3].(string)
	}
	for _, mb := range members {
		if g, ok := got[int64(mb.id)]; mb.stage == "" && ok {
			t.Errorf("member %d registered after D is listed (%s)", mb.id, g)
		} else if mb.stage != "" && g != mb.stage {
			t.Errorf("member %d (orders %v days before D) is %q, want %q", mb.id, mb.orders, g, mb.stage)
		}
	}
	// A retailer's own thresholds are one number in the YAML: with 沉睡 from
	// 60 days, member 2 (last order 89 days before D) is dormant, member 7
	// (30 days) still active.
	src := strings.Replace(string(datasets.RetailYAML()), "{value: active, last_within_days: 90}", "{value: active, last_within_days: 60}", 1)
	m60, err := semantic.ParseModel("retail-60.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	lp60, err := semantic.CompileList(m60, q, semantic.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, rows60, _, err := db.Query(ctx, lp60.SQL, lp60.Args...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows60 {
		if id, stage := r[0].(int64), r[3].(string); id == 2 && stage != "dormant" || id == 7 && stage != "active" {
			t.Errorf("with 60 days, member %d is %s", id, stage)
		}
	}
	// The same stages counted by the metric, split by lifecycle.
	count := func(query string) map[string]int64 {
		t.Helper()
		q, _ := semantic.ParseQuery([]byte(query))
		plan, err := semantic.Compile(m, q, semantic.CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Run(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range res.Rows {
			out[fmt.Sprint(r[0])], _ = r[1].(int64)
		}
		return out
	}
	want := map[string]int64{}
	for _, mb := range members {
		if mb.stage != "" {
			want[mb.stage]++
		}
	}
	if got := count(`{"metrics":["members"],"dimensions":["lifecycle"],` + nov + `}`); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("members by lifecycle as of 2025-11-30 = %v, want %v", got, want)
	}
	// Mid-month, D = 2025-11-15: member 11's only order (11-30) is after D;
	// members 6 and 7 first bought on 11-01 and 10-31 (14 and 15 days before
	// D: new); members 1, 2 and 3 last bought 75, 74 and 76 days before D.
	mid := count(`{"metrics":["members"],"dimensions":["lifecycle"],"time":{"range":{"start":"2025-11-01","end":"2025-11-15"}}}`)
	if mid["never"] != 3 {
		t.Errorf("as of 2025-11-15, never-purchased = %d, want 3 (members 8, 9 and 11, whose only order is after D)", mid["never"])
	}
	if mid["new"] != 2 {
		t.Errorf("as of 2025-11-15, new = %d, want 2 (members 6 and 7, first orders 14 and 15 days before D)", mid["new"])
	}
	if mid["active"] != 3 {
		t.Errorf("as of 2025-11-15, active = %d, want 3 (members 1, 2, 3)", mid["active"])
	}
	// Retention: the October cohort is member 7 alone (first order 10-31),
	// who never returned: a 0 %, not an empty, retention.
	rq, _ := semantic.ParseQuery([]byte(`{"metrics":["retention_rate","cohort_members"],"dimensions":["cohort_month","months_since_first"],"time":{"range":{"start":"2025-10-01","end":"2025-10-31"}}}`))
	plan, err := semantic.Compile(m, rq, semantic.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Run(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) == 0 {
		t.Fatal("no retention rows for the October cohort")
	}
	for _, r := range res.Rows {
		if fmt.Sprint(r[2]) != "0" || fmt.Sprint(r[3]) != "1" {
			t.Errorf("October cohort (member 7, no returner) row %v: want retention 0 of 1", r)
		}
	}
}

// TestStateDeclarationErrors: a declared stage or RFM table that cannot be
// computed is refused with its element named.
func TestStateDeclarationErrors(t *testing.T) {
	src := string(datasets.RetailYAML())
	for _, c := range []struct{ old, new, want string }{
		{"{value: dormant, last_within_days: 180}", "{value: dormant}", "only the last stage may take everyone left"},
		{"{value: new, first_within_days: 30}", "{value: new, first_within_days: 30, last_within_days: 3}", "takes one of never"},
		{"        lost: [low, low, low]\n", "", "all eight segments"},
		{"      compare: mean", "      compare: mode", `compare is mean or median, not "mode"`},
		{"        lost: [low, low, low]", "        lost: [low, low, high]", "the same R, F and M as win_back"},
		{"      of: customers\n      since", "      of: shoppers\n      since", `tables.member_life.stages.of: unknown table "shoppers"`},
	} {
		changed := strings.Replace(src, c.old, c.new, 1)
		if changed == src {
			t.Fatalf("%q not found", c.old)
		}
		_, err := semantic.ParseModel("retail.yaml", []byte(changed))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q → %q: error %v, want %q", c.old, c.new, err, c.want)
		}
	}
}
