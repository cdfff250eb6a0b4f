package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wenshu-bi/wenshu/nlq"
)

// Store is the server's metadata store: an embedded database file of its
// own (bbolt), separate from the read-only data. Every write is committed
// and synced before it returns, so a restart loses no conversation.
type Store struct {
	db         *bolt.DB
	seenWrites atomic.Int64 // IM event ids written (old ones are pruned every 1000)
}

var bucketConversations = []byte("conversations")

// Conversation is a stored conversation.
type Conversation struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Owner is the id of the user who asked; "" in open demo mode.
	Owner string `json:"owner,omitempty"`
	// Via is where the conversation began (ws for the page, rest for the API).
	Via     string     `json:"via,omitempty"`
	Created time.Time  `json:"created"`
	Updated time.Time  `json:"updated"`
	Turns   []nlq.Turn `json:"turns,omitempty"`
}

// OpenStore opens (creating if needed) the metadata file.
func OpenStore(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open metadata store %s: another process (a running wenshu serve?) holds it; "+
			"stop it, or manage users through the REST API /api/v1/users", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open metadata store %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := errors.Join(s.ensureBuckets(), s.ensurePushBuckets()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open metadata store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the store can be read.
func (s *Store) Ping(_ context.Context) error {
	return s.db.View(func(*bolt.Tx) error { return nil })
}

// ErrNotFound is returned for an unknown conversation.
var ErrNotFound = errors.New("not found")

// Conversation returns one of owner's conversations with its turns; another
// user's conversation is not found, exactly like a missing one.
func (s *Store) Conversation(_ context.Context, owner, id string) (*Conversation, error) {
	var c Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketConversations).Get([]byte(id))
		if data == nil {
			return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return err
		}
		if c.Owner != owner {
			return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Conversations lists owner's conversations, most recently updated first,
// without turns.
func (s *Store) Conversations(_ context.Context, owner string, limit int) ([]Conversation, error) {
	var out []Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketConversations).ForEach(func(_, v []byte) error {
			var c Conversation
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if c.Owner != owner {
				return nil
			}
			c.Turns = nil
			out = append(out, c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// Turns implements nlq.Conversations: a new id has no turns; another
// user's conversation is not found.
func (s *Store) Turns(_ context.Context, owner, id string) ([]nlq.Turn, error) {
	var c Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketConversations).Get([]byte(id))
		if data == nil {
			return nil
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return err
		}
		if c.Owner != owner {
			return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
		}
		return nil
	})
	return c.Turns, err
}

// Append implements nlq.Conversations.
func (s *Store) Append(_ context.Context, owner, id string, t nlq.Turn) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConversations)
		var c Conversation
		if data := b.Get([]byte(id)); data != nil {
			if err := json.Unmarshal(data, &c); err != nil {
				return err
			}
			if c.Owner != owner {
				return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
			}
		} else {
			c = Conversation{ID: id, Owner: owner, Via: t.Via, Title: title(t.Question), Created: t.At}
		}
		c.Turns = append(c.Turns, t)
		c.Updated = t.At
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), data)
	})
}

// Delete removes one of owner's conversations.
func (s *Store) Delete(_ context.Context, owner, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketConversations)
		var c Conversation
		if err := getJSON(b, []byte(id), &c); err != nil || c.Owner != owner {
			return fmt.Errorf("conversation %q: %w", id, ErrNotFound)
		}
		return b.Delete([]byte(id))
	})
}

func title(q string) string {
	rs := []rune(q)
	if len(rs) > 30 {
		return string(rs[:30]) + "…"
	}
	return q
}

var bucketExamples = []byte("examples")

// AddExample stores a confirmed question→query pair (keyed by question).
func (s *Store) AddExample(_ context.Context, e nlq.Example) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketExamples)
		if err != nil {
			return err
		}
		return b.Put([]byte(e.Question), data)
	})
}

// Examples returns every stored example.
func (s *Store) Examples(_ context.Context) ([]nlq.Example, error) {
	var out []nlq.Example
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketExamples)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var e nlq.Example
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}
