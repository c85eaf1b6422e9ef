package server

import (
	"container/list"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// responseCache keeps the complete JSON bodies of successful query
// responses for one version of the store (schema.API.Sync), so that a
// query asked again before the next write is answered without running it.
//
// An entry is keyed by everything that decides a response: the exact
// document, the operation name, the variables in canonical form (encoding
// of the decoded values, keys sorted) and what the caller may see (its
// scopes and marking), so that no response is shared between principals
// who see different things.
// Only responses without errors are kept, and only of queries: mutations
// never pass through it. A write advances the store's version, and the
// first lookup or insertion at a newer version empties the cache, so no
// entry outlives the data it was computed from. It is bounded in bytes
// (keys and bodies, plus a fixed overhead per entry) and evicts the least
// recently used entries first. It is safe for concurrent use.
type responseCache struct {
	max int64 // bytes

	mu      sync.Mutex
	version uint64 // of every entry
	size    int64
	entries map[cacheKey]*list.Element // of *cacheEntry
	lru     list.List                  // most recently used at the front

	hits, misses, evictions prometheus.Counter
	bytes, count            prometheus.Gauge
}

// cacheKey is what decides a query's response, but the store's version.
type cacheKey struct {
	query, operationName, variables string
	view                            string // what the caller may see (auth.go's view)
}

type cacheEntry struct {
	key  cacheKey
	body []byte // never modified once stored
	cost int64
}

// entryOverhead approximates the bookkeeping of one entry in bytes.
const entryOverhead = 200

func newResponseCache(max int64) *responseCache {
	return &responseCache{
		max:     max,
		entries: map[cacheKey]*list.Element{},
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blurline_response_cache_hits_total",
			Help: "GraphQL queries answered from the response cache.",
		}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blurline_response_cache_misses_total",
			Help: "GraphQL queries that looked in the response cache and were executed.",
		}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blurline_response_cache_evictions_total",
			Help: "Response cache entries dropped to stay within its size (not counting those dropped by writes).",
		}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blurline_response_cache_bytes",
			Help: "Bytes held by the response cache (keys, bodies and overhead).",
		}),
		count: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blurline_response_cache_entries",
			Help: "Responses held by the response cache.",
		}),
	}
}

func (c *responseCache) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.hits, c.misses, c.evictions, c.bytes, c.count}
}

// get returns the body kept for k at version, or nil.
func (c *responseCache) get(version uint64, k cacheKey) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(version)
	if e, ok := c.entries[k]; ok && c.version == version {
		c.lru.MoveToFront(e)
		c.hits.Inc()
		return e.Value.(*cacheEntry).body
	}
	c.misses.Inc()
	return nil
}

// put keeps body for k at version. The cache owns body from then on. A
// body of an older version than the cache's is dropped, and so is one too
// large to share the cache with others (over an eighth of it).
func (c *responseCache) put(version uint64, k cacheKey, body []byte) {
	cost := int64(len(k.query)+len(k.operationName)+len(k.variables)+len(k.view)+len(body)) + entryOverhead
	if cost > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(version)
	if version != c.version {
		return
	}
	if _, ok := c.entries[k]; ok {
		return // a concurrent request for the same key got there first
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, body: body, cost: cost})
	c.size += cost
	for c.size > c.max {
		old := c.lru.Back()
		c.remove(old)
		c.evictions.Inc()
	}
	c.gauges()
}

// advance empties the cache when version is newer than its entries'.
// The caller holds c.mu.
func (c *responseCache) advance(version uint64) {
	if version <= c.version {
		return
	}
	c.version = version
	if len(c.entries) > 0 {
		clear(c.entries)
		c.lru.Init()
		c.size = 0
		c.gauges()
	}
}

func (c *responseCache) remove(e *list.Element) {
	ce := c.lru.Remove(e).(*cacheEntry)
	delete(c.entries, ce.key)
	c.size -= ce.cost
}

func (c *responseCache) gauges() {
	c.bytes.Set(float64(c.size))
	c.count.Set(float64(len(c.entries)))
}
