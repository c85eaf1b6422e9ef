package graph

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/blurline/blurline/internal/gen"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// TestLargeLoadIsChunkedAndAtomic loads more than one chunk into bbolt and
// reopens it; then simulates a crash in the middle of a chunked load and
// checks that reopening rolls it back.
func TestLargeLoadIsChunkedAndAtomic(t *testing.T) {
	if testing.Short() {
		t.Skip("large load")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	mustLoadFile(t, s, "testdata/small.nq")
	before := export(t, s)

	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: 2*chunkQuads + 500, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	// A crash after the journal and the first chunk were written.
	b, err := parseSources(ctx, []Source{{Name: "gen.nq", R: bytes.NewReader(data)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeJournal(s.journalPath(), b.adds); err != nil {
		t.Fatal(err)
	}
	if err := s.qs.ApplyDeltas(deltasOf(b.adds[:chunkQuads], cgraph.Add), cgraph.IgnoreOpts{IgnoreDup: true}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpen(t, "bbolt:"+dir)
	if after := export(t, s); after != before {
		t.Fatalf("after recovery the store holds %d bytes of N-Quads, want the %d from before the load", len(after), len(before))
	}
	if _, err := os.Stat(s.journalPath()); !os.IsNotExist(err) {
		t.Errorf("journal still there after recovery: %v", err)
	}

	// The same load, uninterrupted, commits all of it and leaves no journal.
	res, err := s.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
	if err != nil || res.Added != len(b.adds) {
		t.Fatalf("Load = %+v, %v; want %d added", res, err, len(b.adds))
	}
	st, _ := s.Stats(ctx)
	want := export(t, s)
	s.Close()
	s = mustOpen(t, "bbolt:"+dir)
	if got := export(t, s); got != want {
		t.Errorf("reopened store differs after a chunked load")
	}
	if st2, _ := s.Stats(ctx); st2.Quads != st.Quads {
		t.Errorf("quads after reopen = %d, want %d", st2.Quads, st.Quads)
	}
	if _, err := os.Stat(s.journalPath()); !os.IsNotExist(err) {
		t.Errorf("journal left after a committed load: %v", err)
	}
}

// writeJournal writes qs as a journal of the earlier chunked loads (which
// an open still rolls back).
func writeJournal(path string, qs []quad.Quad) error {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	for _, q := range qs {
		writeQuad(bw, q)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return writeSynced(path, buf.Bytes())
}
