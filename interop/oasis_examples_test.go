package interop_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blurline/blurline/interop"
)

// TestOASISExamples imports every example of the OASIS STIX 2.1 JSON
// schema repository (testdata/oasis-examples, copied unchanged with its
// licence from oasis-open/cti-stix2-json-schemas, examples/ at commit
// 3bf9e69): each is valid STIX 2.1 and must import, every object read
// and each one either merged into an entity, made a statement, or
// reported as skipped with its reason.
func TestOASISExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "oasis-examples", "*.json"))
	if err != nil || len(files) < 8 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	observables := map[string][]string{
		"infrastructure.json": {"ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956", "domain-name--ecb120bf-2694-4902-a737-62b74539a41b"},
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := openStore(t, true)
			rep, err := interop.ImportSTIX(context.Background(), s, data, interop.ImportOptions{Name: filepath.Base(f)})
			if err != nil {
				t.Fatalf("a valid STIX 2.1 example is refused: %v", err)
			}
			read := 0
			for typ, c := range rep.Types {
				read += c.Read
				if c.Read != c.Mapped+c.Skipped {
					t.Errorf("%s: %d read, %d mapped, %d skipped: some objects are unaccounted for", typ, c.Read, c.Mapped, c.Skipped)
				}
			}
			if rep.Objects == 0 || read != rep.Objects {
				t.Errorf("%d objects read, %d counted by type", rep.Objects, read)
			}
			// The cyber-observables of infrastructure.json carry no
			// spec_version (they need only type and id): read as 2.1
			// and reported, not a reason to refuse the bundle.
			for _, id := range observables[filepath.Base(f)] {
				if !slices.ContainsFunc(rep.Skipped, func(s interop.Skip) bool { return s.Object == id }) {
					t.Errorf("%s is not reported as skipped: %+v", id, rep.Skipped)
				}
			}
			t.Logf("%d objects: %d entities created, %d statements, %d skipped", rep.Objects, len(rep.Created), rep.Facts, len(rep.Skipped))
		})
	}
}
