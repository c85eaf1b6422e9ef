package blur

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// wholeGraph is the computation on the snapshot of every fact, as the
// Analyzer ran it for every state before it read only a state's part.
type wholeGraph struct {
	g *snapshot
	p *part
	a *Analyzer
}

func newWholeGraph(tb testing.TB, src Source, asOf time.Time) *wholeGraph {
	tb.Helper()
	g, err := load(context.Background(), src, src.Version(), asOf)
	if err != nil {
		tb.Fatal(err)
	}
	return &wholeGraph{g: g, a: New(src), p: &part{g: g, reaches: map[int32]*flight[*reach]{}, ranks: map[string]*flight[[]Score]{}}}
}

func (w *wholeGraph) ranking(tb testing.TB, state string) []Score {
	tb.Helper()
	r, err := w.a.rank(context.Background(), w.p, state)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func (w *wholeGraph) blur(tb testing.TB, actor, state string) *Score {
	tb.Helper()
	g := w.g
	x, ok := g.index[actor]
	if !ok { // no fact that holds touches the actor
		ns, err := w.a.src.Nodes(context.Background(), []string{actor})
		if err != nil {
			tb.Fatal(err)
		}
		s := finish(Score{Actor: actor, State: state, Nu: ns[0].NonStateCharacter(), AsOf: g.asOf, Version: g.version})
		return &s
	}
	r, err := w.a.reach(context.Background(), w.p, g.index[state])
	if err != nil {
		tb.Fatal(err)
	}
	s := g.score(r, x)
	if s.State == "" {
		s.State = state
	}
	return &s
}

// TestStatePartMatchesWholeGraph checks that a ranking and a score for
// one state, computed on the part of the graph the state reaches, are
// exactly those computed on the whole graph: every score, path, bottleneck
// and activity, bit for bit, on random graphs and on a generated one with
// cross-links between states, at several instants.
func TestStatePartMatchesWholeGraph(t *testing.T) {
	ctx := context.Background()
	type world struct {
		name   string
		nodes  []blurline.Node
		facts  []blurline.Fact
		states []string
		actors []string
		asOf   []time.Time
	}
	var worlds []world
	for seed := range uint64(60) {
		g := newRandomGraph(5000+seed, 12, 30)
		worlds = append(worlds, world{fmt.Sprint("random", seed), g.nodes, g.facts, g.states, append(g.others, g.acts...), g.instant})
	}
	gw := generate(3, 3, 2, 3)
	var actors []string
	for _, n := range gw.nodes {
		actors = append(actors, n.ID)
	}
	worlds = append(worlds, world{"generated", gw.nodes, gw.facts, gw.states, actors,
		[]time.Time{{}, blurline.AsOf(mustDate("2016-06-30")), blurline.AsOf(mustDate("2020-06-30"))}})
	ranked, scored := 0, 0
	for _, w := range worlds {
		store := newStore(t, w.nodes, w.facts)
		for _, asOf := range w.asOf {
			whole := newWholeGraph(t, store, asOf)
			a := New(store)
			for _, st := range w.states {
				want := whole.ranking(t, st)
				got, err := a.Ranking(ctx, st, asOf, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s, %s at %v: ranking on the state's part\n%v\nwant (whole graph)\n%v", w.name, st, asOf, got, want)
				}
				ranked += len(got)
				for _, x := range w.actors {
					want := whole.blur(t, x, st)
					got, err := a.Blur(ctx, x, st, asOf)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, Blur(%s, %s) at %v on the state's part\n%+v\nwant (whole graph)\n%+v", w.name, x, st, asOf, got, want)
					}
					if got.Kappa > 0 {
						scored++
					}
				}
			}
		}
	}
	if ranked < 100 || scored < 100 {
		t.Errorf("%d actors ranked, %d scores with kappa: too few to test anything", ranked, scored)
	}
	t.Logf("%d actors ranked, %d scores with kappa, all the same as on the whole graph", ranked, scored)
}
