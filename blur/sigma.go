package blur

import (
	"context"
	"math"
	"slices"

	"github.com/blurline/blurline"
)

// reach is everything one state reaches: for each entity, the strongest
// evidence path with at least one control fact, found by one Dijkstra run
// per Healey threshold.
//
// Why thresholds give the exact optimum: the score of a path P is
// w(minLevel(P)) * conf(P), where conf(P) = prod(c) * Lambda^(hops-1). At
// threshold L only control facts with level >= L are walkable, so every
// path found there has minLevel >= L and its true score is at least
// w(L) * conf(P). Conversely the optimal path P*, with minimum level h*, is
// walkable at L = h*, where the run finds a path of conf >= conf(P*). So
// max over L of w(L) * (best conf at L) is the optimum, and the path that
// achieves it scores exactly that (its own minimum level can only be
// higher than L, which would contradict optimality).
//
// Each run is a Dijkstra over (entity, seen-control) pairs: walking a
// control fact moves to the second layer, and only second-layer arrivals
// count. Edge cost is -ln(c * Lambda) > 0, so the cheapest route is the
// highest product of confidences with one Lambda per hop.
type reach struct {
	src     int32
	runs    []*run    // one per threshold, in g.levels order
	best    []float64 // per entity: the best sigma (from path costs), 0 when unreached
	bestRun []int8    // per entity: index into runs, -1 when unreached
}

// run is one Dijkstra at one threshold. Labels are entity*2 + layer.
type run struct {
	level blurline.Healey
	prev  []int32 // label -> previous label, -1 at the source or when unreached
	via   []int32 // label -> edge index into g.edges
}

// weight is w(h) = h/9, the share of state responsibility a Healey level carries.
func weight(h blurline.Healey) float64 { return float64(h) / float64(blurline.StateIntegrated) }

// reachFrom runs the Dijkstras from src.
func (g *snapshot) reachFrom(ctx context.Context, src int32) (*reach, error) {
	n := len(g.ids)
	r := &reach{src: src, best: make([]float64, n), bestRun: make([]int8, n)}
	for i := range r.bestRun {
		r.bestRun[i] = -1
	}
	dist := make([]float64, 2*n)
	for k, L := range g.levels { // highest level first: on a tie the tighter bottleneck wins
		ru, err := g.dijkstra(ctx, src, L, dist)
		if err != nil {
			return nil, err
		}
		r.runs = append(r.runs, ru)
		w := weight(L)
		for v := range n {
			d := dist[2*v+1]
			if math.IsInf(d, 1) {
				continue
			}
			s := w * math.Exp(-d) / Lambda
			if s > r.best[v]*(1+1e-12) {
				r.best[v], r.bestRun[v] = s, int8(k)
			}
		}
	}
	r.best[src], r.bestRun[src] = 0, -1 // a state is not blurred with itself
	return r, nil
}

// dijkstra fills dist (len 2n) with the cheapest cost of each label from
// src, walking only control edges of level >= L, and returns the tree.
func (g *snapshot) dijkstra(ctx context.Context, src int32, L blurline.Healey, dist []float64) (*run, error) {
	ru := &run{level: L, prev: make([]int32, len(dist)), via: make([]int32, len(dist))}
	for i := range dist {
		dist[i] = math.Inf(1)
		ru.prev[i] = -1
	}
	var h heap
	dist[2*src] = 0
	h.push(item{0, 2 * src})
	for pops := 0; len(h) > 0; pops++ {
		if pops&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it := h.pop()
		if it.d > dist[it.label] {
			continue // stale
		}
		u, layer := it.label/2, it.label%2
		lo := g.start[u]
		for i, e := range g.out(u) {
			if e.level >= 0 && e.level < int8(L) {
				continue
			}
			if g.state[e.to] && e.to != src {
				continue // responsibility does not flow through another sovereign
			}
			nl := layer
			if e.level >= 0 {
				nl = 1
			}
			to := 2*e.to + nl
			if d := it.d + e.cost; d < dist[to] {
				dist[to] = d
				ru.prev[to] = it.label
				ru.via[to] = lo + int32(i)
				h.push(item{d, to})
			}
		}
	}
	return ru, ctx.Err()
}

// path rebuilds the best path from the source to v, or an empty path.
func (g *snapshot) path(r *reach, v int32) blurline.Path {
	k := r.bestRun[v]
	if k < 0 {
		return blurline.Path{}
	}
	ru := r.runs[k]
	var hops []blurline.Hop
	for l := 2*v + 1; l != 2*r.src; l = ru.prev[l] {
		e := g.edges[ru.via[l]]
		hops = append(hops, blurline.Hop{From: g.ids[e.from], To: g.ids[e.to], Fact: e.fact, Forward: e.forward})
	}
	slices.Reverse(hops)
	return blurline.Path{Hops: hops}
}

// PathSigma scores a path as the model does: the product of its
// confidences, times Lambda per hop after the first, times w of its
// loosest Healey level. It returns 0 for a path without a levelled control
// fact, or with a control fact that has no level (such facts are never
// walked). The bottleneck is the hop index of that loosest level (the least
// confident such hop on a tie), or -1.
func PathSigma(p blurline.Path) (sigma float64, bottleneck int) {
	bottleneck = -1
	if len(p.Hops) == 0 {
		return 0, -1
	}
	c := 1.0
	for i, h := range p.Hops {
		f := h.Fact
		c *= f.Confidence
		if !IsControl(f.Predicate) {
			continue
		}
		if !f.HasHealey {
			return 0, -1 // an unknown degree of control is never walked
		}
		if bottleneck < 0 {
			bottleneck = i
			continue
		}
		b := p.Hops[bottleneck].Fact
		if f.Healey < b.Healey || f.Healey == b.Healey && f.Confidence < b.Confidence {
			bottleneck = i
		}
	}
	if bottleneck < 0 {
		return 0, -1
	}
	return c * math.Pow(Lambda, float64(len(p.Hops)-1)) * weight(p.Hops[bottleneck].Fact.Healey), bottleneck
}

type item struct {
	d     float64
	label int32
}

// heap is a binary min-heap of labels by cost, then label (so by entity id).
type heap []item

func (h heap) less(i, j int) bool {
	return h[i].d < h[j].d || h[i].d == h[j].d && h[i].label < h[j].label
}

func (h *heap) push(x item) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *heap) pop() item {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if r < len(s) && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
