package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
)

// countingGraph is the real store with every read counted.
type countingGraph struct {
	*graph.Store
	mu    sync.Mutex
	calls map[string]int
}

func newCountingGraph(s *graph.Store) *countingGraph {
	return &countingGraph{Store: s, calls: map[string]int{}}
}

func (c *countingGraph) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[method]++
}

func (c *countingGraph) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := maps.Clone(c.calls)
	clear(c.calls)
	return m
}

func (c *countingGraph) Node(ctx context.Context, id string) (*blurline.Node, error) {
	c.count("Node")
	return c.Store.Node(ctx, id)
}

func (c *countingGraph) Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error) {
	c.count("Nodes")
	return c.Store.Nodes(ctx, ids)
}

func (c *countingGraph) FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error) {
	c.count("FindNodes")
	return c.Store.FindNodes(ctx, q)
}

func (c *countingGraph) Fact(ctx context.Context, id string) (*blurline.Fact, error) {
	c.count("Fact")
	return c.Store.Fact(ctx, id)
}

func (c *countingGraph) Facts(ctx context.Context, q blurline.FactQuery) ([]*blurline.Fact, error) {
	c.count("Facts")
	return c.Store.Facts(ctx, q)
}

func (c *countingGraph) FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error) {
	c.count("FactsOf")
	return c.Store.FactsOf(ctx, ids, dir, f)
}

func (c *countingGraph) ShortestPaths(ctx context.Context, from, to string, o blurline.PathOptions) ([]blurline.Path, error) {
	c.count("ShortestPaths")
	return c.Store.ShortestPaths(ctx, from, to, o)
}

func (c *countingGraph) Neighbourhood(ctx context.Context, id string, hops, limit int, f blurline.FactFilter) (blurline.Subgraph, error) {
	c.count("Neighbourhood")
	return c.Store.Neighbourhood(ctx, id, hops, limit, f)
}

// personsQuery asks for n persons and, for each, three typed relationship
// fields and the entity at their other end.
func personsQuery(n int) string {
	return fmt.Sprintf(`{ entities(kind: Person, first: %d) { edges { node { name ... on Person {
		memberships { other { name } } employers { other { name } } charges { other { name } } } } } } }`, n)
}

// countRels counts the relationships in a personsQuery response.
func countRels(tb testing.TB, data string) int {
	tb.Helper()
	var d struct {
		Entities struct {
			Edges []struct {
				Node struct{ Memberships, Employers, Charges []any }
			}
		}
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range d.Entities.Edges {
		n += len(e.Node.Memberships) + len(e.Node.Employers) + len(e.Node.Charges)
	}
	return n
}

func TestBatchedLevelIsOneStoreCall(t *testing.T) {
	g := newCountingGraph(seededStore(t))
	batched := newAPI(t, g, Limits{})
	naive := newAPI(t, g, Limits{})
	naive.noBatch = true
	ctx := context.Background()

	for _, n := range []int{10, 20, 27} {
		t.Run(fmt.Sprintf("%d persons", n), func(t *testing.T) {
			g.take()
			data := mustData(t, ctx, batched, personsQuery(n), nil)
			got := g.take()
			rels := countRels(t, data)
			if rels < n {
				t.Fatalf("the query found %d relationships for %d persons; the test needs more", rels, n)
			}
			// One call for the page, one for every person's facts (all three
			// fields share it), one for the entities at the other ends.
			want := map[string]int{"FindNodes": 1, "FactsOf": 1, "Nodes": 1}
			if !maps.Equal(got, want) {
				t.Errorf("batched: store calls %v, want %v", got, want)
			}

			naiveData := mustData(t, ctx, naive, personsQuery(n), nil)
			if naiveData != data {
				t.Errorf("unbatched response differs:\n%s", lineDiff(naiveData, data))
			}
			got = g.take()
			want = map[string]int{"FindNodes": 1, "FactsOf": 3 * n, "Nodes": rels}
			if !maps.Equal(got, want) {
				t.Errorf("unbatched: store calls %v, want %v (one per field and item)", got, want)
			}
		})
	}

	t.Run("two hops", func(t *testing.T) {
		g.take()
		mustData(t, ctx, batched, `{ entity(id: "hainan-ssd") { relationships { edges { node { other { id
			relationships { edges { node { other { name } } } } } } } } } }`, nil)
		got := g.take()
		// The entity, then per level one FactsOf and one Nodes call.
		want := map[string]int{"Node": 1, "FactsOf": 2, "Nodes": 2}
		if !maps.Equal(got, want) {
			t.Errorf("store calls %v, want %v", got, want)
		}
	})

	t.Run("attributions", func(t *testing.T) {
		g.take()
		mustData(t, ctx, batched, `{ attributions { subject { name } attributedBy { name } attributedTo { name } } }`, nil)
		got := g.take()
		// The facts, then one Nodes call for the three entity fields of all 26 attributions.
		want := map[string]int{"Facts": 1, "Nodes": 1}
		if !maps.Equal(got, want) {
			t.Errorf("store calls %v, want %v", got, want)
		}
	})
}
