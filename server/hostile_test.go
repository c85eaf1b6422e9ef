package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
	"github.com/graphql-go/graphql/testutil"
)

// The hostile-request tests send what an attacker or a broken client
// would to the real server on 127.0.0.1: each case must be refused with a
// 4xx and a JSON error (or answered, where the request is legitimate), the
// server must answer a normal query after every case and while slow
// clients hold connections, and its memory must stay bounded. Traffic is
// loopback only and bounded in count and time.

const hostileToken = "hostile-token-0123456789abcdef"

// Memory bounds of TestHostileRequests (the server runs in the test
// process, so runtime.MemStats is the server's): the heap may peak at
// hostilePeakHeap during the cases and may keep at most hostileHeapGrowth
// more than before them once garbage is collected.
const (
	hostilePeakHeap   = 1 << 30
	hostileHeapGrowth = 64 << 20
)

// hclient has a generous timeout: an answer later than that is a hang.
var hclient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64}}

// hdo sends one request; err is a transport error (no answer).
func hdo(method, u string, header map[string]string, body []byte) (*response, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := hclient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	r := &response{Status: res.StatusCode, Header: res.Header, Body: b}
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(b, &r.JSON); err != nil {
			return r, fmt.Errorf("body is not JSON: %v: %.200s", err, b)
		}
	}
	return r, nil
}

// gqlBody is a JSON request body for query and variables.
func gqlBody(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	b, _ := json.Marshal(m)
	return b
}

// alive checks that the server answers a normal query.
func alive(t *testing.T, base, after string) {
	t.Helper()
	r, err := hdo("POST", base+"/graphql", map[string]string{"Content-Type": appJSON, "Accept": gqlResp}, []byte(`{"query":"{ __typename }"}`))
	if err != nil {
		t.Fatalf("after %s: the server does not answer a normal query: %v", after, err)
	}
	if r.Status != 200 || r.JSON["errors"] != nil {
		t.Fatalf("after %s: a normal query = %d %s", after, r.Status, r.Body)
	}
}

// heapWatch samples the heap while the hostile cases run.
type heapWatch struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > w.peak.Load() {
				w.peak.Store(m.HeapAlloc)
			}
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *heapWatch) Stop() uint64 {
	close(w.stop)
	<-w.done
	return w.peak.Load()
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// hostileCase is one request and what must come back.
type hostileCase struct {
	name    string
	method  string
	path    string // default /graphql
	header  map[string]string
	body    []byte
	status  int    // wanted status
	code    string // wanted extensions.code of the first error ("" : no error)
	anyCode bool   // any code will do (the refusal comes from graphql-go, worded its way)
}

func post4(body []byte) map[string]string {
	return map[string]string{"Content-Type": appJSON, "Accept": gqlResp}
}

func hostileCases() []hostileCase {
	h := post4(nil)
	q := func(doc string) []byte { return gqlBody(doc, nil) }
	var cases []hostileCase
	add := func(c hostileCase) { cases = append(cases, c) }

	// Depth: nested selections, nested fragments, nested inline fragments.
	nest := func(n int) string {
		return "{ __schema { types { " + strings.Repeat("fields { type { ", n) + "name" + strings.Repeat(" } }", n) + " } } }"
	}
	add(hostileCase{name: "depth 16 introspection", body: q(nest(7)), status: 400, code: "DEPTH_LIMIT_EXCEEDED"})
	add(hostileCase{name: "depth 200", body: q(nest(100)), status: 400, code: "DEPTH_LIMIT_EXCEEDED"})
	add(hostileCase{name: "depth 1000 of one letter", body: q("{" + strings.Repeat("a{", 1000) + "a" + strings.Repeat("}", 1000) + "}"), status: 400, code: "DEPTH_LIMIT_EXCEEDED"})
	var frag strings.Builder
	frag.WriteString("query { __schema { types { ...F0 } } }\n")
	for i := range 30 {
		fmt.Fprintf(&frag, "fragment F%d on __Type { fields { type { ...F%d } } }\n", i, i+1)
	}
	frag.WriteString("fragment F30 on __Type { name }\n")
	add(hostileCase{name: "depth through 30 fragments", body: q(frag.String()), status: 400, code: "DEPTH_LIMIT_EXCEEDED"})

	// Aliases.
	var al strings.Builder
	al.WriteString("{")
	for i := range 3000 {
		fmt.Fprintf(&al, " a%d: __typename", i)
	}
	al.WriteString(" }")
	add(hostileCase{name: "3000 aliases", body: q(al.String()), status: 400, code: "ALIAS_LIMIT_EXCEEDED"})
	var al2 strings.Builder
	al2.WriteString("{")
	for i := range 6000 {
		fmt.Fprintf(&al2, " a%d: __typename", i)
	}
	al2.WriteString(" }")
	add(hostileCase{name: "6000 aliases (over the query size)", body: q(al2.String()), status: 400, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "2000 copies of one field", body: q("{" + strings.Repeat(" __typename", 2000) + " }"), status: 400, code: "COST_LIMIT_EXCEEDED"})
	add(hostileCase{name: "aliases of an expensive field", body: q(`{ a: entities(first: 1000) { totalCount } b: entities(first: 1000) { edges { node { relationships(first: 1000) { totalCount } } } } }`), status: 400, code: "COST_LIMIT_EXCEEDED"})

	// Page sizes and hops.
	add(hostileCase{name: "first 2147483647", body: q(`{ entities(first: 2147483647) { totalCount } }`), status: 200, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "first over Int", body: q(`{ entities(first: 99999999999999999999) { totalCount } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	add(hostileCase{name: "first from a variable", body: gqlBody(`query($n: Int) { entities(first: $n) { totalCount } }`, map[string]any{"n": 1e12}), status: 400, code: "BAD_USER_INPUT"})
	add(hostileCase{name: "first negative", body: q(`{ entities(first: -1) { totalCount } }`), status: 200, code: "BAD_USER_INPUT"})
	add(hostileCase{name: "maxHops 1000", body: q(`{ paths(from: "mss", to: "prc", maxHops: 1000) { length } }`), status: 200, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "neighbourhood hops 1000", body: q(`{ neighbourhood(id: "mss", hops: 1000, first: 1000) { truncated } }`), status: 200, code: "LIMIT_EXCEEDED"})

	// Fragment cycles: graphql-go v0.8.1 would recurse until the stack overflows (a fatal error).
	add(hostileCase{name: "fragment cycle", body: q(`query{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	add(hostileCase{name: "fragment self-cycle", body: q(`query{ ...A } fragment A on Query { __typename ...A }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	add(hostileCase{name: "fragment cycle through fields", body: q(`query{ ...A } fragment A on Query { __schema { queryType { ...B } } } fragment B on __Type { fields { type { ...C } } } fragment C on __Type { ofType { ...B } }`), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	var long strings.Builder
	long.WriteString("query{ ...F0 }\n")
	for i := range 200 {
		fmt.Fprintf(&long, "fragment F%d on Query { ...F%d }\n", i, (i+1)%200)
	}
	add(hostileCase{name: "fragment cycle of 200", body: q(long.String()), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	var fan strings.Builder
	fan.WriteString("query { ...F0 }\n")
	for i := range 40 {
		fmt.Fprintf(&fan, "fragment F%d on Query { __typename ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fan.WriteString("fragment F40 on Query { __typename }\n")
	add(hostileCase{name: "fragments fanning out 2^40", body: q(fan.String()), status: 400, code: "COST_LIMIT_EXCEEDED"})

	// Oversized bodies and queries.
	add(hostileCase{name: "body over 1 MiB", body: q(`{ __typename }` + strings.Repeat(" ", 1<<20)), status: 413, code: "PAYLOAD_TOO_LARGE"})
	add(hostileCase{name: "query over 64 KiB", body: q(`{ __typename }` + strings.Repeat(" ", 64<<10)), status: 400, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "huge variables", body: gqlBody(`{ __typename }`, map[string]any{"x": strings.Repeat("x", 900<<10)}), status: 200})
	add(hostileCase{name: "deep JSON variables", body: []byte(`{"query":"{ __typename }","variables":{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`), status: 400, code: "BAD_REQUEST"})

	// Malformed JSON and UTF-8.
	add(hostileCase{name: "truncated JSON", body: []byte(`{"query": "{ __typename }"`), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "JSON with trailing garbage", body: []byte(`{"query": "{ __typename }"} x`), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "invalid UTF-8 in the query", body: []byte("{\"query\": \"{ \xff\xfe __typename }\"}"), status: 400, code: "GRAPHQL_PARSE_FAILED"})
	add(hostileCase{name: "invalid UTF-8 outside strings", body: []byte("{\"query\": \"{ __typename }\"\xff}"), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "lone surrogate escape", body: []byte(`{"query": "{ entity(id: \"\ud800\") { id } }"}`), status: 200, code: "NOT_FOUND"})
	add(hostileCase{name: "NUL in the query", body: []byte(`{"query": "{ __typename \u0000 }"}`), status: 400, code: "GRAPHQL_PARSE_FAILED"})
	add(hostileCase{name: "UTF-16 body", body: []byte("\xff\xfe{\x00\"\x00q\x00"), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "byte order mark", body: []byte("\xef\xbb\xbf{\"query\": \"{ __typename }\"}"), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "JSON null", body: []byte(`null`), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "duplicate query keys", body: []byte(`{"query": "{ __typename }", "query": "mutation { retractFact(id: \"x\") { id } }"}`), status: 400, code: "BAD_REQUEST"})
	add(hostileCase{name: "unknown operation type", body: q(`subscription { __typename }`), status: 400, code: "BAD_REQUEST"})

	// Floods that graphql-go validates in time quadratic in their size:
	// refused by the lexical guard, or stopped at 100 errors.
	add(hostileCase{name: "20000 unknown directives", body: q("{ __typename " + strings.Repeat("@a ", 20000) + "}"), status: 400, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "9000 anonymous operations", body: q(strings.Repeat("{a}", 9000)), status: 400, code: "LIMIT_EXCEEDED"})
	add(hostileCase{name: "190 directives on one field", body: q("{ __typename " + strings.Repeat("@a ", 190) + "}"), status: 400, code: "LIMIT_EXCEEDED"})
	var directed strings.Builder
	for i := range 95 {
		fmt.Fprintf(&directed, "f%d @a @b ", i)
	}
	add(hostileCase{name: "190 unknown directives", body: q("{ " + directed.String() + "}"), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	var unknown strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&unknown, "nope%d ", i)
	}
	add(hostileCase{name: "1000 unknown fields", body: q("{ " + unknown.String() + "}"), status: 400, code: "GRAPHQL_VALIDATION_FAILED"})
	add(hostileCase{name: "duplicate variables keys", body: []byte(`{"query": "{ __typename }", "variables": {}, "variables": {"a": 1}}`), status: 400, code: "BAD_REQUEST"})

	// Wrong methods and media types.
	add(hostileCase{name: "PUT", method: "PUT", header: h, body: q(`{ __typename }`), status: 405, code: "METHOD_NOT_ALLOWED"})
	add(hostileCase{name: "DELETE", method: "DELETE", status: 405, code: "METHOD_NOT_ALLOWED"})
	add(hostileCase{name: "TRACE", method: "TRACE", status: 405, code: "METHOD_NOT_ALLOWED"})
	add(hostileCase{name: "text/plain", header: map[string]string{"Content-Type": "text/plain", "Accept": gqlResp}, body: q(`{ __typename }`), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"})
	add(hostileCase{name: "form", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": gqlResp}, body: []byte("query=%7B__typename%7D"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"})
	add(hostileCase{name: "garbage Content-Type", header: map[string]string{"Content-Type": "application/json;;;=;charset", "Accept": gqlResp}, body: q(`{ __typename }`), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"})
	add(hostileCase{name: "Accept text/html", header: map[string]string{"Content-Type": appJSON, "Accept": "text/html"}, body: q(`{ __typename }`), status: 406, code: "NOT_ACCEPTABLE"})
	add(hostileCase{name: "Accept of 10k ranges", header: map[string]string{"Content-Type": appJSON, "Accept": strings.Repeat("text/html;q=0.1, ", 10000)}, body: q(`{ __typename }`), status: 406, code: "NOT_ACCEPTABLE"})
	add(hostileCase{name: "GET mutation", method: "GET", path: "/graphql?" + url.Values{"query": {`mutation { retractFact(id: "x") { id } }`}}.Encode(), header: map[string]string{"Accept": gqlResp, "Authorization": "Bearer " + hostileToken}, status: 405, code: "METHOD_NOT_ALLOWED"})
	add(hostileCase{name: "GET with invalid UTF-8", method: "GET", path: "/graphql?query=%7B%FF%FE%7D", header: map[string]string{"Accept": gqlResp}, status: 400, code: "GRAPHQL_PARSE_FAILED"})
	add(hostileCase{name: "POST to /healthz", path: "/healthz", status: 405, code: "METHOD_NOT_ALLOWED"})
	add(hostileCase{name: "path traversal", method: "GET", path: "/assets/..%2f..%2fgo.mod", status: 404, anyCode: true})

	// Mutations without the token: 401 (with WWW-Authenticate), nothing changed.
	mut := gqlBody(`mutation($t: String!) { loadNQuads(text: $t) { added } }`, map[string]any{"t": "<https://w3id.org/blurline/id/hostile> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n<https://w3id.org/blurline/id/hostile> <https://w3id.org/blurline/ns#name> \"Hostile\" .\n"})
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + hostileToken[:len(hostileToken)-1], "Bearer " + hostileToken + "x", "Basic " + hostileToken, hostileToken, "Bearer " + strings.Repeat("a", 100000)} {
		hh := map[string]string{"Content-Type": appJSON, "Accept": gqlResp}
		if auth != "" {
			hh["Authorization"] = auth
		}
		add(hostileCase{name: fmt.Sprintf("mutation with Authorization %.30q", auth), header: hh, body: mut, status: 401, code: "UNAUTHENTICATED"})
	}
	retract := q(`mutation { retractFact(id: "uk-apt40-hssd") { id } }`)
	add(hostileCase{name: "retract without a token", body: retract, status: 401, code: "UNAUTHENTICATED"})
	add(hostileCase{name: "mutation hidden behind operationName", body: []byte(`{"query": "query Q { __typename } mutation M { retractFact(id: \"uk-apt40-hssd\") { id } }", "operationName": "M"}`), status: 401, code: "UNAUTHENTICATED"})

	for i := range cases {
		if cases[i].method == "" {
			cases[i].method = "POST"
		}
		if cases[i].path == "" {
			cases[i].path = "/graphql"
		}
		if cases[i].header == nil {
			cases[i].header = post4(nil)
		}
	}
	return cases
}

// TestHostileRequests runs every hostile case against a real server with
// a write token, checks the answer, that the store did not change, and
// that the server still answers; then it floods it with concurrent
// introspection queries; the heap stays bounded throughout.
func TestHostileRequests(t *testing.T) {
	ts := startServer(t, server.Config{Token: hostileToken})
	alive(t, ts.URL, "start")
	version := ts.Store.Version()
	base := heapAfterGC()
	watch := watchHeap()

	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r, err := hdo(c.method, ts.URL+c.path, c.header, c.body)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if r.Status != c.status {
				t.Errorf("status = %d, want %d\n%.300s", r.Status, c.status, r.Body)
			}
			if r.JSON == nil {
				t.Fatalf("not a JSON answer (Content-Type %q): %.300s", r.Header.Get("Content-Type"), r.Body)
			}
			if got := r.code(); !c.anyCode && got != c.code || c.anyCode && got == "" {
				t.Errorf("extensions.code = %q, want %q\n%.300s", got, c.code, r.Body)
			}
			if r.Status >= 400 && r.hasData() {
				t.Errorf("a %d answer with data: %.300s", r.Status, r.Body)
			}
			t.Logf("%d %s in %v", r.Status, r.code(), time.Since(start).Round(time.Millisecond))
			alive(t, ts.URL, c.name)
		})
	}
	if v := ts.Store.Version(); v != version {
		t.Errorf("the store changed (version %d -> %d) although no request had the token", version, v)
	}

	// A flood of concurrent introspection queries (each costs graphql-go
	// about 70 ms of CPU here, 0.5 s under the race detector): every answer
	// is a 200 or, once the server is saturated, a 504 TIMEOUT with a JSON
	// error; none is lost, the server stays up and answers others. The
	// flood takes half of the server's request slots (MaxConcurrent, 8 on 2
	// cores): with all of them busy for seconds under the race detector, the
	// other query would rightly be shed with 503 (TestConcurrencyLimit).
	t.Run("introspection flood", func(t *testing.T) {
		clients, rounds := 2*runtime.GOMAXPROCS(0), 3 // half of the default MaxConcurrent
		if testing.Short() {
			rounds = 2
		}
		body := gqlBody(testutil.IntrospectionQuery, nil)
		var wg sync.WaitGroup
		var ok, timedOut, failed atomic.Int64
		var first atomic.Value
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for range rounds {
					r, err := hdo("POST", ts.URL+"/graphql", post4(nil), body)
					switch {
					case err == nil && r.Status == 200 && r.JSON["errors"] == nil:
						ok.Add(1)
					case err == nil && r.Status == 504 && r.code() == "TIMEOUT":
						timedOut.Add(1)
					default:
						failed.Add(1)
						if err == nil {
							err = fmt.Errorf("%d %.200s", r.Status, r.Body)
						}
						first.CompareAndSwap(nil, err)
					}
				}
			})
		}
		alive(t, ts.URL, "the start of the flood")
		wg.Wait()
		t.Logf("%d introspection queries from %d clients in %v: %d answered, %d timed out (504 TIMEOUT)",
			clients*rounds, clients, time.Since(start).Round(time.Millisecond), ok.Load(), timedOut.Load())
		if n := failed.Load(); n > 0 {
			t.Errorf("%d of %d introspection queries got neither an answer nor a TIMEOUT; first: %v", n, clients*rounds, first.Load())
		}
		if ok.Load() == 0 {
			t.Errorf("no introspection query was answered")
		}
		alive(t, ts.URL, "the flood")
	})

	peak := watch.Stop()
	after := heapAfterGC()
	t.Logf("heap: %d MiB before, peak %d MiB, %d MiB after", base>>20, peak>>20, after>>20)
	if peak > hostilePeakHeap {
		t.Errorf("heap peaked at %d MiB, over %d MiB", peak>>20, hostilePeakHeap>>20)
	}
	if after > base+hostileHeapGrowth {
		t.Errorf("heap grew from %d MiB to %d MiB after the hostile requests (bound: +%d MiB)", base>>20, after>>20, hostileHeapGrowth>>20)
	}
}

// TestHostileMutationWithToken: the right token still works after the
// hostile cases' wrong ones (no lock-out, no state kept).
func TestHostileMutationWithToken(t *testing.T) {
	ts := startServer(t, server.Config{Token: hostileToken})
	h := map[string]string{"Content-Type": appJSON, "Accept": gqlResp, "Authorization": "Bearer wrong"}
	mut := gqlBody(`mutation($t: String!) { loadNQuads(text: $t) { added } }`, map[string]any{"t": "<https://w3id.org/blurline/id/hostile> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n<https://w3id.org/blurline/id/hostile> <https://w3id.org/blurline/ns#name> \"Hostile\" .\n"})
	for range 20 {
		if r, err := hdo("POST", ts.URL+"/graphql", h, mut); err != nil || r.Status != 401 {
			t.Fatalf("wrong token: %v %v", r, err)
		}
	}
	h["Authorization"] = "Bearer " + hostileToken
	r, err := hdo("POST", ts.URL+"/graphql", h, mut)
	if err != nil || r.Status != 200 || r.JSON["errors"] != nil {
		t.Fatalf("right token = %v %v", r, err)
	}
}

// slowServer is a server whose request timeout is 1 s, so that slow
// clients are cut quickly (header timeout min(10 s, RequestTimeout), read
// timeout RequestTimeout).
func slowServer(t *testing.T) *testServer {
	return startServer(t, server.Config{RequestTimeout: time.Second, ExecTimeout: time.Second})
}

// trickle opens a connection, writes head, then writes body one byte
// every interval until the server closes the connection or limit passes.
// It returns how long the server took to cut the client, what it
// answered (possibly nothing), and whether it cut it at all.
func trickle(addr string, head, body []byte, interval, limit time.Duration) (took time.Duration, answer string, cut bool) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "dial: " + err.Error(), false
	}
	defer c.Close()
	c.Write(head)
	readDone := make(chan string, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(limit))
		b, _ := io.ReadAll(bufio.NewReader(c))
		readDone <- string(b)
	}()
	for i := 0; ; i++ {
		select {
		case a := <-readDone:
			return time.Since(start), a, time.Since(start) < limit
		case <-time.After(interval):
		}
		if _, err := c.Write(body[i%len(body) : i%len(body)+1]); err != nil {
			a := <-readDone
			return time.Since(start), a, time.Since(start) < limit
		}
	}
}

// TestSlowClients: slowloris clients that trickle their headers or their
// body are cut by the server's header/read timeouts while the server goes
// on answering others.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("holds slow connections for seconds")
	}
	ts := slowServer(t)
	addr := strings.TrimPrefix(ts.URL, "http://")
	const conns = 4
	const limit = 20 * time.Second // a generous ceiling: the server should cut after about 1 s
	type result struct {
		kind   string
		took   time.Duration
		answer string
		cut    bool
	}
	results := make(chan result, 2*conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			head := []byte("POST /graphql HTTP/1.1\r\nHost: " + addr + "\r\n")
			took, a, cut := trickle(addr, head, []byte("X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"), 100*time.Millisecond, limit)
			results <- result{"headers", took, a, cut}
		})
		wg.Go(func() {
			body := gqlBody(`{ __typename }`, nil)
			head := fmt.Appendf(nil, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, len(body)+100000)
			took, a, cut := trickle(addr, head, append(body, ' '), 100*time.Millisecond, limit)
			results <- result{"body", took, a, cut}
		})
	}
	// While the slow clients hold their connections, others are served.
	time.Sleep(300 * time.Millisecond)
	for i := range 5 {
		alive(t, ts.URL, fmt.Sprintf("%d slow clients connected (check %d)", 2*conns, i))
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	close(results)
	for r := range results {
		first, _, _ := strings.Cut(r.answer, "\r\n")
		t.Logf("slow %s: cut after %v, answer %q", r.kind, r.took.Round(10*time.Millisecond), first)
		if !r.cut {
			t.Errorf("slow %s: the server did not cut the client within %v", r.kind, limit)
		}
		if first != "" && !strings.HasPrefix(first, "HTTP/1.1 4") {
			t.Errorf("slow %s: answered %q, want a 4xx or nothing", r.kind, first)
		}
	}
	alive(t, ts.URL, "the slow clients")
}

// TestHostileRawRequests sends malformed HTTP on a raw connection: the
// server answers 4xx (net/http's own plain-text answers) or closes, and
// stays up.
func TestHostileRawRequests(t *testing.T) {
	ts := startServer(t, server.Config{})
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, raw := range []string{
		"GARBAGE\r\n\r\n",
		"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		"POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n",
		"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n",
		"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nAccept: \x00\x01\r\n\r\n",
		"GET /" + strings.Repeat("a", 100000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		c.Write([]byte(raw))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil && !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("%.40q: %v", raw, err)
		}
		if line != "" && !strings.HasPrefix(line, "HTTP/1.1 4") {
			t.Errorf("%.40q: answered %q, want a 4xx", raw, line)
		}
		t.Logf("%.40q -> %q", raw, strings.TrimSpace(line))
		alive(t, ts.URL, fmt.Sprintf("%.40q", raw))
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// TestHostileKnownSlow holds the documents that keep graphql-go busy for
// seconds to minutes in schema.API.Prepare, whose guard rules run inside
// graphql-go's own validation walk, after its parser and before its
// quadratic and worse rules (see the report for issue 7). Each must be
// refused within hostileKnownCeiling: schema's lexical guard
// (schema/gqlgo_lex.go) now refuses them before graphql-go parses them.
func TestHostileKnownSlow(t *testing.T) {
	ts := startServer(t, server.Config{})
	client := &http.Client{Timeout: hostileKnownCeiling}
	for _, c := range knownSlow() {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			req, _ := http.NewRequestWithContext(context.Background(), "POST", ts.URL+"/graphql", bytes.NewReader(gqlBody(c.doc, nil)))
			req.Header.Set("Content-Type", appJSON)
			req.Header.Set("Accept", gqlResp)
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("%d-byte document: no answer within %v: %v", len(c.doc), hostileKnownCeiling, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Logf("%d-byte document: %d in %v: %.200s", len(c.doc), res.StatusCode, time.Since(start), b)
			if res.StatusCode != 400 {
				t.Errorf("status = %d, want 400", res.StatusCode)
			}
		})
	}
}

// hostileKnownCeiling bounds a refusal of a document of at most 64 KiB;
// the figures in knownSlow were measured on 2 cores without the race
// detector.
const hostileKnownCeiling = 5 * time.Second

type slowDoc struct {
	name string
	doc  string
}

func knownSlow() []slowDoc {
	var vars, frags, spreads strings.Builder
	vars.WriteString("query(")
	for i := 0; vars.Len() < 60<<10; i++ {
		fmt.Fprintf(&vars, "$v%d: Int ", i)
	}
	vars.WriteString(") { __typename }")
	frags.WriteString("{ __typename }")
	for i := 0; frags.Len() < 60<<10; i++ {
		fmt.Fprintf(&frags, " fragment f%d on Query { __typename }", i)
	}
	spreads.WriteString("{")
	for i := 0; spreads.Len() < 60<<10; i++ {
		fmt.Fprintf(&spreads, " ...F%d", i)
	}
	spreads.WriteString(" }")
	const d = 21000
	return []slowDoc{
		// 64 KiB: 7 min 14 s and 330 GB allocated (graphql-go's visitor copies its path at every node).
		{"selections nested 21000 deep", "{" + strings.Repeat("a{", d) + "a" + strings.Repeat("}", d) + "}"},
		// Valid (inline fragments add no depth): 800 deep (11 KiB) 1.3 s, 3300 deep (46 KiB) 30 s; this is 28 KiB.
		{"inline fragments nested 2000 deep", "{" + strings.Repeat("... on Query {", 2000) + "__typename" + strings.Repeat("}", 2000) + "}"},
		// 2 KiB: 39 s (ArgumentsOfCorrectType prints the value through a JSON round trip per level).
		{"list value nested 1000 deep", `{ entity(id: ` + strings.Repeat("[", 1000) + `"x"` + strings.Repeat("]", 1000) + `) { id } }`},
		// 2 KiB: 114 s.
		{"object value nested 500 deep", `{ entity(id: ` + strings.Repeat("{a: ", 500) + `1` + strings.Repeat("}", 500) + `) { id } }`},
		// 16 KiB: 9 s (KnownArgumentNames).
		{"4000 unknown arguments", `{ __typename(` + strings.Repeat("a: 1 ", 4000) + `) }`},
		// 64 KiB: 27 s (NoUnusedVariables).
		{"6000 unused variables", vars.String()},
		// 64 KiB: 12 s (NoUnusedFragments).
		{"1900 unused fragments", frags.String()},
		// 2000 of them (16 KiB): 1.6 s (KnownFragmentNames); this is 60 KiB.
		{"unknown fragment spreads filling 60 KiB", spreads.String()},
	}
}

// TestHostileKnownPanics holds documents that make graphql-go panic inside
// schema.API.Prepare: the middleware recovers, but the client gets a 500
// INTERNAL for a malformed document (and the log a stack trace per
// request). Each must be a 400: schema.API.prepare now recovers them.
func TestHostileKnownPanics(t *testing.T) {
	ts := startServer(t, server.Config{})
	for _, doc := range []string{
		`query($A:) {A}`,
		`query($a:) { __typename }`,
		`query($a: = 1) { __typename }`,
	} {
		r, err := hdo("POST", ts.URL+"/graphql", post4(nil), gqlBody(doc, nil))
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if r.Status != 400 {
			t.Errorf("%q = %d %.200s, want 400 (a malformed document)", doc, r.Status, r.Body)
		}
	}
}

// slowGraph is the store with a Stats that takes delay (or until the
// context ends), for the request timeout.
type slowGraph struct {
	*graph.Store
	delay time.Duration
}

func (g slowGraph) Stats(ctx context.Context) (blurline.Stats, error) {
	select {
	case <-time.After(g.delay):
	case <-ctx.Done():
		return blurline.Stats{}, ctx.Err()
	}
	return g.Store.Stats(ctx)
}

// startLimited starts a real server over a seeded memory store with the
// schema built over wrap(store) with limits.
func startLimited(t *testing.T, cfg server.Config, limits schema.Limits, wrap func(*graph.Store) schema.Graph) string {
	t.Helper()
	ctx := context.Background()
	st, err := graph.Open(ctx, nil, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	fsys, _ := seedFS(t)
	if _, _, err := st.EnsureSeed(ctx, fsys); err != nil {
		t.Fatal(err)
	}
	var g schema.Graph = st
	if wrap != nil {
		g = wrap(st)
	}
	api, err := schema.New(nil, g, limits)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- server.New(nil, cfg, api, st).Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
	})
	return "http://" + ln.Addr().String()
}

// padBody is a JSON request body for query of exactly n bytes.
func padBody(query string, n int) []byte {
	b := gqlBody(query, nil)
	pad := n - len(b) - len(`,"p":""`)
	if pad < 0 {
		panic("padBody: too short")
	}
	return append(b[:len(b)-1], []byte(`,"p":"`+strings.Repeat("x", pad)+`"}`)...)
}

// TestLimits hits every limit of docs/operations.md that a request can
// hit, just over it (and, where the edge is exact, just under it), and
// checks the error code and status the page promises; then it checks the
// page's table against the code's defaults.
func TestLimits(t *testing.T) {
	d := schema.DefaultLimits
	def := startLimited(t, server.Config{Token: hostileToken, MaxBodyBytes: 4 << 20}, schema.Limits{}, nil)
	small := startLimited(t, server.Config{MaxBodyBytes: 4096, ExecTimeout: time.Nanosecond}, schema.Limits{MaxExport: 10}, nil)
	slow := startLimited(t, server.Config{RequestTimeout: 500 * time.Millisecond}, schema.Limits{},
		func(st *graph.Store) schema.Graph { return slowGraph{st, 10 * time.Second} })

	// depthQuery has depth n: the operation 1, __schema 1, queryType 1,
	// then one per ofType.
	depthQuery := func(n int) string {
		return "{ __schema { queryType { " + strings.Repeat("ofType { ", n-3) + "name" + strings.Repeat(" }", n-3) + " } } }"
	}
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: __typename", i)
		}
		return b.String() + " }"
	}
	auth := map[string]string{"Content-Type": appJSON, "Accept": gqlResp, "Authorization": "Bearer " + hostileToken}
	load := func(text string) []byte {
		return gqlBody(`mutation($t: String!) { loadNQuads(text: $t) { added } }`, map[string]any{"t": text})
	}
	var bad strings.Builder
	for i := range 30 {
		fmt.Fprintf(&bad, "<https://w3id.org/blurline/id/x%d> <https://w3id.org/blurline/ns#bogus> \"x\" .\n", i)
	}
	cases := []struct {
		limit  string
		url    string
		header map[string]string
		body   []byte
		status int
		code   string
		msg    string // a part of the first error's message
	}{
		{"server.Config.MaxBodyBytes", small, nil, padBody(`{ __typename }`, 4096), 504, "TIMEOUT", ""}, // at the limit: read, then the 1 ns execution timeout
		{"server.Config.MaxBodyBytes", small, nil, padBody(`{ __typename }`, 4097), 413, "PAYLOAD_TOO_LARGE", "4096"},
		{"schema.Limits.MaxQueryBytes", def, nil, gqlBody("{ __typename }"+strings.Repeat(" ", d.MaxQueryBytes-14), nil), 200, "", ""},
		{"schema.Limits.MaxQueryBytes", def, nil, gqlBody("{ __typename }"+strings.Repeat(" ", d.MaxQueryBytes-13), nil), 400, "LIMIT_EXCEEDED", fmt.Sprint(d.MaxQueryBytes)},
		{"schema.Limits.MaxDepth", def, nil, gqlBody(depthQuery(d.MaxDepth), nil), 200, "", ""},
		{"schema.Limits.MaxDepth", def, nil, gqlBody(depthQuery(d.MaxDepth+1), nil), 400, "DEPTH_LIMIT_EXCEEDED", fmt.Sprintf("depth %d", d.MaxDepth+1)},
		{"schema.Limits.MaxAliases", def, nil, gqlBody(aliases(d.MaxAliases), nil), 200, "", ""},
		{"schema.Limits.MaxAliases", def, nil, gqlBody(aliases(d.MaxAliases+1), nil), 400, "ALIAS_LIMIT_EXCEEDED", fmt.Sprint(d.MaxAliases + 1)},
		{"schema.Limits.MaxCost", def, nil, gqlBody(`{ entities(first: 1000) { edges { node { relationships(first: 1000) { totalCount } } } } }`, nil), 400, "COST_LIMIT_EXCEEDED", fmt.Sprint(d.MaxCost)},
		{"schema.Limits.MaxCost", def, nil, gqlBody(`query($n: Int) { entities(first: $n) { edges { node { relationships(first: $n) { totalCount } } } } }`, map[string]any{"n": 1000}), 400, "COST_LIMIT_EXCEEDED", fmt.Sprint(d.MaxCost)},
		{"schema.Limits.MaxCost", def, nil, gqlBody(`query($n: Int) { entities(first: $n) { edges { node { relationships(first: $n) { totalCount } } } } }`, map[string]any{"n": 10}), 200, "", ""},
		{"schema.MaxFieldPairs", def, nil, gqlBody("{"+strings.Repeat(" __typename", 63)+" }", nil), 200, "", ""}, // 1953 pairs
		{"schema.MaxFieldPairs", def, nil, gqlBody("{"+strings.Repeat(" __typename", 64)+" }", nil), 400, "COST_LIMIT_EXCEEDED", fmt.Sprint(schema.MaxFieldPairs)},
		{"schema.Limits.MaxPageSize", def, nil, gqlBody(fmt.Sprintf(`{ entities(first: %d) { totalCount } }`, d.MaxPageSize), nil), 200, "", ""},
		{"schema.Limits.MaxPageSize", def, nil, gqlBody(fmt.Sprintf(`{ entities(first: %d) { totalCount } }`, d.MaxPageSize+1), nil), 200, "LIMIT_EXCEEDED", fmt.Sprint(d.MaxPageSize)},
		{"schema.Limits.MaxPathHops", def, nil, gqlBody(fmt.Sprintf(`{ paths(from: "mss", to: "prc", maxHops: %d) { length } }`, d.MaxPathHops), nil), 200, "", ""},
		{"schema.Limits.MaxPathHops", def, nil, gqlBody(fmt.Sprintf(`{ paths(from: "mss", to: "prc", maxHops: %d) { length } }`, d.MaxPathHops+1), nil), 200, "LIMIT_EXCEEDED", fmt.Sprint(d.MaxPathHops)},
		{"schema.Limits.MaxPathHops", def, nil, gqlBody(fmt.Sprintf(`{ neighbourhood(id: "mss", hops: %d) { truncated } }`, d.MaxPathHops+1), nil), 200, "LIMIT_EXCEEDED", fmt.Sprint(d.MaxPathHops)},
		{"schema.Limits.MaxExport", startLimited(t, server.Config{}, schema.Limits{MaxExport: 10}, nil), nil, gqlBody(`{ stixBundle }`, nil), 200, "LIMIT_EXCEEDED", "10"},
		{"server.Config.ExecTimeout", small, nil, gqlBody(`{ __schema { types { name } } }`, nil), 504, "TIMEOUT", ""},
		{"server.Config.RequestTimeout", slow, nil, gqlBody(`{ stats { facts } }`, nil), 504, "TIMEOUT", ""}, // cut in a resolver: no data either
		{"N-Quads line length", def, auth, load("<https://w3id.org/blurline/id/x> <https://w3id.org/blurline/ns#name> \"" + strings.Repeat("x", 1<<20) + "\" .\n"), 200, "BAD_USER_INPUT", "line longer than"},
		{"problems reported per input", def, auth, load(bad.String()), 200, "BAD_USER_INPUT", "and 10 more problems"},
	}
	for _, c := range cases {
		h := c.header
		if h == nil {
			h = post4(nil)
		}
		r, err := hdo("POST", c.url+"/graphql", h, c.body)
		if err != nil {
			t.Errorf("%s: %v", c.limit, err)
			continue
		}
		msg := ""
		if errs, _ := r.JSON["errors"].([]any); len(errs) > 0 {
			msg, _ = errs[0].(map[string]any)["message"].(string)
		}
		if r.Status != c.status || r.code() != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %q %.120q; want %d %q with %q", c.limit, r.Status, r.code(), msg, c.status, c.code, c.msg)
		} else {
			t.Logf("%s: %d %s %.100q", c.limit, r.Status, r.code(), msg)
		}
	}

	// The header and read timeouts, and the header size (net/http's own).
	addr := strings.TrimPrefix(slow, "http://")
	took, answer, cut := trickle(addr, []byte("POST /graphql HTTP/1.1\r\nHost: x\r\n"), []byte("X-Slow: a\r\n"), 50*time.Millisecond, 20*time.Second)
	if !cut || answer != "" {
		t.Errorf("header timeout: cut %v after %v, answer %.40q; want cut without an answer", cut, took, answer)
	}
	body := gqlBody(`{ __typename }`, nil)
	took, answer, cut = trickle(addr, fmt.Appendf(nil, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)+1000), body, 50*time.Millisecond, 20*time.Second)
	if !cut || !strings.HasPrefix(answer, "HTTP/1.1 400") || !strings.Contains(answer, "BAD_REQUEST") {
		t.Errorf("read timeout: cut %v after %v, answer %.80q; want 400 BAD_REQUEST", cut, took, answer)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(def, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET /graphql HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 2<<20))
	line, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if !strings.HasPrefix(line, "HTTP/1.1 431") {
		t.Errorf("2 MiB of headers: %q, want 431", line)
	}

	checkLimitsDoc(t)
}

// checkLimitsDoc checks the defaults in docs/operations.md's limits table
// against the code, and that every field of schema.Limits is in it.
func checkLimitsDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(b)
	if i := strings.Index(section, "## Limits"); i >= 0 {
		section = section[i:]
	}
	if i := strings.Index(section[3:], "\n## "); i >= 0 {
		section = section[:i+3]
	}
	rows := map[string]string{}
	for line := range strings.Lines(section) {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[2])
	}
	size := func(n int) string {
		switch {
		case n%(1<<20) == 0:
			return fmt.Sprintf("%d MiB", n>>20)
		case n%(1<<10) == 0:
			return fmt.Sprintf("%d KiB", n>>10)
		}
		return fmt.Sprint(n)
	}
	secs := func(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }
	d := schema.DefaultLimits
	want := map[string]string{
		"server.Config.MaxBodyBytes":   size(server.DefaultMaxBodyBytes),
		"server.Config.ExecTimeout":    secs(server.DefaultExecTimeout),
		"server.Config.RequestTimeout": secs(server.DefaultRequestTimeout),
		"server.Config.ShutdownGrace":  secs(server.DefaultShutdownGrace),
		"schema.Limits.MaxQueryBytes":  size(d.MaxQueryBytes),
		"schema.Limits.MaxDepth":       fmt.Sprint(d.MaxDepth),
		"schema.Limits.MaxAliases":     fmt.Sprint(d.MaxAliases),
		"schema.Limits.MaxCost":        fmt.Sprint(d.MaxCost),
		"schema.Limits.MaxPageSize":    fmt.Sprint(d.MaxPageSize),
		"schema.Limits.MaxPathHops":    fmt.Sprint(d.MaxPathHops),
		"schema.Limits.MaxExport":      fmt.Sprint(d.MaxExport),
		"schema.Limits.CacheSize":      fmt.Sprint(d.CacheSize),
		"schema.MaxFieldPairs":         fmt.Sprint(schema.MaxFieldPairs),
		"schema.MaxErrors":             fmt.Sprint(schema.MaxErrors),
		"server.MaxErrors":             fmt.Sprint(server.MaxErrors),

		"server.Config.MaxResponseBytes":  size(server.DefaultMaxResponseBytes),
		"server.Config.WriteTimeout":      secs(server.DefaultWriteTimeout),
		"server.Config.IdleTimeout":       secs(server.DefaultIdleTimeout),
		"server.Config.ReadHeaderTimeout": secs(server.DefaultReadHeaderTimeout),
	}
	for name, w := range want {
		got, ok := rows[name]
		if !ok {
			t.Errorf("docs/operations.md: no row for %s", name)
		} else if got != w {
			t.Errorf("docs/operations.md: %s defaults to %q, the code to %q", name, got, w)
		}
	}
	lt := reflect.TypeOf(schema.Limits{})
	for i := range lt.NumField() {
		if name := "schema.Limits." + lt.Field(i).Name; rows[name] == "" {
			t.Errorf("docs/operations.md: schema.Limits has %s, the limits table does not", lt.Field(i).Name)
		}
	}
}
