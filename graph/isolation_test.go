package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/schema"
)

// TestOneVersionPerRequest runs a writer against concurrent GraphQL
// readers on each backend and checks that every response is computed from
// exactly one version of the store: two aliased counts of one request never
// differ, and they equal a recount (entity by entity, in the same request)
// of the version the request pinned. Before snapshots, one request was many
// store calls, each under its own read lock, and a response could mix two
// versions (144 of 7371 responses did, in a manual run).
func TestOneVersionPerRequest(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			loadGenerated(t, s, 3000)
			if _, err := s.Write(ctx, []blurline.Node{{ID: "w-actor", Class: blurline.CriminalGroup, Name: "Writer's actor"}}, nil); err != nil {
				t.Fatal(err)
			}
			api, err := schema.New(testLogger(t), s, schema.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			const query = `{ a: stats { facts } b: stats { facts } e: entity(id: "w-actor") { relationships(first: 100) { totalCount } } }`
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var responses, moved atomic.Int64
			for r := 0; r < 3; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						before := s.Version()
						pctx, v := s.Pin(ctx)
						res := api.Do(pctx, schema.Request{Query: query})
						if len(res.Errors) > 0 {
							t.Errorf("errors: %v", res.Errors)
							return
						}
						var got struct {
							A, B struct{ Facts int }
							E    *struct {
								Relationships struct{ TotalCount int }
							}
						}
						raw, _ := json.Marshal(res.Data)
						if err := json.Unmarshal(raw, &got); err != nil {
							t.Error(err)
							return
						}
						if got.A.Facts != got.B.Facts {
							t.Errorf("one response, two versions: a.facts %d, b.facts %d", got.A.Facts, got.B.Facts)
							return
						}
						// A recount of the pinned version, by another route.
						st, _ := s.Stats(pctx)
						if st.Facts != got.A.Facts {
							t.Errorf("version %d: stats say %d facts, the response %d", v, st.Facts, got.A.Facts)
							return
						}
						n := got.E.Relationships.TotalCount
						lists, _ := s.FactsOf(pctx, []string{"w-actor"}, blurline.Both, blurline.FactFilter{})
						if len(lists[0]) != n {
							t.Errorf("version %d: w-actor has %d facts, the response counted %d", v, len(lists[0]), n)
							return
						}
						if s.Version() != before {
							moved.Add(1)
						}
						responses.Add(1)
					}
				}()
			}
			base, _ := s.Stats(ctx)
			const writes = 60
			for i := 0; i < writes; i++ {
				nodes := []blurline.Node{{ID: "w-actor", Class: blurline.CriminalGroup, Name: "Writer's actor"}}
				f := blurline.Fact{ID: fmt.Sprintf("w-%d", i), Subject: "w-actor", Predicate: blurline.TaskedBy, Object: "s0-bureau0",
					Confidence: 0.7, Sources: []string{"https://example.org/w"}, Healey: blurline.StateOrdered, HasHealey: true}
				if _, err := s.Write(ctx, nodes, []blurline.Fact{f}); err != nil {
					t.Fatalf("Write %d: %v", i, err)
				}
				if i%3 == 2 {
					if _, err := s.Retract(ctx, fmt.Sprintf("w-%d", i-1)); err != nil {
						t.Fatalf("Retract: %v", err)
					}
				}
			}
			close(stop)
			wg.Wait()
			st, _ := s.Stats(ctx)
			if want := base.Facts + writes - writes/3; st.Facts != want {
				t.Errorf("after the writes: %d facts, want %d", st.Facts, want)
			}
			if responses.Load() == 0 {
				t.Fatal("no response checked")
			}
			t.Logf("%d responses, %d of them while the store moved on", responses.Load(), moved.Load())
		})
	}
}

// TestPinSeesOwnWrites checks that a write through a pinned context moves
// the pin: a mutation's answer shows what it wrote.
func TestPinSeesOwnWrites(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	pctx, v := s.Pin(ctx)
	other, _ := s.Pin(ctx)
	n := blurline.Node{ID: "pin-test", Class: blurline.CriminalGroup, Name: "Pinned"}
	if _, err := s.Write(pctx, []blurline.Node{n}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Node(pctx, "pin-test"); err != nil {
		t.Errorf("the writing request does not see its write: %v", err)
	}
	if _, err := s.Node(other, "pin-test"); err == nil {
		t.Error("another request pinned before the write sees it")
	}
	if _, err := s.Node(ctx, "pin-test"); err != nil {
		t.Errorf("an unpinned read does not see the write: %v", err)
	}
	if _, v2 := s.Pin(pctx); v2 != v+1 {
		t.Errorf("pinned version after the write: %d, want %d", v2, v+1)
	}
}
