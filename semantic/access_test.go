package semantic

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAccess(t *testing.T) {
	src := strings.Replace(tinyModel, "tables:\n", "tables:\n  footfall:\n    primary_key: visit_id\n", 1) + `  visits:
    label: 到访
    unit: count
    table: footfall
    agg: count
access:
  roles:
    boss:
      label: 老板
    shop_lead:
      rows: ["shop in {user.shops}"]
      hidden_metrics: [avg_amount]
    auditor:
      rows: ["shop = 'A店'", "shop not in ('B''s', 'C店')"]
      dimensions: [shop]
`
	m, err := ParseModel("access.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Roles()); got != 4 {
		t.Fatalf("roles: got %d, want boss, shop_lead, auditor and the implicit admin", got)
	}
	if r := m.Role(RoleAdmin); r == nil || !r.Admin {
		t.Fatalf("the implicit admin role is missing or not admin: %+v", r)
	}
	aud := m.Role("auditor")
	if len(aud.Rows) != 2 || aud.Rows[0].Op != "in" || aud.Rows[0].Literal[0] != "A店" ||
		aud.Rows[1].Op != "not_in" || strings.Join(aud.Rows[1].Literal, "|") != "B's|C店" {
		t.Fatalf("auditor rules read wrong: %+v", aud.Rows)
	}

	t.Run("attributes fill the rules", func(t *testing.T) {
		a, err := m.Access("shop_lead", map[string]string{"shops": "一店, 二店，三店"})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Rules) != 1 || len(a.Rules[0].Values) != 3 || a.Rules[0].Values[2] != "三店" {
			t.Fatalf("rules: %+v", a.Rules)
		}
		if a.MetricVisible("avg_amount") || !a.MetricVisible("amount") {
			t.Error("hidden_metrics not applied")
		}
		if a.MetricVisible("visits") {
			t.Error("visits cannot be restricted by shop, so it must be hidden")
		}
		if a.Scope.Zh != "店为一店、二店、三店" {
			t.Errorf("scope text: %q", a.Scope.Zh)
		}
	})
	t.Run("a missing attribute fails closed", func(t *testing.T) {
		for _, attrs := range []map[string]string{nil, {"shops": " , "}, {"region": "x"}} {
			_, err := m.Access("shop_lead", attrs)
			var se *Error
			if !errors.As(err, &se) || se.Code != CodeMissingAttribute {
				t.Errorf("attrs %v: got %v, want %s", attrs, err, CodeMissingAttribute)
			}
		}
	})
	t.Run("unknown role", func(t *testing.T) {
		_, err := m.Access("shop_leed", nil)
		var se *Error
		if !errors.As(err, &se) || se.Code != CodeUnknownRole || len(se.Suggestions) == 0 || se.Suggestions[0] != "shop_lead" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the compiler refuses what the role may not see", func(t *testing.T) {
		a, _ := m.Access("auditor", nil)
		_, err := Compile(m, &Query{Metrics: []string{"amount", "visits"}, Dimensions: []string{"shop"}}, CompileOptions{Access: a})
		var list ErrorList
		if !errors.As(err, &list) || len(list) != 1 || list[0].Code != CodeNotPermitted || list[0].Path != "metrics[1]" {
			t.Fatalf("got %v", err)
		}
		p, err := Compile(m, &Query{Metrics: []string{"amount"}}, CompileOptions{Access: a})
		if err != nil {
			t.Fatal(err)
		}
		sql := p.DisplaySQL()
		if !strings.Contains(sql, `"shops"."name" = 'A店'`) || !strings.Contains(sql, `"shops"."name" NOT IN ('B''s', 'C店')`) {
			t.Errorf("rules missing from the SQL:\n%s", sql)
		}
	})
}

func TestParseAccessErrors(t *testing.T) {
	for name, tc := range map[string]struct{ access, want string }{
		"unknown dimension": {`rows: ["shoop = {user.x}"]`, `unknown dimension "shoop" (did you mean shop?)`},
		"bad rule":          {`rows: ["shop ~ {user.x}"]`, `cannot read the rule`},
		"bad value":         {`rows: ["shop = A店"]`, `the value must be {user.ATTRIBUTE}`},
		"unknown metric":    {`hidden_metrics: [amout]`, `unknown name "amout" (did you mean amount?)`},
		"rows not a list":   {`rows: "shop = {user.x}"`, `must be a list of rules`},
	} {
		t.Run(name, func(t *testing.T) {
			src := tinyModel + "access:\n  roles:\n    r:\n      " + tc.access + "\n"
			_, err := ParseModel("m.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "access.roles.r") {
				t.Errorf("the error does not name the element: %v", err)
			}
		})
	}
}
