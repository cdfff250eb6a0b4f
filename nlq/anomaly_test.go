package nlq

import (
	"slices"
	"testing"

	"github.com/wenshu-bi/wenshu/semantic"
)

func TestFindAnomalies(t *testing.T) {
	cases := []struct {
		name   string
		grain  string
		values []float64
		want   []int
	}{
		{"flat with one collapse", semantic.GrainMonth, []float64{5, 5.1, 4.9, 5, 5.2, 5, 5.1, 4.9, 5, 2.5, 5, 5.1}, []int{9}},
		{"a steady rise is no anomaly", semantic.GrainMonth, []float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}, nil},
		{"a spike on a rise", semantic.GrainMonth, []float64{10, 11, 12, 13, 30, 15, 16, 17, 18, 19, 20, 21}, []int{4}},
		{"too short", semantic.GrainMonth, []float64{1, 1, 9, 1, 1}, nil},
		// Two years of a November peak: the peak is the season, not an anomaly;
		// a second-year June collapse is one.
		{"seasonal", semantic.GrainMonth, []float64{
			10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 10,
			11, 11, 11, 11, 11, 4, 11, 11, 11, 11, 22, 11,
			12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 24, 12}, []int{17}},
		{"weekday pattern", semantic.GrainDay, []float64{
			5, 5, 5, 5, 5, 9, 9, 5, 5, 5, 5, 5, 9, 9, 5, 5, 5, 5, 5, 9, 9, 5, 5, 5, 5, 1, 9, 9}, []int{25}},
	}
	for _, c := range cases {
		if got := findAnomalies(c.grain, c.values); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
