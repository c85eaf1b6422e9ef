package blur

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/gen"
)

// world is a deterministic generated graph shaped like the seed, repeated:
// states with services and regional bureaus, and under each bureau front
// companies, contractors, threat groups and people, with their conduct,
// their targets and tools (facts the model must skip), and cross-links
// between bureaus and between states.
type world struct {
	nodes  []blurline.Node
	facts  []blurline.Fact
	states []string
}

func generate(seed uint64, states, services, bureaus int) *world {
	r := rand.New(rand.NewPCG(seed, 42))
	w := &world{}
	node := func(id string, class blurline.Class) string {
		n := blurline.Node{ID: id, Class: class, Name: "Name of " + id, Aliases: []string{"alias-" + id},
			Description: "Generated " + string(class) + " " + id + ".", Sources: []string{"https://example.org/e/" + id}}
		w.nodes = append(w.nodes, n)
		return id
	}
	n := 0
	add := func(s string, p blurline.Predicate, o string, opts ...factOpt) {
		n++
		f := fact(fmt.Sprintf("g%06d", n), s, p, o, []float64{0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99}[r.IntN(8)], opts...)
		f.Sources = append(f.Sources, fmt.Sprintf("https://example.org/report/%d", r.IntN(500)))
		f.PublishedOn = time.Date(2010+r.IntN(15), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		f.AssertedBy = w.states[r.IntN(len(w.states))]
		f.Quote = "Generated statement " + f.ID
		w.facts = append(w.facts, f)
	}
	lvl := func(lo int) factOpt { return level(blurline.Healey(lo + r.IntN(10-lo))) }
	var acts, sectors, malware []string
	for i, m := range []float64{0, 0, 0.5, 1, 1, 1} {
		a := activity(fmt.Sprintf("act%d", i), m)
		w.nodes = append(w.nodes, a)
		acts = append(acts, a.ID)
	}
	for i := range 40 {
		sectors = append(sectors, node(fmt.Sprintf("sector%d", i), blurline.Sector))
		malware = append(malware, node(fmt.Sprintf("malware%d", i), blurline.Malware))
	}
	for s := range states {
		w.states = append(w.states, node(fmt.Sprintf("s%d", s), blurline.State))
	}
	var allBureaus, allGroups []string
	for s, st := range w.states {
		for v := range services {
			svc := node(fmt.Sprintf("s%d-svc%d", s, v), blurline.IntelligenceService)
			add(svc, blurline.PartOf, st)
			for b := range bureaus {
				bu := node(fmt.Sprintf("s%d-svc%d-b%d", s, v, b), blurline.RegionalBureau)
				allBureaus = append(allBureaus, bu)
				add(bu, blurline.RegionalBureauOf, svc)
				front := node(bu+"-front", blurline.FrontCompany)
				add(front, blurline.FrontCompanyOf, bu)
				var contractors, groups []string
				for c := range 2 {
					ct := node(fmt.Sprintf("%s-contractor%d", bu, c), blurline.Contractor)
					contractors = append(contractors, ct)
					add(ct, blurline.TaskedBy, bu, lvl(3))
				}
				for g := range 2 {
					gr := node(fmt.Sprintf("%s-group%d", bu, g), blurline.ThreatGroup)
					groups = append(groups, gr)
					allGroups = append(allGroups, gr)
					if r.IntN(2) == 0 {
						add(gr, blurline.SponsoredBy, bu, lvl(2))
					} else {
						add(gr, blurline.AttributedTo, contractors[r.IntN(2)])
					}
					add(gr, blurline.AffiliatedWith, front)
				}
				for p := range 3 {
					pe := node(fmt.Sprintf("%s-person%d", bu, p), blurline.Person)
					add(contractors[p%2], blurline.Employs, pe)
					add(pe, blurline.MemberOf, groups[p%2])
					if p == 0 {
						add(pe, blurline.OfficerOf, front)
					}
				}
				for _, x := range append(contractors, groups...) {
					for range 1 + r.IntN(2) {
						add(x, blurline.Conducts, acts[r.IntN(len(acts))])
					}
				}
				// Facts the model reads past: behaviour and geography.
				for _, g := range groups {
					for range 6 {
						add(g, blurline.Targeted, sectors[r.IntN(len(sectors))])
						add(g, blurline.Uses, malware[r.IntN(len(malware))])
					}
					add(g, blurline.LocatedAt, st)
				}
			}
		}
	}
	// Cross-links: groups loosely tied to other bureaus, in any state.
	for range len(allGroups) / 3 {
		add(allGroups[r.IntN(len(allGroups))], blurline.SponsoredBy, allBureaus[r.IntN(len(allBureaus))], lvl(1))
	}
	return w
}

// benchStore loads the full generated world (over 100k quads) into a
// memory store.
func benchStore(tb testing.TB) (*graph.Store, *world) {
	tb.Helper()
	w := generate(1, 6, 4, 11)
	return newStore(tb, w.nodes, w.facts), w
}

// BenchmarkRanking ranks the actors of one state, and of all states, on a
// generated graph of over 100k quads, with and without the cache.
//
//	go test -run='^$' -bench=Ranking -benchmem ./blur
func BenchmarkRanking(b *testing.B) {
	store, w := benchStore(b)
	ctx := context.Background()
	st, err := store.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if st.Quads < 100_000 {
		b.Fatalf("generated %d quads, want at least 100k", st.Quads)
	}
	all, err := New(store).Ranking(ctx, "", time.Time{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	one, err := New(store).Ranking(ctx, w.states[0], time.Time{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d quads, %d entities, %d facts; %d actors ranked over all states, %d for %s",
		st.Quads, st.Entities, st.Facts, len(all), len(one), w.states[0])
	asOf := blurline.AsOf(mustDate("2020-06-30"))
	for _, bc := range []struct {
		name  string
		state string
		asOf  time.Time
		fresh bool
	}{
		{"state/uncached", w.states[0], time.Time{}, true},
		{"state/uncached-whole-graph", w.states[0], time.Time{}, true},
		{"state/cached", w.states[0], time.Time{}, false},
		{"all-states/uncached", "", time.Time{}, true},
		{"all-states/uncached-whole-graph", "", time.Time{}, true},
		{"all-states/cached", "", time.Time{}, false},
		{"state-asOf/uncached", w.states[0], asOf, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := New(store)
			if _, err := a.Ranking(ctx, bc.state, bc.asOf, 50); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			if strings.HasSuffix(b.Name(), "whole-graph") {
				// As before the state's part: read every fact, then rank.
				for b.Loop() {
					rankWhole(b, store, bc.state, bc.asOf)
				}
				return
			}
			for b.Loop() {
				if bc.fresh {
					a = New(store)
				}
				if _, err := a.Ranking(ctx, bc.state, bc.asOf, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rankWhole ranks the actors of state on a snapshot of the whole graph,
// as an uncached ranking did before it read only the state's part.
func rankWhole(tb testing.TB, src factSource, state string, asOf time.Time) []Score {
	tb.Helper()
	return newWholeGraph(tb, src, asOf).ranking(tb, state)
}

// BenchmarkRankingGenerated ranks the actors of one state of a graph made
// by internal/gen (the bench program's data), uncached: on the state's
// part of the graph, and on the whole graph as before; and then the
// actors of every state. BENCH_QUADS sets
// the size (default 100k):
//
//	BENCH_QUADS=1000000 go test -run='^$' -bench=RankingGenerated -benchtime=10x ./blur
func BenchmarkRankingGenerated(b *testing.B) {
	quads := gen.BenchQuads(b, 100_000)
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: quads, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	store, err := graph.Open(context.Background(), nil, "memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.Load(ctx, graph.Source{Name: "gen.nq", R: &buf}); err != nil {
		b.Fatal(err)
	}
	states, err := store.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
	if err != nil {
		b.Fatal(err)
	}
	state := fmt.Sprintf("state%d", len(states)/2) // as the bench program picks it
	got, err := Ranking(ctx, store, state, time.Time{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	if want := rankWhole(b, store, state, time.Time{}); !reflect.DeepEqual(got, want) || len(got) == 0 {
		b.Fatalf("ranking of %s: %d actors on its part, %d on the whole graph, or they differ", state, len(got), len(want))
	}
	b.Logf("%d states; %d actors tied to %s", len(states), len(got), state)
	b.Run("part", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Ranking(ctx, store, state, time.Time{}, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole-graph", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rankWhole(b, store, state, time.Time{})
		}
	})
	b.Run("all-states", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Ranking(ctx, store, "", time.Time{}, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBlur scores one actor against every state, warm.
func BenchmarkBlur(b *testing.B) {
	store, w := benchStore(b)
	ctx := context.Background()
	a := New(store)
	actor := w.states[0] + "-svc0-b0-group0"
	if _, err := a.Blur(ctx, actor, "", time.Time{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Blur(ctx, actor, "", time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGeneratedWorld checks the generator on a small world: every actor
// ranked is explained from the state to itself, in score order. (The
// benchmark checks the size of the full world.)
func TestGeneratedWorld(t *testing.T) {
	w := generate(1, 2, 2, 4)
	store := newStore(t, w.nodes, w.facts)
	ctx := context.Background()
	r, err := New(store).Ranking(ctx, w.states[1], time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) < 20 {
		t.Errorf("Ranking(%s) has %d actors, want dozens", w.states[1], len(r))
	}
	for i, s := range r {
		if len(s.Path.Hops) == 0 || s.Bottleneck == nil || s.Path.Hops[0].From != w.states[1] || s.Path.Hops[len(s.Path.Hops)-1].To != s.Actor {
			t.Fatalf("ranking[%d] = %s: path %v, bottleneck %v", i, s.Actor, route(s.Path), s.Bottleneck)
		}
		if i > 0 && s.Score > r[i-1].Score {
			t.Fatalf("ranking[%d] %s scores %v above ranking[%d] %v", i, s.Actor, s.Score, i-1, r[i-1].Score)
		}
	}
}
