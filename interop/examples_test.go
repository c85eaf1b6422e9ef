package interop_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline/interop"
)

// TestSTIXExamples imports each example bundle (testdata/stix21-examples,
// and OASIS's Poison Ivy report) into the seeded store: every one is valid
// STIX, so every one imports, and what Blurline does not model is reported
// as skipped, never a reason to refuse the rest.
func TestSTIXExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "stix21-examples", "*.json"))
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	type want struct {
		created []string // STIX ids that become entities
		skipped []string // STIX ids reported as skipped, with this reason fragment after "="
		facts   int
	}
	wants := map[string]want{
		"infrastructure.json": {created: []string{"malware--16f3f8e1-5bd4-4b2a-8f4d-1b2c1c9e2a15"},
			skipped: []string{"infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d=not modelled",
				"ipv4-addr--b4e29b62-2053-47c4-bab4-bbce39e5ed67=cyber-observable",
				"relationship--7aebe2f0-28d6-48a2-9c3e-b0aaa60266ef=consists-of"}},
		"bare-intrusion-set.json": {created: []string{"intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29"}},
		"mixed-2.0-2.1.json": {created: []string{"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"},
			facts: 1},
		"custom-and-dangling.json": {created: []string{"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
			skipped: []string{"x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461=custom object",
				"x-example-com-without-spec-version--5527e5de-8572-446a-a57a-706f15467461=custom object",
				"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad=neither in the bundle nor in the store"}},
		"notes-and-opinions.json": {created: []string{"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7",
			"note--3f6c9a2e-7b1d-4e8a-9c5f-2d4b6a8e0c13", "opinion--5e1a7c3b-9d2f-4b6e-8a4c-1f3e5d7b9a20", "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
			facts: 11},
		"observables.json": {skipped: []string{"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf=not modelled",
			"file--e277603e-1060-5ad4-9937-c26c97f1ca68=cyber-observable"}}, // its TLP:GREEN marking definition is read, not skipped
	}
	check := func(t *testing.T, name string, data []byte) *interop.Report {
		s := openStore(t, true)
		rep, err := interop.ImportSTIX(context.Background(), s, data, interop.ImportOptions{Name: name})
		if err != nil {
			t.Fatalf("a valid STIX file is refused: %v", err)
		}
		w, ok := wants[name]
		if !ok {
			return rep
		}
		for _, id := range w.created {
			if !slices.ContainsFunc(rep.Created, func(c interop.Created) bool { return c.Object == id }) {
				t.Errorf("%s did not become an entity; created: %+v", id, rep.Created)
			}
		}
		for _, sk := range w.skipped {
			id, why, _ := strings.Cut(sk, "=")
			i := slices.IndexFunc(rep.Skipped, func(s interop.Skip) bool { return s.Object == id })
			if i < 0 || !strings.Contains(rep.Skipped[i].Reason, why) {
				t.Errorf("%s: not skipped for %q; skipped: %+v", id, why, rep.Skipped)
			}
		}
		if rep.Facts != w.facts {
			t.Errorf("%d statements, want %d", rep.Facts, w.facts)
		}
		return rep
	}
	for _, f := range files {
		name := filepath.Base(f)
		if _, ok := wants[name]; !ok {
			t.Errorf("%s has no expectations in this test", name)
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep := check(t, name, data)
			if name == "custom-and-dangling.json" && !strings.Contains(strings.Join(rep.Notes, "\n"), "x_foo (1)") {
				t.Errorf("the campaign's custom property x_foo is not reported: %q", rep.Notes)
			}
		})
	}
	t.Run("poisonivy", func(t *testing.T) {
		rep := check(t, "stixview-poisonivy-bundle.json", readData(t, "stixview-poisonivy-bundle.json"))
		if rep.Objects != 155 || len(rep.Created) == 0 {
			t.Errorf("Poison Ivy: %d objects read, %d entities created", rep.Objects, len(rep.Created))
		}
	})
}
