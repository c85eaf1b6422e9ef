package server_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
)

var (
	loadRequests    = flag.Int("load.requests", 0, "TestLoad: requests to send (0 skips the test)")
	loadConcurrency = flag.Int("load.concurrency", 8, "TestLoad: concurrent clients")
	loadDuration    = flag.Duration("load.max", 30*time.Second, "TestLoad: stop after this long")
	loadNoCache     = flag.Bool("load.nocache", false, "TestLoad: turn the response cache off")
)

// load2Hop is the measured query: the 2-hop neighbourhood of the MSS on
// the seed, entities and statements with their ends.
const load2Hop = `query TwoHop { neighbourhood(id: "mss", hops: 2, first: 200) {
  nodes { id name kind }
  edges { id predicate confidence subject { id } object { id } }
} }`

// TestLoad sends a bounded concurrent load of 2-hop queries over loopback
// to a real server on the seed and reports requests per second and
// latency percentiles. It runs only when asked:
//
//	go test -run TestLoad -load.requests 20000 -load.concurrency 8 ./server
//
// The server's response cache answers all but the first of these
// identical queries; -load.nocache turns it off to measure execution.
func TestLoad(t *testing.T) {
	if *loadRequests <= 0 {
		t.Skip("a load test: run with -load.requests N (see docs/server.md)")
	}
	cfg := server.Config{}
	if *loadNoCache {
		cfg.ResponseCacheBytes = -1
	}
	ts := startServer(t, cfg)
	body, _ := json.Marshal(map[string]string{"query": load2Hop})
	tr := &http.Transport{MaxIdleConnsPerHost: *loadConcurrency, MaxConnsPerHost: *loadConcurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	// One request first: the answer must be a real 2-hop neighbourhood.
	first := send(t, client, ts.URL, body)
	var res struct {
		Data struct {
			Neighbourhood struct {
				Nodes []any `json:"nodes"`
				Edges []any `json:"edges"`
			} `json:"neighbourhood"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(first, &res); err != nil || len(res.Errors) > 0 || len(res.Data.Neighbourhood.Nodes) < 2 {
		t.Fatalf("2-hop query: %v %s", err, first)
	}
	t.Logf("2-hop neighbourhood of mss: %d entities, %d statements, %d bytes",
		len(res.Data.Neighbourhood.Nodes), len(res.Data.Neighbourhood.Edges), len(first))

	ctx, cancel := context.WithTimeout(context.Background(), *loadDuration)
	defer cancel()
	var next, failed atomic.Int64
	lat := make([][]time.Duration, *loadConcurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *loadConcurrency {
		wg.Go(func() {
			for ctx.Err() == nil && next.Add(1) <= int64(*loadRequests) {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/graphql", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				r, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil { // not cut off by -load.max
						failed.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		t.Fatal("no request succeeded")
	}
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	t.Logf("%d requests (%d failed) in %v with %d clients: %.0f req/s; latency p50 %v, p90 %v, p99 %v, max %v",
		len(all), failed.Load(), elapsed.Round(time.Millisecond), *loadConcurrency,
		float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.90), pct(0.99), all[len(all)-1])
	if failed.Load() > 0 {
		t.Errorf("%d requests failed", failed.Load())
	}
}

func send(t *testing.T, c *http.Client, base string, body []byte) []byte {
	t.Helper()
	r, err := c.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}
