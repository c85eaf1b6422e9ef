package graph

import (
	"context"
	"database/sql"

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
	rebuild, err := pgDeferMaintenance(ctx, tx, len(adds))
	if err != nil {
		return err
	}
	for _, st := range pgBulkStatements {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return pgError("bulk load", err)
		}
	}
	for _, st := range rebuild {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return pgError("rebuild an index or constraint after the bulk load", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return pgError("commit the bulk load", err)
	}
	return nil
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
		for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			if v == nil {
				if i < 3 {
					return blurline.Errorf(blurline.ErrInvalid, "quad %v has no %s", q, quad.Directions[i])
				}
				continue
			}
			h := refs.HashOf(v)
			hashes[qi][i] = h
			if _, ok := seen[h]; ok {
				continue
			}
			seen[h] = struct{}{}
			typ, vals, err := csql.NodeValues(csql.NodeHash{ValueHash: h}, v)
			if err != nil {
				return blurline.Errorf(blurline.ErrInvalid, "encode value %v: %v", v, err)
			}
			clear(row)
			row[0] = vals[0]
			for i, col := range typ.Columns() {
				row[pgNodeColumn[col]] = vals[1+i]
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

// pgDeferMaintenance drops quads' foreign keys and non-unique indexes when
// n quads are more than the table holds and this role owns the table, and
// returns the statements that recreate them.
func pgDeferMaintenance(ctx context.Context, tx *sql.Tx, n int) ([]string, error) {
	var stored int
	var owner bool
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM quads LIMIT $1) AS x),
		pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'quads'::regclass), 'USAGE')`, n).Scan(&stored, &owner); err != nil {
		return nil, pgError("size the quads table", err)
	}
	if stored >= n || !owner {
		return nil, nil
	}
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
		WHERE i.indrelid = 'quads'::regclass AND NOT i.indisunique AND NOT i.indisprimary ORDER BY c.relname`,
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
