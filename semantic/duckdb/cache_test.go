package duckdb

import "testing"

func TestResultCache(t *testing.T) {
	c := newResultCache(2)
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
	off := newResultCache(-1)
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
