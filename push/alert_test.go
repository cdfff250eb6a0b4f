package push

import (
	"testing"
	"time"
)

func v(x float64) *float64 { return &x }

// TestAlertStates: ok → pending → firing after For breaches, a repeat only
// after Repeat, a recovery notice, no data keeping the state, and quiet
// hours holding a firing notice until they end.
func TestAlertStates(t *testing.T) {
	a := &Alert{Condition: Condition{Op: OpChangeLT, Value: -0.3}, For: 2, Repeat: "6h"}
	a.Timezone = "Asia/Shanghai"
	t0 := time.Date(2025, 10, 10, 2, 0, 0, 0, time.UTC) // 10:00 Shanghai
	steps := []struct {
		value *float64
		at    time.Duration
		state string
		n     Notice
	}{
		{v(-0.1), 0, StateOK, NoticeNone},
		{v(-0.4), time.Hour, StatePending, NoticeNone},
		{nil, 90 * time.Minute, StatePending, NoticeNone}, // no data keeps the state
		{v(-0.5), 2 * time.Hour, StateFiring, NoticeFiring},
		{v(-0.5), 3 * time.Hour, StateFiring, NoticeNone}, // within the repeat interval
		{v(-0.6), 8 * time.Hour, StateFiring, NoticeRepeat},
		{v(0.1), 9 * time.Hour, StateOK, NoticeRecovery},
		{v(0.2), 10 * time.Hour, StateOK, NoticeNone},
	}
	for i, s := range steps {
		n := a.Step(s.value, t0.Add(s.at))
		if a.State != s.state || n != s.n {
			t.Errorf("step %d: state %s notice %q, want %s %q", i, a.State, n, s.state, s.n)
		}
	}

	q := &Alert{Condition: Condition{Op: OpGT, Value: 100}, QuietHours: "22:00-08:00", NoData: "alert"}
	q.Timezone = "Asia/Shanghai"
	night := time.Date(2025, 10, 10, 15, 0, 0, 0, time.UTC) // 23:00 Shanghai
	if n := q.Step(v(150), night); n != NoticeNone || q.State != StateFiring {
		t.Errorf("in quiet hours: %q %s", n, q.State)
	}
	morning := time.Date(2025, 10, 11, 1, 0, 0, 0, time.UTC) // 09:00 Shanghai
	if n := q.Step(nil, morning); n != NoticeFiring {
		t.Errorf("after quiet hours, with no data counted as a breach: %q", n)
	}
	if !ValidQuietHours("22:00-08:00") || ValidQuietHours("22-8") || !ValidQuietHours("") {
		t.Error("quiet hours validation")
	}
	if (Condition{Op: "median"}).Check() == nil {
		t.Error("an unknown op was accepted")
	}
}

func TestBand(t *testing.T) {
	c := Condition{Op: OpBand}
	if p, k := c.Band(); p != 6 || k != 3 {
		t.Errorf("defaults %d %v", p, k)
	}
	base := []float64{0.035, 0.036, 0.034, 0.035, 0.037, 0.033}
	if out, lo, hi := c.OutsideBand(0.012, base); !out || lo < 0.012 || lo > 0.035 || hi < 0.035 {
		t.Errorf("a drop to 1.2%%: outside %v, band %v–%v", out, lo, hi)
	}
	if out, _, _ := c.OutsideBand(0.0355, base); out {
		t.Error("a usual value left the band")
	}
	if out, _, _ := c.OutsideBand(1, base[:2]); out {
		t.Error("two baseline values make a band")
	}
	if (Condition{Op: OpBand, Periods: 2}).Check() == nil {
		t.Error("a two-period band was accepted")
	}
}
