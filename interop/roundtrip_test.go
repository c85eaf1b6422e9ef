package interop_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// TestRoundTrip exports the seed, imports the bundle into an empty store and
// finds the same entities and the same facts: subject, predicate, object or
// value, confidence, sources, validity, publishedOn, assertedBy, Healey
// level, attribution kind, allegation, quote and note, and the fact ids
// (behind the import's prefix).
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	seeded := openStore(t, true)
	b, err := interop.ExportSTIX(ctx, seeded, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	empty := openStore(t, false)
	rep, err := interop.ImportSTIX(ctx, empty, raw, interop.ImportOptions{Name: "seed.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Skipped) > 0 || len(rep.Merged) > 0 || rep.DefaultConfidence > 0 {
		t.Errorf("re-import skipped %d, merged %d, defaulted %d; want none:\n%s", len(rep.Skipped), len(rep.Merged), rep.DefaultConfidence, rep)
	}

	want, err := seeded.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := empty.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	prefix := rep.ImportID + "/"
	byID := map[string]*blurline.Fact{}
	for _, f := range got {
		g := *f
		if !strings.HasPrefix(g.ID, prefix) {
			t.Errorf("fact %s lacks the import prefix %s", g.ID, prefix)
		}
		g.ID = strings.TrimPrefix(g.ID, prefix)
		byID[g.ID] = &g
	}
	if len(got) != len(want) {
		t.Errorf("round trip gives %d facts, want %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok {
			t.Errorf("fact %s (%s %s %s) is missing after the round trip", w.ID, w.Subject, w.Predicate, w.Object)
			continue
		}
		if !g.Equal(w) {
			t.Errorf("fact %s differs after the round trip:\n got %+v\nwant %+v", w.ID, *g, *w)
		}
	}

	wantNodes, _ := seeded.FindNodes(ctx, blurline.NodeQuery{})
	gotNodes, _ := empty.FindNodes(ctx, blurline.NodeQuery{})
	if len(gotNodes) != len(wantNodes) {
		t.Errorf("round trip gives %d entities, want %d", len(gotNodes), len(wantNodes))
	}
	gotByID := map[string]*blurline.Node{}
	for _, n := range gotNodes {
		gotByID[n.ID] = n
	}
	for _, w := range wantNodes {
		g := gotByID[w.ID]
		if g == nil {
			t.Errorf("entity %s is missing after the round trip", w.ID)
			continue
		}
		if g.Class != w.Class || g.Name != w.Name || g.Description != w.Description ||
			!slices.Equal(g.Aliases, w.Aliases) || !slices.Equal(g.Sources, w.Sources) || !slices.Equal(g.ExternalIDs, w.ExternalIDs) ||
			!sameFloat(g.NonState, w.NonState) || !sameFloat(g.MotiveWeight, w.MotiveWeight) {
			t.Errorf("entity %s differs after the round trip:\n got %+v\nwant %+v", w.ID, *g, *w)
		}
	}

	// Exporting the re-imported store gives the same bundle.
	again, err := interop.ExportSTIX(ctx, empty, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Objects) != len(b.Objects) {
		t.Errorf("the second export has %d objects, the first %d", len(again.Objects), len(b.Objects))
	}
}

func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestExportIsDeterministic: the same store gives the same bytes.
func TestExportIsDeterministic(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, true)
	var out [2]string
	for i := range out {
		b, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := b.JSON()
		out[i] = string(raw)
	}
	if out[0] != out[1] {
		t.Error("two exports of one store differ")
	}
	if !strings.Contains(out[0], `"id": "intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87"`) {
		t.Error("HAFNIUM is not exported under its ATT&CK STIX id")
	}
}

// TestExportSubgraph exports HAFNIUM's neighbourhood: every reference
// resolves inside the bundle, it validates, and it imports into an empty store.
func TestExportSubgraph(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, true)
	b, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{IDs: []string{"hafnium"}, Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, o := range b.Objects {
		ids[o["id"].(string)] = true
	}
	if !ids["intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87"] {
		t.Fatal("the subgraph lacks HAFNIUM itself")
	}
	rels := 0
	for _, o := range b.Objects {
		for _, k := range []string{"source_ref", "target_ref", "created_by_ref"} {
			if ref, ok := o[k].(string); ok && !ids[ref] {
				t.Errorf("%s.%s = %s is not in the bundle", o["id"], k, ref)
			}
		}
		if o["type"] == "relationship" {
			rels++
		}
	}
	want, _ := s.Facts(ctx, blurline.FactQuery{From: []string{"hafnium"}})
	if rels < len(want) {
		t.Errorf("%d relationships, want at least HAFNIUM's %d facts", rels, len(want))
	}
	if p := newStixValidator(t).validate(b); len(p) > 0 {
		t.Fatalf("the subgraph does not validate: %s", p[0])
	}
	raw, _ := b.JSON()
	empty := openStore(t, false)
	if _, err := interop.ImportSTIX(ctx, empty, raw, interop.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{IDs: []string{"no-such-entity"}}); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("exporting an unknown entity: %v, want ErrNotFound", err)
	}
}
