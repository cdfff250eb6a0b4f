package semantic_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/semantic"
)

// TestRulesInEveryScan compiles every metric a region manager may see in
// several shapes and checks that each CTE reading a table of the data
// carries the region rule: numerators and denominators, repeat and
// first-order sub-queries, previous periods, shares and metric filters.
func TestRulesInEveryScan(t *testing.T) {
	m := retailModel(t)
	a, err := m.Access("region_manager", map[string]string{"region": "华南"})
	if err != nil {
		t.Fatal(err)
	}
	const rule = `"stores"."region" = '华南'`
	readsData := regexp.MustCompile(`(FROM|JOIN) "(orders|order_items|surveys|stores|customers|products|member_tier_changes|events|sessions)"`)
	cteSplit := regexp.MustCompile(`\n\),\n|\n\)\nSELECT `)
	shapes := []string{
		`{"metrics":["%s"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`{"metrics":["%s"],"dimensions":["channel"],"time":{"range":{"start":"2025-01-01","end":"2025-12-31"}},"share":["%[1]s"]}`,
		`{"metrics":["%s"],"dimensions":["category"],"time":{"range":{"start":"2025-10-01","end":"2025-12-31"}}}`,
		`{"metrics":["%s"],"dimensions":["tier"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-06-30"}},"compare":"yoy"}`,
		`{"metrics":["%s"],"dimensions":["store"],"filters":[{"metric":"%[1]s","op":"gt","value":0}],"compare":"pop","time":{"range":{"start":"2025-11-01","end":"2025-11-30"}}}`,
	}
	visible, compiled := 0, 0
	for _, mt := range m.Metrics {
		if !a.MetricVisible(mt.Name) {
			continue
		}
		visible++
		for i, shape := range shapes {
			q, err := semantic.ParseQuery([]byte(fmt.Sprintf(shape, mt.Name)))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := semantic.Compile(m, q, semantic.CompileOptions{Access: a})
			if err != nil {
				// A shape the metric cannot take (split by category) fails
				// for everyone; that is not the rule's doing.
				if _, err2 := semantic.Compile(m, q, semantic.CompileOptions{}); err2 == nil {
					t.Errorf("%s shape %d: compiles without rules but not with them: %v", mt.Name, i, err)
				}
				continue
			}
			compiled++
			sql := plan.DisplaySQL()
			for _, cte := range cteSplit.Split(sql, -1) {
				if readsData.MatchString(cte) && !strings.Contains(cte, rule) {
					t.Errorf("%s shape %d: a scan without the rule:\n%s\n--- in\n%s", mt.Name, i, cte, sql)
				}
			}
		}
	}
	if visible < 15 || compiled < 60 {
		t.Errorf("only %d visible metrics and %d compiled queries were checked", visible, compiled)
	}
	t.Logf("%d metrics, %d queries: every scan carries the rule", visible, compiled)
}
