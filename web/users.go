package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Signing in, who am I, and the admins' user management.

type loginBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (s *Server) handleLogin(c *gin.Context) {
	if ok, wait := s.loginLimiters.allow("login:" + c.ClientIP()); !ok {
		c.Header("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()))))
		s.fail(c, rateLimited(wait))
		return
	}
	if !s.allowedOrigin(c.Request) {
		s.fail(c, &apiError{Code: "forbidden", Message: "cross-origin sign-in refused"})
		return
	}
	var body loginBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	u, err := s.store.UserByName(ctx, strings.TrimSpace(body.Name))
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.fail(c, err)
		return
	}
	if u == nil || !identity.CheckPassword(u.PasswordHash, body.Password) {
		s.fail(c, unauthorized("wrong user name or password"))
		return
	}
	value := identity.NewSessionValue()
	now := time.Now()
	if err := s.store.PutSession(ctx, identity.HashSecret(value), identity.Session{UserID: u.ID, Created: now.UTC(), Expires: now.Add(s.opts.SessionTTL).UTC()}); err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, value, int(s.opts.SessionTTL.Seconds()))
	p, err := s.userPrincipal(ctx, u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.me(p))
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	secure := c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https") || s.opts.SecureCookies
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) handleLogout(c *gin.Context) {
	if ck, err := c.Cookie(SessionCookie); err == nil && ck != "" {
		if err := s.store.DeleteSession(c.Request.Context(), identity.HashSecret(ck)); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// me describes the principal for the page: who, which role, which rows.
func (s *Server) me(p *Principal) gin.H {
	out := gin.H{"name": p.Name, "role": p.Role, "admin": p.Admin, "demo": p.Demo}
	if r := s.eng().Model.Role(p.Role); r != nil {
		out["role_label"] = r.Label
	}
	if p.Access.Restricted() {
		out["scope"] = p.Access.Scope
	}
	if p.AccessErr != nil {
		out["access_error"] = p.AccessErr.Error()
	}
	return out
}

func (s *Server) handleMe(c *gin.Context) { c.JSON(http.StatusOK, s.me(principal(c))) }

type userBody struct {
	Name     string            `json:"name"`
	Role     string            `json:"role"`
	Attrs    map[string]string `json:"attrs"`
	Password string            `json:"password"`
	// ExpiresIn is the first token's lifetime ("720h"); empty never expires.
	ExpiresIn string `json:"expires_in"`
	// Email and IM map the user's IM accounts (im: platform → user id).
	Email string            `json:"email"`
	IM    map[string]string `json:"im"`
}

// NewUser validates and makes a user with its first API token; the CLI and
// the REST API both add users through it. warnings name attributes the
// role's rules need that the user lacks (its asks will be refused).
func NewUser(m *semantic.Model, name, role string, attrs map[string]string, password string, ttl time.Duration) (u identity.User, plain string, tok identity.Token, warnings []string, err error) {
	name = strings.TrimSpace(name)
	if !identity.ValidName(name) {
		return u, "", tok, nil, &apiError{Code: "bad_request", Message: "a user name is 1-64 letters, digits or . _ @ -"}
	}
	r := m.Role(role)
	if r == nil {
		_, err := m.Access(role, attrs)
		return u, "", tok, nil, &apiError{Code: semantic.CodeUnknownRole, Message: err.Error()}
	}
	for _, a := range r.NeededAttrs() {
		if len(semantic.SplitAttr(attrs[a])) == 0 {
			warnings = append(warnings, "role "+role+" needs the attribute "+a+"; this user's asks are refused until it is set")
		}
	}
	now := time.Now()
	u = identity.User{ID: identity.NewID(12), Name: name, Role: role, Attrs: attrs, Created: now.UTC()}
	if password != "" {
		h, err := identity.HashPassword(password)
		if err != nil {
			return u, "", tok, nil, &apiError{Code: "bad_request", Message: err.Error()}
		}
		u.PasswordHash = h
	}
	plain, tok = identity.NewToken(u.ID, ttl, now)
	return u, plain, tok, warnings, nil
}

func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, &apiError{Code: "bad_request", Message: "expires_in must be a positive duration such as 720h"}
	}
	return d, nil
}

func (s *Server) handleUsers(c *gin.Context) {
	list, err := s.store.Users(c.Request.Context())
	respondList(s, c, "users", list, err)
}

func (s *Server) handleAddUser(c *gin.Context) {
	var body userBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	ttl, err := parseTTL(body.ExpiresIn)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, plain, tok, warnings, err := NewUser(s.eng().Model, body.Name, body.Role, body.Attrs, body.Password, ttl)
	if err != nil {
		s.fail(c, err)
		return
	}
	others, err := s.store.Users(c.Request.Context())
	if err == nil {
		err = SetContacts(others, &u, &body.Email, body.IM)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.AddUser(c.Request.Context(), u, tok); err != nil {
		if errors.Is(err, ErrExists) {
			err = &apiError{Code: "conflict", Message: "a user named " + u.Name + " already exists"}
		}
		s.fail(c, err)
		return
	}
	s.RefreshUsers(c.Request.Context())
	c.JSON(http.StatusCreated, gin.H{"user": u.Public(), "token": plain, "token_id": tok.ID, "warnings": warnings})
}

// userByParam loads the user named in the path.
func (s *Server) userByParam(c *gin.Context) *identity.User {
	u, err := s.store.UserByName(c.Request.Context(), c.Param("name"))
	if err != nil {
		s.fail(c, err)
		return nil
	}
	return u
}

type userPatch struct {
	Role     *string           `json:"role"`
	Attrs    map[string]string `json:"attrs"`
	Unset    []string          `json:"unset"`
	Password *string           `json:"password"`
	Email    *string           `json:"email"`
	// IM sets IM accounts (platform → user id; "" removes one).
	IM map[string]string `json:"im"`
}

func (s *Server) handlePatchUser(c *gin.Context) {
	var body userPatch
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	u := s.userByParam(c)
	if u == nil {
		return
	}
	if err := ApplyPatch(s.eng().Model, u, body.Role, body.Attrs, body.Unset, body.Password); err != nil {
		s.fail(c, err)
		return
	}
	others, err := s.store.Users(c.Request.Context())
	if err == nil {
		err = SetContacts(others, u, body.Email, body.IM)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.PutUser(c.Request.Context(), *u); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u.Public()})
}

// ApplyPatch changes a user's role, attributes or password.
func ApplyPatch(m *semantic.Model, u *identity.User, role *string, set map[string]string, unset []string, password *string) error {
	if role != nil {
		if m.Role(*role) == nil {
			_, err := m.Access(*role, nil)
			return &apiError{Code: semantic.CodeUnknownRole, Message: err.Error()}
		}
		u.Role = *role
	}
	if u.Attrs == nil {
		u.Attrs = map[string]string{}
	}
	for k, v := range set {
		u.Attrs[k] = v
	}
	for _, k := range unset {
		delete(u.Attrs, k)
	}
	if password != nil {
		h, err := identity.HashPassword(*password)
		if err != nil {
			return &apiError{Code: "bad_request", Message: err.Error()}
		}
		u.PasswordHash = h
	}
	return nil
}

func (s *Server) handleRemoveUser(c *gin.Context) {
	if err := s.store.RemoveUser(c.Request.Context(), c.Param("name")); err != nil {
		s.fail(c, err)
		return
	}
	s.RefreshUsers(c.Request.Context())
	c.Status(http.StatusNoContent)
}

func (s *Server) handleNewToken(c *gin.Context) {
	var body struct {
		ExpiresIn string `json:"expires_in"`
	}
	if c.Request.ContentLength != 0 {
		if err := s.decode(c, &body); err != nil {
			s.fail(c, err)
			return
		}
	}
	ttl, err := parseTTL(body.ExpiresIn)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := s.userByParam(c)
	if u == nil {
		return
	}
	plain, tok := identity.NewToken(u.ID, ttl, time.Now())
	if err := s.store.PutToken(c.Request.Context(), tok); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": plain, "token_id": tok.ID, "expires": tok.Expires})
}

func (s *Server) handleTokens(c *gin.Context) {
	u := s.userByParam(c)
	if u == nil {
		return
	}
	list, err := s.store.Tokens(c.Request.Context(), u.ID)
	respondList(s, c, "tokens", list, err)
}

func (s *Server) handleRevokeToken(c *gin.Context) {
	u := s.userByParam(c)
	if u == nil {
		return
	}
	if err := RevokeToken(c.Request.Context(), s.store, u.ID, c.Param("token")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// RevokeToken marks one of a user's tokens revoked.
func RevokeToken(ctx context.Context, st *Store, userID, tokenID string) error {
	t, err := st.Token(ctx, tokenID)
	if err != nil || t.UserID != userID {
		return &apiError{Code: "not_found", Message: "no such token for this user"}
	}
	t.Revoked = true
	return st.PutToken(ctx, *t)
}

func (s *Server) handleAudit(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	limit = min(max(limit, 1), 1000)
	list, err := s.store.Audit(c.Request.Context(), c.Query("user"), limit)
	respondList(s, c, "entries", list, err)
}

// RefreshUsers re-counts users (none means open demo mode); the server
// counts them itself whenever its API adds or removes one.
func (s *Server) RefreshUsers(ctx context.Context) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		s.log.Error("count users", "err", err)
		return
	}
	s.users.Store(int64(n))
}

// Model is the semantic model the server answers from.
func (s *Server) Model() *semantic.Model { return s.eng().Model }

// respondList answers {key: list} (an empty list, never null), or the error.
func respondList[T any](s *Server, c *gin.Context, key string, list []T, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	if list == nil {
		list = []T{}
	}
	c.JSON(http.StatusOK, gin.H{key: list})
}

// SetContacts sets a user's email and IM accounts (im: platform → user id;
// an empty id removes the platform). An account or email may belong to one
// user only: the bot must know who is asking, so a second claim is refused.
func SetContacts(others []identity.User, u *identity.User, email *string, ims map[string]string) error {
	bad := func(format string, args ...any) error {
		return &apiError{Code: "bad_request", Message: fmt.Sprintf(format, args...)}
	}
	if email != nil {
		e := strings.TrimSpace(*email)
		if e != "" && !strings.Contains(e, "@") {
			return bad("email %q is not an address", e)
		}
		u.Email = e
	}
	for p, id := range ims {
		if !slices.Contains(imPlatforms, p) {
			return bad("IM platform %q: want feishu, dingtalk, wecom or slack", p)
		}
		if u.IM == nil {
			u.IM = map[string]string{}
		}
		if id = strings.TrimSpace(id); id == "" {
			delete(u.IM, p)
		} else {
			u.IM[p] = id
		}
	}
	for _, o := range others {
		if o.ID == u.ID {
			continue
		}
		for p, id := range u.IM {
			if o.IM[p] == id {
				return &apiError{Code: "conflict", Message: fmt.Sprintf("the %s account %s already belongs to user %s", p, id, o.Name)}
			}
		}
		if u.Email != "" && strings.EqualFold(o.Email, u.Email) {
			return &apiError{Code: "conflict", Message: fmt.Sprintf("the email %s already belongs to user %s", u.Email, o.Name)}
		}
	}
	return nil
}
