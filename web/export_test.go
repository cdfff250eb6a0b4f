package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Audiences over the server: the answer (count first, 20 rows), the CSV and
// Excel exports of the whole list, the asker's row rules, personal data,
// the export bound and the list as a subscription — each list compared with
// SQL written by hand from DATASET.md's audience definition.

// handList is the audience as of 2025-12-31 written by hand: member,
// tier, city, stage, last order day, orders and sales in 365 days, ordered
// by sales descending then member; where filters it.
func handList(where string) string {
	return `WITH o AS (SELECT customer_id, order_time::DATE dd, paid_amount FROM orders
	   WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2026-01-01'),
	 l AS (SELECT customer_id, min(dd) fd, max(dd) ld, count(*) FILTER (WHERE dd >= DATE '2025-12-31' - 364) n,
	   sum(paid_amount) FILTER (WHERE dd >= DATE '2025-12-31' - 364) s FROM o GROUP BY 1),
	 x AS (SELECT c.customer_id, c.tier, c.city, c.gender,
	   CASE WHEN l.customer_id IS NULL THEN 'never' WHEN DATE '2025-12-31' - l.fd <= 29 THEN 'new'
	        WHEN DATE '2025-12-31' - l.ld <= 89 THEN 'active' WHEN DATE '2025-12-31' - l.ld <= 179 THEN 'dormant' ELSE 'churned' END AS stage,
	   CAST(l.ld AS VARCHAR) AS last_day, DATE '2025-12-31' - l.ld AS days, coalesce(l.n, 0) AS n, coalesce(l.s, 0) AS s
	 FROM customers c LEFT JOIN l USING (customer_id) WHERE c.registered_at < DATE '2026-01-01')
	 SELECT customer_id, tier, city, stage, last_day, n, s FROM x WHERE ` + where + ` ORDER BY s DESC, customer_id`
}

func handRows(t *testing.T, ts *testServer, sql string) [][]string {
	t.Helper()
	_, rows, _, err := ts.db.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("gold SQL: %v", err)
	}
	if len(rows) == 0 {
		t.Fatal("the gold SQL returned no rows: the case tests nothing")
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, v := range r {
			out[i] = append(out[i], cellString(v))
		}
	}
	return out
}

// cellString writes a value as the files do, amounts to the cent (an
// export's 123.4 is the database's 123.40).
func cellString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	case string:
		if strings.Contains(x, ".") {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return cellString(f)
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

func download(t *testing.T, u, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, data
}

func exportURL(ts *testServer, format string, q any) string {
	data, _ := json.Marshal(q)
	return ts.URL + "/api/v1/export?format=" + format + "&query=" + url.QueryEscape(string(data))
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Error("the CSV has no byte-order mark (Excel would garble the Chinese labels)")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	for _, r := range recs[1:] {
		for i, v := range r {
			r[i] = cellString(v)
		}
	}
	return recs
}

func readXLSX(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		for i, v := range r {
			r[i] = cellString(v)
		}
	}
	return rows
}

func sameRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("%s row %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

type listAnswer struct {
	Answer  string
	Query   *semantic.Query
	Rows    [][]any
	List    *nlq.ListInfo
	Notes   []string
	Refusal *struct{ Reason, Message string }
	Columns []struct{ Name string }
}

func askList(t *testing.T, ts *testServer, token, question string) listAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"question": question})
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", string(body), "Authorization", "Bearer "+token)
	if code != 200 {
		t.Fatalf("ask %q: %d %v", question, code, res)
	}
	data, _ := json.Marshal(res)
	var a listAnswer
	json.Unmarshal(data, &a)
	return a
}

func TestAudienceAnswerAndExports(t *testing.T) {
	ts, tokens := accessServer(t, nil)
	root := tokens["root"]
	a := askList(t, ts, root, "列出近90天没有购买的黄金会员")
	want := handRows(t, ts, handList("tier = 'gold' AND (days >= 90 OR days IS NULL)"))
	if a.List == nil || a.List.Total != int64(len(want)) || len(a.Rows) != min(20, len(want)) {
		t.Fatalf("answer list %+v with %d rows, want %d members and the first 20 rows", a.List, len(a.Rows), len(want))
	}
	if !strings.Contains(a.Answer, fmt.Sprint(len(want)%1000)) || !strings.Contains(a.Answer, "截至2025年12月31日") {
		t.Errorf("the answer does not state the count and the day first: %q", a.Answer)
	}
	var first [][]string
	for _, r := range a.Rows {
		var s []string
		for _, v := range r {
			s = append(s, cellString(v))
		}
		first = append(first, s)
	}
	sameRows(t, "answer", first, want[:len(first)])

	res, data := download(t, exportURL(ts, "csv", a.Query), root)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "members-2025-12-31.csv") || res.Header.Get("X-Wenshu-Total") != fmt.Sprint(len(want)) {
		t.Fatalf("CSV export: %d %v", res.StatusCode, res.Header)
	}
	csvRows := readCSV(t, data)
	if strings.Join(csvRows[0], ",") != "会员ID,会员等级,城市,生命周期阶段,最近购买日,近365天订单数,近365天销售额" {
		t.Errorf("CSV header %v", csvRows[0])
	}
	sameRows(t, "CSV", csvRows[1:], want)

	res, data = download(t, exportURL(ts, "xlsx", a.Query)+"&lang=en", root)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.openxmlformats") {
		t.Fatalf("xlsx export: %d %v", res.StatusCode, res.Header)
	}
	xrows := readXLSX(t, data)
	if xrows[0][0] != "Member ID" {
		t.Errorf("xlsx header %v", xrows[0])
	}
	sameRows(t, "xlsx", xrows[1:], want)

	// The catalog offers the audience with its columns.
	_, cat := doJSON(t, "GET", ts.URL+"/api/v1/model", "", "Authorization", "Bearer "+root)
	if !strings.Contains(fmt_(cat["audiences"]), `"columns":["member_id","tier","city","lifecycle","last_order_day","orders_365d","sales_365d"]`) {
		t.Errorf("catalog audiences %v", cat["audiences"])
	}
	// Not signed in, not a list, a bad format: refused.
	if res, _ := download(t, exportURL(ts, "csv", a.Query), ""); res.StatusCode != 401 {
		t.Errorf("export without signing in: %d", res.StatusCode)
	}
	if res, _ := download(t, exportURL(ts, "csv", map[string]any{"metrics": []string{"sales"}}), root); res.StatusCode != 400 {
		t.Errorf("export of a metric query: %d", res.StatusCode)
	}
	if res, _ := download(t, exportURL(ts, "pdf", a.Query), root); res.StatusCode != 400 {
		t.Errorf("export as pdf: %d", res.StatusCode)
	}
}

func TestAudienceRespectsRowRules(t *testing.T) {
	ts, tokens := accessServer(t, nil)
	ops := addStoredUser(t, ts, "ops", "member_ops", map[string]string{"cities": "上海,杭州"}, 0)
	a := askList(t, ts, ops, "导出重要价值客户名单")
	if a.List == nil || a.Refusal != nil {
		t.Fatalf("member ops' list: %+v", a)
	}
	res, data := download(t, exportURL(ts, "csv", a.Query), ops)
	if res.StatusCode != 200 {
		t.Fatalf("export: %d %s", res.StatusCode, data)
	}
	got := readCSV(t, data)[1:]
	// RFM segments are assigned over all members (DATASET.md), then the rule keeps the cities.
	_, seg, _, err := ts.db.Query(context.Background(), `WITH w AS (SELECT customer_id, DATE '2025-12-31' - max(order_time::DATE) r, count(*) f, sum(paid_amount) m
		FROM orders WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time >= DATE '2025-12-31' - 364 AND order_time < DATE '2026-01-01' GROUP BY 1)
		SELECT customer_id FROM w WHERE r <= (SELECT avg(r) FROM w) AND f >= (SELECT avg(f) FROM w) AND m >= (SELECT avg(m) FROM w)`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range seg {
		ids = append(ids, fmt.Sprint(r[0]))
	}
	want := handRows(t, ts, handList("city IN ('上海', '杭州') AND customer_id IN ("+strings.Join(ids, ",")+")"))
	sameRows(t, "member ops' export", got, want)
	if a.List.Total != int64(len(want)) {
		t.Errorf("answer count %d, want %d", a.List.Total, len(want))
	}
	// A region manager's rule (stores' region) cannot be told for members: no list.
	south := askList(t, ts, tokens["south"], "导出重要价值客户名单")
	if south.Refusal == nil || south.Refusal.Reason != "not_permitted" || len(south.Rows) > 0 {
		t.Errorf("a region manager got a list of members: %+v", south)
	}
	if res, _ := download(t, exportURL(ts, "csv", a.Query), tokens["south"]); res.StatusCode != 403 {
		t.Errorf("a region manager's export: %d, want 403", res.StatusCode)
	}
}

// piiModel is the demo model with a phone column marked personal data and
// a role that may see it.
func piiModel(t *testing.T) *semantic.Model {
	t.Helper()
	src := string(datasets.RetailYAML())
	src = strings.Replace(src, "  last_order_day:\n", `  phone:
    label: {zh: 手机号, en: Phone}
    synonyms: [手机, 电话, phone number]
    pii: true
    expr: "'138' || lpad(CAST(customers.customer_id AS VARCHAR), 8, '0')"
  last_order_day:
`, 1)
	src = strings.Replace(src, "columns: [member_id, tier, city, lifecycle,", "columns: [member_id, phone, tier, city, lifecycle,", 1)
	src = strings.Replace(src, "    # A city's CRM operator", `    crm:
      label: {zh: 客户关系, en: CRM}
      pii: true
    # A city's CRM operator`, 1)
	m, err := semantic.ParseModel("pii.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAudiencePersonalData(t *testing.T) {
	// The demo model holds no phone numbers: asking for them is refused, with the reason.
	ts, tokens := accessServer(t, nil)
	for _, q := range []string{"导出黄金会员的手机号", "黄金会员的手机号是多少", "export the phone numbers of dormant members"} {
		a := askList(t, ts, tokens["root"], q)
		if a.Refusal == nil || a.Refusal.Reason != "personal_data" || len(a.Rows) > 0 {
			t.Errorf("%s: %+v, want a refusal for personal data the model lacks", q, a)
		}
	}
	// A model with a pii phone column: shown to the crm role, hidden from hq.
	m := piiModel(t)
	ts2, _ := accessServer(t, func(e *nlq.Engine) {
		values, _ := nlq.LoadValues(context.Background(), m, e.Runner)
		e.Model, e.Rules = m, nlq.NewRules(m, nlq.NewLexicon(m, values))
	})
	crm := addStoredUser(t, ts2, "crm", "crm", nil, 0)
	hq := addStoredUser(t, ts2, "hq2", "hq", nil, 0)
	withPhone := askList(t, ts2, crm, "导出黄金会员名单")
	if withPhone.List == nil || len(withPhone.Columns) < 2 || withPhone.Columns[1].Name != "phone" {
		t.Fatalf("crm's list has no phone column: %+v", withPhone.Columns)
	}
	res, data := download(t, exportURL(ts2, "csv", withPhone.Query), crm)
	if res.StatusCode != 200 || !strings.Contains(string(data), "手机号") || !strings.Contains(string(data), "138") {
		t.Errorf("crm's export lacks the phone column: %d %.200s", res.StatusCode, data)
	}
	without := askList(t, ts2, hq, "导出黄金会员名单")
	for _, c := range without.Columns {
		if c.Name == "phone" {
			t.Fatal("hq (no pii) sees the phone column")
		}
	}
	if !strings.Contains(strings.Join(without.Notes, " "), "个人信息") {
		t.Errorf("hq is not told the phone column is left out: %v", without.Notes)
	}
	res, data = download(t, exportURL(ts2, "csv", without.Query), hq)
	if res.StatusCode != 200 || strings.Contains(string(data), "手机号") {
		t.Errorf("hq's export carries personal data: %d %.200s", res.StatusCode, data)
	}
	// Asking for the phone column by name is refused for hq.
	q := map[string]any{"metrics": []string{}, "list": "members", "dimensions": []string{"phone"}}
	if res, _ := download(t, exportURL(ts2, "csv", q), hq); res.StatusCode != 403 {
		t.Errorf("hq exporting the phone column: %d, want 403", res.StatusCode)
	}
}

func TestAudienceExportBound(t *testing.T) {
	ts, tokens := accessServer(t, func(e *nlq.Engine) { e.MaxExportRows = 100 })
	a := askList(t, ts, tokens["root"], "导出铂金会员名单")
	want := handRows(t, ts, handList("tier = 'platinum'"))
	if len(want) <= 100 {
		t.Fatalf("the case needs more than 100 platinum members, has %d", len(want))
	}
	if a.List == nil || !a.List.OverExport || !strings.Contains(a.Answer, "导出上限") {
		t.Errorf("the answer does not say the export is cut: %+v %q", a.List, a.Answer)
	}
	res, data := download(t, exportURL(ts, "csv", a.Query), tokens["root"])
	if res.Header.Get("X-Wenshu-Truncated") != "true" {
		t.Errorf("no truncation header: %v", res.Header)
	}
	sameRows(t, "bounded CSV", readCSV(t, data)[1:], want[:100])
	res, data = download(t, exportURL(ts, "xlsx", a.Query), tokens["root"])
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	about, _ := f.GetRows("说明")
	if res.StatusCode != 200 || len(about) < 3 || !strings.Contains(about[2][0], "导出上限") {
		t.Errorf("the workbook does not say it is cut: %v", about)
	}
}

func TestAudienceSubscription(t *testing.T) {
	hook, bodies := recordingHook(t)
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	opts.PublicOrigins = []string{"https://bi.example.com"}
	ts := newTestServer(t, "", 0, opts)
	ops := addStoredUser(t, ts, "ops", "member_ops", map[string]string{"cities": "上海"}, 0)
	auth := []string{"Authorization", "Bearer " + ops}
	code, sub := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions", `{"question":"导出沉睡会员名单","schedule":"0 9 * * 1","channels":[{"type":"webhook","url":"`+hook.URL+`/h"}]}`, auth...)
	if code != 201 {
		t.Fatalf("a list subscription: %d %v", code, sub)
	}
	if code, run := doJSON(t, "POST", ts.URL+"/api/v1/subscriptions/"+fmt.Sprint(sub["id"])+"/run", "", auth...); code != 200 || run["state"] != "done" {
		t.Fatalf("run: %d %v", code, run)
	}
	got := bodies()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	want := handRows(t, ts, handList("stage = 'dormant' AND city = '上海'"))
	lines, _ := got[0]["lines"].([]any)
	if len(lines) == 0 || !strings.Contains(fmt.Sprint(lines[0]), want[0][0]) || !strings.Contains(fmt_(got[0]), fmt.Sprint(len(want))) {
		t.Errorf("the report does not lead with the list's count and first member (%s): %v", want[0][0], got[0])
	}
	link := fmt.Sprint(got[0]["link"])
	path, ok := strings.CutPrefix(link, "https://bi.example.com")
	if !ok || !strings.HasSuffix(path, ".xlsx") {
		t.Fatalf("link %q", link)
	}
	// The link works without signing in (the token is the credential) and
	// holds the owner's rows only.
	res, data := download(t, ts.URL+strings.TrimSuffix(path, ".xlsx")+".csv", "")
	if res.StatusCode != 200 {
		t.Fatalf("GET the list link: %d %s", res.StatusCode, data)
	}
	sameRows(t, "pushed list", readCSV(t, data)[1:], want)
	if res, _ := download(t, ts.URL+"/lists/"+strings.Repeat("a", 32)+".csv", ""); res.StatusCode != 404 {
		t.Errorf("a guessed list link: %d", res.StatusCode)
	}
}
