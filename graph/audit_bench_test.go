package graph

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
)

// BenchmarkAuditedWrite measures what a write costs with its audit
// record, as the server makes it (a principal and an origin on the
// context): addFacts of 10 new facts into a store of 20k quads, and a load
// of a generated file of 20k quads into a new store. Run on a tree
// without the audit trail, the same code measures the write alone.
//
//	go test -run='^$' -bench=AuditedWrite -count=5 ./graph
func BenchmarkAuditedWrite(b *testing.B) {
	ctx := blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "bench", Scopes: blurline.AllScopes})
	ctx = blurline.NewContextWithOrigin(ctx, blurline.Origin{From: "192.0.2.1:1"})
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: 20_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, backend := range []string{"memory", "bbolt"} {
		b.Run(backend+"/addFacts", func(b *testing.B) {
			s := openBench(b, backend)
			defer s.Close()
			if _, err := s.Load(context.Background(), Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
			nodes := []blurline.Node{{ID: "bench-a", Class: blurline.ThreatGroup, Name: "A"}, {ID: "bench-b", Class: blurline.State, Name: "B"}}
			if _, err := s.Write(context.Background(), nodes, nil); err != nil {
				b.Fatal(err)
			}
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				facts := make([]blurline.Fact, 10)
				for i := range facts {
					n++
					facts[i] = blurline.Fact{ID: fmt.Sprintf("bench-%d", n), Subject: "bench-a", Predicate: blurline.SponsoredBy, Object: "bench-b",
						Confidence: 0.5, Sources: []string{"https://example.org/bench"}}
				}
				if _, err := s.Write(ctx, nil, facts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(backend+"/load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := openBench(b, backend)
				if _, err := s.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
