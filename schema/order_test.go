package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

// jsonNode is a decoded JSON value whose objects keep their key order.
type jsonNode struct {
	keys []string
	vals map[string]*jsonNode
	list []*jsonNode
	obj  bool
}

func decodeOrdered(tb testing.TB, data []byte) *jsonNode {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var read func() *jsonNode
	read = func() *jsonNode {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatalf("decode: %v", err)
		}
		switch tok {
		case json.Delim('{'):
			n := &jsonNode{obj: true, vals: map[string]*jsonNode{}}
			for dec.More() {
				kt, _ := dec.Token()
				k := kt.(string)
				if _, dup := n.vals[k]; dup {
					tb.Errorf("key %q twice in one object", k)
				}
				n.keys = append(n.keys, k)
				n.vals[k] = read()
			}
			dec.Token()
			return n
		case json.Delim('['):
			n := &jsonNode{}
			for dec.More() {
				n.list = append(n.list, read())
			}
			dec.Token()
			return n
		}
		return &jsonNode{}
	}
	return read()
}

// docOrder is the test's own reading of a document: the response keys of
// a selection set in the order the document first names them, fragments
// expanded in place.
type docOrder struct {
	fragments map[string]*ast.FragmentDefinition
}

func (d docOrder) keys(sets []*ast.SelectionSet) ([]string, map[string][]*ast.SelectionSet) {
	var keys []string
	subs := map[string][]*ast.SelectionSet{}
	seen := map[string]bool{}
	var walk func(ss *ast.SelectionSet, depth int)
	walk = func(ss *ast.SelectionSet, depth int) {
		if ss == nil || depth > 20 {
			return
		}
		for _, sel := range ss.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				k := s.Name.Value
				if s.Alias != nil {
					k = s.Alias.Value
				}
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
				if s.SelectionSet != nil {
					subs[k] = append(subs[k], s.SelectionSet)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet, depth+1)
			case *ast.FragmentSpread:
				if f := d.fragments[s.Name.Value]; f != nil {
					walk(f.SelectionSet, depth+1)
				}
			}
		}
	}
	for _, ss := range sets {
		walk(ss, 0)
	}
	return keys, subs
}

// check compares the key order of every object under n with the document.
func (d docOrder) check(tb testing.TB, path string, n *jsonNode, sets []*ast.SelectionSet) {
	tb.Helper()
	if n.list != nil {
		for _, e := range n.list {
			d.check(tb, path+"[]", e, sets)
		}
		return
	}
	if !n.obj {
		return
	}
	want, subs := d.keys(sets)
	want = slices.DeleteFunc(want, func(k string) bool { _, ok := n.vals[k]; return !ok })
	if !slices.Equal(n.keys, want) {
		tb.Errorf("%s: keys %v, want the document's order %v", path, n.keys, want)
	}
	for _, k := range n.keys {
		d.check(tb, path+"."+k, n.vals[k], subs[k])
	}
}

// TestGoldenKeyOrder checks, for every golden query, that each object of
// the response lists its fields in the order of the document.
func TestGoldenKeyOrder(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	files, _ := filepath.Glob("testdata/*.graphql")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			query := readFile(t, file)
			var vars map[string]any
			if b, err := os.ReadFile(filepath.Join("testdata", name+".vars.json")); err == nil {
				json.Unmarshal(b, &vars)
			}
			res := a.Do(context.Background(), Request{Query: query, Variables: vars})
			if res.Data == nil {
				return // a request error: no data to order
			}
			checkOrder(t, query, res.Data)
		})
	}
}

func checkOrder(tb testing.TB, query string, data any) {
	tb.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(query)})})
	if err != nil {
		tb.Fatal(err)
	}
	d := docOrder{fragments: map[string]*ast.FragmentDefinition{}}
	var op *ast.OperationDefinition
	for _, def := range doc.Definitions {
		switch def := def.(type) {
		case *ast.FragmentDefinition:
			d.fragments[def.Name.Value] = def
		case *ast.OperationDefinition:
			op = def
		}
	}
	d.check(tb, "data", decodeOrdered(tb, b), []*ast.SelectionSet{op.SelectionSet})
}

// TestFieldOrder checks the serialisation order against hand-written
// expectations: aliases, fragments and inline fragments on several types,
// @skip and @include, __typename and nested lists.
func TestFieldOrder(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"selection order", `{ blurRanking(state: "prc", first: 1) { actor { name id } } }`, nil,
			`{"blurRanking":[{"actor":{"name":"MSS criminal contract hackers","id":"mss-contract-hackers"}}]}`},
		{"aliases", `{ after: entity(id: "apt40") { id } before: entity(id: "mss") { id } }`, nil,
			`{"after":{"id":"apt40"},"before":{"id":"mss"}}`},
		{"typename, fragments, skip and include", `query($s: Boolean!) {
			entity(id: "apt40") {
				... on ThreatGroup { name @skip(if: $s) }
				__typename
				... on State { kind }
				...F
				id @include(if: $s)
				name
			}
		}
		fragment F on Entity { kind name }`, map[string]any{"s": true},
			`{"entity":{"__typename":"ThreatGroup","kind":"ThreatGroup","name":"APT40","id":"apt40"}}`},
		{"inline fragment of another type does not move a field", `{
			entity(id: "apt40") { ... on State { name } id ... on ThreatGroup { name } }
		}`, nil, `{"entity":{"id":"apt40","name":"APT40"}}`},
		{"nested lists", `{ entity(id: "apt40") { ... on ThreatGroup { sponsors(first: 1) { predicate other { name id } } } } }`, nil,
			`{"entity":{"sponsors":[{"predicate":"sponsoredBy","other":{"name":"Hainan State Security Department","id":"hainan-ssd"}}]}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := a.Do(context.Background(), Request{Query: c.query, Variables: c.vars})
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			got, _ := json.Marshal(res.Data)
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}
