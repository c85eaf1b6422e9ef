package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
)

func loadGenerated(tb testing.TB, s *Store, quads int) int {
	tb.Helper()
	var buf bytes.Buffer
	n, err := gen.Write(&buf, gen.Config{Quads: quads, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Load(context.Background(), Source{Name: "gen.nq", R: &buf}); err != nil {
		tb.Fatalf("load generated: %v", err)
	}
	return n
}

// TestConcurrentReadersAndWriter runs readers against a writer on each
// backend (cayley alone dies or deadlocks here) and checks the invariants
// after every write.
func TestConcurrentReadersAndWriter(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			loadGenerated(t, s, 5000)
			base, _ := s.Stats(ctx)
			stop := make(chan struct{})
			var reads atomic.Int64
			var wg sync.WaitGroup
			for r := 0; r < 4; r++ {
				wg.Add(1)
				go func(r int) {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						ids := []string{"s0-bureau0", "s1-b1-group1", "state0", "w-actor"}
						facts, err := s.FactsOf(ctx, ids, blurline.Both, blurline.FactFilter{})
						if err != nil {
							t.Error(err)
							return
						}
						for _, list := range facts {
							for _, f := range list {
								if len(f.Sources) == 0 {
									t.Errorf("fact %s without a source", f.ID)
								}
							}
						}
						if _, err := s.ShortestPaths(ctx, "s1-b1-c1-person0", "state0", blurline.PathOptions{MaxHops: 6}); err != nil {
							t.Error(err)
							return
						}
						if _, err := s.Stats(ctx); err != nil {
							t.Error(err)
						}
						reads.Add(1)
					}
				}(r)
			}
			const writes = 40
			for i := 0; i < writes; i++ {
				nodes := []blurline.Node{{ID: "w-actor", Class: blurline.CriminalGroup, Name: "Writer's actor"}}
				f := blurline.Fact{ID: fmt.Sprintf("w-%d", i), Subject: "w-actor", Predicate: blurline.TaskedBy, Object: "s0-bureau0",
					Confidence: 0.7, Sources: []string{"https://example.org/w"}, Healey: blurline.StateOrdered, HasHealey: true}
				if _, err := s.Write(ctx, nodes, []blurline.Fact{f}); err != nil {
					t.Fatalf("Write %d: %v", i, err)
				}
				if i%2 == 1 {
					if _, err := s.Retract(ctx, fmt.Sprintf("w-%d", i-1)); err != nil {
						t.Fatalf("Retract: %v", err)
					}
				}
				st, _ := s.Stats(ctx)
				wantFacts := base.Facts + i/2 + 1
				if st.Facts != wantFacts || st.FactsWithProvenance != st.Facts {
					t.Fatalf("after write %d: %d facts (%d with provenance), want %d", i, st.Facts, st.FactsWithProvenance, wantFacts)
				}
				checkNoDangling(t, s)
			}
			close(stop)
			wg.Wait()
			t.Logf("%d reads alongside %d writes", reads.Load(), writes)
		})
	}
}

// checkNoDangling checks that every fact's ends are known entities.
func checkNoDangling(tb testing.TB, s *Store) {
	tb.Helper()
	sn := s.cur.Load()
	sn.eachFactRecord(func(label string, rec func() *factRec) {
		f := rec()
		if f.fact == nil {
			tb.Errorf("fact %s has provenance but no relationship", label)
			return
		}
		for _, end := range []string{f.fact.Subject, f.fact.Object} {
			if end == "" {
				continue
			}
			if !sn.hasNode(blurline.EntityIRI(end)) {
				tb.Errorf("fact %s points at unknown entity %s", label, end)
			}
		}
	})
}

func TestShortestPaths(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	paths, err := s.ShortestPaths(ctx, "prc", "apt40", blurline.PathOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || len(paths[0].Hops) != 3 {
		t.Fatalf("paths = %+v, want one of 3 hops", paths)
	}
	want := []struct {
		from, to, fact string
		fwd            bool
	}{{"prc", "mss", "mss-part-of-prc", false}, {"mss", "hssd", "hssd-bureau-of-mss", false}, {"hssd", "apt40", "uk-apt40-hssd", false}}
	for i, h := range paths[0].Hops {
		if h.From != want[i].from || h.To != want[i].to || h.Fact.ID != want[i].fact || h.Forward != want[i].fwd {
			t.Errorf("hop %d = %s -%s-> %s (forward %v), want %+v", i, h.From, h.Fact.ID, h.To, h.Forward, want[i])
		}
	}
	if p, _ := s.ShortestPaths(ctx, "prc", "apt40", blurline.PathOptions{MaxHops: 2}); len(p) != 0 {
		t.Errorf("maxHops 2 found %v", p)
	}
	if p, _ := s.ShortestPaths(ctx, "prc", "apt40", blurline.PathOptions{FactFilter: blurline.FactFilter{MinConfidence: 0.9}}); len(p) != 0 {
		t.Errorf("minConfidence 0.9 found %v", p)
	}
	if _, err := s.ShortestPaths(ctx, "prc", "apt40", blurline.PathOptions{MaxHops: 99}); !errors.Is(err, blurline.ErrLimit) {
		t.Errorf("maxHops 99 err = %v, want ErrLimit", err)
	}
	if _, err := s.ShortestPaths(ctx, "prc", "nobody", blurline.PathOptions{}); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("unknown end err = %v, want ErrNotFound", err)
	}
	g, err := s.Neighbourhood(ctx, "hssd", 1, 0, blurline.FactFilter{})
	if err != nil || len(g.Nodes) != 3 || len(g.Facts) != 2 {
		t.Errorf("Neighbourhood(hssd, 1) = %d nodes, %d facts, %v; want 3, 2", len(g.Nodes), len(g.Facts), err)
	}
}

// TestShortestPathsCancel cancels a search on a large graph.
func TestShortestPathsCancel(t *testing.T) {
	s := mustOpen(t, "memory:")
	loadGenerated(t, s, 60000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.ShortestPaths(ctx, "s0-b0-c0-person0", "s80-b2-c1-person1", blurline.PathOptions{MaxHops: 8})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ShortestPaths with a cancelled context: err = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	paths, err := s.ShortestPaths(ctx, "s0-b0-c0-person0", "s1-b0-c0-person0", blurline.PathOptions{MaxHops: 8, Limit: 3})
	if err != nil || len(paths) == 0 {
		t.Errorf("uncancelled search = %d paths, %v", len(paths), err)
	}
}

func TestWriteValidates(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	before := export(t, s)
	_, err := s.Write(ctx, nil, []blurline.Fact{
		{Subject: "apt40", Predicate: blurline.TaskedBy, Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org"}},
		{Subject: "apt40", Predicate: blurline.TaskedBy, Object: "mss", Confidence: 0.5}, // no source
	})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Problems[0].File != "facts[1]" {
		t.Fatalf("Write err = %v, want a problem in facts[1]", err)
	}
	if export(t, s) != before {
		t.Errorf("a rejected Write changed the store")
	}
	f := blurline.Fact{Subject: "apt40", Predicate: blurline.TaskedBy, Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org"},
		ValidFrom: time.Date(2021, 7, 19, 0, 0, 0, 0, time.UTC), Healey: blurline.StateCoordinated, HasHealey: true}
	got, err := s.Write(ctx, nil, []blurline.Fact{f})
	if err != nil {
		t.Fatal(err)
	}
	f.ID = got[0].ID
	if !got[0].Equal(&f) {
		t.Errorf("Write returned %+v, want %+v", got[0], f)
	}
	again, err := s.Write(ctx, nil, []blurline.Fact{f})
	if err != nil || again[0].ID != got[0].ID {
		t.Errorf("writing the same fact twice = %v, %v", again, err)
	}
}
