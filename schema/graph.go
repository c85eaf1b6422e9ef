package schema

import (
	"context"

	"github.com/blurline/blurline"
)

// Graph is what the API needs of the knowledge store; *graph.Store
// satisfies it, and it satisfies blur.Source (the blur analysis reads
// FactsOf, Nodes, FindNodes and Version) and interop.Store. Methods that take a list of ids answer for all of them in
// one call, so a resolver level makes one store call, not one per item.
type Graph interface {
	Node(ctx context.Context, id string) (*blurline.Node, error)
	Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error)
	FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error)
	Fact(ctx context.Context, id string) (*blurline.Fact, error)
	Facts(ctx context.Context, q blurline.FactQuery) ([]*blurline.Fact, error)
	FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error)
	ShortestPaths(ctx context.Context, from, to string, o blurline.PathOptions) ([]blurline.Path, error)
	Neighbourhood(ctx context.Context, id string, hops, limit int, f blurline.FactFilter) (blurline.Subgraph, error)
	Stats(ctx context.Context) (blurline.Stats, error)
	// History pages the audit trail (Query.history).
	History(ctx context.Context, q blurline.AuditQuery) (blurline.AuditPage, error)
	Version() uint64
	// Pin returns a context whose reads all see the store's current
	// version, and that version: a request reads one version throughout.
	Pin(ctx context.Context) (context.Context, uint64)

	Write(ctx context.Context, nodes []blurline.Node, facts []blurline.Fact) ([]*blurline.Fact, error)
	Retract(ctx context.Context, id string) (*blurline.Fact, error)
	LoadNQuads(ctx context.Context, name, text string, o blurline.WriteOptions) (added int, err error)

	// WriteImport and RetractImport are what interop's STIX import needs
	// beyond the reads above (interop.Store): a write that RetractImport
	// can take back whole.
	WriteImport(ctx context.Context, id string, nodes []blurline.Node, facts []blurline.Fact) ([]*blurline.Fact, error)
	RetractImport(ctx context.Context, id string) (int, error)
}
