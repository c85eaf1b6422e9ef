package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blurline/blurline"
)

// TestPostgresSyncNoSpuriousRebuild: a server's own writes must not make
// its readers rebuild the read model. Sync used to compare a data version
// it read before a concurrent write committed with the version that write
// had just recorded, found them different and rebuilt (every quad read
// back from PostgreSQL, under the write lock), recording the older version,
// so the next Sync rebuilt again. The store's Version counts rebuilds: with
// only this store writing, it must move by exactly one per write.
func TestPostgresSyncNoSpuriousRebuild(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, newPostgresDSN(t))
	mustLoadFile(t, s, "testdata/small.nq")
	v0 := s.Version()
	const writes = 60
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.Sync(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range writes {
		id := fmt.Sprintf("sync-%d", i)
		if _, err := s.Write(ctx, []blurline.Node{{ID: id, Class: "Contractor", Name: id}}, []blurline.Fact{
			{Subject: id, Predicate: "taskedBy", Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org/" + id}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if got := s.Version() - v0; got != writes {
		t.Errorf("%d writes moved the version by %d: %d spurious rebuilds of the read model", writes, got, got-writes)
	}
}

// readModel dumps what a store's read model answers: stats, every entity
// and every fact, sorted.
func readModel(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := s.FindNodes(ctx, blurline.NodeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	facts, err := s.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, x := range nodes {
		b, _ := json.Marshal(x)
		lines = append(lines, string(b))
	}
	for _, x := range facts {
		b, _ := json.Marshal(x)
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	b, _ := json.Marshal(st)
	return string(b) + "\n" + strings.Join(lines, "\n")
}

// TestPostgresIncrementalSync: a server catches up with another's writes
// from the change log, without rebuilding its read model, and ends with the
// read model a fresh open builds; a bulk load too large for the log makes
// it rebuild, after which it goes back to the log.
func TestPostgresIncrementalSync(t *testing.T) {
	ctx := context.Background()
	dsn := newPostgresDSN(t)
	a, b := mustOpen(t, dsn), mustOpen(t, dsn)
	check := func(step string, rebuilds int64) {
		t.Helper()
		if err := b.Sync(ctx); err != nil {
			t.Fatalf("%s: Sync: %v", step, err)
		}
		if got := b.pg.rebuilds.Load(); got != rebuilds {
			t.Errorf("%s: %d full rebuilds, want %d", step, got, rebuilds)
		}
		if got, want := readModel(t, b), readModel(t, mustOpen(t, dsn)); got != want {
			t.Fatalf("%s: the synced read model differs from a fresh one:\n%s", step, firstDiff(got, want))
		}
	}
	mustLoadFile(t, a, "testdata/small.nq")
	check("load", 0)
	if _, err := a.Write(ctx, []blurline.Node{{ID: "inc1", Class: "Contractor", Name: "Inc One", Aliases: []string{"i1", "ünï"}}}, []blurline.Fact{
		{ID: "inc-f1", Subject: "inc1", Predicate: "taskedBy", Object: "mss", Confidence: 0.5, Sources: []string{"https://example.org/inc"}, Quote: "said \"so\"\n"},
	}); err != nil {
		t.Fatal(err)
	}
	check("write", 0)
	if _, err := a.Retract(ctx, "inc-f1"); err != nil {
		t.Fatal(err)
	}
	check("retract", 0)
	if _, err := a.WriteImport(ctx, "imp", []blurline.Node{{ID: "inc2", Class: "Contractor", Name: "Inc Two"}}, []blurline.Fact{
		{Subject: "inc2", Predicate: "taskedBy", Object: "mss", Confidence: 0.7, Sources: []string{"https://example.org/imp"}},
	}); err != nil {
		t.Fatal(err)
	}
	check("import", 0)
	if _, err := a.RetractImport(ctx, "imp"); err != nil {
		t.Fatal(err)
	}
	check("retract import", 0)
	// Several writes between two syncs, one of them through b itself.
	for i := range 3 {
		id := fmt.Sprintf("inc-m%d", i)
		if _, err := a.Write(ctx, []blurline.Node{{ID: id, Class: "Contractor", Name: id}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Write(ctx, []blurline.Node{{ID: "inc-b", Class: "Contractor", Name: "from b"}}, nil); err != nil {
		t.Fatal(err)
	}
	check("several writes", 0)
	loadGenerated(t, a, 30_000) // one statement of more than pgLogMaxRows quads
	check("bulk load", 1)
	if _, err := a.Write(ctx, []blurline.Node{{ID: "inc-after", Class: "Contractor", Name: "after"}}, nil); err != nil {
		t.Fatal(err)
	}
	check("write after the bulk load", 1)
}
