package identity

import (
	"strings"
	"testing"
	"time"
)

func TestToken(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	plain, tok := NewToken("u1", time.Hour, now)
	id, secret, err := ParseToken(plain)
	if err != nil || id != tok.ID {
		t.Fatalf("parse %q: %v (id %q, want %q)", plain, err, id, tok.ID)
	}
	if strings.Contains(tok.Hash, secret) || !Matches(secret, tok.Hash) || Matches(secret+"x", tok.Hash) {
		t.Fatal("the stored hash must match the secret and only it")
	}
	if !tok.Valid(now.Add(59*time.Minute)) || tok.Valid(now.Add(time.Hour)) {
		t.Error("expiry not honoured")
	}
	tok.Revoked = true
	if tok.Valid(now) {
		t.Error("a revoked token is valid")
	}
	other, _ := NewToken("u1", 0, now)
	if other == plain {
		t.Error("two tokens are equal")
	}
	for _, bad := range []string{"", "Bearer x", "wst_", "wst_abc_def", plain[:len(plain)-1], strings.Replace(plain, "_", "-", 2)} {
		if _, _, err := ParseToken(bad); err == nil {
			t.Errorf("%q parsed as a token", bad)
		}
	}
}

func TestPassword(t *testing.T) {
	if _, err := HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsf") || CheckPassword("", "") {
		t.Error("password check is wrong")
	}
}

func TestParseAttrs(t *testing.T) {
	got, err := ParseAttrs([]string{"region=华南", " stores = 广州天河店,深圳南山店 "})
	if err != nil || got["region"] != "华南" || got["stores"] != "广州天河店,深圳南山店" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ParseAttrs([]string{"region"}); err == nil {
		t.Error("an attribute without = was accepted")
	}
	if !ValidName("li.lei@hq") || ValidName("") || ValidName("a b") || ValidName("-x") {
		t.Error("name validation is wrong")
	}
}
