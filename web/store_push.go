package web

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wenshu-bi/wenshu/push"
)

var (
	bucketSubscriptions = []byte("subscriptions") // id → push.Subscription
	bucketRuns          = []byte("runs")          // subscription id + "/" + run id → push.Run
	bucketClaims        = []byte("claims")        // job@tick → claimed at
)

func (s *Store) ensurePushBuckets() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSubscriptions, bucketRuns, bucketClaims} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutSubscription stores a subscription.
func (s *Store) PutSubscription(_ context.Context, sub push.Subscription) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketSubscriptions), []byte(sub.ID), sub) })
}

// Subscription returns one subscription.
func (s *Store) Subscription(_ context.Context, id string) (*push.Subscription, error) {
	var sub push.Subscription
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketSubscriptions), []byte(id), &sub) })
	if err != nil {
		return nil, fmt.Errorf("subscription %q: %w", id, err)
	}
	return &sub, nil
}

// Subscriptions lists every subscription, oldest first.
func (s *Store) Subscriptions(_ context.Context) ([]push.Subscription, error) {
	var out []push.Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscriptions).ForEach(func(_, v []byte) error {
			var sub push.Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return err
			}
			out = append(out, sub)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// DeleteSubscription removes a subscription and its runs.
func (s *Store) DeleteSubscription(_ context.Context, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("subscription %q: %w", id, ErrNotFound)
		}
		runs := tx.Bucket(bucketRuns).Cursor()
		prefix := []byte(id + "/")
		for k, _ := runs.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = runs.Seek(prefix) {
			if err := runs.Delete(); err != nil {
				return err
			}
		}
		return b.Delete([]byte(id))
	})
}

// Claim implements push.Claims: one transaction takes (job, tick) or finds
// it taken, so a tick runs once across restarts and schedulers. For a
// subscription the same transaction records the run (running, nothing
// sent yet), so a crash right after the claim cannot lose it: the next
// start resumes it (web.Server.ResumeRuns).
func (s *Store) Claim(_ context.Context, job string, tick time.Time) (bool, error) {
	claimed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		claimed = false // a retried transaction starts over
		b := tx.Bucket(bucketClaims)
		k := []byte(job + "@" + tick.UTC().Format(time.RFC3339))
		if b.Get(k) != nil {
			return nil
		}
		claimed = true
		if err := b.Put(k, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
			return err
		}
		if strings.HasPrefix(job, "alert:") {
			return nil // an alert missed is evaluated again at its next tick
		}
		r := push.Run{ID: ScheduledRunID(tick), Subscription: job, Scheduled: tick.UTC(), Trigger: "schedule",
			Started: time.Now().UTC(), State: push.RunRunning}
		return putJSON(tx.Bucket(bucketRuns), []byte(job+"/"+r.ID), r)
	})
	return claimed, err
}

// ScheduledRunID is the id of a subscription's run for a tick: the same
// for the claim's record and the run that fills it.
func ScheduledRunID(tick time.Time) string { return fmt.Sprintf("t%d", tick.Unix()) }

// PutRun stores a run (created when claimed, updated as channels are sent).
func (s *Store) PutRun(_ context.Context, r push.Run) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketRuns), []byte(r.Subscription+"/"+r.ID), r)
	})
}

// Runs returns a subscription's runs, newest first, at most limit.
func (s *Store) Runs(_ context.Context, subID string, limit int) ([]push.Run, error) {
	var out []push.Run
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(subID + "/")
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var r push.Run
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

var bucketAlerts = []byte("alerts") // id → push.Alert

// PutAlert stores an alert with its state.
func (s *Store) PutAlert(_ context.Context, a push.Alert) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAlerts)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(a.ID), a)
	})
}

// Alert returns one alert.
func (s *Store) Alert(_ context.Context, id string) (*push.Alert, error) {
	var a push.Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlerts)
		if b == nil {
			return ErrNotFound
		}
		return getJSON(b, []byte(id), &a)
	})
	if err != nil {
		return nil, fmt.Errorf("alert %q: %w", id, err)
	}
	return &a, nil
}

// Alerts lists every alert, oldest first.
func (s *Store) Alerts(_ context.Context) ([]push.Alert, error) {
	var out []push.Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlerts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var a push.Alert
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// DeleteAlert removes an alert.
func (s *Store) DeleteAlert(_ context.Context, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlerts)
		if b == nil || b.Get([]byte(id)) == nil {
			return fmt.Errorf("alert %q: %w", id, ErrNotFound)
		}
		return b.Delete([]byte(id))
	})
}

var bucketCharts = []byte("charts") // token → PNG of a pushed report's chart

// PutChart keeps a report's chart image under an unguessable token.
func (s *Store) PutChart(_ context.Context, token string, png []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCharts)
		if err != nil {
			return err
		}
		return b.Put([]byte(token), png)
	})
}

// Chart returns a chart image by token.
func (s *Store) Chart(_ context.Context, token string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCharts)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(token))
		if v == nil {
			return ErrNotFound
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

var bucketListLinks = []byte("list_links") // token → ListLink of a pushed list

// PutListLink keeps a pushed list's download link under an unguessable token.
func (s *Store) PutListLink(_ context.Context, token string, l ListLink) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketListLinks)
		if err != nil {
			return err
		}
		return b.Put([]byte(token), data)
	})
}

// ListLink returns a pushed list's link by token.
func (s *Store) ListLink(_ context.Context, token string) (ListLink, error) {
	var l ListLink
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketListLinks)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(token))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &l)
	})
	return l, err
}
