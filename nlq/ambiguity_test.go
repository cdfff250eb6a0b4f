package nlq_test

import (
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// TestTwoReadingsClarify: a word the model gives to two metrics gets a
// clarification listing both, never a guess.
func TestTwoReadingsClarify(t *testing.T) {
	m, err := semantic.ParseModel("shop.yaml", []byte(`
name: shop
label: 店
tables:
  visits: {primary_key: id}
metrics:
  visitors:
    label: {zh: 访客数, en: Visitors}
    synonyms: [人数]
    description: {zh: 不同访客, en: distinct visitors}
    unit: count
    table: visits
    time: at
    agg: count_distinct
    expr: visitor_id
  buyers:
    label: {zh: 买家数, en: Buyers}
    synonyms: [人数]
    description: {zh: 下单的访客, en: visitors who bought}
    unit: count
    table: visits
    time: at
    agg: count_distinct
    expr: visitor_id
    filter: bought
`))
	if err != nil {
		t.Fatal(err)
	}
	rules := nlq.NewRules(m, nlq.NewLexicon(m, nil))
	tr := rules.Translate("上个月的人数", nil, semantic.D(2025, 12, 31))
	if tr.Query != nil || tr.Clarify == nil || len(tr.Clarify.Options) != 2 {
		t.Fatalf("want a clarification with two options, got %+v", tr)
	}
	if !strings.Contains(tr.Clarify.Options[0].Label+tr.Clarify.Options[1].Label, "访客数") {
		t.Errorf("options %+v", tr.Clarify.Options)
	}
	// Naming one of them answers.
	if tr := rules.Translate("上个月的买家数", nil, semantic.D(2025, 12, 31)); tr.Query == nil || tr.Query.Metrics[0] != "buyers" {
		t.Errorf("%+v", tr)
	}
}
