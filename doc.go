// Package blurline is the domain vocabulary of Blurline, a knowledge-graph
// query server about the blurred line between state and criminal cyber
// actors.
//
// It names the entity classes, relationship predicates and provenance
// properties once (see vocabulary.go and docs/vocabulary.md), defines the
// domain types every layer shares ([Node], [Fact]) and the error kinds
// ([ErrNotFound], [ErrInvalid], [ErrForbidden], [ErrInternal]). It imports
// only the standard library.
//
// # A tour, from the bottom up
//
//   - The root package (this one): the vocabulary ([Classes], [Predicates],
//     [Properties], each with its STIX 2.1 counterpart), the shared types
//     ([Node], [Fact], [Path], the query types), IRIs ([EntityIRI],
//     [CheckIRI]) and the error kinds.
//   - seed: the embedded N-Quads that a new store starts with.
//   - graph: the only package that touches cayley. It opens a store from an
//     address (memory:, bbolt:PATH, or postgres://... for a PostgreSQL
//     database that several servers share), parses and validates N-Quads
//     strictly and loads them all-or-nothing, and answers queries from an
//     in-memory read model kept in step with the durable cayley store.
//   - blur: the State-Criminal Blurring Index, a pure computation over facts.
//   - interop: STIX 2.1/2.0 bundles and MISP galaxies in (resolved against
//     the store, one all-or-nothing write per file, taken back whole) and
//     STIX 2.1 out, through small interfaces the store satisfies.
//   - schema: the GraphQL schema (graphql-go) over a small Graph interface.
//   - server: GraphQL over HTTP, the offline GraphiQL playground, operations.
//   - cmd/blurline: flags, logging and wiring; the only package that knows
//     the concrete store.
//   - internal/: helpers the packages above share without depending on each
//     other (strictjson, the JSON reader of the server and interop; pgtest,
//     a throwaway PostgreSQL for tests; testlog; gen, generated graphs).
//
// Imports point inward: only graph imports cayley, and server and schema
// never import graph (imports_test.go checks both).
//
// # How a fact is stored
//
// Every relationship is a fact: one quad whose label (named graph) is the
// fact's IRI, plus provenance quads about that IRI in the same named graph:
//
//	<id/apt40> <ns#sponsoredBy> <id/hssd> <fact/uk-ncsc-apt40-hssd> .
//	<fact/uk-ncsc-apt40-hssd> <ns#source> <https://www.gov.uk/...> <fact/uk-ncsc-apt40-hssd> .
//	<fact/uk-ncsc-apt40-hssd> <ns#confidence> "0.85"^^<xsd:decimal> <fact/uk-ncsc-apt40-hssd> .
//
// Retracting a fact removes its named graph. Entity descriptions (type,
// name, aliases, sources) are plain quads in the default graph or in an
// import's graph. A TLP marking ([Marking]) is one more quad: <ns#marking>
// "AMBER" in the fact's graph, or in the graph of the entity description
// it marks; without one, CLEAR. The graph store reads every query through
// the view of the request's principal, which leaves out what it may not see.
// Every write made on someone's behalf also leaves an audit record
// (audit.go: who, when, from where, which facts) in the graph
// [AuditGraph], in the same transaction; no write removes one.
package blurline
