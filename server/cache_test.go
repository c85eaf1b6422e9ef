package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/blurline/blurline/server"
)

const cacheToken = "cache-token-0123456789abcdef"

// cacheCounts reads the response cache's hit and miss counters from /metrics.
func cacheCounts(tb testing.TB, ts *testServer) (hits, misses int) {
	tb.Helper()
	body := do(tb, "GET", ts.URL+"/metrics", nil, "").Body
	count := func(name string) int {
		m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindSubmatch(body)
		if m == nil {
			tb.Fatalf("/metrics lacks %s", name)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	return count("blurline_response_cache_hits_total"), count("blurline_response_cache_misses_total")
}

// gqlPost sends a GraphQL request, with the token when it is not empty.
func gqlPost(tb testing.TB, ts *testServer, token, query string, vars map[string]any, opName string) *response {
	tb.Helper()
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	if opName != "" {
		m["operationName"] = opName
	}
	body, _ := json.Marshal(m)
	h := map[string]string{"Content-Type": appJSON, "Accept": gqlResp}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return do(tb, "POST", ts.URL+"/graphql", h, string(body))
}

// entityNQ is a new entity, tied to the MSS by a fact with provenance.
func entityNQ(id, name string) string {
	return fmt.Sprintf(`<https://w3id.org/blurline/id/%[1]s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Contractor> .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#name> %[2]q .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#taskedBy> <https://w3id.org/blurline/id/mss> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#source> <https://example.org/%[1]s> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#confidence> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/blurline/fact/%[1]s-mss> .
`, id, name)
}

const loadNQuads = `mutation($t: String!) { loadNQuads(text: $t, marking: CLEAR) { added } }` // CLEAR: the anonymous reader sees it

// taskedByMSS lists the subjects of the taskedBy facts to the MSS.
const taskedByMSS = `query Tasked($first: Int!) { relationships(to: ["mss"], predicates: [taskedBy], first: $first) { totalCount edges { node { subject { id name } } } } }`

func taskedCount(tb testing.TB, r *response) int {
	tb.Helper()
	if r.Status != 200 || r.JSON["errors"] != nil {
		tb.Fatalf("query = %d %s", r.Status, r.Body)
	}
	n, _ := r.JSON["data"].(map[string]any)["relationships"].(map[string]any)["totalCount"].(float64)
	return int(n)
}

// TestResponseCache checks what the response cache keeps and what it
// tells apart: a repeated query is answered from it with the same bytes;
// other variables, another operation name or another access level are
// other entries; errors are never kept; a write through the API empties it.
func TestResponseCache(t *testing.T) {
	ts := startServer(t, server.Config{Token: cacheToken})
	vars := map[string]any{"first": 100}

	first := gqlPost(t, ts, "", taskedByMSS, vars, "")
	before := taskedCount(t, first)
	if h, m := cacheCounts(t, ts); h != 0 || m != 1 {
		t.Fatalf("after one query: %d hits, %d misses; want 0 and 1", h, m)
	}
	again := gqlPost(t, ts, "", taskedByMSS, vars, "")
	if !bytes.Equal(again.Body, first.Body) {
		t.Errorf("the cached answer differs:\n%s\nwant\n%s", again.Body, first.Body)
	}
	if h, m := cacheCounts(t, ts); h != 1 || m != 1 {
		t.Fatalf("after the same query again: %d hits, %d misses; want 1 and 1", h, m)
	}
	// The same data through GET, with the other media type: the same entry.
	g := do(t, "GET", ts.URL+"/graphql?query="+urlEscape(taskedByMSS)+"&variables="+urlEscape(`{"first":100}`), map[string]string{"Accept": appJSON}, "")
	if !bytes.Equal(g.Body, first.Body) || g.Header.Get("Content-Type") != appJSON+"; charset=utf-8" {
		t.Errorf("GET with application/json = %q %s", g.Header.Get("Content-Type"), g.Body)
	}
	if h, _ := cacheCounts(t, ts); h != 2 {
		t.Errorf("GET of the same query was not answered from the cache (%d hits)", h)
	}

	// What must not share an entry.
	for _, c := range []struct {
		name  string
		token string
		vars  map[string]any
		op    string
		query string
	}{
		{"other variables", "", map[string]any{"first": 1}, "", taskedByMSS},
		{"the write token", cacheToken, vars, "", taskedByMSS},
		{"an operation name", "", vars, "Tasked", taskedByMSS},
		{"another document", "", vars, "", taskedByMSS + " "},
	} {
		h0, m0 := cacheCounts(t, ts)
		r := gqlPost(t, ts, c.token, c.query, c.vars, c.op)
		taskedCount(t, r)
		if h, m := cacheCounts(t, ts); h != h0 || m != m0+1 {
			t.Errorf("%s: answered from another request's entry (hits %d→%d, misses %d→%d)", c.name, h0, h, m0, m)
		}
		if c.name == "other variables" {
			if n := len(r.JSON["data"].(map[string]any)["relationships"].(map[string]any)["edges"].([]any)); n != 1 {
				t.Errorf("first: 1 listed %d edges", n)
			}
		}
	}

	// Errors are not kept: the same failing query runs each time.
	const missing = `{ entity(id: "no-such-entity") { id name } }`
	for i := range 2 {
		h0, m0 := cacheCounts(t, ts)
		r := gqlPost(t, ts, "", `{ fact(id: "no-such-fact") { id } }`, nil, "")
		if r.JSON["errors"] == nil {
			t.Fatalf("a query for a missing fact gave no error: %s", r.Body)
		}
		if h, m := cacheCounts(t, ts); h != h0 || m != m0+1 {
			t.Errorf("error response, run %d: hits %d→%d, misses %d→%d; want a miss", i, h0, h, m0, m)
		}
		gqlPost(t, ts, "", missing, nil, "")
	}

	// A write through the API: the next read sees it.
	r := gqlPost(t, ts, cacheToken, loadNQuads, map[string]any{"t": entityNQ("cache-acme", "Acme Cache Ltd")}, "")
	if r.JSON["errors"] != nil {
		t.Fatalf("mutation: %s", r.Body)
	}
	after := gqlPost(t, ts, "", taskedByMSS, vars, "")
	if got := taskedCount(t, after); got != before+1 {
		t.Errorf("after a write, totalCount = %d, want %d: a stale answer", got, before+1)
	}
	if !bytes.Contains(after.Body, []byte("Acme Cache Ltd")) {
		t.Errorf("after a write, the answer lacks the new entity: %s", after.Body)
	}
	// A mutation is never answered from the cache: the same one again runs
	// again (and adds nothing, as the quads are there).
	h0, m0 := cacheCounts(t, ts)
	r = gqlPost(t, ts, cacheToken, loadNQuads, map[string]any{"t": entityNQ("cache-acme", "Acme Cache Ltd")}, "")
	if added, _ := r.JSON["data"].(map[string]any)["loadNQuads"].(map[string]any)["added"].(float64); added != 0 || r.JSON["errors"] != nil {
		t.Errorf("the same mutation again = %s", r.Body)
	}
	if h, m := cacheCounts(t, ts); h != h0 || m != m0 {
		t.Errorf("a mutation touched the response cache (hits %d→%d, misses %d→%d)", h0, h, m0, m)
	}
}

// TestResponseCacheOff checks that a negative size turns the cache off:
// no cache metrics, and a write is seen as without it.
func TestResponseCacheOff(t *testing.T) {
	ts := startServer(t, server.Config{Token: cacheToken, ResponseCacheBytes: -1})
	vars := map[string]any{"first": 100}
	before := taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars, ""))
	taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars, ""))
	if body := do(t, "GET", ts.URL+"/metrics", nil, "").Body; bytes.Contains(body, []byte("blurline_response_cache")) {
		t.Errorf("/metrics has response cache metrics with the cache off")
	}
	gqlPost(t, ts, cacheToken, loadNQuads, map[string]any{"t": entityNQ("cache-off", "Off Ltd")}, "")
	if got := taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars, "")); got != before+1 {
		t.Errorf("after a write, totalCount = %d, want %d", got, before+1)
	}
}

// TestResponseCacheConcurrent runs readers of several queries while
// mutations land (under the race detector in `make test`): a reader never
// sees the count of facts go back, a write's author reads it at once, and
// once the writes are done every reader sees all of them.
func TestResponseCacheConcurrent(t *testing.T) {
	ts := startServer(t, server.Config{Token: cacheToken, ResponseCacheBytes: 1 << 20})
	vars := []map[string]any{{"first": 100}, {"first": 50}, {"first": 200}}
	base := taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars[0], ""))
	const writes, readers = 8, 6
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for w := range writes {
			r := gqlPost(t, ts, cacheToken, loadNQuads, map[string]any{"t": entityNQ(fmt.Sprintf("cc%d", w), "Concurrent "+strconv.Itoa(w))}, "")
			if r.JSON["errors"] != nil {
				t.Errorf("mutation %d: %s", w, r.Body)
				return
			}
			if got := taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars[w%len(vars)], "")); got < base+w+1 {
				t.Errorf("right after write %d, totalCount = %d, want at least %d", w, got, base+w+1)
			}
		}
	})
	for r := range readers {
		wg.Go(func() {
			last := base
			for i := 0; ; i++ {
				finished := false
				select {
				case <-done:
					finished = true
				default:
				}
				got := taskedCount(t, gqlPost(t, ts, "", taskedByMSS, vars[(r+i)%len(vars)], ""))
				if got < last {
					t.Errorf("reader %d: totalCount went back from %d to %d", r, last, got)
				}
				last = got
				if finished {
					if got != base+writes {
						t.Errorf("reader %d: after the writes, totalCount = %d, want %d", r, got, base+writes)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if h, _ := cacheCounts(t, ts); h == 0 {
		t.Errorf("no read was answered from the cache")
	}
}

func urlEscape(s string) string { return url.QueryEscape(s) }
