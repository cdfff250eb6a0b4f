// Package pgtest gives tests a PostgreSQL database. With WENSHU_TEST_PG
// unset it uses the machine's PostgreSQL 15 cluster, starting it when it is
// installed but stopped (pg_ctlcluster 15 main start), and creates the test
// database — so `go test ./...` sets itself up on a fresh machine. A server
// that cannot be reached fails the test; nothing is skipped.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const password = "wenshu"

var (
	once   sync.Once
	url    string
	setErr error
)

// URL returns the test database's URL, preparing the local cluster once.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { url, setErr = prepare() })
	if setErr != nil {
		t.Fatalf("PostgreSQL for the tests: %v (set WENSHU_TEST_PG to a server, or install postgresql-15)", setErr)
	}
	return url
}

func reachable(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

func prepare() (string, error) {
	if u := os.Getenv("WENSHU_TEST_PG"); u != "" {
		return u, reachable(u)
	}
	u := "postgres://postgres:" + password + "@127.0.0.1:5432/wenshu_test?sslmode=disable"
	if reachable(u) == nil {
		return u, nil
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return "", fmt.Errorf("no server at %s and no pg_ctlcluster to start one", u)
	}
	run := func(name string, args ...string) error {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if out, _ := exec.Command("pg_lsclusters", "-h").Output(); !strings.Contains(string(out), "online") {
		if err := run("pg_ctlcluster", "15", "main", "start"); err != nil {
			return "", err
		}
	}
	psql := func(sql string) error { return run("su", "postgres", "-c", "psql -qXc \""+sql+"\"") }
	if err := psql("ALTER USER postgres PASSWORD '" + password + "'"); err != nil {
		return "", err
	}
	if out, _ := exec.Command("su", "postgres", "-c", "psql -qAtXc \"SELECT 1 FROM pg_database WHERE datname = 'wenshu_test'\"").Output(); strings.TrimSpace(string(out)) != "1" {
		if err := psql("CREATE DATABASE wenshu_test"); err != nil {
			return "", err
		}
	}
	for i := 0; i < 50; i++ {
		if err := reachable(u); err == nil {
			return u, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return u, reachable(u)
}
