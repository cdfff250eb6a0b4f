package duckdb_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// A cross join big enough to run for minutes.
const slowSQL = `SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range * b.range % 7 = 3`

func TestTimeoutInterruptsDuckDB(t *testing.T) {
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	done := make(chan error, 1)
	go func() {
		_, _, _, err := db.Query(context.Background(), slowSQL)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, duckdb.ErrTimeout) {
			t.Fatalf("want ErrTimeout, got %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the query was not interrupted")
	}
	// The database stays healthy for the next query.
	_, rows, _, err := db.Query(context.Background(), "SELECT count(*) FROM orders")
	if err != nil || len(rows) != 1 {
		t.Fatalf("after a timeout: %v %v", rows, err)
	}
}

func TestCancel(t *testing.T) {
	db := datasetstest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, _, err := db.Query(ctx, slowSQL)
		done <- err
	}()
	time.AfterFunc(100*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, duckdb.ErrCanceled) {
			t.Fatalf("want ErrCanceled, got %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the query was not canceled")
	}
}

func TestRowCap(t *testing.T) {
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{MaxRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, rows, truncated, err := db.Query(context.Background(), "SELECT order_id FROM orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 || !truncated {
		t.Fatalf("got %d rows, truncated=%v; want 10, true", len(rows), truncated)
	}
	_, rows, truncated, err = db.Query(context.Background(), "SELECT * FROM stores LIMIT 10")
	if err != nil || len(rows) != 10 || truncated {
		t.Fatalf("exactly the cap is not truncated: %d %v %v", len(rows), truncated, err)
	}
}

func TestReadOnly(t *testing.T) {
	db := datasetstest.Open(t)
	for _, stmt := range []string{"DELETE FROM orders", "DROP TABLE orders", "CREATE TABLE x (a INT)", "UPDATE stores SET area_sqm = 0"} {
		if _, _, _, err := db.Query(context.Background(), stmt); err == nil {
			t.Errorf("%s succeeded on a read-only database", stmt)
		}
	}
}

func TestTypes(t *testing.T) {
	db := datasetstest.Open(t)
	_, rows, _, err := db.Query(context.Background(), `SELECT DATE '2025-11-01', TIMESTAMP '2025-11-01 10:00:00', 12.50::DECIMAL(12,2),
		42::INTEGER, 7::BIGINT, sum(paid_amount) > 0, NULL, 'x', 1.5::DOUBLE, sum(paid_amount)::HUGEINT > 0 FROM orders`)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"2025-11-01", "2025-11-01 10:00:00", 12.5, int64(42), int64(7), true, nil, "x", 1.5, true}
	for i, w := range want {
		if rows[0][i] != w {
			t.Errorf("column %d = %#v (%T), want %#v", i, rows[0][i], rows[0][i], w)
		}
	}
}

// TestEngineLimits: the memory limit and thread count given are the ones
// DuckDB runs with, on every connection.
func TestEngineLimits(t *testing.T) {
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{MemoryLimit: "512MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 3; i++ {
		_, rows, _, err := db.Query(context.Background(), "SELECT current_setting('memory_limit'), current_setting('threads')")
		if err != nil {
			t.Fatal(err)
		}
		if lim := rows[0][0].(string); lim != "488.2 MiB" && lim != "512.0 MB" && lim != "512.0 MiB" {
			t.Errorf("memory_limit %q, want 512MB", lim)
		}
		if fmt.Sprint(rows[0][1]) != "1" {
			t.Errorf("threads %v, want 1", rows[0][1])
		}
	}
}

// TestHeavyQueriesLeaveASlot: heavy queries never hold every slot, so a
// cheap one runs while they do.
func TestHeavyQueriesLeaveASlot(t *testing.T) {
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{MaxConcurrent: 2, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	heavyDone := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, _, _, err := db.QueryHeavy(ctx, slowSQL)
			heavyDone <- err
		}()
	}
	// Three heavy queries asked for slots: one runs, two wait for it.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if all, heavy := db.InFlight(); all == 1 && heavy == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the heavy queries never started")
		}
		runtime.Gosched()
	}
	// A cheap query still gets the slot they may not take.
	_, rows, _, err := db.Query(context.Background(), "SELECT count(*) FROM orders")
	if err != nil || len(rows) != 1 {
		t.Fatalf("the cheap query: %v", err)
	}
	select {
	case err := <-heavyDone:
		t.Fatalf("a heavy query ended before the cheap one was done: %v", err)
	default:
	}
	cancel()
	for i := 0; i < 3; i++ {
		if err := <-heavyDone; !errors.Is(err, duckdb.ErrCanceled) {
			t.Errorf("heavy query %d: %v", i, err)
		}
	}
}
