// Package schema is Blurline's GraphQL API, built with graphql-go.
//
// [API] prepares (parses, guards, validates, caches by query text) and
// executes requests against the knowledge graph, which it reaches through
// the small [Graph] interface that *graph.Store satisfies. Every error
// leaves through [API.FormatErrors], the one place that maps error kinds
// to extensions.code and hides internal messages.
//
// The files, in the order a request meets them: api.go (Prepare, Execute,
// the document cache, errors), guard.go (depth, aliases, cost, fragment
// cycles and repeated fields, checked before graphql-go validates),
// vars.go (strict variable checks), types.go (the Entity interface, a type
// per class with typed relationship fields, Relationship and Statement),
// resolve.go (queries), mutation.go (mutations), blur.go (the blur
// analysis: BlurScore, blur and blurRanking), interop.go (STIX import,
// retraction and export), args.go (arguments,
// limits, cursors) and loaders.go (per-request batch loading, one store
// call per level). docs/api.md describes the API for its users.
package schema

import (
	"cmp"
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

// Limits bound what one request may ask for. Zero fields take the defaults.
type Limits struct {
	MaxQueryBytes int // size of the query text
	MaxDepth      int // nesting of selection sets, fragments expanded
	MaxAliases    int // aliased fields in the document
	MaxCost       int // estimated items a query may touch (see guard.go)
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
	guards []graphql.ValidationRuleFn
	rules  []graphql.ValidationRuleFn

	mu    sync.Mutex
	cache map[string]*list.Element
	lru   *list.List

	// noCache and noBatch turn off the document cache and the batch
	// loaders: the baseline the benchmarks compare against.
	noCache, noBatch bool
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
	doc  *ast.Document
	def  *ast.OperationDefinition
}

type prepared struct {
	query string
	doc   *ast.Document
	errs  []gqlerrors.FormattedError
}

// Prepare parses, guards and validates a query (cached by query text) and
// selects the operation. Errors here are request errors: nothing ran.
func (a *API) Prepare(query, operationName string) (*Operation, []gqlerrors.FormattedError) {
	if query == "" {
		return nil, []gqlerrors.FormattedError{codedError("BAD_REQUEST", "no query: send the GraphQL document in \"query\"")}
	}
	if len(query) > a.limits.MaxQueryBytes {
		return nil, []gqlerrors.FormattedError{codedError("LIMIT_EXCEEDED", "query is longer than %d bytes", a.limits.MaxQueryBytes)}
	}
	var p *prepared
	if !a.noCache {
		p = a.cached(query)
	}
	if p == nil {
		p = a.prepare(query)
		if !a.noCache {
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
		return nil, []gqlerrors.FormattedError{codedError("BAD_REQUEST", "the document has no operation")}
	case operationName == "" && n > 1:
		return nil, []gqlerrors.FormattedError{codedError("BAD_REQUEST", "the document has %d operations: say which one in operationName", n)}
	case op == nil:
		return nil, []gqlerrors.FormattedError{codedError("BAD_REQUEST", "no operation named %q in the document", operationName)}
	}
	return &Operation{Type: op.Operation, Name: operationName, doc: p.doc, def: op}, nil
}

func (a *API) prepare(query string) (p *prepared) {
	p = &prepared{query: query}
	if errs := lexicalGuard(query); errs != nil {
		p.errs = errs
		return p
	}
	// graphql-go panics on some malformed documents (query($a:) {...} in
	// typeFromAST): a validation error, not a server fault.
	defer func() {
		if r := recover(); r != nil {
			a.lg.Warn("graphql-go panicked on a document", "panic", r)
			p.doc = nil
			p.errs = []gqlerrors.FormattedError{codedError("GRAPHQL_VALIDATION_FAILED", "the document is not valid GraphQL")}
		}
	}()
	doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: maskComments(query), Name: "GraphQL request"})})
	if err != nil {
		fe := gqlerrors.FormatError(err)
		fe.Extensions = map[string]any{"code": "GRAPHQL_PARSE_FAILED"}
		p.errs = []gqlerrors.FormattedError{fe}
		return p
	}
	// Guards first and alone: graphql-go's own rules recurse without bound on
	// fragment cycles (graphql-go issue #742) and are quadratic in aliases.
	// Validation gets its own copy of the schema value: graphql-go's
	// IsPossibleType stores its (warmed, then only read) map back into the
	// struct on every call.
	sc := a.schema
	if vr := graphql.ValidateDocument(&sc, doc, a.guards); !vr.IsValid {
		p.errs = vr.Errors
		return p
	}
	if vr := graphql.ValidateDocument(&sc, doc, a.rules); !vr.IsValid {
		for i := range vr.Errors {
			if vr.Errors[i].Extensions == nil {
				vr.Errors[i].Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
			}
		}
		p.errs = vr.Errors
		return p
	}
	addTypenames(&sc, doc)
	p.doc = doc
	return p
}

// maskComments works around a graphql-go v0.8.1 lexer bug: after a
// comment (or a byte-order mark) holding a character of more than one
// byte, it mixes up byte and character offsets and misreads the next
// name, so `# Run it with the ▶ button` before `query Name {` is a syntax
// error. It replaces each such character of a comment, and each BOM
// outside strings, with one space: the text means the same, and error
// locations, which graphql-go counts in characters, do not move.
func maskComments(query string) []byte {
	if !hasNonASCII(query) {
		return []byte(query)
	}
	out := make([]byte, 0, len(query))
	inComment, inString, inBlock := false, false, false
	for i := 0; i < len(query); {
		r, n := utf8.DecodeRuneInString(query[i:])
		switch {
		case inComment:
			if r == '\n' || r == '\r' {
				inComment = false
			}
		case inBlock:
			if strings.HasPrefix(query[i:], `\"""`) {
				out = append(out, query[i:i+4]...)
				i += 4
				continue
			}
			if strings.HasPrefix(query[i:], `"""`) {
				inBlock = false
				out = append(out, `"""`...)
				i += 3
				continue
			}
		case inString:
			if r == '\\' && i+1 < len(query) {
				out = append(out, query[i:i+2]...)
				i += 2
				continue
			}
			if r == '"' || r == '\n' || r == '\r' {
				inString = false
			}
		case r == '#':
			inComment = true
		case strings.HasPrefix(query[i:], `"""`):
			inBlock = true
			out = append(out, `"""`...)
			i += 3
			continue
		case r == '"':
			inString = true
		}
		if n > 1 && (inComment || r == '\uFEFF' && !inString && !inBlock) {
			out = append(out, ' ')
		} else {
			out = append(out, query[i:i+n]...)
		}
		i += n
	}
	return out
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
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

// Cost is the estimated cost of running op with variables (guard.go): the
// figure Execute holds to MaxCost, for a caller that bounds several
// operations together (a batch).
func (a *API) Cost(op *Operation, variables map[string]any) int {
	sc := a.schema
	return queryCost(&sc, op.doc, op.def, variables, a.limits)
}

// Execute runs a prepared operation. Mutations run only when ctx carries
// write access (WithWriteAccess).
func (a *API) Execute(ctx context.Context, op *Operation, variables map[string]any) *graphql.Result {
	if len(op.def.VariableDefinitions) > 0 {
		if errs := a.checkVariables(op.def, variables); len(errs) > 0 {
			return &graphql.Result{Errors: errs}
		}
		sc := a.schema
		if c := queryCost(&sc, op.doc, op.def, variables, a.limits); c > a.limits.MaxCost {
			return &graphql.Result{Errors: []gqlerrors.FormattedError{codedError("COST_LIMIT_EXCEEDED",
				"query cost %d is over the limit of %d: ask for smaller pages (first) or fewer hops", c, a.limits.MaxCost)}}
		}
	}
	// A request whose time is already up fails here: graphql-go races its
	// result against ctx.Done(), so a quick query would sometimes answer
	// and sometimes not.
	if err := ctx.Err(); err != nil {
		return &graphql.Result{Errors: a.FormatErrors([]gqlerrors.FormattedError{gqlerrors.FormatError(err)})}
	}
	// A store shared by several servers catches up with the others' writes
	// once per request (a no-op for the embedded stores), unless the caller
	// just did so with Sync.
	if sy, ok := a.g.(syncer); ok && ctx.Value(syncedKey{}) == nil {
		if err := sy.Sync(ctx); err != nil {
			return &graphql.Result{Errors: a.FormatErrors([]gqlerrors.FormattedError{gqlerrors.FormatError(err)})}
		}
	}
	ctx = withLoaders(ctx, a.g, !a.noBatch)
	res := graphql.Execute(graphql.ExecuteParams{
		Schema:        a.schema,
		AST:           op.doc,
		OperationName: op.Name,
		Args:          variables,
		Context:       ctx,
	})
	if err := ctx.Err(); err != nil && res.Data == nil && len(res.Errors) == 0 {
		res.Errors = []gqlerrors.FormattedError{gqlerrors.FormatError(err)}
	}
	res.Data = a.orderData(op, variables, res.Data)
	res.Errors = a.FormatErrors(res.Errors)
	sortErrors(res.Errors)
	return res
}

// sortErrors puts errors in document order: graphql-go resolves the fields
// of a level in map order, so the order it reports them in varies.
func sortErrors(errs []gqlerrors.FormattedError) {
	pos := func(e gqlerrors.FormattedError) (int, int) {
		if len(e.Locations) == 0 {
			return 0, 0
		}
		return e.Locations[0].Line, e.Locations[0].Column
	}
	slices.SortStableFunc(errs, func(x, y gqlerrors.FormattedError) int {
		xl, xc := pos(x)
		yl, yc := pos(y)
		return cmp.Or(cmp.Compare(xl, yl), cmp.Compare(xc, yc), cmp.Compare(fmt.Sprint(x.Path...), fmt.Sprint(y.Path...)))
	})
}

// Do prepares and executes a request in-process.
func (a *API) Do(ctx context.Context, r Request) *graphql.Result {
	op, errs := a.Prepare(r.Query, r.OperationName)
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
// it (a no-op for the embedded stores) and returns the store's version:
// the data a request reads now is the data of that version, until a write
// advances it. The returned context tells Execute that the store was just
// synced, so that a request syncs once. A caller that keeps results by
// version (the server's response cache) reads the version this way before
// executing, and again with Version after, and keeps a result only if the
// two agree.
func (a *API) Sync(ctx context.Context) (context.Context, uint64, error) {
	if sy, ok := a.g.(syncer); ok {
		if err := sy.Sync(ctx); err != nil {
			return ctx, 0, err
		}
	}
	return context.WithValue(ctx, syncedKey{}, true), a.g.Version(), nil
}

// Version returns the store's version; it advances with every write,
// including, after Sync, those of other servers.
func (a *API) Version() uint64 { return a.g.Version() }

type writeKey struct{}

// WithWriteAccess marks ctx as allowed to run mutations.
func WithWriteAccess(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeKey{}, true)
}

// canWrite reports whether ctx may run mutations.
func canWrite(ctx context.Context) bool {
	ok, _ := ctx.Value(writeKey{}).(bool)
	return ok
}

// requireWrite returns a FORBIDDEN error unless ctx may write.
func requireWrite(ctx context.Context) error {
	if !canWrite(ctx) {
		return blurline.Errorf(blurline.ErrForbidden, "mutations need write access: send the server's token as Authorization: Bearer <token>")
	}
	return nil
}

// FormatErrors is the one place that maps errors to the wire: it sets
// extensions.code from the error's kind (blurline.Code) and replaces the
// message of an internal error with "internal error" after logging it.
func (a *API) FormatErrors(errs []gqlerrors.FormattedError) []gqlerrors.FormattedError {
	for i, fe := range errs {
		if fe.Extensions != nil && fe.Extensions["code"] != nil {
			continue
		}
		cause, raw := rootCause(fe.OriginalError())
		if cause == nil || raw && !isKinded(cause) {
			// An error graphql-go raised itself (bad argument value, unknown field...).
			fe.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
			errs[i] = fe
			continue
		}
		code := blurline.Code(cause)
		if code == "INTERNAL" {
			a.lg.Error("internal error", "err", cause, "path", fe.Path)
			fe.Message = "internal error"
		} else {
			fe.Message = cause.Error()
		}
		fe.Extensions = map[string]any{"code": code}
		errs[i] = fe
	}
	return errs
}

// rootCause digs the error a resolver returned out of graphql-go's wrappers:
// a *gqlerrors.Error (a located error) holds it in OriginalError, and a
// thunk's error arrives as a FormattedError inside one. raw is true when
// the innermost wrapper is a gqlerrors.Error without an original error:
// one graphql-go made itself.
func rootCause(err error) (cause error, raw bool) {
	for range 8 {
		switch e := err.(type) {
		case *gqlerrors.Error:
			if e.OriginalError == nil {
				return err, true
			}
			err = e.OriginalError
		case gqlerrors.Error:
			if e.OriginalError == nil {
				return err, true
			}
			err = e.OriginalError
		case gqlerrors.FormattedError:
			if e.OriginalError() == nil {
				return err, true
			}
			err = e.OriginalError()
		case *gqlerrors.FormattedError:
			if e.OriginalError() == nil {
				return err, true
			}
			err = e.OriginalError()
		default:
			return err, false
		}
	}
	return err, false
}

func isKinded(err error) bool {
	for _, k := range []error{blurline.ErrNotFound, blurline.ErrInvalid, blurline.ErrForbidden, blurline.ErrLimit,
		blurline.ErrUnavailable, blurline.ErrInternal, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// codedError makes a request error with a code.
func codedError(code, format string, args ...any) gqlerrors.FormattedError {
	fe := gqlerrors.FormatError(blurline.Errorf(blurline.ErrInvalid, format, args...))
	fe.Locations = []location.SourceLocation{}
	fe.Extensions = map[string]any{"code": code}
	return fe
}
