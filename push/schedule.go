package push

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultTimezone is the zone a schedule without one runs in.
const DefaultTimezone = "Asia/Shanghai"

// Schedule is a parsed 5-field cron expression in a time zone.
type Schedule struct {
	spec cron.Schedule
	loc  *time.Location
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads "0 9 * * 1" (minute hour day-of-month month
// day-of-week) in tz (DefaultTimezone when empty).
func ParseSchedule(expr, tz string) (*Schedule, error) {
	if tz == "" {
		tz = DefaultTimezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	spec, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %v (want 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 9 * * 1\")", expr, err)
	}
	return &Schedule{spec: spec, loc: loc}, nil
}

// Next is the first scheduled time after t.
func (s *Schedule) Next(t time.Time) time.Time { return s.spec.Next(t.In(s.loc)) }

// Due returns the latest scheduled time in (after, now], or false. A window
// missed while the server was down yields its latest tick only: one run,
// not one per missed tick.
func (s *Schedule) Due(after, now time.Time) (time.Time, bool) {
	next := s.Next(after)
	if next.After(now) {
		return time.Time{}, false
	}
	for {
		n := s.Next(next)
		if n.After(now) {
			return next, true
		}
		next = n
	}
}

// Job is something that runs on a schedule: a subscription or an alert.
type Job struct {
	ID       string
	Schedule *Schedule
	// Since is when the job was created or last scheduled: ticks at or
	// before it are not due.
	Since time.Time
}

// Claims records which (job, scheduled time) runs have been taken, so a
// tick runs once however many schedulers (or restarts) see it. The
// metadata store implements it with one transaction per claim; on
// PostgreSQL it maps onto INSERT … ON CONFLICT DO NOTHING.
type Claims interface {
	// Claim takes the run of job at scheduled; false when it was taken.
	Claim(ctx context.Context, job string, scheduled time.Time) (bool, error)
}

// MemoryClaims is Claims in memory, for tests and the CLI.
type MemoryClaims struct {
	mu    sync.Mutex
	taken map[string]bool
}

// Claim implements Claims.
func (c *MemoryClaims) Claim(_ context.Context, job string, scheduled time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.taken == nil {
		c.taken = map[string]bool{}
	}
	k := job + "@" + scheduled.UTC().Format(time.RFC3339)
	if c.taken[k] {
		return false, nil
	}
	c.taken[k] = true
	return true, nil
}

// Due lists, for now, the jobs with a tick due and claims each: the
// returned runs are this caller's to execute, once.
func Due(ctx context.Context, claims Claims, jobs []Job, now time.Time) ([]DueRun, error) {
	var out []DueRun
	var errs []error
	for _, j := range jobs {
		at, ok := j.Schedule.Due(j.Since, now)
		if !ok {
			continue
		}
		claimed, err := claims.Claim(ctx, j.ID, at)
		if err != nil {
			errs = append(errs, fmt.Errorf("claim %s at %s: %w", j.ID, at, err))
			continue
		}
		if claimed {
			out = append(out, DueRun{Job: j.ID, Scheduled: at})
		}
	}
	return out, errors.Join(errs...)
}

// DueRun is one claimed run: a job and the tick it is for.
type DueRun struct {
	Job       string
	Scheduled time.Time
}
