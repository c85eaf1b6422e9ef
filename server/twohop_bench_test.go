package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/gen"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
)

// twoHopHTTP is the 2-hop relationship query of the benchmark suite
// (bench/queries.go): an entity's relationships, the entity at the other
// end of each, and that entity's relationships with their ends.
func twoHopHTTP(id string) string {
	return fmt.Sprintf(`{ entity(id: %q) { relationships { edges { node { other { id relationships { edges { node { id predicate other { id } } } } } } } } } }`, id)
}

// BenchmarkTwoHopHTTP answers the suite's uncached 2-hop query over HTTP
// on a generated graph (BENCH_QUADS quads, default 100k, in a bbolt
// store), from the 16 regional bureaus the suite starts from, with the
// response cache off (serve --response-cache 0):
//
//	go test -run='^$' -bench=TwoHopHTTP -benchmem ./server
//	BENCH_QUADS=1000000 go test -run='^$' -bench=TwoHopHTTP -benchmem ./server
//
// api is schema.API.Do alone; handler is the server's whole handler, in
// process (middleware, authentication, body reading and decoding,
// execution, encoding, the access log to a text handler as serve writes
// it); loopback is the same over a real listener, with 16 concurrent
// keep-alive clients in this process. handler less api is what the server
// adds to the execution; loopback less handler is net/http, the kernel and
// the client. cpu-ns/op is the process's CPU time per request (GC and, for
// loopback, the client included), steadier than ns/op on a shared machine.
func BenchmarkTwoHopHTTP(b *testing.B) {
	ctx := context.Background()
	n := gen.BenchQuads(b, 100_000)
	var nq bytes.Buffer
	if _, err := gen.Write(&nq, gen.Config{Quads: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	// Loaded, closed and opened again, as blurline load and serve do.
	addr := "bbolt:" + b.TempDir()
	st, err := graph.Open(ctx, nil, addr)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Load(ctx, graph.Source{Name: "gen.nq", R: &nq}); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	if st, err = graph.Open(ctx, nil, addr); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	api, err := schema.New(lg, st, schema.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(lg, server.Config{ResponseCacheBytes: -1}, api, st)

	states := max(1, n/400)
	var queries []string
	var bodies [][]byte
	for i := range 16 {
		q := twoHopHTTP(fmt.Sprintf("s%d-bureau%d", i*states/16, i%3))
		body, _ := json.Marshal(map[string]string{"query": q})
		queries = append(queries, q)
		bodies = append(bodies, body)
		if res := api.Do(ctx, schema.Request{Query: q}); len(res.Errors) > 0 || res.Data == nil {
			b.Fatalf("2-hop from %s: %v", q, res.Errors)
		}
	}
	ok := func(b *testing.B, status int, body []byte) {
		if status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"data":{"entity":{`)) || bytes.Contains(body, []byte(`"errors"`)) {
			b.Fatalf("status %d: %.300s", status, body)
		}
	}

	b.Run("api", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			api.Do(ctx, schema.Request{Query: queries[i%len(queries)]})
			i++
		}
		reportCPU(b, cpuTime()-cpu)
	})

	b.Run("handler", func(b *testing.B) {
		h := srv.Handler()
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(bodies[i%len(bodies)]))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if i < len(bodies) {
				ok(b, w.Code, w.Body.Bytes())
			}
			i++
		}
		reportCPU(b, cpuTime()-cpu)
	})

	b.Run("loopback", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(sctx, ln) }()
		defer func() {
			cancel()
			<-done
		}()
		const clients = 16
		url := "http://" + ln.Addr().String() + "/graphql"
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2 * clients, DisableCompression: true}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		send := func(i int) (int, []byte, error) {
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i%len(bodies)]))
			if err != nil {
				return 0, nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				return 0, nil, err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			return resp.StatusCode, body, err
		}
		for i := range bodies {
			status, body, err := send(i)
			if err != nil {
				b.Fatal(err)
			}
			ok(b, status, body)
		}
		var next, failed atomic.Int64
		b.SetParallelism(max(1, clients/min(clients, runtime.GOMAXPROCS(0))))
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				status, body, err := send(int(next.Add(1)))
				if err != nil || status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"data"`)) {
					failed.Add(1)
				}
			}
		})
		reportCPU(b, cpuTime()-cpu)
		if f := failed.Load(); f > 0 {
			b.Fatalf("%d of %d requests failed", f, b.N)
		}
	})
}

func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
