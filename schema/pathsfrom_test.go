package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// TestPathsFromFilters: pathsFrom answers each target as paths would,
// with the same filters, the evidence ones (minReliability, sourceKinds)
// included.
func TestPathsFromFilters(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	ctx := context.Background()
	const sel = `{ factIds hops { predicate } }`
	for _, filter := range []string{
		``,
		`, minReliability: A`,
		`, sourceKinds: [OFFICIAL_STATEMENT, COURT_FILING]`,
		`, kinds: [control, structural], minReliability: B`,
	} {
		for _, to := range []string{"hafnium", "apt40", "wu-shurong"} {
			one := mustData(t, ctx, a, fmt.Sprintf(`{ p: paths(from: "mss", to: %q, maxHops: 4, first: 5%s) %s }`, to, filter, sel), nil)
			many := mustData(t, ctx, a, fmt.Sprintf(`{ p: pathsFrom(from: "mss", to: [%q], maxHops: 4, first: 5%s) { paths %s } }`, to, filter, sel), nil)
			var got struct{ P []struct{ Paths any } }
			var want struct{ P any }
			if err := json.Unmarshal([]byte(many), &got); err != nil || len(got.P) != 1 {
				t.Fatalf("pathsFrom: %v %s", err, many)
			}
			if err := json.Unmarshal([]byte(one), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.P[0].Paths, want.P) {
				t.Errorf("filter %q, to %s:\npathsFrom %v\npaths     %v", filter, to, got.P[0].Paths, want.P)
			}
		}
	}
}
