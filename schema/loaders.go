package schema

import (
	"context"
	"slices"
	"sync"

	"github.com/blurline/blurline"
)

// Batch loading, so that a level of the response costs one store call and
// not one per item (no N+1).
//
// graphql-go completes a level of the response, then calls the thunks
// (func() (any, error)) that the level's resolvers returned, breadth first.
// A resolver that needs an entity, or an entity's facts, enqueues the id and
// returns a thunk; the first thunk of the level to run makes ONE store call
// (Graph.Nodes or Graph.FactsOf) for every id enqueued so far, and the other
// thunks find their answers in that call's results.
//
// Why not github.com/graph-gophers/dataloader/v7: it decides when a batch is
// complete by a timer (a 16 ms window by default) or a capacity, with a
// goroutine per batch, so every level of a query waits out the window.
// graphql-go already says when a level is complete: its first thunk runs
// only after every resolver of the level has enqueued its key. Dispatching
// on the first thunk batches as much, adds no latency, needs no goroutine
// and no dependency.
//
// Loaders are per request (withLoaders in Execute): results are cached for
// the request only, so a request never sees another's data, and a write
// between requests is seen by the next one.

type loadersKey struct{}

// loaders are the batch loaders of one request.
type loaders struct {
	nodes *batcher[*blurline.Node]
	facts *batcher[[]*blurline.Fact]
}

// newLoaders makes loaders over g. With batch false every load is its own
// store call, made at once (the unbatched baseline of the benchmarks).
func newLoaders(g Graph, batch bool) *loaders {
	return &loaders{
		nodes: newBatcher(batch, g.Nodes),
		facts: newBatcher(batch, func(ctx context.Context, ids []string) ([][]*blurline.Fact, error) {
			// Every fact of each entity, both ways and unfiltered: each field
			// filters its own, so all the fields of a level share one call.
			return g.FactsOf(ctx, ids, blurline.Both, blurline.FactFilter{})
		}),
	}
}

// withLoaders attaches per-request batch loaders to ctx.
func withLoaders(ctx context.Context, g Graph, batch bool) context.Context {
	return context.WithValue(ctx, loadersKey{}, newLoaders(g, batch))
}

// loaders returns the request's loaders, or unbatched ones when the schema
// is executed without Execute.
func (a *API) loaders(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(a.g, false)
}

// node returns a thunk for the entity with id: null when there is none.
// (One closure, not a wrapper around load's: a relationship's other end
// is one of these.)
func (l *loaders) node(ctx context.Context, id string) func() (any, error) {
	b := l.nodes
	if !b.batch {
		o := b.fetchOne(ctx, id)
		return func() (any, error) { return nodeOrNil(o.v, o.err) }
	}
	b.enqueue(id)
	return func() (any, error) { return nodeOrNil(b.get(ctx, id)) }
}

// nodeOrNil is n as a value, a nil interface when n is nil.
func nodeOrNil(n *blurline.Node, err error) (any, error) {
	if err != nil || n == nil {
		return nil, err
	}
	return n, nil
}

// factsOf returns a thunk for every fact that touches the entity, sorted by id.
func (l *loaders) factsOf(ctx context.Context, id string) func() ([]*blurline.Fact, error) {
	return l.facts.load(ctx, id)
}

// prime records entities already at hand, so that loading them costs nothing.
func (l *loaders) prime(nodes ...*blurline.Node) {
	for _, n := range nodes {
		if n != nil {
			l.nodes.prime(n.ID, n)
		}
	}
}

// batcher loads values by string key, in batches.
type batcher[V any] struct {
	batch bool
	fetch func(ctx context.Context, keys []string) ([]V, error)

	mu      sync.Mutex
	pending []string
	queued  map[string]bool
	done    map[string]outcome[V]
}

type outcome[V any] struct {
	v   V
	err error
}

func newBatcher[V any](batch bool, fetch func(ctx context.Context, keys []string) ([]V, error)) *batcher[V] {
	return &batcher[V]{batch: batch, fetch: fetch, queued: map[string]bool{}, done: map[string]outcome[V]{}}
}

// load enqueues key and returns a thunk for its value.
func (b *batcher[V]) load(ctx context.Context, key string) func() (V, error) {
	if !b.batch {
		o := b.fetchOne(ctx, key)
		return func() (V, error) { return o.v, o.err }
	}
	b.enqueue(key)
	return func() (V, error) { return b.get(ctx, key) }
}

// enqueue adds key to the next batch, unless it is loaded or queued.
func (b *batcher[V]) enqueue(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.done[key]; !ok && !b.queued[key] {
		b.queued[key] = true
		b.pending = append(b.pending, key)
	}
}

// get returns key's value, loading the pending batch if it is not loaded.
func (b *batcher[V]) get(ctx context.Context, key string) (V, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.done[key]
	if !ok {
		b.dispatch(ctx)
		o = b.done[key]
	}
	return o.v, o.err
}

func (b *batcher[V]) fetchOne(ctx context.Context, key string) outcome[V] {
	vs, err := b.fetch(ctx, []string{key})
	if err == nil && len(vs) != 1 {
		err = blurline.Errorf(blurline.ErrInternal, "batch load of 1 key returned %d values", len(vs))
	}
	if err != nil {
		return outcome[V]{err: err}
	}
	return outcome[V]{v: vs[0]}
}

// dispatch loads every pending key in one call. The caller holds b.mu.
func (b *batcher[V]) dispatch(ctx context.Context) {
	keys := b.pending
	b.pending = nil
	clear(b.queued)
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	vs, err := b.fetch(ctx, keys)
	if err == nil && len(vs) != len(keys) {
		err = blurline.Errorf(blurline.ErrInternal, "batch load of %d keys returned %d values", len(keys), len(vs))
	}
	for i, k := range keys {
		if err != nil {
			b.done[k] = outcome[V]{err: err}
		} else {
			b.done[k] = outcome[V]{v: vs[i]}
		}
	}
}

func (b *batcher[V]) prime(key string, v V) {
	if !b.batch {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.done[key]; !ok {
		b.done[key] = outcome[V]{v: v}
	}
}
