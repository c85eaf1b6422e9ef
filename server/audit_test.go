package server_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/blurline/blurline/internal/pgtest"
	"github.com/blurline/blurline/server"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

const historyQuery = `query($fact: ID, $by: String, $entity: ID, $first: Int, $after: String) {
  history(fact: $fact, by: $by, entity: $entity, first: $first, after: $after) {
    edges { cursor node { id at principal from action importId name added changed retracted entities } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`

// entry is an audit entry as the test compares it: without its id and
// time, its address reduced to the host.
type entry struct {
	Principal, From, Action, ImportID, Name string
	Added, Retracted                        []string
}

func entries(tb testing.TB, r *response) []entry {
	tb.Helper()
	if r.Status != 200 || r.JSON["errors"] != nil {
		tb.Fatalf("history = %d %s", r.Status, r.Body)
	}
	h := r.JSON["data"].(map[string]any)["history"].(map[string]any)
	out := []entry{}
	list := func(v any) []string {
		s := []string{}
		for _, x := range v.([]any) {
			s = append(s, x.(string))
		}
		return s
	}
	str := func(v any) string { s, _ := v.(string); return s }
	for _, e := range h["edges"].([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		from := str(n["from"])
		if i := strings.LastIndexByte(from, ':'); i > 0 {
			from = from[:i]
		}
		out = append(out, entry{str(n["principal"]), from, str(n["action"]), str(n["importId"]), str(n["name"]), list(n["added"]), list(n["retracted"])})
	}
	return out
}

// TestAuditTrailOverHTTP runs a scripted sequence of mutations, imports
// and retractions as three principals with their tokens, over HTTP, and
// reads the trail back exactly as an admin, on bbolt and PostgreSQL; the
// refused and failed writes leave nothing; the trail survives the
// retraction of what it describes and a restart; no one but an admin
// reads it.
func TestAuditTrailOverHTTP(t *testing.T) {
	stores := diskStores(t, "audit_http")
	ps := loadPrincipals(t, writePrincipals(t, "", reader, writer, importer, admin))
	cfg := server.Config{Principals: ps}
	for name, addr := range stores {
		t.Run(name, func(t *testing.T) {
			addr := addr(t)
			ts := startServerAt(t, addr, cfg, nil)
			ok := func(what string, r *response) {
				t.Helper()
				if r.Status != 200 || r.JSON["errors"] != nil {
					t.Fatalf("%s = %d %s", what, r.Status, r.Body)
				}
			}
			ok("loadNQuads", gqlPost(t, ts, writer.token, `mutation($t: String!) { loadNQuads(text: $t, name: "batch-1") { added } }`,
				map[string]any{"t": entityNQ("audit-a", "Audit A")}, ""))
			ok("createFacts", gqlPost(t, ts, writer.token, `mutation { createFacts(input: {facts: [{id: "audit-b", subject: "audit-a", predicate: taskedBy, object: "prc", confidence: 0.4, sources: ["https://example.org/b"]}]}) { facts { id } } }`, nil, ""))
			up := do(t, "POST", ts.URL+"/import?id=feed", map[string]string{"Authorization": "Bearer " + importer.token, "Content-Type": "application/json"},
				`{"type":"bundle","id":"bundle--11111111-2222-4333-8444-555555555550",`+strings.TrimPrefix(taxiiEnvelope, "{"))
			if up.Status != 200 {
				t.Fatalf("POST /import = %d %s", up.Status, up.Body)
			}
			coll := storeCollection(t, ts)
			tp := do(t, "POST", ts.URL+taxiiRoot+"collections/"+coll+"/objects/", map[string]string{"Authorization": "Bearer " + importer.token,
				"Content-Type": taxiiAccept, "Accept": taxiiAccept},
				`{"objects":[{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--21111111-2222-4333-8444-555555555555","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Audited Group"}]}`)
			if tp.Status != 202 {
				t.Fatalf("TAXII POST = %d %s", tp.Status, tp.Body)
			}
			// Refused and failed writes record nothing.
			if r := gqlPost(t, ts, reader.token, loadNQuads, map[string]any{"t": entityNQ("audit-c", "C")}, ""); r.code() != "FORBIDDEN" {
				t.Fatalf("reader's loadNQuads = %d %s", r.Status, r.Body)
			}
			if r := gqlPost(t, ts, writer.token, `mutation { addFacts(facts: [{subject: "audit-a", predicate: taskedBy, object: "nobody", confidence: 0.4, sources: ["https://example.org/c"]}]) { facts { id } } }`, nil, ""); r.code() != "BAD_USER_INPUT" {
				t.Fatalf("invalid addFacts = %d %s", r.Status, r.Body)
			}
			ok("retractFact", gqlPost(t, ts, writer.token, `mutation { retractFact(id: "audit-a-mss") { id } }`, nil, ""))
			ok("retractImport", gqlPost(t, ts, importer.token, `mutation { retractImport(id: "feed") { removed } }`, nil, ""))

			all := entries(t, gqlPost(t, ts, admin.token, historyQuery, nil, ""))
			if len(all) != 6 {
				t.Fatalf("history has %d entries, want 6: %+v", len(all), all)
			}
			taxiiImport := all[2].ImportID // minted by the import
			feedFacts := all[3].Added      // the import's facts, by the ids it minted
			if len(feedFacts) == 0 || !strings.HasPrefix(feedFacts[0], "feed/") || taxiiImport == "" {
				t.Fatalf("the upload's entry names no facts of import feed, or the TAXII POST's no import: %+v", all)
			}
			want := []entry{
				{"importer", "127.0.0.1", "retractImport", "feed", "", []string{}, feedFacts},
				{"writer", "127.0.0.1", "retractFact", "", "", []string{}, []string{"audit-a-mss"}},
				{"importer", "127.0.0.1", "TAXII POST", taxiiImport, "collection " + coll, []string{}, []string{}},
				{"importer", "127.0.0.1", "POST /import", "feed", "upload", feedFacts, []string{}},
				{"writer", "127.0.0.1", "createFacts", "", "", []string{"audit-b"}, []string{}},
				{"writer", "127.0.0.1", "loadNQuads", "", "batch-1", []string{"audit-a-mss"}, []string{}},
			}
			check := func(ts *testServer) {
				t.Helper()
				if got := entries(t, gqlPost(t, ts, admin.token, historyQuery, nil, "")); !reflect.DeepEqual(got, want) {
					t.Errorf("history:\n got %+v\nwant %+v", got, want)
				}
				// The retracted fact's history, and one principal's.
				if got := entries(t, gqlPost(t, ts, admin.token, historyQuery, map[string]any{"fact": "audit-a-mss"}, "")); !reflect.DeepEqual(got, []entry{want[1], want[5]}) {
					t.Errorf("history(fact: audit-a-mss) = %+v", got)
				}
				if got := entries(t, gqlPost(t, ts, admin.token, historyQuery, map[string]any{"by": "importer"}, "")); !reflect.DeepEqual(got, []entry{want[0], want[2], want[3]}) {
					t.Errorf("history(by: importer) = %+v", got)
				}
				if got := entries(t, gqlPost(t, ts, admin.token, historyQuery, map[string]any{"entity": "audit-a"}, "")); !reflect.DeepEqual(got, []entry{want[1], want[4], want[5]}) {
					t.Errorf("history(entity: audit-a) = %+v", got)
				}
				// Pages of two.
				var paged []entry
				vars := map[string]any{"first": 2}
				for {
					r := gqlPost(t, ts, admin.token, historyQuery, vars, "")
					paged = append(paged, entries(t, r)...)
					pi := r.JSON["data"].(map[string]any)["history"].(map[string]any)["pageInfo"].(map[string]any)
					if pi["hasNextPage"] != true {
						break
					}
					vars["after"] = pi["endCursor"]
				}
				if !reflect.DeepEqual(paged, want) {
					t.Errorf("history in pages of two:\n got %+v\nwant %+v", paged, want)
				}
				// Only an admin reads it.
				for _, p := range []principal{reader, writer, importer} {
					if r := gqlPost(t, ts, p.token, historyQuery, nil, ""); r.code() != "FORBIDDEN" || strings.Contains(string(r.Body), "loadNQuads") {
						t.Errorf("%s's history = %d %s, want FORBIDDEN", p.name, r.Status, r.Body)
					}
				}
				if r := gqlPost(t, ts, "", historyQuery, nil, ""); r.code() != "UNAUTHENTICATED" {
					t.Errorf("history without a token = %d %s, want UNAUTHENTICATED", r.Status, r.Body)
				}
			}
			check(ts)
			if err := ts.Stop(); err != nil {
				t.Fatal(err)
			}
			t.Run("restarted", func(t *testing.T) { check(startServerAt(t, addr, cfg, nil)) })
		})
	}
}

// diskStores returns the addresses of new stores on disk, by backend: a
// bbolt directory, and a database of the shared PostgreSQL cluster (named
// after db) where PostgreSQL is installed (required in CI).
func diskStores(t *testing.T, db string) map[string]func(t *testing.T) string {
	stores := map[string]func(t *testing.T) string{
		"bbolt": func(t *testing.T) string { return "bbolt:" + t.TempDir() },
	}
	c, err := pgtest.Shared()
	switch {
	case err == nil:
		stores["postgres"] = func(t *testing.T) string {
			dsn, err := c.NewDatabase(db)
			if err != nil {
				t.Fatal(err)
			}
			return dsn
		}
	case pgtest.Required() || !errors.Is(err, pgtest.ErrUnavailable):
		t.Fatalf("PostgreSQL: %v", err)
	default:
		t.Logf("skipping the postgres store: %v", err)
	}
	return stores
}
