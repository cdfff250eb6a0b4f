package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Model changes without a restart: POST /api/v1/model/reload (admin) and
// SIGHUP (cmd/wenshu) read the model file again, check it against the data,
// link its vocabulary from the data, and swap the engine whole — questions
// in flight finish on the old one, the next ones get the new. A model with
// errors is refused with its error list and the old one keeps serving.

func (s *Server) eng() *nlq.Engine { return s.engine.Load() }

// modelChecker binds a model against the data (semantic/duckdb's DB).
type modelChecker interface {
	CheckModel(ctx context.Context, m *semantic.Model, opts semantic.CompileOptions) error
}

// ErrNoReload is returned when the server was given no model file to read again.
var ErrNoReload = errors.New("this server was started without a model file to reload (serve --model FILE)")

// Reload reads, checks and swaps in the model; on any error the old one keeps serving.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.opts.LoadModel == nil {
		return ErrNoReload
	}
	m, err := s.opts.LoadModel()
	if err != nil {
		return err
	}
	old := s.eng()
	return s.install(ctx, m, old.Runner, func(ne *nlq.Engine) {
		// A materialized derived table stays only while its SQL is the same.
		ne.Materialized = nil
		for _, name := range old.Materialized {
			if ot, nt := old.Model.Table(name), m.Table(name); ot != nil && nt != nil && ot.SQL == nt.SQL {
				ne.Materialized = append(ne.Materialized, name)
			}
		}
	})
}

// install checks m against runner's data, links its vocabulary from the
// data and swaps in an engine like the current one on m and runner (change
// adjusts it first); the caches built for the old model are dropped. On an
// error nothing changes.
func (s *Server) install(ctx context.Context, m *semantic.Model, runner nlq.Runner, change func(*nlq.Engine)) error {
	old := s.eng()
	if c, ok := runner.(modelChecker); ok {
		if err := c.CheckModel(ctx, m, semantic.CompileOptions{AsOf: old.AsOf}); err != nil {
			return &reloadError{"the model does not fit the data", err}
		}
	}
	values, err := nlq.LoadValues(ctx, m, runner)
	if err != nil {
		return err
	}
	ne := *old
	ne.Model, ne.Runner = m, runner
	ne.Rules = nlq.NewRules(m, nlq.NewLexicon(m, values))
	if old.LLM != nil {
		l := *old.LLM
		l.Model, l.Lex = m, ne.Rules.Lexicon()
		ne.LLM = &l
	}
	change(&ne)
	s.engine.Store(&ne)
	s.catalogs.Clear()
	s.scopeMu.Lock()
	clear(s.scopes)
	s.scopeMu.Unlock()
	s.log.Info("model installed", "name", m.Name, "metrics", len(m.Metrics), "dimensions", len(m.Dimensions), "vocabulary", ne.Rules.Lexicon().Size())
	return nil
}

type reloadError struct {
	msg string
	err error
}

func (e *reloadError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *reloadError) Unwrap() error { return e.err }

func (s *Server) handleReload(c *gin.Context) {
	err := s.Reload(c.Request.Context())
	if err == nil {
		m := s.eng().Model
		c.JSON(http.StatusOK, gin.H{"reloaded": true, "name": m.Name, "metrics": len(m.Metrics), "dimensions": len(m.Dimensions)})
		return
	}
	if errors.Is(err, ErrNoReload) {
		writeError(c, &apiError{Code: "not_configured", Message: err.Error()})
		return
	}
	var me semantic.ModelErrors
	var re *reloadError
	switch {
	case errors.As(err, &me):
		var list []string
		for _, e := range me {
			list = append(list, e.Error())
		}
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "bad_model", "message": "the model has errors; the old one keeps serving", "details": list}})
	case errors.As(err, &re):
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "bad_model", "message": re.msg + "; the old one keeps serving", "details": strings.Split(re.err.Error(), "\n")}})
	default:
		s.fail(c, err)
	}
}
