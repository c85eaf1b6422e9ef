package schema

import (
	"context"
	"testing"
)

// twoHop is a 2-hop relationship query: an entity, its relationships, the
// entity at the other end of each, and that entity's relationships.
const twoHop = `{
  entity(id: "hainan-ssd") {
    name
    relationships {
      edges { node { predicate confidence other { id name
        relationships { edges { node { predicate confidence other { id name } } } }
      } } }
    }
  }
}`

// BenchmarkTwoHop executes twoHop in-process against the seed, with and
// without the document cache and the batch loaders:
//
//	go test -run='^$' -bench=TwoHop -benchmem -count=10 ./schema
//
// storecalls/op counts the Graph calls one execution makes.
func BenchmarkTwoHop(b *testing.B) {
	g := newCountingGraph(seededStore(b))
	for _, bc := range []struct {
		name             string
		noCache, noBatch bool
	}{
		{"cache=off,batch=off", true, true},
		{"cache=on,batch=off", false, true},
		{"cache=off,batch=on", true, false},
		{"cache=on,batch=on", false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := newAPI(b, g, Limits{})
			a.noCache, a.noBatch = bc.noCache, bc.noBatch
			ctx := context.Background()
			if res := a.Do(ctx, Request{Query: twoHop}); len(res.Errors) > 0 {
				b.Fatal(res.Errors)
			}
			g.take()
			b.ReportAllocs()
			for b.Loop() {
				a.Do(ctx, Request{Query: twoHop})
			}
			calls := 0
			for _, n := range g.take() {
				calls += n
			}
			b.ReportMetric(float64(calls)/float64(b.N), "storecalls/op")
		})
	}
}
