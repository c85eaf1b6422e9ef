package graph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// TestRebuildImports: the store keeps what its imports read (across a
// reopen), and RebuildImports replaces what they wrote by what a replay
// writes, in one write: the rest of the store stays, a failing replay
// changes nothing, an import left out is gone with its record.
func TestRebuildImports(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	mustLoadFile(t, s, "testdata/small.nq")
	base := export(t, s)
	src := []string{"https://example.org/a"}
	node := func(id string) []blurline.Node {
		return []blurline.Node{{ID: id, Class: blurline.ThreatGroup, Name: strings.ToUpper(id)}}
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.WriteImport(ctx, id, node("ent-"+id), []blurline.Fact{{ID: "f", Subject: "ent-" + id, Predicate: blurline.SponsoredBy, Object: "mss", Sources: src, Confidence: 0.5}}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordImport(ctx, blurline.ImportSource{ID: id, Format: "stix", Name: id + ".json", Marking: blurline.TLPGreen, Clearance: blurline.TLPRed, Data: []byte("data of " + id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, "bbolt:"+dir)
	srcs, err := s.ImportSources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].ID != "a" || string(srcs[1].Data) != "data of b" || srcs[1].Name != "b.json" || srcs[1].Format != "stix" || srcs[1].Marking != blurline.TLPGreen || srcs[1].Clearance != blurline.TLPRed {
		t.Fatalf("ImportSources after reopening = %+v", srcs)
	}
	before := export(t, s)
	if _, err := s.RebuildImports(ctx, nil, "b", func(context.Context, any, []blurline.ImportSource) error { return errors.New("replay failed") }); err == nil {
		t.Fatal("a failing replay was not reported")
	}
	if export(t, s) != before {
		t.Fatal("a failing replay changed the store")
	}
	// Replay only a, as another entity: b goes, a is what the replay wrote.
	removed, err := s.RebuildImports(ctx, nil, "b", func(ctx context.Context, scratch any, srcs []blurline.ImportSource) error {
		if len(srcs) != 1 || srcs[0].ID != "a" {
			t.Errorf("the replay is handed %+v, want a alone", srcs)
		}
		sc := scratch.(*Store)
		if got := export(t, sc); got != base {
			t.Errorf("the scratch store is not the store without its imports:\n%s\nwant\n%s", got, base)
		}
		_, err := sc.WriteImport(ctx, "a", node("ent-a2"), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if removed == 0 {
		t.Error("RebuildImports removed nothing")
	}
	for id, want := range map[string]bool{"ent-a": false, "ent-b": false, "ent-a2": true} {
		if n, _ := s.Node(ctx, id); (n != nil) != want {
			t.Errorf("Node(%s) = %v, want it there: %v", id, n, want)
		}
	}
	if f, _ := s.Fact(ctx, "b/f"); f != nil {
		t.Errorf("b's statement is still there: %+v", f)
	}
	srcs, _ = s.ImportSources(ctx)
	if len(srcs) != 1 || srcs[0].ID != "a" {
		t.Errorf("records after the rebuild: %+v, want a's alone", srcs)
	}
	if _, err := s.RebuildImports(ctx, nil, "b", nil); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("dropping an import without a record: %v, want not found", err)
	}
	// RetractImport drops the record too.
	if _, err := s.RetractImport(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if srcs, _ = s.ImportSources(ctx); len(srcs) != 0 {
		t.Errorf("records after retracting a: %+v", srcs)
	}
	if got := export(t, s); got != base {
		t.Errorf("store after retracting everything:\n%s\nwant\n%s", got, base)
	}
}

// TestImportRecordedInItsWrite: an import whose context carries its source
// is written and recorded in one transaction (the store's version moves
// once), on memory, bbolt and PostgreSQL; a second write of the same
// import replaces the record rather than adding a second one.
func TestImportRecordedInItsWrite(t *testing.T) {
	ctx := context.Background()
	addrs := []string{"memory:", "bbolt:" + t.TempDir()}
	if c := postgresCluster(t); c != nil {
		dsn, err := c.NewDatabase("recorded")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, dsn)
	}
	for _, addr := range addrs {
		s := mustOpen(t, addr)
		mustLoadFile(t, s, "testdata/small.nq")
		for i, data := range []string{"first", "second"} {
			src := blurline.ImportSource{ID: "rec", Format: "stix", Name: "rec.json", Clearance: blurline.TLPRed, Data: []byte(data)}
			v := s.Version()
			nodes := []blurline.Node{{ID: "ent-rec", Class: blurline.ThreatGroup, Name: "REC"}}
			if _, err := s.WriteImport(blurline.NewContextWithImportSource(ctx, src), "rec", nodes, nil); err != nil {
				t.Fatal(err)
			}
			if got := s.Version(); got != v+1 {
				t.Errorf("%s, write %d: version %d -> %d, want one transaction", addr, i, v, got)
			}
			srcs, err := s.ImportSources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(srcs) != 1 || srcs[0].ID != "rec" || string(srcs[0].Data) != data {
				t.Errorf("%s, write %d: ImportSources = %+v, want the one record of %q", addr, i, srcs, data)
			}
		}
		s.Close()
	}
}
