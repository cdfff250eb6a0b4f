package semantic

import "slices"

// The join graph: tables are nodes, references are many-to-one edges. A
// metric reaches a dimension when the dimension's table is reachable from
// the metric's table along references (no fan-out), or from a table that
// references the metric's table (one level of fan-out, handled by rebasing
// the metric onto that finer table).

// join is one step of a path: from.Column = to.<primary key>.
type join struct {
	From, Column, To string
	Required         bool
}

// path returns the shortest chain of references from one table to another
// (empty when they are the same); ties go to the reference declared first.
func (m *Model) path(from, to string) ([]join, bool) {
	if from == to {
		return nil, true
	}
	type node struct {
		table string
		via   []join
	}
	seen := map[string]bool{from: true}
	queue := []node{{table: from}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		t := m.tables[n.table]
		if t == nil {
			continue
		}
		for _, r := range t.References {
			if seen[r.Table] {
				continue
			}
			via := append(append([]join(nil), n.via...), join{From: n.table, Column: r.Column, To: r.Table, Required: r.Required})
			if r.Table == to {
				return via, true
			}
			seen[r.Table] = true
			queue = append(queue, node{table: r.Table, via: via})
		}
	}
	return nil, false
}

// children lists the tables that reference table, in declaration order.
func (m *Model) children(table string) []string {
	var out []string
	for _, t := range m.Tables {
		for _, r := range t.References {
			if r.Table == table && !slices.Contains(out, t.Name) {
				out = append(out, t.Name)
			}
		}
	}
	return out
}

// reachesAll reports whether every table in need is reachable from base.
func (m *Model) reachesAll(base string, need []string) bool {
	for _, t := range need {
		if _, ok := m.path(base, t); !ok {
			return false
		}
	}
	return true
}
