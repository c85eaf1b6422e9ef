package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/testlog"
)

// snapshot is what a refused or invalid mutation must leave unchanged.
type snapshot struct {
	stats   blurline.Stats
	export  string
	version uint64
}

func takeSnapshot(tb testing.TB, s *graph.Store) snapshot {
	tb.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		tb.Fatalf("Stats: %v", err)
	}
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf); err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return snapshot{stats: st, export: buf.String(), version: s.Version()}
}

func assertUnchanged(tb testing.TB, s *graph.Store, before snapshot) {
	tb.Helper()
	after := takeSnapshot(tb, s)
	if !reflect.DeepEqual(after.stats, before.stats) {
		tb.Errorf("Stats: %d quads, %d facts, %d entities; want unchanged %d, %d, %d",
			after.stats.Quads, after.stats.Facts, after.stats.Entities, before.stats.Quads, before.stats.Facts, before.stats.Entities)
	}
	if after.export != before.export {
		tb.Errorf("Export changed: %d bytes, want the %d bytes from before", len(after.export), len(before.export))
	}
	if after.version != before.version {
		tb.Errorf("Version = %d, want unchanged %d", after.version, before.version)
	}
}

const validFact = `{
	subject: "lithuania", predicate: memberOf, object: "nato",
	confidence: 0.9, sources: ["https://example.org/lt-nato"],
	validFrom: "2004-03-29", assertedBy: "us", note: "a test fact"
}`

var mutations = map[string]string{
	"addFacts":      `mutation { addFacts(facts: [` + validFact + `]) { facts { id } } }`,
	"retractFact":   `mutation { retractFact(id: "lithuania-member-of-nato") { id } }`,
	"importStix":    `mutation { importStix(bundle: ` + strconv.Quote(testBundle) + `) { importId } }`,
	"retractImport": `mutation { retractImport(id: "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01") { removed } }`,
	"loadNQuads":    `mutation { loadNQuads(text: "<https://w3id.org/blurline/id/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#State> .\n<https://w3id.org/blurline/id/x> <https://w3id.org/blurline/ns#name> \"X\" .") { added } }`,
}

// mutationScope is the scope each mutation needs, the Relay forms too.
var mutationScope = map[string]blurline.Scope{
	"addFacts": blurline.ScopeWrite, "retractFact": blurline.ScopeWrite, "loadNQuads": blurline.ScopeWrite,
	"importStix": blurline.ScopeImport, "retractImport": blurline.ScopeImport,
	"createFacts": blurline.ScopeWrite, "deleteFact": blurline.ScopeWrite, "importNQuads": blurline.ScopeWrite,
	"importStixBundle": blurline.ScopeImport, "deleteImport": blurline.ScopeImport,
}

// relayMutations are the Relay-style forms of mutations.
var relayMutations = map[string]string{
	"createFacts":      `mutation { createFacts(input: {facts: [` + validFact + `]}) { clientMutationId } }`,
	"deleteFact":       `mutation { deleteFact(input: {id: "lithuania-member-of-nato"}) { clientMutationId } }`,
	"importNQuads":     `mutation { importNQuads(input: {text: "<https://w3id.org/blurline/id/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#State> ."}) { clientMutationId } }`,
	"importStixBundle": `mutation { importStixBundle(input: {bundle: ` + strconv.Quote(testBundle) + `}) { clientMutationId } }`,
	"deleteImport":     `mutation { deleteImport(input: {id: "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01"}) { clientMutationId } }`,
}

// TestMutationsRefusedWithoutScope runs every mutation with no principal,
// as the anonymous reader, and as principals holding every scope but the
// one it needs: each is FORBIDDEN and changes nothing.
func TestMutationsRefusedWithoutScope(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	before := takeSnapshot(t, store)
	all := maps.Clone(mutations)
	maps.Copy(all, relayMutations)
	for name, m := range all {
		need, ok := mutationScope[name]
		if !ok {
			t.Fatalf("mutation %s has no scope in mutationScope", name)
		}
		others := blurline.Scopes(0)
		for _, s := range []blurline.Scope{blurline.ScopeRead, blurline.ScopeWrite, blurline.ScopeImport} {
			if s != need {
				others |= blurline.Scopes(s)
			}
		}
		callers := map[string]context.Context{
			"no principal":             context.Background(),
			"anonymous":                blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "anonymous", Scopes: blurline.Scopes(blurline.ScopeRead), Anonymous: true}),
			"without " + need.String(): blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "other", Scopes: others, MaxMarking: blurline.TLPRed}),
		}
		for who, ctx := range callers {
			t.Run(name+"/"+who, func(t *testing.T) {
				res := do(t, ctx, a, m, nil)
				if got, want := codes(res), []blurline.Kind{blurline.ErrForbidden}; !reflect.DeepEqual(got, want) {
					t.Errorf("%s as %s: codes %v, want %v (%v)", name, who, got, want, res.Errors)
				}
				if len(res.Errors) > 0 && !strings.Contains(res.Errors[0].Message, need.String()) {
					t.Errorf("%s as %s: message %q does not name the %s scope", name, who, res.Errors[0].Message, need)
				}
				assertUnchanged(t, store, before)
			})
		}
	}
}

func TestMutationsApplied(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())
	before := takeSnapshot(t, store)

	got := mustData(t, ctx, a, `mutation {
		addFacts(
			entities: [{id: "test-group", kind: ThreatGroup, name: "Test Group", aliases: ["TG-1"], sources: ["https://example.org/tg"]}]
			facts: [
				{id: "test-group-sponsored-by-mss", subject: "test-group", predicate: sponsoredBy, object: "mss",
				 confidence: 0.7, sources: ["https://example.org/tg"], healeyLevel: STATE_SHAPED,
				 validFrom: "2021-07-19", publishedOn: "2021-07-20T09:30:00Z", assertedBy: "uk", quote: "likely"},
				{id: "test-victims", subject: "exchange-compromise-2021", predicate: victimCount, value: "12345",
				 confidence: 0.4, sources: ["https://example.org/victims"]}
			]
		) {
			facts { id predicate subjectId objectId value { number } healeyLevel { name } validFrom publishedOn assertedBy { id } }
			entities { id name kind aliases }
		}
	}`, nil)
	for _, want := range []string{`"id": "test-group-sponsored-by-mss"`, `"name": "state-shaped"`, `"publishedOn": "2021-07-20T09:30:00Z"`,
		`"validFrom": "2021-07-19"`, `"number": 12345`, `"kind": "ThreatGroup"`, `"TG-1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("addFacts = %s, want it to contain %s", got, want)
		}
	}
	st, _ := store.Stats(context.Background())
	if st.Facts != before.stats.Facts+2 || st.Entities != before.stats.Entities+1 {
		t.Errorf("after addFacts: %d facts, %d entities; want %d and %d", st.Facts, st.Entities, before.stats.Facts+2, before.stats.Entities+1)
	}
	// The new fact is visible at once, as of its dates.
	got = mustData(t, ctx, a, `{ entity(id: "test-group") { ... on ThreatGroup {
		now: sponsors { id }  before: sponsors(asOf: "2021-07-19") { id } } } }`, nil)
	var seen struct {
		Entity struct{ Now, Before []struct{ ID string } }
	}
	if err := json.Unmarshal([]byte(got), &seen); err != nil {
		t.Fatal(err)
	}
	if len(seen.Entity.Now) != 1 || len(seen.Entity.Before) != 0 {
		t.Errorf("sponsors now and as of 2021-07-19 (before publication, 2021-07-20T09:30Z) = %s, want one now and none before", got)
	}

	// Adding the same content again changes nothing (ids make it idempotent).
	mustData(t, ctx, a, `mutation { addFacts(facts: [{id: "test-victims", subject: "exchange-compromise-2021", predicate: victimCount, value: "12345", confidence: 0.4, sources: ["https://example.org/victims"]}]) { facts { id } } }`, nil)
	if st2, _ := store.Stats(context.Background()); st2.Facts != st.Facts {
		t.Errorf("re-adding a fact: %d facts, want %d", st2.Facts, st.Facts)
	}

	got = mustData(t, ctx, a, `mutation { retractFact(id: "test-victims") { id predicate } }`, nil)
	if !strings.Contains(got, `"id": "test-victims"`) {
		t.Errorf("retractFact = %s", got)
	}
	if _, err := store.Fact(context.Background(), "test-victims"); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("Fact(test-victims) after retractFact: err %v, want not found", err)
	}
	res := do(t, ctx, a, `mutation { retractFact(id: "test-victims") { id } }`, nil)
	if got, want := codes(res), []blurline.Kind{blurline.ErrNotFound}; !reflect.DeepEqual(got, want) {
		t.Errorf("retracting twice: codes %v, want %v", got, want)
	}

	got = mustData(t, ctx, a, mutations["loadNQuads"], nil)
	// The two quads; unmarked, they are CLEAR (the default marking), which
	// needs no marking quad.
	if !strings.Contains(got, `"added": 2`) {
		t.Errorf("loadNQuads = %s, want 2 quads added", got)
	}
	if n, err := store.Node(context.Background(), "x"); err != nil || n.Name != "X" {
		t.Errorf("Node(x) after loadNQuads = %v, %v", n, err)
	}
}

func TestMutationsInvalid(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())
	before := takeSnapshot(t, store)
	fact := func(fields string) string {
		return `mutation { addFacts(facts: [` + validFact + `, {` + fields + `}]) { facts { id } } }`
	}
	base := `subject: "apt40", predicate: sponsoredBy, object: "mss", confidence: 0.5, sources: ["https://example.org/s"]`
	for _, tc := range []struct {
		name, query, want string
	}{
		{"unknown subject", fact(`subject: "nobody", predicate: memberOf, object: "nato", confidence: 0.5, sources: ["https://example.org/s"]`), "unknown entity <https://w3id.org/blurline/id/nobody> (subject of memberOf)"},
		{"confidence over 1", fact(strings.Replace(base, "0.5", "1.5", 1)), "1.5 is outside 0..1"},
		{"no source", fact(`subject: "apt40", predicate: sponsoredBy, object: "mss", confidence: 0.5, sources: []`), "has no source"},
		{"source not an IRI", fact(strings.Replace(base, "https://example.org/s", "not a url", 1)), "not a url"},
		{"healey on memberOf", fact(`subject: "lithuania", predicate: memberOf, object: "nato", confidence: 0.5, sources: ["https://example.org/s"], healeyLevel: STATE_ORDERED`), "a Healey level belongs on a control relationship"},
		{"attribution kind on sponsoredBy", fact(base + `, attributionKind: technical`), "attributionKind belongs on attributedTo"},
		{"until before from", fact(base + `, validFrom: "2021-07-19", validUntil: "2021-01-01"`), "validUntil 2021-01-01 is not after validFrom 2021-07-19"},
		{"bad date", fact(base + `, validFrom: "2021-02-30"`), `validFrom: "2021-02-30" is not a Date`},
		{"object and value", fact(base + `, value: "3"`), "give object or value, not both"},
		{"neither object nor value", fact(`subject: "apt40", predicate: sponsoredBy, confidence: 0.5, sources: ["https://example.org/s"]`), "sponsoredBy needs an object"},
		{"claim not a number", fact(`subject: "exchange-compromise-2021", predicate: victimCount, value: "many", confidence: 0.5, sources: ["https://example.org/s"]`), `victimCount: "many" is not a number`},
		{"claim with an entity", fact(`subject: "exchange-compromise-2021", predicate: victimCount, object: "us", confidence: 0.5, sources: ["https://example.org/s"]`), "victimCount needs a number"},
		{"entity renamed", `mutation { addFacts(facts: [` + validFact + `], entities: [{id: "apt40", kind: ThreatGroup, name: "Not APT40"}]) { facts { id } } }`, `entity <https://w3id.org/blurline/id/apt40> has more than one name`},
		{"entity changes class", `mutation { addFacts(facts: [], entities: [{id: "apt40", kind: Person, name: "APT40"}]) { facts { id } } }`, "is already a ThreatGroup, not a Person"},
		{"bad fact id", fact(base + `, id: "has space"`), `id "has space": character ' ' is not allowed`},
		{"nothing to add", `mutation { addFacts(facts: []) { facts { id } } }`, "nothing to add"},
		{"broken N-Quads", `mutation { loadNQuads(text: "<https://w3id.org/blurline/id/x> <https://w3id.org/blurline/ns#name> .", name: "paste") { added } }`, "paste:1:"},
		{"N-Quads fact without provenance", `mutation { loadNQuads(text: "<https://w3id.org/blurline/id/apt40> <https://w3id.org/blurline/ns#memberOf> <https://w3id.org/blurline/id/nato> <https://w3id.org/blurline/fact/t1> .") { added } }`, "fact <https://w3id.org/blurline/fact/t1> has no source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, ctx, a, tc.query, nil)
			if got, want := codes(res), []blurline.Kind{blurline.ErrInvalid}; !reflect.DeepEqual(got, want) {
				t.Fatalf("codes %v, want %v (%v)", got, want, res.Errors)
			}
			t.Logf("message: %s", res.Errors[0].Message)
			if msg := res.Errors[0].Message; !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to contain %q", msg, tc.want)
			}
			assertUnchanged(t, store, before)
		})
	}
}

// failingGraph is a store whose writes fail with an internal error.
type failingGraph struct {
	*graph.Store
}

var errDisk = errors.New("bbolt: write /var/lib/blurline/secret-path/data.db: no space left on device")

func (failingGraph) Write(context.Context, []blurline.Node, []blurline.Fact) ([]*blurline.Fact, error) {
	return nil, errDisk
}

func (failingGraph) Retract(context.Context, string) (*blurline.Fact, error) {
	return nil, blurline.Errorf(blurline.ErrInternal, "cayley: delete quad from %s", "/var/lib/blurline/secret-path")
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	store := seededStore(t)
	a, err := New(testlog.New(t), failingGraph{store}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := asOperator(context.Background())
	for _, m := range []string{mutations["addFacts"], mutations["retractFact"]} {
		res := do(t, ctx, a, m, nil)
		if got, want := codes(res), []blurline.Kind{blurline.ErrInternal}; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: codes %v, want %v", m, got, want)
		}
		if res.Errors[0].Message != "internal error" {
			t.Errorf("message %q, want %q", res.Errors[0].Message, "internal error")
		}
		if body := toJSON(t, res); strings.Contains(body, "secret-path") || strings.Contains(body, "bbolt") {
			t.Errorf("response leaks the internal error: %s", body)
		}
	}
	// The cause stays with the error, for the server's formatter to log.
	if cause := res0(t, ctx, a); !strings.Contains(fmt.Sprint(errors.Unwrap(cause)), "secret-path") && !errors.Is(cause, errDisk) {
		t.Errorf("the internal error lost its cause: %v", cause)
	}
}

func res0(t *testing.T, ctx context.Context, a *API) error {
	res := do(t, ctx, a, mutations["addFacts"], nil)
	return res.Errors[0].OriginalError()
}
