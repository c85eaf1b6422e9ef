package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/schema"
	cgraph "github.com/cayleygraph/cayley/graph"
	_ "github.com/cayleygraph/cayley/graph/kv/bbolt" // Blurline's on-disk store
	_ "github.com/cayleygraph/cayley/graph/kv/bolt"  // cayley load's store
	"github.com/cayleygraph/cayley/query/path"
	"github.com/cayleygraph/quad"
)

// Keys of the in-process rows.
const (
	keyCayleyBbolt = "cayley-path-bbolt"
	keyCayleyBolt  = "cayley-path-bolt"
	keyStore       = "blurline-store"
	keyGraphQL     = "blurline-graphql"
	keyPath6       = "path6"
	keyRankCold    = "ranking-cold"
	keyRankWarm    = "ranking-cached"
	keyRankAll     = "ranking-all-states"
)

// rankingInfo describes the ranking measured.
type rankingInfo struct {
	State  string
	Actors int
	AllN   int // actors ranked over every state
}

// measure times op and adds a row, writing a CPU profile when asked.
func (r *sizeResult) measure(ctx context.Context, cfg *config, key, name string, n int, d time.Duration, op func(i int) error) error {
	if cfg.Profile != "" {
		f, err := os.Create(filepath.Join(cfg.Profile, fmt.Sprintf("%d-%s.pprof", r.Quads, key)))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	l, err := timeOp(ctx, n, d, op)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	x := row{Key: key, Name: name, N: len(l), P50: l.quantile(0.5), P99: l.quantile(0.99)}
	r.InProc = append(r.InProc, x)
	logf("[%d] in-process %-40s p50 %s  p99 %s  (%d runs)", r.Quads, name, ms(x.P50), ms(x.P99), x.N)
	return nil
}

// cayleyTwoHop is the raw 2-hop on a cayley store: cayley's path package,
// the same walk as the Gizmo query.
func cayleyTwoHop(ctx context.Context, qs cgraph.QuadStore, preds []any, id string) (multiset, error) {
	m := multiset{}
	p := path.StartPath(qs, quad.IRI(blurline.EntityIRI(id))).Both(preds...).Both(preds...)
	err := p.Iterate(ctx).EachValue(qs, func(v quad.Value) error {
		iri, ok := v.(quad.IRI)
		if !ok {
			return fmt.Errorf("a 2-hop end is not an IRI: %v", v)
		}
		m[blurline.EntityID(string(iri))]++
		return nil
	})
	if err == nil {
		err = ctx.Err()
	}
	return m, err
}

// inProcess measures the floors, the 6-hop path and the ranking.
func inProcess(ctx context.Context, cfg *config, r *sizeResult, dirB, dirC string, want map[string]multiset) error {
	var preds []any
	for _, p := range relPredicates() {
		preds = append(preds, quad.IRI(p))
	}
	// cayley's path package straight on the stores, no server, no query language.
	for _, s := range []struct{ key, backend, dir, name string }{
		{keyCayleyBbolt, "bbolt", dirB, "cayley path 2-hop, bbolt (Blurline's data)"},
		{keyCayleyBolt, "bolt", dirC, "cayley path 2-hop, bolt (cayley load's data)"},
	} {
		qs, err := cgraph.NewQuadStore(s.backend, s.dir, nil)
		if err != nil {
			return fmt.Errorf("open %s store in-process: %w", s.backend, err)
		}
		for _, id := range r.Start {
			got, err := cayleyTwoHop(ctx, qs, preds, id)
			if err == nil && got.String() != want[id].String() {
				err = fmt.Errorf("2-hop from %s: cayley path %v, Blurline %v", id, got, want[id])
			}
			if err != nil {
				qs.Close()
				return err
			}
		}
		err = r.measure(ctx, cfg, s.key, s.name, cfg.InProc, cfg.InProcT, func(i int) error {
			_, err := cayleyTwoHop(ctx, qs, preds, r.Start[i%len(r.Start)])
			return err
		})
		qs.Close()
		if err != nil {
			return err
		}
	}

	// Blurline in-process: the store's read model and the GraphQL API over
	// it. First an open without the snapshot file (a rebuild from cayley's
	// data; Close writes the file), then one that reads the file.
	snapFile := filepath.Join(dirB, "readmodel.snap")
	os.Remove(snapFile)
	runtime.GC()
	t0, c0 := time.Now(), selfCPU()
	st, err := graph.Open(ctx, nil, "bbolt:"+dirB)
	if err != nil {
		return err
	}
	r.RebuildTime, r.RebuildCPU = time.Since(t0), selfCPU()-c0
	if err := st.Close(); err != nil {
		return err
	}
	_, err = os.Stat(snapFile)
	r.OpenFile = err == nil
	runtime.GC()
	t0, c0 = time.Now(), selfCPU()
	st, err = graph.Open(ctx, nil, "bbolt:"+dirB)
	if err != nil {
		return err
	}
	defer st.Close()
	r.OpenTime, r.OpenCPU = time.Since(t0), selfCPU()-c0
	logf("[%d] graph.Open of the loaded store: %s (CPU %s) with the snapshot file (file there: %v), %s (CPU %s) rebuilding",
		r.Quads, secs(r.OpenTime), secs(r.OpenCPU), r.OpenFile, secs(r.RebuildTime), secs(r.RebuildCPU))
	err = r.measure(ctx, cfg, keyStore, "Blurline store 2-hop (FactsOf twice)", cfg.InProc, cfg.InProcT, func(i int) error {
		return storeTwoHop(ctx, st, r.Start[i%len(r.Start)])
	})
	if err != nil {
		return err
	}
	api, err := schema.New(nil, st, schema.Limits{})
	if err != nil {
		return err
	}
	queries := make([]string, len(r.Start))
	r.answers = map[string]string{}
	for i, id := range r.Start {
		queries[i] = twoHopGraphQL(id)
		b, err := json.Marshal(api.Do(ctx, schema.Request{Query: queries[i]}))
		if err != nil {
			return err
		}
		r.answers[id] = string(b)
	}
	gc0, cpu0 := gcCPU()
	err = r.measure(ctx, cfg, keyGraphQL, "Blurline GraphQL 2-hop (schema.API.Do)", cfg.InProc, cfg.InProcT, func(i int) error {
		res := api.Do(ctx, schema.Request{Query: queries[i%len(queries)]})
		if len(res.Errors) > 0 {
			return fmt.Errorf("GraphQL errors: %v", res.Errors)
		}
		return nil
	})
	if err != nil {
		return err
	}
	gc1, cpu1 := gcCPU()
	if cpu1 > cpu0 {
		r.GCShare = (gc1 - gc0) / (cpu1 - cpu0)
	}
	logf("[%d] GC share of the GraphQL 2-hop's CPU time: %.1f%%", r.Quads, 100*r.GCShare)

	// A 6-hop shortest path between two far entities.
	if err := r.shortestPath(ctx, cfg, st); err != nil {
		return err
	}
	return r.ranking(ctx, cfg, st)
}

// selfCPU returns this process's CPU time (user and system) so far: beside
// a wall time, what a step cost whatever else the machine was running.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gcCPU returns the process's CPU seconds spent in the garbage collector
// and in all, as the runtime estimates them (runtime/metrics).
func gcCPU() (gc, total float64) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0, 0
	}
	return s[0].Value.Float64(), s[1].Value.Float64()
}

// states counts the generated states.
func states(ctx context.Context, st *graph.Store) (int, error) {
	ns, err := st.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
	return len(ns), err
}

// shortestPath picks, from the service of the last state, the first service
// of another state (in order) that is exactly 6 hops away, and times
// Store.ShortestPaths between them with MaxHops 6.
func (r *sizeResult) shortestPath(ctx context.Context, cfg *config, st *graph.Store) error {
	n, err := states(ctx, st)
	if err != nil {
		return err
	}
	from := fmt.Sprintf("s%d-svc", n-1)
	opts := blurline.PathOptions{MaxHops: 6}
	best, bestHops := "", 0
	for k := 0; k < n-1 && k < 64; k++ {
		to := fmt.Sprintf("s%d-svc", k)
		ps, err := st.ShortestPaths(ctx, from, to, opts)
		if err != nil {
			return err
		}
		if len(ps) > 0 && len(ps[0].Hops) > bestHops {
			best, bestHops = to, len(ps[0].Hops)
			if bestHops == 6 {
				break
			}
		}
	}
	if best == "" {
		return errors.New("no pair of services within 6 hops")
	}
	ps, _ := st.ShortestPaths(ctx, from, best, opts)
	r.PathFrom, r.PathTo, r.PathHops, r.Paths = from, best, bestHops, len(ps)
	name := fmt.Sprintf("shortest path, %d hops (MaxHops 6)", bestHops)
	return r.measure(ctx, cfg, keyPath6, name, cfg.InProc, cfg.InProcT, func(int) error {
		ps, err := st.ShortestPaths(ctx, from, best, opts)
		if err == nil && len(ps) == 0 {
			err = errors.New("no path")
		}
		return err
	})
}

// ranking times blur.Ranking of every actor of one state: cold (a new
// Analyzer each time, as after a write) and cached, and once over every state.
func (r *sizeResult) ranking(ctx context.Context, cfg *config, st *graph.Store) error {
	n, err := states(ctx, st)
	if err != nil {
		return err
	}
	state := fmt.Sprintf("state%d", n/2)
	scores, err := blur.Ranking(ctx, st, state, time.Time{}, 0)
	if err != nil {
		return err
	}
	r.Ranking = rankingInfo{State: state, Actors: len(scores)}
	err = r.measure(ctx, cfg, keyRankCold, fmt.Sprintf("blur ranking of %s, uncached", state), cfg.InProc, cfg.InProcT, func(int) error {
		_, err := blur.Ranking(ctx, st, state, time.Time{}, 0)
		return err
	})
	if err != nil {
		return err
	}
	a := blur.New(st)
	err = r.measure(ctx, cfg, keyRankWarm, fmt.Sprintf("blur ranking of %s, cached Analyzer", state), cfg.InProc, cfg.InProcT, func(int) error {
		_, err := a.Ranking(ctx, state, time.Time{}, 0)
		return err
	})
	if err != nil {
		return err
	}
	// Every state at once: one run, bounded in time.
	actx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	all, err := blur.Ranking(actx, st, "", time.Time{}, 0)
	d := time.Since(t0)
	x := row{Key: keyRankAll, Name: "blur ranking over every state, uncached", N: 1, P50: d, P99: d}
	switch {
	case err == nil:
		r.Ranking.AllN = len(all)
	case ctx.Err() == nil && actx.Err() != nil:
		x.Note = "did not finish in 2 min"
	default:
		return err
	}
	r.InProc = append(r.InProc, x)
	logf("[%d] in-process %-40s %s %s", r.Quads, x.Name, secs(d), x.Note)
	return nil
}
