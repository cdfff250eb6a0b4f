package semantic_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/semantic"
)

// TestValidationCodes checks every typed error code with a query that
// triggers it, and that suggestions are the close names.
func TestValidationCodes(t *testing.T) {
	m := retailModel(t)
	tests := []struct {
		query, code, path string
		suggest           string
	}{
		{`{"metrics":[]}`, semantic.CodeEmptyQuery, "metrics", ""},
		{`{"metrics":["销售额x"]}`, semantic.CodeUnknownMetric, "metrics[0]", "sales"},
		{`{"metrics":["repurchase"]}`, semantic.CodeUnknownMetric, "metrics[0]", "repurchase_rate"},
		{`{"metrics":["sales"],"dimensions":["citi"]}`, semantic.CodeUnknownDimension, "dimensions[0]", "city"},
		{`{"metrics":["sales"],"dimensions":["city","city"]}`, semantic.CodeDuplicate, "dimensions[1]", ""},
		{`{"metrics":["sessions"],"dimensions":["store"]}`, semantic.CodeUnreachable, "dimensions[0]", "channel"},
		{`{"metrics":["nps"],"dimensions":["category"]}`, semantic.CodeUnreachable, "dimensions[0]", ""},
		{`{"metrics":["sessions"],"filters":[{"dimension":"category","op":"eq","value":"服装"}]}`, semantic.CodeUnreachable, "filters[0]", ""},
		{`{"metrics":["sales"],"time":{"range":{"start":"2025-02-01","end":"2025-01-01"}}}`, semantic.CodeBadTimeRange, "time.range", ""},
		{`{"metrics":["sales"],"time":{"range":{"start":"1000-02-01","end":"2025-01-01"}}}`, semantic.CodeBadTimeRange, "time.range", ""},
		{`{"metrics":["members"],"time":{"grain":"month"}}`, semantic.CodeBadTimeRange, "time.range", ""},
		{`{"metrics":["sales"],"time":{"grain":"monthly"}}`, semantic.CodeBadGrain, "time.grain", "month"},
		{`{"metrics":["sales"],"compare":"yoy"}`, semantic.CodeBadCompare, "compare", ""},
		{`{"metrics":["sales"],"filters":[{"dimension":"channel","op":"in"}]}`, semantic.CodeBadFilter, "filters[0].values", ""},
		{`{"metrics":["sales"],"filters":[{"dimension":"channel","op":"contains","value":3}]}`, semantic.CodeBadFilter, "filters[0].values", ""},
		{`{"metrics":["sales"],"filters":[{"metric":"sales","op":"gt","value":"lots"}]}`, semantic.CodeBadFilter, "filters[0].values", ""},
		{`{"metrics":["sales"],"filters":[{"dimension":"channel","metric":"sales","op":"eq","value":1}]}`, semantic.CodeBadFilter, "filters[0]", ""},
		{`{"metrics":["sales"],"filters":[{"dimension":"chanel","op":"eq","value":"天猫"}]}`, semantic.CodeUnknownDimension, "filters[0].dimension", "channel"},
		{`{"metrics":["sales"],"share":["orders"]}`, semantic.CodeBadShare, "share[0]", ""},
		{`{"metrics":["sales"],"order":[{"by":"sale"}]}`, semantic.CodeBadOrder, "order[0]", "sales"},
		{`{"metrics":["sales"],"limit":100000}`, semantic.CodeBadLimit, "limit", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.path, func(t *testing.T) {
			q, err := semantic.ParseQuery([]byte(tt.query))
			if err != nil {
				t.Fatal(err)
			}
			_, err = semantic.Compile(m, q, semantic.CompileOptions{})
			var e *semantic.Error
			if !errors.As(err, &e) {
				t.Fatalf("want a *semantic.Error, got %v", err)
			}
			if e.Code != tt.code || e.Path != tt.path {
				t.Fatalf("got %s at %s (%v), want %s at %s", e.Code, e.Path, err, tt.code, tt.path)
			}
			if tt.suggest != "" && (len(e.Suggestions) == 0 || e.Suggestions[0] != tt.suggest) {
				t.Errorf("suggestions %v, want %s first", e.Suggestions, tt.suggest)
			}
		})
	}
}

func TestParseQueryRejects(t *testing.T) {
	for _, bad := range []string{`{`, `{"metrics":["sales"]} {}`, `{"metrics":"sales"}`, `{"metric":["sales"]}`,
		`{"metrics":["sales"],"time":{"range":{"start":"2025-13-01","end":"2025-12-01"}}}`, `[]`} {
		_, err := semantic.ParseQuery([]byte(bad))
		var e *semantic.Error
		if !errors.As(err, &e) || e.Code != semantic.CodeBadJSON {
			t.Errorf("ParseQuery(%s) = %v, want bad_json", bad, err)
		}
	}
}

func TestAccessRules(t *testing.T) {
	m := retailModel(t)
	rules := []semantic.Filter{{Dimension: "region", Op: "eq", Values: []any{"华东"}}}
	q, _ := semantic.ParseQuery([]byte(`{"metrics":["sales"],"dimensions":["region"],"filters":[{"dimension":"region","op":"in","values":["华北","华东"]}]}`))
	plan, err := semantic.Compile(m, q, semantic.CompileOptions{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.DisplaySQL(); !contains(got, `"stores"."region" = '华东'`) {
		t.Errorf("the rule is not applied:\n%s", got)
	}
	// A metric the rule cannot restrict is refused rather than shown unrestricted.
	q, _ = semantic.ParseQuery([]byte(`{"metrics":["sessions"]}`))
	_, err = semantic.Compile(m, q, semantic.CompileOptions{Rules: rules})
	var e *semantic.Error
	if !errors.As(err, &e) || e.Code != semantic.CodeUnreachable {
		t.Errorf("want unreachable for a metric the rule cannot restrict, got %v", err)
	}
}

func contains(s, sub string) bool {
	return len(s) >= len(sub) && (s == sub || len(sub) == 0 || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// FuzzCompile feeds arbitrary query documents: parsing and compiling must
// return a result or a typed error, never panic.
func FuzzCompile(f *testing.F) {
	m := retailModel(f)
	for _, s := range []string{`{"metrics":["sales"]}`, `{"metrics":["aov","members"],"dimensions":["tier"],"time":{"grain":"month","range":{"start":"2025-01-01","end":"2025-02-01"}},"compare":"pop"}`,
		`{"metrics":["sales"],"filters":[{"dimension":"city","op":"in","values":[null,"上海",1]}],"share":["sales"],"limit":3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := semantic.ParseQuery([]byte(s))
		if err != nil {
			return
		}
		plan, err := semantic.Compile(m, q, semantic.CompileOptions{})
		if err == nil && plan.SQL == "" {
			t.Fatal("no SQL and no error")
		}
	})
}

// TestDisplaySQLOnePass: an argument that looks like a placeholder or holds
// quotes is shown as the literal it is, never spliced with another one.
func TestDisplaySQLOnePass(t *testing.T) {
	m := retailModel(t)
	q := &semantic.Query{Metrics: []string{"sales"}, Filters: []semantic.Filter{
		{Dimension: "store", Op: "in", Values: []any{"a$2b", "it's $1"}},
		{Dimension: "brand", Op: "contains", Values: []any{"$3"}},
	}, Time: &semantic.Time{Range: &semantic.DateRange{Start: semantic.D(2025, 1, 1), End: semantic.D(2025, 1, 31)}}}
	plan, err := semantic.Compile(m, q, semantic.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := plan.DisplaySQL()
	for _, want := range []string{`IN ('a$2b', 'it''s $1')`, `'$3'`, `TIMESTAMP '2025-01-01'`} {
		if !strings.Contains(got, want) {
			t.Errorf("display SQL lacks %s:\n%s", want, got)
		}
	}
	if strings.Count(got, "$") != 3 {
		t.Errorf("want exactly the three dollars of the values:\n%s", got)
	}
}

// TestFilterValueTypes: a number or boolean on a text dimension (and text on
// a number dimension) is the caller's typed error, never the engine's.
func TestFilterValueTypes(t *testing.T) {
	m := retailModel(t)
	for name, vals := range map[string][]any{"number": {5.0}, "boolean": {true}, "mixed": {"门店", 3.0}} {
		q := &semantic.Query{Metrics: []string{"sales"}, Filters: []semantic.Filter{{Dimension: "channel", Op: "in", Values: vals}}}
		_, err := semantic.Compile(m, q, semantic.CompileOptions{})
		var list semantic.ErrorList
		if !errors.As(err, &list) || list[0].Code != semantic.CodeBadFilter || !strings.Contains(list[0].Message, "holds text values") {
			t.Errorf("%s on a text dimension: %v", name, err)
		}
	}
	num, err := semantic.ParseModel("n.yaml", []byte(`name: n
label: N
tables:
  t: {primary_key: id}
dimensions:
  size: {label: Size, expr: t.size, type: number}
  odd: {label: Odd, expr: t.odd, type: colour}
metrics:
  rows: {label: Rows, unit: count, table: t, agg: count}
`))
	if err == nil || !strings.Contains(err.Error(), `unknown type "colour"`) {
		t.Fatalf("an unknown dimension type: %v", err)
	}
	num, err = semantic.ParseModel("n.yaml", []byte(`name: n
label: N
tables:
  t: {primary_key: id}
dimensions:
  size: {label: Size, expr: t.size, type: number}
metrics:
  rows: {label: Rows, unit: count, table: t, agg: count}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := semantic.Compile(num, &semantic.Query{Metrics: []string{"rows"}, Filters: []semantic.Filter{{Dimension: "size", Op: "gt", Values: []any{3.0}}}}, semantic.CompileOptions{}); err != nil {
		t.Errorf("a number on a number dimension: %v", err)
	}
	if _, err := semantic.Compile(num, &semantic.Query{Metrics: []string{"rows"}, Filters: []semantic.Filter{{Dimension: "size", Op: "eq", Values: []any{"big"}}}}, semantic.CompileOptions{}); err == nil {
		t.Error("text on a number dimension was accepted")
	}
}

// TestChooseChartSingleRows: one value with its comparison, or a ranking
// with one group, is shown as its number, not as bars.
func TestChooseChartSingleRows(t *testing.T) {
	metric := semantic.Column{Name: "sales", Role: semantic.RoleMetric}
	prev := semantic.Column{Name: "sales_previous", Role: semantic.RolePrevious, Metric: "sales"}
	city := semantic.Column{Name: "city", Role: semantic.RoleDimension}
	for name, tc := range map[string]struct {
		cols []semantic.Column
		rows int
		want string
	}{
		"yoy of one value":   {[]semantic.Column{metric, prev}, 1, "number"},
		"one group":          {[]semantic.Column{city, metric}, 1, "number"},
		"several groups":     {[]semantic.Column{city, metric}, 3, "bar"},
		"groups with yoy":    {[]semantic.Column{city, metric, prev}, 3, "grouped_bar"},
		"a rate two ways":    {[]semantic.Column{city, {Name: "tier", Role: semantic.RoleDimension}, {Name: "rate", Role: semantic.RoleMetric, Unit: semantic.UnitPercent}}, 6, "heatmap"},
		"one value, no prev": {[]semantic.Column{metric}, 1, "number"},
	} {
		if got := semantic.ChooseChart(tc.cols, tc.rows); got.Type != tc.want {
			t.Errorf("%s: %s, want %s", name, got.Type, tc.want)
		}
	}
}
