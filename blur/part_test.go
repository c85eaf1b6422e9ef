package blur

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// wholeGraph is the computation on the snapshot of every fact, as the
// Analyzer ran it before it read only each state's part: the reference
// the parts are checked against.
type wholeGraph struct {
	g       *snapshot
	src     Source
	reaches map[int32]*reach
}

// factSource is a Source that can also list every fact.
type factSource interface {
	Source
	Facts(ctx context.Context, q blurline.FactQuery) ([]*blurline.Fact, error)
}

func newWholeGraph(tb testing.TB, src factSource, asOf time.Time) *wholeGraph {
	tb.Helper()
	g, err := load(context.Background(), src, src.Version(), asOf)
	if err != nil {
		tb.Fatal(err)
	}
	return &wholeGraph{g: g, src: src, reaches: map[int32]*reach{}}
}

func (w *wholeGraph) reach(tb testing.TB, s int32) *reach {
	tb.Helper()
	if r, ok := w.reaches[s]; ok {
		return r
	}
	r, err := w.g.reachFrom(context.Background(), s)
	if err != nil {
		tb.Fatal(err)
	}
	w.reaches[s] = r
	return r
}

// pick returns the reach of the state that gives x its highest sigma.
func (w *wholeGraph) pick(tb testing.TB, x int32) *reach {
	var best *reach
	for _, s := range w.g.states {
		r := w.reach(tb, s)
		if r.bestRun[x] >= 0 && (best == nil || r.best[x] > best.best[x]*(1+1e-12)) {
			best = r
		}
	}
	return best
}

func (w *wholeGraph) ranking(tb testing.TB, state string) []Score {
	tb.Helper()
	g := w.g
	var out []Score
	for x := range int32(len(g.ids)) {
		if !g.isActor(x) {
			continue
		}
		if state != "" {
			if r := w.reach(tb, g.index[state]); r.bestRun[x] >= 0 {
				out = append(out, g.score(r, x))
			}
		} else if r := w.pick(tb, x); r != nil {
			out = append(out, g.score(r, x))
		}
	}
	slices.SortFunc(out, func(p, q Score) int {
		return cmp.Or(cmp.Compare(q.Score, p.Score), cmp.Compare(p.Actor, q.Actor))
	})
	return out
}

func (w *wholeGraph) blur(tb testing.TB, actor, state string) *Score {
	tb.Helper()
	g := w.g
	x, ok := g.index[actor]
	if !ok { // no fact that holds touches the actor
		ns, err := w.src.Nodes(context.Background(), []string{actor})
		if err != nil {
			tb.Fatal(err)
		}
		s := finish(Score{Actor: actor, State: state, Nu: ns[0].NonStateCharacter(), AsOf: g.asOf, Version: g.version, Clearance: g.max})
		return &s
	}
	var r *reach
	if state != "" {
		r = w.reach(tb, g.index[state])
	} else {
		r = w.pick(tb, x)
	}
	s := g.score(r, x)
	if s.State == "" {
		s.State = state
	}
	return &s
}

// load reads every fact holding at asOf and builds the snapshot of the
// whole graph.
func load(ctx context.Context, src factSource, version uint64, asOf time.Time) (*snapshot, error) {
	facts, err := src.Facts(ctx, blurline.FactQuery{FactFilter: blurline.FactFilter{Predicates: walkable(), AsOf: asOf}})
	if err != nil {
		return nil, err
	}
	states, err := src.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	note := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, s := range states {
		note(s.ID)
	}
	for _, f := range facts {
		note(f.Subject)
		note(f.Object)
	}
	slices.Sort(ids)
	nodes, err := src.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	g := &snapshot{
		version:  version,
		asOf:     asOf,
		max:      blurline.ClearanceFromContext(ctx),
		ids:      ids,
		index:    make(map[string]int32, len(ids)),
		nodes:    nodes,
		state:    make([]bool, len(ids)),
		conducts: map[int32][]*blurline.Fact{},
	}
	for i, id := range ids {
		g.index[id] = int32(i)
		if nodes[i] != nil && nodes[i].Class == blurline.State {
			g.state[i] = true
			g.states = append(g.states, int32(i))
		}
	}
	byID := func(a, b *blurline.Fact) int { return strings.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(facts, byID) { // the store sorts them; a Source need not
		facts = slices.SortedFunc(slices.Values(facts), byID)
	}
	var edges []edge
	var levels [10]bool
	for i, f := range facts {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if f.Object == "" || f.Subject == f.Object {
			continue
		}
		s, o := g.index[f.Subject], g.index[f.Object]
		if f.Predicate == blurline.Conducts {
			g.conducts[s] = append(g.conducts[s], f)
			continue
		}
		level, cost, ok := weigh(f)
		if !ok {
			continue
		}
		if level >= 1 {
			levels[level] = true
		}
		switch StepOf(f.Predicate) {
		case ObjectToSubject:
			edges = append(edges, edge{o, s, level, cost, f, false})
		case SubjectToObject:
			edges = append(edges, edge{s, o, level, cost, f, true})
		case BothWays:
			edges = append(edges, edge{o, s, level, cost, f, false}, edge{s, o, level, cost, f, true})
		}
	}
	g.setLevels(levels)
	// Counting sort into rows; stable, so each row stays in fact-id order.
	g.start = make([]int32, len(ids)+1)
	for _, e := range edges {
		g.start[e.from+1]++
	}
	for i := range ids {
		g.start[i+1] += g.start[i]
	}
	g.edges = make([]edge, len(edges))
	next := slices.Clone(g.start[:len(ids)])
	for _, e := range edges {
		g.edges[next[e.from]] = e
		next[e.from]++
	}
	return g, ctx.Err()
}

// TestStatePartMatchesWholeGraph checks that rankings and scores for one
// state, computed on the part of the graph the state reaches, and for
// every state, computed on every state's part, are exactly those computed
// on the whole graph: every score, path, bottleneck and activity, bit for
// bit, on random graphs and on a generated one with cross-links between
// states, at several instants.
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
		actors := append(append(slices.Clone(g.others), g.acts...), g.states...)
		worlds = append(worlds, world{fmt.Sprint("random", seed), g.nodes, g.facts, g.states, actors, g.instant})
	}
	// Two states tied to one group by the same evidence: the first by id
	// wins.
	twin := []blurline.Node{ent("a-state", blurline.State), ent("b-state", blurline.State),
		ent("a-svc", blurline.IntelligenceService), ent("b-svc", blurline.IntelligenceService),
		withNu(ent("crew", blurline.CriminalGroup), 1), activity("theft", 1)}
	twinFacts := []blurline.Fact{
		fact("t1", "a-svc", blurline.PartOf, "a-state", 0.9), fact("t2", "b-svc", blurline.PartOf, "b-state", 0.9),
		fact("t3", "crew", blurline.TaskedBy, "b-svc", 0.8, level(blurline.StateOrdered)),
		fact("t4", "crew", blurline.TaskedBy, "a-svc", 0.8, level(blurline.StateOrdered)),
		fact("t5", "crew", blurline.Conducts, "theft", 0.7)}
	worlds = append(worlds, world{"twin", twin, twinFacts, []string{"a-state", "b-state"}, []string{"crew", "a-svc", "b-svc", "theft"}, []time.Time{{}}})
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
			for _, st := range append([]string{""}, w.states...) {
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
