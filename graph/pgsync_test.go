package graph

import (
	"context"
	"fmt"
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
