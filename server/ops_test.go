package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/server"
)

// fakeStore wraps a Store to inject slowness, failure and panics.
type fakeStore struct {
	server.Store
	delay time.Duration
	fail  atomic.Bool
	panic atomic.Bool
}

func (f *fakeStore) Stats(ctx context.Context) (blurline.Stats, error) {
	if f.panic.Load() {
		panic("injected panic in Stats")
	}
	if f.fail.Load() {
		return blurline.Stats{}, blurline.Errorf(blurline.ErrUnavailable, "injected failure")
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return blurline.Stats{}, ctx.Err()
		}
	}
	return f.Store.Stats(ctx)
}

func TestHealthAndReadiness(t *testing.T) {
	var fs *fakeStore
	ts := startServerWith(t, server.Config{}, func(s server.Store) server.Store { fs = &fakeStore{Store: s}; return fs })
	if r := do(t, "GET", ts.URL+"/healthz", nil, ""); r.Status != 200 || string(r.Body) != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", r.Status, r.Body)
	}
	if r := do(t, "GET", ts.URL+"/readyz", nil, ""); r.Status != 200 {
		t.Errorf("/readyz = %d, want 200", r.Status)
	}
	fs.fail.Store(true)
	r := do(t, "GET", ts.URL+"/readyz", nil, "")
	if r.Status != 503 || r.code() != "UNAVAILABLE" {
		t.Errorf("/readyz with a failing store = %d %q, want 503 UNAVAILABLE", r.Status, r.code())
	}
	if r := do(t, "GET", ts.URL+"/healthz", nil, ""); r.Status != 200 {
		t.Errorf("/healthz with a failing store = %d, want 200 (alive)", r.Status)
	}
	if r := do(t, "POST", ts.URL+"/healthz", nil, ""); r.Status != 405 {
		t.Errorf("POST /healthz = %d, want 405", r.Status)
	}
	if r := do(t, "GET", ts.URL+"/nope", nil, ""); r.Status != 404 || r.code() != "NOT_FOUND" {
		t.Errorf("/nope = %d %q, want 404 NOT_FOUND", r.Status, r.code())
	}
}

// TestPanic: a panic becomes a JSON 500 INTERNAL with the request id, no
// stack trace; the stack goes to the log.
func TestPanic(t *testing.T) {
	var fs *fakeStore
	ts := startServerWith(t, server.Config{}, func(s server.Store) server.Store { fs = &fakeStore{Store: s}; return fs })
	fs.panic.Store(true)
	r := do(t, "GET", ts.URL+"/readyz", map[string]string{"X-Request-Id": "panic-test-1"}, "")
	if r.Status != 500 || r.code() != "INTERNAL" {
		t.Fatalf("= %d %q, want 500 INTERNAL\n%s", r.Status, r.code(), r.Body)
	}
	if !strings.Contains(string(r.Body), `"requestId":"panic-test-1"`) {
		t.Errorf("body has no request id: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "goroutine") || strings.Contains(string(r.Body), "injected panic") {
		t.Errorf("body leaks the panic: %s", r.Body)
	}
	if !strings.Contains(ts.Logs.String(), "injected panic") {
		t.Errorf("the panic is not logged")
	}
	fs.panic.Store(false)
	if r := do(t, "GET", ts.URL+"/readyz", nil, ""); r.Status != 200 {
		t.Errorf("after a panic: /readyz = %d, want 200", r.Status)
	}
}

// TestRequestID: X-Request-Id is honoured when sane, generated otherwise,
// echoed, and in the access log.
func TestRequestID(t *testing.T) {
	ts := startServer(t, server.Config{})
	r := do(t, "GET", ts.URL+"/healthz", map[string]string{"X-Request-Id": "abc-123"}, "")
	if got := r.Header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id = %q, want abc-123", got)
	}
	r = do(t, "GET", ts.URL+"/healthz", map[string]string{"X-Request-Id": "bad id\twith <html>"}, "")
	if got := r.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(got) {
		t.Errorf("X-Request-Id for an unsafe id = %q, want a generated one", got)
	}
	r = post(t, ts, gqlResp, `{"query": "query Named { __typename }", "operationName": "Named"}`)
	id := r.Header.Get("X-Request-Id")
	var found bool
	sc := bufio.NewScanner(strings.NewReader(ts.Logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["msg"] != "http request" || line["request_id"] != id {
			continue
		}
		found = true
		if line["route"] != "/graphql" || line["status"] != 200.0 || line["op_type"] != "query" || line["op_name"] != "Named" {
			t.Errorf("access log line = %v", line)
		}
	}
	if !found {
		t.Errorf("no access log line with request_id %s", id)
	}
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, server.Config{})
	post(t, ts, gqlResp, `{"query": "{ __typename }"}`)
	post(t, ts, gqlResp, `{"query": "{ nope }"}`)
	r := do(t, "GET", ts.URL+"/metrics", nil, "")
	if r.Status != 200 {
		t.Fatalf("/metrics = %d", r.Status)
	}
	body := string(r.Body)
	for _, want := range []string{
		`blurline_http_requests_total{code="200",method="POST",route="/graphql"} 1`,
		`blurline_http_requests_total{code="400",method="POST",route="/graphql"} 1`,
		`blurline_http_request_duration_seconds_bucket{route="/graphql",le=`,
		`blurline_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`blurline_graphql_operations_total{type="query"} 1`,
		`blurline_store_up 1`,
		`blurline_store_quads `,
		`blurline_store_facts `,
		`blurline_store_entities `,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	st, _ := ts.Store.Stats(context.Background())
	if want := fmt.Sprintf("blurline_store_quads %d\n", st.Quads); !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %q", want)
	}
	if !strings.Contains(body, "cayley_") {
		t.Logf("no cayley_* metrics registered by this cayley build")
	}
}

func TestCORS(t *testing.T) {
	preflight := map[string]string{"Origin": "https://analyst.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type, authorization"}
	t.Run("off by default", func(t *testing.T) {
		ts := startServer(t, server.Config{})
		r := do(t, "OPTIONS", ts.URL+"/graphql", preflight, "")
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight answered with CORS headers while CORS is off")
		}
		r = post(t, ts, gqlResp, `{"query": "{ __typename }"}`)
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS header while CORS is off")
		}
	})
	t.Run("allowed origin", func(t *testing.T) {
		ts := startServer(t, server.Config{CORSOrigins: []string{"https://analyst.example"}})
		r := do(t, "OPTIONS", ts.URL+"/graphql", preflight, "")
		if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "https://analyst.example" ||
			!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight = %d %v", r.Status, r.Header)
		}
		r = do(t, "POST", ts.URL+"/graphql", map[string]string{"Origin": "https://analyst.example", "Content-Type": appJSON}, `{"query": "{ __typename }"}`)
		if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "https://analyst.example" {
			t.Errorf("POST = %d, Access-Control-Allow-Origin %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("other origin", func(t *testing.T) {
		ts := startServer(t, server.Config{CORSOrigins: []string{"https://analyst.example"}})
		p := map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
		r := do(t, "OPTIONS", ts.URL+"/graphql", p, "")
		if r.Status != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from another origin = %d, ACAO %q; want 403 and none", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
	})
}

// TestGracefulShutdown: cancelling Serve's context lets an in-flight
// request finish, refuses new connections, and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	ts := startServerWith(t, server.Config{}, func(s server.Store) server.Store { return &fakeStore{Store: s, delay: 500 * time.Millisecond} })
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			done <- result{err: err}
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		done <- result{status: res.StatusCode}
	}()
	time.Sleep(150 * time.Millisecond) // the request is in flight
	start := time.Now()
	if err := ts.Stop(); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	r := <-done
	if r.err != nil || r.status != 200 {
		t.Errorf("in-flight request = %d, %v; want 200", r.status, r.err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("Serve returned after %v, before the in-flight request could finish", d)
	}
	c := &http.Client{Timeout: time.Second}
	if _, err := c.Get(ts.URL + "/healthz"); err == nil {
		t.Errorf("a new request after shutdown succeeded")
	}
}

// TestShutdownGrace: a request that outlives the grace period is cut and
// Serve still returns.
func TestShutdownGrace(t *testing.T) {
	ts := startServerWith(t, server.Config{ShutdownGrace: 100 * time.Millisecond},
		func(s server.Store) server.Store { return &fakeStore{Store: s, delay: 1500 * time.Millisecond} })
	go http.Get(ts.URL + "/readyz")
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	err := ts.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Serve took %v to return with a 100ms grace", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve = %v, want an error that says the grace period ran out", err)
	}
}

func TestConfigLogValue(t *testing.T) {
	cfg := server.Config{Token: "very-secret-token-value", CORSOrigins: []string{"https://a.example"}}
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "config", cfg)
	fmt.Fprintf(&b, "%v %+v %s", cfg, cfg, cfg)
	if strings.Contains(b.String(), "very-secret") {
		t.Errorf("the token is printed: %s", b.String())
	}
	for _, want := range []string{"auth=\"one token", "max_body_bytes=1048576", "exec_timeout=10s", "https://a.example"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("config log lacks %q: %s", want, b.String())
		}
	}
}

// TestAssets: the pages and every library are served from the binary with
// content types, caching headers and gzip, and match assets/VERSIONS.
func TestAssets(t *testing.T) {
	ts := startServer(t, server.Config{})
	for _, page := range []string{"/", "/explore"} {
		r := do(t, "GET", ts.URL+page, nil, "")
		if r.Status != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s = %d %q", page, r.Status, r.Header.Get("Content-Type"))
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy = %q", page, csp)
		}
		if r.Header.Get("ETag") == "" || r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: ETag %q Cache-Control %q", page, r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
		}
		if regexp.MustCompile(`(src|href)="(https?:)?//`).Match(r.Body) {
			t.Errorf("%s loads something from another host:\n%s", page, r.Body)
		}
		refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllSubmatch(r.Body, -1)
		if len(refs) < 2 {
			t.Errorf("%s refers to %d assets", page, len(refs))
		}
		for _, m := range refs {
			u := string(m[1])
			a := do(t, "GET", ts.URL+u, map[string]string{"Accept-Encoding": "identity"}, "")
			if a.Status != 200 {
				t.Errorf("%s: %s = %d", page, u, a.Status)
				continue
			}
			if cc := a.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("%s: Cache-Control = %q, want immutable", u, cc)
			}
			wantCT := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[filepath.Ext(u)]
			if ct := a.Header.Get("Content-Type"); ct != wantCT {
				t.Errorf("%s: Content-Type = %q, want %q", u, ct, wantCT)
			}
		}
	}

	// Plain URL: revalidated by ETag; gzip on request.
	u := ts.URL + "/assets/vendor/graphiql.min.js"
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("%s: Content-Encoding %q, Cache-Control %q", u, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	disk, _ := os.ReadFile("assets/vendor/graphiql.min.js")
	if !bytes.Equal(plain, disk) {
		t.Errorf("gunzipped graphiql.min.js differs from assets/vendor/graphiql.min.js")
	}
	t.Logf("graphiql.min.js: %d bytes, %d gzipped", len(plain), len(gz))
	r := do(t, "GET", u, map[string]string{"If-None-Match": res.Header.Get("ETag")}, "")
	if r.Status != 304 {
		t.Errorf("If-None-Match: status %d, want 304", r.Status)
	}
	if r := do(t, "GET", ts.URL+"/assets/0123456789abcdef/vendor/graphiql.min.js", nil, ""); r.Status != 404 {
		t.Errorf("stale hash: %d, want 404", r.Status)
	}
	if r := do(t, "GET", ts.URL+"/assets/../server.go", nil, ""); r.Status == 200 {
		t.Errorf("path traversal: 200")
	}
}

// TestVendorChecksums: the vendored libraries are the ones VERSIONS names,
// byte for byte, and the server serves exactly those bytes.
func TestVendorChecksums(t *testing.T) {
	ts := startServer(t, server.Config{})
	f, err := os.ReadFile("assets/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	want := map[string]string{"graphiql": "4.1.2", "react": "18.3.1", "react-dom": "18.3.1"}
	for line := range strings.Lines(string(f)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 4 {
			t.Errorf("VERSIONS line %q: want package@version file sha256 integrity", line)
			continue
		}
		pkg, file, sum := fields[0], fields[1], fields[2]
		name, version, _ := strings.Cut(pkg, "@")
		if v, ok := want[name]; ok && v != version {
			t.Errorf("%s is at %s, want %s", name, version, v)
		}
		listed[file] = true
		disk, err := os.ReadFile(filepath.Join("assets/vendor", file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if got := sha256.Sum256(disk); hex.EncodeToString(got[:]) != sum {
			t.Errorf("assets/vendor/%s: sha256 %x, VERSIONS says %s", file, got, sum)
		}
		r := do(t, "GET", ts.URL+"/assets/vendor/"+file, map[string]string{"Accept-Encoding": "identity"}, "")
		if got := sha256.Sum256(r.Body); hex.EncodeToString(got[:]) != sum {
			t.Errorf("served %s: sha256 %x, VERSIONS says %s", file, got, sum)
		}
	}
	ents, _ := os.ReadDir("assets/vendor")
	for _, e := range ents {
		if !listed[e.Name()] {
			t.Errorf("assets/vendor/%s is not in VERSIONS", e.Name())
		}
	}
}

// TestPlaygroundExamples runs every example query of the playground
// (assets/examples/*.graphql) against the seed: each must validate and
// answer without errors. An example for a field the schema does not have
// yet (the blur analysis) is reported and skipped.
func TestPlaygroundExamples(t *testing.T) {
	ts := startServer(t, server.Config{})
	files, _ := filepath.Glob("assets/examples/*.graphql")
	if len(files) < 4 {
		t.Fatalf("%d examples, want at least 4", len(files))
	}
	page := do(t, "GET", ts.URL+"/", nil, "")
	fields := queryFields(ts)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// The page carries the example (JSON-escaped in a script tag).
			firstLine, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
			if !strings.Contains(string(page.Body), strings.ReplaceAll(firstLine, `"`, `\"`)) {
				t.Errorf("the playground page does not carry %s", f)
			}
			if strings.Contains(string(b), "blurRanking") && !fields["blurRanking"] {
				t.Fatalf("the schema has no blurRanking, which %s asks for", f)
			}
			body, _ := json.Marshal(map[string]string{"query": string(b)})
			r := post(t, ts, gqlResp, string(body))
			if r.Status != 200 || r.JSON["errors"] != nil {
				t.Fatalf("= %d\n%s", r.Status, r.Body)
			}
			if len(r.Body) < 40 {
				t.Errorf("a thin answer: %s", r.Body)
			}
		})
	}
}
