package schema

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

// execCases are queries that exercise what an executor does beyond the
// golden queries: merged and aliased fields, fragments on interfaces and
// objects (named, inline, nested, repeated), @skip and @include with
// literals, variables and defaults, __typename, introspection, argument
// coercion (lists, enums, defaults) and errors in the middle of a response.
var execCases = []struct {
	name  string
	query string
	vars  map[string]any
}{
	{"aliases and merging", `{ a: entity(id: "apt40") { id name } b: entity(id: "apt40") { name id ... on IntelligenceService { kind } } a: entity(id: "apt40") { kind id } }`, nil},
	{"fragments", `query { entity(id: "apt40") { ...E ... on IntelligenceService { aliases ...E } relationships(first: 3) { edges { node { ...R other { ...E } } } } } }
fragment E on Entity { __typename id name kind }
fragment R on Relationship { predicate confidence other { id ... on Person { name } } }`, nil},
	{"skip and include", `query($s: Boolean = true, $i: Boolean!) { stats { facts @skip(if: $s) entities @include(if: $i) } entity(id: "apt40") { id @include(if: true) name @skip(if: false) kind @include(if: $i) ... @skip(if: $s) { aliases } } }`, map[string]any{"i": false}},
	{"skip and include given", `query($s: Boolean = true, $i: Boolean!) { stats { facts @skip(if: $s) entities @include(if: $i) } }`, map[string]any{"s": false, "i": true}},
	{"typename", `{ __typename entity(id: "hainan-ssd") { __typename ... on Node { __typename id } } node(id: "apt40") { __typename id } }`, nil},
	{"node interface", `{ node(id: "lithuania-member-of-nato") { __typename id ... on Entity { name } } nodes(ids: ["apt40", "nope", "hainan-ssd"]) { id ... on Entity { kind } } }`, nil},
	{"arguments and variables", `query($p: [Predicate!], $d: Direction, $f: Int, $c: Float) { entity(id: "apt40") { relationships(predicates: $p, direction: $d, first: $f, minConfidence: $c) { totalCount edges { cursor node { predicate confidence } } pageInfo { hasNextPage endCursor } } } }`,
		map[string]any{"p": []any{"controlledBy", "employedBy"}, "d": "OUT", "f": 2.0, "c": 0.5}},
	{"list argument from one value", `query($p: [Predicate!]) { entity(id: "apt40") { relationships(predicates: $p) { totalCount } } }`, map[string]any{"p": "controlledBy"}},
	{"default arguments", `{ blurRanking(state: "prc") { actor { id } score } paths(from: "apt40", to: "prc") { hops } }`, nil},
	{"errors mid response", `{ a: entity(id: "apt40") { id } b: entity(id: "no-such-entity") { id } c: fact(id: "no-such-fact") { id } d: entity(id: "hainan-ssd") { id } }`, nil},
	{"entities pages", `{ entities(first: 5, kind: [Person, Organization]) { totalCount edges { cursor node { id kind } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`, nil},
	{"neighbourhood", `{ neighbourhood(id: "apt40", hops: 2, first: 30) { entities { id kind } facts { id predicate subjectId objectId } } }`, nil},
	{"subscription", `subscription { stats { facts } }`, nil},
	{"introspection by type", `{ __type(name: "Entity") { name kind possibleTypes { name } fields(includeDeprecated: true) { name type { name kind ofType { name kind } } args { name defaultValue type { kind name } } } } }`, nil},
	{"introspection of enums and inputs", `{ a: __type(name: "Predicate") { enumValues(includeDeprecated: true) { name isDeprecated } } b: __type(name: "FactInput") { inputFields { name defaultValue type { kind name ofType { name } } } } __schema { queryType { name } mutationType { name } subscriptionType { name } directives { name locations args { name } } } }`, nil},
}

// TestExecutorMatchesReference runs the golden queries, the full
// introspection query and execCases with Blurline's executor and with
// graphql-go's (the reference): the responses, errors included, must be the
// same byte for byte.
func TestExecutorMatchesReference(t *testing.T) {
	store := seededStore(t)
	ours := newAPI(t, store, Limits{})
	ref := newAPI(t, store, Limits{})
	ref.reference = true
	type tc struct {
		name, query string
		vars        map[string]any
	}
	var cases []tc
	files, err := filepath.Glob("testdata/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatal("no golden queries", err)
	}
	for _, file := range append(files, "testdata/introspection/full.graphql") {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		c := tc{name: name, query: readFile(t, file)}
		if b, err := os.ReadFile(filepath.Join("testdata", name+".vars.json")); err == nil {
			if err := json.Unmarshal(b, &c.vars); err != nil {
				t.Fatal(err)
			}
		}
		cases = append(cases, c)
	}
	for _, c := range execCases {
		cases = append(cases, tc{c.name, c.query, c.vars})
	}
	ctx := asOperator(context.Background())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := toJSON(t, withKinds(ref.Do(ctx, Request{Query: c.query, Variables: c.vars})))
			got := toJSON(t, withKinds(ours.Do(ctx, Request{Query: c.query, Variables: c.vars})))
			if got != want {
				t.Errorf("graphql-go's executor and Blurline's differ:\n%s", lineDiff(got, want))
			}
			if len(want) < 30 {
				t.Errorf("response %s: the case tests nothing", want)
			}
		})
	}
}

// TestExecutorMutationsMatchReference runs each mutation on two new stores,
// one with each executor, and compares the responses and what a query
// reads afterwards.
func TestExecutorMutationsMatchReference(t *testing.T) {
	ctx := asOperator(context.Background())
	after := `{ stats { facts entities } entity(id: "lithuania") { relationships(first: 50) { totalCount edges { node { id predicate } } } } }`
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			var out [2]string
			for i, reference := range []bool{true, false} {
				a := newAPI(t, seededStore(t), Limits{})
				a.reference = reference
				out[i] = toJSON(t, withKinds(a.Do(ctx, Request{Query: m}))) + toJSON(t, withKinds(a.Do(ctx, Request{Query: after})))
			}
			if out[0] != out[1] {
				t.Errorf("graphql-go's executor and Blurline's differ:\n%s", lineDiff(out[1], out[0]))
			}
		})
	}
}

// testExec executes query against a schema made for the test with
// Blurline's executor, as Execute does after Prepare.
func testExec(t *testing.T, sc graphql.Schema, query string, vars map[string]any) string {
	t.Helper()
	doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(query)})})
	if err != nil {
		t.Fatal(err)
	}
	if vr := graphql.ValidateDocument(&sc, doc, nil); !vr.IsValid {
		t.Fatalf("invalid test query: %v", vr.Errors)
	}
	p := &prepared{query: query, doc: doc, fragments: map[string]*ast.FragmentDefinition{}, definitions: map[string]ast.Definition{}}
	var op *ast.OperationDefinition
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			op = d
		case *ast.FragmentDefinition:
			p.fragments[d.Name.Value] = d
			p.definitions[d.Name.Value] = d
		}
	}
	a := &API{lg: slog.New(slog.DiscardHandler), schema: sc, possible: possibleTypes(&sc), enumNames: enumNames(&sc)}
	res := a.execute(context.Background(), p, op, vars)
	var msgs []string
	for _, e := range res.Errors {
		b, _ := json.Marshal(e.Path)
		msgs = append(msgs, string(b)+" "+e.Message)
	}
	slices.Sort(msgs)
	data, err := json.Marshal(res.Data)
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + " " + strings.Join(msgs, "; ")
}

// TestExecutorNulls checks the specification's rules for errors and nulls,
// in values and in thunks: a null in a non-null place makes the nearest
// nullable field or list element null, and every error is reported once,
// with its path. (graphql-go's executor lost the whole response when this
// happened in a thunk.)
func TestExecutorNulls(t *testing.T) {
	thunk := func(v any, err error) func() (any, error) { return func() (any, error) { return v, err } }
	leaf := graphql.NewObject(graphql.ObjectConfig{Name: "Leaf", Fields: graphql.Fields{
		"ok":           {Type: graphql.String, Resolve: func(graphql.ResolveParams) (any, error) { return "ok", nil }},
		"nullNonNull":  {Type: graphql.NewNonNull(graphql.String), Resolve: func(graphql.ResolveParams) (any, error) { return nil, nil }},
		"thunkNull":    {Type: graphql.NewNonNull(graphql.String), Resolve: func(graphql.ResolveParams) (any, error) { return thunk(nil, nil), nil }},
		"thunkError":   {Type: graphql.NewNonNull(graphql.String), Resolve: func(graphql.ResolveParams) (any, error) { return thunk(nil, errors.New("thunk failed")), nil }},
		"thunkValue":   {Type: graphql.String, Resolve: func(graphql.ResolveParams) (any, error) { return thunk("late", nil), nil }},
		"nullableFail": {Type: graphql.String, Resolve: func(graphql.ResolveParams) (any, error) { return nil, errors.New("failed") }},
		"panics":       {Type: graphql.String, Resolve: func(graphql.ResolveParams) (any, error) { panic("boom") }},
	}})
	leaf.AddFieldConfig("items", &graphql.Field{Type: graphql.NewList(graphql.NewNonNull(leaf)), Resolve: func(graphql.ResolveParams) (any, error) {
		return []any{1, thunk(2, nil), 3}, nil
	}})
	leaf.AddFieldConfig("nullableItems", &graphql.Field{Type: graphql.NewList(leaf), Resolve: func(graphql.ResolveParams) (any, error) {
		return []any{1, 2}, nil
	}})
	leaf.AddFieldConfig("child", &graphql.Field{Type: graphql.NewNonNull(leaf), Resolve: func(graphql.ResolveParams) (any, error) { return thunk(1, nil), nil }})
	var order []string
	broken := graphql.NewInterface(graphql.InterfaceConfig{Name: "Broken", Fields: graphql.Fields{"ok": {Type: graphql.String}},
		ResolveType: func(graphql.ResolveTypeParams) *graphql.Object { panic("a ResolveType bug") }})
	impl := graphql.NewObject(graphql.ObjectConfig{Name: "Impl", Interfaces: []*graphql.Interface{broken}, Fields: graphql.Fields{"ok": {Type: graphql.String}}})
	query := graphql.NewObject(graphql.ObjectConfig{Name: "Query", Fields: graphql.Fields{
		"broken":  {Type: broken, Resolve: func(graphql.ResolveParams) (any, error) { return 1, nil }},
		"leaf":    {Type: leaf, Resolve: func(graphql.ResolveParams) (any, error) { return 1, nil }},
		"nonNull": {Type: graphql.NewNonNull(leaf), Resolve: func(graphql.ResolveParams) (any, error) { return thunk(1, nil), nil }},
	}})
	mutation := graphql.NewObject(graphql.ObjectConfig{Name: "Mutation", Fields: graphql.Fields{
		"step": {Type: graphql.String, Args: graphql.FieldConfigArgument{"n": {Type: graphql.String}},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				n := p.Args["n"].(string)
				order = append(order, "resolve "+n)
				return func() (any, error) { order = append(order, "thunk "+n); return n, nil }, nil
			}},
	}})
	sc, err := graphql.NewSchema(graphql.SchemaConfig{Query: query, Mutation: mutation, Types: []graphql.Type{impl}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, want string }{
		{`{ leaf { ok thunkValue } }`, `{"leaf":{"ok":"ok","thunkValue":"late"}} `},
		{`{ leaf { ok nullNonNull } }`, `{"leaf":null} ["leaf","nullNonNull"] Cannot return null for non-nullable field Leaf.nullNonNull.`},
		{`{ leaf { ok thunkNull } }`, `{"leaf":null} ["leaf","thunkNull"] Cannot return null for non-nullable field Leaf.thunkNull.`},
		{`{ leaf { ok child { child { thunkError } } } }`, `{"leaf":null} ["leaf","child","child","thunkError"] thunk failed`},
		{`{ leaf { nullableFail panics ok } }`, `{"leaf":{"nullableFail":null,"panics":null,"ok":"ok"}} ["leaf","nullableFail"] failed; ["leaf","panics"] boom`},
		{`{ leaf { items { ok } } }`, `{"leaf":{"items":[{"ok":"ok"},{"ok":"ok"},{"ok":"ok"}]}} `},
		{`{ leaf { items { ok thunkNull } } }`, `{"leaf":{"items":null}} ["leaf","items",0,"thunkNull"] Cannot return null for non-nullable field Leaf.thunkNull.; ["leaf","items",1,"thunkNull"] Cannot return null for non-nullable field Leaf.thunkNull.; ["leaf","items",2,"thunkNull"] Cannot return null for non-nullable field Leaf.thunkNull.`},
		{`{ leaf { nullableItems { ok nullNonNull } } }`, `{"leaf":{"nullableItems":[null,null]}} ["leaf","nullableItems",0,"nullNonNull"] Cannot return null for non-nullable field Leaf.nullNonNull.; ["leaf","nullableItems",1,"nullNonNull"] Cannot return null for non-nullable field Leaf.nullNonNull.`},
		{`{ leaf { ok } nonNull { thunkError } }`, `null ["nonNull","thunkError"] thunk failed`},
		// A panic outside any resolver is the request's internal error, not a crash.
		{`{ leaf { ok } broken { ok } }`, `null null the request could not be executed`},
	} {
		if got := testExec(t, sc, c.query, nil); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.query, got, c.want)
		}
	}
	// The fields of a mutation run one after the other, each with its thunks.
	if got, want := testExec(t, sc, `mutation { a: step(n: "1") b: step(n: "2") }`, nil), `{"a":"1","b":"2"} `; got != want {
		t.Errorf("mutation: got %s, want %s", got, want)
	}
	if want := []string{"resolve 1", "thunk 1", "resolve 2", "thunk 2"}; !slices.Equal(order, want) {
		t.Errorf("mutation ran %q, want %q", order, want)
	}
}
