package push

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	for _, bad := range []string{"", "0 9 * *", "61 9 * * *", "0 9 * * 8", "every monday"} {
		if _, err := ParseSchedule(bad, ""); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	if _, err := ParseSchedule("0 9 * * 1", "Mars/Olympus"); err == nil {
		t.Error("an unknown zone was accepted")
	}
	s, err := ParseSchedule("0 9 * * 1", "")
	if err != nil {
		t.Fatal(err)
	}
	// Monday 2025-12-01 09:00 in Shanghai is 01:00 UTC.
	after := time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC)
	if next := s.Next(after); !next.Equal(time.Date(2025, 12, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("next Monday 9:00 Shanghai: %s", next.UTC())
	}
}

// TestMissedWindowRunsOnce: after a week down, a daily report runs once
// (for the latest tick), not seven times; nothing is due before a tick.
func TestMissedWindowRunsOnce(t *testing.T) {
	s, _ := ParseSchedule("0 9 * * *", "Asia/Shanghai")
	since := time.Date(2025, 12, 1, 1, 30, 0, 0, time.UTC) // 09:30 Shanghai, after that day's run
	if _, ok := s.Due(since, since.Add(20*time.Hour)); ok {
		t.Error("due before the next tick")
	}
	at, ok := s.Due(since, since.Add(7*24*time.Hour))
	if !ok || !at.Equal(time.Date(2025, 12, 8, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("after a week down: %v %s, want only 2025-12-08 09:00 Shanghai", ok, at.UTC())
	}
}

// TestDueClaimsOnce: several schedulers looking at the same tick at once
// run it once between them.
func TestDueClaimsOnce(t *testing.T) {
	s, _ := ParseSchedule("*/5 * * * *", "UTC")
	jobs := []Job{{ID: "a", Schedule: s, Since: time.Date(2025, 12, 1, 8, 58, 0, 0, time.UTC)},
		{ID: "b", Schedule: s, Since: time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)}}
	now := time.Date(2025, 12, 1, 9, 1, 0, 0, time.UTC)
	claims := &MemoryClaims{}
	var mu sync.Mutex
	runs := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			due, err := Due(context.Background(), claims, jobs, now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			runs += len(due)
			for _, d := range due {
				if d.Job != "a" || !d.Scheduled.Equal(time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("unexpected run %+v", d)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if runs != 1 {
		t.Errorf("%d runs of one tick, want 1 (job b's tick was before it was created)", runs)
	}
}
