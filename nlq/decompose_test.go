package nlq

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The decomposition on small hand-made tables whose contributions are
// known: they add up to the change, and each lands where it belongs.
func TestDecomposeAdditive(t *testing.T) {
	parts, cur, prev := decomposeAdditive([]memberChange{
		{Value: "东", Cur: 80, Prev: 100}, {Value: "南", Cur: 120, Prev: 100}, {Value: "新", Cur: 30, Prev: 0},
	})
	if cur != 230 || prev != 200 {
		t.Fatalf("totals %v %v", cur, prev)
	}
	want := []float64{-20, 20, 30} // a member that is new contributes all it has
	sum := 0.0
	for i, p := range parts {
		if !near(p.Contribution, want[i]) {
			t.Errorf("%v: %v, want %v", p.Value, p.Contribution, want[i])
		}
		sum += p.Contribution
	}
	if !near(sum, cur-prev) {
		t.Errorf("parts add to %v, the change is %v", sum, cur-prev)
	}
	if !math.IsNaN(relChange(5, 0)) {
		t.Error("a zero baseline has no relative change")
	}
}

func TestDecomposeRatioPureMix(t *testing.T) {
	// Rates stay (A 10%, B 50%); sessions move from B to A: the total rate
	// falls from 30% to 18%, all of it mix.
	parts, r1, r0 := decomposeRatio([]memberChange{
		{Value: "A", NumPrev: 10, DenPrev: 100, NumCur: 17, DenCur: 170},
		{Value: "B", NumPrev: 50, DenPrev: 100, NumCur: 15, DenCur: 30},
	})
	if !near(r0, 0.30) || !near(r1, 0.32/2) {
		t.Fatalf("rates %v %v", r0, r1)
	}
	sum := 0.0
	for _, p := range parts {
		if !near(p.Rate, 0) {
			t.Errorf("%v: rate effect %v with an unchanged rate", p.Value, p.Rate)
		}
		sum += p.Contribution
	}
	if !near(sum, r1-r0) {
		t.Errorf("parts add to %v, the change is %v", sum, r1-r0)
	}
	// A (below average) gained weight and B (above) lost it: both pull the rate down.
	if parts[0].Mix >= 0 || parts[1].Mix >= 0 {
		t.Errorf("mix effects %v %v, want both negative", parts[0].Mix, parts[1].Mix)
	}
}

func TestDecomposeRatioPureRate(t *testing.T) {
	// Weights stay (100 sessions each); B's rate collapses from 50% to 10%.
	parts, r1, r0 := decomposeRatio([]memberChange{
		{Value: "A", NumPrev: 10, DenPrev: 100, NumCur: 10, DenCur: 100},
		{Value: "B", NumPrev: 50, DenPrev: 100, NumCur: 10, DenCur: 100},
	})
	if !near(r1-r0, -0.2) {
		t.Fatalf("change %v", r1-r0)
	}
	if !near(parts[0].Contribution, 0) || !near(parts[1].Contribution, -0.2) || !near(parts[1].Mix, 0) || !near(parts[1].Rate, -0.2) {
		t.Errorf("%+v", parts)
	}
}

func TestDecomposeRatioNewMember(t *testing.T) {
	parts, r1, r0 := decomposeRatio([]memberChange{
		{Value: "A", NumPrev: 20, DenPrev: 100, NumCur: 20, DenCur: 100},
		{Value: "new", NumCur: 80, DenCur: 100},
	})
	if !near(r0, 0.2) || !near(r1, 0.5) {
		t.Fatalf("%v %v", r0, r1)
	}
	if !near(parts[1].Rate, 0) || parts[1].Mix <= 0 {
		t.Errorf("a new member's part is mix: %+v", parts[1])
	}
	if !near(parts[0].Contribution+parts[1].Contribution, 0.3) {
		t.Errorf("parts %v + %v, change 0.3", parts[0].Contribution, parts[1].Contribution)
	}
}
