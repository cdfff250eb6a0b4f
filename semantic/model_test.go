package semantic

import (
	"os"
	"strings"
	"testing"
)

const tinyModel = `name: tiny
label: {zh: 小, en: Tiny}
tables:
  sales:
    primary_key: id
    references: {shop_id: shops}
  shops:
    primary_key: shop_id
dimensions:
  shop:
    label: 店
    expr: shops.name
metrics:
  amount:
    label: {zh: 金额, en: Amount}
    unit: currency
    table: sales
    time: sold_at
    agg: sum
    expr: amount
  count:
    label: 笔数
    unit: count
    table: sales
    agg: count
  avg_amount:
    label: 均额
    unit: currency
    type: derived
    expr: amount / count
`

func TestParseModelOK(t *testing.T) {
	m, err := ParseModel("tiny.yaml", []byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Metrics); got != 3 {
		t.Fatalf("metrics = %d", got)
	}
	if d := m.Metric("avg_amount").Deps(); strings.Join(d, ",") != "amount,count" {
		t.Errorf("deps = %v", d)
	}
	if m.Metric("count").Label.En != "笔数" {
		t.Errorf("a plain string label serves both languages")
	}
}

// TestParseModelErrors breaks the tiny model one way at a time and checks
// the message names the file, the line and the element.
func TestParseModelErrors(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"yaml syntax", "  shops:\n    primary_key: shop_id", "  shops:\n   primary_key: [", []string{"tiny.yaml:"}},
		{"unknown table", "    table: sales\n    time: sold_at", "    table: sale\n    time: sold_at", []string{"tiny.yaml:17", "metrics.amount.table", `unknown table "sale"`, "did you mean sales"}},
		{"unknown agg", "agg: sum", "agg: total", []string{"tiny.yaml:19", "metrics.amount.agg", `unknown aggregation "total"`}},
		{"unknown unit", "unit: currency\n    table", "unit: money\n    table", []string{"metrics.amount.unit", `unknown unit "money"`}},
		{"missing label", "    label: 笔数\n", "", []string{"tiny.yaml:21", "metrics.count.label", "a label is required"}},
		{"formula names unknown metric", "expr: amount / count", "expr: amount / cnt", []string{"tiny.yaml:30", "metrics.avg_amount.expr", `unknown metric "cnt"`, "did you mean count"}},
		{"bad formula", "expr: amount / count", "expr: amount / (count", []string{"bad formula", "missing )"}},
		{"reference to unknown table", "references: {shop_id: shops}", "references: {shop_id: shop}", []string{"tiny.yaml:6", "tables.sales.references.shop_id", `unknown table "shop"`}},
		{"unqualified dimension", "expr: shops.name", "expr: name", []string{"tiny.yaml:12", "dimensions.shop.expr", "table-qualified"}},
		{"unreachable column", "    expr: amount\n", "    expr: shops.size\n", []string{}},
		{"cycle", "expr: amount / count", "expr: amount / avg_amount", []string{"cycle", "avg_amount → avg_amount"}},
		{"duplicate metric", "  count:\n", "  amount:\n", []string{"metrics.amount", "defined twice"}},
		{"bad name", "  count:\n", "  Count:\n", []string{"metrics.Count", "lower-case"}},
		{"bad as_of", "name: tiny\n", "name: tiny\nas_of: 2025-13-01\n", []string{"as_of", "not a date"}},
		{"followed without followed_by", "    agg: count\n", "    type: followed\n    time: sold_at\n    entity: shop_id\n", []string{"metrics.count.followed_by", "needs followed_by"}},
		{"followed with a bad window", "    agg: count\n", "    type: followed\n    time: sold_at\n    entity: shop_id\n    followed_by: {table: shops, entity: shop_id, time: opened_at, within: 1 day}\n",
			[]string{"metrics.count.followed_by.within", `not "1 day"`}},
		{"followed on its own table", "    agg: count\n", "    type: followed\n    time: sold_at\n    entity: shop_id\n    followed_by: {table: sales, entity: shop_id, time: sold_at, within: 24h}\n",
			[]string{"metrics.count.followed_by.table", "another table"}},
		{"followed reading another table", "    agg: count\n", "    type: followed\n    time: sold_at\n    entity: shop_id\n    followed_by: {table: shops, entity: shop_id, time: opened_at, filter: sales.x > 1, within: 7d}\n",
			[]string{"followed_by reads only its own table"}},
		{"followed with an agg", "    agg: count\n", "    type: followed\n    agg: count\n    time: sold_at\n    entity: shop_id\n    followed_by: {table: shops, entity: shop_id, time: opened_at, within: 7d}\n",
			[]string{"takes no agg"}},
		{"cumulative avg", "    agg: sum\n    expr: amount\n", "    agg: avg\n    expr: amount\n    cumulative: true\n", []string{"metrics.amount.cumulative", "only sum, count"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(tinyModel, tt.old, tt.new, 1)
			if src == tinyModel {
				t.Fatalf("replacement %q not found", tt.old)
			}
			_, err := ParseModel("tiny.yaml", []byte(src))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestNormalizeValue(t *testing.T) {
	d := &Dimension{Values: []Value{{Value: "gold", Zh: "黄金会员", En: "Gold", Synonyms: []string{"金卡"}}, {Value: "上海", En: "Shanghai"}}}
	for in, want := range map[string]string{"黄金会员": "gold", "金卡": "gold", "GOLD": "gold", "shanghai": "上海", "北京": "北京"} {
		if got := d.NormalizeValue(in); got != want {
			t.Errorf("NormalizeValue(%q) = %q, want %q", in, got, want)
		}
	}
	nd := &Dimension{NullLabel: Text{Zh: "非会员", En: "Non-member"}, Values: d.Values}
	if got := nd.ValueLabel(nil, "en"); got != "Non-member" {
		t.Errorf("null label = %q", got)
	}
	if got := nd.ValueLabel("gold", "zh"); got != "黄金会员" {
		t.Errorf("label = %q", got)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"sales", "gmv", "orders", "销售额", "订单数", "repurchase_rate"}
	tests := map[string]string{"salse": "sales", "销量额": "销售额", "order": "orders", "repurchase": "repurchase_rate", "xyzzy": ""}
	for in, want := range tests {
		got := closest(in, cands, 1)
		if want == "" && len(got) != 0 || want != "" && (len(got) == 0 || got[0] != want) {
			t.Errorf("closest(%q) = %v, want %q", in, got, want)
		}
	}
}

func TestTokenizeAndRender(t *testing.T) {
	got := renderExpr("CASE WHEN csat >= 4 AND orders.status = 'it''s' THEN CAST(x AS DOUBLE) ELSE coalesce(y, 0)::INTEGER END", "surveys", DuckDB)
	want := `CASE WHEN "surveys"."csat" >= 4 AND "orders"."status" = 'it''s' THEN CAST("surveys"."x" AS DOUBLE) ELSE coalesce("surveys"."y", 0)::INTEGER END`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if c := conjuncts(`a = 1 AND (b OR c) AND d IS NOT NULL`); len(c) != 3 || c[2] != `"d" IS NOT NULL` {
		t.Errorf("conjuncts = %q", c)
	}
	if p := parenthesize("a OR b"); p != "(a OR b)" {
		t.Errorf("parenthesize = %q", p)
	}
	if p := parenthesize("(a OR b) AND c"); p != "(a OR b) AND c" {
		t.Errorf("parenthesize = %q", p)
	}
}

func TestFormula(t *testing.T) {
	f, err := parseFormula("(a - b) / c * 100 + -d")
	if err != nil {
		t.Fatal(err)
	}
	got := f.render(DuckDB, func(s string) string { return s })
	want := "((((a - b) / NULLIF((c), 0)) * 100) + -(d))"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, bad := range []string{"a /", "a b", "sum(a)", "(a", "a.b / c", ""} {
		if _, err := parseFormula(bad); err == nil {
			t.Errorf("parseFormula(%q) accepted", bad)
		}
	}
}

// TestDocumentedExample parses the example of docs/model.md, so the
// reference page never shows a model that does not load.
func TestDocumentedExample(t *testing.T) {
	data, err := os.ReadFile("../docs/model.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/model.md has no yaml example")
	}
	m, err := ParseModel("docs/model.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	q := &Query{Metrics: []string{"aov", "repeat_rate"}, Dimensions: []string{"country"}}
	if _, err := Compile(m, q, CompileOptions{}); err != nil {
		t.Fatal(err)
	}
}
