package duckdb

import (
	"container/list"
	"fmt"
	"strings"
	"sync"
)

// resultCache is a small LRU of query results. Cached rows are shared and
// must not be modified by callers.
type resultCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recent
	items map[string]*list.Element
}

type cacheEntry struct {
	key       string
	rows      [][]any
	truncated bool
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func cacheKey(sql string, args []any) string {
	var b strings.Builder
	b.WriteString(sql)
	for _, a := range args {
		fmt.Fprintf(&b, "\x00%T:%v", a, a)
	}
	return b.String()
}

func (c *resultCache) get(key string) ([][]any, bool, bool) {
	if c.max <= 0 {
		return nil, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.rows, e.truncated, true
}

func (c *resultCache) put(key string, rows [][]any, truncated bool) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, rows: rows, truncated: truncated})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}
