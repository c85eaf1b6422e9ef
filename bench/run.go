package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline/internal/gen"
)

// sizeResult is everything measured at one size.
type sizeResult struct {
	Quads     int // asked for
	Written   int // generated
	FileBytes int64
	GenTime   time.Duration

	BlurlineLoad, CayleyLoad measured
	CayleyInit               time.Duration

	Samples, Routes int // 2-hop answers compared between the systems, and their routes
	Start           []string

	LoadAvg    map[string]string        // /proc/loadavg as each phase began
	ServeReady map[string]time.Duration // exec to ready, on the loaded data
	ServeUse   map[string]measured      // over the server's life
	HTTP       map[string][]level

	OpenTime    time.Duration // graph.Open of the loaded store, in-process, with a valid snapshot file
	RebuildTime time.Duration // graph.Open without one: the read model rebuilt from cayley's data
	OpenCPU     time.Duration // this process's CPU time (user+sys) over OpenTime
	RebuildCPU  time.Duration // and over RebuildTime
	OpenFile    bool          // the snapshot file was there for OpenTime
	GCShare     float64       // GC's share of the CPU time of the GraphQL 2-hop runs
	InProc      []row
	PathFrom    string
	PathTo      string
	PathHops    int
	Paths       int
	Ranking     rankingInfo

	PG      *pgSize           // PostgreSQL beside bbolt
	answers map[string]string // the bbolt store's GraphQL 2-hop answers (JSON), by start entity
}

// row is one in-process measurement.
type row struct {
	Key, Name string
	N         int
	P50, P99  time.Duration
	Note      string
}

func (r *sizeResult) row(key string) (row, bool) {
	for _, x := range r.InProc {
		if x.Key == key {
			return x, true
		}
	}
	return row{}, false
}

const (
	sysBlurline = "blurline"
	sysCayley   = "cayley"
	sysNoCache  = "blurline-nocache" // blurline serve --response-cache 0
	sysCayley2  = "cayley-again"     // cayley, measured beside sysNoCache
)

// runSize generates n quads and measures both systems on them.
func runSize(ctx context.Context, cfg *config, bins *binaries, pg *pgRun, work string, n int) (*sizeResult, error) {
	dir := filepath.Join(work, fmt.Sprintf("size-%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r := &sizeResult{Quads: n, LoadAvg: map[string]string{}, ServeReady: map[string]time.Duration{}, ServeUse: map[string]measured{}, HTTP: map[string][]level{}}
	file := filepath.Join(dir, "gen.nq")
	dirB := filepath.Join(dir, "blurline-data")
	dirC := filepath.Join(dir, "cayley-data")
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}

	// The data.
	logf("[%d] generating %d quads (seed %d)", n, n, cfg.Seed)
	t0 := time.Now()
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	r.Written, err = gen.Write(f, gen.Config{Quads: n, Seed: cfg.Seed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	r.GenTime = time.Since(t0)
	if fi, err := os.Stat(file); err == nil {
		r.FileBytes = fi.Size()
	}
	logf("[%d] %d quads, %.1f MB in %s", n, r.Written, float64(r.FileBytes)/1e6, r.GenTime.Round(time.Millisecond))

	// Load.
	logf("[%d] blurline load", n)
	r.LoadAvg["blurline load"] = loadavg()
	r.BlurlineLoad, err = runMeasured(ctx, filepath.Join(logs, "blurline-load.log"), bins.blurline, "load", "--no-seed", "--data", dirB, file)
	if err != nil {
		return nil, err
	}
	logf("[%d] blurline load: %s, peak RSS %s (%s)", n, secs(r.BlurlineLoad.Wall), mb(r.BlurlineLoad.MaxRSS), strings.TrimSpace(tail(filepath.Join(logs, "blurline-load.log"))))
	logf("[%d] cayley init + load", n)
	r.LoadAvg["cayley load"] = loadavg()
	t0 = time.Now()
	if _, err := runMeasured(ctx, filepath.Join(logs, "cayley-init.log"), bins.cayley, "init", "--db", "bolt", "--dbpath", dirC); err != nil {
		return nil, err
	}
	r.CayleyInit = time.Since(t0)
	r.CayleyLoad, err = runMeasured(ctx, filepath.Join(logs, "cayley-load.log"), bins.cayley, "load", "--db", "bolt", "--dbpath", dirC, "-i", file)
	if err != nil {
		return nil, err
	}
	logf("[%d] cayley load: %s, peak RSS %s", n, secs(r.CayleyLoad.Wall), mb(r.CayleyLoad.MaxRSS))

	// Query over HTTP. Both servers are up together (the idle one uses no
	// CPU) and the client levels alternate between them, so that each pair
	// of figures is measured seconds apart on a machine whose other load
	// varies.
	r.Start = startIDs(n)
	var gqlBodies, gizmoBodies [][]byte
	for _, id := range r.Start {
		gqlBodies = append(gqlBodies, graphQLBody(twoHopGraphQL(id)))
		gizmoBodies = append(gizmoBodies, []byte(twoHopGizmo(id)))
	}
	portB, err := freePort()
	if err != nil {
		return nil, err
	}
	baseB := "http://" + loopback(portB)
	logf("[%d] blurline serve", n)
	r.LoadAvg["blurline serve"] = loadavg()
	srvB, ready, err := startServer(ctx, "blurline serve", filepath.Join(logs, "blurline-serve.log"), baseB,
		func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/readyz") },
		10*time.Minute, bins.blurline, "serve", "--no-seed", "--data", dirB, "--addr", loopback(portB))
	if err != nil {
		return nil, err
	}
	r.ServeReady[sysBlurline] = ready
	logf("[%d] blurline serve ready in %s", n, secs(ready))
	defer func() {
		if srvB != nil {
			srvB.stop()
		}
	}()
	portC, err := freePort()
	if err != nil {
		return nil, err
	}
	baseC := "http://" + loopback(portC)
	logf("[%d] cayley http", n)
	r.LoadAvg["cayley http"] = loadavg()
	srvC, ready, err := startServer(ctx, "cayley http", filepath.Join(logs, "cayley-http.log"), baseC,
		func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/") },
		10*time.Minute, bins.cayley, "http", "--db", "bolt", "--dbpath", dirC, "--host", loopback(portC))
	if err != nil {
		return nil, err
	}
	r.ServeReady[sysCayley] = ready
	defer func() {
		if srvC != nil {
			srvC.stop()
		}
	}()
	gql := &target{url: baseB + "/graphql", contentType: "application/json", bodies: gqlBodies, ok: graphQLOK}
	giz := &target{url: baseC + "/api/v2/query?lang=gizmo", contentType: "text/plain", bodies: gizmoBodies, ok: gizmoOK}
	want, err := r.compare(ctx, gql, giz, sampleIDs(n))
	if err != nil {
		return nil, err
	}
	if err := r.levels(ctx, cfg, n, sysBlurline, gql, sysCayley, giz); err != nil {
		return nil, err
	}
	r.ServeUse[sysBlurline], srvB = srvB.stop(), nil

	// The same levels again with Blurline's response cache off, so that the
	// report shows what the query itself costs: the server restarts on the
	// same data with --response-cache 0, and cayley (still up) is measured
	// again beside it.
	logf("[%d] blurline serve --response-cache 0", n)
	srvB, ready, err = startServer(ctx, "blurline serve", filepath.Join(logs, "blurline-serve-nocache.log"), baseB,
		func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/readyz") },
		10*time.Minute, bins.blurline, "serve", "--no-seed", "--data", dirB, "--addr", loopback(portB), "--response-cache", "0")
	if err != nil {
		return nil, err
	}
	r.ServeReady[sysNoCache] = ready
	if err := r.levels(ctx, cfg, n, sysNoCache, gql, sysCayley2, giz); err != nil {
		return nil, err
	}
	r.ServeUse[sysNoCache], srvB = srvB.stop(), nil
	r.ServeUse[sysCayley], srvC = srvC.stop(), nil

	// In-process floors, paths and ranking.
	if err := inProcess(ctx, cfg, r, dirB, dirC, want); err != nil {
		return nil, err
	}
	if err := postgresSize(ctx, cfg, pg, bins, r, file, logs); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return r, nil
}

// levels runs the HTTP load at each client level against two systems in
// turn (a then b, seconds apart) and records the figures under their names.
func (r *sizeResult) levels(ctx context.Context, cfg *config, n int, a string, ta *target, b string, tb *target) error {
	for _, c := range cfg.Clients {
		for _, x := range []struct {
			sys string
			t   *target
		}{{a, ta}, {b, tb}} {
			lv, err := load(ctx, x.t, c, cfg.Requests, cfg.Duration)
			if err != nil {
				return fmt.Errorf("%s at %d clients: %w", x.sys, c, err)
			}
			logf("[%d] %-16s %2d clients: %6.0f req/s  p50 %s  p99 %s  (%d requests in %s)", n, x.sys, c, lv.RPS, ms(lv.P50), ms(lv.P99), lv.Requests, secs(lv.Elapsed))
			r.HTTP[x.sys] = append(r.HTTP[x.sys], lv)
		}
	}
	return nil
}

// compare sends the 2-hop query from each sample entity to both systems
// and fails unless the answers (the entities at the ends of the routes,
// with multiplicity) are the same. It returns Blurline's answers.
func (r *sizeResult) compare(ctx context.Context, gql, giz *target, samples []string) (map[string]multiset, error) {
	c := newClient(1)
	defer c.CloseIdleConnections()
	want := map[string]multiset{}
	for _, id := range samples {
		tb := &target{url: gql.url, contentType: gql.contentType, bodies: [][]byte{graphQLBody(twoHopGraphQL(id))}, ok: graphQLOK}
		b, err := tb.do(ctx, c, 0)
		if err == nil {
			want[id], err = graphQLEnds(b)
		}
		if err == nil && len(want[id]) == 0 {
			err = errors.New("no entity two hops away")
		}
		if err != nil {
			return nil, fmt.Errorf("blurline 2-hop from %s: %w", id, err)
		}
		tc := &target{url: giz.url, contentType: giz.contentType, bodies: [][]byte{[]byte(twoHopGizmo(id))}, ok: gizmoOK}
		b, err = tc.do(ctx, c, 0)
		var got multiset
		if err == nil {
			got, err = gizmoEnds(b)
		}
		if err != nil {
			return nil, fmt.Errorf("cayley 2-hop from %s: %w", id, err)
		}
		if got.String() != want[id].String() {
			return nil, fmt.Errorf("the 2-hop answers from %s differ:\nblurline: %v\ncayley:   %v", id, want[id], got)
		}
		r.Samples++
		r.Routes += got.total()
	}
	logf("[%d] the 2-hop answers agree on %d start entities (%d routes)", r.Quads, r.Samples, r.Routes)
	return want, nil
}

// startup is the start-up time of `blurline serve`, median of a few trials.
type startup struct {
	Trials          int
	First, Restart  time.Duration // medians
	FirstAll        []time.Duration
	RestartAll      []time.Duration
	SeedQuads       string
	FirstRSS        int64
	ServeCommandFmt string
}

// measureStartup times `blurline serve` from exec to /readyz 200 on a new
// data directory (it loads the embedded seed) and on restart (seeded).
func measureStartup(ctx context.Context, cfg *config, bins *binaries, work string) (*startup, error) {
	const trials = 5
	s := &startup{Trials: trials}
	for i := range trials {
		dir := filepath.Join(work, fmt.Sprintf("startup-%d", i))
		for pass := range 2 {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			base := "http://" + loopback(port)
			logPath := filepath.Join(work, fmt.Sprintf("startup-%d-%d.log", i, pass))
			srv, ready, err := startServer(ctx, "blurline serve", logPath, base,
				func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/readyz") },
				time.Minute, bins.blurline, "serve", "--data", dir, "--addr", loopback(port))
			if err != nil {
				return nil, err
			}
			use := srv.stop()
			if pass == 0 {
				s.FirstAll = append(s.FirstAll, ready)
				s.FirstRSS = max(s.FirstRSS, use.MaxRSS)
				if s.SeedQuads == "" {
					s.SeedQuads = seedLine(logPath)
				}
			} else {
				s.RestartAll = append(s.RestartAll, ready)
			}
		}
		os.RemoveAll(dir)
	}
	s.First, s.Restart = median(s.FirstAll), median(s.RestartAll)
	logf("start-up of blurline serve: new store with the seed %s, restart %s (median of %d)", ms(s.First), ms(s.Restart), trials)
	return s, nil
}

// seedLine finds the "loaded seed" log line's quad count.
func seedLine(logPath string) string {
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "loaded seed"); i >= 0 {
			if j := strings.Index(line, "quads="); j >= 0 {
				return strings.Fields(line[j+len("quads="):])[0]
			}
		}
	}
	return ""
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
