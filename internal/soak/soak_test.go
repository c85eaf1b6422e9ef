package soak

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/pgtest"
	"github.com/blurline/blurline/schema"
)

var soakFor = flag.Duration("soak", 0, "how long to hammer each backend (default 3s, 1s with -short)")

func soakDuration() time.Duration {
	switch {
	case *soakFor > 0:
		return *soakFor
	case testing.Short():
		return time.Second
	}
	return 3 * time.Second
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// backends opens a fresh store per backend: memory, bbolt, and postgres
// where PostgreSQL is installed (required under BLURLINE_REQUIRE_POSTGRES).
func backends(t *testing.T) []string {
	names := []string{"memory", "bbolt"}
	if _, err := pgtest.Shared(); err == nil {
		names = append(names, "postgres")
	} else if pgtest.Required() || !errors.Is(err, pgtest.ErrUnavailable) {
		t.Fatalf("PostgreSQL: %v", err)
	} else {
		t.Logf("no postgres backend: %v", err)
	}
	return names
}

func open(t *testing.T, backend string) *graph.Store {
	t.Helper()
	addr := "memory:"
	switch backend {
	case "bbolt":
		addr = "bbolt:" + t.TempDir()
	case "postgres":
		c, err := pgtest.Shared()
		if err != nil {
			t.Fatal(err)
		}
		if addr, err = c.NewDatabase("soak"); err != nil {
			t.Fatal(err)
		}
	}
	st, err := graph.Open(context.Background(), nil, addr)
	if err != nil {
		t.Fatalf("Open(%s): %v", backend, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := st.EnsureSeed(context.Background(), os.DirFS("../../seed")); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st
}

// TestSoak hammers one store per backend for soakDuration with GraphQL
// readers (schema.API in-process), direct store readers, the blur
// ranking (a shared, caching blur.Analyzer and uncached calls) and one
// writer that adds, retracts and tries invalid writes, checking after
// every write that the store holds exactly what was written (counts), no
// fact points at a missing entity, and every fact keeps its provenance
// (sources and confidence). Run it under -race.
func TestSoak(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			st := open(t, b)
			soak(t, st, soakDuration())
		})
	}
}

// counts is what the writer expects the store to hold.
type counts struct {
	quads, entities, facts int
}

type stats struct {
	gqlReads, storeReads, rankings, writes, retracts, refused, checks atomic.Int64
}

func soak(t *testing.T, st *graph.Store, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	api, err := schema.New(nil, st, schema.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	an := blur.New(st)
	var n stats
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { gqlReader(ctx, t, api, i, &n) })
	}
	wg.Go(func() { storeReader(ctx, t, st, &n) })
	for i := range 2 {
		wg.Go(func() { ranker(ctx, t, st, an, i, &n) })
	}
	wg.Go(func() { writer(ctx, t, st, &n) })
	wg.Wait()
	t.Logf("%v: %d GraphQL reads, %d store reads, %d rankings, %d writes, %d retractions, %d refused writes, %d invariant checks",
		d, n.gqlReads.Load(), n.storeReads.Load(), n.rankings.Load(), n.writes.Load(), n.retracts.Load(), n.refused.Load(), n.checks.Load())
	if n.writes.Load() == 0 || n.gqlReads.Load() == 0 || n.rankings.Load() == 0 {
		t.Errorf("a worker did nothing")
	}
	// A last check with everything quiet.
	final := context.Background()
	s, err := st.Stats(final)
	if err != nil {
		t.Fatal(err)
	}
	checkStore(final, t, st, counts{s.Quads, s.Entities, s.Facts})
}

// writer adds a contractor tasked by the MSS that conducts ransomware
// (an entity and two facts), retracts a fact it wrote every third round,
// and every fifth round sends a write that must be refused whole; after
// each it checks the store.
func writer(ctx context.Context, t *testing.T, st *graph.Store, n *stats) {
	rng := rand.New(rand.NewPCG(1, 2))
	bg := context.Background() // a write in flight is not cut by the end of the soak
	s, err := st.Stats(bg)
	if err != nil {
		t.Error(err)
		return
	}
	want := counts{s.Quads, s.Entities, s.Facts}
	var written []*blurline.Fact
	for i := 0; ctx.Err() == nil; i++ {
		version := st.Version()
		switch {
		case i%5 == 4:
			// Refused: the second fact's subject does not exist.
			id := fmt.Sprintf("soak-bad-%d", i)
			_, err := st.Write(bg, []blurline.Node{{ID: id, Class: "Contractor", Name: id}}, []blurline.Fact{
				{Subject: id, Predicate: "taskedBy", Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org/" + id}},
				{Subject: "soak-nobody", Predicate: "taskedBy", Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org/nobody"}},
			})
			if !errors.Is(err, blurline.ErrInvalid) {
				t.Errorf("write %d: an invalid write = %v, want ErrInvalid", i, err)
			}
			if v := st.Version(); v != version {
				t.Errorf("write %d: a refused write moved the version %d -> %d", i, version, v)
			}
			n.refused.Add(1)
		case i%3 == 2 && len(written) > 0:
			k := rng.IntN(len(written))
			f := written[k]
			written = append(written[:k], written[k+1:]...)
			got, err := st.Retract(bg, f.ID)
			if err != nil {
				t.Errorf("write %d: Retract(%s): %v", i, f.ID, err)
				continue
			}
			if !got.Equal(f) {
				t.Errorf("write %d: Retract returned %+v, want %+v", i, got, f)
			}
			qs, _, _ := graph.FactQuads(*f)
			want.facts--
			want.quads -= len(qs)
			n.retracts.Add(1)
		default:
			id := fmt.Sprintf("soak-%d", i)
			node := blurline.Node{ID: id, Class: "Contractor", Name: "Soak contractor " + id, Sources: []string{"https://example.org/" + id}}
			facts := []blurline.Fact{
				{Subject: id, Predicate: "taskedBy", Object: "mss", Confidence: 0.3 + 0.6*rng.Float64(),
					Sources: []string{"https://example.org/" + id + "/tasking"}, HasHealey: true, Healey: blurline.StateOrdered},
				{Subject: id, Predicate: "conducts", Object: "activity-ransomware", Confidence: 0.8,
					Sources: []string{"https://example.org/" + id + "/ransomware"}, AssertedBy: "us"},
			}
			stored, err := st.Write(bg, []blurline.Node{node}, facts)
			if err != nil {
				t.Errorf("write %d: %v", i, err)
				continue
			}
			nq, _ := graph.NodeQuads(node)
			want.entities++
			want.quads += len(nq)
			for _, f := range stored {
				qs, _, _ := graph.FactQuads(*f)
				want.facts++
				want.quads += len(qs)
				written = append(written, f)
			}
			n.writes.Add(1)
		}
		if v := st.Version(); i%5 != 4 && v != version+1 {
			t.Errorf("write %d: version %d -> %d, want +1", i, version, v)
		}
		checkStore(bg, t, st, want)
		n.checks.Add(1)
	}
}

// checkStore checks the invariants: the counts, no dangling statement,
// every fact with its provenance.
func checkStore(ctx context.Context, t *testing.T, st *graph.Store, want counts) {
	t.Helper()
	s, err := st.Stats(ctx)
	if err != nil {
		t.Errorf("Stats: %v", err)
		return
	}
	if s.Quads != want.quads || s.Entities != want.entities || s.Facts != want.facts {
		t.Errorf("store holds %d quads, %d entities, %d facts; want %d, %d, %d", s.Quads, s.Entities, s.Facts, want.quads, want.entities, want.facts)
	}
	if s.FactsWithProvenance != s.Facts {
		t.Errorf("%d facts, %d with a source and a confidence", s.Facts, s.FactsWithProvenance)
	}
	all, err := st.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Errorf("Facts: %v", err)
		return
	}
	if len(all) != s.Facts {
		t.Errorf("Facts lists %d, Stats counts %d", len(all), s.Facts)
	}
	checkFacts(ctx, t, st, "store", all)
}

// checkFacts checks that each fact has provenance and that its ends are entities.
func checkFacts(ctx context.Context, t *testing.T, st *graph.Store, where string, facts []*blurline.Fact) {
	t.Helper()
	var ids []string
	for _, f := range facts {
		if len(f.Sources) == 0 || f.Confidence < 0 || f.Confidence > 1 || math.IsNaN(f.Confidence) {
			t.Errorf("%s: fact %s without provenance: sources %v, confidence %v", where, f.ID, f.Sources, f.Confidence)
		}
		if f.Subject == "" || f.Object == "" && f.Value == nil {
			t.Errorf("%s: fact %s lacks an end: %+v", where, f.ID, f)
		}
		ids = append(ids, f.Subject)
		if f.Object != "" {
			ids = append(ids, f.Object)
		}
		if f.AssertedBy != "" {
			ids = append(ids, f.AssertedBy)
		}
	}
	nodes, err := st.Nodes(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			t.Errorf("%s: Nodes: %v", where, err)
		}
		return
	}
	for i, nd := range nodes {
		if nd == nil {
			t.Errorf("%s: a fact points at %q, which is not an entity (a dangling statement)", where, ids[i])
		}
	}
}

// gqlQueries are the readers' GraphQL queries, each with a check of its data.
var gqlQueries = []string{
	`{ neighbourhood(id: "mss", hops: 2, first: 300) { nodes { id } edges { id confidence sources subject { id } object { id } } } }`,
	`{ entity(id: "mss") { id relationships(first: 200) { totalCount edges { node { id confidence sources subject { id } object { id } } } } } }`,
	`{ stats { quads entities facts factsWithProvenance } }`,
	`{ paths(from: "prc", to: "activity-ransomware", maxHops: 4, first: 5) { length hops { statement { id confidence sources } } } }`,
	`{ entities(search: "soak", first: 50) { totalCount edges { node { id name kind } } } }`,
	`{ blurRanking(state: "prc", first: 10) { score actor { id } } }`,
}

func gqlReader(ctx context.Context, t *testing.T, api *schema.API, w int, n *stats) {
	sch := api.Schema()
	hasBlur := sch.QueryType().Fields()["blurRanking"] != nil
	for i := w; ctx.Err() == nil; i++ {
		q := gqlQueries[i%len(gqlQueries)]
		if !hasBlur && i%len(gqlQueries) == len(gqlQueries)-1 {
			continue
		}
		res := api.Do(ctx, schema.Request{Query: q})
		if ctx.Err() != nil {
			return // cut by the end of the soak
		}
		if len(res.Errors) > 0 {
			t.Errorf("%s: %v", q, res.Errors)
			continue
		}
		checkGQL(t, q, res.Data)
		n.gqlReads.Add(1)
	}
}

// checkGQL walks an answer: every statement has sources and a confidence
// and every subject and object an id; stats count every fact as sourced.
func checkGQL(t *testing.T, q string, data any) {
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if src, ok := v["sources"]; ok {
				if l, _ := src.([]any); len(l) == 0 && v["confidence"] != nil {
					t.Errorf("%s: a statement without sources: %v", q, v)
				}
			}
			for _, end := range []string{"subject", "object"} {
				if e, ok := v[end]; ok {
					if m, _ := e.(map[string]any); m == nil || m["id"] == nil {
						t.Errorf("%s: a statement without its %s: %v", q, end, v)
					}
				}
			}
			if f, ok := v["facts"]; ok && v["factsWithProvenance"] != nil && f != v["factsWithProvenance"] {
				t.Errorf("%s: %v facts, %v with provenance", q, f, v["factsWithProvenance"])
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(data)
}

func storeReader(ctx context.Context, t *testing.T, st *graph.Store, n *stats) {
	for i := 0; ctx.Err() == nil; i++ {
		var facts []*blurline.Fact
		var err error
		switch i % 3 {
		case 0:
			var sg blurline.Subgraph
			sg, err = st.Neighbourhood(ctx, "mss", 2, 500, blurline.FactFilter{})
			facts = sg.Facts
		case 1:
			var lists [][]*blurline.Fact
			lists, err = st.FactsOf(ctx, []string{"mss", "prc", "activity-ransomware"}, blurline.Both, blurline.FactFilter{})
			for _, l := range lists {
				facts = append(facts, l...)
			}
		case 2:
			var paths []blurline.Path
			paths, err = st.ShortestPaths(ctx, "prc", "activity-ransomware", blurline.PathOptions{MaxHops: 4, Limit: 10})
			for _, p := range paths {
				for _, h := range p.Hops {
					facts = append(facts, h.Fact)
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			t.Errorf("store read %d: %v", i, err)
			continue
		}
		checkFacts(ctx, t, st, fmt.Sprintf("store read %d", i), facts)
		n.storeReads.Add(1)
	}
}

// ranker ranks the PRC's actors with a shared, caching analyzer (and,
// every fourth time, without a cache): no error, scores in [0, 1], never
// computed on a store version older than the one before the call, and
// every hop of an explanation a sourced fact.
func ranker(ctx context.Context, t *testing.T, st *graph.Store, an *blur.Analyzer, w int, n *stats) {
	for i := w; ctx.Err() == nil; i++ {
		v0 := st.Version()
		var scores []blur.Score
		var err error
		if i%4 == 3 {
			scores, err = blur.Ranking(ctx, st, "prc", time.Time{}, 20)
		} else {
			scores, err = an.Ranking(ctx, "prc", time.Time{}, 20)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			t.Errorf("ranking %d: %v", i, err)
			continue
		}
		if len(scores) == 0 {
			t.Errorf("ranking %d: no actor tied to the PRC", i)
		}
		for _, s := range scores {
			if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 1 {
				t.Errorf("ranking %d: %s scores %v", i, s.Actor, s.Score)
			}
			if s.Version < v0 {
				t.Errorf("ranking %d: computed on version %d, older than %d (a stale cache)", i, s.Version, v0)
			}
			for _, h := range s.Path.Hops {
				if h.Fact == nil || len(h.Fact.Sources) == 0 {
					t.Errorf("ranking %d: %s's path has an unsourced hop", i, s.Actor)
				}
			}
		}
		n.rankings.Add(1)
	}
}
