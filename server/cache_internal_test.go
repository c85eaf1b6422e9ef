package server

import (
	"bytes"
	"fmt"
	"testing"
)

// TestResponseCacheBounds checks the cache's own rules: entries of an
// older version are never answered nor kept, a newer version empties it,
// it stays within its size by dropping the least recently used, and an
// entry too large to share it is not kept.
func TestResponseCacheBounds(t *testing.T) {
	key := func(i int) cacheKey { return cacheKey{query: fmt.Sprintf("{ q%d }", i), variables: "null"} }
	body := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, 100) }
	cost := int64(len(key(0).query)+len(key(0).variables)+100) + entryOverhead
	c := newResponseCache(8 * cost) // room for 8 entries

	c.put(1, key(0), body(0))
	if got := c.get(1, key(0)); !bytes.Equal(got, body(0)) {
		t.Fatalf("get(1, q0) = %q, want %q", got, body(0))
	}
	if got := c.get(1, cacheKey{query: "{ q0 }", variables: "null", view: "read/RED"}); got != nil {
		t.Errorf("another access level shares the entry")
	}
	// A newer version empties the cache; an older one is not kept.
	if got := c.get(2, key(0)); got != nil {
		t.Errorf("get at a newer version = %q, want nothing", got)
	}
	c.put(1, key(1), body(1))
	if got := c.get(1, key(1)); got != nil {
		t.Errorf("an entry of an older version was kept")
	}
	if len(c.entries) != 0 || c.size != 0 {
		t.Errorf("after a newer version: %d entries, %d bytes; want none", len(c.entries), c.size)
	}

	// Within its size: the least recently used goes first.
	for i := range 8 {
		c.put(2, key(i), body(i))
	}
	c.get(2, key(0)) // q0 is now the most recently used; q1 the least
	c.put(2, key(8), body(8))
	if c.size > c.max {
		t.Errorf("size %d over the bound %d", c.size, c.max)
	}
	if c.get(2, key(1)) != nil {
		t.Errorf("the least recently used entry was kept")
	}
	for _, i := range []int{0, 2, 3, 4, 5, 6, 7, 8} {
		if got := c.get(2, key(i)); !bytes.Equal(got, body(i)) {
			t.Errorf("q%d = %q, want %q", i, got, body(i))
		}
	}
	// Too large to share the cache: not kept, nothing evicted.
	c.put(2, key(9), bytes.Repeat([]byte("x"), int(c.max/8)+1))
	if c.get(2, key(9)) != nil || len(c.entries) != 8 {
		t.Errorf("an entry over an eighth of the cache was kept (%d entries)", len(c.entries))
	}
}
