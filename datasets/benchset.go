package datasets

// BenchQuery is a semantic query over the demo data with the SQL a person
// would write for it by hand. `wenshu bench` times both; tests check both
// give the same rows.
type BenchQuery struct {
	Name  string
	Query string // semantic query JSON
	SQL   string // hand-written DuckDB SQL
	// PGSQL is the same by hand for PostgreSQL, where DuckDB's SQL is not
	// PostgreSQL's (empty: SQL runs on both).
	PGSQL string
}

// HandSQL is the hand-written SQL of q for a dialect ("duckdb", "postgres").
func (q BenchQuery) HandSQL(dialect string) string {
	if dialect == "postgres" && q.PGSQL != "" {
		return q.PGSQL
	}
	return q.SQL
}

// BenchQueries is the fixed benchmark set (as_of 2025-12-31).
var BenchQueries = []BenchQuery{
	{
		Name:  "sales_last_month",
		Query: `{"metrics":["sales"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		SQL:   `SELECT sum(paid_amount) FROM orders WHERE status = 'completed' AND order_time >= '2025-11-01' AND order_time < '2025-12-01'`,
	},
	{
		Name:  "sales_by_channel_2025",
		Query: `{"metrics":["sales"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `SELECT channel, sum(paid_amount) FROM orders WHERE status = 'completed'
			AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "monthly_sales_2025",
		Query: `{"metrics":["sales"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `SELECT date_trunc('month', order_time)::DATE, sum(paid_amount) FROM orders WHERE status = 'completed'
			AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "sales_orders_by_category",
		Query: `{"metrics":["sales","orders"],"dimensions":["category"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `SELECT p.category, sum(i.paid_line_amount), count(DISTINCT o.order_id)
			FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
			WHERE o.status = 'completed' AND o.order_time >= '2025-01-01' AND o.order_time < '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "repurchase_by_tier",
		Query: `{"metrics":["repurchase_rate"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `WITH c AS (SELECT tier_at_order t, customer_id, count(*) n FROM orders
			WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1, 2)
			SELECT t, avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END) FROM c GROUP BY 1`,
	},
	{
		Name:  "conversion_by_channel",
		Query: `{"metrics":["conversion_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		SQL: `WITH s AS (SELECT session_id, any_value(channel) ch, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			bool_or(event_type = 'pay') paid FROM events GROUP BY 1)
			SELECT ch, avg(CASE WHEN paid THEN 1.0 ELSE 0.0 END) FROM s WHERE vt >= '2025-11-01' AND vt < '2025-12-01' GROUP BY 1`,
		PGSQL: `WITH s AS (SELECT session_id, min(channel) ch, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			bool_or(event_type = 'pay') paid FROM events GROUP BY 1)
			SELECT ch, avg(CASE WHEN paid THEN 1.0 ELSE 0.0 END) FROM s WHERE vt >= '2025-11-01' AND vt < '2025-12-01' GROUP BY 1`,
	},
	{
		Name:  "sales_and_conversion_by_channel",
		Query: `{"metrics":["sales","conversion_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		SQL: `WITH s AS (SELECT session_id, any_value(channel) ch, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			bool_or(event_type = 'pay') paid FROM events GROUP BY 1),
			c AS (SELECT ch, avg(CASE WHEN paid THEN 1.0 ELSE 0.0 END) cr FROM s WHERE vt >= '2025-11-01' AND vt < '2025-12-01' GROUP BY 1),
			o AS (SELECT channel ch, sum(paid_amount) sales FROM orders WHERE status = 'completed'
			  AND order_time >= '2025-11-01' AND order_time < '2025-12-01' GROUP BY 1)
			SELECT ch, o.sales, c.cr FROM o FULL JOIN c USING (ch)`,
		PGSQL: `WITH s AS (SELECT session_id, min(channel) ch, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			bool_or(event_type = 'pay') paid FROM events GROUP BY 1),
			c AS (SELECT ch, avg(CASE WHEN paid THEN 1.0 ELSE 0.0 END) cr FROM s WHERE vt >= '2025-11-01' AND vt < '2025-12-01' GROUP BY 1),
			o AS (SELECT channel ch, sum(paid_amount) sales FROM orders WHERE status = 'completed'
			  AND order_time >= '2025-11-01' AND order_time < '2025-12-01' GROUP BY 1)
			SELECT ch, o.sales, c.cr FROM o FULL JOIN c USING (ch)`,
	},
	{
		Name:  "monthly_sales_yoy",
		Query: `{"metrics":["sales"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-12-31"}},"compare":"yoy"}`,
		SQL: `WITH cur AS (SELECT date_trunc('month', order_time)::DATE m, sum(paid_amount) v FROM orders
			  WHERE status = 'completed' AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1),
			prev AS (SELECT (date_trunc('month', order_time) + INTERVAL 1 YEAR)::DATE m, sum(paid_amount) v FROM orders
			  WHERE status = 'completed' AND order_time >= '2024-01-01' AND order_time < '2025-01-01' GROUP BY 1)
			SELECT m, cur.v, prev.v, (cur.v - prev.v) / prev.v FROM cur LEFT JOIN prev USING (m)`,
		PGSQL: `WITH cur AS (SELECT date_trunc('month', order_time)::DATE m, sum(paid_amount) v FROM orders
			  WHERE status = 'completed' AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1),
			prev AS (SELECT (date_trunc('month', order_time) + INTERVAL '1 year')::DATE m, sum(paid_amount) v FROM orders
			  WHERE status = 'completed' AND order_time >= '2024-01-01' AND order_time < '2025-01-01' GROUP BY 1)
			SELECT m, cur.v, prev.v, (cur.v - prev.v) / prev.v FROM cur LEFT JOIN prev USING (m)`,
	},
	{
		Name:  "sales_per_sqm_by_region",
		Query: `{"metrics":["sales_per_sqm"],"dimensions":["region"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `WITH s AS (SELECT st.region, sum(o.paid_amount) sales FROM orders o JOIN stores st USING (store_id)
			  WHERE o.status = 'completed' AND o.order_time >= '2025-01-01' AND o.order_time < '2026-01-01' GROUP BY 1),
			a AS (SELECT region, sum(area_sqm) area FROM stores GROUP BY 1)
			SELECT region, sales / area FROM s JOIN a USING (region)`,
	},
	{
		Name:  "new_buyers_by_channel",
		Query: `{"metrics":["new_buyers"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `WITH f AS (SELECT customer_id, arg_min(channel, (order_time, order_id)) ch, min(order_time) t FROM orders
			  WHERE status = 'completed' AND customer_id IS NOT NULL GROUP BY 1)
			SELECT ch, count(*) FROM f WHERE t >= '2025-01-01' AND t < '2026-01-01' GROUP BY 1`,
		PGSQL: `WITH f AS (SELECT DISTINCT ON (customer_id) customer_id, channel ch, order_time t FROM orders
			  WHERE status = 'completed' AND customer_id IS NOT NULL ORDER BY customer_id, order_time, order_id)
			SELECT ch, count(*) FROM f WHERE t >= '2025-01-01' AND t < '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "members_by_tier",
		Query: `{"metrics":["members"],"dimensions":["tier"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL:   `SELECT tier, count(*) FROM customers WHERE registered_at < '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "members_by_lifecycle",
		Query: `{"metrics":["members"],"dimensions":["lifecycle"]}`,
		SQL: `WITH l AS (SELECT customer_id, min(order_time::DATE) fd, max(order_time::DATE) ld FROM orders
			WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2026-01-01' GROUP BY 1)
			SELECT CASE WHEN l.customer_id IS NULL THEN 'never' WHEN date_diff('day', l.fd, DATE '2025-12-31') <= 29 THEN 'new'
			            WHEN date_diff('day', l.ld, DATE '2025-12-31') <= 89 THEN 'active'
			            WHEN date_diff('day', l.ld, DATE '2025-12-31') <= 179 THEN 'dormant' ELSE 'churned' END, count(*)
			FROM customers c LEFT JOIN l USING (customer_id) WHERE c.registered_at < DATE '2026-01-01' GROUP BY 1`,
		PGSQL: `WITH l AS (SELECT customer_id, min(order_time::DATE) fd, max(order_time::DATE) ld FROM orders
			WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2026-01-01' GROUP BY 1)
			SELECT CASE WHEN l.customer_id IS NULL THEN 'never' WHEN DATE '2025-12-31' - l.fd <= 29 THEN 'new'
			            WHEN DATE '2025-12-31' - l.ld <= 89 THEN 'active'
			            WHEN DATE '2025-12-31' - l.ld <= 179 THEN 'dormant' ELSE 'churned' END, count(*)
			FROM customers c LEFT JOIN l USING (customer_id) WHERE c.registered_at < DATE '2026-01-01' GROUP BY 1`,
	},
	{
		Name:  "rfm_members_and_sales",
		Query: `{"metrics":["members","sales"],"dimensions":["rfm_segment"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `WITH w AS (SELECT customer_id, date_diff('day', max(order_time::DATE), DATE '2025-12-31') r, count(*) f, sum(paid_amount) m
			  FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time::DATE BETWEEN DATE '2025-12-31' - 364 AND DATE '2025-12-31' GROUP BY 1),
			s AS (SELECT customer_id, ['lost', 'win_back', 'regulars_at_risk', 'loyal_at_risk', 'new_low', 'promising', 'loyal_low', 'champions'][1
			  + CASE WHEN r <= avg(r) OVER () THEN 4 ELSE 0 END + CASE WHEN f >= avg(f) OVER () THEN 2 ELSE 0 END + CASE WHEN m >= avg(m) OVER () THEN 1 ELSE 0 END] seg FROM w),
			mem AS (SELECT s.seg, count(*) n FROM customers c LEFT JOIN s USING (customer_id) WHERE c.registered_at < DATE '2026-01-01' GROUP BY 1),
			sal AS (SELECT s.seg, sum(o.paid_amount) v FROM orders o LEFT JOIN s USING (customer_id)
			  WHERE o.status = 'completed' AND o.order_time >= '2025-01-01' AND o.order_time < '2026-01-01' GROUP BY 1)
			SELECT coalesce(mem.seg, sal.seg), mem.n, sal.v FROM mem FULL JOIN sal ON mem.seg IS NOT DISTINCT FROM sal.seg`,
		PGSQL: `WITH w AS (SELECT customer_id, DATE '2025-12-31' - max(order_time::DATE) r, count(*) f, sum(paid_amount) m
			  FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time::DATE BETWEEN DATE '2025-12-31' - 364 AND DATE '2025-12-31' GROUP BY 1),
			s AS (SELECT customer_id, (ARRAY['lost', 'win_back', 'regulars_at_risk', 'loyal_at_risk', 'new_low', 'promising', 'loyal_low', 'champions'])[1
			  + CASE WHEN r <= avg(r) OVER () THEN 4 ELSE 0 END + CASE WHEN f >= avg(f) OVER () THEN 2 ELSE 0 END + CASE WHEN m >= avg(m) OVER () THEN 1 ELSE 0 END] seg FROM w),
			mem AS (SELECT coalesce(s.seg, '-') seg, count(*) n FROM customers c LEFT JOIN s USING (customer_id) WHERE c.registered_at < DATE '2026-01-01' GROUP BY 1),
			per AS (SELECT customer_id, sum(paid_amount) v FROM orders
			  WHERE status = 'completed' AND order_time >= '2025-01-01' AND order_time < '2026-01-01' GROUP BY 1),
			sal AS (SELECT coalesce(s.seg, '-') seg, sum(per.v) v FROM per LEFT JOIN s USING (customer_id) GROUP BY 1)
			SELECT NULLIF(seg, '-'), mem.n, sal.v FROM mem FULL JOIN sal USING (seg)`,
	},
	{
		Name:  "retention_triangle_2025",
		Query: `{"metrics":["retention_rate"],"dimensions":["cohort_month","months_since_first"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		SQL: `WITH o AS (SELECT DISTINCT customer_id, date_trunc('month', order_time) m FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL),
			f AS (SELECT customer_id, min(m) c FROM o GROUP BY 1 HAVING year(min(m)) = 2025), k AS (SELECT range k FROM range(1, 12))
			SELECT strftime(f.c, '%Y-%m'), CAST(k.k AS VARCHAR), avg((o.customer_id IS NOT NULL)::INT)
			FROM f CROSS JOIN k LEFT JOIN o ON o.customer_id = f.customer_id AND o.m = f.c + to_months(CAST(k.k AS INTEGER))
			WHERE f.c + to_months(CAST(k.k AS INTEGER)) <= DATE '2025-12-01' GROUP BY 1, 2`,
		PGSQL: `WITH o AS (SELECT DISTINCT customer_id, date_trunc('month', order_time) m FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL),
			f AS (SELECT customer_id, min(m) c FROM o GROUP BY 1 HAVING extract(year FROM min(m)) = 2025), k AS (SELECT generate_series(1, 11) k)
			SELECT to_char(f.c, 'YYYY-MM'), CAST(k.k AS TEXT), avg((o.customer_id IS NOT NULL)::INT)
			FROM f CROSS JOIN k LEFT JOIN o ON o.customer_id = f.customer_id AND o.m = f.c + k.k * INTERVAL '1 month'
			WHERE f.c + k.k * INTERVAL '1 month' <= DATE '2025-12-01' GROUP BY 1, 2`,
	},
	{
		Name:  "cart_recovery_by_channel",
		Query: `{"metrics":["cart_recovery_rate"],"dimensions":["channel"],"time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
		SQL: `WITH s AS (SELECT session_id, any_value(channel) ch, any_value(customer_id) cid, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			  max(event_time) lt, bool_or(event_type = 'add_to_cart') cart, bool_or(event_type = 'pay') paid FROM events GROUP BY 1),
			a AS (SELECT * FROM s WHERE cart AND NOT paid AND cid IS NOT NULL AND vt >= '2025-11-01' AND vt < '2025-12-01')
			SELECT ch, avg(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = a.cid AND e.event_type = 'pay'
			  AND e.event_time > a.lt AND e.event_time <= a.lt + INTERVAL 24 HOUR) THEN 1.0 ELSE 0.0 END) FROM a GROUP BY 1`,
		PGSQL: `WITH s AS (SELECT session_id, min(channel) ch, min(customer_id) cid, min(event_time) FILTER (WHERE event_type = 'visit') vt,
			  max(event_time) lt, bool_or(event_type = 'add_to_cart') cart, bool_or(event_type = 'pay') paid FROM events GROUP BY 1),
			a AS (SELECT * FROM s WHERE cart AND NOT paid AND cid IS NOT NULL AND vt >= '2025-11-01' AND vt < '2025-12-01')
			SELECT ch, avg(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = a.cid AND e.event_type = 'pay'
			  AND e.event_time > a.lt AND e.event_time <= a.lt + INTERVAL '24 hours') THEN 1.0 ELSE 0.0 END) FROM a GROUP BY 1`,
	},
	{
		// The first 10,000 members by sales in the 365 days to D: an audience export's rows.
		Name:  "audience_top_10000",
		Query: `{"metrics":[],"list":"members","limit":10000}`,
		SQL: `WITH o AS (SELECT customer_id, order_time::DATE dd, paid_amount FROM orders
			  WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2026-01-01'),
			l AS (SELECT customer_id, min(dd) fd, max(dd) ld, count(*) FILTER (WHERE dd >= DATE '2025-12-31' - 364) n,
			  sum(paid_amount) FILTER (WHERE dd >= DATE '2025-12-31' - 364) s FROM o GROUP BY 1)
			SELECT c.customer_id, c.tier, c.city,
			  CASE WHEN l.customer_id IS NULL THEN 'never' WHEN DATE '2025-12-31' - l.fd <= 29 THEN 'new'
			       WHEN DATE '2025-12-31' - l.ld <= 89 THEN 'active' WHEN DATE '2025-12-31' - l.ld <= 179 THEN 'dormant' ELSE 'churned' END,
			  CAST(l.ld AS VARCHAR), coalesce(l.n, 0), coalesce(l.s, 0) s
			FROM customers c LEFT JOIN l USING (customer_id) WHERE c.registered_at < DATE '2026-01-01'
			ORDER BY s DESC, c.customer_id LIMIT 10000`,
	},
	{
		Name:  "units_by_brand_top10",
		Query: `{"metrics":["units"],"dimensions":["brand"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}},"order":[{"by":"units","desc":true}],"limit":10}`,
		SQL: `SELECT p.brand, sum(i.quantity) u FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
			WHERE o.status = 'completed' AND o.order_time >= '2025-01-01' AND o.order_time < '2026-01-01'
			GROUP BY 1 ORDER BY u DESC, 1 LIMIT 10`,
	},
}
