package graph

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"

	"github.com/blurline/blurline"
	_ "github.com/cayleygraph/cayley/graph/sql/postgres" // the shared backend
	"github.com/lib/pq"
)

// Several servers, one PostgreSQL database.
//
// The quads live in cayley's own postgres tables (nodes, quads). Each
// server keeps its read model in memory, so it must learn of the others'
// writes. A statement-level trigger on cayley's quads table bumps a version
// row in the same transaction as every write (so the version can never
// disagree with the data); a server compares that version with the one its
// read model was built at (Sync, once per request) and rebuilds when they
// differ. Writes take a PostgreSQL advisory lock, sync, validate against
// the fresh read model and commit, so two servers never validate against
// stale state.

// pgCoord is the cross-server coordination of a postgres store.
type pgCoord struct {
	db *sql.DB
}

// advisoryKey is the pg_advisory_lock key of Blurline's writes.
const advisoryKey = 0x426c75726c696e65 // "Blurline"

const pgSetup = `
CREATE TABLE IF NOT EXISTS blurline_version (id INT PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL);
INSERT INTO blurline_version (id, v) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION blurline_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE blurline_version SET v = v + 1 WHERE id = 1;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER blurline_quads_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quads
	FOR EACH STATEMENT EXECUTE FUNCTION blurline_bump();
`

// openPGCoord connects, and under the write lock creates cayley's tables
// (first use) and Blurline's version row and trigger.
func openPGCoord(ctx context.Context, dsn string, initCayley func() error) (*pgCoord, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, pgError("connect to postgres", err)
	}
	db.SetMaxOpenConns(8)
	c := &pgCoord{db: db}
	// Two servers starting at once must not race on the DDL.
	unlock, err := c.lock(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	defer unlock()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass('quads') IS NOT NULL").Scan(&exists); err != nil {
		db.Close()
		return nil, pgError("look for cayley's tables", err)
	}
	if !exists {
		if err := initCayley(); err != nil {
			db.Close()
			return nil, pgError("create cayley's tables", err)
		}
	}
	if _, err := db.ExecContext(ctx, pgSetup); err != nil {
		db.Close()
		return nil, pgError("set up blurline's tables", err)
	}
	return c, nil
}

// version returns the data version: it changes with every write.
func (c *pgCoord) version(ctx context.Context) (int64, error) {
	var v int64
	if err := c.db.QueryRowContext(ctx, "SELECT v FROM blurline_version WHERE id = 1").Scan(&v); err != nil {
		return 0, pgError("read the data version", err)
	}
	return v, nil
}

// lock takes the cluster-wide write lock.
func (c *pgCoord) lock(ctx context.Context) (unlock func(), err error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, pgError("connect to postgres", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(advisoryKey)); err != nil {
		conn.Close()
		return nil, pgError("take the write lock", err)
	}
	return func() {
		// A lost connection releases the lock on the server side anyway.
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", int64(advisoryKey))
		conn.Close()
	}, nil
}

func (c *pgCoord) ping(ctx context.Context) error {
	if err := c.db.PingContext(ctx); err != nil {
		return pgError("postgres", err)
	}
	return nil
}

func (c *pgCoord) close() error { return c.db.Close() }

// pgError classifies a database error: connection trouble is
// ErrUnavailable, anything else ErrInternal.
func pgError(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ne net.Error
	var pe *pq.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, sql.ErrConnDone), errors.Is(err, pq.ErrSSLNotSupported),
		errors.As(err, &pe) && (strings.HasPrefix(string(pe.Code), "08") || strings.HasPrefix(string(pe.Code), "57P") || pe.Code == "3D000" || pe.Code == "28P01" || pe.Code == "28000"),
		strings.Contains(err.Error(), "connection refused"), strings.Contains(err.Error(), "bad connection"),
		strings.Contains(err.Error(), "EOF"), strings.Contains(err.Error(), "no such host"):
		return blurline.Errorf(blurline.ErrUnavailable, "%s: %v", what, err)
	}
	return blurline.Errorf(blurline.ErrInternal, "%s: %v", what, err)
}

// Sync brings the read model up to date with writes made by other servers
// sharing the database. It is a no-op for the embedded stores. The server
// calls it once per request.
func (s *Store) Sync(ctx context.Context) error {
	if s.pg == nil {
		return nil
	}
	v, err := s.pg.version(ctx)
	if err != nil {
		return err
	}
	if v == s.seen.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncLocked(ctx, v)
}

// syncLocked rebuilds the read model if the database moved past it. The
// caller holds s.mu for writing; v is a version read before the rebuild
// starts (a write during the rebuild shows up at the next Sync).
func (s *Store) syncLocked(ctx context.Context, v int64) error {
	if v == s.seen.Load() {
		return nil
	}
	if err := s.rebuild(ctx); err != nil {
		return err
	}
	s.seen.Store(v)
	s.version.Add(1)
	s.lg.Debug("read model rebuilt after another server's write", "version", v)
	return nil
}

// beginWrite takes the cluster-wide write lock and syncs; the caller holds
// s.mu for writing and must call the returned function when done.
func (s *Store) beginWrite(ctx context.Context) (func(), error) {
	if s.pg == nil {
		return func() {}, nil
	}
	unlock, err := s.pg.lock(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.pg.version(ctx)
	if err == nil {
		err = s.syncLocked(ctx, v)
	}
	if err != nil {
		unlock()
		return nil, err
	}
	return func() {
		// Our own write bumped the version: the read model already has it.
		if v, err := s.pg.version(context.Background()); err == nil {
			s.seen.Store(v)
		}
		unlock()
	}, nil
}
