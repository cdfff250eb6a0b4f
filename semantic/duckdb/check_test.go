package duckdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic"
)

func TestCheckModel(t *testing.T) {
	db := datasetstest.Open(t)
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CheckModel(context.Background(), m, semantic.CompileOptions{}); err != nil {
		t.Fatalf("the demo model does not bind: %v", err)
	}
	broken, err := semantic.ParseModel("broken.yaml", []byte(`
name: broken
label: x
tables:
  orders: {primary_key: order_id}
dimensions:
  shop:
    label: 店
    expr: orders.shop_name
metrics:
  revenue:
    label: 收入
    unit: currency
    table: orders
    time: order_time
    agg: sum
    expr: paid_amout
`))
	if err != nil {
		t.Fatal(err)
	}
	err = db.CheckModel(context.Background(), broken, semantic.CompileOptions{})
	for _, want := range []string{"metric revenue", "paid_amout", "dimension shop", "shop_name"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
