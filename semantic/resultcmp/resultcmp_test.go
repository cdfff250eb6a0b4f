package resultcmp

import (
	"strings"
	"testing"
)

func TestContains(t *testing.T) {
	same := func(a, b string) bool {
		pairs := map[string]string{"gold": "黄金会员", "F": "女"}
		return pairs[a] == b || pairs[b] == a
	}
	tests := []struct {
		name      string
		got, gold [][]any
		exact     bool
		wantErr   string
	}{
		{name: "scalar", got: [][]any{{1234.5}}, gold: [][]any{{1234.5000001}}},
		{name: "scalar off", got: [][]any{{1234.5}}, gold: [][]any{{1234.6}}, wantErr: "no match"},
		{name: "columns in another order", got: [][]any{{"天猫", 10.0, 0.5}, {"APP", 20.0, 0.25}},
			gold: [][]any{{0.25, "APP"}, {0.5, "天猫"}}},
		{name: "ints and floats", got: [][]any{{int64(3)}}, gold: [][]any{{3.0}}},
		{name: "label for code", got: [][]any{{"gold", 0.35}}, gold: [][]any{{"黄金会员", 0.35}}},
		{name: "month bucket forms", got: [][]any{{"2025-11-01", 1.0}}, gold: [][]any{{"2025-11", 1.0}}},
		{name: "quarter bucket", got: [][]any{{"2025-07-01", 1.0}}, gold: [][]any{{"2025-Q3", 1.0}}},
		{name: "timestamp bucket", got: [][]any{{"2025-07-01", 1.0}}, gold: [][]any{{"2025-07-01 00:00:00", 1.0}}},
		{name: "iso week", got: [][]any{{"2024-12-30", 1.0}}, gold: [][]any{{"2025-W01", 1.0}}},
		{name: "rows used once", got: [][]any{{1.0}}, gold: [][]any{{1.0}, {1.0}}, wantErr: "gold row 1"},
		{name: "superset ok", got: [][]any{{"a", 1.0}, {"b", 2.0}}, gold: [][]any{{"b", 2.0}}},
		{name: "exact row count", got: [][]any{{"a", 1.0}, {"b", 2.0}}, gold: [][]any{{"b", 2.0}}, exact: true, wantErr: "got 2 rows"},
		{name: "cells used once", got: [][]any{{1.0, 2.0}}, gold: [][]any{{1.0, 1.0}}, wantErr: "no match"},
		{name: "nulls", got: [][]any{{nil, 1.0}}, gold: [][]any{{nil, 1.0}}},
		{name: "null is not zero", got: [][]any{{nil}}, gold: [][]any{{0.0}}, wantErr: "no match"},
		{name: "percent is not fraction", got: [][]any{{35.0}}, gold: [][]any{{0.35}}, wantErr: "no match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Contains(tt.got, tt.gold, Options{Same: same, Exact: tt.exact})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
