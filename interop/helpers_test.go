package interop_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/seed"
)

// readData returns one of the real third-party files of testdata/real
// (gzipped there; see testdata/README.md for their origin and licences).
func readData(tb testing.TB, name string) []byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "real", name+".gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return b
}

func openStore(tb testing.TB, seeded bool) *graph.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := graph.Open(ctx, nil, "memory:")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if seeded {
		if _, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// dump is the whole store as sorted N-Quads.
func dump(tb testing.TB, s *graph.Store) string {
	tb.Helper()
	var b bytes.Buffer
	if _, err := s.Export(context.Background(), &b); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
