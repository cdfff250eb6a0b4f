package datasets_test

import (
	"context"
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/resultcmp"
)

// goldCase is a semantic query and SQL written by hand, independently of the
// compiler, from the definitions in DATASET.md.
type goldCase struct {
	name  string
	query string
	sql   string
}

// Sessions as DATASET.md defines them, for hand-written funnel SQL.
const handSessions = `(SELECT session_id, any_value(channel) ch, any_value(customer_id) cid,
	min(event_time) FILTER (WHERE event_type = 'visit') vt, bool_or(event_type = 'pay') paid,
	bool_or(event_type = 'add_to_cart') cart FROM events GROUP BY 1)`

const y25 = `order_time >= '2025-01-01' AND order_time < '2026-01-01'`

var metricCases = []goldCase{
	{"sales", `{"metrics":["sales"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT sum(paid_amount) FROM orders WHERE status = 'completed' AND ` + y25},
	{"gmv by status", `{"metrics":["gmv"],"dimensions":["status"],"time":{"range":{"start":"2024-01-01","end":"2024-12-31"}}}`,
		`SELECT status, sum(paid_amount) FROM orders WHERE status IN ('completed','refunded') AND year(order_time) = 2024 GROUP BY 1`},
	{"orders and aov by channel", `{"metrics":["orders","aov"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		`SELECT channel, count(*), sum(paid_amount) / count(*) FROM orders WHERE status = 'completed'
		 AND order_time >= '2025-11-01' AND order_time < '2025-12-01' GROUP BY 1`},
	{"buyers and arpu by tier, guests a group of their own", `{"metrics":["buyers","arpu","sales"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT tier_at_order, count(DISTINCT customer_id),
		   sum(paid_amount) FILTER (WHERE customer_id IS NOT NULL) / NULLIF(count(DISTINCT customer_id), 0), sum(paid_amount)
		 FROM orders WHERE status = 'completed' AND ` + y25 + ` GROUP BY 1`},
	{"repurchase rate by month", `{"metrics":["repurchase_rate"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-06-30"}}}`,
		`SELECT m, avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM (SELECT date_trunc('month', order_time) m, customer_id, count(*) n
		 FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time >= '2025-01-01' AND order_time < '2025-07-01'
		 GROUP BY 1, 2) GROUP BY 1`},
	{"repurchase rate by category (distinct orders per buyer)", `{"metrics":["repurchase_rate"],"dimensions":["category"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT category, avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM (SELECT p.category, o.customer_id, count(DISTINCT o.order_id) n
		 FROM orders o JOIN order_items i USING (order_id) JOIN products p USING (product_id)
		 WHERE o.status = 'completed' AND o.customer_id IS NOT NULL AND o.` + y25 + ` GROUP BY 1, 2) GROUP BY 1`},
	{"new buyers by channel of their first order", `{"metrics":["new_buyers"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT channel, count(*) FROM (SELECT customer_id, channel, order_time, row_number() OVER (PARTITION BY customer_id ORDER BY order_time, order_id) r
		 FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL) WHERE r = 1 AND ` + y25 + ` GROUP BY 1`},
	{"refund rate by channel", `{"metrics":["refund_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT channel, count(*) FILTER (WHERE status = 'refunded') / count(*) FILTER (WHERE status IN ('completed','refunded'))
		 FROM orders WHERE ` + y25 + ` GROUP BY 1`},
	{"units and upt by category", `{"metrics":["units","upt","orders","sales"],"dimensions":["category"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT p.category, sum(i.quantity), sum(i.quantity) / count(DISTINCT o.order_id), count(DISTINCT o.order_id), sum(i.paid_line_amount)
		 FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1`},
	{"units by tier at order time and city of the store", `{"metrics":["units"],"dimensions":["tier","city"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT o.tier_at_order, s.city, sum(i.quantity) FROM order_items i JOIN orders o USING (order_id) LEFT JOIN stores s USING (store_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1, 2`},
	{"upt overall", `{"metrics":["upt"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT (SELECT sum(quantity) FROM order_items JOIN orders USING (order_id) WHERE status = 'completed' AND ` + y25 + `)
		 / (SELECT count(*) FROM orders WHERE status = 'completed' AND ` + y25 + `)`},
	{"member sales share by region", `{"metrics":["member_sales_share"],"dimensions":["region"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT s.region, sum(o.paid_amount) FILTER (WHERE o.customer_id IS NOT NULL) / sum(o.paid_amount)
		 FROM orders o LEFT JOIN stores s USING (store_id) WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1`},
	{"sales per sqm by city tier, every store's area once", `{"metrics":["sales_per_sqm"],"dimensions":["city_tier"],"time":{"range":{"start":"2024-01-01","end":"2024-03-31"}}}`,
		`SELECT a.city_tier, s.v / a.area FROM (SELECT city_tier, sum(area_sqm) area FROM stores GROUP BY 1) a
		 LEFT JOIN (SELECT st.city_tier, sum(o.paid_amount) v FROM orders o JOIN stores st USING (store_id)
		   WHERE o.status = 'completed' AND o.order_time >= '2024-01-01' AND o.order_time < '2024-04-01' GROUP BY 1) s USING (city_tier)`},
	{"members up to the end of each quarter", `{"metrics":["members"],"time":{"grain":"quarter","range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT q, (SELECT count(*) FROM customers WHERE registered_at < q + INTERVAL 3 MONTH)
		 FROM (SELECT unnest([DATE '2025-01-01', DATE '2025-04-01', DATE '2025-07-01', DATE '2025-10-01']) q)`},
	{"members by current tier", `{"metrics":["members"],"dimensions":["tier"],"time":{"range":{"start":"2024-01-01","end":"2024-12-31"}}}`,
		`SELECT tier, count(*) FROM customers WHERE registered_at < '2025-01-01' GROUP BY 1`},
	{"new members by gender", `{"metrics":["new_members"],"dimensions":["gender"],"time":{"range":{"start":"2025-12-01","end":"2025-12-31"}}}`,
		`SELECT gender, count(*) FROM customers WHERE registered_at >= '2025-12-01' AND registered_at < '2026-01-01' GROUP BY 1`},
	{"tier upgrades by new tier", `{"metrics":["tier_upgrades"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT to_tier, count(*) FROM member_tier_changes WHERE from_tier IS NOT NULL AND changed_at >= '2025-01-01' AND changed_at < '2026-01-01'
		 AND (CASE to_tier WHEN 'normal' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END)
		   > (CASE from_tier WHEN 'normal' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END) GROUP BY 1`},
	{"funnel by channel", `{"metrics":["sessions","conversion_rate","add_to_cart_rate","cart_abandonment_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-10-01","end":"2025-10-31"}}}`,
		`SELECT ch, count(*), avg(paid::INT), avg(cart::INT), avg((NOT paid)::INT) FILTER (WHERE cart)
		 FROM ` + handSessions + ` WHERE vt >= '2025-10-01' AND vt < '2025-11-01' GROUP BY 1`},
	{"conversion by gender of logged-in sessions", `{"metrics":["conversion_rate"],"dimensions":["gender"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT c.gender, avg(s.paid::INT) FROM ` + handSessions + ` s LEFT JOIN customers c ON c.customer_id = s.cid
		 WHERE s.vt >= '2025-01-01' AND s.vt < '2026-01-01' GROUP BY 1`},
	{"retention by cohort month and months since first (the triangle)", `{"metrics":["retention_rate","cohort_members","cohort_returned"],"dimensions":["cohort_month","months_since_first"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`WITH o AS (SELECT DISTINCT customer_id, date_trunc('month', order_time) m FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL),
		 f AS (SELECT customer_id, min(m) c FROM o GROUP BY 1), k AS (SELECT range k FROM range(1, 25)),
		 r AS (SELECT f.customer_id, f.c, k.k, EXISTS (SELECT 1 FROM o WHERE o.customer_id = f.customer_id AND o.m = f.c + to_months(CAST(k.k AS INTEGER))) back
		   FROM f CROSS JOIN k WHERE f.c + to_months(CAST(k.k AS INTEGER)) <= DATE '2025-12-01' AND year(f.c) = 2025)
		 SELECT strftime(c, '%Y-%m'), CAST(k AS VARCHAR), avg(back::INT), count(*), count(*) FILTER (WHERE back) FROM r GROUP BY 1, 2`},
	{"members by lifecycle stage and RFM segment as of a mid-month day", `{"metrics":["members"],"dimensions":["lifecycle","rfm_segment"],"time":{"range":{"start":"2025-11-01","end":"2025-11-15"}}}`,
		`WITH o AS (SELECT customer_id, order_time::DATE d, paid_amount FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2025-11-16'),
		 l AS (SELECT customer_id, min(d) fd, max(d) ld FROM o GROUP BY 1),
		 w AS (SELECT customer_id, date_diff('day', max(d), DATE '2025-11-15') r, count(*) f, sum(paid_amount) m FROM o WHERE d >= DATE '2025-11-15' - 364 GROUP BY 1),
		 s AS (SELECT customer_id, (CASE WHEN r <= avg(r) OVER () THEN 4 ELSE 0 END) + (CASE WHEN f >= avg(f) OVER () THEN 2 ELSE 0 END) + (CASE WHEN m >= avg(m) OVER () THEN 1 ELSE 0 END) code FROM w)
		 SELECT CASE WHEN l.customer_id IS NULL THEN 'never' WHEN date_diff('day', l.fd, DATE '2025-11-15') <= 29 THEN 'new'
		             WHEN date_diff('day', l.ld, DATE '2025-11-15') <= 89 THEN 'active' WHEN date_diff('day', l.ld, DATE '2025-11-15') <= 179 THEN 'dormant' ELSE 'churned' END,
		        ['lost', 'win_back', 'regulars_at_risk', 'loyal_at_risk', 'new_low', 'promising', 'loyal_low', 'champions'][s.code + 1], count(*)
		 FROM customers c LEFT JOIN l USING (customer_id) LEFT JOIN s USING (customer_id) WHERE c.registered_at < DATE '2025-11-16' GROUP BY 1, 2`},
	{"24-hour cart win-back by channel", `{"metrics":["cart_recovery_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`WITH s AS (SELECT session_id, any_value(channel) ch, any_value(customer_id) cid, min(event_time) FILTER (WHERE event_type = 'visit') vt,
		   max(event_time) lt, bool_or(event_type = 'add_to_cart') cart, bool_or(event_type = 'pay') paid FROM events GROUP BY 1)
		 SELECT ch, avg(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = s.cid AND e.event_type = 'pay'
		   AND e.event_time > s.lt AND e.event_time <= s.lt + INTERVAL 24 HOUR) THEN 1.0 ELSE 0.0 END)
		 FROM s WHERE cart AND NOT paid AND cid IS NOT NULL AND vt >= '2025-01-01' AND vt < '2026-01-01' GROUP BY 1`},
	{"24-hour cart win-back by member tier and month", `{"metrics":["cart_recovery_rate"],"dimensions":["tier"],"time":{"grain":"month","range":{"start":"2025-09-01","end":"2025-11-30"}}}`,
		`WITH s AS (SELECT session_id, any_value(customer_id) cid, min(event_time) FILTER (WHERE event_type = 'visit') vt,
		   max(event_time) lt, bool_or(event_type = 'add_to_cart') cart, bool_or(event_type = 'pay') paid FROM events GROUP BY 1)
		 SELECT date_trunc('month', s.vt)::DATE, c.tier, avg(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = s.cid AND e.event_type = 'pay'
		   AND e.event_time > s.lt AND e.event_time <= s.lt + INTERVAL 1 DAY) THEN 1.0 ELSE 0.0 END)
		 FROM s JOIN customers c ON c.customer_id = s.cid
		 WHERE s.cart AND NOT s.paid AND s.vt >= '2025-09-01' AND s.vt < '2025-12-01' GROUP BY 1, 2`},
	{"csat and nps by tier", `{"metrics":["csat","nps"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT o.tier_at_order, avg(CASE WHEN s.csat >= 4 THEN 1.0 ELSE 0.0 END),
		   (count(*) FILTER (WHERE s.nps >= 9) - count(*) FILTER (WHERE s.nps <= 6)) * 100.0 / count(*)
		 FROM surveys s JOIN orders o USING (order_id) WHERE s.submitted_at >= '2025-01-01' AND s.submitted_at < '2026-01-01' GROUP BY 1`},
	{"hidden components: member and store sales, store area", `{"metrics":["member_sales","store_sales","store_area","refunded_orders"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT sum(paid_amount) FILTER (WHERE status = 'completed' AND customer_id IS NOT NULL),
		   sum(paid_amount) FILTER (WHERE status = 'completed' AND store_id IS NOT NULL),
		   (SELECT sum(area_sqm) FROM stores), count(*) FILTER (WHERE status = 'refunded') FROM orders WHERE ` + y25},
	{"funnel components", `{"metrics":["paying_sessions","cart_sessions","abandoned_sessions","paid_orders"],"time":{"range":{"start":"2025-06-01","end":"2025-06-30"}}}`,
		`SELECT count(*) FILTER (WHERE paid), count(*) FILTER (WHERE cart), count(*) FILTER (WHERE cart AND NOT paid),
		   (SELECT count(*) FROM orders WHERE status IN ('completed','refunded') AND order_time >= '2025-06-01' AND order_time < '2025-07-01')
		 FROM ` + handSessions + ` WHERE vt >= '2025-06-01' AND vt < '2025-07-01'`},
	{"sales and conversion side by side", `{"metrics":["sales","conversion_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		`SELECT coalesce(o.ch, s.ch), o.v, s.cr FROM
		 (SELECT channel ch, sum(paid_amount) v FROM orders WHERE status = 'completed' AND order_time >= '2025-11-01' AND order_time < '2025-12-01' GROUP BY 1) o
		 FULL JOIN (SELECT ch, avg(paid::INT) cr FROM ` + handSessions + ` WHERE vt >= '2025-11-01' AND vt < '2025-12-01' GROUP BY 1) s USING (ch)`},
	{"sales by age band and gender", `{"metrics":["sales"],"dimensions":["age_band","gender"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT CASE WHEN 2025 - c.birth_year < 25 THEN '18-24' WHEN 2025 - c.birth_year < 35 THEN '25-34' WHEN 2025 - c.birth_year < 45 THEN '35-44' ELSE '45+' END,
		   c.gender, sum(o.paid_amount) FROM orders o LEFT JOIN customers c USING (customer_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1, 2`},
	{"weekly sales (ISO weeks)", `{"metrics":["sales"],"time":{"grain":"week","range":{"start":"2025-12-01","end":"2025-12-31"}}}`,
		`SELECT date_trunc('week', order_time), sum(paid_amount) FROM orders WHERE status = 'completed'
		 AND order_time >= '2025-12-01' AND order_time < '2026-01-01' GROUP BY 1`},
	{"monthly sales yoy, matched by month", `{"metrics":["sales"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-03-31"}},"compare":"yoy"}`,
		`SELECT make_date(2025, month(order_time), 1), sum(paid_amount) FILTER (WHERE year(order_time) = 2025),
		   sum(paid_amount) FILTER (WHERE year(order_time) = 2024),
		   (sum(paid_amount) FILTER (WHERE year(order_time) = 2025) - sum(paid_amount) FILTER (WHERE year(order_time) = 2024))
		     / sum(paid_amount) FILTER (WHERE year(order_time) = 2024)
		 FROM orders WHERE status = 'completed' AND month(order_time) <= 3 GROUP BY 1`},
	{"leap day: February 2024 against February 2023 is February 2025 yoy", `{"metrics":["orders"],"time":{"range":{"start":"2025-02-01","end":"2025-02-28"}},"compare":"yoy"}`,
		`SELECT count(*) FILTER (WHERE order_time >= '2025-02-01' AND order_time < '2025-03-01'),
		   count(*) FILTER (WHERE order_time >= '2024-02-01' AND order_time < '2024-03-01') FROM orders WHERE status = 'completed'`},
	{"quarter pop by channel", `{"metrics":["sales"],"dimensions":["channel"],"time":{"range":{"start":"2025-07-01","end":"2025-09-30"}},"compare":"pop"}`,
		`SELECT channel, sum(paid_amount) FILTER (WHERE order_time >= '2025-07-01'), sum(paid_amount) FILTER (WHERE order_time < '2025-07-01')
		 FROM orders WHERE status = 'completed' AND order_time >= '2025-04-01' AND order_time < '2025-10-01' GROUP BY 1`},
	{"members yoy", `{"metrics":["members"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}},"compare":"yoy"}`,
		`SELECT count(*) FILTER (WHERE registered_at < '2026-01-01'), count(*) FILTER (WHERE registered_at < '2025-01-01') FROM customers`},
	{"share of sales by category", `{"metrics":["sales"],"dimensions":["category"],"share":["sales"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT p.category, sum(i.paid_line_amount), sum(i.paid_line_amount) / sum(sum(i.paid_line_amount)) OVER ()
		 FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1`},
	{"cities with aov over 1200 (metric filter)", `{"metrics":["aov"],"dimensions":["city"],"filters":[{"metric":"aov","op":"gt","value":1200}],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT s.city, sum(o.paid_amount) / count(*) a FROM orders o LEFT JOIN stores s USING (store_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1 HAVING a > 1200`},
	{"filters: in on labels, not_in keeps NULL, contains", `{"metrics":["orders"],"dimensions":["store"],"filters":[{"dimension":"tier","op":"in","values":["黄金会员","platinum"]},{"dimension":"channel","op":"not_in","values":["天猫"]},{"dimension":"store","op":"contains","value":"万象城"}],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT s.store_name, count(*) FROM orders o JOIN stores s USING (store_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` AND o.tier_at_order IN ('gold','platinum') AND o.channel <> '天猫'
		   AND s.store_name LIKE '%万象城%' GROUP BY 1`},
	{"not_in on a dimension with NULLs keeps them", `{"metrics":["orders"],"filters":[{"dimension":"city","op":"ne","value":"上海"}],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT count(*) FROM orders o LEFT JOIN stores s USING (store_id) WHERE o.status = 'completed' AND o.` + y25 + ` AND s.city IS DISTINCT FROM '上海'`},
	{"top 3 brands by units", `{"metrics":["units"],"dimensions":["brand"],"order":[{"by":"units","desc":true}],"limit":3,"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`SELECT p.brand, sum(i.quantity) u FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
		 WHERE o.status = 'completed' AND o.` + y25 + ` GROUP BY 1 ORDER BY u DESC LIMIT 3`},
	{"daily sales between dates", `{"metrics":["sales"],"time":{"grain":"day","range":{"start":"2025-12-25","end":"2025-12-31"}}}`,
		`SELECT order_time::DATE, sum(paid_amount) FROM orders WHERE status = 'completed' AND order_time >= '2025-12-25' GROUP BY 1`},
	{"all time", `{"metrics":["orders","new_members"]}`,
		`SELECT (SELECT count(*) FROM orders WHERE status = 'completed'), (SELECT count(*) FROM customers)`},
}

func runCase(t *testing.T, m *semantic.Model, db *duckdb.DB, query, gold string, exact bool, materialized ...string) {
	t.Helper()
	q, err := semantic.ParseQuery([]byte(query))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := semantic.CompileAny(m, q, semantic.CompileOptions{Materialized: materialized})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Run(context.Background(), plan)
	if err != nil {
		t.Fatalf("%v\n%s", err, plan.SQL)
	}
	_, want, _, err := db.Query(context.Background(), gold)
	if err != nil {
		t.Fatalf("gold SQL: %v", err)
	}
	if len(want) == 0 {
		t.Fatal("the gold SQL returned no rows: the case tests nothing")
	}
	if err := resultcmp.Contains(res.Rows, want, resultcmp.Options{Exact: exact}); err != nil {
		t.Errorf("%v\n%s", err, plan.DisplaySQL())
	}
}

func TestMetricsAgainstHandWrittenSQL(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	covered := map[string]bool{}
	for _, c := range metricCases {
		t.Run(c.name, func(t *testing.T) { runCase(t, m, db, c.query, c.sql, true) })
		q, _ := semantic.ParseQuery([]byte(c.query))
		for _, name := range q.Metrics {
			covered[name] = true
		}
	}
	for _, mt := range m.Metrics {
		if !covered[mt.Name] {
			t.Errorf("metric %s has no hand-written check", mt.Name)
		}
	}
}

// TestMaterializedSessions runs every case again with the derived sessions
// table computed in advance, as the server does.
func TestMaterializedSessions(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{CacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Materialize(context.Background(), "sessions", m.Table("sessions").SQL); err != nil {
		t.Fatal(err)
	}
	for _, c := range metricCases {
		t.Run(c.name, func(t *testing.T) { runCase(t, m, db, c.query, c.sql, true, "sessions") })
	}
}

func TestBenchQueriesAgree(t *testing.T) {
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	for _, bq := range datasets.BenchQueries {
		t.Run(bq.Name, func(t *testing.T) { runCase(t, m, db, bq.Query, bq.SQL, true) })
	}
}

// devQueries are semantic equivalents of the answerable questions of
// shared/eval/dev.yaml (as_of 2025-12-31).
var devQueries = map[string]string{
	"d01": `{"metrics":["sales"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d02": `{"metrics":["gmv"],"time":{"range":{"start":"2024-01-01","end":"2024-12-31"}}}`,
	"d03": `{"metrics":["orders"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d04": `{"metrics":["sales"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d05": `{"metrics":["repurchase_rate"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d06": `{"metrics":["aov"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d07": `{"metrics":["sales"],"dimensions":["city"],"filters":[{"dimension":"channel","op":"eq","value":"门店"}],"order":[{"by":"sales","desc":true}],"limit":5,"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d08": `{"metrics":["conversion_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d09": `{"metrics":["cart_abandonment_rate"],"filters":[{"dimension":"channel","op":"eq","value":"天猫"}],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d10": `{"metrics":["sales"],"dimensions":["category"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d11": `{"metrics":["orders"],"dimensions":["category"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d12": `{"metrics":["sales"],"compare":"yoy","time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d13": `{"metrics":["orders"],"compare":"pop","time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	"d14": `{"metrics":["buyers"],"filters":[{"dimension":"tier","op":"eq","value":"gold"}],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d15": `{"metrics":["members"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d16": `{"metrics":["new_members"],"time":{"range":{"start":"2025-12-01","end":"2025-12-31"}}}`,
	"d17": `{"metrics":["tier_upgrades"],"filters":[{"dimension":"tier","op":"eq","value":"platinum"}],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d18": `{"metrics":["nps"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d19": `{"metrics":["sales"],"time":{"grain":"day","range":{"start":"2025-12-25","end":"2025-12-31"}}}`,
	"d20": `{"metrics":["sales_per_sqm"],"dimensions":["region"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
	"d21": `{"metrics":["sales"],"dimensions":["channel"],"time":{"range":{"start":"2024-11-01","end":"2024-11-30"}}}`,
	"d22": `{"metrics":["refund_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
}

// DevQuestion is one entry of a question file in the format of shared/eval/dev.yaml.
type devQuestion struct {
	ID     string   `yaml:"id"`
	Q      string   `yaml:"q"`
	Turns  []string `yaml:"turns"`
	SQL    string   `yaml:"sql"`
	Expect string   `yaml:"expect"`
}

func TestDevQuestionsAsSemanticQueries(t *testing.T) {
	data, err := os.ReadFile("../testdata/eval/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var qs []devQuestion
	if err := yaml.Unmarshal(data, &qs); err != nil {
		t.Fatal(err)
	}
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	for _, dq := range qs {
		if dq.Expect == "refuse" {
			continue
		}
		query, ok := devQueries[dq.ID]
		if !ok {
			t.Errorf("%s: no semantic equivalent written", dq.ID)
			continue
		}
		t.Run(dq.ID, func(t *testing.T) { runCase(t, m, db, query, dq.SQL, false) })
	}
}
