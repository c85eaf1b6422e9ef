package blur

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/blurline/blurline"
)

// snapshot is the graph the model walks: every path and conduct fact that
// holds at one instant, read once from the source and frozen. Entities are
// numbered in id order, so that every tie is broken by id.
type snapshot struct {
	version uint64
	asOf    time.Time
	ev      blurline.Evidence // the sources' conditions the snapshot was read with
	max     blurline.Marking  // the reader's clearance, which the source applied

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

// setLevels lists the levels present, highest first.
func (g *snapshot) setLevels(present [10]bool) {
	for l := len(present) - 1; l >= 1; l-- {
		if present[l] {
			g.levels = append(g.levels, blurline.Healey(l))
		}
	}
}

// weigh returns how a path or control fact is walked: its Healey level (-1
// for a fact that is not control) and its cost, or false when it can never
// be walked.
func weigh(f *blurline.Fact) (level int8, cost float64, ok bool) {
	if f.Confidence <= 0 {
		return 0, 0, false // no evidence at all: an infinite cost
	}
	level = -1
	if IsControl(f.Predicate) {
		if !f.HasHealey || f.Healey < blurline.StateProhibitedButInadequate || f.Healey > blurline.StateIntegrated {
			// An unknown degree of control is not guessed; level 0
			// (state-prohibited) weighs 0 and can never help.
			return 0, 0, false
		}
		level = int8(f.Healey)
	}
	return level, -math.Log(min(f.Confidence, 1) * Lambda), true
}

// walkFrom returns the entity a path at u reaches over f, if f may be
// walked from u (f is not a loop and its object is an entity).
func walkFrom(f *blurline.Fact, u string) (string, bool) {
	switch step := StepOf(f.Predicate); {
	case f.Subject == u && (step == SubjectToObject || step == BothWays):
		return f.Object, true
	case f.Object == u && (step == ObjectToSubject || step == BothWays):
		return f.Subject, true
	}
	return "", false
}

// loadState builds the snapshot of what one state's evidence paths can
// reach at asOf, instead of the whole graph: breadth first from the
// state, a FactsOf call per layer, along the facts the model walks, never
// into another state (paths do not go through one). It holds the entities
// reached, the edges leaving them, their conducts facts and those facts'
// activities.
//
// Every result on it is the result on the whole graph: the Dijkstras from
// the state only ever visit these entities and walk these edges; entities
// keep their relative order (by id) and each row its fact-id order, so
// every tie breaks the same way; and a Healey level that only occurs
// outside is a threshold whose run ties with (and so loses to) the run at
// the next level present, or finds nothing.
func loadState(ctx context.Context, src Source, version uint64, asOf time.Time, ev blurline.Evidence, state string) (*snapshot, error) {
	found, err := src.Nodes(ctx, []string{state})
	if err != nil {
		return nil, err
	}
	switch n := found[0]; {
	case n == nil:
		return nil, blurline.Errorf(blurline.ErrNotFound, "no state %q", state)
	case n.Class != blurline.State:
		return nil, blurline.Errorf(blurline.ErrInvalid, "%q is a %s, not a State", state, n.Class)
	}
	filter := blurline.FactFilter{Predicates: walkable(), AsOf: asOf, Evidence: ev}
	nodes := map[string]*blurline.Node{state: found[0]}
	rows := map[string][]*blurline.Fact{} // the facts of each entity walked from, by id
	stop := map[string]bool{}             // other states, never walked into
	frontier := []string{state}
	for len(frontier) > 0 {
		lists, err := src.FactsOf(ctx, frontier, blurline.Both, filter)
		if err != nil {
			return nil, err
		}
		var next []string
		for i, u := range frontier {
			rows[u] = lists[i]
			for _, f := range lists[i] {
				if _, _, ok := weigh(f); !ok || f.Object == "" || f.Subject == f.Object {
					continue
				}
				if v, ok := walkFrom(f, u); ok {
					if _, seen := nodes[v]; !seen {
						nodes[v] = nil
						next = append(next, v)
					}
				}
			}
		}
		found, err := src.Nodes(ctx, next)
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for i, v := range next {
			nodes[v] = found[i]
			if found[i] != nil && found[i].Class == blurline.State {
				stop[v] = true
				continue
			}
			frontier = append(frontier, v)
		}
	}
	// The activities of the conducts facts, for kappa.
	ids := make([]string, 0, len(rows))
	for u := range rows {
		ids = append(ids, u)
	}
	var acts []string
	for _, u := range ids {
		for _, f := range rows[u] {
			if f.Predicate == blurline.Conducts && f.Subject == u && f.Object != "" && f.Object != u {
				if _, ok := rows[f.Object]; !ok && !slices.Contains(acts, f.Object) {
					acts = append(acts, f.Object)
				}
			}
		}
	}
	found, err = src.Nodes(ctx, acts)
	if err != nil {
		return nil, err
	}
	for i, a := range acts {
		nodes[a] = found[i]
	}
	ids = append(ids, acts...)
	slices.Sort(ids)

	g := &snapshot{
		version:  version,
		asOf:     asOf,
		ev:       ev,
		max:      blurline.ClearanceFromContext(ctx),
		ids:      ids,
		index:    make(map[string]int32, len(ids)),
		nodes:    make([]*blurline.Node, len(ids)),
		state:    make([]bool, len(ids)),
		conducts: map[int32][]*blurline.Fact{},
		start:    make([]int32, len(ids)+1),
	}
	for i, id := range ids {
		g.index[id] = int32(i)
		g.nodes[i] = nodes[id]
	}
	x := g.index[state]
	g.state[x] = true
	g.states = []int32{x}
	var levels [10]bool
	for i, u := range ids {
		for _, f := range rows[u] { // none for an activity not walked from
			if f.Object == "" || f.Subject == f.Object {
				continue
			}
			if f.Predicate == blurline.Conducts {
				if f.Subject == u {
					g.conducts[int32(i)] = append(g.conducts[int32(i)], f)
				}
				continue
			}
			level, cost, ok := weigh(f)
			if !ok {
				continue
			}
			v, ok := walkFrom(f, u)
			if !ok || stop[v] {
				continue
			}
			if level >= 1 {
				levels[level] = true
			}
			g.edges = append(g.edges, edge{int32(i), g.index[v], level, cost, f, f.Subject == u})
		}
		g.start[i+1] = int32(len(g.edges))
	}
	g.setLevels(levels)
	return g, ctx.Err()
}

func (g *snapshot) out(v int32) []edge { return g.edges[g.start[v]:g.start[v+1]] }

// isActor reports whether v's class may be the actor of a ranked score.
func (g *snapshot) isActor(v int32) bool {
	n := g.nodes[v]
	if n == nil {
		return false
	}
	ci, ok := blurline.LookupClass(n.Class)
	return ok && ci.Actor
}
