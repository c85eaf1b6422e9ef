package interop_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// markedBundle marks its objects every way a STIX producer does: a TLP 1.0
// id of the STIX 2.1 specification, a TLP 2.0 id, a TLP marking the bundle
// defines itself, a report whose marking its relationship inherits, and
// none at all (the import's marking).
const markedBundle = `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-00000000aaaa","objects":[
{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--00000000-0000-4000-8000-0000000000aa","created":"2020-01-01T00:00:00Z","definition_type":"tlp","definition":{"tlp":"red"}},
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"White Set","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]},
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000002","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"Strict Set","object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000003","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"Own Red Set","object_marking_refs":["marking-definition--00000000-0000-4000-8000-0000000000aa"]},
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000004","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"Unmarked Set"},
{"type":"report","spec_version":"2.1","id":"report--00000000-0000-4000-8000-000000000005","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"Green Report","published":"2020-01-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
 "object_refs":["relationship--00000000-0000-4000-8000-000000000006"],"external_references":[{"source_name":"r","url":"https://example.org/r"}]},
{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000006","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","relationship_type":"related-to","source_ref":"intrusion-set--00000000-0000-4000-8000-000000000001","target_ref":"intrusion-set--00000000-0000-4000-8000-000000000004"},
{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000007","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","relationship_type":"related-to","source_ref":"intrusion-set--00000000-0000-4000-8000-000000000001","target_ref":"intrusion-set--00000000-0000-4000-8000-000000000004","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],"external_references":[{"source_name":"r","url":"https://example.org/r"}]}
]}`

// TestImportMarkings imports markedBundle with AMBER as the import's marking
// and checks the marking of each entity and statement, then exports the
// store and imports the bundle into another: the markings come back.
func TestImportMarkings(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, false)
	rep, err := interop.ImportSTIX(ctx, s, []byte(markedBundle), interop.ImportOptions{Name: "marked.json", Marking: blurline.TLPAmber})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Skipped) > 0 {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	check := func(s interface {
		FindNodes(context.Context, blurline.NodeQuery) ([]*blurline.Node, error)
		Facts(context.Context, blurline.FactQuery) ([]*blurline.Fact, error)
	}, what string) {
		t.Helper()
		want := map[string]blurline.Marking{"White Set": blurline.TLPClear, "Strict Set": blurline.TLPAmberStrict, "Own Red Set": blurline.TLPRed, "Unmarked Set": blurline.TLPAmber}
		nodes, _ := s.FindNodes(ctx, blurline.NodeQuery{})
		for _, n := range nodes {
			if m, ok := want[n.Name]; ok {
				if n.Marking != m {
					t.Errorf("%s: %s marked %s, want %s", what, n.Name, n.Marking, m)
				}
				delete(want, n.Name)
			}
		}
		if len(want) > 0 {
			t.Errorf("%s: missing %v", what, want)
		}
		facts, _ := s.Facts(ctx, blurline.FactQuery{})
		var got []blurline.Marking
		for _, f := range facts {
			got = append(got, f.Marking)
		}
		// The report's relationship is GREEN, the other AMBER by its TLP 1.0 id.
		if len(got) != 2 || !(got[0] == blurline.TLPGreen && got[1] == blurline.TLPAmber || got[0] == blurline.TLPAmber && got[1] == blurline.TLPGreen) {
			t.Errorf("%s: statement markings %v, want GREEN and AMBER", what, got)
		}
	}
	check(s, "import")
	b, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	other := openStore(t, false)
	if _, err := interop.ImportSTIX(ctx, other, raw, interop.ImportOptions{Name: "export.json", Marking: blurline.TLPClear}); err != nil {
		t.Fatal(err)
	}
	check(other, "re-import of the export")
}

// TestMISPMarkings reads tlp: tags of a cluster and of the galaxy file.
func TestMISPMarkings(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, false)
	galaxy := `{"type":"threat-actor","tags":["tlp:green"],"values":[
{"value":"Tagged Actor","uuid":"11111111-2222-4333-8444-555555555551","tags":["tlp:amber+strict","other:tag"],"meta":{}},
{"value":"White Actor","uuid":"11111111-2222-4333-8444-555555555552","meta":{"tags":["tlp:white"]}},
{"value":"File Actor","uuid":"11111111-2222-4333-8444-555555555553","meta":{}}]}`
	if _, err := interop.ImportMISPGalaxy(ctx, s, []byte(galaxy), interop.ImportOptions{Name: "g.json", Marking: blurline.TLPAmber}); err != nil {
		t.Fatal(err)
	}
	want := map[string]blurline.Marking{"Tagged Actor": blurline.TLPAmberStrict, "White Actor": blurline.TLPClear, "File Actor": blurline.TLPGreen}
	nodes, _ := s.FindNodes(ctx, blurline.NodeQuery{})
	for _, n := range nodes {
		if m, ok := want[n.Name]; ok && n.Marking != m {
			t.Errorf("%s marked %s, want %s", n.Name, n.Marking, m)
		}
	}
}
