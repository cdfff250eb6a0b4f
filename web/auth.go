package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Who is asking. Every API call carries a bearer token or the page's
// session cookie; with no users at all the server runs open (demo mode),
// and any credentials presented must still be valid. The principal's
// access (role + row rules) is resolved once per request and travels with
// the ask to the compiler.

// SessionCookie is the name of the page's session cookie.
const SessionCookie = "wenshu_session"

// Principal is the authenticated asker of one request.
type Principal struct {
	UserID  string `json:"id,omitempty"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	TokenID string `json:"token_id,omitempty"`
	Admin   bool   `json:"admin"`
	// Demo is true in open demo mode (no users exist).
	Demo bool `json:"demo"`
	// Access is the role with its rules resolved; AccessErr is why it could
	// not be (an attribute the role needs is missing): asks are refused.
	Access    *semantic.Access `json:"-"`
	AccessErr error            `json:"-"`
	// Cookie is true when the session cookie authenticated the request.
	Cookie bool `json:"-"`
}

// demo reports open demo mode: no users and no admin token configured.
func (s *Server) demo() bool { return s.users.Load() == 0 && s.opts.AdminToken == "" }

// limiterKey is what rate limits count by: the token, else the user.
func (p *Principal) limiterKey(c *gin.Context) string {
	switch {
	case p.TokenID != "":
		return "token:" + p.TokenID
	case p.UserID != "":
		return "user:" + p.UserID
	}
	return "ip:" + c.ClientIP()
}

const principalKey = "wenshu.principal"

func principal(c *gin.Context) *Principal {
	p, _ := c.Get(principalKey)
	pp, _ := p.(*Principal)
	return pp
}

func unauthorized(msg string) *apiError { return &apiError{Code: "unauthorized", Message: msg} }

// authenticate resolves the principal of an API request, or answers 401.
func (s *Server) authenticate(c *gin.Context) {
	p, err := s.principalOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

func (s *Server) principalOf(c *gin.Context) (*Principal, error) {
	ctx := c.Request.Context()
	demo := s.demo()
	if h := c.GetHeader("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, unauthorized("the Authorization header must be \"Bearer TOKEN\"")
		}
		tok = strings.TrimSpace(tok)
		if s.opts.AdminToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.AdminToken)) == 1 {
			return &Principal{Name: "admin-token", Role: semantic.RoleAdmin, Admin: true, TokenID: "admin-token"}, nil
		}
		return s.tokenPrincipal(ctx, tok)
	}
	if ck, err := c.Cookie(SessionCookie); err == nil && ck != "" {
		p, err := s.sessionPrincipal(ctx, ck)
		if err == nil {
			return p, nil
		}
		if !demo {
			return nil, err
		}
	}
	if demo {
		if !s.hostAllowed(c.Request) {
			return nil, &apiError{Code: "forbidden", Message: "in open demo mode the API answers only requests to localhost, an IP address or WENSHU_PUBLIC_URL"}
		}
		return &Principal{Name: "demo", Role: semantic.RoleAdmin, Admin: true, Demo: true}, nil
	}
	return nil, unauthorized("sign in, or send Authorization: Bearer TOKEN")
}

func (s *Server) tokenPrincipal(ctx context.Context, plain string) (*Principal, error) {
	id, secret, err := identity.ParseToken(plain)
	if err != nil {
		return nil, unauthorized("the API token is malformed")
	}
	t, err := s.store.Token(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && !identity.Matches(secret, t.Hash) {
		return nil, unauthorized("the API token is not valid")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case t.Revoked:
		return nil, unauthorized("the API token was revoked")
	case !t.Valid(time.Now()):
		return nil, unauthorized("the API token has expired")
	}
	p, err := s.userPrincipal(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	p.TokenID = t.ID
	return p, nil
}

func (s *Server) sessionPrincipal(ctx context.Context, cookie string) (*Principal, error) {
	sess, err := s.store.Session(ctx, identity.HashSecret(cookie))
	if errors.Is(err, ErrNotFound) || err == nil && time.Now().After(sess.Expires) {
		return nil, unauthorized("the session has ended; sign in again")
	}
	if err != nil {
		return nil, err
	}
	p, err := s.userPrincipal(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	p.Cookie = true
	return p, nil
}

func (s *Server) userPrincipal(ctx context.Context, id string) (*Principal, error) {
	u, err := s.store.User(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, unauthorized("the user no longer exists")
	}
	if err != nil {
		return nil, err
	}
	p := &Principal{UserID: u.ID, Name: u.Name, Role: u.Role}
	p.Access, p.AccessErr = s.eng().Model.Access(u.Role, u.Attrs)
	p.Admin = p.Access != nil && p.Access.IsAdmin()
	return p, nil
}

// scope returns the ask scope of a principal, refusing one whose access
// cannot be resolved. Scopes are cached per role and rule values.
func (s *Server) scope(ctx context.Context, p *Principal) (*nlq.Scope, error) {
	if p.AccessErr != nil {
		var se *semantic.Error
		if errors.As(p.AccessErr, &se) {
			return nil, &apiError{Code: se.Code, Message: se.Message}
		}
		return nil, p.AccessErr
	}
	if p.Access == nil || !p.Access.Restricted() {
		return &nlq.Scope{Access: p.Access}, nil
	}
	key := scopeKey(p.Access)
	s.scopeMu.Lock()
	sc := s.scopes[key]
	s.scopeMu.Unlock()
	if sc != nil {
		return sc, nil
	}
	sc, err := nlq.NewScope(ctx, s.eng().Model, s.eng().Runner, p.Access)
	if err != nil {
		return nil, err
	}
	s.scopeMu.Lock()
	if len(s.scopes) >= maxCachedScopes {
		clear(s.scopes)
	}
	s.scopes[key] = sc
	s.scopeMu.Unlock()
	return sc, nil
}

const maxCachedScopes = 512

func scopeKey(a *semantic.Access) string {
	h := sha256.New()
	fmt.Fprint(h, a.Role.Name)
	for _, r := range a.Rules {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%v", r.Dimension, r.Op, r.Values)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// adminOnly answers 403 unless the principal is an admin.
func (s *Server) adminOnly(c *gin.Context) {
	if p := principal(c); p == nil || !p.Admin {
		s.fail(c, &apiError{Code: "forbidden", Message: "this needs an admin"})
		return
	}
	c.Next()
}

// allowedOrigin reports whether a browser Origin may use the API with
// cookies and open websockets: one of the public URLs (WENSHU_PUBLIC_URL),
// or the request's own host. In open demo mode the own host counts only as
// a loopback name or an IP address: a DNS-rebinding page has its own name
// as both Host and Origin, and with no sign-in it would be served. Once
// users exist, such a page gets no session cookie (that belongs to the
// real name), so the own host is enough.
func (s *Server) allowedOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser's cross-origin request
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if len(s.opts.PublicOrigins) > 0 && slices.Contains(s.opts.PublicOrigins, strings.ToLower(u.Scheme+"://"+u.Host)) {
		return true
	}
	return strings.EqualFold(u.Host, r.Host) && (literalHost(u.Host) || !s.demo())
}

// hostAllowed guards open demo mode against DNS rebinding: the API answers
// only requests addressed to a loopback name, an IP address or a public URL.
func (s *Server) hostAllowed(r *http.Request) bool {
	if literalHost(r.Host) {
		return true
	}
	for _, o := range s.opts.PublicOrigins {
		if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	return false
}

// literalHost reports whether host[:port] is localhost or an IP address.
func literalHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}

// checkCSRF refuses cookie-authenticated writes from another origin.
func (s *Server) checkCSRF(c *gin.Context) {
	p := principal(c)
	if p != nil && p.Cookie && c.Request.Method != http.MethodGet && !s.allowedOrigin(c.Request) {
		s.fail(c, &apiError{Code: "forbidden", Message: "cross-origin request refused"})
		return
	}
	c.Next()
}

// limiters keeps one token bucket per key, forgetting idle ones.
type limiters struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	m     map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{limit: rate.Limit(perSecond), burst: burst, m: map[string]*limiterEntry{}}
}

// allow takes one token for key; when none is left it returns how long to wait.
func (ls *limiters) allow(key string) (bool, time.Duration) {
	if ls == nil || ls.limit <= 0 {
		return true, 0
	}
	now := time.Now()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if now.Sub(ls.swept) > time.Minute {
		for k, e := range ls.m {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(ls.m, k)
			}
		}
		ls.swept = now
	}
	e := ls.m[key]
	if e == nil {
		e = &limiterEntry{l: rate.NewLimiter(ls.limit, ls.burst)}
		ls.m[key] = e
	}
	e.seen = now
	r := e.l.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimited is the error of a request over its principal's rate.
func rateLimited(wait time.Duration) *apiError {
	secs := int(math.Ceil(wait.Seconds()))
	return &apiError{Code: "rate_limited", Message: fmt.Sprintf("too many requests; retry in %d s", secs),
		Details: map[string]int{"retry_after_seconds": secs}}
}

// limit applies the principal's rate limit to an API call.
func (s *Server) limit(c *gin.Context) {
	p := principal(c)
	if p == nil {
		c.Next()
		return
	}
	if ok, wait := s.limiters.allow(p.limiterKey(c)); !ok {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.fail(c, rateLimited(wait))
		return
	}
	c.Next()
}
