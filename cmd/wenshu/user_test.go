package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
)

func TestDefaultAddr(t *testing.T) {
	if got := defaultAddr(0); got != "127.0.0.1:8080" {
		t.Errorf("demo mode listens on %s, want loopback only", got)
	}
	if got := defaultAddr(3); got != ":8080" {
		t.Errorf("with users: %s", got)
	}
}

// TestUserCommands adds users with the CLI, then serves with the same
// metadata file: the printed token authenticates, nothing else does.
func TestUserCommands(t *testing.T) {
	meta := filepath.Join(t.TempDir(), "meta.db")
	user := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"user"}, args...), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := user("add", "--meta", meta, "--name", "south", "--role", "region_manager", "--attr", "region=华南")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^wst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("user add printed %q, want the token alone", out)
	}
	token := strings.TrimSpace(out)
	if _, errOut, err := user("add", "--meta", meta, "--name", "bare", "--role", "store_manager"); err != nil || !strings.Contains(errOut, "needs the attribute stores") {
		t.Errorf("a store manager without stores: %v, stderr %q", err, errOut)
	}
	if _, _, err := user("add", "--meta", meta, "--name", "x", "--role", "boss"); err == nil || !strings.Contains(err.Error(), "unknown role") {
		t.Errorf("an unknown role: %v", err)
	}
	if _, _, err := user("add", "--meta", meta, "--name", "south", "--role", "hq"); err == nil {
		t.Error("a second user named south was added")
	}
	second, _, err := user("token", "--meta", meta, "--name", "south", "--expires", "1h")
	if err != nil || !strings.HasPrefix(second, "wst_") || strings.TrimSpace(second) == token {
		t.Fatalf("user token: %q %v", second, err)
	}
	if _, _, err := user("attr", "--meta", meta, "--name", "bare", "--attr", "stores=广州万象城店"); err != nil {
		t.Fatal(err)
	}
	list, _, err := user("list", "--meta", meta)
	if err != nil || !strings.Contains(list, "south") || !strings.Contains(list, "region=华南") || !strings.Contains(list, "stores=广州万象城店") {
		t.Errorf("user list: %q %v", list, err)
	}
	if _, _, err := user("remove", "--meta", meta, "--name", "bare"); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := user("list", "--meta", meta); strings.Contains(list, "bare") {
		t.Errorf("bare is still listed: %s", list)
	}

	db := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--meta", meta, "--addr", "127.0.0.1:0", "--as-of", "2025-12-31"}, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
	if base == "" {
		t.Fatalf("no URL in %q", line)
	}
	// While serving, the store belongs to the server: the CLI says so.
	start := time.Now()
	if _, _, err := user("list", "--meta", meta); err == nil || !strings.Contains(err.Error(), "/api/v1/users") {
		t.Errorf("user list while serving: %v", err)
	}
	t.Logf("the CLI gave up on the busy store after %v", time.Since(start).Round(time.Millisecond))
	get := func(tok string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(token); code != 200 {
		t.Errorf("the CLI's token: %d", code)
	}
	if code := get(strings.TrimSpace(second)); code != 200 {
		t.Errorf("the second token: %d", code)
	}
	if code := get(""); code != 401 {
		t.Errorf("no token: %d", code)
	}
}

// TestHelpExitsCleanly: asking for help is a success for every command.
func TestHelpExitsCleanly(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"ask", "-h"}, {"query", "--help"}, {"gen", "--help"},
		{"bench", "--help"}, {"eval", "--help"}, {"user", "--help"}, {"user", "add", "--help"}, {"push", "--help"}, {"push", "list", "--help"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v, want flag.ErrHelp (exit 0)", args, err)
		}
		if out.Len()+errOut.Len() == 0 {
			t.Errorf("%v printed no help", args)
		}
	}
	if err := run(context.Background(), nil, io.Discard, io.Discard); err == nil || errors.Is(err, flag.ErrHelp) {
		t.Errorf("no command: %v, want an error", err)
	}
}

// TestUserIMAccounts: --im and --email map IM accounts; an account claimed
// by a second user is refused; the list shows them.
func TestUserIMAccounts(t *testing.T) {
	meta := filepath.Join(t.TempDir(), "meta.db")
	user := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"user"}, args...), &out, &errOut)
		return out.String(), err
	}
	if _, err := user("add", "--meta", meta, "--name", "li", "--role", "hq", "--im", "feishu=ou_li", "--email", "li@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := user("add", "--meta", meta, "--name", "wang", "--role", "hq", "--im", "feishu=ou_li"); err == nil || !strings.Contains(err.Error(), "li") {
		t.Fatalf("a second claim of ou_li: %v", err)
	}
	if _, err := user("add", "--meta", meta, "--name", "zhao", "--role", "hq", "--im", "wechat=x"); err == nil {
		t.Fatal("an unknown platform was accepted")
	}
	if _, err := user("attr", "--meta", meta, "--name", "li", "--im", "slack=U1", "--im", "feishu="); err != nil {
		t.Fatal(err)
	}
	out, err := user("list", "--meta", meta)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "slack=U1") || strings.Contains(out, "ou_li") || !strings.Contains(out, "li@example.com") {
		t.Fatalf("the list:\n%s", out)
	}
}
