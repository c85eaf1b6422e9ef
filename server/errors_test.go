package server_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/blurline/blurline/server"
)

// internalName matches what must never reach a client: a Go package
// qualifier on a call or type (graph.Retract(, *schema.API), encoding/json's
// "Go value of type", a Go file position or a panic.
var internalName = regexp.MustCompile(`\b(graph|schema|server|blurline|interop|blur|cayley|json|gqlerrors|graphql|runtime)\.[A-Za-z]+|Go value|Go struct|\.go:\d+|goroutine|panic`)

// TestNoInternalNames sends every kind of bad request and checks each
// answer's messages for internal names, and that every error has a code.
func TestNoInternalNames(t *testing.T) {
	ts := startServer(t, server.Config{Token: "0123456789abcdef0123"})
	auth := map[string]string{"Content-Type": appJSON, "Authorization": "Bearer 0123456789abcdef0123"}
	jsonCT := map[string]string{"Content-Type": appJSON}
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
	}{
		{"no such fact", "POST", "/graphql", auth, `{"query":"mutation { retractFact(id: \"no-such\") { id } }"}`},
		{"no such import", "POST", "/graphql", auth, `{"query":"mutation { retractImport(id: \"no-such\") { removed } }"}`},
		{"bad entity in a write", "POST", "/graphql", auth, `{"query":"mutation { addFacts(facts: [], entities: [{id: \"x y\", name: \"X\", kind: State}]) { facts { id } } }"}`},
		{"variables of the wrong JSON type", "POST", "/graphql", jsonCT, `{"query":"{ __typename }","variables":[1]}`},
		{"query of the wrong JSON type", "POST", "/graphql", jsonCT, `{"query":5}`},
		{"operationName of the wrong type", "POST", "/graphql", jsonCT, `{"query":"{ __typename }","operationName":{"a":1}}`},
		{"malformed JSON", "POST", "/graphql", jsonCT, `{"query":`},
		{"variables not JSON", "GET", "/graphql?query=%7B__typename%7D&variables=%7Bx", nil, ""},
		{"unknown field", "POST", "/graphql", jsonCT, `{"query":"{ nope }"}`},
		{"syntax error", "POST", "/graphql", jsonCT, `{"query":"{"}`},
		{"bad variable", "POST", "/graphql", jsonCT, `{"query":"query($n: Int) { entities(first: $n) { totalCount } }","variables":{"n":"x"}}`},
		{"no entity", "POST", "/graphql", jsonCT, `{"query":"{ entity(id: \"no-such\") { id } }"}`},
		{"blur of nobody", "POST", "/graphql", jsonCT, `{"query":"{ blur(actor: \"no-such\", state: \"prc\") { score } }"}`},
		{"bad date", "POST", "/graphql", jsonCT, `{"query":"{ entity(id: \"mss\") { relationships(asOf: \"yesterday\") { totalCount } } }"}`},
		{"mutation without token", "POST", "/graphql", jsonCT, `{"query":"mutation { retractFact(id: \"x\") { id } }"}`},
		{"unknown endpoint", "GET", "/nope", nil, ""},
		{"wrong method", "DELETE", "/graphql", nil, ""},
		{"wrong content type", "POST", "/graphql", map[string]string{"Content-Type": "text/plain"}, `{}`},
	}
	for _, c := range cases {
		r, err := hdo(c.method, ts.URL+c.path, c.header, []byte(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		errs, _ := r.JSON["errors"].([]any)
		if len(errs) == 0 {
			t.Errorf("%s: no errors: %d %s", c.name, r.Status, r.Body)
			continue
		}
		for _, e := range errs {
			m, _ := e.(map[string]any)
			msg, _ := m["message"].(string)
			ext, _ := m["extensions"].(map[string]any)
			if code, _ := ext["code"].(string); code == "" || code == "INTERNAL" {
				t.Errorf("%s: code %q: %s", c.name, code, r.Body)
			}
			if internalName.MatchString(msg) {
				t.Errorf("%s: message names internals: %q", c.name, msg)
			}
		}
	}
}

// TestErrorItemsAndPrefixes checks that a store error reaches the client
// as its plain message, and a write's problem with one item names the
// item by the argument's field and index.
func TestErrorItemsAndPrefixes(t *testing.T) {
	ts := startServer(t, server.Config{Token: "0123456789abcdef0123"})
	auth := map[string]string{"Content-Type": appJSON, "Authorization": "Bearer 0123456789abcdef0123"}
	r, err := hdo("POST", ts.URL+"/graphql", auth, []byte(`{"query":"mutation { retractFact(id: \"no-such\") { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	if msg := firstMessage(r); msg != `no fact "no-such"` {
		t.Errorf("retractFact(no-such): message %q, want %q", msg, `no fact "no-such"`)
	}
	r, err = hdo("POST", ts.URL+"/graphql", auth, []byte(`{"query":"mutation { addFacts(facts: [], entities: [{id: \"ok-one\", name: \"One\", kind: State}, {id: \"x y\", name: \"X\", kind: State}]) { facts { id } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	if msg := firstMessage(r); !strings.HasPrefix(msg, "entities[1]: ") || strings.Contains(msg, "nodes[") {
		t.Errorf("addFacts with a bad second entity: message %q, want it to start with entities[1]", msg)
	}
}

func firstMessage(r *response) string {
	errs, _ := r.JSON["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	m, _ := errs[0].(map[string]any)
	s, _ := m["message"].(string)
	return s
}
