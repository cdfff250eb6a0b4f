package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Confirmed question→query pairs: a user marks an answer right, or an admin
// adds a pair. Both are stored and indexed at once, so the next asker of the
// same question skips every translator and similar questions get them as
// examples in the LLM prompt.

type feedbackBody struct {
	ConversationID string `json:"conversation_id"`
	// Turn is the index of the answer in the conversation (0 is the first).
	Turn    int  `json:"turn"`
	Correct bool `json:"correct"`
	// Comment says what was wrong (不对 only; at most 500 characters).
	Comment string `json:"comment"`
}

func (s *Server) handleFeedback(c *gin.Context) {
	var body feedbackBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	conv, err := s.store.Conversation(c.Request.Context(), principal(c).UserID, body.ConversationID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if body.Turn < 0 || body.Turn >= len(conv.Turns) {
		s.fail(c, &apiError{Code: "bad_request", Message: "no such turn in the conversation"})
		return
	}
	turn := conv.Turns[body.Turn]
	s.metrics.feedback.WithLabelValues(map[bool]string{true: "correct", false: "wrong"}[body.Correct]).Inc()
	if !body.Correct {
		comment := strings.TrimSpace(body.Comment)
		if len([]rune(comment)) > 500 {
			comment = string([]rune(comment)[:500])
		}
		r, err := s.newReview(c.Request.Context(), principal(c), conv, body.Turn, comment)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"stored": false, "review": r.ID})
		return
	}
	if turn.Query == nil {
		s.fail(c, &apiError{Code: "bad_request", Message: "that answer has no query to confirm"})
		return
	}
	if turn.FollowUp || turn.Partial != nil {
		// 同比呢 means the earlier turns of this conversation: as an example
		// it would replay them for everyone.
		c.JSON(http.StatusOK, gin.H{"stored": false, "reason": "a follow-up is understood only within its conversation"})
		return
	}
	if err := s.addExample(c, nlq.Example{Question: turn.Question, Query: turn.Query, Source: "user", At: time.Now().UTC(), AsOf: turn.AsOf}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stored": true})
}

type exampleBody struct {
	Question string          `json:"question"`
	Query    *semantic.Query `json:"query"`
}

func (s *Server) handleAddExample(c *gin.Context) {
	var body exampleBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if strings.TrimSpace(body.Question) == "" || body.Query == nil {
		s.fail(c, &apiError{Code: "bad_request", Message: "an example needs a question and a query"})
		return
	}
	if _, err := semantic.Compile(s.eng().Model, body.Query, semantic.CompileOptions{}); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.addExample(c, nlq.Example{Question: strings.TrimSpace(body.Question), Query: body.Query, Source: "admin", At: time.Now().UTC(), AsOf: s.eng().AsOf}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"stored": true})
}

// handleExamples lists the confirmed examples the asker could run: an
// example naming what their role may not see, or rows outside theirs, is
// left out.
func (s *Server) handleExamples(c *gin.Context) {
	scope, err := s.scope(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.store.Examples(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := []nlq.Example{}
	for _, e := range list {
		if scope.Allows(s.eng().Model, e.Query) {
			out = append(out, e)
		}
	}
	c.JSON(http.StatusOK, gin.H{"examples": out})
}

func (s *Server) addExample(c *gin.Context, e nlq.Example) error {
	if err := s.store.AddExample(c.Request.Context(), e); err != nil {
		return err
	}
	if s.examples != nil {
		s.examples.Add(e)
	}
	return nil
}
