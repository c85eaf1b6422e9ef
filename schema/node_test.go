package schema

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

// TestNode fetches entities and facts again by id through node and nodes.
func TestNode(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	ctx := context.Background()
	factID := strings.TrimSpace(mustData(t, ctx, a, `{ entity(id: "apt40") { relationships(first: 1) { edges { node { statement { id } } } } } }`, nil))
	i := strings.Index(factID, `"id": "`)
	fid := factID[i+7:]
	fid = fid[:strings.IndexByte(fid, '"')]

	res := do(t, ctx, a, `query($f: ID!) {
		e: node(id: "apt40") { __typename id ... on Entity { name } }
		iri: node(id: "https://w3id.org/blurline/id/mss") { id }
		f: node(id: $f) { __typename id ... on Statement { predicate } }
		none: node(id: "no-such-thing") { id }
		all: nodes(ids: ["mss", $f, "nothing"]) { __typename id }
	}`, map[string]any{"f": fid})
	got, _ := json.Marshal(res.Data)
	want := `{"e":{"__typename":"ThreatGroup","id":"apt40","name":"APT40"},"iri":{"id":"mss"},` +
		`"f":{"__typename":"Statement","id":"` + fid + `","predicate":"concerns"},"none":null,` +
		`"all":[{"__typename":"IntelligenceService","id":"mss"},{"__typename":"Statement","id":"` + fid + `"},null]}`
	if len(res.Errors) > 0 || string(got) != want {
		t.Errorf("node/nodes:\n got %s\nwant %s\n%v", got, want, res.Errors)
	}
	// Every entity class and Statement implement Node.
	sc := a.Schema()
	impls := map[string]bool{}
	for _, o := range sc.PossibleTypes(sc.Type("Node").(*graphql.Interface)) {
		impls[o.Name()] = true
	}
	for _, o := range sc.PossibleTypes(sc.Type("Entity").(*graphql.Interface)) {
		if !impls[o.Name()] {
			t.Errorf("entity class %s does not implement Node", o.Name())
		}
	}
	if !impls["Statement"] || len(impls) != len(sc.PossibleTypes(sc.Type("Entity").(*graphql.Interface)))+1 {
		t.Errorf("Node's types = %v, want every entity class and Statement", impls)
	}
}

// TestConnectionsPageBothWays checks that every field returning a
// connection takes first/after and last/before.
func TestConnectionsPageBothWays(t *testing.T) {
	sc := newAPI(t, openStore(t), Limits{}).Schema()
	n := 0
	for name, ty := range sc.TypeMap() {
		var fields graphql.FieldDefinitionMap
		switch ty := ty.(type) {
		case *graphql.Object:
			fields = ty.Fields()
		case *graphql.Interface:
			fields = ty.Fields()
		default:
			continue
		}
		for fname, f := range fields {
			if !strings.HasSuffix(graphql.GetNamed(f.Type).String(), "Connection") {
				continue
			}
			n++
			have := map[string]bool{}
			for _, a := range f.Args {
				have[a.Name()] = true
			}
			for _, want := range []string{"first", "after", "last", "before"} {
				if !have[want] {
					t.Errorf("%s.%s returns a connection but has no %s argument", name, fname, want)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no connection fields found")
	}
}
