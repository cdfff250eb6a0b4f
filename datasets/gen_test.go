package datasets_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// scalar runs a query returning one number.
func scalar(t *testing.T, db *duckdb.DB, query string) float64 {
	t.Helper()
	_, rows, _, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("want one value, got %v\n%s", rows, query)
	}
	switch v := rows[0][0].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case nil:
		return math.NaN()
	}
	t.Fatalf("not a number: %T %v", rows[0][0], rows[0][0])
	return 0
}

// TestInvariants checks every invariant DATASET.md promises, each as a query
// counting the rows that break it.
func TestInvariants(t *testing.T) {
	db := datasetstest.Open(t)
	violations := map[string]string{
		"stores: ids and names unique": `SELECT count(*) - count(DISTINCT store_id) + count(*) - count(DISTINCT store_name) FROM stores`,
		"stores: city tier and region are known": `SELECT count(*) FROM stores WHERE city_tier NOT IN ('一线','新一线','二线','三线')
			OR region NOT IN ('华东','华北','华南','华中','西南','西北','东北') OR area_sqm <= 0`,
		"customers: gender and tier codes": `SELECT count(*) FROM customers WHERE gender NOT IN ('F','M') OR tier NOT IN ('normal','silver','gold','platinum')`,
		"products: categories":             `SELECT count(*) FROM products WHERE category NOT IN ('服装','鞋履','美妆','家居','食品') OR list_price <= 0`,
		"orders: channel, status and store": `SELECT count(*) FROM orders WHERE channel NOT IN ('门店','APP','小程序','天猫','抖音')
			OR status NOT IN ('completed','refunded','cancelled')
			OR (channel = '门店') <> (store_id IS NOT NULL)`,
		"orders: guests only in stores":             `SELECT count(*) FROM orders WHERE customer_id IS NULL AND channel <> '门店'`,
		"orders: inside the time span":              `SELECT count(*) FROM orders WHERE order_time < '2024-01-01' OR order_time > '2025-12-31 23:59:59'`,
		"orders: store open when sold":              `SELECT count(*) FROM orders o JOIN stores s USING (store_id) WHERE CAST(o.order_time AS DATE) < s.opened_on`,
		"orders: member registered before ordering": `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.order_time < c.registered_at`,
		"orders: gross = sum of lines": `SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(line_amount) s FROM order_items GROUP BY 1) i USING (order_id)
			WHERE o.gross_amount <> i.s`,
		"orders: every order has lines":   `SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)`,
		"orders: paid = gross - discount": `SELECT count(*) FROM orders WHERE paid_amount <> gross_amount - discount_amount OR discount_amount < 0`,
		"orders: paid = sum of paid lines": `SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(paid_line_amount) s FROM order_items GROUP BY 1) i USING (order_id)
			WHERE o.paid_amount <> i.s`,
		"order_items: line = quantity x price": `SELECT count(*) FROM order_items WHERE line_amount <> quantity * unit_price OR quantity <= 0 OR paid_line_amount < 0`,
		"order_items: keys":                    `SELECT count(*) - count(DISTINCT (order_id, line_no)) FROM order_items`,
		"order_items: products exist":          `SELECT count(*) FROM order_items WHERE product_id NOT IN (SELECT product_id FROM products)`,
		"events: one visit per session":        `SELECT count(*) FROM (SELECT session_id FROM events GROUP BY 1 HAVING count(*) FILTER (WHERE event_type = 'visit') <> 1)`,
		"events: funnel steps have every earlier step": `SELECT count(*) FROM (SELECT session_id,
				bool_or(event_type = 'view') v, bool_or(event_type = 'add_to_cart') c, bool_or(event_type = 'checkout') k, bool_or(event_type = 'pay') p
				FROM events GROUP BY 1) WHERE (c AND NOT v) OR (k AND NOT c) OR (p AND NOT k)`,
		"events: one channel and customer per session": `SELECT count(*) FROM (SELECT session_id FROM events GROUP BY 1
			HAVING count(DISTINCT channel) <> 1 OR count(DISTINCT coalesce(customer_id, -1)) <> 1)`,
		"events: pay sessions logged in, same channel and customer as their online order": `SELECT count(*) FROM events e LEFT JOIN orders o USING (order_id)
			WHERE e.event_type = 'pay' AND (e.customer_id IS NULL OR o.order_id IS NULL OR o.channel = '门店'
			  OR o.channel <> e.channel OR o.customer_id <> e.customer_id)`,
		"events: order_id only on pay": `SELECT count(*) FROM events WHERE (order_id IS NOT NULL) <> (event_type = 'pay')`,
		"events: every online order has exactly one pay event": `SELECT count(*) FROM orders o LEFT JOIN
			(SELECT order_id, count(*) n FROM events WHERE event_type = 'pay' GROUP BY 1) p USING (order_id)
			WHERE o.channel <> '门店' AND coalesce(p.n, 0) <> 1`,
		"events: only online channels": `SELECT count(*) FROM events WHERE channel NOT IN ('APP','小程序','天猫','抖音')`,
		"tier changes: first is the registration": `SELECT count(*) FROM (SELECT customer_id, arg_min(from_tier IS NULL, changed_at) first_is_reg,
			count(*) FILTER (WHERE from_tier IS NULL) regs FROM member_tier_changes GROUP BY 1) WHERE NOT first_is_reg OR regs <> 1`,
		"tier changes: every customer has a history": `SELECT count(*) FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM member_tier_changes)`,
		"tier changes: chain from one tier to the next": `SELECT count(*) FROM (SELECT from_tier, lag(to_tier) OVER (PARTITION BY customer_id ORDER BY changed_at) prev
			FROM member_tier_changes) WHERE from_tier IS DISTINCT FROM prev`,
		"customers: tier is the last to_tier": `SELECT count(*) FROM customers c JOIN (SELECT customer_id, arg_max(to_tier, changed_at) t FROM member_tier_changes GROUP BY 1) h
			USING (customer_id) WHERE c.tier <> h.t`,
		"orders: tier_at_order is the tier in force": `SELECT count(*) FROM orders o
			ASOF LEFT JOIN member_tier_changes t ON t.customer_id = o.customer_id AND o.order_time >= t.changed_at
			WHERE o.tier_at_order IS DISTINCT FROM t.to_tier`,
		"surveys: scores in range, linked to the order's customer": `SELECT count(*) FROM surveys s LEFT JOIN orders o USING (order_id)
			WHERE s.csat NOT BETWEEN 1 AND 5 OR s.nps NOT BETWEEN 0 AND 10 OR o.customer_id IS DISTINCT FROM s.customer_id
			OR s.submitted_at < o.order_time OR s.submitted_at > '2025-12-31 23:59:59'`,
	}
	for name, query := range violations {
		t.Run(name, func(t *testing.T) {
			if n := scalar(t, db, query); n != 0 {
				t.Errorf("%v violations", n)
			}
		})
	}
}

// TestRealism checks the patterns questions depend on (DATASET.md, Realism).
// It uses a larger scale so the ratios are stable.
func TestRealism(t *testing.T) {
	db, err := duckdb.Open(datasetstest.Path(t, 0.05, datasetstest.Seed), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	between := func(name, query string, lo, hi float64) {
		t.Run(name, func(t *testing.T) {
			if v := scalar(t, db, query); !(v >= lo && v <= hi) {
				t.Errorf("%s = %.4f, want in [%g, %g]", name, v, lo, hi)
			}
		})
	}
	const sales = `sum(paid_amount) FILTER (WHERE status = 'completed' AND %s)`
	between("2025 sales over 2024", fmt.Sprintf(`SELECT `+sales+` / `+sales+` FROM orders`, "year(order_time) = 2025", "year(order_time) = 2024"), 1.10, 1.20)
	monthShare := func(month string) string {
		return fmt.Sprintf(`SELECT (SELECT sum(paid_amount) FROM orders WHERE status = 'completed' AND strftime(order_time, '%%Y-%%m') = '%s')
			/ (SELECT avg(s) FROM (SELECT sum(paid_amount) s FROM orders WHERE status = 'completed' GROUP BY strftime(order_time, '%%Y-%%m')))`, month)
	}
	between("618 peak (June 2025 over the average month)", monthShare("2025-06"), 1.2, 3)
	between("双11 peak (November 2024 over the average month)", monthShare("2024-11"), 1.4, 3)
	between("Spring Festival dip (February 2024)", monthShare("2024-02"), 0, 0.85)
	// November (双11) is 2025's peak month in total and in every online
	// channel, above June (618); stores too, for all of 华东's planted fall.
	peak := func(where string) string {
		return `WITH m AS (SELECT strftime(order_time, '%Y-%m') m, sum(paid_amount) s FROM orders o LEFT JOIN stores st USING (store_id)
			WHERE o.status = 'completed' AND year(o.order_time) = 2025 AND ` + where + ` GROUP BY 1)
			SELECT (SELECT s FROM m WHERE m = '2025-11') / (SELECT max(s) FROM m WHERE m <> '2025-11')`
	}
	between("双11 peak of 2025 in total", peak("TRUE"), 1.0001, 5)
	for _, ch := range []string{"APP", "小程序", "天猫", "抖音"} {
		between("双11 peak of 2025 on "+ch, peak("o.channel = '"+ch+"'"), 1.0001, 5)
	}
	between("双11 peak of 2025 in stores outside 华东", peak("o.channel = '门店' AND st.region <> '华东'"), 1.0001, 5)
	repurchase := func(tier string) string {
		return fmt.Sprintf(`SELECT avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM (SELECT customer_id, count(*) n FROM orders
			WHERE status = 'completed' AND tier_at_order = '%s' AND year(order_time) = 2025 GROUP BY 1)`, tier)
	}
	between("platinum repurchase ≈ 55%", repurchase("platinum"), 0.45, 0.65)
	between("gold repurchase ≈ 35%", repurchase("gold"), 0.27, 0.43)
	between("silver repurchase ≈ 15%", repurchase("silver"), 0.09, 0.21)
	between("normal repurchase lower than silver", "SELECT ("+repurchase("normal")+") - ("+repurchase("silver")+")", -1, 0)
	const sessions = `(SELECT session_id, any_value(channel) ch, min(event_time) vt, bool_or(event_type = 'pay') paid,
		bool_or(event_type = 'add_to_cart') cart FROM events GROUP BY 1)`
	between("conversion a few percent", `SELECT avg(paid::INT) FROM `+sessions, 0.02, 0.08)
	between("cart abandonment 60-80%", `SELECT avg((NOT paid)::INT) FILTER (WHERE cart) FROM `+sessions, 0.6, 0.8)
	between("抖音 conversion falls in 2025-10 (Oct over Sep)", `SELECT avg(paid::INT) FILTER (WHERE strftime(vt, '%Y-%m') = '2025-10')
		/ avg(paid::INT) FILTER (WHERE strftime(vt, '%Y-%m') = '2025-09') FROM `+sessions+` WHERE ch = '抖音'`, 0, 0.6)
	// 24-hour win-back (DATASET.md): a logged-in abandoned cart whose customer
	// pays in any session of any channel after the cart's last event and at
	// most 24 hours after it; written from the definition, not from the model.
	winback := func(where string) string {
		return `WITH s AS (SELECT session_id, any_value(channel) ch, any_value(customer_id) cid, max(event_time) lt,
			bool_or(event_type = 'add_to_cart') cart, bool_or(event_type = 'pay') paid FROM events GROUP BY 1),
			ab AS (SELECT * FROM s WHERE cart AND NOT paid AND cid IS NOT NULL AND ` + where + `)
			SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = ab.cid AND e.event_type = 'pay'
				AND e.event_time > ab.lt AND e.event_time <= ab.lt + INTERVAL 24 HOUR) THEN 1.0 ELSE 0.0 END) FROM ab`
	}
	between("24-hour win-back 10-20% of logged-in abandoned carts", winback("TRUE"), 0.10, 0.20)
	between("win-back more on APP than on 抖音", "SELECT ("+winback("ch = 'APP'")+") - ("+winback("ch = '抖音'")+")", 0.05, 1)
	between("华东 store sales fall in 2025-11 against trend", `WITH m AS (SELECT st.region = '华东' east, strftime(o.order_time, '%Y-%m') m, sum(o.paid_amount) s
		FROM orders o JOIN stores st USING (store_id) WHERE o.status = 'completed' GROUP BY ALL)
		SELECT (SELECT s FROM m WHERE east AND m = '2025-11') / (SELECT s FROM m WHERE east AND m = '2025-10')
		/ ((SELECT s FROM m WHERE NOT east AND m = '2025-11') / (SELECT s FROM m WHERE NOT east AND m = '2025-10'))`, 0, 0.75)
	between("women 25-34 the largest buyer group", `WITH g AS (SELECT c.gender, CASE WHEN 2025 - c.birth_year < 25 THEN '18-24'
		WHEN 2025 - c.birth_year < 35 THEN '25-34' WHEN 2025 - c.birth_year < 45 THEN '35-44' ELSE '45+' END band,
		count(DISTINCT o.customer_id) n FROM orders o JOIN customers c USING (customer_id) WHERE o.status = 'completed' GROUP BY ALL)
		SELECT (SELECT n FROM g WHERE gender = 'F' AND band = '25-34') - (SELECT max(n) FROM g WHERE NOT (gender = 'F' AND band = '25-34'))`, 1, math.Inf(1))
}

// TestDeterministicAndLinear generates twice with one seed (equal contents;
// the second time under a tight memory limit, spilling to disk), once with
// another seed (different contents) and at double scale (about double the
// rows).
func TestDeterministicAndLinear(t *testing.T) {
	dir := t.TempDir()
	gen := func(name string, scale float64, seed int64) *duckdb.DB {
		path := filepath.Join(dir, name)
		w, err := duckdb.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := datasets.GenOptions{Scale: scale, Seed: seed}
		if name == "b" {
			opts.MemoryLimit, opts.TempDir = "100MB", filepath.Join(dir, "spill")
		}
		if err := datasets.Generate(context.Background(), w, opts); err != nil {
			t.Fatal(err)
		}
		w.Close()
		db, err := duckdb.Open(path, duckdb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b, c, d := gen("a", 0.01, 1), gen("b", 0.01, 1), gen("c", 0.01, 2), gen("d", 0.02, 1)
	for _, table := range datasets.Tables {
		// A digest of the whole table's rows.
		digest := fmt.Sprintf(`SELECT sum(hash(t) >> 11) FROM %s t`, table)
		count := `SELECT count(*) FROM ` + table
		t.Run(table, func(t *testing.T) {
			if x, y := scalar(t, a, digest), scalar(t, b, digest); x != y {
				t.Errorf("same seed, different contents")
			}
			if table != "stores" && table != "products" && scalar(t, a, digest) == scalar(t, c, digest) {
				t.Errorf("different seeds, same contents")
			}
			if table == "stores" || table == "products" {
				return // fixed dimensions
			}
			ratio := scalar(t, d, count) / scalar(t, a, count)
			if ratio < 1.8 || ratio > 2.2 {
				t.Errorf("doubling the scale multiplied rows by %.2f", ratio)
			}
		})
	}
}

func TestGenerateRejectsBadScale(t *testing.T) {
	for _, scale := range []float64{0, -1, math.NaN(), 1e6} {
		if err := datasets.Generate(context.Background(), nil, datasets.GenOptions{Scale: scale}); err == nil {
			t.Errorf("scale %v accepted", scale)
		}
	}
}
