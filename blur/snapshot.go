package blur

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// snapshot is the graph the model walks: every path and conduct fact that
// holds at one instant, read once from the source and frozen. Entities are
// numbered in id order, so that every tie is broken by id.
type snapshot struct {
	version uint64
	asOf    time.Time

	ids   []string
	index map[string]int32
	nodes []*blurline.Node // nil for an id the source does not know
	state []bool           // class State

	// Evidence edges in compressed rows: the edges leaving node v are
	// edges[start[v]:start[v+1]], in fact-id order.
	start []int32
	edges []edge
	// levels are the distinct Healey levels >= 1 of the control edges,
	// highest first: the thresholds worth a Dijkstra run.
	levels []blurline.Healey

	conducts map[int32][]*blurline.Fact // actor -> its conducts facts
	states   []int32                    // every State, in id order
}

// edge is one way of walking one fact.
type edge struct {
	from, to int32
	level    int8 // Healey level of a control fact, -1 for any other
	cost     float64
	fact     *blurline.Fact
	forward  bool // from is the fact's subject
}

// walkable lists the predicates read for the model.
func walkable() []blurline.Predicate {
	ps := []blurline.Predicate{blurline.Conducts}
	for p := range steps {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// load reads the facts holding at asOf and builds the snapshot.
func load(ctx context.Context, src Source, version uint64, asOf time.Time) (*snapshot, error) {
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
		if f.Confidence <= 0 {
			continue // no evidence at all: an infinite cost
		}
		level := int8(-1)
		if IsControl(f.Predicate) {
			if !f.HasHealey || f.Healey < blurline.StateProhibitedButInadequate || f.Healey > blurline.StateIntegrated {
				// An unknown degree of control is not guessed; level 0
				// (state-prohibited) weighs 0 and can never help.
				continue
			}
			level = int8(f.Healey)
			levels[f.Healey] = true
		}
		cost := -math.Log(min(f.Confidence, 1) * Lambda)
		switch StepOf(f.Predicate) {
		case ObjectToSubject:
			edges = append(edges, edge{o, s, level, cost, f, false})
		case SubjectToObject:
			edges = append(edges, edge{s, o, level, cost, f, true})
		case BothWays:
			edges = append(edges, edge{o, s, level, cost, f, false}, edge{s, o, level, cost, f, true})
		}
	}
	for l := len(levels) - 1; l >= 1; l-- {
		if levels[l] {
			g.levels = append(g.levels, blurline.Healey(l))
		}
	}
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

func (g *snapshot) out(v int32) []edge { return g.edges[g.start[v]:g.start[v+1]] }

func (g *snapshot) node(v int32) *blurline.Node { return g.nodes[v] }

// isActor reports whether v's class may be the actor of a ranked score.
func (g *snapshot) isActor(v int32) bool {
	n := g.nodes[v]
	if n == nil {
		return false
	}
	ci, ok := blurline.LookupClass(n.Class)
	return ok && ci.Actor
}
