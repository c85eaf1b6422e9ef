package schema

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql/testutil"
)

// nest wraps inner in n levels of entity -> relationships -> other, asking
// for one relationship per level, so that the query is deep but cheap.
func nest(n int, inner string) string {
	q := inner
	for range n {
		q = "relationships(first: 1) { edges { node { other { " + q + " } } } }"
	}
	return `{ entity(id: "mss") { ` + q + ` } }`
}

// spreadChain is a document of n fragments, each spreading the next twice:
// expanded naively, 2^n copies of the last.
func spreadChain(n int) string {
	var sb strings.Builder
	sb.WriteString("{ ...F0 }")
	for i := range n {
		fmt.Fprintf(&sb, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&sb, " fragment F%d on Query { stats { facts } }", n)
	return sb.String()
}

func TestGuardRules(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range DefaultLimits.MaxAliases + 1 {
		fmt.Fprintf(&aliases, " a%d: stats { facts }", i)
	}
	aliases.WriteString(" }")
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		want        []blurline.Kind // nil for success
	}{
		{"shallow enough", nest(3, "id"), nil, nil},
		{"over-deep", nest(4, "id"), nil, []blurline.Kind{blurline.ErrDepth}},
		{"deep through fragments", `query { entity(id: "mss") { ...L1 } }
			fragment L1 on Entity { relationships(first: 1) { edges { node { other { ...L2 } } } } }
			fragment L2 on Entity { relationships(first: 1) { edges { node { other { ...L3 } } } } }
			fragment L3 on Entity { relationships(first: 1) { edges { node { other { ...L4 } } } } }
			fragment L4 on Entity { relationships(first: 1) { edges { node { other { id } } } } }`, nil, []blurline.Kind{blurline.ErrDepth}},
		{"aliases at the limit", strings.Replace(aliases.String(), fmt.Sprintf(" a%d: stats { facts }", DefaultLimits.MaxAliases), "", 1), nil, nil},
		{"over-aliased", aliases.String(), nil, []blurline.Kind{blurline.ErrAliases}},
		{"over-costly", `{ entities(first: 1000) { edges { node { relationships(first: 1000) { totalCount } } } } }`, nil, []blurline.Kind{blurline.ErrCost}},
		{"over-costly by default page sizes", `{ entities(first: 100) { edges { node {
			relationships { edges { node { other { relationships { edges { node { id predicate other { id name } } } } } } } } } } } }`, nil, []blurline.Kind{blurline.ErrCost}},
		{"over-costly through variables", `query Q($n: Int) { entities(first: $n) { edges { node { relationships(first: $n) { totalCount } } } } }`,
			map[string]any{"n": 1000}, []blurline.Kind{blurline.ErrCost}},
		{"cheap through variables", `query Q($n: Int) { entities(first: $n) { edges { node { relationships(first: $n) { totalCount } } } } }`,
			map[string]any{"n": 2}, nil},
		{"over-costly paths", `{ paths(from: "mss", to: "apt40", maxHops: 8, first: 1000) { hops { from { id name } to { id name } statement { id sources } } } }`, nil, []blurline.Kind{blurline.ErrCost}},
		{"fragment cycle", `query{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, nil, []blurline.Kind{blurline.ErrValidation}},
		{"fragment spreads itself", `query { entity(id: "mss") { ...E } } fragment E on Entity { id ...E }`, nil, []blurline.Kind{blurline.ErrValidation}},
		{"fragment cycle under a field", `query { entity(id: "mss") { ...E } } fragment E on Entity { relationships { edges { node { other { ...F } } } } } fragment F on Entity { ...E }`, nil, []blurline.Kind{blurline.ErrValidation}},
		{"introspection (GraphiQL)", testutil.IntrospectionQuery, nil, nil},
		// Documents that are small to send and costly to check: the guards
		// expand each fragment once, and refuse repeated fields before
		// graphql-go's quadratic overlapping-fields rule sees them.
		{"fragment chain (2^30 expansions)", spreadChain(30), nil, []blurline.Kind{blurline.ErrCost}},
		{"one field 2000 times", "{ " + strings.Repeat(`entity(id: "mss") { id } `, 2000) + "}", nil, []blurline.Kind{blurline.ErrCost}},
		{"one field 10000 times", "{ stats { " + strings.Repeat("facts ", 10000) + "} }", nil, []blurline.Kind{blurline.ErrCost}},
		{"repeated fields in an unused fragment", "{ stats { facts } } fragment F on Query { " + strings.Repeat("stats { facts } ", 3000) + "}", nil, []blurline.Kind{blurline.ErrCost}},
		{"a field twice is fine", `{ entity(id: "mss") { id name } entity(id: "mss") { id kind } }`, nil, nil},
		{"unknown field", `{ entity(id: "mss") { colour } }`, nil, []blurline.Kind{blurline.ErrValidation}},
		{"syntax error", `{ entity(id: "mss") { id }`, nil, []blurline.Kind{blurline.ErrParse}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Do(context.Background(), Request{Query: tc.query, Variables: tc.vars})
			if got := codes(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("codes %v, want %v (%v)", got, tc.want, res.Errors)
			}
			if tc.want != nil && res.Data != nil && tc.want[0] != blurline.ErrCost {
				t.Errorf("data %v, want none for a rejected document", res.Data)
			}
		})
	}
}

func TestGuardLimitsConfigurable(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{MaxDepth: 4, MaxAliases: 1, MaxCost: 30})
	for _, tc := range []struct {
		query string
		want  []blurline.Kind
	}{
		{`{ entity(id: "mss") { id } }`, nil},
		{`{ entities(first: 9) { edges { node { id } } } }`, nil}, // depth 4, cost 28
		{`{ entity(id: "mss") { ... on IntelligenceService { parent(first: 1) { other { relationships(first: 1) { totalCount } } } } } }`, []blurline.Kind{blurline.ErrDepth}},
		{`{ a: stats { facts } b: stats { facts } }`, []blurline.Kind{blurline.ErrAliases}},
		{`{ entities(first: 10) { edges { node { id } } } }`, []blurline.Kind{blurline.ErrCost}}, // cost 31
	} {
		res := a.Do(context.Background(), Request{Query: tc.query})
		if got := codes(res); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: codes %v, want %v (%v)", tc.query, got, tc.want, res.Errors)
		}
	}
}

func TestQueryCost(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	for _, tc := range []struct {
		query string
		want  int
	}{
		// entities + (edges per item) + node + id, for first items.
		{`{ entities(first: 10) { edges { node { id } } } }`, 1 + 10 + 10 + 10},
		// A typed list without first counts its default, DefaultPageSize.
		{`{ entity(id: "hafnium") { ... on ThreatGroup { sponsors { id } } } }`, 1 + 1 + DefaultPageSize},
		// maxHops multiplies; a path's hops are bounded by it already.
		{`{ paths(from: "a", to: "b", maxHops: 3, first: 2) { hops { predicate } } }`, 1 + 6 + 6},
	} {
		doc, errs := a.Prepare(context.Background(), tc.query, "")
		if errs != nil {
			t.Fatalf("Prepare(%s): %v", tc.query, errs)
		}
		if got := queryCost(&a.schema, doc.doc, doc.def, nil, a.limits); got != tc.want {
			t.Errorf("queryCost(%s) = %d, want %d", tc.query, got, tc.want)
		}
	}
}
