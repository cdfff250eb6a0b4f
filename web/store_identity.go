package web

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wenshu-bi/wenshu/identity"
)

// Users, their API tokens and browser sessions, and the audit log live in
// the same metadata file as conversations. Each write is one transaction,
// committed and synced before it returns.

var (
	bucketUsers     = []byte("users")      // id → User
	bucketUserNames = []byte("user_names") // name → id
	bucketTokens    = []byte("tokens")     // token id → Token
	bucketSessions  = []byte("sessions")   // hash of cookie value → Session
	bucketAudit     = []byte("audit")      // big-endian sequence → AuditEntry
)

// ErrExists is returned when a user name is taken.
var ErrExists = errors.New("already exists")

func (s *Store) ensureBuckets() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketConversations, bucketUsers, bucketUserNames, bucketTokens, bucketSessions, bucketAudit} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// CountUsers returns how many users exist (none means open demo mode).
func (s *Store) CountUsers(_ context.Context) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketUsers).Stats().KeyN
		return nil
	})
	return n, err
}

// AddUser stores a new user and its first API token, in one transaction.
func (s *Store) AddUser(_ context.Context, u identity.User, t identity.Token) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketUserNames)
		if names.Get([]byte(u.Name)) != nil {
			return fmt.Errorf("user %q: %w", u.Name, ErrExists)
		}
		if err := names.Put([]byte(u.Name), []byte(u.ID)); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketUsers), []byte(u.ID), u); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketTokens), []byte(t.ID), t)
	})
}

// PutUser replaces a stored user (same id and name).
func (s *Store) PutUser(_ context.Context, u identity.User) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.ID)) == nil {
			return fmt.Errorf("user %q: %w", u.Name, ErrNotFound)
		}
		return putJSON(b, []byte(u.ID), u)
	})
}

// User returns a user by id.
func (s *Store) User(_ context.Context, id string) (*identity.User, error) {
	var u identity.User
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketUsers), []byte(id), &u) })
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByName returns a user by name.
func (s *Store) UserByName(_ context.Context, name string) (*identity.User, error) {
	var u identity.User
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUserNames).Get([]byte(name))
		if id == nil {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		return getJSON(tx.Bucket(bucketUsers), id, &u)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Users lists every user by name, without password hashes.
func (s *Store) Users(_ context.Context) ([]identity.User, error) {
	var out []identity.User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			var u identity.User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u.Public())
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// RemoveUser deletes a user with its tokens and sessions. Its
// conversations stay (an admin may still need them) but no one can reach
// them as that user again.
func (s *Store) RemoveUser(_ context.Context, name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketUserNames)
		id := names.Get([]byte(name))
		if id == nil {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		uid := string(id)
		for _, bn := range [][]byte{bucketTokens, bucketSessions} {
			b := tx.Bucket(bn)
			var dead [][]byte
			b.ForEach(func(k, v []byte) error {
				var owner struct {
					UserID string `json:"user_id"`
				}
				if json.Unmarshal(v, &owner) == nil && owner.UserID == uid {
					dead = append(dead, append([]byte(nil), k...))
				}
				return nil
			})
			for _, k := range dead {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bucketUsers).Delete([]byte(uid)); err != nil {
			return err
		}
		return names.Delete([]byte(name))
	})
}

// PutToken stores a token (a new one, or a revoked one).
func (s *Store) PutToken(_ context.Context, t identity.Token) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers).Get([]byte(t.UserID)) == nil {
			return fmt.Errorf("token owner: %w", ErrNotFound)
		}
		return putJSON(tx.Bucket(bucketTokens), []byte(t.ID), t)
	})
}

// Token returns a token by id.
func (s *Store) Token(_ context.Context, id string) (*identity.Token, error) {
	var t identity.Token
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketTokens), []byte(id), &t) })
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Tokens lists a user's tokens, oldest first.
func (s *Store) Tokens(_ context.Context, userID string) ([]identity.Token, error) {
	var out []identity.Token
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(_, v []byte) error {
			var t identity.Token
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			if t.UserID == userID {
				t.Hash = ""
				out = append(out, t)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// PutSession stores a browser session under the hash of its cookie value.
func (s *Store) PutSession(_ context.Context, hash string, sess identity.Session) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		// Expired sessions are dropped as new ones arrive.
		now := time.Now()
		var dead [][]byte
		b.ForEach(func(k, v []byte) error {
			var old identity.Session
			if json.Unmarshal(v, &old) != nil || now.After(old.Expires) {
				dead = append(dead, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range dead {
			b.Delete(k)
		}
		return putJSON(b, []byte(hash), sess)
	})
}

// Session returns the session stored under a hash.
func (s *Store) Session(_ context.Context, hash string) (*identity.Session, error) {
	var sess identity.Session
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketSessions), []byte(hash), &sess) })
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(_ context.Context, hash string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSessions).Delete([]byte(hash)) })
}

// AuditEntry is one answered (or refused) request: who, what, when.
type AuditEntry struct {
	Seq            uint64    `json:"seq"`
	At             time.Time `json:"at"`
	User           string    `json:"user"`
	Role           string    `json:"role"`
	TokenID        string    `json:"token_id,omitempty"`
	Via            string    `json:"via"` // rest, ws, query
	Question       string    `json:"question,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	SQLHash        string    `json:"sql_hash,omitempty"`
	Rows           int       `json:"rows"`
	Translator     string    `json:"translator,omitempty"`
	Outcome        string    `json:"outcome"`
	Error          string    `json:"error,omitempty"`
}

// AppendAudit adds an entry, keeping at most max entries (oldest dropped).
func (s *Store) AppendAudit(_ context.Context, e AuditEntry, max int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		if err := putJSON(b, seqKey(seq), e); err != nil {
			return err
		}
		if max > 0 && seq > uint64(max) {
			c := b.Cursor()
			for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq-uint64(max); k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Audit returns up to limit entries, newest first, optionally of one user.
func (s *Store) Audit(_ context.Context, user string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if user == "" || e.User == user {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

func seqKey(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}
