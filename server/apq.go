package server

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"

	"github.com/blurline/blurline"
	"github.com/prometheus/client_golang/prometheus"
)

// apq.go serves automatic persisted queries, Apollo's protocol: a client
// sends extensions.persistedQuery = {version: 1, sha256Hash: <hex>} and
// no query; the server answers from the query it keeps under that hash,
// or with the error PERSISTED_QUERY_NOT_FOUND, after which the client
// sends the hash with the query, and the server checks the hash and keeps
// the query. Over GET the hash-only request is a short URL an HTTP cache
// may keep: its successful answers carry Cache-Control: public, max-age
// (Config.PersistedMaxAge).
//
// The store keeps only documents that parsed and validated, bounded in
// bytes (Config.PersistedQueryBytes), least recently used out first.

// persistedQueries is the bounded store of persisted queries by hash.
type persistedQueries struct {
	max int64 // bytes

	mu      sync.Mutex
	size    int64
	entries map[string]*list.Element // of *persisted
	lru     list.List

	requests  *prometheus.CounterVec
	bytes     prometheus.Gauge
	count     prometheus.Gauge
	evictions prometheus.Counter
}

type persisted struct {
	hash, query string
}

func newPersistedQueries(max int64) *persistedQueries {
	return &persistedQueries{
		max:     max,
		entries: map[string]*list.Element{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blurline_persisted_queries_total",
			Help: "Requests that named a persisted query, by result: hit (answered from its hash), miss (PERSISTED_QUERY_NOT_FOUND), registered (query kept), mismatch (hash not the query's), invalid (bad persistedQuery).",
		}, []string{"result"}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blurline_persisted_queries_bytes",
			Help: "Bytes of the persisted queries kept.",
		}),
		count: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blurline_persisted_queries",
			Help: "Persisted queries kept.",
		}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blurline_persisted_queries_evictions_total",
			Help: "Persisted queries dropped to stay within the store's bound.",
		}),
	}
}

func (p *persistedQueries) collectors() []prometheus.Collector {
	return []prometheus.Collector{p.requests, p.bytes, p.count, p.evictions}
}

func (p *persistedQueries) get(hash string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[hash]
	if !ok {
		return "", false
	}
	p.lru.MoveToFront(e)
	return e.Value.(*persisted).query, true
}

// store keeps query under hash (which the caller has checked).
func (p *persistedQueries) store(hash, query string) {
	cost := int64(len(hash) + len(query) + entryOverhead)
	if cost > p.max/8 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.entries[hash]; ok {
		p.lru.MoveToFront(e)
		return
	}
	p.entries[hash] = p.lru.PushFront(&persisted{hash: hash, query: query})
	p.size += cost
	p.requests.WithLabelValues("registered").Inc()
	for p.size > p.max {
		old := p.lru.Back()
		v := old.Value.(*persisted)
		p.lru.Remove(old)
		delete(p.entries, v.hash)
		p.size -= int64(len(v.hash) + len(v.query) + entryOverhead)
		p.evictions.Inc()
	}
	p.bytes.Set(float64(p.size))
	p.count.Set(float64(len(p.entries)))
}

// apqState is what resolve found out about a request.
type apqState struct {
	hash     string // the hash of a query to keep once it validates; "" for none
	hashOnly bool   // the request named its query by hash alone
}

// resolve fills in the query of a request that names it by hash, or
// checks the hash of one that sends both. ok is false when the request
// must be answered with rp instead.
func (p *persistedQueries) resolve(s *Server, r *http.Request, media string, req *gqlRequest) (st apqState, rp reply, ok bool) {
	raw, present := req.Extensions["persistedQuery"]
	if !present || raw == nil {
		return st, rp, true
	}
	pq, _ := raw.(map[string]any)
	version, _ := pq["version"].(float64)
	hash, _ := pq["sha256Hash"].(string)
	hash = strings.ToLower(hash)
	if pq == nil || version != 1 || !isSHA256(hash) {
		p.requests.WithLabelValues("invalid").Inc()
		return st, s.refusal(r, badRequest(`extensions.persistedQuery must be {"version": 1, "sha256Hash": "<64 hex digits>"}`)), false
	}
	if req.Query == "" {
		q, found := p.get(hash)
		if !found {
			p.requests.WithLabelValues("miss").Inc()
			// Apollo's clients look for this message or this code, and
			// then send the query with its hash.
			return st, s.respondError(r, media, blurline.Errorf(blurline.ErrPersistedQueryNotFound, "PersistedQueryNotFound")), false
		}
		p.requests.WithLabelValues("hit").Inc()
		req.Query = q
		return apqState{hashOnly: true}, rp, true
	}
	sum := sha256.Sum256([]byte(req.Query))
	if hex.EncodeToString(sum[:]) != hash {
		p.requests.WithLabelValues("mismatch").Inc()
		return st, s.refusal(r, blurline.Errorf(blurline.ErrPersistedQueryMismatch,
			"extensions.persistedQuery.sha256Hash is not the SHA-256 of the query: send the hex digest of the query's UTF-8 bytes")), false
	}
	return apqState{hash: hash}, rp, true
}

func isSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
