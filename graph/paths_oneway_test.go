package graph

import (
	"context"
	"slices"

	"github.com/blurline/blurline"
)

// shortestPathsOneWay is ShortestPaths as it was before the bidirectional
// search: a breadth-first search from one end only. Tests compare the two;
// the benchmark times them side by side.
//
// It returns the shortest paths from one entity to another,
// walking facts in either direction (cayley has no shortest-path helper).
// All paths of the shortest length are returned, up to Limit, in a stable
// order. It stops when ctx is cancelled and returns ctx's error.
func (s *Store) shortestPathsOneWay(ctx context.Context, from, to string, o blurline.PathOptions) (paths []blurline.Path, err error) {
	defer wrap(&err, "graph.ShortestPaths(%q, %q)", from, to)
	if o.MaxHops == 0 {
		o.MaxHops = 4
	}
	if o.MaxHops < 1 || o.MaxHops > MaxPathHops {
		return nil, blurline.Errorf(blurline.ErrLimit, "maxHops must be between 1 and %d", MaxPathHops)
	}
	if o.Limit <= 0 {
		o.Limit = 10
	}
	src, dst := blurline.EntityIRI(from), blurline.EntityIRI(to)
	sn := s.read(ctx)
	for _, iri := range []string{src, dst} {
		if !sn.hasNode(iri) {
			return nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", blurline.EntityID(iri))
		}
	}
	if src == dst {
		return []blurline.Path{{}}, nil
	}
	// Breadth-first search from src, keeping every parent at the previous
	// depth, so that all shortest paths can be enumerated afterwards.
	type parent struct {
		prev string
		fact *blurline.Fact
	}
	dist := map[string]int{src: 0}
	parents := map[string][]parent{}
	frontier := []string{src}
	steps := 0
	for depth := 1; depth <= o.MaxHops && len(frontier) > 0; depth++ {
		var next []string
		for _, u := range frontier {
			outs, ins := sn.adj(u)
			for _, list := range []adjList{outs, ins} {
				var facts []*blurline.Fact
				sn.each(list, func(r fref) bool {
					facts = append(facts, sn.view(r))
					return true
				})
				for _, r := range facts {
					steps++
					if steps&1023 == 0 {
						if err := ctx.Err(); err != nil {
							return nil, err
						}
					}
					if !o.Match(r) || r.Object == "" {
						continue
					}
					v := blurline.EntityIRI(r.Other(blurline.EntityID(u)))
					if d, seen := dist[v]; seen {
						if d == depth {
							parents[v] = append(parents[v], parent{u, r})
						}
						continue
					}
					dist[v] = depth
					parents[v] = []parent{{u, r}}
					next = append(next, v)
				}
			}
		}
		if _, found := dist[dst]; found {
			break
		}
		slices.Sort(next)
		frontier = next
	}
	if _, found := dist[dst]; !found {
		return nil, ctx.Err()
	}
	// Enumerate paths backwards from dst, in a stable order.
	for v := range parents {
		slices.SortFunc(parents[v], func(a, b parent) int {
			if a.prev != b.prev {
				if a.prev < b.prev {
					return -1
				}
				return 1
			}
			if la, lb := blurline.FactIRI(a.fact.ID), blurline.FactIRI(b.fact.ID); la < lb {
				return -1
			} else if la > lb {
				return 1
			}
			return 0
		})
	}
	var walk func(v string, suffix []blurline.Hop) bool
	walk = func(v string, suffix []blurline.Hop) bool {
		if v == src {
			hops := slices.Clone(suffix)
			slices.Reverse(hops)
			paths = append(paths, blurline.Path{Hops: hops})
			return len(paths) < o.Limit
		}
		for _, p := range parents[v] {
			f := p.fact
			hop := blurline.Hop{From: blurline.EntityID(p.prev), To: blurline.EntityID(v), Fact: f}
			hop.Forward = f.Subject == hop.From
			if !walk(p.prev, append(suffix, hop)) {
				return false
			}
		}
		return true
	}
	walk(dst, nil)
	return paths, ctx.Err()
}
