package interop_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// TestAssessmentNote exports the seed's assessments as STIX 2.1 notes
// (abstract, content the verbatim quote, authors, object_refs) and the
// source records with their grades, and reads both back.
func TestAssessmentNote(t *testing.T) {
	ctx := context.Background()
	b, err := interop.ExportSTIX(ctx, openStore(t, true), interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var note, record map[string]any
	for _, o := range b.Objects {
		if id, ok := o["x_blurline_id"].(string); ok {
			ids[id] = o["id"].(string)
		}
		switch o["x_blurline_id"] {
		case "assessment-herr-follow-on-sanctions":
			note = o
		case "https://www.justice.gov/opa/pr/four-chinese-nationals-working-ministry-state-security-charged-global-computer-intrusion":
			record = o
		}
	}
	if note == nil || note["type"] != "note" {
		t.Fatalf("the assessment is not exported as a note: %v", note)
	}
	if note["content"] != "follow-on sanctions or new restrictions on Chinese state companies or personnel, in line with what\u2019s been announced against Russia" {
		t.Errorf("content = %q, want the quote", note["content"])
	}
	if a, _ := note["authors"].([]string); !slices.Equal(a, []string{"Trey Herr"}) {
		t.Errorf("authors = %v", note["authors"])
	}
	refs, _ := note["object_refs"].([]string)
	for _, want := range []string{"prc", "response-sanctions-on-persons", "russia-tech-sanctions-2021"} {
		if !slices.Contains(refs, ids[want]) {
			t.Errorf("object_refs %v lack %s (%s)", refs, want, ids[want])
		}
	}
	rec, _ := json.Marshal(record["x_blurline_source_record"])
	if string(rec) != `{"primary":true,"published_on":"2021-07-19","publisher":"U.S. Department of Justice","reliability":"A","source_kind":"court-filing"}` {
		t.Errorf("the DOJ release's record = %s", rec)
	}

	raw, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	empty := openStore(t, false)
	if _, err := interop.ImportSTIX(ctx, empty, raw, interop.ImportOptions{Name: "seed.json"}); err != nil {
		t.Fatal(err)
	}
	n, err := empty.Node(ctx, "assessment-herr-follow-on-sanctions")
	if err != nil || n.Class != "Assessment" || n.Name != note["abstract"] {
		t.Fatalf("the note read back = %+v, %v", n, err)
	}
	src, err := empty.Node(ctx, "https://www.justice.gov/opa/pr/four-chinese-nationals-working-ministry-state-security-charged-global-computer-intrusion")
	if err != nil || src.Record == nil || src.Record.Reliability != "A" || !src.Record.Primary || src.Record.Kind != "court-filing" {
		t.Fatalf("the source record read back = %+v, %v", src, err)
	}
}

// TestForeignAssessments reads other producers' notes and opinions (the
// STIX 2.1 specification's examples, and two about an intrusion set the
// seed holds) as assessments: the authors as persons (the seed's own where
// the name is one), the text as the authoredBy quote dated by created, what
// they are about as assesses facts (a relationship through its two ends),
// an opinion's value as the confidence of those facts. Exported again, they
// come back as they were.
func TestForeignAssessments(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("testdata", "stix21-examples", "notes-and-opinions.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, true)
	rep, err := interop.ImportSTIX(ctx, s, data, interop.ImportOptions{Name: "notes-and-opinions.json"})
	if err != nil {
		t.Fatal(err)
	}
	campaign := rep.EntityOf("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
	panda := rep.EntityOf("threat-actor--9a8a0d25-7636-429b-a99e-b2a73cd0f11f")
	acme := rep.EntityOf("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff")
	type fact struct {
		pred, object string
		conf         float64
	}
	type want struct {
		name, author, quote, date string
		about                     []fact
	}
	for id, w := range map[string]want{
		"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061": {name: "Tracking Team Note#1", author: "John Doe",
			quote: "This note indicates the various steps taken by the threat analyst team to investigate this specific campaign. Step 1) Do a scan 2) Review scanned results for identified hosts not known by external intel...etc",
			date:  "2016-05-12", about: []fact{{"assesses", campaign, interop.DefaultConfidence}}},
		"opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7": {name: "Opinion (strongly-disagree): This doesn't seem like it is feasible. We've seen how PandaCat has attacked\u2026",
			author: "ACME Widget, Inc.", quote: "This doesn't seem like it is feasible. We've seen how PandaCat has attacked Spanish infrastructure over the last 3 years, so this change in targeting seems too great to be viable. The methods used are more commonly associated with the FlameDragonCrew.",
			date: "2016-05-12", about: []fact{{"assesses", campaign, 0.125}, {"assesses", panda, 0.125}}},
		"note--3f6c9a2e-7b1d-4e8a-9c5f-2d4b6a8e0c13": {name: "Contractors in state-backed operations", author: "Safa Shahwan Edwards",
			quote: "Policymakers should examine the role of non-state contractors in executing state-backed operations.",
			date:  "2021-07-20", about: []fact{{"assesses", "apt40", 0.85}}},
		"opinion--5e1a7c3b-9d2f-4b6e-8a4c-1f3e5d7b9a20": {name: "Opinion (agree)", author: "Jane Analyst", quote: "opinion: agree",
			date: "2021-07-21", about: []fact{{"assesses", "note--3f6c9a2e-7b1d-4e8a-9c5f-2d4b6a8e0c13", 0.675}, {"assesses", "apt40", 0.675}}},
	} {
		n, err := s.Node(ctx, id)
		if err != nil || n.Class != blurline.Assessment || n.Name != w.name {
			t.Errorf("%s = %+v, %v; want the Assessment %q", id, n, err, w.name)
			continue
		}
		fs, err := s.Facts(ctx, blurline.FactQuery{From: []string{id}, Direction: blurline.Out})
		if err != nil {
			t.Fatal(err)
		}
		var about []fact
		authored := 0
		for _, f := range fs {
			switch f.Predicate {
			case blurline.AuthoredBy:
				authored++
				a, err := s.Node(ctx, f.Object)
				if err != nil || a.Name != w.author {
					t.Errorf("%s authoredBy %s (%v), want %q", id, f.Object, err, w.author)
				}
				if f.Quote != w.quote || f.PublishedOn.Format("2006-01-02") != w.date {
					t.Errorf("%s authoredBy: quote %q on %s, want %q on %s", id, f.Quote, f.PublishedOn.Format("2006-01-02"), w.quote, w.date)
				}
			default:
				about = append(about, fact{string(f.Predicate), f.Object, f.Confidence})
			}
		}
		if authored != 1 {
			t.Errorf("%s has %d authoredBy facts, want 1", id, authored)
		}
		slices.SortFunc(about, func(a, b fact) int { return strings.Compare(a.object, b.object) })
		slices.SortFunc(w.about, func(a, b fact) int { return strings.Compare(a.object, b.object) })
		if !slices.Equal(about, w.about) {
			t.Errorf("%s is about %v, want %v", id, about, w.about)
		}
	}
	// The seed's Safa Shahwan Edwards is the author, not a new person; the
	// producer of the spec's opinion asserts it.
	if fs, _ := s.Facts(ctx, blurline.FactQuery{From: []string{"safa-shahwan-edwards"}, FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.AuthoredBy}}}); !slices.ContainsFunc(fs, func(f *blurline.Fact) bool {
		return f.Subject == "note--3f6c9a2e-7b1d-4e8a-9c5f-2d4b6a8e0c13"
	}) {
		t.Error("the note by Safa Shahwan Edwards is not authored by the seed's person of that name")
	}
	if fs, _ := s.Facts(ctx, blurline.FactQuery{From: []string{"opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7"}}); len(fs) == 0 || fs[0].AssertedBy != acme {
		t.Errorf("the spec's opinion is not asserted by its producer %s: %+v", acme, fs)
	}

	// Exported and read back into an empty store, the assessments are the same.
	b, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := b.JSON()
	empty := openStore(t, false)
	if _, err := interop.ImportSTIX(ctx, empty, raw, interop.ImportOptions{Name: "again.json"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7"} {
		want, _ := s.Node(ctx, id)
		got, err := empty.Node(ctx, id)
		if err != nil || got.Class != want.Class || got.Name != want.Name {
			t.Errorf("%s read back = %+v, %v; want %+v", id, got, err, want)
		}
		wf, _ := s.Facts(ctx, blurline.FactQuery{From: []string{id}, Direction: blurline.Out})
		gf, _ := empty.Facts(ctx, blurline.FactQuery{From: []string{id}, Direction: blurline.Out})
		if len(gf) != len(wf) {
			t.Errorf("%s read back with %d facts, want %d", id, len(gf), len(wf))
		}
	}
}
