package schema

import (
	"context"
	"sync"
	"testing"

	"github.com/graphql-go/graphql/testutil"
)

// TestConcurrentFirstUse runs the first requests of a new API at once:
// introspection (graphql-go's __TypeKind enum) and queries with fragments
// on an interface (the schema's possible-types map). graphql-go fills those
// caches lazily without a lock; under the race detector (make test) this
// fails unless they were filled before the API served anything.
func TestConcurrentFirstUse(t *testing.T) {
	a := newAPI(t, seededStore(t), DefaultLimits)
	queries := []string{
		testutil.IntrospectionQuery,
		`{ entity(id: "apt40-indictment-2021") { id ... on Indictment { issuedBy { other { name } } } ... on Entity { kind } } }`,
		`{ attributions(incident: "exchange-compromise-2021") { attributedBy { id ... on State { alliances { other { id } } } } } }`,
	}
	var wg sync.WaitGroup
	for i := range 6 {
		q := queries[i%len(queries)]
		wg.Go(func() {
			// Prepare (validation) and Execute, as a server does.
			if res := a.Do(context.Background(), Request{Query: q}); len(res.Errors) > 0 {
				t.Errorf("%.40s: %v", q, res.Errors)
			}
		})
	}
	wg.Wait()
}
