package graph

import (
	"bufio"
	"cmp"
	"context"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// Node returns an entity by id (or IRI).
func (s *Store) Node(ctx context.Context, id string) (*blurline.Node, error) {
	if n := s.read(ctx).node(blurline.EntityIRI(id)); n != nil {
		return n, nil
	}
	return nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", id)
}

// Nodes returns the entities for ids in one call, in the same order; an
// unknown id gives nil at its place.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error) {
	sn := s.read(ctx)
	out := make([]*blurline.Node, len(ids))
	for i, id := range ids {
		out[i] = sn.node(blurline.EntityIRI(id))
	}
	return out, ctx.Err()
}

// FindNodes returns the matching entities sorted by name, then id.
func (s *Store) FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error) {
	lower := strings.ToLower(strings.TrimSpace(q.Text))
	out := s.read(ctx).findNodes(q.Classes, lower)
	slices.SortFunc(out, func(a, b *blurline.Node) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, ctx.Err()
}

// Fact returns a fact by id (or IRI).
func (s *Store) Fact(ctx context.Context, id string) (*blurline.Fact, error) {
	if f := s.read(ctx).fact(blurline.FactIRI(id)); f != nil {
		return f, nil
	}
	return nil, blurline.Errorf(blurline.ErrNotFound, "no fact %q", id)
}

// FactsOf returns, for each id, the facts that touch it in direction dir
// and pass the filter, sorted by id: one call for a whole batch of entities.
func (s *Store) FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error) {
	sn := s.read(ctx)
	out := make([][]*blurline.Fact, len(ids))
	for i, id := range ids {
		out[i] = sn.factsOf(blurline.EntityIRI(id), dir, &f)
	}
	return out, ctx.Err()
}

func (s *snapshot) factsOf(iri string, dir blurline.Direction, f *blurline.FactFilter) []*blurline.Fact {
	var out []*blurline.Fact
	outs, ins := s.adj(iri)
	if dir != blurline.In {
		s.each(outs, func(r fref) bool {
			if s.match(r, f) {
				out = append(out, s.view(r))
			}
			return true
		})
	}
	if dir != blurline.Out {
		s.each(ins, func(r fref) bool {
			if s.match(r, f) {
				if x := s.view(r); dir != blurline.Both || x.Subject != x.Object {
					out = append(out, x)
				}
			}
			return true
		})
	}
	slices.SortFunc(out, func(a, b *blurline.Fact) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Facts returns the facts matching q, sorted by id.
func (s *Store) Facts(ctx context.Context, q blurline.FactQuery) ([]*blurline.Fact, error) {
	to := map[string]bool{}
	for _, id := range q.To {
		to[blurline.EntityID(blurline.EntityIRI(id))] = true
	}
	sn := s.read(ctx)
	var out []*blurline.Fact
	keep := func(x *blurline.Fact, near string) {
		if len(to) == 0 || to[x.Other(near)] {
			out = append(out, x)
		}
	}
	if len(q.From) == 0 {
		sn.eachFact(func(r fref) bool {
			if !sn.match(r, &q.FactFilter) {
				return true
			}
			x := sn.view(r)
			switch {
			case len(to) == 0:
				out = append(out, x)
			case q.Direction != blurline.In && to[x.Object], q.Direction != blurline.Out && to[x.Subject]:
				out = append(out, x)
			}
			return true
		})
	} else {
		seen := map[string]bool{}
		for _, id := range q.From {
			near := blurline.EntityID(blurline.EntityIRI(id))
			for _, x := range sn.factsOf(blurline.EntityIRI(id), q.Direction, &q.FactFilter) {
				if !seen[x.ID] {
					seen[x.ID] = true
					keep(x, near)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *blurline.Fact) int { return cmp.Compare(a.ID, b.ID) })
	return out, ctx.Err()
}

// Stats returns counts by class and predicate of what ctx's reader sees.
func (s *Store) Stats(ctx context.Context) (blurline.Stats, error) {
	return s.read(ctx).stats(), ctx.Err()
}

// stats counts the snapshot: from its running counts when it shows
// everything, else by a pass over the view, once per version and marking.
func (sn *snapshot) stats() blurline.Stats {
	if sn.limited {
		return sn.viewStats()
	}
	st := blurline.Stats{Quads: sn.quads, Facts: sn.nfacts, ByClass: map[blurline.Class]int{}, ByPredicate: map[blurline.Predicate]int{},
		FactsWithProvenance: sn.prov}
	for q := range sn.other {
		if l, _ := iriOf(q.Label); l == blurline.MetaGraph {
			st.Quads-- // bookkeeping is not data
		}
	}
	for c, n := range sn.byClass {
		if n > 0 {
			st.ByClass[c] = n
			st.Entities += n
		}
	}
	for p, n := range sn.byPred {
		if n > 0 {
			st.ByPredicate[p] = n
		}
	}
	return st
}

// viewStats counts a limited view by looking at every entity, fact and
// quad it shows: the counts a reader gets are those of what it may see.
func (sn *snapshot) viewStats() blurline.Stats {
	vs := sn.views
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if st := vs.by[sn.max]; st != nil {
		return cloneStats(*st)
	}
	st := blurline.Stats{ByClass: map[blurline.Class]int{}, ByPredicate: map[blurline.Predicate]int{}}
	sn.eachNodeRecord(func(_ string, rec func() *nodeRec) {
		if r := rec(); r != nil && r.node != nil {
			st.ByClass[r.node.Class]++
			st.Entities++
		}
	})
	sn.eachFact(func(f fref) bool {
		st.Facts++
		st.ByPredicate[sn.view(f).Predicate]++
		if f.r != nil && hasProvenance(f.r) || f.r == nil && sn.b.facts[f.b].prov {
			st.FactsWithProvenance++
		}
		return true
	})
	sn.eachDataQuad(func(quad.Quad) { st.Quads++ }) // as sn.quads, without the audit trail
	vs.by[sn.max] = &st
	return cloneStats(st)
}

func cloneStats(st blurline.Stats) blurline.Stats {
	st.ByClass, st.ByPredicate = maps.Clone(st.ByClass), maps.Clone(st.ByPredicate)
	return st
}

func hasProp(props []attr, name string) bool {
	for _, a := range props {
		if a.pred == name {
			return true
		}
	}
	return false
}

// Export writes every quad of the store, as N-Quads with exact literals,
// sorted by graph and then statement, from the snapshot ctx reads (see
// Pin): one version, without waiting for writers. Bookkeeping quads are
// left out.
func (s *Store) Export(ctx context.Context, w io.Writer) (n int, err error) {
	defer wrap(&err, "graph.Export")
	var quads []quad.Quad
	s.read(ctx).eachQuad(func(q quad.Quad) {
		if l, _ := iriOf(q.Label); l != blurline.MetaGraph {
			quads = append(quads, q)
		}
	})
	return writeSorted(ctx, w, quads, nil)
}

// writeSorted writes quads in Export's order.
func writeSorted(ctx context.Context, w io.Writer, quads []quad.Quad, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	keys := make([]string, len(quads))
	for i, q := range quads {
		keys[i] = sortKey(q)
	}
	idx := make([]int, len(quads))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, i := range idx {
		writeQuad(bw, quads[i])
	}
	return len(quads), bw.Flush()
}

func sortKey(q quad.Quad) string {
	l := ""
	if q.Label != nil {
		l = q.Label.String()
	}
	// The default graph first, then each named graph with its relationship first.
	rank := "1"
	if _, inNS := blurline.LocalName(string(q.Predicate.(quad.IRI))); inNS {
		if local, _ := blurline.LocalName(string(q.Predicate.(quad.IRI))); local != "" {
			if _, ok := blurline.LookupPredicate(blurline.Predicate(local)); ok {
				rank = "0"
			}
		}
	}
	if string(q.Predicate.(quad.IRI)) == blurline.RDFType {
		rank = "0"
	}
	return l + "\x00" + q.Subject.String() + "\x00" + rank + q.Predicate.String() + "\x00" + q.Object.String()
}
