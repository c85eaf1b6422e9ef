package interop_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/seed"
)

// dataDir holds the real third-party files, beside the checkout as ../shared.
var dataDir = filepath.Join("..", "..", "shared", "domain", "data")

func readData(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if os.IsNotExist(err) {
		tb.Skipf("%s is absent (the real data files live in ../shared/domain/data beside the checkout): skipping", name)
	}
	if err != nil {
		tb.Fatal(err)
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
