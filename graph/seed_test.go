package graph

import (
	"context"
	"testing"

	"github.com/blurline/blurline/seed"
)

// TestSeed loads the embedded seed and checks what issue 2 asks of it:
// at least 150 facts, every one with a source and a confidence.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	loaded, res, err := s.EnsureSeed(ctx, seed.FS())
	if err != nil || !loaded {
		t.Fatalf("EnsureSeed = %v, %v", loaded, err)
	}
	st, _ := s.Stats(ctx)
	t.Logf("seed: %d quads, %d entities, %d facts", res.Added, st.Entities, st.Facts)
	if st.Facts < 150 {
		t.Errorf("seed has %d facts, want at least 150", st.Facts)
	}
	if st.FactsWithProvenance != st.Facts {
		t.Errorf("%d of %d seed facts lack a source or confidence", st.Facts-st.FactsWithProvenance, st.Facts)
	}
	checkNoDangling(t, s)
}
