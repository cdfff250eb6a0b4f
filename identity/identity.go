package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is one person (or bot) who asks.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	// Attrs feed the role's row rules (region=华南, stores=广州天河店,深圳南山店).
	Attrs        map[string]string `json:"attrs,omitempty"`
	PasswordHash string            `json:"password_hash,omitempty"`
	Created      time.Time         `json:"created"`
	// Email and IM map the user's IM accounts to this user: IM by
	// platform (feishu, dingtalk, wecom, slack) to the platform's user id
	// (Feishu open_id, DingTalk staffId, WeCom userid, Slack member id);
	// Email where the platform tells the sender's email.
	Email string            `json:"email,omitempty"`
	IM    map[string]string `json:"im,omitempty"`
}

// Public is the user without secrets, for listings.
func (u User) Public() User {
	u.PasswordHash = ""
	return u
}

// Token is a stored API token: its secret only as a hash.
type Token struct {
	ID      string    `json:"id"`
	UserID  string    `json:"user_id"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
	// Expires is zero for a token that does not expire.
	Expires time.Time `json:"expires,omitzero"`
	Revoked bool      `json:"revoked,omitempty"`
}

// Valid reports whether the token may be used at now.
func (t Token) Valid(now time.Time) bool {
	return !t.Revoked && (t.Expires.IsZero() || now.Before(t.Expires))
}

// Session is a browser login, stored under the hash of its cookie value.
type Session struct {
	UserID  string    `json:"user_id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

const tokenPrefix = "wst_"

// NewID returns a random identifier of n bytes, hex encoded.
func NewID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewToken makes an API token for a user: the plain text (shown once) and
// what is stored.
func NewToken(userID string, ttl time.Duration, now time.Time) (plain string, t Token) {
	secret := make([]byte, 32)
	rand.Read(secret)
	s := base64.RawURLEncoding.EncodeToString(secret)
	t = Token{ID: NewID(6), UserID: userID, Hash: HashSecret(s), Created: now.UTC()}
	if ttl > 0 {
		t.Expires = now.Add(ttl).UTC()
	}
	return tokenPrefix + t.ID + "_" + s, t
}

// ErrMalformedToken is returned for a string that is not a Wenshu token.
var ErrMalformedToken = errors.New("malformed API token")

// ParseToken splits a plain token into its id and secret.
func ParseToken(plain string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(plain, tokenPrefix)
	if !ok {
		return "", "", ErrMalformedToken
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 12 || len(secret) != 43 {
		return "", "", ErrMalformedToken
	}
	return id, secret, nil
}

// HashSecret is how token secrets and session values are stored.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Matches compares a secret with a stored hash in constant time.
func Matches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

// NewSessionValue returns a random cookie value.
func NewSessionValue() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLen {
		return "", fmt.Errorf("a password needs at least %d characters", MinPasswordLen)
	}
	if len(pw) > 72 {
		return "", errors.New("a password may have at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword reports whether pw matches a bcrypt hash.
func CheckPassword(hash, pw string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

var nameRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$`)

// ValidName reports whether a user name is acceptable: letters, digits and
// . _ @ -, at most 64 characters.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// ParseAttrs reads key=value pairs (--attr region=华南).
func ParseAttrs(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("attribute %q: want key=value", p)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}
