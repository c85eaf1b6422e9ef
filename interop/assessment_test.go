package interop_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

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
