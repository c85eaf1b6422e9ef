package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/marktest"
	"github.com/blurline/blurline/server"
)

// TestMarkingsOverHTTP serves a store holding facts and entities of every
// marking to principals of each clearance and to the anonymous reader, and
// checks that neither GraphQL answers (cached or not) nor the TAXII
// collections, objects and manifests name what the principal may not see;
// and that an upload's marking reaches the facts it writes; on memory,
// bbolt and PostgreSQL.
func TestMarkingsOverHTTP(t *testing.T) {
	var ps []principal
	for _, m := range marktest.Markings {
		ps = append(ps, principal{"p-" + strings.ToLower(strings.ReplaceAll(m.String(), "+", "-")), "read,import", m.String(), server.NewToken()})
	}
	cfg := server.Config{Principals: loadPrincipals(t, writePrincipals(t, "", ps...))}
	stores := diskStores(t, "markings_http")
	stores["memory"] = func(*testing.T) string { return "memory:" }
	for name, addr := range stores {
		t.Run(name, func(t *testing.T) { markingsOverHTTP(t, startServerAt(t, addr(t), cfg, nil), ps) })
	}
}

func markingsOverHTTP(t *testing.T, ts *testServer, ps []principal) {
	if _, err := ts.Store.LoadNQuads(context.Background(), "marked.nq", marktest.NQuads(), blurline.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		`{ stats { entities facts } }`,
		`{ entities(first: 500) { totalCount edges { node { id aliases } } } }`,
		`{ relationships(first: 500, to: ["` + marktest.Victim + `", "` + marktest.Agency + `"]) { totalCount edges { node { id } } } }`,
		`{ paths(from: "` + marktest.State + `", to: "` + marktest.Victim + `", maxHops: 6) { factIds } }`,
		`{ blurRanking(state: "` + marktest.State + `") { actor { id } clearance } }`,
		`{ neighbourhood(id: "` + marktest.Agency + `", hops: 2) { nodes { id aliases } edges { id } } }`,
		`{ stixBundle(ids: ["` + marktest.Agency + `"], hops: 2) }`,
		`{ attributions(first: 500) { id subject { id } attributedTo { id } } }`,
	}
	acc := "application/taxii+json;version=2.1"
	coll := allCollection(t, ts)
	// Most restrictive first, twice: the second round is answered from the
	// response cache, which must still keep each view apart.
	for round := range 2 {
		for i := len(ps) - 1; i >= -1; i-- {
			p, m := principal{name: "anonymous"}, blurline.TLPClear
			if i >= 0 {
				p, m = ps[i], marktest.Markings[i]
			}
			var got strings.Builder
			for _, q := range queries {
				r := gqlPost(t, ts, p.token, q, nil, "")
				if r.Status != 200 || r.JSON["errors"] != nil {
					t.Fatalf("%s: %s: %d %s", p.name, q, r.Status, r.Body)
				}
				got.Write(r.Body)
			}
			h := map[string]string{"Accept": acc}
			if p.token != "" {
				h["Authorization"] = "Bearer " + p.token
			}
			r := do(t, "GET", ts.URL+"/taxii2/blurline/collections/"+coll+"/objects/?"+url.Values{"limit": {"10000"}}.Encode(), h, "")
			if r.Status != 200 {
				t.Fatalf("%s: TAXII objects = %d %s", p.name, r.Status, r.Body)
			}
			for _, id := range marktest.Facts(m) {
				if !strings.Contains(string(r.Body), `"x_blurline_id":"`+id+`"`) {
					t.Errorf("round %d, %s (%s): the TAXII objects lack %q", round, p.name, m, id)
				}
			}
			got.Write(r.Body)
			r = do(t, "GET", ts.URL+"/taxii2/blurline/collections/"+coll+"/manifest/?"+url.Values{"limit": {"10000"}}.Encode(), h, "")
			if r.Status != 200 {
				t.Fatalf("%s: TAXII manifest = %d %s", p.name, r.Status, r.Body)
			}
			got.Write(r.Body)
			for _, id := range marktest.Hidden(m) {
				if strings.Contains(got.String(), id) {
					t.Errorf("round %d, %s (%s): an answer names hidden %q", round, p.name, m, id)
				}
			}
			for _, id := range marktest.Facts(m) {
				if !strings.Contains(got.String(), id) {
					t.Errorf("round %d, %s (%s): no answer names %q", round, p.name, m, id)
				}
			}
		}
	}
	// An upload marked GREEN: GREEN sees it, CLEAR does not.
	bundle := `{"type":"bundle","id":"bundle--9d4f5a6b-3e8a-4fab-82bd-4e5f60718294","objects":[{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--8c3e4f5a-2d7f-4e9a-b1ac-3d4e5f607183","created":"2021-07-19T00:00:00Z","modified":"2021-07-19T00:00:00Z","name":"Uploaded Green Set"}]}`
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + ps[0].token}
	if r := do(t, "POST", ts.URL+"/import?marking=GREEN", h, bundle); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", ts.URL+"/import?marking=PURPLE", h, bundle); r.Status != 400 {
		t.Errorf("upload with an unknown marking: %d %s", r.Status, r.Body)
	}
	q := `{ entities(search: "Uploaded Green") { totalCount } }`
	for i, want := range []string{`"totalCount":0`, `"totalCount":1`} {
		if r := gqlPost(t, ts, ps[i].token, q, nil, ""); !strings.Contains(string(r.Body), want) {
			t.Errorf("%s: %s = %s, want %s", ps[i].name, q, r.Body, want)
		}
	}
}
