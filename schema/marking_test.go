package schema

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/marktest"
	"github.com/blurline/blurline/internal/pgtest"
)

// markedStore opens a store on addr holding marktest's graph.
func markedStore(tb testing.TB, addr string) *graph.Store {
	tb.Helper()
	s, err := graph.Open(context.Background(), nil, addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.LoadNQuads(context.Background(), "marked.nq", marktest.NQuads(), blurline.WriteOptions{}); err != nil {
		tb.Fatal(err)
	}
	return s
}

// principal returns a context acting for a principal with every scope,
// cleared for m.
func principal(m blurline.Marking) context.Context {
	return blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "p-" + m.String(), Scopes: blurline.AllScopes, MaxMarking: m})
}

// markingQueries are every query kind, run by TestMarkingMatrix as a
// principal of each clearance: none of their answers may name what the
// principal may not see.
var markingQueries = []string{
	`{ stats { entities facts quads factsWithProvenance byKind { kind count } byPredicate { predicate count } } }`,
	`{ entities(first: 100) { totalCount edges { cursor node { id name aliases marking } } } }`,
	`{ entities(search: "` + marktest.SecretAlias + `") { totalCount edges { node { id } } } }`,
	`{ relationships(first: 100) { totalCount edges { cursor node { id marking subject { id } object { id } } } } }`,
	`{ entity(id: "` + marktest.Agency + `") { id aliases marking relationships(first: 100) { totalCount edges { node { id } } } } }`,
	`{ nodes(ids: ["` + marktest.Group(blurline.TLPRed) + `", "` + marktest.Group(blurline.TLPGreen) + `", "` + marktest.RedFact + `"]) { id } }`,
	`{ paths(from: "` + marktest.State + `", to: "` + marktest.Victim + `", maxHops: 6) { length hops { from { id } to { id } statement { id } } } }`,
	`{ pathsFrom(from: "` + marktest.State + `", to: ["` + marktest.Victim + `"], maxHops: 6) { to { id } paths { length factIds hops { from { id } to { id } } } } }`,
	`{ neighbourhood(id: "` + marktest.Agency + `", hops: 3) { truncated nodes { id } edges { id } } }`,
	`{ blurRanking(state: "` + marktest.State + `") { actor { id } score clearance path { hops { statement { id } } } } }`,
	`{ stixBundle }`,
}

// TestMarkingMatrix runs every query kind, the mutations and the STIX
// export as principals of each clearance against a store holding facts
// and entities of every marking, on bbolt and PostgreSQL (where
// installed), and checks that each sees exactly what it may.
func TestMarkingMatrix(t *testing.T) {
	addrs := map[string]func(t *testing.T) string{"bbolt": func(t *testing.T) string { return "bbolt:" + t.TempDir() }}
	if dsn := postgresDSN(t); dsn != nil {
		addrs["postgres"] = dsn
	}
	for name, addr := range addrs {
		t.Run(name, func(t *testing.T) {
			for _, m := range marktest.Markings {
				// A store each: the matrix's writes stay out of the others' counts.
				a := newAPI(t, markedStore(t, addr(t)), Limits{})
				t.Run(m.String(), func(t *testing.T) { checkMatrix(t, a, m) })
			}
		})
	}
}

func checkMatrix(t *testing.T, a *API, m blurline.Marking) {
	ctx := principal(m)
	wantE, wantF := marktest.Entities(m), marktest.Facts(m)
	var all strings.Builder
	for _, q := range markingQueries {
		res := do(t, ctx, a, q, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", q, res.Errors)
		}
		b, _ := json.Marshal(res.Data)
		all.Write(b)
		// The same query twice gives the same answer (the caches are per clearance).
		again, _ := json.Marshal(do(t, ctx, a, q, nil).Data)
		if string(again) != string(b) {
			t.Errorf("%s: a second run differs", q)
		}
	}
	for _, id := range marktest.Hidden(m) {
		if strings.Contains(all.String(), id) {
			t.Errorf("the answers name hidden %q", id)
		}
	}
	var st struct {
		Stats struct{ Entities, Facts int }
	}
	data(t, ctx, a, `{ stats { entities facts } }`, &st)
	if st.Stats.Entities != len(wantE) || st.Stats.Facts != len(wantF) {
		t.Errorf("stats = %+v, want %d entities, %d facts", st.Stats, len(wantE), len(wantF))
	}
	var ents struct {
		Entities struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	data(t, ctx, a, `{ entities(first: 100) { totalCount edges { node { id } } } }`, &ents)
	var ids []string
	for _, e := range ents.Entities.Edges {
		ids = append(ids, e.Node.ID)
	}
	slices.Sort(ids)
	if ents.Entities.TotalCount != len(wantE) || !slices.Equal(ids, wantE) {
		t.Errorf("entities = %d %v, want %v", ents.Entities.TotalCount, ids, wantE)
	}
	// Walking the relationships one page at a time meets exactly the facts seen.
	var walked []string
	after := ""
	for range 20 {
		var page struct {
			Relationships struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				Edges []struct{ Node struct{ ID string } }
			}
		}
		data(t, ctx, a, fmt.Sprintf(`{ relationships(first: 2, after: %q) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, after), &page)
		if page.Relationships.TotalCount != len(wantF) {
			t.Errorf("relationships totalCount = %d, want %d", page.Relationships.TotalCount, len(wantF))
		}
		for _, e := range page.Relationships.Edges {
			walked = append(walked, e.Node.ID)
		}
		if !page.Relationships.PageInfo.HasNextPage {
			break
		}
		after = page.Relationships.PageInfo.EndCursor
	}
	slices.Sort(walked)
	if !slices.Equal(walked, wantF) {
		t.Errorf("relationships walked %v, want %v", walked, wantF)
	}
	// A hidden entity or fact is NOT_FOUND with the message of a missing one.
	missing := do(t, ctx, a, `{ entity(id: "no-such") { id } }`, nil)
	missingFact := do(t, ctx, a, `{ fact(id: "no-such") { id } }`, nil)
	for _, id := range marktest.Hidden(m) {
		q, miss := `{ entity(id: "`+id+`") { id } }`, missing
		if strings.HasPrefix(id, "f-") {
			q, miss = `{ fact(id: "`+id+`") { id } }`, missingFact
		} else if !strings.HasPrefix(id, "grp-") {
			continue
		}
		res := do(t, ctx, a, q, nil)
		if len(res.Errors) != 1 || kindOf(res.Errors[0]) != blurline.ErrNotFound ||
			res.Errors[0].Message != strings.Replace(miss.Errors[0].Message, "no-such", id, 1) {
			t.Errorf("%s = %v, want %v", q, res.Errors, miss.Errors)
		}
	}
	// Paths reach the victim only through RED.
	var paths struct{ Paths []struct{ Length int } }
	data(t, ctx, a, `{ paths(from: "`+marktest.State+`", to: "`+marktest.Victim+`", maxHops: 6) { length } }`, &paths)
	if (len(paths.Paths) > 0) != (m == blurline.TLPRed) {
		t.Errorf("paths(state, victim) = %v", paths.Paths)
	}
	// Blur: computed from what the principal sees, and saying so.
	var ranking struct {
		BlurRanking []struct {
			Actor     struct{ ID string }
			Clearance string
		}
	}
	data(t, ctx, a, `{ blurRanking(state: "`+marktest.State+`") { actor { id } clearance } }`, &ranking)
	var actors []string
	for _, r := range ranking.BlurRanking {
		actors = append(actors, r.Actor.ID)
		if r.Clearance != markingEnumName(m) {
			t.Errorf("blur clearance = %s, want %s", r.Clearance, markingEnumName(m))
		}
	}
	for _, g := range marktest.Markings {
		if slices.Contains(actors, marktest.Group(g)) != (g <= m) {
			t.Errorf("blurRanking actors %v: %s", actors, marktest.Group(g))
		}
	}
	res := do(t, ctx, a, `{ blur(actor: "`+marktest.Group(blurline.TLPRed)+`", state: "`+marktest.State+`") { score } }`, nil)
	if (len(res.Errors) == 0) != (m == blurline.TLPRed) {
		t.Errorf("blur of the RED group: %v", res.Errors)
	}
	// STIX: every object marked, within the clearance, and the definitions present.
	var bundle struct{ StixBundle string }
	data(t, ctx, a, `{ stixBundle }`, &bundle)
	var b struct {
		Objects []struct {
			Type              string
			ID                string
			ObjectMarkingRefs []string `json:"object_marking_refs"`
		}
	}
	if err := json.Unmarshal([]byte(bundle.StixBundle), &b); err != nil {
		t.Fatal(err)
	}
	defs := map[string]bool{}
	for _, o := range b.Objects {
		if o.Type == "marking-definition" {
			defs[o.ID] = true
		}
	}
	for _, o := range b.Objects {
		if o.Type == "marking-definition" {
			continue
		}
		if len(o.ObjectMarkingRefs) != 1 || !defs[o.ObjectMarkingRefs[0]] {
			t.Errorf("STIX %s: object_marking_refs %v, definitions %v", o.ID, o.ObjectMarkingRefs, defs)
		}
	}
	// Mutations: what is hidden cannot be taken back, and a write is not
	// marked above its writer's clearance.
	if m < blurline.TLPRed {
		res := do(t, ctx, a, `mutation { retractFact(id: "`+marktest.RedFact+`") { id } }`, nil)
		if got := codes(res); !reflect.DeepEqual(got, []blurline.Kind{blurline.ErrNotFound}) {
			t.Errorf("retractFact(hidden) = %v", res.Errors)
		}
		res = do(t, ctx, a, `mutation { addFacts(marking: RED, facts: [{subject: "`+marktest.Agency+`", predicate: relatedTo, object: "`+marktest.Victim+`", confidence: 0.5, sources: ["https://example.org/x"]}]) { facts { id } } }`, nil)
		if got := codes(res); !reflect.DeepEqual(got, []blurline.Kind{blurline.ErrForbidden}) {
			t.Errorf("addFacts above the clearance = %v", res.Errors)
		}
	}
	var added struct {
		AddFacts struct {
			Facts []struct{ ID, Marking string }
		}
	}
	src := "https://example.org/by-" + strings.ToLower(markingEnumName(m))
	data(t, ctx, a, `mutation { addFacts(facts: [{subject: "`+marktest.Agency+`", predicate: relatedTo, object: "`+marktest.Victim+`", confidence: 0.5, sources: ["`+src+`"]}]) { facts { id marking } } }`, &added)
	if want := markingEnumName(min(m, blurline.DefaultMarking)); len(added.AddFacts.Facts) != 1 || added.AddFacts.Facts[0].Marking != want {
		t.Errorf("addFacts without a marking = %+v, want %s", added.AddFacts, want)
	}
}

// postgresDSN returns a function giving each test a fresh database of the
// shared throwaway PostgreSQL cluster, or nil (after saying so) where
// PostgreSQL is not installed; BLURLINE_REQUIRE_POSTGRES makes its absence
// a failure.
func postgresDSN(t *testing.T) func(t *testing.T) string {
	c, err := pgtest.Shared()
	if err != nil {
		if pgtest.Required() || !errors.Is(err, pgtest.ErrUnavailable) {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Logf("skipping the postgres backend: %v", err)
		return nil
	}
	return func(t *testing.T) string {
		dsn, err := c.NewDatabase(t.Name())
		if err != nil {
			t.Fatal(err)
		}
		return dsn
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// data runs a query that must succeed and decodes its data into v.
func data(t *testing.T, ctx context.Context, a *API, q string, v any) {
	t.Helper()
	res := do(t, ctx, a, q, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("%s: %v", q, res.Errors)
	}
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestMarkingCaches runs the queries as every clearance, most restrictive
// first, on one API: what the API keeps between requests (the blur
// analysis, the source records, the prepared documents) never carries one
// principal's view to another.
func TestMarkingCaches(t *testing.T) {
	a := newAPI(t, markedStore(t, "memory:"), Limits{})
	for _, m := range slices.Backward(marktest.Markings) {
		for _, q := range markingQueries {
			res := do(t, principal(m), a, q, nil)
			if len(res.Errors) > 0 {
				t.Errorf("%s, %s: %v", m, q, res.Errors)
			}
			b, _ := json.Marshal(res)
			for _, id := range marktest.Hidden(m) {
				if strings.Contains(string(b), id) {
					t.Errorf("%s, %s: the answer names hidden %q", m, q, id)
				}
			}
		}
	}
}
