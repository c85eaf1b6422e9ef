package graph

import (
	"cmp"
	"context"

	"github.com/blurline/blurline"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// backend is the durable store under a Store, one implementation for each
// of cayley's backends Blurline uses: memory, bbolt and PostgreSQL. The
// Store's own logic (validation, the read model and its snapshots, the
// write order) is the same over all three; what differs lives behind this
// seam, and so does every piece of code that depends on cayley's private
// layouts (the kv bulk writer and log reader, the PostgreSQL COPY path
// and table reader), each file saying which cayley version it mirrors.
//
// A store shared with other servers (PostgreSQL) also coordinates through
// pgCoord: the cluster-wide write lock, the data version and the change
// log (postgres.go). The embedded stores have none: their data version is
// the read model's own.
type backend interface {
	// readAll calls add with every quad of the store (and its node ids
	// where the store has them).
	readAll(ctx context.Context, add addFunc) error
	// apply writes adds and deletes, all or nothing. A bulk write stops
	// when ctx ends, leaving the store as it was.
	apply(ctx context.Context, adds, dels []quad.Quad) error
	// ready reports whether the store answers a read.
	ready(ctx context.Context) error
	close() error
}

// applyDeltas is cayley's own transaction: every backend's path for
// writes that are not bulk loads.
func applyDeltas(s *Store, adds, dels []quad.Quad) error {
	deltas := make([]cgraph.Delta, 0, len(adds)+len(dels))
	for _, q := range dels {
		deltas = append(deltas, cgraph.Delta{Quad: q, Action: cgraph.Delete})
	}
	for _, q := range adds {
		deltas = append(deltas, cgraph.Delta{Quad: q, Action: cgraph.Add})
	}
	if err := s.qs.ApplyDeltas(deltas, cgraph.IgnoreOpts{IgnoreDup: true, IgnoreMissing: true}); err != nil {
		s.lg.Error("write failed", "err", err)
		return blurline.Errorf(blurline.ErrInternal, "write to %s store: %v", s.backend, err)
	}
	return nil
}

func qsReady(ctx context.Context, s *Store) error {
	if _, err := s.qs.Stats(ctx, false); err != nil {
		return blurline.Errorf(blurline.ErrUnavailable, "%s store: %v", s.backend, err)
	}
	return ctx.Err()
}

// memBackend is cayley's in-memory store: it opens empty.
type memBackend struct{ s *Store }

func (b memBackend) readAll(context.Context, addFunc) error { return nil }
func (b memBackend) apply(_ context.Context, adds, dels []quad.Quad) error {
	return applyDeltas(b.s, adds, dels)
}
func (b memBackend) ready(ctx context.Context) error { return qsReady(ctx, b.s) }
func (b memBackend) close() error                    { return b.s.qs.Close() }

// boltBackend is cayley's bbolt key-value store in a data directory:
// reads from cayley's log (rebuildKV), large loads by the bulk writer
// (kvbulk.go, behind its undo journal), the rest by ApplyDeltas.
type boltBackend struct{ s *Store }

func (b boltBackend) readAll(ctx context.Context, add addFunc) error {
	return rebuildKV(ctx, b.s.bolt, add)
}

func (b boltBackend) apply(ctx context.Context, adds, dels []quad.Quad) error {
	if len(dels) == 0 && len(adds) > bulkMinQuads {
		if err := b.s.applyBulk(ctx, adds); err != nil {
			return cmp.Or(ctx.Err(), err)
		}
		return nil
	}
	return applyDeltas(b.s, adds, dels)
}

func (b boltBackend) ready(ctx context.Context) error { return qsReady(ctx, b.s) }
func (b boltBackend) close() error                    { return b.s.qs.Close() }

// pgBackend is cayley's PostgreSQL store: reads in one join (readAll),
// large loads by COPY (pgbulk.go), the rest by ApplyDeltas.
type pgBackend struct{ s *Store }

func (b pgBackend) readAll(ctx context.Context, add addFunc) error {
	return b.s.pg.readAll(ctx, add)
}

func (b pgBackend) apply(ctx context.Context, adds, dels []quad.Quad) error {
	if len(dels) == 0 && len(adds) >= pgBulkMin {
		if err := b.s.pg.pgBulkAdd(ctx, adds); err != nil {
			return cmp.Or(ctx.Err(), err)
		}
		return nil
	}
	return applyDeltas(b.s, adds, dels)
}

func (b pgBackend) ready(ctx context.Context) error { return b.s.pg.ping(ctx) }

func (b pgBackend) close() error {
	err := b.s.qs.Close()
	if perr := b.s.pg.close(); err == nil {
		err = perr
	}
	return err
}
