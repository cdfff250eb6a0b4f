package duckdb

import (
	"container/list"
	"fmt"
	"strings"
	"sync"
)

// resultCache is an LRU of query results bounded by the bytes they hold
// (estimated) as well as by their number; a result larger than maxEntry is
// never cached. Cached rows are shared and must not be modified by callers.
type resultCache struct {
	mu       sync.Mutex
	max      int   // entries
	maxBytes int64 // all entries
	maxEntry int64 // one entry
	bytes    int64
	order    *list.List // front: most recent
	items    map[string]*list.Element
}

type cacheEntry struct {
	key       string
	rows      [][]any
	truncated bool
	size      int64
}

func newResultCache(max int, maxBytes, maxEntry int64) *resultCache {
	return &resultCache{max: max, maxBytes: maxBytes, maxEntry: maxEntry, order: list.New(), items: map[string]*list.Element{}}
}

func cacheKey(sql string, args []any) string {
	var b strings.Builder
	b.WriteString(sql)
	for _, a := range args {
		fmt.Fprintf(&b, "\x00%T:%v", a, a)
	}
	return b.String()
}

// resultSize estimates the memory rows hold: slice and interface headers,
// plus string bytes.
func resultSize(key string, rows [][]any) int64 {
	n := int64(len(key)) + 64
	for _, r := range rows {
		n += 24 + 16*int64(len(r))
		for _, v := range r {
			switch x := v.(type) {
			case string:
				n += 16 + int64(len(x))
			case nil, bool:
			default:
				n += 8
			}
		}
	}
	return n
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
	size := resultSize(key, rows)
	if size > c.maxEntry || size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, rows: rows, truncated: truncated, size: size})
	c.bytes += size
	for c.order.Len() > c.max || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.bytes -= e.size
	}
}

// stats reports the entries and estimated bytes held.
func (c *resultCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
