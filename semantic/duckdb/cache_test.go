package duckdb

import (
	"fmt"
	"strings"
	"testing"
)

func TestResultCache(t *testing.T) {
	c := newResultCache(2, 1<<20, 1<<20)
	c.put("a", [][]any{{1}}, false)
	c.put("b", [][]any{{2}}, false)
	c.get("a") // a is now the most recent
	c.put("c", [][]any{{3}}, true)
	if _, _, ok := c.get("b"); ok {
		t.Error("the least recent entry was kept")
	}
	if rows, _, ok := c.get("a"); !ok || rows[0][0] != 1 {
		t.Error("a recent entry was dropped")
	}
	if _, truncated, ok := c.get("c"); !ok || !truncated {
		t.Error("c lost")
	}
	off := newResultCache(-1, 1<<20, 1<<20)
	off.put("a", nil, false)
	if _, _, ok := off.get("a"); ok {
		t.Error("a disabled cache returned an entry")
	}
}

func TestCacheKeyDistinguishesArguments(t *testing.T) {
	if cacheKey("q", []any{"1"}) == cacheKey("q", []any{int64(1)}) || cacheKey("q", []any{"a"}) == cacheKey("q", []any{"b"}) {
		t.Error("different arguments share a key")
	}
}

// TestResultCacheBytes: the cache holds at most its byte budget, and a
// result larger than one entry's budget is never kept.
func TestResultCacheBytes(t *testing.T) {
	wide := func(n int) [][]any {
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{strings.Repeat("x", 100), float64(i)}
		}
		return rows
	}
	one := resultSize("k00", wide(100))
	c := newResultCache(1000, 5*one, 2*one)
	for i := 0; i < 50; i++ {
		c.put(fmt.Sprintf("k%02d", i), wide(100), false)
	}
	n, bytes := c.stats()
	if bytes > 5*one || n > 5 || n < 4 {
		t.Errorf("%d entries, %d bytes for a budget of %d", n, bytes, 5*one)
	}
	if _, _, ok := c.get("k49"); !ok {
		t.Error("the newest entry was dropped")
	}
	c.put("huge", wide(1000), false)
	if _, _, ok := c.get("huge"); ok {
		t.Error("a result over the entry budget was cached")
	}
	if n2, b2 := c.stats(); n2 != n || b2 != bytes {
		t.Error("refusing a huge result evicted others")
	}
}
