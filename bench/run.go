package main

import (
	"bufio"
	"context"
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

	OpenTime time.Duration // graph.Open of the loaded store, in-process
	InProc   []row
	PathFrom string
	PathTo   string
	PathHops int
	Paths    int
	Ranking  rankingInfo
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
)

// runSize generates n quads and measures both systems on them.
func runSize(ctx context.Context, cfg *config, bins *binaries, work string, n int) (*sizeResult, error) {
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

	// Query over HTTP, one server at a time.
	r.Start = startIDs(n)
	samples := sampleIDs(n)
	var gqlBodies, gizmoBodies [][]byte
	for _, id := range r.Start {
		gqlBodies = append(gqlBodies, graphQLBody(twoHopGraphQL(id)))
		gizmoBodies = append(gizmoBodies, []byte(twoHopGizmo(id)))
	}
	want := map[string]multiset{} // Blurline's answers, to compare cayley's with

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://" + loopback(port)
	logf("[%d] blurline serve", n)
	r.LoadAvg["blurline serve"] = loadavg()
	srv, ready, err := startServer(ctx, "blurline serve", filepath.Join(logs, "blurline-serve.log"), base,
		func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/readyz") },
		10*time.Minute, bins.blurline, "serve", "--no-seed", "--data", dirB, "--addr", loopback(port))
	if err != nil {
		return nil, err
	}
	r.ServeReady[sysBlurline] = ready
	gql := &target{url: base + "/graphql", contentType: "application/json", bodies: gqlBodies, ok: graphQLOK}
	err = func() error {
		c := newClient(1)
		for _, id := range samples {
			t := &target{url: gql.url, contentType: gql.contentType, bodies: [][]byte{graphQLBody(twoHopGraphQL(id))}, ok: graphQLOK}
			b, err := t.do(ctx, c, 0)
			if err != nil {
				return fmt.Errorf("blurline 2-hop from %s: %w", id, err)
			}
			if want[id], err = graphQLEnds(b); err != nil {
				return fmt.Errorf("blurline 2-hop from %s: %w", id, err)
			}
			if len(want[id]) == 0 {
				return fmt.Errorf("blurline 2-hop from %s: no entity two hops away", id)
			}
		}
		return r.loadLevels(ctx, cfg, sysBlurline, gql)
	}()
	r.ServeUse[sysBlurline] = srv.stop()
	if err != nil {
		return nil, err
	}

	if port, err = freePort(); err != nil {
		return nil, err
	}
	base = "http://" + loopback(port)
	logf("[%d] cayley http", n)
	r.LoadAvg["cayley http"] = loadavg()
	srv, ready, err = startServer(ctx, "cayley http", filepath.Join(logs, "cayley-http.log"), base,
		func(ctx context.Context, c *http.Client, base string) bool { return get(ctx, c, base+"/") },
		10*time.Minute, bins.cayley, "http", "--db", "bolt", "--dbpath", dirC, "--host", loopback(port))
	if err != nil {
		return nil, err
	}
	r.ServeReady[sysCayley] = ready
	giz := &target{url: base + "/api/v2/query?lang=gizmo", contentType: "text/plain", bodies: gizmoBodies, ok: gizmoOK}
	err = func() error {
		c := newClient(1)
		for _, id := range samples {
			t := &target{url: giz.url, contentType: giz.contentType, bodies: [][]byte{[]byte(twoHopGizmo(id))}, ok: gizmoOK}
			b, err := t.do(ctx, c, 0)
			if err != nil {
				return fmt.Errorf("cayley 2-hop from %s: %w", id, err)
			}
			got, err := gizmoEnds(b)
			if err != nil {
				return fmt.Errorf("cayley 2-hop from %s: %w", id, err)
			}
			if got.String() != want[id].String() {
				return fmt.Errorf("the 2-hop answers from %s differ:\nblurline: %v\ncayley:   %v", id, want[id], got)
			}
			r.Samples++
			r.Routes += got.total()
		}
		logf("[%d] the 2-hop answers agree on %d start entities (%d routes)", n, r.Samples, r.Routes)
		return r.loadLevels(ctx, cfg, sysCayley, giz)
	}()
	r.ServeUse[sysCayley] = srv.stop()
	if err != nil {
		return nil, err
	}

	// In-process floors, paths and ranking.
	if err := inProcess(ctx, cfg, r, dirB, dirC, want); err != nil {
		return nil, err
	}
	return r, nil
}

// loadLevels runs the load generator at each client level.
func (r *sizeResult) loadLevels(ctx context.Context, cfg *config, sys string, t *target) error {
	for _, c := range cfg.Clients {
		lv, err := load(ctx, t, c, cfg.Requests, cfg.Duration)
		if err != nil {
			return fmt.Errorf("%s at %d clients: %w", sys, c, err)
		}
		logf("[%d] %s %2d clients: %6.0f req/s  p50 %s  p99 %s  (%d requests in %s)", r.Quads, sys, c, lv.RPS, ms(lv.P50), ms(lv.P99), lv.Requests, secs(lv.Elapsed))
		r.HTTP[sys] = append(r.HTTP[sys], lv)
	}
	return nil
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
