package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	bolt "go.etcd.io/bbolt"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// The 错题集: every answer marked 不对 joins a review queue with its
// question, reading, query and the asker's comment. An admin corrects the
// query and saves it as a confirmed example (in its relative form: the
// turn's as-of date travels with it, so 上个月 stays relative), and the
// same question is never answered wrong again. The queue also shows where
// understanding fails in the users' own words: per-family counts from the
// audit log, and the share answered by rules, LLM and memory.

// Review states.
const (
	ReviewOpen      = "open"
	ReviewFixed     = "fixed"
	ReviewDismissed = "dismissed"
)

// Review is one answer marked wrong.
type Review struct {
	ID             string          `json:"id"`
	At             time.Time       `json:"at"`
	User           string          `json:"user"`
	ConversationID string          `json:"conversation_id"`
	Turn           int             `json:"turn"`
	Question       string          `json:"question"`
	Reading        string          `json:"reading,omitempty"`
	Answer         string          `json:"answer,omitempty"`
	Query          *semantic.Query `json:"query,omitempty"`
	Translator     string          `json:"translator,omitempty"`
	FollowUp       bool            `json:"follow_up,omitempty"`
	AsOf           semantic.Date   `json:"as_of,omitzero"`
	Comment        string          `json:"comment,omitempty"`
	State          string          `json:"state"`
	Fixed          *semantic.Query `json:"fixed_query,omitempty"`
	FixedBy        string          `json:"fixed_by,omitempty"`
	FixedAt        time.Time       `json:"fixed_at,omitzero"`
}

var bucketReviews = []byte("reviews") // id (time-ordered) → Review

// PutReview stores a review.
func (s *Store) PutReview(_ context.Context, r Review) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReviews)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(r.ID), r)
	})
}

// Review returns one review.
func (s *Store) Review(_ context.Context, id string) (*Review, error) {
	var r Review
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReviews)
		if b == nil {
			return ErrNotFound
		}
		return getJSON(b, []byte(id), &r)
	})
	if err != nil {
		return nil, fmt.Errorf("review %q: %w", id, err)
	}
	return &r, nil
}

// Reviews lists every review, newest first.
func (s *Store) Reviews(_ context.Context) ([]Review, error) {
	var out []Review
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReviews)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r Review
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// newReview queues a turn marked wrong.
func (s *Server) newReview(ctx context.Context, p *Principal, conv *Conversation, turn int, comment string) (Review, error) {
	t := conv.Turns[turn]
	now := s.now().UTC()
	r := Review{ID: fmt.Sprintf("%013d-%s", now.UnixMilli(), identity.NewID(3)), At: now, User: p.Name,
		ConversationID: conv.ID, Turn: turn, Question: t.Question, Reading: t.Reading, Answer: t.Answer,
		Query: t.Query, Translator: t.Translator, FollowUp: t.FollowUp, AsOf: t.AsOf, Comment: comment, State: ReviewOpen}
	if r.Query == nil {
		r.Query = t.Partial
	}
	return r, s.store.PutReview(ctx, r)
}

// reviewCounts are where understanding failed, from the audit log: asks
// that found no metric, that were clarified, refused, marked wrong; and
// who answered the rest.
type reviewCounts struct {
	Asks        int            `json:"asks"`
	NoMetric    int            `json:"no_metric"`
	Clarified   int            `json:"clarified"`
	Refused     int            `json:"refused"`
	MarkedWrong int            `json:"marked_wrong"`
	Errors      int            `json:"errors"`
	Translators map[string]int `json:"translators"`
}

func (s *Server) handleReviews(c *gin.Context) {
	ctx := c.Request.Context()
	reviews, err := s.store.Reviews(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	state := c.DefaultQuery("state", ReviewOpen)
	out := []Review{}
	counts := reviewCounts{Translators: map[string]int{}}
	for _, r := range reviews {
		counts.MarkedWrong++
		if state == "all" || r.State == state {
			out = append(out, r)
		}
	}
	audit, err := s.store.Audit(ctx, "", s.opts.AuditMax)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, e := range audit {
		if e.Via == "query" {
			continue
		}
		counts.Asks++
		switch e.Outcome {
		case "clarified":
			if e.Error == auditNoMetric {
				counts.NoMetric++
			} else {
				counts.Clarified++
			}
		case "refused":
			counts.Refused++
		case "error":
			counts.Errors++
		case "answered":
			counts.Translators[e.Translator]++
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	c.JSON(http.StatusOK, gin.H{"reviews": out, "counts": counts})
}

// auditNoMetric marks a clarification that found no metric in the question.
const auditNoMetric = "no_metric"

type fixBody struct {
	Query *semantic.Query `json:"query"`
	// Dry checks the query (as it is typed) without saving anything.
	Dry bool `json:"dry"`
}

// handleFixReview saves an admin's corrected query as a confirmed example
// (and closes the review); with dry it only checks the query and answers
// its reading.
func (s *Server) handleFixReview(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := s.store.Review(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	var body fixBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if body.Query == nil {
		s.fail(c, &apiError{Code: "bad_request", Message: "a fix needs the corrected query"})
		return
	}
	asOf := r.AsOf
	if asOf.IsZero() {
		asOf = s.eng().AsOf
	}
	if _, err := semantic.Compile(s.eng().Model, body.Query, semantic.CompileOptions{AsOf: asOf}); err != nil {
		s.fail(c, err)
		return
	}
	lang := "zh"
	if !containsCJK(r.Question) {
		lang = "en"
	}
	reading := nlq.Read(s.eng().Model, body.Query, lang)
	if body.Dry {
		c.JSON(http.StatusOK, gin.H{"ok": true, "reading": reading})
		return
	}
	if r.FollowUp {
		s.fail(c, &apiError{Code: "bad_request", Message: "a follow-up (那同比呢) is understood only within its conversation; fix the question it followed, or dismiss this one"})
		return
	}
	p := principal(c)
	if err := s.addExample(c, nlq.Example{Question: r.Question, Query: body.Query, Source: "review", At: s.now().UTC(), AsOf: asOf}); err != nil {
		s.fail(c, err)
		return
	}
	r.State, r.Fixed, r.FixedBy, r.FixedAt = ReviewFixed, body.Query, p.Name, s.now().UTC()
	if err := s.store.PutReview(ctx, *r); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"review": r, "reading": reading})
}

// handleDismissReview closes a review without a fix (the answer was right).
func (s *Server) handleDismissReview(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := s.store.Review(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	r.State, r.FixedBy, r.FixedAt = ReviewDismissed, principal(c).Name, s.now().UTC()
	if err := s.store.PutReview(ctx, *r); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"review": r})
}

func containsCJK(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }) >= 0
}
