package push

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Alert states: ok → pending (breached, not yet For times) → firing → ok.
const (
	StateOK      = "ok"
	StatePending = "pending"
	StateFiring  = "firing"
)

// Condition ops: a threshold on the value, or on its relative change
// against the previous period.
const (
	OpGT       = "gt"
	OpLT       = "lt"
	OpChangeGT = "change_gt"
	OpChangeLT = "change_lt"
	// OpBand breaches when the value leaves mean ± K·sd of the Periods
	// periods before it (a trailing baseline).
	OpBand = "band"
)

// Condition is what breaches an alert.
type Condition struct {
	Op    string  `json:"op"`
	Value float64 `json:"value"`
	// Periods and K shape a band: the trailing periods (default 6) and the
	// width in standard deviations (default 3).
	Periods int     `json:"periods,omitempty"`
	K       float64 `json:"k,omitempty"`
}

// Band returns the baseline periods and width of a band condition.
func (c Condition) Band() (periods int, k float64) {
	periods, k = c.Periods, c.K
	if periods <= 0 {
		periods = 6
	}
	if k <= 0 {
		k = 3
	}
	return periods, k
}

// OutsideBand reports whether x lies outside mean ± k·sd of the baseline
// values, with the band's bounds; false with fewer than 3 baseline values.
func (c Condition) OutsideBand(x float64, baseline []float64) (outside bool, lo, hi float64) {
	_, k := c.Band()
	if len(baseline) < 3 {
		return false, 0, 0
	}
	mean, sd := meanSD(baseline)
	lo, hi = mean-k*sd, mean+k*sd
	return x < lo || x > hi, lo, hi
}

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

// NeedsChange reports whether the condition reads the change against the
// previous period rather than the value.
func (c Condition) NeedsChange() bool { return c.Op == OpChangeGT || c.Op == OpChangeLT }

// Check validates the condition.
func (c Condition) Check() error {
	switch c.Op {
	case OpGT, OpLT, OpChangeGT, OpChangeLT:
		return nil
	case OpBand:
		if c.Periods < 0 || c.Periods > 60 || c.K < 0 {
			return fmt.Errorf("a band needs 3 to 60 trailing periods and a positive k")
		}
		if c.Periods > 0 && c.Periods < 3 {
			return fmt.Errorf("a band needs at least 3 trailing periods")
		}
		return nil
	}
	return fmt.Errorf("unknown condition op %q (want gt, lt, change_gt, change_lt or band)", c.Op)
}

// Breached reports whether x (the value, or the relative change as a
// fraction) breaches the condition.
func (c Condition) Breached(x float64) bool {
	switch c.Op {
	case OpGT, OpChangeGT:
		return x > c.Value
	case OpLT, OpChangeLT:
		return x < c.Value
	}
	return false
}

// Alert is a metric question watched on a schedule.
type Alert struct {
	Subscription
	Condition Condition `json:"condition"`
	// For is how many consecutive breaches fire the alert (default 1).
	For int `json:"for"`
	// Repeat is how often a firing alert is sent again (default 24h).
	Repeat string `json:"repeat"`
	// QuietHours ("22:00-08:00", in the alert's time zone) hold
	// notifications back; the state still changes.
	QuietHours string `json:"quiet_hours,omitempty"`
	// NoData says what a missing value does: keep (the default) keeps the
	// state, ok recovers, alert counts as a breach.
	NoData string `json:"no_data"`

	State        string    `json:"state"`
	Breaches     int       `json:"breaches"`
	LastValue    *float64  `json:"last_value,omitempty"`
	LastNotified time.Time `json:"last_notified,omitzero"`
}

// Notice is what an evaluation tells the channels: nothing, a firing
// alert (new or repeated) or a recovery.
type Notice string

// Notices.
const (
	NoticeNone     Notice = ""
	NoticeFiring   Notice = "firing"
	NoticeRepeat   Notice = "repeat"
	NoticeRecovery Notice = "recovery"
)

// Step moves an alert's state for one evaluation: value is nil when there
// was no data. It returns the notice to send (quiet hours already applied).
func (a *Alert) Step(value *float64, now time.Time) Notice {
	return a.StepBreach(value, value != nil && a.Condition.Breached(*value), now)
}

// StepBreach is Step with the breach decided by the caller (a band, which
// needs the baseline): breached counts only when value is not nil.
func (a *Alert) StepBreach(value *float64, breached bool, now time.Time) Notice {
	if a.State == "" {
		a.State = StateOK
	}
	breach := false
	switch {
	case value == nil && a.NoData == "alert":
		breach = true
	case value == nil && a.NoData == "ok":
		breach = false
	case value == nil:
		return NoticeNone // keep the state
	default:
		breach = breached
		a.LastValue = value
	}
	need := max(a.For, 1)
	var n Notice
	switch {
	case breach:
		a.Breaches++
		switch {
		case a.State == StateFiring && a.LastNotified.IsZero():
			n = NoticeFiring // fired in quiet hours: told now
		case a.State == StateFiring:
			if now.Sub(a.LastNotified) >= a.repeat() {
				n = NoticeRepeat
			}
		case a.Breaches >= need:
			a.State, n = StateFiring, NoticeFiring
		default:
			a.State = StatePending
		}
	default:
		if a.State == StateFiring {
			n = NoticeRecovery
		}
		a.State, a.Breaches = StateOK, 0
	}
	if n != NoticeNone && a.quiet(now) {
		// Held back: a firing alert is told at the first evaluation after
		// the quiet hours; a recovery inside them is not sent.
		if n == NoticeFiring {
			a.LastNotified = time.Time{}
		}
		return NoticeNone
	}
	if n != NoticeNone {
		a.LastNotified = now
	}
	return n
}

func (a *Alert) repeat() time.Duration {
	if d, err := time.ParseDuration(a.Repeat); err == nil && d > 0 {
		return d
	}
	return 24 * time.Hour
}

// quiet reports whether now falls in the quiet hours ("22:00-08:00").
func (a *Alert) quiet(now time.Time) bool {
	from, to, ok := strings.Cut(a.QuietHours, "-")
	if !ok {
		return false
	}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		loc = time.UTC
	}
	minutes := func(s string) int {
		h, m, _ := strings.Cut(strings.TrimSpace(s), ":")
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(m)
		return hh*60 + mm
	}
	t := now.In(loc)
	cur, f, e := t.Hour()*60+t.Minute(), minutes(from), minutes(to)
	if f <= e {
		return cur >= f && cur < e
	}
	return cur >= f || cur < e // over midnight
}

// ValidQuietHours checks "HH:MM-HH:MM".
func ValidQuietHours(s string) bool {
	if s == "" {
		return true
	}
	from, to, ok := strings.Cut(s, "-")
	valid := func(x string) bool {
		_, err := time.Parse("15:04", strings.TrimSpace(x))
		return err == nil
	}
	return ok && valid(from) && valid(to)
}
