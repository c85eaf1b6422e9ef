package schema

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
)

// largeStore loads two random graphs of n persons and m relatedTo facts
// each, n0 in one and "island" in the other: a search from n0 to the island
// walks far into both components (it searches from both ends) and finds
// nothing.
func largeStore(tb testing.TB, n, m int) *graph.Store {
	tb.Helper()
	const (
		id   = "https://w3id.org/blurline/id/"
		ns   = "https://w3id.org/blurline/ns#"
		fact = "https://w3id.org/blurline/fact/"
	)
	var sb strings.Builder
	entity := func(name string) {
		fmt.Fprintf(&sb, "<%s%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%sPerson> .\n", id, name, ns)
		fmt.Fprintf(&sb, "<%s%s> <%sname> %q .\n", id, name, ns, name)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []string{"n", "island"} {
		name := func(i int) string {
			if c == "island" && i == 0 {
				return "island"
			}
			return fmt.Sprintf("%s%d", c, i)
		}
		for i := range n {
			entity(name(i))
		}
		for i := range m {
			s, o := i%n, rng.IntN(n) // every person has a fact
			f := fmt.Sprintf("<%s%s-r%d>", fact, c, i)
			fmt.Fprintf(&sb, "<%s%s> <%srelatedTo> <%s%s> %s .\n", id, name(s), ns, id, name(o), f)
			fmt.Fprintf(&sb, "%s <%ssource> <https://example.org/r%d> %s .\n", f, ns, i, f)
			fmt.Fprintf(&sb, "%s <%sconfidence> \"0.5\"^^<http://www.w3.org/2001/XMLSchema#decimal> %s .\n", f, ns, f)
		}
	}
	s := openStore(tb)
	if _, err := s.LoadNQuads(context.Background(), "large", sb.String(), blurline.WriteOptions{}); err != nil {
		tb.Fatalf("LoadNQuads: %v", err)
	}
	return s
}

// countingCtx counts the times the store asks whether it should stop.
type countingCtx struct {
	context.Context
	mu   sync.Mutex
	errs int
}

func (c *countingCtx) Err() error {
	c.mu.Lock()
	c.errs++
	c.mu.Unlock()
	return c.Context.Err()
}

func (c *countingCtx) checks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errs
}

type searchResult struct {
	paths  []blurline.Path
	err    error
	checks int
}

// cancellingGraph records each path search; when cancel is set, it cancels
// the request just as the search starts (a client hanging up mid-search).
type cancellingGraph struct {
	*graph.Store
	cancel func()
	done   chan searchResult
}

func (c *cancellingGraph) ShortestPaths(ctx context.Context, from, to string, o blurline.PathOptions) ([]blurline.Path, error) {
	cc := &countingCtx{Context: ctx}
	if c.cancel != nil {
		c.cancel()
	}
	paths, err := c.Store.ShortestPaths(cc, from, to, o)
	c.done <- searchResult{paths, err, cc.checks()}
	return paths, err
}

func TestCancelStopsPathSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a large graph")
	}
	store := largeStore(t, 2000, 8000)
	const query = `{ paths(from: "n0", to: "island", maxHops: 8) { length } }`

	// The whole search: it walks every fact of the component, asking the
	// context whether to stop many times, and finds no path.
	g := &cancellingGraph{Store: store, done: make(chan searchResult, 1)}
	a := newAPI(t, g, Limits{})
	res := a.Do(context.Background(), Request{Query: query})
	full := <-g.done
	if len(res.Errors) > 0 || full.err != nil || len(full.paths) != 0 {
		t.Fatalf("uncancelled search: errors %v, store err %v, %d paths; want no path and no error", res.Errors, full.err, len(full.paths))
	}
	if full.checks < 10 {
		t.Fatalf("the uncancelled search checked its context %d times; the graph is too small to show anything", full.checks)
	}

	t.Logf("the whole search checked its context %d times", full.checks)

	// Cancelled as the search starts: the search gives up at its first
	// check, and the request reports CANCELLED.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g = &cancellingGraph{Store: store, cancel: cancel, done: make(chan searchResult, 1)}
	a = newAPI(t, g, Limits{})
	res = a.Do(ctx, Request{Query: query})
	if got, want := codes(res), []blurline.Kind{blurline.ErrCanceled}; !reflect.DeepEqual(got, want) {
		t.Errorf("cancelled request: codes %v, want %v (%v)", got, want, res.Errors)
	}
	var stopped searchResult
	select {
	case stopped = <-g.done:
	case <-time.After(time.Minute): // a hang guard, not a measurement
		t.Fatal("the cancelled search did not return")
	}
	if !errors.Is(stopped.err, context.Canceled) || stopped.paths != nil {
		t.Errorf("cancelled search returned %d paths, err %v; want none and context.Canceled", len(stopped.paths), stopped.err)
	}
	if stopped.checks != 1 {
		t.Errorf("cancelled search checked its context %d times, want 1 (it stops at its first check; the whole search checks %d times)", stopped.checks, full.checks)
	}
}

// TestCancelledBeforeStart: a request whose context is already cancelled
// does no work and says so.
func TestCancelledBeforeStart(t *testing.T) {
	g := newCountingGraph(seededStore(t))
	a := newAPI(t, g, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := a.Do(ctx, Request{Query: `{ paths(from: "mss", to: "wu-shurong") { length } }`})
	if got := codes(res); len(got) == 0 || got[0] != blurline.ErrCanceled {
		t.Errorf("codes %v, want CANCELLED (%v)", got, res.Errors)
	}
}
