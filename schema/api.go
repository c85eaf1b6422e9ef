// Package schema is Blurline's GraphQL API, built with graphql-go.
//
// [API] prepares (parses, guards, validates, caches by query text) and
// executes requests against the knowledge graph, which it reaches through
// the small [Graph] interface that *graph.Store satisfies. Every error it
// returns carries a [blurline.Kind] (its OriginalError is a
// *blurline.Error with the message a client may read); the server's error
// formatter turns kinds into extensions.code and HTTP statuses.
//
// The files, in the order a request meets them: api.go (Prepare, Execute,
// the document cache), gqlgo.go (everything done because of graphql-go
// v0.8.1, listed there: parsing, validation, error kinds), gqlgo_lex.go
// (bounds on the text), gqlgo_guard.go (depth, aliases, cost, fragment
// cycles and repeated fields, checked before graphql-go validates),
// gqlgo_vars.go (strict variable checks), exec.go and exec_values.go (the
// executor: graphql-go parses and validates, Blurline executes), response.go
// (the ordered response and its JSON), gqlgo_exec.go (graphql-go's executor,
// the reference the tests compare exec.go with), types.go (the Entity interface, a type
// per class with typed relationship fields, Relationship and Statement),
// resolve.go (queries), mutation.go (mutations), blur.go (the blur
// analysis: BlurScore, blur and blurRanking), interop.go (STIX import,
// retraction and export), history.go (the audit trail, admin only), args.go (arguments,
// limits, cursors) and loaders.go (per-request batch loading, one store
// call per level). docs/api.md describes the API for its users.
package schema

import (
	"container/list"
	"context"
	"log/slog"
	"sync"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// Limits bound what one request may ask for. Zero fields take the defaults.
type Limits struct {
	MaxQueryBytes int // size of the query text
	MaxDepth      int // nesting of selection sets, fragments expanded
	MaxAliases    int // aliased fields in the document
	MaxCost       int // estimated items a query may touch (see gqlgo_guard.go)
	MaxPageSize   int // largest first
	MaxPathHops   int // largest maxHops/hops
	MaxExport     int // most entities and facts in a stixBundle
	CacheSize     int // prepared documents kept
}

// DefaultLimits are the limits used where none are set (docs/operations.md).
var DefaultLimits = Limits{
	MaxQueryBytes: 64 << 10,
	MaxDepth:      15, // GraphiQL's introspection query is 13 deep
	MaxAliases:    50,
	MaxCost:       50000,
	MaxPageSize:   1000,
	MaxPathHops:   8,
	MaxExport:     20000,
	CacheSize:     512,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxQueryBytes, d.MaxQueryBytes)
	set(&l.MaxDepth, d.MaxDepth)
	set(&l.MaxAliases, d.MaxAliases)
	set(&l.MaxCost, d.MaxCost)
	set(&l.MaxPageSize, d.MaxPageSize)
	set(&l.MaxPathHops, d.MaxPathHops)
	set(&l.MaxExport, d.MaxExport)
	set(&l.CacheSize, d.CacheSize)
	return l
}

// API is the executable GraphQL API.
type API struct {
	lg     *slog.Logger
	g      Graph
	blur   *blur.Analyzer // one per API: it caches by store version, instant and state
	limits Limits
	schema graphql.Schema
	// possible says which object types each interface and union may be.
	possible map[typePair]bool
	// enumNames are the names of the enums' values.
	enumNames map[enumValue]any
	guards    []graphql.ValidationRuleFn
	rules     []graphql.ValidationRuleFn

	mu    sync.Mutex
	cache map[string]*list.Element
	lru   *list.List

	sources sourceCache // source records by URL, per store version (knowledge.go)

	// noCache and noBatch turn off the document cache and the batch
	// loaders: the baseline the benchmarks compare against.
	noCache, noBatch bool
	// reference executes with graphql-go's executor and orders its maps
	// (gqlgo_exec.go), the reference the tests compare exec.go with.
	reference bool
}

// New builds the API over g.
func New(lg *slog.Logger, g Graph, limits Limits) (*API, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	a := &API{lg: lg, g: g, blur: blur.New(g), limits: limits.withDefaults(), cache: map[string]*list.Element{}, lru: list.New()}
	s, err := a.buildSchema()
	if err != nil {
		return nil, err
	}
	a.schema = s
	a.possible = possibleTypes(&s)
	a.enumNames = enumNames(&s)
	a.guards = guardRules(a.limits)
	a.rules = graphql.SpecifiedRules
	return a, nil
}

// Schema returns the graphql-go schema (for introspection and tests).
func (a *API) Schema() graphql.Schema { return a.schema }

// Limits returns the limits in force.
func (a *API) Limits() Limits { return a.limits }

// Request is one GraphQL request.
type Request struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// Operation is a prepared request: a parsed, guarded and validated document
// and the operation selected from it.
type Operation struct {
	Type string // "query", "mutation" or "subscription"
	Name string
	p    *prepared
	doc  *ast.Document
	def  *ast.OperationDefinition
}

type prepared struct {
	query string
	doc   *ast.Document
	errs  []gqlerrors.FormattedError

	// The document's fragments by name, for the executor and for its
	// resolvers' ResolveInfo.
	fragments   map[string]*ast.FragmentDefinition
	definitions map[string]ast.Definition
	// The selection sets of its operations that have no variables,
	// collected once for every request (exec.go).
	selections selections
}

// Prepare parses, guards and validates a query (cached by query text) and
// selects the operation. Errors here are request errors: nothing ran.
// Validation stops when ctx ends (a TIMEOUT error, not cached).
func (a *API) Prepare(ctx context.Context, query, operationName string) (*Operation, []gqlerrors.FormattedError) {
	if query == "" {
		return nil, []gqlerrors.FormattedError{requestError(blurline.ErrBadRequest, "no query: send the GraphQL document in \"query\"")}
	}
	if len(query) > a.limits.MaxQueryBytes {
		return nil, []gqlerrors.FormattedError{requestError(blurline.ErrLimit, "query is longer than %d bytes", a.limits.MaxQueryBytes)}
	}
	var p *prepared
	if !a.noCache {
		p = a.cached(query)
	}
	if p == nil {
		p = a.prepare(ctx, query)
		if !a.noCache && ctx.Err() == nil {
			a.store(p)
		}
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	var op *ast.OperationDefinition
	n := 0
	for _, d := range p.doc.Definitions {
		od, ok := d.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		n++
		name := ""
		if od.Name != nil {
			name = od.Name.Value
		}
		if operationName == "" || name == operationName {
			if op == nil {
				op = od
			}
		}
	}
	switch {
	case n == 0:
		return nil, []gqlerrors.FormattedError{requestError(blurline.ErrBadRequest, "the document has no operation")}
	case operationName == "" && n > 1:
		return nil, []gqlerrors.FormattedError{requestError(blurline.ErrBadRequest, "the document has %d operations: say which one in operationName", n)}
	case op == nil:
		return nil, []gqlerrors.FormattedError{requestError(blurline.ErrBadRequest, "no operation named %q in the document", operationName)}
	}
	return &Operation{Type: op.Operation, Name: operationName, p: p, doc: p.doc, def: op}, nil
}

func (a *API) prepare(ctx context.Context, query string) *prepared {
	p := &prepared{query: query}
	if p.errs = lexicalGuard(query); p.errs != nil {
		return p
	}
	p.doc, p.errs = a.parse(ctx, query)
	if p.doc != nil {
		p.fragments = map[string]*ast.FragmentDefinition{}
		p.definitions = map[string]ast.Definition{}
		for _, d := range p.doc.Definitions {
			if f, ok := d.(*ast.FragmentDefinition); ok && f.Name != nil {
				p.fragments[f.Name.Value] = f
				p.definitions[f.Name.Value] = f
			}
		}
	}
	return p
}

func (a *API) cached(query string) *prepared {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.cache[query]; ok {
		a.lru.MoveToFront(e)
		return e.Value.(*prepared)
	}
	return nil
}

func (a *API) store(p *prepared) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.cache[p.query]; ok {
		return
	}
	a.cache[p.query] = a.lru.PushFront(p)
	for a.lru.Len() > a.limits.CacheSize {
		old := a.lru.Back()
		a.lru.Remove(old)
		delete(a.cache, old.Value.(*prepared).query)
	}
}

// Cost is the estimated cost of running op with variables (gqlgo_guard.go): the
// figure Execute holds to MaxCost, for a caller that bounds several
// operations together (a batch).
func (a *API) Cost(op *Operation, variables map[string]any) int {
	sc := a.schema
	return queryCost(&sc, op.doc, op.def, variables, a.limits)
}

// Execute runs a prepared operation. Mutations run only when ctx carries
// a principal with the scope each needs (blurline.NewContextWithPrincipal).
func (a *API) Execute(ctx context.Context, op *Operation, variables map[string]any) *graphql.Result {
	if len(op.def.VariableDefinitions) > 0 {
		if errs := a.checkVariables(op.def, variables); len(errs) > 0 {
			return &graphql.Result{Errors: classify(errs, blurline.ErrInvalid)}
		}
		sc := a.schema
		if c := queryCost(&sc, op.doc, op.def, variables, a.limits); c > a.limits.MaxCost {
			return &graphql.Result{Errors: []gqlerrors.FormattedError{requestError(blurline.ErrCost,
				"query cost %d is over the limit of %d: ask for smaller pages (first) or fewer hops", c, a.limits.MaxCost)}}
		}
	}
	// A request whose time is already up fails here: graphql-go races its
	// result against ctx.Done(), so a quick query would sometimes answer
	// and sometimes not.
	if err := ctx.Err(); err != nil {
		return &graphql.Result{Errors: classify([]gqlerrors.FormattedError{gqlerrors.FormatError(err)}, blurline.ErrInternal)}
	}
	// A store shared by several servers catches up with the others' writes
	// once per request (a no-op for the embedded stores), unless the caller
	// just did so with Sync.
	if sy, ok := a.g.(syncer); ok && ctx.Value(syncedKey{}) == nil {
		if err := sy.Sync(ctx); err != nil {
			return &graphql.Result{Errors: classify([]gqlerrors.FormattedError{gqlerrors.FormatError(err)}, blurline.ErrInternal)}
		}
	}
	// Every read of the request sees one version of the store (snapshot
	// isolation per request; a no-op when Sync pinned it already).
	ctx, _ = a.g.Pin(ctx)
	ctx = withLoaders(ctx, a.g, !a.noBatch)
	var res *graphql.Result
	if a.reference {
		res = a.executeReference(ctx, op, variables)
	} else {
		res = a.execute(ctx, op.p, op.def, variables)
	}
	res.Errors = classify(res.Errors, blurline.ErrInvalid)
	sortErrors(res.Errors)
	return res
}

// Do prepares and executes a request in-process.
func (a *API) Do(ctx context.Context, r Request) *graphql.Result {
	op, errs := a.Prepare(ctx, r.Query, r.OperationName)
	if errs != nil {
		return &graphql.Result{Errors: errs}
	}
	return a.Execute(ctx, op, r.Variables)
}

// syncer is a store shared with other servers (graph.Store on PostgreSQL).
type syncer interface {
	Sync(ctx context.Context) error
}

type syncedKey struct{}

// Sync catches the store up with the writes of other servers that share
// it (a no-op for the embedded stores), pins the store's current version
// in the returned context and returns that version: a request executed
// with the context reads that version and no other, whatever writers do
// meanwhile (its own mutations excepted). The returned context also tells
// Execute that the store was just synced, so that a request syncs once. A caller that keeps results by
// version (the server's response cache) reads the version this way before
// executing, and again with Version after, and keeps a result only if the
// two agree.
func (a *API) Sync(ctx context.Context) (context.Context, uint64, error) {
	if sy, ok := a.g.(syncer); ok {
		if err := sy.Sync(ctx); err != nil {
			return ctx, 0, err
		}
	}
	ctx, v := a.g.Pin(ctx)
	return context.WithValue(ctx, syncedKey{}, true), v, nil
}

// Version returns the store's version; it advances with every write,
// including, after Sync, those of other servers.
func (a *API) Version() uint64 { return a.g.Version() }
