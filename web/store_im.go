package web

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wenshu-bi/wenshu/nlq"
)

var bucketIMSeen = []byte("im_seen") // platform:event id → unix seconds first seen

// imSeenTTL is how long an event id is remembered: longer than any
// platform keeps redelivering (Feishu retries for about 7 hours).
const imSeenTTL = 48 * time.Hour

// FirstSeen records an IM event id and reports whether it is new (the
// im.Seen of the server: redeliveries are answered once, across restarts).
// Ids older than imSeenTTL are dropped as new ones are written.
func (s *Store) FirstSeen(_ context.Context, key string, at time.Time) (bool, error) {
	fresh := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketIMSeen)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(key)); len(v) == 8 && at.Sub(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) < imSeenTTL {
			return nil
		}
		fresh = true
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(at.Unix()))
		if err := b.Put([]byte(key), v[:]); err != nil {
			return err
		}
		if s.seenWrites.Add(1)%1000 == 0 {
			return pruneSeen(b, at)
		}
		return nil
	})
	return fresh, err
}

func pruneSeen(b *bolt.Bucket, at time.Time) error {
	var old [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) != 8 || at.Sub(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) >= imSeenTTL {
			old = append(old, append([]byte(nil), k...))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

var bucketIMPending = []byte("im_pending") // user \x00 conversation → JSON of the last clarification's options

// imPendingTTL is how long a numbered clarification can be answered by its number.
const imPendingTTL = time.Hour

type storedPending struct {
	Options []nlq.Option `json:"options"`
	At      time.Time    `json:"at"`
}

// PutPending keeps a conversation's last clarification options (replacing
// earlier ones), so "2" answers them after a restart or on another replica.
func (s *Store) PutPending(_ context.Context, key string, opts []nlq.Option, at time.Time) error {
	data, err := json.Marshal(storedPending{opts, at})
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketIMPending)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), data)
	})
}

// TakePending returns option n (1-based) of the options kept for key and
// forgets them; a number out of range, or options older than
// imPendingTTL, give false (the options stay while still fresh).
func (s *Store) TakePending(_ context.Context, key string, n int, now time.Time) (nlq.Option, bool, error) {
	var out nlq.Option
	ok := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIMPending)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		var p storedPending
		if err := json.Unmarshal(v, &p); err != nil || now.Sub(p.At) > imPendingTTL {
			return b.Delete([]byte(key))
		}
		if n < 1 || n > len(p.Options) {
			return nil
		}
		out, ok = p.Options[n-1], true
		return b.Delete([]byte(key))
	})
	return out, ok, err
}
