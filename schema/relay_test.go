package schema

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// TestRelayMutations runs each Relay-style mutation (one input argument,
// a payload echoing clientMutationId) and checks the old form still works.
func TestRelayMutations(t *testing.T) {
	store := openStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())
	run := func(q string, vars map[string]any) string {
		t.Helper()
		res := a.Do(ctx, Request{Query: q, Variables: vars})
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", q, res.Errors)
		}
		b, _ := json.Marshal(res.Data)
		return string(b)
	}
	nq := "<https://w3id.org/blurline/id/lithuania> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#State> .\n" +
		"<https://w3id.org/blurline/id/lithuania> <https://w3id.org/blurline/ns#name> \"Lithuania\" .\n" +
		"<https://w3id.org/blurline/id/nato> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Alliance> .\n" +
		"<https://w3id.org/blurline/id/nato> <https://w3id.org/blurline/ns#name> \"NATO\" .\n" +
		"<https://w3id.org/blurline/id/us> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#State> .\n" +
		"<https://w3id.org/blurline/id/us> <https://w3id.org/blurline/ns#name> \"United States\" .\n"
	if got := run(`mutation($in: ImportNQuadsInput!) { importNQuads(input: $in) { clientMutationId added } }`,
		map[string]any{"in": map[string]any{"text": nq, "clientMutationId": "m1", "marking": "CLEAR"}}); got != `{"importNQuads":{"clientMutationId":"m1","added":6}}` {
		t.Errorf("importNQuads = %s", got)
	}
	got := run(`mutation { createFacts(input: {clientMutationId: "m2", facts: [`+validFact+`]}) { clientMutationId facts { id predicate } entities { id } } }`, nil)
	if !strings.HasPrefix(got, `{"createFacts":{"clientMutationId":"m2","facts":[{"id":"`) || !strings.Contains(got, `"predicate":"memberOf"}],"entities":[]}}`) {
		t.Fatalf("createFacts = %s", got)
	}
	var created struct {
		CreateFacts struct{ Facts []struct{ ID string } }
	}
	json.Unmarshal([]byte(got), &created)
	id := created.CreateFacts.Facts[0].ID
	// Without clientMutationId, and with null for it: null in the payload.
	if got := run(`mutation($id: ID!) { deleteFact(input: {id: $id, clientMutationId: null}) { clientMutationId fact { id subjectId } } }`, map[string]any{"id": id}); got != `{"deleteFact":{"clientMutationId":null,"fact":{"id":"`+id+`","subjectId":"lithuania"}}}` {
		t.Errorf("deleteFact = %s", got)
	}
	// The old form still works, and says it is deprecated.
	if got := run(`mutation { addFacts(facts: [`+validFact+`]) { facts { predicate } } }`, nil); got != `{"addFacts":{"facts":[{"predicate":"memberOf"}]}}` {
		t.Errorf("addFacts = %s", got)
	}
	dep := run(`{ __type(name: "Mutation") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }`, nil)
	for _, name := range []string{"addFacts", "retractFact", "loadNQuads", "importStix", "retractImport"} {
		if !strings.Contains(dep, `{"name":"`+name+`","isDeprecated":true,"deprecationReason":"Use `) {
			t.Errorf("%s is not deprecated: %s", name, dep)
		}
	}
	for _, name := range []string{"createFacts", "deleteFact", "importNQuads", "importStixBundle", "deleteImport"} {
		if !strings.Contains(dep, `{"name":"`+name+`","isDeprecated":false,"deprecationReason":null}`) {
			t.Errorf("%s missing or deprecated: %s", name, dep)
		}
	}
	// Refused without write access, like the old ones.
	res := a.Do(context.Background(), Request{Query: `mutation { deleteFact(input: {id: "x"}) { clientMutationId } }`})
	if len(res.Errors) != 1 || codes(res)[0] != blurline.ErrForbidden {
		t.Errorf("without write access: %v", res.Errors)
	}
}
