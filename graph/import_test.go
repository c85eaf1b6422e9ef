package graph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

func TestRetractImport(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	before := export(t, s)
	imp := "<https://w3id.org/blurline/import/misp1>"
	text := id + "apt40> " + ns + "alias> \"Kryptonite Panda\" " + imp + " .\n" + // an alias for an existing entity
		id + "x1> " + typ + " " + ns + "ThreatGroup> " + imp + " .\n" + // a new entity
		id + "x1> " + ns + "name> \"X1\" " + imp + " .\n" +
		strings.ReplaceAll(goodFact("misp1/r1", "x1", "sponsoredBy", "mss"), fact+"misp1/r1>", fact+"misp1/r1>")
	if _, err := s.Load(ctx, Source{Name: "import.nq", R: strings.NewReader(text)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Node(ctx, "apt40"); len(n.Aliases) != 2 {
		t.Fatalf("aliases after import = %v", n.Aliases)
	}
	// A fact from elsewhere that uses the imported entity blocks the retraction.
	if _, err := s.Load(ctx, Source{Name: "other.nq", R: strings.NewReader(goodFact("other", "x1", "partOf", "prc"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetractImport(ctx, "misp1"); !errors.Is(err, blurline.ErrInvalid) {
		t.Fatalf("RetractImport with a dependent fact: err = %v, want ErrInvalid", err)
	}
	if _, err := s.Retract(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	n, err := s.RetractImport(ctx, "misp1")
	if err != nil || n != 6 {
		t.Fatalf("RetractImport = %d, %v; want 6 quads", n, err)
	}
	if after := export(t, s); after != before {
		t.Errorf("after retracting the import the store differs:\n%s", after)
	}
	if _, err := s.RetractImport(ctx, "misp1"); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("second RetractImport err = %v, want ErrNotFound", err)
	}
}

func TestWriteImportMergesAndRetracts(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	before := export(t, s)
	nodes := []blurline.Node{
		{ID: "apt40", Aliases: []string{"MUDCARP"}, ExternalIDs: []string{"misp:5b4b6980"}, Sources: []string{"https://example.org/misp"}}, // merge
		{ID: "x2", Class: blurline.CriminalGroup, Name: "X2"},
	}
	facts := []blurline.Fact{{Subject: "x2", Predicate: blurline.SponsoredBy, Object: "prc", Confidence: 0.3, Sources: []string{"https://example.org/misp"}}}
	got, err := s.WriteImport(ctx, "misp2", nodes, facts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got[0].ID, "misp2/") {
		t.Errorf("imported fact id = %q, want the misp2/ prefix", got[0].ID)
	}
	n, _ := s.Node(ctx, "apt40")
	if n.Name != "APT40" || len(n.Aliases) != 2 || len(n.ExternalIDs) != 2 {
		t.Errorf("merged apt40 = %+v", n)
	}
	if _, err := s.RetractImport(ctx, "misp2"); err != nil {
		t.Fatal(err)
	}
	if export(t, s) != before {
		t.Errorf("retracting the import did not restore the store")
	}
}

// TestWriteImportRenaming: an import that renames an entity rewrites every
// quad naming it, in every graph, in the same write; the import's name and
// description take over (the old name becomes an alias); a refused import
// renames nothing.
func TestWriteImportRenaming(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	src := []string{"https://example.org/a"}
	// Import a: entity old, a statement about it, and one it asserts.
	_, err := s.WriteImport(ctx, "a", []blurline.Node{
		{ID: "old", Class: blurline.ThreatGroup, Name: "Old Name", Description: "from a", ExternalIDs: []string{"misp:x:1"}},
		{ID: "author", Class: blurline.Company, Name: "Author"},
	}, []blurline.Fact{
		{ID: "f1", Subject: "old", Predicate: blurline.SponsoredBy, Object: "mss", Sources: src, Confidence: 0.5, AssertedBy: "author"},
		{ID: "f2", Subject: "author", Predicate: blurline.RelatedTo, Object: "old", Sources: src, Confidence: 0.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	before := export(t, s)
	// A refused import renames nothing.
	if _, err := s.WriteImportRenaming(ctx, "b", map[string]string{"old": "new"},
		[]blurline.Node{{ID: "new", Name: "New Name", Aliases: []string{"x"}}},
		[]blurline.Fact{{ID: "bad", Subject: "new", Predicate: blurline.SponsoredBy, Object: "no-such", Sources: src, Confidence: 0.5}}); err == nil {
		t.Fatal("an import with an unknown entity was accepted")
	}
	if export(t, s) != before {
		t.Fatal("a refused import changed the store")
	}
	_, err = s.WriteImportRenaming(ctx, "b", map[string]string{"old": "new"},
		[]blurline.Node{{ID: "new", Class: blurline.ThreatGroup, Name: "New Name", Description: "from b", ExternalIDs: []string{"stix:intrusion-set--00000000-0000-4000-8000-000000000001"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Node(ctx, "old"); n != nil {
		t.Errorf("the old id is still an entity: %+v", n)
	}
	n, err := s.Node(ctx, "new")
	if err != nil || n == nil {
		t.Fatalf("Node(new) = %v, %v", n, err)
	}
	if n.Name != "New Name" || n.Description != "from b" || !slices.Contains(n.Aliases, "Old Name") || len(n.ExternalIDs) != 2 {
		t.Errorf("renamed entity = %+v", n)
	}
	f1, _ := s.Fact(ctx, "a/f1")
	f2, _ := s.Fact(ctx, "a/f2")
	if f1 == nil || f1.Subject != "new" || f1.AssertedBy != "author" || f2 == nil || f2.Object != "new" {
		t.Errorf("statements after the rename: %+v, %+v", f1, f2)
	}
	if out := export(t, s); strings.Contains(out, "/id/old>") {
		t.Errorf("a quad still names the old id")
	}
	// Retracting a keeps b's description of the entity.
	if _, err := s.RetractImport(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Node(ctx, "new"); n == nil || n.Name != "New Name" {
		t.Errorf("after retracting a: %+v", n)
	}
}
