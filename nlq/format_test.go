package nlq

import (
	"testing"

	"github.com/wenshu-bi/wenshu/semantic"
)

// TestCurrencies: money is written in its currency (the model's, or a
// metric's own), in sentences and in tables.
func TestCurrencies(t *testing.T) {
	for _, c := range []struct {
		v       float64
		unit    string
		lang    string
		compact string
		full    string
	}{
		{94862.2, "currency", "zh", "¥9.5万", "¥94,862.20"},
		{94862.2, "currency:GBP", "en", "£94,862.20", "£94,862.20"}, {194862.2, "currency:GBP", "en", "£194.9K", "£194,862.20"},
		{-1234.5, "currency:USD", "en", "-$1,234.50", "-$1,234.50"},
		{12.5, "currency:CHF", "en", "CHF 12.50", "CHF 12.50"},
		{0.256, "percent", "en", "25.6%", "25.6%"},
	} {
		if got := FormatCompact(c.v, c.unit, c.lang); got != c.compact {
			t.Errorf("FormatCompact(%v, %s, %s) = %q, want %q", c.v, c.unit, c.lang, got, c.compact)
		}
		if got := FormatValue(c.v, c.unit, c.lang); got != c.full {
			t.Errorf("FormatValue(%v, %s, %s) = %q, want %q", c.v, c.unit, c.lang, got, c.full)
		}
	}
	m, err := semantic.ParseModel("m.yaml", []byte(`name: m
label: M
currency: GBP
tables:
  t: {primary_key: id}
dimensions: {}
metrics:
  sales: {label: Sales, unit: currency, table: t, agg: sum, expr: v}
  usd: {label: USD sales, unit: currency, currency: USD, table: t, agg: sum, expr: v}
  n: {label: N, unit: count, table: t, agg: count}
`))
	if err != nil {
		t.Fatal(err)
	}
	if MetricUnit(m, m.Metric("sales")) != "currency:GBP" || MetricUnit(m, m.Metric("usd")) != "currency:USD" || MetricUnit(m, m.Metric("n")) != "count" {
		t.Errorf("metric units %s %s %s", MetricUnit(m, m.Metric("sales")), MetricUnit(m, m.Metric("usd")), MetricUnit(m, m.Metric("n")))
	}
	plan, err := semantic.Compile(m, &semantic.Query{Metrics: []string{"sales", "usd"}}, semantic.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Columns[0].Currency != "GBP" || plan.Columns[1].Currency != "USD" || UnitOf(plan.Columns[0]) != "currency:GBP" {
		t.Errorf("columns %+v", plan.Columns)
	}
	for _, bad := range []string{"currency: pounds\n", "locale: English!\n"} {
		if _, err := semantic.ParseModel("m.yaml", []byte("name: m\nlabel: M\n"+bad+"tables: {t: {primary_key: id}}\nmetrics: {n: {label: N, unit: count, table: t, agg: count}}\n")); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
