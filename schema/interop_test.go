package schema

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// testBundle describes HAFNIUM by its ATT&CK id and the seed's STIX id (so
// it must merge into the seed's hafnium), a new malware, and that HAFNIUM
// uses it.
const testBundle = `{"type":"bundle","id":"bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01","objects":[
 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87",
  "created":"2021-03-02T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"HAFNIUM","aliases":["Test Typhoon"],
  "external_references":[{"source_name":"mitre-attack","external_id":"G0125","url":"https://attack.mitre.org/groups/G0125/"}]},
 {"type":"malware","spec_version":"2.1","id":"malware--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d02",
  "created":"2021-03-02T00:00:00Z","modified":"2021-03-02T00:00:00Z","name":"Test Shell","is_family":true},
 {"type":"relationship","spec_version":"2.1","id":"relationship--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d03",
  "created":"2021-03-02T00:00:00Z","modified":"2021-03-02T00:00:00Z","relationship_type":"uses",
  "source_ref":"intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87","target_ref":"malware--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d02",
  "confidence":80,"external_references":[{"source_name":"test","url":"https://example.org/test-shell"}]}
]}`

const importMutation = `mutation($b: String!) { importStix(bundle: $b) {
	importId format objects facts createdCount mergedCount skippedCount
	created { object entityId entity { id name } kind name }
	merged { object name entityId entity { id } key }
	skipped { object type reason }
	types { type read mapped skipped }
	notes
} }`

func TestImportSTIXRefusedWithoutWriteAccess(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	before := takeSnapshot(t, store)
	res := do(t, context.Background(), a, importMutation, map[string]any{"b": testBundle})
	if got, want := codes(res), []blurline.Kind{blurline.ErrForbidden}; !reflect.DeepEqual(got, want) {
		t.Errorf("importStix without write access: codes %v, want %v (%v)", got, want, res.Errors)
	}
	assertUnchanged(t, store, before)
}

func TestImportSTIXApplied(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())
	before := takeSnapshot(t, store)

	var got struct {
		ImportStix struct {
			ImportID                                string
			Format                                  string
			Objects, Facts                          int
			CreatedCount, MergedCount, SkippedCount int
			Created                                 []struct {
				Object, EntityID, Kind, Name string
				Entity                       struct{ ID, Name string }
			}
			Merged []struct {
				Object, Name, EntityID, Key string
				Entity                      struct{ ID string }
			}
			Types []struct {
				Type                  string
				Read, Mapped, Skipped int
			}
		}
	}
	if err := json.Unmarshal([]byte(mustData(t, ctx, a, importMutation, map[string]any{"b": testBundle})), &got); err != nil {
		t.Fatal(err)
	}
	r := got.ImportStix
	if r.ImportID != "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01" || r.Format != "stix 2.1" || r.Objects != 3 || r.Facts != 1 {
		t.Errorf("report = %+v, want the bundle id, stix 2.1, 3 objects, 1 fact", r)
	}
	if r.MergedCount != 1 || len(r.Merged) != 1 || r.Merged[0].EntityID != "hafnium" || r.Merged[0].Entity.ID != "hafnium" ||
		!strings.Contains(r.Merged[0].Key, "intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87") {
		t.Errorf("merged = %+v, want the intrusion set merged into the seed's hafnium by its STIX id", r.Merged)
	}
	if r.CreatedCount != 1 || len(r.Created) != 1 || r.Created[0].Kind != "Malware" || r.Created[0].Name != "Test Shell" ||
		r.Created[0].Entity.ID != r.Created[0].EntityID {
		t.Errorf("created = %+v, want the malware Test Shell", r.Created)
	}
	if len(r.Types) != 3 {
		t.Errorf("types = %+v, want intrusion-set, malware and relationship", r.Types)
	}
	// The seed's HAFNIUM now has the new alias and uses the malware.
	data := mustData(t, ctx, a, `{ entity(id: "hafnium") { aliases ... on ThreatGroup { uses { other { name } sources confidence } } } }`, nil)
	for _, want := range []string{`"Test Typhoon"`, `"name": "Test Shell"`, `"https://example.org/test-shell"`, `"confidence": 0.8`} {
		if !strings.Contains(data, want) {
			t.Errorf("hafnium after the import = %s, want it to contain %s", data, want)
		}
	}
	// Importing it again changes nothing; retracting it restores the store.
	again := takeSnapshot(t, store)
	mustData(t, ctx, a, importMutation, map[string]any{"b": testBundle})
	if after := takeSnapshot(t, store); after.export != again.export {
		t.Error("importing the same bundle twice changed the store")
	}
	data = mustData(t, ctx, a, `mutation { retractImport(id: "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01") { importId removed } }`, nil)
	if !strings.Contains(data, `"importId": "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01"`) || strings.Contains(data, `"removed": 0`) {
		t.Errorf("retractImport = %s", data)
	}
	if after := takeSnapshot(t, store); after.export != before.export {
		t.Error("retractImport did not restore the store")
	}
	res := do(t, ctx, a, `mutation { retractImport(id: "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01") { removed } }`, nil)
	if got, want := codes(res), []blurline.Kind{blurline.ErrNotFound}; !reflect.DeepEqual(got, want) || res.Errors[0].Message != `no import "bundle--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d01"` {
		t.Errorf("retracting twice: codes %v, want %v (%v)", got, want, res.Errors)
	}
}

func TestImportSTIXBadBundle(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())
	before := takeSnapshot(t, store)
	for _, c := range []struct{ name, bundle, want string }{
		{"confidence out of range", strings.Replace(testBundle, `"confidence":80`, `"confidence":120`, 1),
			"objects[2] (relationship--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d03).confidence: must be an integer 0..100, got 120"},
		{"id of another type", strings.Replace(testBundle, `"id":"malware--`, `"id":"tool--`, 1),
			`objects[1] (tool--5f2b3c1d-7a9e-4b6c-8d0f-1e2a3b4c5d02).id: the id says "tool" but the type is "malware"`},
		{"not JSON", testBundle[:40], "bundle: line 1, column"},
		{"not STIX", `{"name":"a galaxy?","values":[]}`, `bundle: neither a STIX bundle`},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, ctx, a, importMutation, map[string]any{"b": c.bundle})
			if got, want := codes(res), []blurline.Kind{blurline.ErrInvalid}; !reflect.DeepEqual(got, want) {
				t.Fatalf("codes %v, want %v (%v)", got, want, res.Errors)
			}
			if msg := res.Errors[0].Message; !strings.Contains(msg, c.want) {
				t.Errorf("message %q, want it to contain %q", msg, c.want)
			}
			assertUnchanged(t, store, before)
		})
	}
}

func TestSTIXBundle(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := context.Background()
	type bundle struct {
		Type    string
		ID      string
		Objects []map[string]any
	}
	read := func(t *testing.T, query string) bundle {
		t.Helper()
		var got struct{ StixBundle string }
		if err := json.Unmarshal([]byte(mustData(t, ctx, a, query, nil)), &got); err != nil {
			t.Fatal(err)
		}
		var b bundle
		if err := json.Unmarshal([]byte(got.StixBundle), &b); err != nil {
			t.Fatalf("stixBundle is not JSON: %v\n%s", err, got.StixBundle)
		}
		if b.Type != "bundle" || !strings.HasPrefix(b.ID, "bundle--") || len(b.Objects) == 0 {
			t.Fatalf("stixBundle: type %q, id %q, %d objects; want a bundle", b.Type, b.ID, len(b.Objects))
		}
		return b
	}
	sub := read(t, `{ stixBundle(ids: ["apt40"], hops: 1) }`)
	ids := map[string]bool{}
	for _, o := range sub.Objects {
		ids[o["id"].(string)] = true
	}
	if !ids["intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e"] {
		t.Errorf("the APT40 subgraph lacks APT40's own STIX id (%d objects)", len(sub.Objects))
	}
	all := read(t, `{ stixBundle }`)
	if len(all.Objects) <= len(sub.Objects) {
		t.Errorf("the whole store exports %d objects, the APT40 subgraph %d", len(all.Objects), len(sub.Objects))
	}
	for _, c := range []struct {
		query string
		l     Limits
		code  blurline.Kind
	}{
		{`{ stixBundle(ids: ["nobody"]) }`, Limits{}, blurline.ErrNotFound},
		{`{ stixBundle(ids: ["apt40"], hops: 0) }`, Limits{}, blurline.ErrInvalid},
		{`{ stixBundle(ids: ["apt40"], hops: 9) }`, Limits{}, blurline.ErrLimit},
		{`{ stixBundle }`, Limits{MaxExport: 100}, blurline.ErrLimit},
		{`{ stixBundle(ids: ["prc"], hops: 3) }`, Limits{MaxExport: 100}, blurline.ErrLimit},
	} {
		res := do(t, ctx, newAPI(t, store, c.l), c.query, nil)
		if got := codes(res); !reflect.DeepEqual(got, []blurline.Kind{c.code}) {
			t.Errorf("%s: codes %v, want %s (%v)", c.query, got, c.code, res.Errors)
		}
	}
}
