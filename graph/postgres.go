package graph

// Layout: readAll and the change-log trigger read the private SQL tables of
// cayley v0.7.7-0.20240706181042-81dcd7d73e45 (graph/sql/postgres): check them against that
// source whenever the pinned cayley version changes.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"

	"github.com/blurline/blurline"
	_ "github.com/cayleygraph/cayley/graph/sql/postgres" // the shared backend
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
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
	db       *sql.DB
	rebuilds atomic.Int64 // full rebuilds after other servers' writes (for tests)
}

// advisoryKey is the pg_advisory_lock key of Blurline's writes.
const advisoryKey = 0x426c75726c696e65 // "Blurline"

const pgSetup = `
CREATE TABLE IF NOT EXISTS blurline_version (id INT PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL);
INSERT INTO blurline_version (id, v) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
ALTER TABLE blurline_version ADD COLUMN IF NOT EXISTS log_from BIGINT;
UPDATE blurline_version SET log_from = v + 1 WHERE log_from IS NULL;
CREATE TABLE IF NOT EXISTS blurline_changes (v BIGINT NOT NULL, del BOOLEAN NOT NULL, s nodes, p nodes, o nodes, l nodes);
CREATE INDEX IF NOT EXISTS blurline_changes_v ON blurline_changes (v);
CREATE OR REPLACE FUNCTION blurline_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE blurline_version SET v = v + 1 WHERE id = 1;
	IF TG_OP IN ('UPDATE', 'TRUNCATE') THEN
		UPDATE blurline_version SET log_from = v + 1 WHERE id = 1;
	END IF;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER blurline_quads_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quads
	FOR EACH STATEMENT EXECUTE FUNCTION blurline_bump();
CREATE OR REPLACE FUNCTION blurline_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE cur BIGINT; n BIGINT;
BEGIN
	SELECT v INTO cur FROM blurline_version WHERE id = 1;
	SELECT count(*) INTO n FROM blurline_rows;
	IF n > ` + pgLogMaxRowsSQL + ` THEN
		DELETE FROM blurline_changes WHERE v <= cur;
		UPDATE blurline_version SET log_from = cur + 1 WHERE id = 1;
	ELSIF n > 0 THEN
		INSERT INTO blurline_changes (v, del, s, p, o, l) SELECT cur, TG_OP = 'DELETE', s, p, o, l FROM blurline_rows q
			JOIN nodes s ON s.hash = q.subject_hash JOIN nodes p ON p.hash = q.predicate_hash
			JOIN nodes o ON o.hash = q.object_hash LEFT JOIN nodes l ON l.hash = q.label_hash;
	END IF;
	PERFORM blurline_log_trim(cur);
	RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION blurline_log_trim(cur BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF cur % 1000 = 0 THEN
		DELETE FROM blurline_changes WHERE v <= cur - ` + pgLogKeepSQL + `;
		UPDATE blurline_version SET log_from = cur - ` + pgLogKeepSQL + ` + 1 WHERE id = 1 AND log_from <= cur - ` + pgLogKeepSQL + `;
	END IF;
END $$;
CREATE OR REPLACE TRIGGER blurline_quads_log_add AFTER INSERT ON quads REFERENCING NEW TABLE AS blurline_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blurline_log_change();
CREATE OR REPLACE TRIGGER blurline_quads_log_del AFTER DELETE ON quads REFERENCING OLD TABLE AS blurline_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blurline_log_change();
DROP FUNCTION IF EXISTS blurline_log_add(), blurline_log_del();
`

// The change log. Next to the version, triggers on cayley's quads table
// record each inserted or deleted quad, with its values (cayley's nodes
// rows, copied at the time, since a deleted quad's nodes go with it), and
// the version of the statement. A server whose read model is at version
// seen applies the changes after seen instead of rebuilding, if the log
// still holds all of them: blurline_version.log_from is the first version
// the log is complete from. A statement of more than pgLogMaxRows quads (a
// bulk load) is not logged (log_from moves past it, and readers rebuild);
// the log keeps about the last pgLogKeep versions (one per statement).
const (
	pgLogMaxRowsSQL = "20000"
	pgLogKeepSQL    = "100000"
)

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
		// A dropped connection: database/sql's driver.ErrBadConn, or the
		// stream ending under lib/pq (refused and unknown hosts are net.Errors).
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
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
	if v <= s.seen.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncLocked(ctx, v)
}

// syncLocked rebuilds the read model if the database moved past it. The
// caller holds s.mu for writing; v is a version read before the rebuild
// starts (a write during the rebuild shows up at the next Sync). The data
// version only grows: a v at or below seen was read before a write that
// the read model already has (this server's own, whose done recorded a
// newer version meanwhile), and must not trigger a rebuild.
func (s *Store) syncLocked(ctx context.Context, v int64) error {
	seen := s.seen.Load()
	if v <= seen {
		return nil
	}
	ch, to, ok, err := s.pg.changesSince(ctx, seen)
	if err != nil {
		return err
	}
	if ok {
		// The log holds every change since seen: apply them in order.
		t := newTxn(s.cur.Load())
		for _, x := range ch {
			if x.del {
				t.remove(x.q)
			} else {
				t.add(x.q)
			}
		}
		s.publish(ctx, t)
		s.seen.Store(to)
		s.lg.Debug("read model caught up with another server's writes", "version", to, "changes", len(ch))
		return nil
	}
	if err := s.rebuild(ctx); err != nil {
		return err
	}
	s.pg.rebuilds.Add(1)
	s.seen.Store(v)
	s.lg.Debug("read model rebuilt after another server's write", "version", v)
	return nil
}

// pgChange is one logged change.
type pgChange struct {
	del bool
	q   quad.Quad
}

// changesSince reads, in one snapshot, the data version and every change
// after version seen up to it. ok is false when the log no longer holds
// them all (the caller rebuilds).
func (c *pgCoord) changesSince(ctx context.Context, seen int64) (ch []pgChange, to int64, ok bool, err error) {
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, 0, false, pgError("read the change log", err)
	}
	defer tx.Rollback()
	var from int64
	if err := tx.QueryRowContext(ctx, "SELECT v, log_from FROM blurline_version WHERE id = 1").Scan(&to, &from); err != nil {
		return nil, 0, false, pgError("read the change log", err)
	}
	if from > seen+1 {
		return nil, 0, false, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT c.del, "+pgNodeCols("(c.s)")+", "+pgNodeCols("(c.p)")+", "+pgNodeCols("(c.o)")+", "+pgNodeCols("(c.l)")+
		", (c.l).hash IS NOT NULL FROM blurline_changes c WHERE c.v > $1 AND c.v <= $2 ORDER BY c.v", seen, to)
	if err != nil {
		return nil, 0, false, pgError("read the change log", err)
	}
	defer rows.Close()
	var x pgChange
	var sn, pn, on, ln pgNode
	var hasLabel bool
	dest := append(append(append(append([]any{&x.del}, sn.dest()...), pn.dest()...), on.dest()...), ln.dest()...)
	dest = append(dest, &hasLabel)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, false, pgError("read the change log", err)
		}
		var vals [4]quad.Value
		for i, n := range []*pgNode{&sn, &pn, &on, &ln} {
			if i == 3 && !hasLabel {
				break
			}
			if vals[i], err = n.value(); err != nil {
				return nil, 0, false, blurline.Errorf(blurline.ErrInternal, "decode a logged value: %v", err)
			}
		}
		ch = append(ch, pgChange{del: x.del, q: quad.Quad{Subject: vals[0], Predicate: vals[1], Object: vals[2], Label: vals[3]}})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, pgError("read the change log", err)
	}
	return ch, to, true, nil
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
		if v, err := s.pg.version(context.Background()); err == nil && v > s.seen.Load() {
			s.seen.Store(v)
		}
		unlock()
	}, nil
}

// pgNodeCols selects the columns of one nodes row, aliased by a.
func pgNodeCols(a string) string {
	return a + ".value, " + a + ".value_string, " + a + ".datatype, " + a + ".language, " + a + ".iri, " + a + ".bnode, " +
		a + ".value_int, " + a + ".value_bool, " + a + ".value_float, " + a + ".value_time"
}

// pgNode is one scanned nodes row.
type pgNode struct {
	data   []byte
	str    sql.NullString
	typ    sql.NullString
	lang   sql.NullString
	iri    sql.NullBool
	bnode  sql.NullBool
	vint   sql.NullInt64
	vbool  sql.NullBool
	vfloat sql.NullFloat64
	vtime  sql.NullTime
}

func (n *pgNode) dest() []any {
	return []any{&n.data, &n.str, &n.typ, &n.lang, &n.iri, &n.bnode, &n.vint, &n.vbool, &n.vfloat, &n.vtime}
}

// value decodes a nodes row exactly as cayley's sql backend does.
func (n *pgNode) value() (quad.Value, error) {
	unescape := func(s string) string { return strings.ReplaceAll(s, `\x00`, "\x00") }
	switch {
	case n.str.Valid && n.iri.Bool:
		return quad.IRI(n.str.String), nil
	case n.str.Valid && n.bnode.Bool:
		return quad.BNode(n.str.String), nil
	case n.str.Valid && n.lang.Valid:
		return quad.LangString{Value: quad.String(unescape(n.str.String)), Lang: n.lang.String}, nil
	case n.str.Valid && n.typ.Valid:
		return quad.TypedString{Value: quad.String(unescape(n.str.String)), Type: quad.IRI(n.typ.String)}, nil
	case n.str.Valid:
		return quad.String(unescape(n.str.String)), nil
	case n.vint.Valid:
		return quad.Int(n.vint.Int64), nil
	case n.vbool.Valid:
		return quad.Bool(n.vbool.Bool), nil
	case n.vfloat.Valid:
		return quad.Float(n.vfloat.Float64), nil
	case n.vtime.Valid:
		return quad.Time(n.vtime.Time.UTC()), nil
	case n.data != nil:
		return pquads.UnmarshalValue(n.data)
	}
	return nil, nil
}

// readAll reads every quad of cayley's tables in one query (cayley's own
// iterator looks each value up separately: 1.2 s for the seed instead of
// a few milliseconds).
func (c *pgCoord) readAll(ctx context.Context, fn addFunc) error {
	q := "SELECT " + pgNodeCols("s") + ", " + pgNodeCols("p") + ", " + pgNodeCols("o") + ", " + pgNodeCols("l") +
		", q.label_hash IS NOT NULL FROM quads q JOIN nodes s ON s.hash = q.subject_hash JOIN nodes p ON p.hash = q.predicate_hash" +
		" JOIN nodes o ON o.hash = q.object_hash LEFT JOIN nodes l ON l.hash = q.label_hash"
	rows, err := c.db.QueryContext(ctx, q)
	if err != nil {
		return pgError("read the quads", err)
	}
	defer rows.Close()
	var s, p, o, l pgNode
	var hasLabel bool
	dest := append(append(append(append(s.dest(), p.dest()...), o.dest()...), l.dest()...), &hasLabel)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return pgError("read a quad", err)
		}
		var qd quad.Quad
		var vals [4]quad.Value
		for i, n := range []*pgNode{&s, &p, &o, &l} {
			if i == 3 && !hasLabel {
				break
			}
			v, err := n.value()
			if err != nil {
				return blurline.Errorf(blurline.ErrInternal, "decode a stored value: %v", err)
			}
			vals[i] = v
		}
		qd.Subject, qd.Predicate, qd.Object, qd.Label = vals[0], vals[1], vals[2], vals[3]
		fn(qd, nil)
	}
	if err := rows.Err(); err != nil {
		return pgError("read the quads", err)
	}
	return nil
}
