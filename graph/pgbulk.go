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
		SELECT s, p, o, l, now() FROM blurline_bulk_quads
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
	if err := copyNodes(ctx, tx, adds); err != nil {
		return err
	}
	if err := copyQuads(ctx, tx, adds); err != nil {
		return err
	}
	for _, st := range pgBulkStatements {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return pgError("bulk load", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return pgError("commit the bulk load", err)
	}
	return nil
}

// copyNodes copies every distinct value of adds into blurline_bulk_nodes.
func copyNodes(ctx context.Context, tx *sql.Tx, adds []quad.Quad) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("blurline_bulk_nodes", "hash", "value", "value_string", "datatype",
		"language", "iri", "bnode", "value_int", "value_bool", "value_float", "value_time"))
	if err != nil {
		return pgError("copy the nodes", err)
	}
	defer stmt.Close()
	seen := make(map[refs.ValueHash]struct{}, len(adds))
	row := make([]any, 11)
	for _, q := range adds {
		for _, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			if v == nil {
				continue
			}
			h := refs.HashOf(v)
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

// copyQuads copies the hashes of adds into blurline_bulk_quads.
func copyQuads(ctx context.Context, tx *sql.Tx, adds []quad.Quad) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("blurline_bulk_quads", "s", "p", "o", "l"))
	if err != nil {
		return pgError("copy the quads", err)
	}
	defer stmt.Close()
	var row [4]any
	for _, q := range adds {
		for i, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
			row[i] = nil
			if v != nil {
				row[i] = csql.HashOf(v).SQLValue()
			} else if i < 3 {
				return blurline.Errorf(blurline.ErrInvalid, "quad %v has no %s", q, quad.Directions[i])
			}
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
