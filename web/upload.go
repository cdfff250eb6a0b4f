package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/ingest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// Upload on the page: an admin drops a CSV, Parquet, JSON-lines or Excel
// file; the server imports it into a DuckDB file of its own (never into the
// data being served), profiles it, drafts a model and answers a few first
// questions on it, so the admin sees what Wenshu would make of the data.
// Keeping it switches the server to that data and model (as a reload does);
// discarding it deletes both. The file is only read by DuckDB's and
// excelize's readers, never run; its name is reduced to letters, digits, -,
// _ and . before it touches the disk, and its size is bounded.

// DefaultMaxUploadBytes bounds an upload when Options.MaxUploadBytes is 0.
const DefaultMaxUploadBytes = 200 << 20

// uploadExts are the file endings an upload may have.
var uploadExts = []string{".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".parquet", ".jsonl", ".ndjson", ".json", ".jsonl.gz", ".xlsx"}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeUploadName keeps a file's base name to safe characters and checks its ending.
func safeUploadName(name string) (string, error) {
	base := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	base = strings.Trim(unsafeName.ReplaceAllString(base, "_"), "._")
	lower := strings.ToLower(base)
	for _, ext := range uploadExts {
		if strings.HasSuffix(lower, ext) && len(base) > len(ext) {
			return base, nil
		}
	}
	return "", &apiError{Code: "bad_request", Message: fmt.Sprintf("the file must be one of %s", strings.Join(uploadExts, ", "))}
}

// upload is one uploaded file and what was made of it.
type upload struct {
	ID      string          `json:"id"`
	File    string          `json:"file"`
	Report  *ingest.Report  `json:"report"`
	Model   string          `json:"model"`
	Preview []uploadPreview `json:"preview"`
	dir     string
	db      string
}

type uploadPreview struct {
	Question string            `json:"question"`
	Answer   string            `json:"answer"`
	Columns  []semantic.Column `json:"columns,omitempty"`
	Rows     [][]any           `json:"rows,omitempty"`
}

type uploads struct {
	mu   sync.Mutex
	byID map[string]*upload
}

func (s *Server) uploadDir() string {
	if s.opts.UploadDir != "" {
		return s.opts.UploadDir
	}
	return filepath.Join(os.TempDir(), "wenshu-uploads")
}

func (s *Server) handleUpload(c *gin.Context) {
	max := s.opts.MaxUploadBytes
	if max == 0 {
		max = DefaultMaxUploadBytes
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max+1<<20)
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(c, &apiError{Code: "too_large", Message: fmt.Sprintf("the file is larger than %d MiB", max>>20)})
			return
		}
		s.fail(c, &apiError{Code: "bad_request", Message: "send the file as multipart form field \"file\""})
		return
	}
	if fh.Size > max {
		s.fail(c, &apiError{Code: "too_large", Message: fmt.Sprintf("the file is larger than %d MiB", max>>20)})
		return
	}
	name, err := safeUploadName(fh.Filename)
	if err != nil {
		s.fail(c, err)
		return
	}
	id := identity.NewID(8)
	dir := filepath.Join(s.uploadDir(), id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.fail(c, err)
		return
	}
	u := &upload{ID: id, File: name, dir: dir, db: filepath.Join(dir, "data.duckdb")}
	fail := func(err error) {
		os.RemoveAll(dir)
		s.fail(c, err)
	}
	src, err := fh.Open()
	if err != nil {
		fail(err)
		return
	}
	path := filepath.Join(dir, name)
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = io.Copy(dst, io.LimitReader(src, max))
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}
	src.Close()
	if err != nil {
		fail(err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Minute)
	defer cancel()
	raw, err := duckdb.Create(u.db)
	if err != nil {
		fail(err)
		return
	}
	u.Report, err = ingest.Import(ctx, raw, ingest.Options{TempDir: dir}, path)
	raw.Close()
	os.Remove(path) // the data now lives in the DuckDB file
	if err != nil {
		fail(&apiError{Code: "bad_request", Message: "the file could not be imported: " + err.Error()})
		return
	}
	db, err := duckdb.Open(u.db, duckdb.Options{})
	if err != nil {
		fail(err)
		return
	}
	defer db.Close()
	prof, err := ingest.ProfileDB(ctx, db.SQL())
	if err != nil {
		fail(err)
		return
	}
	draft := ingest.Draft(prof, ingest.TableName(name))
	m, err := semantic.ParseModel("draft.yaml", draft)
	if err == nil {
		err = db.CheckModel(ctx, m, semantic.CompileOptions{})
	}
	if err != nil {
		fail(fmt.Errorf("the drafted model does not load: %w", err))
		return
	}
	u.Model = string(draft)
	if err := os.WriteFile(filepath.Join(dir, "model.yaml"), draft, 0o600); err != nil {
		fail(err)
		return
	}
	if u.Preview, err = previewQuestions(ctx, m, db); err != nil {
		fail(fmt.Errorf("the first questions on the draft failed: %w", err))
		return
	}
	s.uploads.mu.Lock()
	if s.uploads.byID == nil {
		s.uploads.byID = map[string]*upload{}
	}
	s.uploads.byID[id] = u
	s.uploads.mu.Unlock()
	p := principal(c)
	s.audit(AuditEntry{User: p.Name, Role: p.Role, Via: "upload", Question: name, Rows: int(u.Report.Rows)}, nil, nil)
	c.JSON(http.StatusCreated, u)
}

// previewQuestions answers the first questions the draft can answer: its
// first metric, split by its first listed dimension, and by month.
func previewQuestions(ctx context.Context, m *semantic.Model, db *duckdb.DB) ([]uploadPreview, error) {
	values, err := nlq.LoadValues(ctx, m, db)
	if err != nil {
		return nil, err
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: db, Conversations: nlq.NewMemoryConversations()}
	var qs []string
	if len(m.Metrics) > 0 {
		mt := m.Metrics[0]
		qs = append(qs, mt.Label.Zh)
		for _, d := range m.Dimensions {
			if len(d.Values) > 0 {
				qs = append(qs, "各"+d.Label.Zh+"的"+mt.Label.Zh)
				break
			}
		}
		if m.HasTime(mt) {
			qs = append(qs, "每个月的"+mt.Label.Zh)
		}
	}
	var out []uploadPreview
	for _, q := range qs {
		ans, err := e.Ask(ctx, nlq.AskRequest{Question: q}, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		p := uploadPreview{Question: q, Answer: ans.Answer, Columns: ans.Columns, Rows: ans.Rows}
		if len(p.Rows) > 12 {
			p.Rows = p.Rows[:12]
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Server) takeUpload(c *gin.Context) *upload {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	u := s.uploads.byID[c.Param("id")]
	if u == nil {
		writeError(c, &apiError{Code: "not_found", Message: "no such upload (uploads are kept until kept, discarded or the server restarts)"})
		return nil
	}
	delete(s.uploads.byID, u.ID)
	return u
}

// handleKeepUpload switches the server to the uploaded data and its draft model.
func (s *Server) handleKeepUpload(c *gin.Context) {
	u := s.takeUpload(c)
	if u == nil {
		return
	}
	modelPath := filepath.Join(u.dir, "model.yaml")
	if err := s.Switch(c.Request.Context(), u.db, modelPath); err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	s.audit(AuditEntry{User: p.Name, Role: p.Role, Via: "upload-keep", Question: u.File}, nil, nil)
	// Roles live in the model: users of roles the new model lacks cannot ask until it has them.
	warnings := []string{}
	if users, err := s.store.Users(c.Request.Context()); err == nil {
		m := s.eng().Model
		for _, usr := range users {
			if m.Role(usr.Role) == nil {
				warnings = append(warnings, fmt.Sprintf("user %s has role %s, which %s does not define: add it to the model's access section", usr.Name, usr.Role, modelPath))
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"kept": true, "data": u.db, "model": modelPath, "warnings": warnings})
}

func (s *Server) handleDiscardUpload(c *gin.Context) {
	u := s.takeUpload(c)
	if u == nil {
		return
	}
	os.RemoveAll(u.dir)
	c.Status(http.StatusNoContent)
}

// Switch serves another data file and model file from now on: the model is
// checked against the data first; the old engine finishes what it runs.
// Later reloads read the new model file.
func (s *Server) Switch(ctx context.Context, dbPath, modelPath string) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	data, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	m, err := semantic.ParseModel(modelPath, data)
	if err != nil {
		return err
	}
	db, err := duckdb.Open(dbPath, duckdb.Options{})
	if err != nil {
		return err
	}
	err = s.install(ctx, m, db, func(ne *nlq.Engine) {
		// The uploaded data's own day and sizes: the old ones do not apply.
		ne.Materialized, ne.AsOf, ne.Admission = nil, semantic.Date{}, nil
	})
	if err != nil {
		db.Close()
		return err
	}
	s.opts.LoadModel = func() (*semantic.Model, error) {
		data, err := os.ReadFile(modelPath)
		if err != nil {
			return nil, err
		}
		return semantic.ParseModel(modelPath, data)
	}
	s.log.Info("switched to uploaded data", "data", dbPath, "model", modelPath, "name", m.Name)
	return nil
}
