package graph

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// pathKey is a path as comparable text: each hop's ends, fact and direction.
func pathKey(ps []blurline.Path) []string {
	var out []string
	for _, p := range ps {
		s := ""
		for _, h := range p.Hops {
			s += fmt.Sprintf("%s-%s(%v)->%s ", h.From, h.Fact.ID, h.Forward, h.To)
		}
		out = append(out, s)
	}
	return out
}

// randomPathGraph writes a random graph with many parallel facts, self
// loops, literal-valued facts and facts of different dates and
// confidences, where shortest paths are often many.
func randomPathGraph(t *testing.T, s *Store, seed uint64, entities, facts int) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var nodes []blurline.Node
	var ids []string
	for i := range entities {
		id := fmt.Sprintf("e%02d", i)
		nodes = append(nodes, blurline.Node{ID: id, Class: blurline.ThreatGroup, Name: id})
		ids = append(ids, id)
	}
	preds := []blurline.Predicate{blurline.PartOf, blurline.Employs, blurline.MemberOf, blurline.AffiliatedWith, blurline.RelatedTo, blurline.Targeted}
	var fs []blurline.Fact
	for i := range facts {
		f := blurline.Fact{
			ID:         fmt.Sprintf("f%03d", rng.IntN(1000)*1000+i),
			Subject:    ids[rng.IntN(len(ids))],
			Predicate:  preds[rng.IntN(len(preds))],
			Object:     ids[rng.IntN(len(ids))],
			Confidence: float64(1+rng.IntN(10)) / 10,
			Sources:    []string{"https://example.org/s"},
		}
		if rng.IntN(3) == 0 {
			f.ValidFrom = time.Date(2010+rng.IntN(10), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if rng.IntN(4) == 0 {
			f.ValidUntil = time.Date(2020+rng.IntN(5), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if rng.IntN(8) == 0 {
			f.Predicate, f.Object = blurline.VictimCount, ""
			f.Value = &blurline.Literal{Lexical: "3", Datatype: "http://www.w3.org/2001/XMLSchema#integer"}
		}
		fs = append(fs, f)
	}
	if _, err := s.Write(context.Background(), nodes, fs); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return ids
}

// TestShortestPathsMatchOneWay checks that the bidirectional search returns
// exactly what the one-way search returns (the same paths in the same
// order, cut at the same limit) on random graphs, for every pair of
// entities and several filters and limits.
func TestShortestPathsMatchOneWay(t *testing.T) {
	ctx := context.Background()
	filters := []blurline.PathOptions{
		{},
		{MaxHops: 2},
		{MaxHops: 8, Limit: 1000},
		{Limit: 3},
		{FactFilter: blurline.FactFilter{MinConfidence: 0.5}},
		{FactFilter: blurline.FactFilter{AsOf: time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC)}, MaxHops: 6, Limit: 50},
		{FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.PartOf, blurline.MemberOf, blurline.RelatedTo}}, MaxHops: 8},
	}
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := mustOpen(t, "memory:")
			// Sparse and dense graphs: long paths, and many short ones.
			ids := randomPathGraph(t, s, seed, 30, []int{25, 40, 60, 90, 150, 300}[seed])
			compared, found := 0, 0
			for _, from := range ids {
				for _, to := range ids {
					for _, o := range filters {
						want, werr := s.shortestPathsOneWay(ctx, from, to, o)
						got, gerr := s.ShortestPaths(ctx, from, to, o)
						if fmt.Sprint(werr) != fmt.Sprint(gerr) {
							t.Fatalf("ShortestPaths(%s, %s, %+v) err = %v, want %v", from, to, o, gerr, werr)
						}
						if !reflect.DeepEqual(pathKey(got), pathKey(want)) {
							t.Fatalf("ShortestPaths(%s, %s, %+v) =\n%q\nwant\n%q", from, to, o, pathKey(got), pathKey(want))
						}
						compared++
						if len(want) > 0 {
							found++
						}
					}
				}
			}
			if found < compared/10 {
				t.Errorf("only %d of %d searches found a path: the graph is too sparse to test", found, compared)
			}
		})
	}
}

// TestShortestPathsGeneratedMatchOneWay compares the two searches on a
// generated, domain-shaped graph, between services of different states
// (the long paths of the benchmark).
func TestShortestPathsGeneratedMatchOneWay(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	loadGenerated(t, s, 20000)
	for _, pair := range [][2]string{{"s50-svc", "s0-svc"}, {"s40-svc", "s3-svc"}, {"s1-b0-c0-person0", "s30-b2-c1-person1"}, {"state0", "s20-bureau1"}} {
		for _, o := range []blurline.PathOptions{{MaxHops: 6}, {MaxHops: 8, Limit: 200}, {MaxHops: 6, FactFilter: blurline.FactFilter{MinConfidence: 0.6}}} {
			want, werr := s.shortestPathsOneWay(ctx, pair[0], pair[1], o)
			got, gerr := s.ShortestPaths(ctx, pair[0], pair[1], o)
			if werr != nil || gerr != nil {
				t.Fatalf("ShortestPaths(%s, %s): %v, one way %v", pair[0], pair[1], gerr, werr)
			}
			if !reflect.DeepEqual(pathKey(got), pathKey(want)) {
				t.Fatalf("ShortestPaths(%s, %s, %+v) =\n%q\nwant\n%q", pair[0], pair[1], o, pathKey(got), pathKey(want))
			}
			if len(want) == 0 {
				t.Errorf("ShortestPaths(%s, %s, %+v) found nothing: pick another pair", pair[0], pair[1], o)
			}
		}
	}
}
