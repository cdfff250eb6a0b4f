package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
)

//go:embed static
var staticFiles embed.FS

// Options configures a Server.
type Options struct {
	// UploadDir holds uploaded files and their DuckDB files (upload.go);
	// empty means a directory under the system's temporary one.
	UploadDir string
	// MaxUploadBytes bounds an upload (0: DefaultMaxUploadBytes).
	MaxUploadBytes int64
	// LoadModel reads the model file again for a reload (POST
	// /api/v1/model/reload, SIGHUP); nil means the model cannot be reloaded.
	LoadModel func() (*semantic.Model, error)
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64
	// AskTimeout bounds one ask (default 60 s).
	AskTimeout time.Duration
	// WS tunes the websocket stream.
	WS WSOptions
	// TranslatorNote is shown in /api/v1/model (which translators are on).
	TranslatorNote string
	// AdminToken, when set, is a bearer token with the admin role (for
	// scripts and bootstrapping; users and their tokens are the normal way).
	AdminToken string
	// PublicOrigins are the origins (scheme://host[:port]) the page is served
	// from (WENSHU_PUBLIC_URL); browsers from elsewhere may not use cookies
	// or websockets. Empty means the request's own host.
	PublicOrigins []string
	// RateLimit is the requests per second one user or token may make, with
	// bursts of RateBurst (defaults 10 and 40; negative turns limits off).
	RateLimit float64
	RateBurst int
	// SessionTTL is how long a page sign-in lasts (default 7 days);
	// SecureCookies marks the cookie Secure even behind plain HTTP.
	SessionTTL    time.Duration
	SecureCookies bool
	// AuditMax bounds the audit log (default 100000 entries).
	AuditMax int
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string
	// FrameAncestors are the origins that may embed the page in a frame
	// (CSP frame-ancestors; IM workbenches); empty means 'self' only.
	FrameAncestors []string
	// PushAllowHosts lets webhooks reach these private hosts or CIDRs
	// (WENSHU_PUSH_ALLOW_HOSTS); link-local addresses stay refused.
	PushAllowHosts string
	// SMTP is the mail server of email channels (nil: email is refused).
	SMTP *push.SMTP
	// ChartFont is the CJK font of report charts (push.DefaultCJKFont when empty).
	ChartFont string
	// Now is the clock of schedules (time.Now when nil; tests set it).
	Now func() time.Time
	// ReadTimeout bounds reading a whole request (default 30 s: a client
	// trickling its body is cut off); WriteTimeout bounds writing a REST
	// answer (default AskTimeout + 15 s). Websockets are not bound by them.
	ReadTimeout, WriteTimeout time.Duration
	// Examples is the engine's index of confirmed pairs; new ones are added to it.
	Examples *nlq.ExampleIndex
	// IM are the configured IM bots (at most one per platform); their
	// events come to /im/<platform>/events.
	IM []im.Adapter
	// IMDefaultRole is the role of IM senders mapped to no user
	// (WENSHU_IM_DEFAULT_ROLE); empty gives them no access.
	IMDefaultRole string
	// IMPerMinute and IMBurst bound the questions one chat may ask
	// (defaults 30 a minute, bursts of 10).
	IMPerMinute float64
	IMBurst     int
}

// Server serves the API, the websocket stream and the chat page.
type Server struct {
	// engine is swapped whole when the model is reloaded (reload.go).
	engine   atomic.Pointer[nlq.Engine]
	reloadMu sync.Mutex
	uploads  uploads
	store    *Store
	examples *nlq.ExampleIndex
	log      *slog.Logger
	opts     Options
	metrics  *metrics
	catalogs sync.Map // scope key → gin.H of GET /api/v1/model, built once per scope

	users         atomic.Int64 // how many users exist; 0 is open demo mode
	scopeMu       sync.Mutex
	scopes        map[string]*nlq.Scope
	limiters      *limiters
	loginLimiters *limiters
	upgrader      websocket.Upgrader
	translators   string
	pushGuard     *push.Guard
	sender        *push.Sender
	bots          map[string]im.Adapter
	imState       imState

	// ctx ends when the server shuts down: websocket asks stop with it.
	ctx    context.Context
	cancel context.CancelFunc
	wsMu   sync.Mutex
	wsOpen map[*wsClient]struct{}
	wg     sync.WaitGroup
}

// NewServer wires a server. The engine's Conversations should be store.
func NewServer(engine *nlq.Engine, store *Store, log *slog.Logger, opts Options) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.AskTimeout == 0 {
		opts.AskTimeout = 60 * time.Second
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 10
	}
	if opts.RateBurst == 0 {
		opts.RateBurst = 40
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 7 * 24 * time.Hour
	}
	if opts.AuditMax == 0 {
		opts.AuditMax = 100000
	}
	opts.applyTimeouts()
	opts.WS.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{store: store, examples: opts.Examples, log: log, opts: opts, metrics: newMetrics(),
		translators: opts.TranslatorNote, ctx: ctx, cancel: cancel, wsOpen: map[*wsClient]struct{}{},
		scopes: map[string]*nlq.Scope{}, limiters: newLimiters(opts.RateLimit, opts.RateBurst),
		loginLimiters: newLimiters(10.0/60, 10)}
	s.engine.Store(engine)
	s.upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, CheckOrigin: s.allowedOrigin}
	guard, err := push.NewGuard(opts.PushAllowHosts)
	if err != nil {
		log.Error("WENSHU_PUSH_ALLOW_HOSTS ignored", "err", err)
		guard, _ = push.NewGuard("")
	}
	s.pushGuard = guard
	s.sender = &push.Sender{Client: guard.Client(30 * time.Second), Now: opts.Now, Logger: log, SMTP: opts.SMTP,
		Chats: map[string]push.ChatPoster{}}
	s.bots = map[string]im.Adapter{}
	for _, a := range opts.IM {
		s.bots[a.Platform()] = a
		s.sender.Chats[a.Platform()] = a
		if up, ok := a.(interface {
			UploadImage(context.Context, []byte) (string, error)
		}); ok {
			s.sender.FeishuImage = up.UploadImage // Feishu webhook cards show the chart too
		}
	}
	s.RefreshUsers(ctx)
	if engine.LLM != nil {
		observe := engine.LLM.OnCall
		engine.LLM.OnCall = func(c nlq.LLMCall) {
			s.metrics.observeLLM(c)
			log.Info("llm call", "purpose", c.Purpose, "ms", c.Latency.Milliseconds(), "prompt_tokens", c.PromptTokens,
				"completion_tokens", c.CompletionTokens, "err", c.Err)
			if observe != nil {
				observe(c)
			}
		}
	}
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.NoMethod(func(c *gin.Context) {
		writeError(c, &apiError{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})
	r.Use(gin.Recovery(), s.logRequests, s.securityHeaders)
	r.GET("/healthz", s.handleHealth)
	r.GET("/readyz", s.handleReady)
	r.GET("/metrics", s.metricsAuth, gin.WrapH(s.metrics.handler()))
	r.GET("/charts/:file", s.handleChart)
	r.GET("/lists/:file", s.handleListLink)
	s.mountIM(r)
	r.POST("/api/v1/login", s.handleLogin)
	r.POST("/api/v1/logout", s.handleLogout)
	api := r.Group("/api/v1", s.authenticate, s.checkCSRF, s.limit)
	api.GET("/me", s.handleMe)
	api.POST("/ask", s.handleAsk)
	api.POST("/query", s.handleQuery)
	api.GET("/model", s.handleModel)
	api.GET("/conversations", s.handleConversations)
	api.GET("/conversations/:id", s.handleConversation)
	api.DELETE("/conversations/:id", s.handleDeleteConversation)
	api.POST("/feedback", s.handleFeedback)
	api.GET("/examples", s.handleExamples)
	admin := api.Group("", s.adminOnly)
	admin.POST("/examples", s.handleAddExample)
	admin.GET("/feedback", s.handleReviews)
	admin.POST("/feedback/:id/fix", s.handleFixReview)
	admin.POST("/feedback/:id/dismiss", s.handleDismissReview)
	admin.GET("/users", s.handleUsers)
	admin.POST("/users", s.handleAddUser)
	admin.PATCH("/users/:name", s.handlePatchUser)
	admin.DELETE("/users/:name", s.handleRemoveUser)
	admin.GET("/users/:name/tokens", s.handleTokens)
	admin.POST("/users/:name/tokens", s.handleNewToken)
	admin.DELETE("/users/:name/tokens/:token", s.handleRevokeToken)
	admin.GET("/audit", s.handleAudit)
	admin.POST("/model/reload", s.handleReload)
	admin.POST("/uploads", s.handleUpload)
	admin.POST("/uploads/:id/keep", s.handleKeepUpload)
	admin.DELETE("/uploads/:id", s.handleDiscardUpload)
	api.GET("/ws", s.handleWS)
	api.GET("/export", s.handleExport)
	api.POST("/export", s.handleExport)
	api.POST("/subscriptions", s.handleAddSubscription)
	api.GET("/subscriptions", s.handleSubscriptions)
	api.GET("/subscriptions/:id", s.handleSubscription)
	api.PATCH("/subscriptions/:id", s.handlePatchSubscription)
	api.DELETE("/subscriptions/:id", s.handleDeleteSubscription)
	api.POST("/subscriptions/:id/run", s.handleRunSubscription)
	api.GET("/subscriptions/:id/runs", s.handleSubscriptionRuns)
	api.POST("/alerts", s.handleAddAlert)
	api.GET("/alerts", s.handleAlerts)
	api.GET("/alerts/:id", s.handleAlert)
	api.PATCH("/alerts/:id", s.handlePatchAlert)
	api.DELETE("/alerts/:id", s.handleDeleteAlert)
	api.GET("/alerts/:id/runs", s.handleAlertRuns)
	api.POST("/alerts/:id/evaluate", s.handleEvaluateAlert)
	static, _ := fs.Sub(staticFiles, "static")
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			writeError(c, &apiError{Code: "not_found", Message: "no such endpoint: " + c.Request.URL.Path})
			return
		}
		c.Header("Cache-Control", "no-cache")
		http.FileServer(http.FS(static)).ServeHTTP(c.Writer, c.Request)
	})
	return r
}

// HTTPServer is an http.Server for Handler with the server's timeouts:
// headers within 10 s, the whole request within ReadTimeout, a REST answer
// within WriteTimeout, idle keep-alive connections closed after 2 minutes.
func (s *Server) HTTPServer() *http.Server { return NewHTTPServer(s.Handler(), s.opts) }

func (o *Options) applyTimeouts() {
	if o.AskTimeout == 0 {
		o.AskTimeout = 60 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = o.AskTimeout + 15*time.Second
	}
}

// securityHeaders: the page runs only its own scripts, may be framed only
// where the operator allows, and no response is sniffed as another type.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		ancestors := "'self'"
		if len(s.opts.FrameAncestors) > 0 {
			ancestors = strings.Join(s.opts.FrameAncestors, " ")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
			"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors "+ancestors)
	}
	c.Next()
}

// Shutdown stops websocket asks and closes their sockets, then waits for
// their goroutines (REST asks are drained by http.Server.Shutdown).
func (s *Server) Shutdown(ctx context.Context) {
	s.cancel()
	s.wsMu.Lock()
	for c := range s.wsOpen {
		c.closeGoingAway()
	}
	s.wsMu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Info("http", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
		"ms", time.Since(start).Milliseconds())
}

// apiError is the one error shape of the API: a stable code and a message.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// status maps error codes to HTTP statuses, in one place.
func status(code string) int {
	switch code {
	case "not_found":
		return http.StatusNotFound
	case "unauthorized":
		return http.StatusUnauthorized
	case "forbidden", semantic.CodeNotPermitted, semantic.CodeMissingAttribute, nlq.RefusalOutOfScope:
		return http.StatusForbidden
	case "rate_limited":
		return http.StatusTooManyRequests
	case "unsupported_media_type":
		return http.StatusUnsupportedMediaType
	case "method_not_allowed":
		return http.StatusMethodNotAllowed
	case "conflict":
		return http.StatusConflict
	case "too_large":
		return http.StatusRequestEntityTooLarge
	case "timeout":
		return http.StatusGatewayTimeout
	case "data_unreachable":
		return http.StatusServiceUnavailable
	case "canceled":
		return 499
	case "internal":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// toAPIError classifies any error for the asker.
func toAPIError(err error) *apiError {
	var ae *apiError
	var list semantic.ErrorList
	var se *semantic.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &list):
		return &apiError{Code: list[0].Code, Message: list.Error(), Details: list}
	case errors.As(err, &se):
		return &apiError{Code: se.Code, Message: se.Error()}
	case errors.As(err, &tooBig):
		return &apiError{Code: "too_large", Message: "the request body is too large"}
	case errors.Is(err, postgres.ErrUnreachable):
		return &apiError{Code: "data_unreachable", Message: "the database cannot be reached right now; the question was not answered (it reconnects by itself: try again in a moment)"}
	case errors.Is(err, duckdb.ErrTimeout), errors.Is(err, postgres.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return &apiError{Code: "timeout", Message: "the query took too long and was stopped"}
	case errors.Is(err, duckdb.ErrBadValue):
		return &apiError{Code: semantic.CodeBadFilter, Message: err.Error()}
	case errors.Is(err, duckdb.ErrCanceled), errors.Is(err, context.Canceled):
		return &apiError{Code: "canceled", Message: "the request was canceled"}
	case errors.Is(err, ErrNotFound):
		return &apiError{Code: "not_found", Message: err.Error()}
	case errors.As(err, new(*nlq.ScopeError)):
		return &apiError{Code: nlq.RefusalOutOfScope, Message: err.Error()}
	case errors.As(err, new(*nlq.OverBudget)):
		return &apiError{Code: nlq.RefusalTooCostly, Message: err.Error()}
	}
	return &apiError{Code: "internal", Message: "internal error"}
}

func writeError(c *gin.Context, ae *apiError) {
	if ae.Code == "unauthorized" {
		c.Header("WWW-Authenticate", `Bearer realm="wenshu"`)
	}
	c.AbortWithStatusJSON(status(ae.Code), gin.H{"error": ae})
}

// fail logs server-side failures once and answers with the mapped error.
func (s *Server) fail(c *gin.Context, err error) {
	ae := toAPIError(err)
	if ae.Code == "internal" {
		s.log.Error("request failed", "path", c.Request.URL.Path, "err", err)
	}
	s.metrics.errors.WithLabelValues(ae.Code).Inc()
	writeError(c, ae)
}

// readBody reads a size-capped body that must be JSON: a form or text/plain
// post (what another site can send without asking) is refused.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	if ct := c.ContentType(); ct != "application/json" {
		return nil, &apiError{Code: "unsupported_media_type", Message: "the body must be JSON (Content-Type: application/json), got " + quoteCT(ct)}
	}
	return io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxBodyBytes))
}

func quoteCT(ct string) string {
	if ct == "" {
		return "none"
	}
	return ct
}

// decode reads a size-capped JSON body strictly.
func (s *Server) decode(c *gin.Context, v any) error {
	data, err := s.readBody(c)
	if err != nil {
		return err
	}
	return decodeJSON(data, v)
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiError{Code: "bad_json", Message: "malformed JSON body: " + err.Error()}
	}
	return nil
}

type askBody struct {
	Question       string `json:"question"`
	ConversationID string `json:"conversation_id"`
	AsOf           string `json:"as_of"`
}

// MaxQuestionRunes caps a question's length.
const MaxQuestionRunes = 500

func (b *askBody) request() (nlq.AskRequest, error) {
	q := strings.TrimSpace(b.Question)
	if q == "" {
		return nlq.AskRequest{}, &apiError{Code: "bad_request", Message: "question is empty"}
	}
	if len([]rune(q)) > MaxQuestionRunes {
		return nlq.AskRequest{}, &apiError{Code: "too_large", Message: "the question is longer than 500 characters"}
	}
	if len(b.ConversationID) > 64 {
		return nlq.AskRequest{}, &apiError{Code: "bad_request", Message: "conversation_id is too long"}
	}
	req := nlq.AskRequest{Question: q, ConversationID: b.ConversationID}
	if b.AsOf != "" {
		d, err := semantic.ParseDate(b.AsOf)
		if err != nil {
			return req, &apiError{Code: "bad_request", Message: "as_of: " + err.Error()}
		}
		req.AsOf = d
	}
	return req, nil
}

func (s *Server) handleAsk(c *gin.Context) {
	var body askBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	req, err := body.request()
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.AskTimeout)
	defer cancel()
	ans, err := s.ask(ctx, principal(c), "rest", req, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ans)
}

// ask runs one question as the principal, records its metrics and audits it.
func (s *Server) ask(ctx context.Context, p *Principal, via string, req nlq.AskRequest, emit func(nlq.Event)) (ans *nlq.Answer, err error) {
	start := time.Now()
	entry := AuditEntry{User: p.Name, Role: p.Role, TokenID: p.TokenID, Via: via, Question: req.Question, ConversationID: req.ConversationID}
	defer func() {
		if ans != nil {
			entry.ConversationID, entry.Translator, entry.Rows = ans.ConversationID, ans.Translator, len(ans.Rows)
			entry.SQLHash = sqlHash(ans.SQL)
		}
		s.audit(entry, ans, err)
	}()
	req.Owner, req.Via = p.UserID, via
	req.Scope, err = s.scope(ctx, p)
	if err != nil {
		return nil, err
	}
	ans, err = s.eng().Ask(ctx, req, emit)
	outcome := "answered"
	switch {
	case err != nil:
		outcome = "error"
	case ans.Refusal != nil:
		outcome = "refused"
	case ans.Clarification != nil:
		outcome = "clarified"
	}
	translator := "rules"
	if ans != nil {
		translator = ans.Translator
		for stage, ms := range ans.Timings {
			s.metrics.stage.WithLabelValues(stage).Observe(float64(ms) / 1000)
		}
	}
	s.metrics.asks.WithLabelValues(translator, outcome).Inc()
	s.metrics.latency.Observe(time.Since(start).Seconds())
	return ans, err
}

func (s *Server) handleQuery(c *gin.Context) {
	data, err := s.readBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	entry := AuditEntry{User: p.Name, Role: p.Role, TokenID: p.TokenID, Via: "query", Question: string(data)}
	q, err := semantic.ParseQuery(data)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.AskTimeout)
	defer cancel()
	lang := c.DefaultQuery("lang", "zh")
	scope, err := s.scope(ctx, p)
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	notes, serr := scope.Check(s.eng().Model, q, lang)
	if serr != nil {
		s.audit(entry, nil, serr)
		s.fail(c, serr)
		return
	}
	plan, err := semantic.Compile(s.eng().Model, q, s.eng().CompileOptions(s.eng().AsOf, scope))
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	if err := s.eng().Admission.Admit(s.eng().Model, plan, lang); err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	res, err := s.eng().Runner.Run(ctx, plan)
	entry.SQLHash = sqlHash(plan.DisplaySQL())
	if err != nil {
		s.audit(entry, nil, err)
		s.fail(c, err)
		return
	}
	entry.Rows = len(res.Rows)
	s.audit(entry, nil, nil)
	if note := scope.Note(lang); note != "" {
		notes = append(notes, note)
	}
	semantic.Localize(res.Columns, lang)
	c.JSON(http.StatusOK, gin.H{"query": q, "sql": plan.DisplaySQL(), "columns": res.Columns, "rows": res.Rows,
		"chart": semantic.ChooseChart(res.Columns, len(res.Rows)), "truncated": res.Truncated,
		"reading": nlq.Read(s.eng().Model, q, lang), "notes": notes})
}

// modelMetric is one entry of the metric catalog.
type modelMetric struct {
	Name        string        `json:"name"`
	Label       semantic.Text `json:"label"`
	Synonyms    []string      `json:"synonyms"`
	Definition  semantic.Text `json:"definition"`
	Unit        string        `json:"unit"`
	Dimensions  []string      `json:"dimensions"`
	TimeAware   bool          `json:"time_aware"`
	DefaultTime string        `json:"default_range,omitempty"`
}

// catalog describes every metric (with the dimensions that can split it,
// found by compiling) and dimension. The model never changes while serving,
// so it is built once.
func catalog(e *nlq.Engine, translators string, scope *nlq.Scope) gin.H {
	m := e.Model
	var metrics []modelMetric
	for _, mt := range m.Metrics {
		if mt.Hidden || !scope.MetricVisible(mt.Name) {
			continue
		}
		mm := modelMetric{Name: mt.Name, Label: mt.Label, Synonyms: mt.Synonyms, Definition: mt.Description, Unit: mt.Unit,
			TimeAware: m.HasTime(mt), DefaultTime: mt.DefaultRange, Dimensions: []string{}}
		if mm.Synonyms == nil {
			mm.Synonyms = []string{}
		}
		for _, d := range m.Dimensions {
			q := &semantic.Query{Metrics: []string{mt.Name}, Dimensions: []string{d.Name}}
			if _, err := semantic.Compile(m, q, semantic.CompileOptions{Access: scope.Access}); err == nil {
				mm.Dimensions = append(mm.Dimensions, d.Name)
			}
		}
		metrics = append(metrics, mm)
	}
	type value struct {
		Value string        `json:"value"`
		Label semantic.Text `json:"label"`
	}
	type dim struct {
		Name      string        `json:"name"`
		Label     semantic.Text `json:"label"`
		Synonyms  []string      `json:"synonyms"`
		Values    []value       `json:"values"`
		NullLabel semantic.Text `json:"null_label"`
	}
	var dims []dim
	for _, d := range m.Dimensions {
		if !scope.DimensionVisible(d.Name) {
			continue
		}
		dd := dim{Name: d.Name, Label: d.Label, Synonyms: d.Synonyms, NullLabel: d.NullLabel, Values: []value{}}
		for _, v := range d.Values {
			if scope.ValueVisible(m, d.Name, v.Value) {
				dd.Values = append(dd.Values, value{v.Value, semantic.Text{Zh: v.Label("zh"), En: v.Label("en")}})
			}
		}
		dims = append(dims, dd)
	}
	// Audiences the caller's role can list (圈人), with their columns.
	audiences := []gin.H{}
	for _, a := range m.Audiences {
		lp, err := semantic.CompileList(m, &semantic.Query{List: a.Name}, semantic.CompileOptions{Access: scope.Access})
		if err != nil {
			continue
		}
		var cols []string
		for _, c := range lp.Columns {
			cols = append(cols, c.Name)
		}
		audiences = append(audiences, gin.H{"name": a.Name, "label": a.Label, "synonyms": a.Synonyms, "definition": a.Description, "columns": cols})
	}
	return gin.H{"name": m.Name, "label": m.Label, "as_of": e.AsOf, "currency": m.CurrencyOf(nil), "locale": m.Locale,
		"metrics": metrics, "dimensions": dims, "audiences": audiences, "translators": translators}
}

func (s *Server) handleModel(c *gin.Context) {
	scope, err := s.scope(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	key := ""
	if scope.Access.Restricted() {
		key = scopeKey(scope.Access)
	} else if scope.Access != nil {
		key = "role:" + scope.Access.Role.Name
	}
	cat, ok := s.catalogs.Load(key)
	if !ok {
		cat, _ = s.catalogs.LoadOrStore(key, catalog(s.eng(), s.translators, scope))
	}
	c.JSON(http.StatusOK, cat)
}

func (s *Server) handleConversations(c *gin.Context) {
	list, err := s.store.Conversations(c.Request.Context(), principal(c).UserID, 200)
	if via := c.Query("via"); via != "" && err == nil {
		// The page lists its own conversations, not every script's.
		list = slices.DeleteFunc(list, func(conv Conversation) bool { return conv.Via != via })
	}
	respondList(s, c, "conversations", list, err)
}

func (s *Server) handleConversation(c *gin.Context) {
	conv, err := s.store.Conversation(c.Request.Context(), principal(c).UserID, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, conv)
}

func (s *Server) handleDeleteConversation(c *gin.Context) {
	if err := s.store.Delete(c.Request.Context(), principal(c).UserID, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// metricsAuth guards /metrics with WENSHU_METRICS_TOKEN when it is set.
func (s *Server) metricsAuth(c *gin.Context) {
	if s.opts.MetricsToken == "" {
		c.Next()
		return
	}
	got := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.MetricsToken)) != 1 {
		writeError(c, unauthorized("/metrics needs the metrics token"))
		return
	}
	c.Next()
}

// audit records one ask or query; a failure to write is logged, never
// turned into a failed answer.
func (s *Server) audit(e AuditEntry, ans *nlq.Answer, err error) {
	e.At = time.Now().UTC()
	switch {
	case err != nil:
		e.Outcome, e.Error = "error", toAPIError(err).Code
	case ans != nil && ans.Refusal != nil:
		e.Outcome, e.Error = "refused", ans.Refusal.Reason
	case ans != nil && ans.Clarification != nil:
		e.Outcome = "clarified"
		if ans.Query == nil && ans.Proposal == nil {
			e.Error = auditNoMetric
		}
	default:
		e.Outcome = "answered"
	}
	if len([]rune(e.Question)) > 500 {
		e.Question = string([]rune(e.Question)[:500])
	}
	if werr := s.store.AppendAudit(context.Background(), e, s.opts.AuditMax); werr != nil {
		s.log.Error("audit log write failed", "err", werr)
	}
}

func sqlHash(sql string) string {
	if sql == "" {
		return ""
	}
	h := sha256.Sum256([]byte(sql))
	return hex.EncodeToString(h[:8])
}
