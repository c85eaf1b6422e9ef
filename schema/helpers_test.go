package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/testlog"
	"github.com/blurline/blurline/seed"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
)

// openStore opens an empty in-memory store.
func openStore(tb testing.TB) *graph.Store {
	tb.Helper()
	s, err := graph.Open(context.Background(), testlog.New(tb), "memory:")
	if err != nil {
		tb.Fatalf("graph.Open(memory:): %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// seededStore opens an in-memory store with the seed loaded.
func seededStore(tb testing.TB) *graph.Store {
	tb.Helper()
	s := openStore(tb)
	if _, _, err := s.EnsureSeed(context.Background(), seed.FS()); err != nil {
		tb.Fatalf("EnsureSeed: %v", err)
	}
	return s
}

func newAPI(tb testing.TB, g Graph, l Limits) *API {
	tb.Helper()
	a, err := New(testlog.New(tb), g, l)
	if err != nil {
		tb.Fatalf("schema.New: %v", err)
	}
	return a
}

// do runs a query and returns the result.
func do(tb testing.TB, ctx context.Context, a *API, query string, vars map[string]any) *graphql.Result {
	tb.Helper()
	return a.Do(ctx, Request{Query: query, Variables: vars})
}

// mustData runs a query that must succeed and returns its data as JSON.
func mustData(tb testing.TB, ctx context.Context, a *API, query string, vars map[string]any) string {
	tb.Helper()
	res := do(tb, ctx, a, query, vars)
	if len(res.Errors) > 0 {
		tb.Fatalf("query %s: errors %v", query, res.Errors)
	}
	return toJSON(tb, res.Data)
}

func toJSON(tb testing.TB, v any) string {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatalf("json: %v", err)
	}
	return buf.String()
}

// codes lists the kind of each error.
func codes(res *graphql.Result) []blurline.Kind {
	var out []blurline.Kind
	for _, e := range res.Errors {
		out = append(out, kindOf(e))
	}
	return out
}

// kindOf returns an error's kind; an error without one (which the server
// would report as internal) is ErrInternal.
func kindOf(e gqlerrors.FormattedError) blurline.Kind {
	k, _ := blurline.KindOf(e.OriginalError())
	return k
}

// asOperator returns ctx acting for a principal with every scope, as the
// holder of a server's single token does.
func asOperator(ctx context.Context) context.Context {
	return blurline.NewContextWithPrincipal(ctx, &blurline.Principal{Name: "operator", Scopes: blurline.AllScopes, MaxMarking: blurline.TLPRed})
}
