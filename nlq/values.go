package nlq

import (
	"context"
	"fmt"

	"github.com/wenshu-bi/wenshu/semantic"
)

// MaxValuesPerDimension caps the values read from the data per dimension.
const MaxValuesPerDimension = 2000

// LoadValues reads every dimension's distinct text values from the data,
// capped per dimension, for linking question words to filters.
func LoadValues(ctx context.Context, m *semantic.Model, r Runner) (map[string][]string, error) {
	out := map[string][]string{}
	for _, d := range m.Dimensions {
		plan, err := semantic.ValuesPlan(m, d.Name, MaxValuesPerDimension, semantic.CompileOptions{})
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
