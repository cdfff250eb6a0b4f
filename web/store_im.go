package web

import (
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
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
