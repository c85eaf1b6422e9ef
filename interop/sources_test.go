package interop_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/interop"
)

// records returns the store's source records by URL.
func records(tb testing.TB, s *graph.Store) map[string]*blurline.Node {
	tb.Helper()
	ns, err := s.FindNodes(context.Background(), blurline.NodeQuery{Classes: []blurline.Class{blurline.Source}})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*blurline.Node{}
	for _, n := range ns {
		out[blurline.EntityIRI(n.ID)] = n
	}
	return out
}

// checkSourceRules holds the whole store, exported as N-Quads, to the
// source rules blurline check applies to the seed: every cited source has
// one complete record. (An imported attribution may still lack the
// assertedBy the seed's have: a file need not say who attributes.)
func checkSourceRules(tb testing.TB, s *graph.Store) {
	tb.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	if _, err := s.Export(ctx, &b); err != nil {
		tb.Fatal(err)
	}
	_, err := openStore(tb, false).CheckCurated(ctx, graph.Source{Name: "export.nq", R: &b})
	var ie *graph.InputError
	if err != nil && !errors.As(err, &ie) {
		tb.Fatal(err)
	}
	if ie != nil {
		for _, p := range ie.Problems {
			if !strings.Contains(p.Error(), "with no assertedBy") {
				tb.Errorf("the store with the import fails the source rules: %v", p)
			}
		}
		if ie.More > 0 {
			tb.Errorf("%d problems more than check lists: the source rules cannot be seen to hold", ie.More)
		}
	}
}

// TestImportedSourceRecords: the sources of an imported bundle become
// source records by the rule of sources.go, the store still meets the
// curated rules, the evidence filters weigh the imported statements by
// those records, and a second import restates the records unchanged.
func TestImportedSourceRecords(t *testing.T) {
	ctx := context.Background()
	const (
		dojKnown = "https://www.justice.gov/opa/pr/four-chinese-nationals-working-ministry-state-security-charged-global-computer-intrusion"
		dojNew   = "https://www.justice.gov/opa/pr/example-release-not-in-the-seed"
		blog     = "https://blog.example.org/2021/07/apt40.html"
		gh       = "https://github.com/example/threat-notes/blob/main/apt40.md"
		mitre    = "https://attack.mitre.org/groups/G0065/"
	)
	bundle := `{"type": "bundle", "id": "bundle--5d0b7c3e-9a43-4b3a-8d1c-6f2a4e5b7c01", "objects": [
	  {"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e",
	   "created": "2021-07-20T00:00:00Z", "modified": "2021-07-20T00:00:00Z", "name": "Leviathan",
	   "external_references": [{"source_name": "mitre-attack", "external_id": "G0065", "url": "` + mitre + `"},
	                           {"source_name": "notes", "url": "` + gh + `"}]},
	  {"type": "identity", "spec_version": "2.1", "id": "identity--2e9d1f6a-4c3b-4a5e-9d8c-7b6a5f4e3d21",
	   "created": "2021-07-20T00:00:00Z", "modified": "2021-07-20T00:00:00Z", "name": "Ministry of State Security", "identity_class": "organization", "sectors": ["government-national"]},
	  {"type": "relationship", "spec_version": "2.1", "id": "relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	   "created": "2021-07-20T00:00:00Z", "modified": "2021-07-20T00:00:00Z", "relationship_type": "attributed-to",
	   "source_ref": "intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e", "target_ref": "identity--2e9d1f6a-4c3b-4a5e-9d8c-7b6a5f4e3d21",
	   "external_references": [{"source_name": "DOJ", "url": "` + dojKnown + `"}, {"source_name": "DOJ", "url": "` + dojNew + `"}]},
	  {"type": "relationship", "spec_version": "2.1", "id": "relationship--1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
	   "created": "2021-07-20T00:00:00Z", "modified": "2021-07-20T00:00:00Z", "relationship_type": "attributed-to",
	   "source_ref": "intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e", "target_ref": "identity--2e9d1f6a-4c3b-4a5e-9d8c-7b6a5f4e3d21",
	   "external_references": [{"source_name": "a blog", "url": "` + blog + `"}]},
	  {"type": "relationship", "spec_version": "2.1", "id": "relationship--2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f",
	   "created": "2021-07-20T00:00:00Z", "modified": "2021-07-20T00:00:00Z", "relationship_type": "targets",
	   "source_ref": "intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e", "target_ref": "identity--2e9d1f6a-4c3b-4a5e-9d8c-7b6a5f4e3d21"}
	]}`
	s := openStore(t, true)
	seedRecs := records(t, s)
	rep, err := interop.ImportSTIX(ctx, s, []byte(bundle), interop.ImportOptions{Name: "sources.json"})
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, s)
	type want struct {
		publisher string
		kind      blurline.SourceKind
		grade     blurline.Reliability
		primary   bool
	}
	fallback := "urn:uuid:5d0b7c3e-9a43-4b3a-8d1c-6f2a4e5b7c01"
	for u, w := range map[string]want{
		// The seed's own record, unchanged.
		dojKnown: {"U.S. Department of Justice", blurline.CourtFiling, "A", true},
		mitre:    {"MITRE ATT&CK", blurline.Reference, "B", true},
		// A new page of a host whose graded records are all primary texts.
		dojNew: {"U.S. Department of Justice", blurline.CourtFiling, "A", true},
		// Hosts nobody graded, or whose records are not all primary.
		blog:     {"blog.example.org", blurline.UnknownKind, "F", false},
		gh:       {"github.com", blurline.UnknownKind, "F", false},
		fallback: {"not stated (the imported bundle cites no source)", blurline.UnknownKind, "F", false},
	} {
		n := recs[u]
		if n == nil || n.Record == nil {
			t.Errorf("%s has no source record after the import", u)
			continue
		}
		r := n.Record
		if got := (want{r.Publisher, r.Kind, r.Reliability, r.Primary}); got != w {
			t.Errorf("record of %s = %+v, want %+v", u, got, w)
		}
	}
	if n := recs[blog]; n != nil && n.Name != "blog.example.org/2021/07/apt40.html" {
		t.Errorf("the blog's title = %q, want the URL without its scheme", n.Name)
	}
	if rep.SourcesKnown != 2 || rep.SourcesNew != 4 || rep.SourcesGraded != 1 {
		t.Errorf("report: %d known, %d new (%d graded); want 2, 4 (1)", rep.SourcesKnown, rep.SourcesNew, rep.SourcesGraded)
	}
	if *recs[dojKnown].Record != *seedRecs[dojKnown].Record {
		t.Errorf("the import changed the seed's record of %s", dojKnown)
	}
	checkSourceRules(t, s)

	// The evidence filters weigh the imported statements by their records.
	facts := func(ev blurline.Evidence) []string {
		ev.Records = func(u string) *blurline.SourceRecord {
			if n := recs[u]; n != nil {
				return n.Record
			}
			return nil
		}
		fs, err := s.Facts(ctx, blurline.FactQuery{From: []string{rep.EntityOf("intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e")}, FactFilter: blurline.FactFilter{Evidence: ev}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range fs {
			if strings.HasPrefix(f.ID, rep.ImportID+"/") {
				ids = append(ids, strings.TrimPrefix(f.ID, rep.ImportID+"/"))
			}
		}
		return ids
	}
	if got := facts(blurline.Evidence{MinReliability: "E"}); len(got) != 1 || got[0] != "relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" {
		t.Errorf("imported statements on sources graded E or better: %v, want only the one citing the DOJ", got)
	}
	if got := facts(blurline.Evidence{Kinds: []blurline.SourceKind{blurline.UnknownKind}}); len(got) != 2 {
		t.Errorf("imported statements on sources of unknown kind: %v, want the blog's and the bundle's", got)
	}
	if got := facts(blurline.Evidence{MinReliability: "F"}); len(got) != 3 {
		t.Errorf("imported statements on any graded source: %v, want all 3", got)
	}

	// Importing again restates the same records: nothing changes.
	before := dump(t, s)
	again, err := interop.ImportSTIX(ctx, s, []byte(bundle), interop.ImportOptions{Name: "sources.json"})
	if err != nil {
		t.Fatal(err)
	}
	if dump(t, s) != before {
		t.Error("importing the bundle again changed the store")
	}
	if again.SourcesKnown != 6 || again.SourcesNew != 0 {
		t.Errorf("second import: %d known, %d new; want 6, 0", again.SourcesKnown, again.SourcesNew)
	}
}

// TestImportedGalaxySourceRecords: a real MISP galaxy's refs become source
// records and the store still meets the curated rules; the statements that
// cite only the CFR refs (no record in the seed) fall out of a minimum
// grade, those citing the galaxy file (graded in the seed) do not.
func TestImportedGalaxySourceRecords(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, true)
	rep := importGalaxy(t, s, "misp-threat-actor.json")
	if rep.SourcesNew == 0 || rep.SourcesKnown == 0 {
		t.Fatalf("report: %d known, %d new sources; want both", rep.SourcesKnown, rep.SourcesNew)
	}
	t.Logf("%d sources cited: %d known, %d new (%d graded)", rep.SourcesKnown+rep.SourcesNew, rep.SourcesKnown, rep.SourcesNew, rep.SourcesGraded)
	checkSourceRules(t, s)
	recs := records(t, s)
	fs, err := s.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	ev := blurline.Evidence{MinReliability: "C", Records: func(u string) *blurline.SourceRecord {
		if n := recs[u]; n != nil {
			return n.Record
		}
		return nil
	}}
	var galaxy, cfr, cfrKept int
	for _, f := range fs {
		if !strings.HasPrefix(f.ID, rep.ImportID+"/") {
			continue
		}
		for _, u := range f.Sources {
			if recs[u] == nil {
				t.Fatalf("imported fact %s cites %s, which has no record", f.ID, u)
			}
		}
		switch {
		case f.Sources[0] == "https://github.com/MISP/misp-galaxy/blob/main/clusters/threat-actor.json":
			galaxy++
			if !ev.Keeps(f) {
				t.Errorf("%s cites the galaxy file (graded in the seed) but fails minReliability C", f.ID)
			}
		case strings.Contains(f.Sources[0], "cfr.org/"):
			cfr++
			if ev.Keeps(f) {
				cfrKept++
			}
		}
	}
	if galaxy == 0 || cfr == 0 {
		t.Fatalf("%d statements cite the galaxy, %d the CFR tracker; want both", galaxy, cfr)
	}
	if cfrKept > 0 {
		t.Errorf("%d of %d statements citing only the CFR tracker (recorded by the import, F) pass minReliability C", cfrKept, cfr)
	}
}
