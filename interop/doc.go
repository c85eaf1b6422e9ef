// Package interop moves knowledge between Blurline and the formats analysts
// already hold it in: STIX 2.1 and 2.0 bundles (OpenCTI, MITRE ATT&CK, TAXII
// feeds) and MISP galaxies.
//
// [ImportSTIX] and [ImportMISPGalaxy] map the objects of one file onto the
// vocabulary, resolve each described entity against the store (external ids
// first, then exact names and aliases within compatible classes; ambiguous
// matches never merge), and write everything in one [Store.WriteImport] call:
// all or nothing, and taken back whole by [RetractImport]. A store that
// keeps what its imports read (*graph.Store) is always the replay of its
// imports in the order of their ids, so that it depends on which files were
// imported and not on the order they arrived in (together.go). A [Report]
// says what was created, merged (by which key) and skipped (and why). A broken
// file is rejected with a [FileError] whose problems name the object and the
// JSON path that is wrong.
//
// [ExportSTIX] writes the store, or a subgraph of it, as a STIX 2.1 bundle
// with deterministic ids, carrying confidence, sources, validity, the
// assertor and Blurline's own provenance (Healey level, attribution kind,
// allegation, quote) as x_blurline_ custom properties, so that importing the
// export into an empty store gives the same facts.
//
// The package imports only the root package and the standard library: the
// store is reached through the small [Reader] and [Store] interfaces, which
// *graph.Store satisfies. docs/interop.md gives the mapping tables.
package interop

import (
	"context"

	"github.com/blurline/blurline"
)

// Reader is what an export needs of the store.
type Reader interface {
	FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error)
	Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error)
	Facts(ctx context.Context, q blurline.FactQuery) ([]*blurline.Fact, error)
}

// Store is what an import needs of the store.
type Store interface {
	Reader
	// WriteImport writes entities and facts as import id, all or nothing.
	WriteImport(ctx context.Context, id string, nodes []blurline.Node, facts []blurline.Fact) ([]*blurline.Fact, error)
	// RetractImport takes back everything import id wrote.
	RetractImport(ctx context.Context, id string) (int, error)
}
