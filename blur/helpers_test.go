package blur

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
)

// *graph.Store is a Source.
var _ Source = (*graph.Store)(nil)

// Test graphs are built as entity and fact lists and written to a real
// in-memory store.

func ent(id string, class blurline.Class) blurline.Node {
	return blurline.Node{ID: id, Class: class, Name: id}
}

func activity(id string, m float64) blurline.Node {
	n := ent(id, blurline.Activity)
	n.MotiveWeight = &m
	return n
}

func withNu(n blurline.Node, nu float64) blurline.Node {
	n.NonState = &nu
	return n
}

type factOpt func(*blurline.Fact)

func level(h blurline.Healey) factOpt {
	return func(f *blurline.Fact) { f.Healey, f.HasHealey = h, true }
}

func published(date string) factOpt {
	return func(f *blurline.Fact) { f.PublishedOn = mustDate(date) }
}

func fact(id, s string, p blurline.Predicate, o string, c float64, opts ...factOpt) blurline.Fact {
	f := blurline.Fact{ID: id, Subject: s, Predicate: p, Object: o, Confidence: c,
		Sources: []string{"https://example.org/" + id}}
	for _, opt := range opts {
		opt(&f)
	}
	return f
}

func mustDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func newStore(tb testing.TB, nodes []blurline.Node, facts []blurline.Fact) *graph.Store {
	tb.Helper()
	s, err := graph.Open(context.Background(), nil, "memory:")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Write(context.Background(), nodes, facts); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return s
}

func mustBlur(tb testing.TB, a *Analyzer, actor, state string, asOf time.Time) *Score {
	tb.Helper()
	s, err := a.Blur(context.Background(), actor, state, asOf)
	if err != nil {
		tb.Fatalf("Blur(%q, %q): %v", actor, state, err)
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

// route names the entities of a path, from the state to the actor.
func route(p blurline.Path) []string {
	if len(p.Hops) == 0 {
		return nil
	}
	out := []string{p.Hops[0].From}
	for _, h := range p.Hops {
		out = append(out, h.To)
	}
	return out
}

// pathFacts lists the fact ids of a path.
func pathFacts(p blurline.Path) []string {
	var out []string
	for _, h := range p.Hops {
		out = append(out, h.Fact.ID)
	}
	return out
}
