package graph

// Layout: this file writes the private SQL tables (nodes, quads and their
// hashes) of cayley v0.7.7-0.20240706181042-81dcd7d73e45 (graph/sql, graph/sql/postgres):
// check it against that source whenever the pinned cayley version changes.

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/cayley/graph/refs"
	csql "github.com/cayleygraph/cayley/graph/sql"
	"github.com/cayleygraph/quad"
	"github.com/lib/pq"
)

// Bulk loads into PostgreSQL.
//
// cayley's postgres writer sends one INSERT per node and one per quad
// (about 1k quads/s here). A large add-only write instead goes through
// pgBulkAdd, which writes cayley's own tables exactly as cayley's writer
// would, in one transaction:
//
//  1. COPY the distinct nodes (hash and value columns, encoded by cayley's
//     own csql.NodeValues) and the quads (the four hashes) into temporary
//     tables;
//  2. insert the nodes that are new with refs = 0 (ON CONFLICT (hash) DO
//     NOTHING);
//  3. insert the quads (ON CONFLICT DO NOTHING: a quad already stored, or
//     repeated in the input, is skipped) and, in the same statement, add to
//     each node's refs the number of directions of the quads actually
//     inserted that point at it;
//  4. delete any node left with refs <= 0 (none, unless the input holds a
//     node only in quads already stored).
//
// refs therefore count exactly the stored quads' references, as cayley's
// writer keeps them for new quads (cayley's writer also adds refs for a
// duplicate quad it skips; the bulk path does not). The statement trigger
// on quads bumps Blurline's data version in the same transaction, so other
// servers see the load; the caller holds the cluster-wide write lock.

// Checking four foreign keys row by row and inserting into four
// non-unique indexes row by row cost most of a bulk load into a small
// table (profiled: 10 of 12 s for 100k quads). When the load is larger
// than the table, pgDeferMaintenance drops those indexes and foreign keys
// inside the transaction and the load recreates them afterwards from their
// own catalog definitions (a sorted index build and one set-wise check per
// key): the schema comes out as it was, and a failed load rolls the DDL
// back with the rest. The unique indexes stay, as ON CONFLICT needs them.
// While the transaction runs, other sessions' reads of cayley's tables
// wait for it (Blurline's servers read only the version row meanwhile).
//
// A first load, into empty tables (checked after locking them against
// other writers), needs neither the temporary tables nor ON CONFLICT:
// pgBulkAddFresh drops all of quads' secondary indexes, the unique ones
// too, hashes the values on all cores, de-duplicates the quads and counts
// each node's refs in Go, COPYs straight into nodes (in hash order, so
// each row goes to the right end of nodes' primary key) and quads, and
// recreates what it dropped (100k quads: about 1.3 to 1.6 times the merge
// path's rate, in BenchmarkLoadPostgres).

// pgBulkMin is the fewest quads an add-only write needs to take the bulk
// path; smaller writes go through cayley's writer.
var pgBulkMin = 1000

// pgBulkStatements are steps 2 to 4 above.
var pgBulkStatements = []string{
	`INSERT INTO nodes (hash, refs, value, value_string, datatype, language, iri, bnode, value_int, value_bool, value_float, value_time)
	SELECT hash, 0, value, value_string, datatype, language, iri, bnode, value_int, value_bool, value_float, value_time
	FROM blurline_bulk_nodes ON CONFLICT (hash) DO NOTHING`,
	`WITH ins AS (
		INSERT INTO quads (subject_hash, predicate_hash, object_hash, label_hash, ts)
		SELECT s, p, o, l, now() FROM blurline_bulk_quads ORDER BY s, p, o, l
		ON CONFLICT DO NOTHING
		RETURNING subject_hash, predicate_hash, object_hash, label_hash
	), r AS (
		SELECT h, count(*) AS n FROM (
			SELECT subject_hash FROM ins UNION ALL SELECT predicate_hash FROM ins
			UNION ALL SELECT object_hash FROM ins UNION ALL SELECT label_hash FROM ins WHERE label_hash IS NOT NULL
		) AS x(h) GROUP BY h
	)
	UPDATE nodes SET refs = nodes.refs + r.n FROM r WHERE nodes.hash = r.h`,
	`DELETE FROM nodes USING blurline_bulk_nodes b WHERE nodes.hash = b.hash AND nodes.refs <= 0`,
}

const pgBulkTemp = `
CREATE TEMPORARY TABLE blurline_bulk_nodes (
	hash BYTEA, value BYTEA, value_string TEXT, datatype TEXT, language TEXT, iri BOOLEAN, bnode BOOLEAN,
	value_int BIGINT, value_bool BOOLEAN, value_float DOUBLE PRECISION, value_time TIMESTAMP WITH TIME ZONE
) ON COMMIT DROP;
CREATE TEMPORARY TABLE blurline_bulk_quads (s BYTEA, p BYTEA, o BYTEA, l BYTEA) ON COMMIT DROP;
`

// pgNodeColumn is the position of each of cayley's value columns in a row
// of blurline_bulk_nodes.
var pgNodeColumn = map[string]int{
	"value": 1, "value_string": 2, "datatype": 3, "language": 4, "iri": 5, "bnode": 6,
	"value_int": 7, "value_bool": 8, "value_float": 9, "value_time": 10,
}

// pgBulkAdd adds quads to cayley's tables in one transaction, all or
// nothing (see above). The caller holds the cluster-wide write lock.
func (c *pgCoord) pgBulkAdd(ctx context.Context, adds []quad.Quad) (err error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return pgError("begin the bulk load", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	st, err := pgTablesState(ctx, tx, len(adds))
	if err != nil {
		return err
	}
	if st.owner && st.empty && pgBulkFresh {
		err = pgBulkAddFresh(ctx, tx, adds)
	} else {
		err = pgBulkAddMerge(ctx, tx, adds, st.owner && st.quads < len(adds))
	}
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return pgError("commit the bulk load", err)
	}
	return nil
}

// pgState is what a bulk load needs to know of cayley's tables.
type pgState struct {
	owner bool // this role owns quads (may drop and recreate its indexes)
	quads int  // rows in quads, counted up to the load's size
	empty bool // nodes and quads are both empty
}

// pgTablesState reads the state of cayley's tables for a load of n quads.
// When this role owns them, it first locks them against other writers
// (EXCLUSIVE: plain reads go on) so the state cannot change before the
// load commits, even from writers that skip Blurline's write lock.
func pgTablesState(ctx context.Context, tx *sql.Tx, n int) (pgState, error) {
	var st pgState
	if err := tx.QueryRowContext(ctx, `SELECT pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'quads'::regclass), 'USAGE')`).Scan(&st.owner); err != nil {
		return st, pgError("read the owner of the quads table", err)
	}
	if st.owner {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE quads, nodes IN EXCLUSIVE MODE`); err != nil {
			return st, pgError("lock cayley's tables for the bulk load", err)
		}
	}
	var nodes bool
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM quads LIMIT $1) AS x), EXISTS (SELECT 1 FROM nodes)`,
		n).Scan(&st.quads, &nodes); err != nil {
		return st, pgError("size the quads table", err)
	}
	st.empty = st.quads == 0 && !nodes
	return st, nil
}

// pgBulkAddMerge is the load into tables that may already hold data:
// steps 1 to 4 above, with quads' secondary indexes and foreign keys
// dropped and recreated when defer is set.
func pgBulkAddMerge(ctx context.Context, tx *sql.Tx, adds []quad.Quad, deferMaintenance bool) error {
	if _, err := tx.ExecContext(ctx, pgBulkTemp); err != nil {
		return pgError("create the bulk load tables", err)
	}
	hashes := make([][4]refs.ValueHash, len(adds))
	if err := copyNodes(ctx, tx, adds, hashes); err != nil {
		return err
	}
	if err := copyQuads(ctx, tx, hashes); err != nil {
		return err
	}
	var rebuild []string
	if deferMaintenance {
		var err error
		if rebuild, err = pgDeferMaintenance(ctx, tx, false); err != nil {
			return err
		}
	}
	for _, st := range pgBulkStatements {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return pgError("bulk load", err)
		}
	}
	return pgRebuild(ctx, tx, rebuild)
}

// pgRebuild runs the statements that recreate what pgDeferMaintenance
// dropped.
func pgRebuild(ctx context.Context, tx *sql.Tx, rebuild []string) error {
	for _, st := range rebuild {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return pgError("rebuild an index or constraint after the bulk load", err)
		}
	}
	return nil
}

// pgNodeRow fills row (cleared first) with the hash h at 0 and v's value
// columns at their pgNodeColumn positions, as cayley's writer encodes them.
func pgNodeRow(row []any, h refs.ValueHash, v quad.Value) error {
	typ, vals, err := csql.NodeValues(csql.NodeHash{ValueHash: h}, v)
	if err != nil {
		return blurline.Errorf(blurline.ErrInvalid, "encode value %v: %v", v, err)
	}
	clear(row)
	row[0] = vals[0]
	for i, col := range typ.Columns() {
		row[pgNodeColumn[col]] = vals[1+i]
	}
	return nil
}

// quadHashes hashes q's values (the label's is zero when it has none).
func quadHashes(q quad.Quad) ([4]refs.ValueHash, error) {
	var h [4]refs.ValueHash
	for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
		if v == nil {
			if i < 3 {
				return h, blurline.Errorf(blurline.ErrInvalid, "quad %v has no %s", q, quad.Directions[i])
			}
			continue
		}
		h[i] = refs.HashOf(v)
	}
	return h, nil
}

// copyNodes copies every distinct value of adds into blurline_bulk_nodes,
// and records the hashes of each quad's values in hashes.
func copyNodes(ctx context.Context, tx *sql.Tx, adds []quad.Quad, hashes [][4]refs.ValueHash) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("blurline_bulk_nodes", "hash", "value", "value_string", "datatype",
		"language", "iri", "bnode", "value_int", "value_bool", "value_float", "value_time"))
	if err != nil {
		return pgError("copy the nodes", err)
	}
	defer stmt.Close()
	seen := make(map[refs.ValueHash]struct{}, len(adds))
	row := make([]any, 11)
	for qi, q := range adds {
		if hashes[qi], err = quadHashes(q); err != nil {
			return err
		}
		for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			h := hashes[qi][i]
			if v == nil {
				continue
			}
			if _, ok := seen[h]; ok {
				continue
			}
			seen[h] = struct{}{}
			if err := pgNodeRow(row, h, v); err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, row...); err != nil {
				return pgError("copy a node", err)
			}
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return pgError("copy the nodes", err)
	}
	return nil
}

// copyQuads copies the quads' hashes into blurline_bulk_quads.
func copyQuads(ctx context.Context, tx *sql.Tx, hashes [][4]refs.ValueHash) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("blurline_bulk_quads", "s", "p", "o", "l"))
	if err != nil {
		return pgError("copy the quads", err)
	}
	defer stmt.Close()
	var row [4]any
	for _, h := range hashes {
		for i := range h {
			row[i] = csql.NodeHash{ValueHash: h[i]}.SQLValue() // nil for no label
		}
		if _, err := stmt.ExecContext(ctx, row[:]...); err != nil {
			return pgError("copy a quad", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return pgError("copy the quads", err)
	}
	return nil
}

// pgDeferMaintenance drops quads' foreign keys and secondary indexes
// (the unique ones too if unique is set), and returns the statements that
// recreate them. The caller owns the table.
func pgDeferMaintenance(ctx context.Context, tx *sql.Tx, unique bool) ([]string, error) {
	var drop, rebuild []string
	collect := func(q string, dropf, addf func(name, def string) string) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return pgError("read quads' indexes and constraints", err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				return pgError("read quads' indexes and constraints", err)
			}
			drop = append(drop, dropf(pq.QuoteIdentifier(name), def))
			rebuild = append(rebuild, addf(pq.QuoteIdentifier(name), def))
		}
		return pgError("read quads' indexes and constraints", rows.Err())
	}
	if err := collect(`SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'quads'::regclass AND NOT i.indisprimary AND (NOT i.indisunique OR `+fmt.Sprint(unique)+`) ORDER BY c.relname`,
		func(name, _ string) string { return "DROP INDEX " + name },
		func(_, def string) string { return def }); err != nil {
		return nil, err
	}
	if err := collect(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'quads'::regclass AND contype = 'f' ORDER BY conname`,
		func(name, _ string) string { return "ALTER TABLE quads DROP CONSTRAINT " + name },
		func(name, def string) string { return "ALTER TABLE quads ADD CONSTRAINT " + name + " " + def }); err != nil {
		return nil, err
	}
	drop = append(drop, "SET LOCAL maintenance_work_mem = '256MB'")
	for _, st := range drop {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return nil, pgError("drop an index or constraint for the bulk load", err)
		}
	}
	return rebuild, nil
}

// pgBulkFresh lets a load into empty tables take pgBulkAddFresh (false in
// the benchmark's "merge" case, to compare).
var pgBulkFresh = true

// pgBulkAddFresh loads adds into nodes and quads that are both empty (and
// locked, so they stay so): it computes in Go what the merge statements
// compute in SQL (distinct quads, each node's refs), drops all of quads'
// secondary indexes, unique ones included, and its foreign keys, COPYs
// straight into nodes and quads and recreates the indexes and keys. The
// tables come out as pgBulkAddMerge leaves them (but for quads' horizon,
// numbered in the same key order).
func pgBulkAddFresh(ctx context.Context, tx *sql.Tx, adds []quad.Quad) error {
	hashes, err := hashQuads(adds)
	if err != nil {
		return err
	}
	// The distinct values, in first-seen order (the merge path keeps the
	// first of a hash's values too), and each quad's values as indexes in
	// nodes.
	type node struct {
		h    refs.ValueHash
		v    quad.Value
		refs int64
	}
	type key struct {
		h [4]refs.ValueHash
		n [4]int32 // -1: no label
	}
	nodes := make([]node, 0, len(adds))
	index := make(map[refs.ValueHash]int32, len(adds))
	keys := make([]key, len(adds))
	for qi, q := range adds {
		k := &keys[qi]
		k.h = hashes[qi]
		for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			if v == nil {
				k.n[i] = -1
				continue
			}
			n, ok := index[k.h[i]]
			if !ok {
				n = int32(len(nodes))
				nodes = append(nodes, node{h: k.h[i], v: v})
				index[k.h[i]] = n
			}
			k.n[i] = n
		}
	}
	// The merge path inserts ORDER BY s, p, o, l: bytea order, no label
	// last. Sorted, repeats are neighbours.
	slices.SortFunc(keys, func(a, b key) int {
		for i := range 3 {
			if c := bytes.Compare(a.h[i][:], b.h[i][:]); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(btoi(a.n[3] < 0), btoi(b.n[3] < 0)); c != 0 {
			return c
		}
		return bytes.Compare(a.h[3][:], b.h[3][:])
	})
	keys = slices.CompactFunc(keys, func(a, b key) bool { return a.h == b.h })
	for _, k := range keys {
		for _, n := range k.n {
			if n >= 0 {
				nodes[n].refs++
			}
		}
	}
	// In hash order, each node goes to the right end of nodes' primary key.
	slices.SortFunc(nodes, func(a, b node) int { return bytes.Compare(a.h[:], b.h[:]) })
	rebuild, err := pgDeferMaintenance(ctx, tx, true)
	if err != nil {
		return err
	}

	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("nodes", "hash", "value", "value_string", "datatype",
		"language", "iri", "bnode", "value_int", "value_bool", "value_float", "value_time", "refs"))
	if err != nil {
		return pgError("copy the nodes", err)
	}
	defer stmt.Close()
	row := make([]any, 12)
	for _, n := range nodes {
		if err := pgNodeRow(row, n.h, n.v); err != nil {
			return err
		}
		row[11] = n.refs
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return pgError("copy a node", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return pgError("copy the nodes", err)
	}

	// ts as the merge path sets it: now() as a timestamp, in this session.
	var ts string
	if err := tx.QueryRowContext(ctx, `SELECT now()::timestamp::text`).Scan(&ts); err != nil {
		return pgError("read the time of the bulk load", err)
	}
	qstmt, err := tx.PrepareContext(ctx, pq.CopyIn("quads", "subject_hash", "predicate_hash", "object_hash", "label_hash", "ts"))
	if err != nil {
		return pgError("copy the quads", err)
	}
	defer qstmt.Close()
	var qrow [5]any
	qrow[4] = ts
	for _, k := range keys {
		for i, h := range k.h {
			qrow[i] = csql.NodeHash{ValueHash: h}.SQLValue() // nil for no label
		}
		if _, err := qstmt.ExecContext(ctx, qrow[:]...); err != nil {
			return pgError("copy a quad", err)
		}
	}
	if _, err := qstmt.ExecContext(ctx); err != nil {
		return pgError("copy the quads", err)
	}
	return pgRebuild(ctx, tx, rebuild)
}

// hashQuads hashes each quad's values (quadHashes), on all cores.
func hashQuads(adds []quad.Quad) ([][4]refs.ValueHash, error) {
	hashes := make([][4]refs.ValueHash, len(adds))
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	per := (len(adds) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w * per; i < min((w+1)*per, len(adds)); i++ {
				var err error
				if hashes[i], err = quadHashes(adds[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs { // the first invalid quad's error
		if err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
