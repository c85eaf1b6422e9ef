package schema

import (
	"context"
	"encoding/json"
	"testing"
)

// twoHop is a 2-hop relationship query: an entity, its relationships, the
// entity at the other end of each, and that entity's relationships. From
// the Hainan SSD (13 facts) it returns about 1500 fields; from Wu Shurong
// (4 facts), about 100, where preparing the document weighs more.
func twoHop(id string) string {
	return `{
  entity(id: "` + id + `") {
    name
    relationships {
      edges { node { predicate confidence other { id name
        relationships { edges { node { predicate confidence other { id name } } } }
      } } }
    }
  }
}`
}

// BenchmarkTwoHop executes twoHop in-process against the seed, with and
// without the document cache and the batch loaders, and with graphql-go's
// executor (gqlgo_exec.go) in place of Blurline's:
//
//	go test -run='^$' -bench=TwoHop -benchmem -count=10 ./schema
//
// storecalls/op counts the Graph calls one execution makes; cpu-ns/op is
// the process's CPU time per execution (GC included), steadier than ns/op
// on a shared machine.
func BenchmarkTwoHop(b *testing.B) {
	g := newCountingGraph(seededStore(b))
	for _, from := range []string{"hainan-ssd", "wu-shurong"} {
		query := twoHop(from)
		for _, bc := range []struct {
			name                        string
			noCache, noBatch, reference bool
		}{
			{"cache=off,batch=off", true, true, false},
			{"cache=on,batch=off", false, true, false},
			{"cache=off,batch=on", true, false, false},
			{"cache=on,batch=on", false, false, false},
			{"cache=on,batch=on,executor=graphql-go", false, false, true},
		} {
			b.Run(from+"/"+bc.name, func(b *testing.B) {
				a := newAPI(b, g, Limits{})
				a.noCache, a.noBatch, a.reference = bc.noCache, bc.noBatch, bc.reference
				ctx := context.Background()
				if res := a.Do(ctx, Request{Query: query}); len(res.Errors) > 0 {
					b.Fatal(res.Errors)
				}
				g.take()
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					a.Do(ctx, Request{Query: query})
				}
				cpu = cpuTime() - cpu
				calls := 0
				for _, n := range g.take() {
					calls += n
				}
				b.ReportMetric(float64(calls)/float64(b.N), "storecalls/op")
				if cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// BenchmarkChanges runs the query behind the workbench's "what changed"
// view against the seed: every fact is compared at two instants and the
// blur ranking is computed at both (the analyzer caches by store version,
// instant and state, so after the first run the rankings are copies):
//
//	go test -run='^$' -bench=Changes -benchmem ./schema
func BenchmarkChanges(b *testing.B) {
	a := newAPI(b, seededStore(b), Limits{})
	query := `{ changes(from: "2021-07-18", to: "2021-07-20", state: "prc", first: 300) {
  began { date statement { id predicate subjectId objectId confidence } }
  ended { date statement { id } }
  attributions { date attributedBy { id } subject { id } attributedTo { id } }
  blurMoves { actor { id } before after delta } } }`
	ctx := context.Background()
	if res := a.Do(ctx, Request{Query: query}); len(res.Errors) > 0 {
		b.Fatal(res.Errors)
	}
	b.ResetTimer()
	for b.Loop() {
		a.Do(ctx, Request{Query: query})
	}
}

// BenchmarkExecutor executes and encodes the PRC's whole blur ranking
// (every hop's statement and the activities, a 180 KB response) with
// Blurline's executor and with graphql-go's (whose maps are then put in
// request order, gqlgo_exec.go):
//
//	go test -run='^$' -bench=Executor -benchmem ./schema
func BenchmarkExecutor(b *testing.B) {
	store := seededStore(b)
	query := readFile(b, "testdata/blur-ranking-prc.graphql")
	for _, c := range []struct {
		name      string
		reference bool
	}{{"blurline", false}, {"graphql-go", true}} {
		b.Run(c.name, func(b *testing.B) {
			a := newAPI(b, store, Limits{})
			a.reference = c.reference
			b.ReportAllocs()
			for b.Loop() {
				res := a.Do(context.Background(), Request{Query: query})
				if _, err := json.Marshal(res); err != nil || len(res.Errors) > 0 {
					b.Fatal(err, res.Errors)
				}
			}
		})
	}
}

// BenchmarkTwoHopParallel executes twoHop from the Hainan SSD from
// GOMAXPROCS*4 goroutines at once, as a server's concurrent requests do
// (cache and batching on): what the executor's shared state costs them.
func BenchmarkTwoHopParallel(b *testing.B) {
	a := newAPI(b, seededStore(b), Limits{})
	query := twoHop("hainan-ssd")
	ctx := context.Background()
	if res := a.Do(ctx, Request{Query: query}); len(res.Errors) > 0 {
		b.Fatal(res.Errors)
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.Do(ctx, Request{Query: query})
		}
	})
}
