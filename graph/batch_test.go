package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// TestSourceRecordConflict: a source record the store holds may be stated
// again with the same values (as an import restates what it cites), but
// not with another grade, kind or publisher, through the store's read model
// (memory, bbolt) and through the loader, which checks against bbolt's log.
func TestSourceRecordConflict(t *testing.T) {
	const src = "https://example.org/report"
	record := func(reliability string) string {
		var b strings.Builder
		for _, q := range [][2]string{
			{blurline.RDFType, "<" + blurline.Source.IRI() + ">"},
			{blurline.PropIRI(blurline.PropName), `"A report"`},
			{blurline.PropIRI(blurline.PropPublisher), `"Example"`},
			{blurline.PropIRI(blurline.PropSourceKind), `"` + string(blurline.News) + `"`},
			{blurline.PropIRI(blurline.PropPrimary), `"false"^^<http://www.w3.org/2001/XMLSchema#boolean>`},
			{blurline.PropIRI(blurline.PropReliability), `"` + reliability + `"`},
		} {
			b.WriteString("<" + src + "> <" + q[0] + "> " + q[1] + " .\n")
		}
		return b.String()
	}
	ctx := context.Background()
	load := func(t *testing.T, addr, text string, loader bool) error {
		if loader {
			l, err := OpenLoader(ctx, nil, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, err = l.Load(ctx, Source{Name: "record.nq", R: strings.NewReader(text)})
			return err
		}
		s := mustOpen(t, addr)
		defer s.Close()
		_, err := s.Load(ctx, Source{Name: "record.nq", R: strings.NewReader(text)})
		return err
	}
	for _, tc := range []struct {
		name   string
		loader bool
	}{{"store", false}, {"loader", true}} {
		t.Run(tc.name, func(t *testing.T) {
			addr := "bbolt:" + t.TempDir()
			if err := load(t, addr, record("B"), tc.loader); err != nil {
				t.Fatalf("the first record: %v", err)
			}
			if err := load(t, addr, record("B"), tc.loader); err != nil {
				t.Errorf("the same record again: %v", err)
			}
			err := load(t, addr, record("F"), tc.loader)
			if err == nil || !strings.Contains(err.Error(), "is recorded with reliability B, not F") {
				t.Errorf("a second grade: err %v, want it refused", err)
			}
		})
	}
}
