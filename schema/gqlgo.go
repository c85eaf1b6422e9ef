package schema

// Everything Blurline does because of graphql-go v0.8.1, the only version
// there is to use. The rest of the package is plain resolvers and types;
// what works around graphql-go lives here and in the gqlgo_*.go files:
//
//   - A 70-byte document with a fragment cycle sends v0.8.1's
//     OverlappingFieldsCanBeMerged rule into endless recursion, a fatal
//     stack overflow that recover cannot catch (upstream issue #742; the
//     fix, pull request #741, is in no release). The guards
//     (gqlgo_guard.go) reject cycles, depth, aliases, cost and repeated
//     fields in a validation pass of their own, before graphql-go's rules.
//   - Parsing and validation grow faster than the text and have no
//     deadline: nested selections, unused variables and fragments, and
//     validation that is quadratic in the number of errors it collects
//     (1000/2000/4000/8000 unknown directives took 0.6/1.3/3.0/15.7 s; the
//     reference implementation, graphql-js, stops at maxErrors, 100). The
//     lexical guard (gqlgo_lex.go) bounds every count that drives that work
//     on the text, in one linear scan, before graphql-go parses it.
//   - The parser panics on some malformed documents (`query($a:) {...}` in
//     typeFromAST): parse recovers and reports a validation error.
//   - The lexer mixes up byte and character offsets after a comment holding
//     a character of more than one byte (upstream issue #699; pull request
//     #605 fixes it and is in no release): maskComments.
//   - Variable coercion is lenient (String turns 5 into "5", a value it
//     cannot coerce may become null): gqlgo_vars.go checks variables by the
//     specification's rules.
//   - Enum lookups and the possible-types map are caches filled lazily,
//     without a lock, on first use (a data race between the first two
//     introspection queries; lazy schema maps were reported as upstream
//     issue #84, closed without a fix), and IsPossibleType writes its map
//     back into the Schema value on every call: warm fills them before
//     serving, and validation runs on a copy of the schema value.
//   - Its executor builds every object as a map (response fields come back
//     in alphabetical order, upstream issue #127), resolves the fields of
//     a level in map order, races its result against ctx.Done (pull
//     request #185, for issue #184), and allocates a dozen times per field:
//     Blurline executes with its own (exec.go) and keeps graphql-go's as
//     the reference of the tests (gqlgo_exec.go). sortErrors puts errors in
//     document order, whichever ran.
//   - gqlerrors.Error has no Unwrap (FormattedError.OriginalError, from pull
//     request #423, gives one level), and only the outermost error's
//     Extensions are read: rootCause digs the resolver's error out of
//     graphql-go's wrappers, and classify gives every error a kind (the
//     server's formatter turns kinds into codes).
//
// No upstream issue is known to us for the items without a number.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
	"github.com/graphql-go/graphql/language/visitor"
)

// parse parses and validates a document that passed the lexical guard.
func (a *API) parse(ctx context.Context, query string) (doc *ast.Document, errs []gqlerrors.FormattedError) {
	// graphql-go panics on some malformed documents (query($a:) {...} in
	// typeFromAST, during validation): a validation error, not a server fault.
	defer func() {
		if r := recover(); r != nil {
			a.lg.Warn("graphql-go panicked on a document", "panic", r)
			doc, errs = nil, requestErrors(blurline.ErrValidation, "the document is not valid GraphQL")
		}
	}()
	doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: blankNulls(maskComments(query)), Name: "GraphQL request"})})
	if err != nil {
		return nil, classify([]gqlerrors.FormattedError{gqlerrors.FormatError(err)}, blurline.ErrParse)
	}
	if errs := a.validate(ctx, doc); errs != nil {
		return nil, errs
	}
	sc := a.schema
	addTypenames(&sc, doc)
	return doc, nil
}

// validate runs the guards, alone, then graphql-go's rules, each rule
// bounded (see bounded) by MaxErrors and ctx.
func (a *API) validate(ctx context.Context, doc *ast.Document) []gqlerrors.FormattedError {
	// Validation gets its own copy of the schema value: graphql-go's
	// IsPossibleType stores its (warmed, then only read) map back into the
	// struct on every call.
	sc := a.schema
	for _, rules := range [][]graphql.ValidationRuleFn{a.guards, a.rules} {
		vr := graphql.ValidateDocument(&sc, doc, bounded(ctx, rules))
		if err := ctx.Err(); err != nil {
			return classify([]gqlerrors.FormattedError{gqlerrors.FormatError(err)}, blurline.ErrTimeout)
		}
		if !vr.IsValid {
			errs := vr.Errors
			if len(errs) > MaxErrors {
				errs = append(errs[:MaxErrors:MaxErrors], requestError(blurline.ErrValidation, "too many validation errors: validation stopped after %d", MaxErrors))
			}
			return classify(errs, blurline.ErrValidation)
		}
	}
	return nil
}

// MaxErrors is the most errors validation collects (graphql-js's
// maxErrors): past it, and when ctx ends, the rules stop.
const MaxErrors = 100

// bounded wraps validation rules so that each stops (visitor.ActionBreak
// on its next visit) once MaxErrors errors are collected or ctx ends:
// graphql-go's validation has neither bound, and its work per error grows
// with the document, so a document of many errors took time quadratic in
// its length.
func bounded(ctx context.Context, rules []graphql.ValidationRuleFn) []graphql.ValidationRuleFn {
	out := make([]graphql.ValidationRuleFn, len(rules))
	for i, rule := range rules {
		out[i] = func(vc *graphql.ValidationContext) *graphql.ValidationRuleInstance {
			in := rule(vc)
			if in == nil || in.VisitorOpts == nil {
				return in
			}
			stop := func() bool { return len(vc.Errors()) >= MaxErrors || ctx.Err() != nil }
			wrap := func(f visitor.VisitFunc) visitor.VisitFunc {
				if f == nil {
					return nil
				}
				return func(p visitor.VisitFuncParams) (string, interface{}) {
					if stop() {
						return visitor.ActionBreak, nil
					}
					return f(p)
				}
			}
			o := in.VisitorOpts
			w := &visitor.VisitorOptions{Enter: wrap(o.Enter), Leave: wrap(o.Leave)}
			if o.KindFuncMap != nil {
				w.KindFuncMap = make(map[string]visitor.NamedVisitFuncs, len(o.KindFuncMap))
				for k, f := range o.KindFuncMap {
					w.KindFuncMap[k] = visitor.NamedVisitFuncs{Kind: wrap(f.Kind), Enter: wrap(f.Enter), Leave: wrap(f.Leave)}
				}
			}
			for _, m := range []struct{ from, to *map[string]visitor.VisitFunc }{{&o.EnterKindMap, &w.EnterKindMap}, {&o.LeaveKindMap, &w.LeaveKindMap}} {
				if *m.from != nil {
					*m.to = make(map[string]visitor.VisitFunc, len(*m.from))
					for k, f := range *m.from {
						(*m.to)[k] = wrap(f)
					}
				}
			}
			return &graphql.ValidationRuleInstance{VisitorOpts: w}
		}
	}
	return out
}

// requestErrors makes the one error of a request refused before it ran.
func requestErrors(kind blurline.Kind, format string, args ...any) []gqlerrors.FormattedError {
	return []gqlerrors.FormattedError{requestError(kind, format, args...)}
}

func requestError(kind blurline.Kind, format string, args ...any) gqlerrors.FormattedError {
	fe := gqlerrors.FormatError(blurline.Errorf(kind, format, args...))
	fe.Locations = []location.SourceLocation{}
	return fe
}

// located makes an error of kind at the given nodes of the document.
func located(kind blurline.Kind, nodes []ast.Node, format string, args ...any) *gqlerrors.Error {
	msg := fmt.Sprintf(format, args...)
	return gqlerrors.NewError(msg, nodes, "", nil, nil, blurline.Errorf(kind, "%s", msg))
}

// classify gives every error a kind: it replaces each error's original
// error with a *blurline.Error whose kind is the cause's (the error a
// resolver or a guard returned), or fallback for an error graphql-go made
// itself, and whose message is what a client may read. The cause stays in
// the Error for the log. Locations and path are kept.
func classify(errs []gqlerrors.FormattedError, fallback blurline.Kind) []gqlerrors.FormattedError {
	for i, fe := range errs {
		cause, raw := rootCause(fe.OriginalError())
		kind, ok := blurline.KindOf(cause)
		var e *blurline.Error
		switch {
		case cause == nil || raw && !ok:
			// graphql-go's own message (bad argument value, unknown field...).
			e = &blurline.Error{Kind: fallback, Index: -1, Message: fe.Message}
		default:
			e = &blurline.Error{Kind: kind, Index: -1, Message: blurline.Public(cause), Err: cause}
		}
		out := gqlerrors.FormatError(e)
		out.Message = e.Message
		out.Locations = fe.Locations
		out.Path = fe.Path
		errs[i] = out
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

// warm fills the caches graphql-go builds lazily on first use, without a
// lock, before requests run concurrently: every enum's lookup maps (ours
// and introspection's __TypeKind and __DirectiveLocation: the race detector
// caught two introspection queries filling __TypeKind's at once) and the
// schema's map of possible types of each interface and union.
func warm(s *graphql.Schema) {
	var abstract []graphql.Abstract
	var objects []*graphql.Object
	for _, t := range s.TypeMap() {
		switch t := t.(type) {
		case *graphql.Enum:
			if vs := t.Values(); len(vs) > 0 {
				t.Serialize(vs[0].Value)
				t.ParseValue(vs[0].Name)
			}
		case *graphql.Interface:
			abstract = append(abstract, t)
		case *graphql.Union:
			abstract = append(abstract, t)
		case *graphql.Object:
			objects = append(objects, t)
		}
	}
	for _, a := range abstract {
		for _, o := range objects {
			s.IsPossibleType(a, o)
		}
	}
}
