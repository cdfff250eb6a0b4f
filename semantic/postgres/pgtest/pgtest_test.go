package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestURL: the URL given is a database the tests can write to (the local
// cluster started, the password set and wenshu_test created as needed).
func TestURL(t *testing.T) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var db string
	if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("WENSHU_TEST_PG") == "" && db != "wenshu_test" {
		t.Errorf("connected to %q, want wenshu_test", db)
	}
	if _, err := c.Exec(ctx, "CREATE TEMP TABLE probe (x int)"); err != nil {
		t.Errorf("the test database is not writable: %v", err)
	}
}
