package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
	cgraph "github.com/cayleygraph/cayley/graph"
	cwriter "github.com/cayleygraph/cayley/writer"
	"github.com/cayleygraph/quad"
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
				s := openBench(b, backend)
				if _, err := s.Load(context.Background(), Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "quads/s")
		})
	}
}

// openBench opens a new store of backend ("memory" or "bbolt", in a
// temporary directory) for a benchmark; the caller closes it.
func openBench(b *testing.B, backend string) *Store {
	addr := "memory:"
	if backend == "bbolt" {
		addr = "bbolt:" + b.TempDir()
	}
	s, err := Open(context.Background(), nil, addr)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkTwoHop reads facts two hops out from a bureau.
func BenchmarkTwoHop(b *testing.B) {
	s := mustOpen(b, "memory:")
	loadGenerated(b, s, 100_000)
	ctx := context.Background()
	for b.Loop() {
		twoHopFrom(ctx, b, s)
	}
}

// BenchmarkTwoHopMarked is BenchmarkTwoHop read by a principal cleared
// for AMBER through a pinned context, as a server request reads: every fact
// and end is checked against the clearance (the generated graph is CLEAR,
// so the answer is BenchmarkTwoHop's). Compare the two for the cost of the
// checks.
func BenchmarkTwoHopMarked(b *testing.B) {
	s := mustOpen(b, "memory:")
	loadGenerated(b, s, 100_000)
	p := &blurline.Principal{Name: "bench", Scopes: blurline.Scopes(blurline.ScopeRead), MaxMarking: blurline.TLPAmber}
	for b.Loop() {
		ctx, _ := s.Pin(blurline.NewContextWithPrincipal(context.Background(), p))
		twoHopFrom(ctx, b, s)
	}
}

// twoHopFrom reads the facts of the bureau's neighbours: one 2-hop read.
func twoHopFrom(ctx context.Context, b *testing.B, s *Store) {
	first, _ := s.FactsOf(ctx, []string{"s3-bureau1"}, blurline.In, blurline.FactFilter{})
	ids := make([]string, 0, len(first[0]))
	for _, f := range first[0] {
		ids = append(ids, f.Subject)
	}
	if _, err := s.FactsOf(ctx, ids, blurline.Both, blurline.FactFilter{}); err != nil {
		b.Fatal(err)
	}
}

// generatedQuads parses n generated quads (the same as loadGenerated's).
func generatedQuads(b *testing.B, n int) []quad.Quad {
	b.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	batch, err := parseSources(context.Background(), []Source{{Name: "gen.nq", R: &buf}})
	if err != nil {
		b.Fatal(err)
	}
	return batch.adds
}

// BenchmarkBulkWrite writes the same 100k quads into a new bbolt store
// through cayley's own batched writer (graph.NewWriter over cayley's
// single-process quad writer, ignoring duplicates), through cayley's ApplyDeltas in
// chunks of chunkQuads as large loads did before the bulk write, and
// through the bulk write (kvbulk.go), which is kept only while it beats
// both by 2x or more.
//
//	go test -run='^$' -bench=BulkWrite -benchtime=3x ./graph
func BenchmarkBulkWrite(b *testing.B) {
	adds := generatedQuads(b, 100_000)
	ctx := context.Background()
	for _, mode := range []string{"newwriter", "applydeltas", "bulk"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				dir := b.TempDir()
				db, qs, err := openBBolt(dir)
				if err != nil {
					b.Fatal(err)
				}
				switch mode {
				case "bulk":
					if _, err := bulkWrite(ctx, db, dir, adds); err != nil {
						b.Fatal(err)
					}
				case "newwriter":
					qw, err := cwriter.NewSingle(qs, cgraph.IgnoreOpts{IgnoreDup: true})
					if err != nil {
						b.Fatal(err)
					}
					w := cgraph.NewWriter(qw)
					if _, err := w.WriteQuads(adds); err != nil {
						b.Fatal(err)
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				default:
					for i := 0; i < len(adds); i += chunkQuads {
						chunk := adds[i:min(i+chunkQuads, len(adds))]
						if err := qs.ApplyDeltas(deltasOf(chunk, cgraph.Add), cgraph.IgnoreOpts{IgnoreDup: true}); err != nil {
							b.Fatal(err)
						}
					}
				}
				qs.Close()
			}
			b.ReportMetric(float64(len(adds))*float64(b.N)/b.Elapsed().Seconds(), "quads/s")
		})
	}
}

// BenchmarkRebuild builds the read model of a bbolt store of 100k quads
// (BENCH_QUADS sets the size) through cayley's QuadsAllIterator and Quad
// (as Open did once) and from cayley's log read directly with its node
// ids (rebuildKV, as Open does now).
//
//	go test -run='^$' -bench=Rebuild -benchtime=3x ./graph
//	BENCH_QUADS=1000000 go test -run='^$' -bench=Rebuild/log -benchtime=1x ./graph
func BenchmarkRebuild(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, "bbolt:"+b.TempDir())
	quads := gen.BenchQuads(b, 100_000)
	loadGenerated(b, s, quads)
	for _, mode := range []string{"iterator", "log"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				_, _, n, err := buildBase(func(add addFunc) error {
					if mode == "log" {
						return rebuildKV(ctx, s.bolt, add)
					}
					it := s.qs.QuadsAllIterator().Iterate()
					defer it.Close()
					for it.Next(ctx) {
						q, err := s.qs.Quad(it.Result())
						if err != nil {
							return err
						}
						add(q, nil)
					}
					return it.Err()
				})
				if err != nil {
					b.Fatal(err)
				}
				if n < quads {
					b.Fatalf("rebuilt %d quads", n)
				}
			}
		})
	}
}
