package graph

import (
	"context"
	"errors"
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
