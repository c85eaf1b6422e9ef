package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
)

// BenchmarkLoad loads a generated file of 100k quads into a new store.
//
//	go test -run='^$' -bench=Load -benchtime=3x ./graph
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	n, err := gen.Write(&buf, gen.Config{Quads: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, backend := range []string{"memory", "bbolt"} {
		b.Run(backend, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				addr := "memory:"
				if backend == "bbolt" {
					addr = "bbolt:" + b.TempDir()
				}
				s, err := Open(context.Background(), nil, addr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Load(context.Background(), Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "quads/s")
		})
	}
}

// BenchmarkTwoHop reads facts two hops out from a bureau.
func BenchmarkTwoHop(b *testing.B) {
	s := mustOpen(b, "memory:")
	loadGenerated(b, s, 100_000)
	ctx := context.Background()
	for b.Loop() {
		first, _ := s.FactsOf(ctx, []string{"s3-bureau1"}, blurline.In, blurline.FactFilter{})
		ids := make([]string, 0, len(first[0]))
		for _, f := range first[0] {
			ids = append(ids, f.Subject)
		}
		if _, err := s.FactsOf(ctx, ids, blurline.Both, blurline.FactFilter{}); err != nil {
			b.Fatal(err)
		}
	}
}
