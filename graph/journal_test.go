package graph

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/blurline/blurline/internal/gen"
)

// TestLargeLoadIsAtomic loads more than one bulk threshold into bbolt and
// reopens it: the load commits all of it and leaves no journal.
func TestLargeLoadIsAtomic(t *testing.T) {
	if testing.Short() {
		t.Skip("large load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	mustLoadFile(t, s, "testdata/small.nq")

	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: 2*chunkQuads + 500, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	b, err := parseSources(ctx, []Source{{Name: "gen.nq", R: bytes.NewReader(data)}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
	if err != nil || res.Added != len(b.adds) {
		t.Fatalf("Load = %+v, %v; want %d added", res, err, len(b.adds))
	}
	st, _ := s.Stats(ctx)
	want := export(t, s)
	s.Close()
	s = mustOpen(t, "bbolt:"+dir)
	if got := export(t, s); got != want {
		t.Errorf("reopened store differs after a large load")
	}
	if st2, _ := s.Stats(ctx); st2.Quads != st.Quads {
		t.Errorf("quads after reopen = %d, want %d", st2.Quads, st.Quads)
	}
	for _, name := range []string{bulkJournalName, "load.journal"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s left after a committed load: %v", name, err)
		}
	}
}
