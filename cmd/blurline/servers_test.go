package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/internal/pgtest"
	"github.com/blurline/blurline/internal/testlog"
)

// binDir holds the binary buildBinary built, for TestMain to remove.
var binDir string

// buildBinary builds the blurline command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "blurline-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "blurline")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

type serverProc struct {
	url  string
	cmd  *exec.Cmd
	logs *testlog.Buffer // its standard output and error
}

// startServe starts `blurline serve` with args on a free loopback port and
// waits until /readyz answers 200.
// freeAddr returns a loopback address no one listens on (for a server
// the test starts as a separate process).
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startServe(t *testing.T, token string, args ...string) *serverProc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--token", token}, args...)...)
	logs := &testlog.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{url: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server %s log:\n%s", addr, logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server on %s did not become ready:\n%s", addr, logs.String())
	return nil
}

// gql posts a GraphQL request and decodes the response.
func gql(t *testing.T, url, token, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return nil
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&out); err != nil {
		t.Errorf("decode: %v", err)
	}
	return out
}

func factNQ(id string) string {
	return fmt.Sprintf(`<https://w3id.org/blurline/id/%[1]s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Contractor> .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#name> "Contractor %[1]s" .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#taskedBy> <https://w3id.org/blurline/id/mss> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#source> <https://example.org/%[1]s> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#confidence> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#healeyLevel> <https://w3id.org/blurline/healey#state-ordered> <https://w3id.org/blurline/fact/%[1]s-mss> .
`, id)
}

const loadMutation = `mutation($t: String!) { loadNQuads(text: $t, marking: CLEAR) { added } }`

// TestTwoServersOnePostgres starts two blurline serve processes on one
// PostgreSQL database: a mutation through one is visible through the other
// at once, and concurrent mutations through both keep every invariant.
func TestTwoServersOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two servers")
	}
	c, err := pgtest.Shared()
	if err != nil {
		if pgtest.Required() || !errors.Is(err, pgtest.ErrUnavailable) {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Skipf("PostgreSQL is not installed: %v", err)
	}
	dsn, err := c.NewDatabase("twoservers")
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cret-token"
	a := startServe(t, token, "--store", dsn)
	b := startServe(t, token, "--store", dsn)

	stats := func(p *serverProc) (facts, entities float64) {
		out := gql(t, p.url, "", `{ stats { facts entities } }`, nil)
		st, _ := out["data"].(map[string]any)["stats"].(map[string]any)
		return st["facts"].(float64), st["entities"].(float64)
	}
	fa, ea := stats(a)
	fb, eb := stats(b)
	if fa != fb || ea != eb || fa < 150 {
		t.Fatalf("the servers disagree on the seed: %v/%v facts, %v/%v entities", fa, fb, ea, eb)
	}

	// b answers a repeated query from its response cache...
	const tasked = `{ relationships(to: ["mss"], predicates: [taskedBy], first: 100) { totalCount } }`
	taskedCount := func(p *serverProc) float64 {
		out := gql(t, p.url, "", tasked, nil)
		n, _ := out["data"].(map[string]any)["relationships"].(map[string]any)["totalCount"].(float64)
		return n
	}
	tasked0 := taskedCount(b)
	if n := taskedCount(b); n != tasked0 || cacheHits(t, b) != 1 {
		t.Fatalf("b's second identical query: totalCount %v (want %v), %v cache hits (want 1)", n, tasked0, cacheHits(t, b))
	}

	// Read your write through the other server.
	out := gql(t, a.url, token, loadMutation, map[string]any{"t": factNQ("acme")})
	if out["errors"] != nil {
		t.Fatalf("mutation through a: %v", out["errors"])
	}
	// ...and a write through a empties it.
	if n := taskedCount(b); n != tasked0+1 {
		t.Fatalf("b answers totalCount %v after a's write, want %v: a stale cached answer", n, tasked0+1)
	}
	out = gql(t, b.url, "", `{ entity(id: "acme") { name } }`, nil)
	if name, _ := out["data"].(map[string]any)["entity"].(map[string]any)["name"].(string); name != "Contractor acme" {
		t.Fatalf("b does not see a's mutation at once: %v", out)
	}
	// Without the token nothing is written, on either server.
	out = gql(t, b.url, "", loadMutation, map[string]any{"t": factNQ("nope")})
	if out["errors"] == nil {
		t.Errorf("a mutation without a token was accepted")
	}

	// Concurrent mutations through both servers.
	const perServer = 12
	var wg sync.WaitGroup
	for si, p := range []*serverProc{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perServer; i++ {
				out := gql(t, p.url, token, loadMutation, map[string]any{"t": factNQ(fmt.Sprintf("c%d-%d", si, i))})
				if out["errors"] != nil {
					t.Errorf("server %d mutation %d: %v", si, i, out["errors"])
				}
			}
		}()
	}
	wg.Wait()
	fa2, ea2 := stats(a)
	fb2, eb2 := stats(b)
	if fa2 != fa+1+2*perServer || fb2 != fa2 || ea2 != ea+1+2*perServer || eb2 != ea2 {
		t.Errorf("after %d concurrent mutations: a %v facts %v entities, b %v facts %v entities; want %v and %v",
			2*perServer, fa2, ea2, fb2, eb2, fa+1+2*perServer, ea+1+2*perServer)
	}
	// Every new fact has its provenance and both ends, seen from b.
	out = gql(t, b.url, "", `{ relationships(to: ["mss"], predicates: [taskedBy], first: 100) { totalCount edges { node { confidence sources subject { id } } } } }`, nil)
	rel, _ := out["data"].(map[string]any)["relationships"].(map[string]any)
	if rel == nil {
		t.Fatalf("relationships: %v", out)
	}
	n := 0
	for _, e := range rel["edges"].([]any) {
		node := e.(map[string]any)["node"].(map[string]any)
		subj, _ := node["subject"].(map[string]any)
		if id, _ := subj["id"].(string); strings.HasPrefix(id, "c") || id == "acme" {
			n++
			if len(node["sources"].([]any)) == 0 || node["confidence"].(float64) != 0.5 {
				t.Errorf("fact of %s lost its provenance: %v", id, node)
			}
		}
	}
	if n != 1+2*perServer {
		t.Errorf("b lists %d of the %d new taskedBy facts", n, 1+2*perServer)
	}
}

// cacheHits reads the response cache hits of a server from /metrics.
func cacheHits(t *testing.T, p *serverProc) float64 {
	t.Helper()
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "blurline_response_cache_hits_total "); ok {
			var n float64
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatalf("no blurline_response_cache_hits_total in %s/metrics", p.url)
	return 0
}
