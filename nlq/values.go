package nlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/wenshu-bi/wenshu/semantic"
)

// MaxValuesPerDimension caps the values read from the data per dimension
// (every product name of a shop with thousands: a name that contains
// another, WHITE HANGING HEART T-LIGHT HOLDER, must be linked whole).
const MaxValuesPerDimension = 10000

// LoadValues reads every dimension's distinct text values from the data,
// capped per dimension, for linking question words to filters.
func LoadValues(ctx context.Context, m *semantic.Model, r Runner) (map[string][]string, error) {
	return loadValues(ctx, m, r, semantic.CompileOptions{}, MaxValuesPerDimension)
}

// loadValues reads up to limit values of every dimension under opts (its
// access rules restrict the rows).
func loadValues(ctx context.Context, m *semantic.Model, r Runner, opts semantic.CompileOptions, limit int) (map[string][]string, error) {
	opts.Dialect = dialectOf(r)
	out := map[string][]string{}
	for _, d := range m.Dimensions {
		plan, err := semantic.ValuesPlan(m, d.Name, limit, opts)
		var se *semantic.Error
		if errors.As(err, &se) && se.Code == semantic.CodeUnreachable {
			out[d.Name] = []string{} // no row of the scope reaches it: nothing is visible
			continue
		}
		if err != nil {
			return nil, err
		}
		res, err := r.Run(ctx, plan)
		if err != nil {
			return nil, fmt.Errorf("values of %s: %w", d.Name, err)
		}
		for _, row := range res.Rows {
			if s, ok := row[0].(string); ok {
				out[d.Name] = append(out[d.Name], s)
			}
		}
	}
	return out, nil
}
