package nlq

import "math"

// The arithmetic of "why did it change": a change of a metric between two
// periods split over the members of one dimension, so the parts add up to
// the whole.
//
// For an additive metric (a sum or a count) a member's contribution is its
// own change. For a ratio R = N / D (conversion = paying sessions /
// sessions, AOV = sales / orders) R is the weighted mean of the members'
// rates r = N/D with weights w = D/ΣD, and the change of each member's
// term w·r splits, symmetrically in the two periods, into
//   rate = (w0 + w1)/2 · (r1 − r0)          its rate moved
//   mix  = (w1 − w0) · ((r0 + r1)/2 − R̄)    its weight moved, above or below the average R̄
// whose sum over the members is R1 − R0 exactly (Σ(w1 − w0) = 0, so the
// R̄ term only makes each member's mix readable). A new member (D0 = 0)
// takes r0 = r1: its whole part is mix; a member gone, r1 = r0.

// memberChange is one member's numbers in the two periods: for an additive
// metric Cur and Prev; for a ratio the numerator and the denominator.
type memberChange struct {
	Value           any
	Cur, Prev       float64 // additive
	NumCur, NumPrev float64 // ratio
	DenCur, DenPrev float64
}

// part is one member's share of the change.
type part struct {
	Value        any
	Contribution float64
	Mix, Rate    float64 // ratio only
	Cur, Prev    float64 // the member's own value in each period (its rate for a ratio)
}

// decomposeAdditive splits total = Σ cur − Σ prev by member.
func decomposeAdditive(ms []memberChange) (parts []part, cur, prev float64) {
	for _, m := range ms {
		parts = append(parts, part{Value: m.Value, Contribution: m.Cur - m.Prev, Cur: m.Cur, Prev: m.Prev})
		cur += m.Cur
		prev += m.Prev
	}
	return parts, cur, prev
}

// decomposeRatio splits R1 − R0 of R = ΣN/ΣD into each member's mix and
// rate effects.
func decomposeRatio(ms []memberChange) (parts []part, r1, r0 float64) {
	var n1, n0, d1, d0 float64
	for _, m := range ms {
		n1, n0, d1, d0 = n1+m.NumCur, n0+m.NumPrev, d1+m.DenCur, d0+m.DenPrev
	}
	r1, r0 = ratio(n1, d1), ratio(n0, d0)
	avg := (r1 + r0) / 2
	for _, m := range ms {
		rc, rp := ratio(m.NumCur, m.DenCur), ratio(m.NumPrev, m.DenPrev)
		switch {
		case m.DenPrev == 0:
			rp = rc // new: no rate of its own to change
		case m.DenCur == 0:
			rc = rp // gone
		}
		w1, w0 := ratio(m.DenCur, d1), ratio(m.DenPrev, d0)
		p := part{Value: m.Value, Cur: rc, Prev: rp}
		p.Rate = (w0 + w1) / 2 * (rc - rp)
		p.Mix = (w1 - w0) * ((rp+rc)/2 - avg)
		p.Contribution = p.Rate + p.Mix
		parts = append(parts, p)
	}
	return parts, r1, r0
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// relChange is (cur − prev) / |prev|, or NaN with no baseline.
func relChange(cur, prev float64) float64 {
	if prev == 0 {
		return math.NaN()
	}
	return (cur - prev) / math.Abs(prev)
}
