package graph

import (
	"bufio"
	"cmp"
	"context"
	"io"
	"slices"
	"strings"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// Node returns an entity by id (or IRI).
func (s *Store) Node(ctx context.Context, id string) (*blurline.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n, ok := s.idx.nodes[blurline.EntityIRI(id)]; ok && n.node != nil {
		return n.node, nil
	}
	return nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", id)
}

// Nodes returns the entities for ids in one call, in the same order; an
// unknown id gives nil at its place.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*blurline.Node, len(ids))
	for i, id := range ids {
		if n, ok := s.idx.nodes[blurline.EntityIRI(id)]; ok {
			out[i] = n.node
		}
	}
	return out, ctx.Err()
}

// FindNodes returns the matching entities sorted by name, then id.
func (s *Store) FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error) {
	lower := strings.ToLower(strings.TrimSpace(q.Text))
	s.mu.RLock()
	var out []*blurline.Node
	for _, n := range s.idx.nodes {
		if n.node == nil || len(q.Classes) > 0 && !slices.Contains(q.Classes, n.node.Class) {
			continue
		}
		if matchText(n.node, lower) {
			out = append(out, n.node)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *blurline.Node) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, ctx.Err()
}

// Fact returns a fact by id (or IRI).
func (s *Store) Fact(ctx context.Context, id string) (*blurline.Fact, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if f, ok := s.idx.facts[blurline.FactIRI(id)]; ok && f.fact != nil {
		return f.fact, nil
	}
	return nil, blurline.Errorf(blurline.ErrNotFound, "no fact %q", id)
}

// FactsOf returns, for each id, the facts that touch it in direction dir
// and pass the filter, sorted by id: one call for a whole batch of entities.
func (s *Store) FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([][]*blurline.Fact, len(ids))
	for i, id := range ids {
		out[i] = s.idx.factsOf(blurline.EntityIRI(id), dir, &f)
	}
	return out, ctx.Err()
}

func (ix *index) factsOf(iri string, dir blurline.Direction, f *blurline.FactFilter) []*blurline.Fact {
	var out []*blurline.Fact
	if dir != blurline.In {
		for _, r := range ix.out[iri] {
			if r.fact != nil && f.Match(r.fact) {
				out = append(out, r.fact)
			}
		}
	}
	if dir != blurline.Out {
		for _, r := range ix.in[iri] {
			if r.fact != nil && f.Match(r.fact) && (dir != blurline.Both || r.fact.Subject != r.fact.Object) {
				out = append(out, r.fact)
			}
		}
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*blurline.Fact
	keep := func(x *blurline.Fact, near string) {
		if len(to) == 0 || to[x.Other(near)] {
			out = append(out, x)
		}
	}
	if len(q.From) == 0 {
		for _, r := range s.idx.facts {
			if r.fact == nil || !q.Match(r.fact) {
				continue
			}
			switch {
			case len(to) == 0:
				out = append(out, r.fact)
			case q.Direction != blurline.In && to[r.fact.Object], q.Direction != blurline.Out && to[r.fact.Subject]:
				out = append(out, r.fact)
			}
		}
	} else {
		seen := map[*blurline.Fact]bool{}
		for _, id := range q.From {
			near := blurline.EntityID(blurline.EntityIRI(id))
			for _, x := range s.idx.factsOf(blurline.EntityIRI(id), q.Direction, &q.FactFilter) {
				if !seen[x] {
					seen[x] = true
					keep(x, near)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *blurline.Fact) int { return cmp.Compare(a.ID, b.ID) })
	return out, ctx.Err()
}

// blurline.Stats returns counts by class and predicate.
func (s *Store) Stats(ctx context.Context) (blurline.Stats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := blurline.Stats{Quads: s.idx.quads, Facts: s.idx.nfacts, ByClass: map[blurline.Class]int{}, ByPredicate: map[blurline.Predicate]int{}}
	for q := range s.idx.other {
		if l, _ := iriOf(q.Label); l == blurline.MetaGraph {
			st.Quads-- // bookkeeping is not data
		}
	}
	for c, n := range s.idx.byClass {
		if n > 0 {
			st.ByClass[c] = n
			st.Entities += n
		}
	}
	for p, n := range s.idx.byPred {
		if n > 0 {
			st.ByPredicate[p] = n
		}
	}
	for _, f := range s.idx.facts {
		if f.fact != nil && len(f.fact.Sources) > 0 && hasProp(f.props, blurline.PropConfidence) {
			st.FactsWithProvenance++
		}
	}
	return st, ctx.Err()
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
// sorted by graph and then statement, read from cayley itself (not the read
// model). Bookkeeping quads are left out.
func (s *Store) Export(ctx context.Context, w io.Writer) (n int, err error) {
	defer wrap(&err, "graph.Export")
	s.mu.RLock()
	var quads []quad.Quad
	if s.pg != nil {
		// One SQL join instead of cayley's lookup of each value.
		err = s.pg.readAll(ctx, func(q quad.Quad) {
			if l, _ := iriOf(q.Label); l != blurline.MetaGraph {
				quads = append(quads, q)
			}
		})
		s.mu.RUnlock()
		return writeSorted(ctx, w, quads, err)
	}
	it := s.qs.QuadsAllIterator().Iterate()
	for it.Next(ctx) {
		q, err := s.qs.Quad(it.Result())
		if err != nil {
			it.Close()
			s.mu.RUnlock()
			return 0, blurline.Errorf(blurline.ErrInternal, "read quad: %v", err)
		}
		if l, _ := iriOf(q.Label); l == blurline.MetaGraph {
			continue
		}
		quads = append(quads, q)
	}
	err = it.Err()
	it.Close()
	s.mu.RUnlock()
	if err != nil {
		err = blurline.Errorf(blurline.ErrInternal, "read store: %v", err)
	}
	return writeSorted(ctx, w, quads, err)
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
