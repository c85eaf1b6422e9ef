package schema

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// FuzzQuery runs arbitrary documents against the seed: none may crash the
// process (a fragment cycle would, without the guard rules), every error
// must carry a kind, no error may be internal, and graphql-go's executor
// (the reference, gqlgo_exec.go) must give the same response as Blurline's.
//
//	go test -run='^$' -fuzz=FuzzQuery -fuzztime=1m ./schema
func FuzzQuery(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.graphql")
	for _, file := range files {
		f.Add(readFile(f, file))
	}
	for _, q := range []string{
		`query{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
		`{ entity(id: "mss") { ...E } } fragment E on Entity { id ...E }`,
		`{ a: stats { facts } a: stats { quads } }`,
		`{ entities(first: -1) { totalCount } }`,
		`{ relationships(after: "Zm9v") { totalCount } }`,
		`{ paths(from: "mss", to: "mss", maxHops: 1) { length } }`,
	} {
		f.Add(q)
	}
	store := seededStore(f)
	a := newAPI(f, store, Limits{})
	ref := newAPI(f, store, Limits{})
	ref.reference = true
	f.Fuzz(func(t *testing.T, query string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res := a.Do(ctx, Request{Query: query})
		for _, e := range res.Errors {
			if kind, ok := blurline.KindOf(e.OriginalError()); !ok || kind == blurline.ErrInternal {
				t.Errorf("%q: internal error or one without a kind: %v", query, e)
			}
		}
		// The executors are compared on documents that validate (graphql-go's
		// "Did you mean" suggestions come in map order). No principal:
		// mutations are refused by both, so the store does not change
		// between the two runs.
		if _, errs := a.Prepare(ctx, query, ""); errs != nil {
			return
		}
		want := toJSON(t, withKinds(ref.Do(ctx, Request{Query: query})))
		if got := toJSON(t, withKinds(res)); got != want && ctx.Err() == nil {
			t.Errorf("%q: graphql-go's executor and Blurline's differ:\n%s", query, lineDiff(got, want))
		}
	})
}
