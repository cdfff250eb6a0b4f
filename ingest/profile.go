package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Profile is what the tables of a database hold, as a model author needs it.
type Profile struct {
	Tables []*TableProfile `json:"tables"`
	// References are foreign-key candidates checked by containment: every
	// value of Table.Column is a value of RefTable's key RefColumn.
	References []Reference `json:"references,omitempty"`
}

// TableProfile is one table.
type TableProfile struct {
	Name    string           `json:"name"`
	Rows    int64            `json:"rows"`
	Columns []*ColumnProfile `json:"columns"`
	// Keys are single columns whose values are unique and never empty.
	Keys []string `json:"keys,omitempty"`
}

// ColumnProfile is one column.
type ColumnProfile struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	NullShare float64 `json:"null_share"`
	Distinct  int64   `json:"distinct"`
	// Values are the distinct values of a low-cardinality text column, most frequent first.
	Values []string `json:"values,omitempty"`
	// Negative counts values below zero (numbers), MinTime/MaxTime the span (times).
	Negative int64  `json:"negative,omitempty"`
	Zero     int64  `json:"zero,omitempty"`
	MinTime  string `json:"min_time,omitempty"`
	MaxTime  string `json:"max_time,omitempty"`
}

// Reference is a foreign-key candidate.
type Reference struct {
	Table, Column, RefTable, RefColumn string
}

// MaxListedValues is the most distinct values a text column may have to be
// drafted as a dimension with its values listed.
const MaxListedValues = 50

// IsNumber, IsText and IsTime classify DuckDB type names.
func IsNumber(t string) bool {
	t = strings.ToUpper(t)
	return slices.Contains([]string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL"}, t) ||
		strings.HasPrefix(t, "DECIMAL")
}

// IsInteger reports an integer type.
func IsInteger(t string) bool {
	return IsNumber(t) && !strings.HasPrefix(strings.ToUpper(t), "DECIMAL") && !slices.Contains([]string{"FLOAT", "DOUBLE", "REAL"}, strings.ToUpper(t))
}

func IsText(t string) bool { return strings.ToUpper(t) == "VARCHAR" }

func IsTime(t string) bool {
	t = strings.ToUpper(t)
	return t == "DATE" || strings.HasPrefix(t, "TIMESTAMP")
}

// ProfileDB profiles every table of the main schema.
func ProfileDB(ctx context.Context, db *sql.DB) (*Profile, error) {
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1")
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) == 0 {
		return nil, fmt.Errorf("the database has no tables: import some first (wenshu import)")
	}
	p := &Profile{}
	for _, n := range names {
		tp, err := profileTable(ctx, db, n)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", n, err)
		}
		p.Tables = append(p.Tables, tp)
	}
	if err := p.findReferences(ctx, db); err != nil {
		return nil, err
	}
	return p, nil
}

func profileTable(ctx context.Context, db *sql.DB, table string) (*TableProfile, error) {
	tp := &TableProfile{Name: table}
	rows, err := db.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c := &ColumnProfile{}
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			rows.Close()
			return nil, err
		}
		tp.Columns = append(tp.Columns, c)
	}
	rows.Close()
	// One scan for every column's nulls and (approximate) distinct count.
	sel := []string{"count(*)"}
	for _, c := range tp.Columns {
		q := quote(c.Name)
		sel = append(sel, "count("+q+")", "approx_count_distinct("+q+")")
	}
	vals := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+quote(table)).Scan(ptrs...); err != nil {
		return nil, err
	}
	tp.Rows = asInt(vals[0])
	for i, c := range tp.Columns {
		nonNull := asInt(vals[1+2*i])
		c.Distinct = asInt(vals[2+2*i])
		if tp.Rows > 0 {
			c.NullShare = 1 - float64(nonNull)/float64(tp.Rows)
		}
		q := quote(c.Name)
		switch {
		case IsNumber(c.Type):
			if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FILTER (WHERE %[1]s < 0), count(*) FILTER (WHERE %[1]s = 0) FROM %[2]s", q, quote(table))).Scan(&c.Negative, &c.Zero); err != nil {
				return nil, err
			}
		case IsTime(c.Type):
			var lo, hi sql.NullString
			if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT CAST(min(%[1]s) AS VARCHAR), CAST(max(%[1]s) AS VARCHAR) FROM %[2]s", q, quote(table))).Scan(&lo, &hi); err != nil {
				return nil, err
			}
			c.MinTime, c.MaxTime = lo.String, hi.String
		case IsText(c.Type) && c.Distinct <= MaxListedValues*2:
			vr, err := db.QueryContext(ctx, fmt.Sprintf("SELECT %[1]s FROM %[2]s WHERE %[1]s IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT %[3]d", q, quote(table), MaxListedValues+1))
			if err != nil {
				return nil, err
			}
			for vr.Next() {
				var v string
				if err := vr.Scan(&v); err != nil {
					vr.Close()
					return nil, err
				}
				c.Values = append(c.Values, v)
			}
			err = vr.Err()
			vr.Close()
			if err != nil {
				return nil, err
			}
			c.Distinct = int64(len(c.Values)) // exact below the cap
			if len(c.Values) > MaxListedValues {
				c.Values = nil
			}
		}
		// Key candidates: never empty, and (checked exactly) unique.
		if nonNull == tp.Rows && tp.Rows > 0 && float64(c.Distinct) >= 0.97*float64(tp.Rows) && (IsInteger(c.Type) || IsText(c.Type)) {
			var exact int64
			if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(DISTINCT %s) FROM %s", q, quote(table))).Scan(&exact); err != nil {
				return nil, err
			}
			if exact == tp.Rows {
				tp.Keys = append(tp.Keys, c.Name)
				c.Distinct = exact
			}
		}
	}
	return tp, nil
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// namesMatch: a column may refer to a key when it has the key's name
// (customer_id → customers.customer_id) or names the table (store →
// stores.id, customer_no → customers.customer_id); small numbers such as a
// quantity fit inside any key, so containment alone proves nothing.
func namesMatch(col, table, key string) bool {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
	}
	c, k, t := norm(col), norm(key), norm(table)
	single := strings.TrimSuffix(t, "s")
	return c == k || strings.HasPrefix(c, single) && (k == "id" || strings.HasPrefix(k, single))
}

// findReferences checks, for every column named like another table's key
// and of its kind, whether all its values are values of that key.
func (p *Profile) findReferences(ctx context.Context, db *sql.DB) error {
	for _, t := range p.Tables {
		for _, c := range t.Columns {
			if slices.Contains(t.Keys, c.Name) || !(IsInteger(c.Type) || IsText(c.Type)) {
				continue
			}
		refs:
			for _, r := range p.Tables {
				if r == t {
					continue
				}
				for _, k := range r.Keys {
					kc := r.column(k)
					// approx_count_distinct may be off by a tenth: the key holds at
					// least as many values as the column when it refers to it.
					if kc == nil || (IsText(kc.Type) != IsText(c.Type)) || float64(c.Distinct) > 1.25*float64(r.Rows) || !namesMatch(c.Name, r.Name, k) {
						continue
					}
					var missing int64
					q := fmt.Sprintf(`SELECT count(*) FROM (SELECT DISTINCT %s AS v FROM %s WHERE %s IS NOT NULL) a
						WHERE NOT EXISTS (SELECT 1 FROM %s b WHERE b.%s = a.v)`, quote(c.Name), quote(t.Name), quote(c.Name), quote(r.Name), quote(k))
					if err := db.QueryRowContext(ctx, q).Scan(&missing); err != nil {
						return err
					}
					if missing == 0 {
						p.References = append(p.References, Reference{t.Name, c.Name, r.Name, k})
						break refs
					}
				}
			}
		}
	}
	return nil
}

func (t *TableProfile) column(name string) *ColumnProfile {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}
