package graph

import (
	"context"
	"fmt"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
)

// BenchmarkShortestPaths times a 6-hop shortest path on a generated graph,
// the bidirectional search against the one-way search it replaced, chosen
// as the bench program chooses it (from the last state's service to the
// first service of another state 6 hops away). BENCH_QUADS sets the size
// (default 100k):
//
//	BENCH_QUADS=1000000 go test -run='^$' -bench=ShortestPaths -benchtime=20x ./graph
func BenchmarkShortestPaths(b *testing.B) {
	quads := gen.BenchQuads(b, 100_000)
	s := mustOpen(b, "memory:")
	loadGenerated(b, s, quads)
	ctx := context.Background()
	states, err := s.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
	if err != nil {
		b.Fatal(err)
	}
	n := len(states)
	from := fmt.Sprintf("s%d-svc", n-1)
	opts := blurline.PathOptions{MaxHops: 6}
	to := ""
	for k := 0; k < n-1 && k < 64; k++ {
		ps, err := s.shortestPathsOneWay(ctx, from, fmt.Sprintf("s%d-svc", k), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(ps) > 0 && len(ps[0].Hops) == 6 {
			to = fmt.Sprintf("s%d-svc", k)
			break
		}
	}
	if to == "" {
		b.Fatal("no pair of services 6 hops apart")
	}
	b.Logf("%d states; %s -> %s", n, from, to)
	for _, bc := range []struct {
		name string
		f    func(context.Context, string, string, blurline.PathOptions) ([]blurline.Path, error)
	}{
		{"oneway", s.shortestPathsOneWay},
		{"bidirectional", s.ShortestPaths},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ps, err := bc.f(ctx, from, to, opts)
				if err != nil || len(ps) == 0 {
					b.Fatalf("paths %d, err %v", len(ps), err)
				}
			}
		})
	}
}
