package interop_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// orderFiles are imported into the seeded store in every order.
var orderFiles = []string{"misp-threat-actor.json", "misp-mitre-intrusion-set.json", "ics-attack-18.1.json"}

func permutations(list []string) [][]string {
	if len(list) <= 1 {
		return [][]string{append([]string(nil), list...)}
	}
	var out [][]string
	for i := range list {
		rest := append(append([]string(nil), list[:i]...), list[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]string{list[i]}, p...))
		}
	}
	return out
}

// TestImportOrder imports the seed, the two MISP galaxies and ATT&CK for
// ICS in every order: every ATT&CK group, software and technique (an
// entity with a mitre-attack: id) gets the same id, class and name
// whatever the order. What still depends on the order is logged and
// listed in docs/interop.md ("Not done"): a relation to an entity no file
// has brought yet is skipped, and a cluster that several entities contest
// goes to the strongest match among those already there.
func TestImportOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 18 files (-short)")
	}
	ctx := context.Background()
	data := map[string][]byte{}
	for _, f := range orderFiles {
		data[f] = readData(t, f)
	}
	var first, firstOrder, firstEntities string
	for _, order := range permutations(orderFiles) {
		s := openStore(t, true)
		for _, f := range order {
			var err error
			if strings.HasPrefix(f, "misp-") {
				_, err = interop.ImportMISPGalaxy(ctx, s, data[f], interop.ImportOptions{Name: f})
			} else {
				_, err = interop.ImportSTIX(ctx, s, data[f], interop.ImportOptions{Name: f})
			}
			if err != nil {
				t.Fatalf("%v: %s: %v", order, f, err)
			}
		}
		got := dump(t, s)
		nodes, err := s.FindNodes(ctx, blurline.NodeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var ents []string
		for _, n := range nodes {
			for _, x := range n.ExternalIDs {
				if strings.HasPrefix(x, "mitre-attack:") {
					ents = append(ents, fmt.Sprintf("%s: %s %s %q", x, n.ID, n.Class, n.Name))
				}
			}
		}
		slices.Sort(ents)
		entities := strings.Join(ents, "\n")
		s.Close()
		name := fmt.Sprint(order)
		if first == "" {
			first, firstOrder, firstEntities = got, name, entities
			t.Logf("%s: %d entities (%d ATT&CK ids), %d bytes", name, len(nodes), len(ents), len(got))
			continue
		}
		if entities != firstEntities {
			t.Errorf("%s gives other ATT&CK entities than %s:\n%s", name, firstOrder, lineDiff(firstEntities, entities, 12))
		}
		if got != first {
			t.Logf("%s: the store differs from %s's in the order-dependent parts: %s", name, firstOrder, lineDiff(first, got, 0))
		}
	}
}

// lineDiff shows up to n lines that only one of a and b holds.
func lineDiff(a, b string, n int) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	onlyA, onlyB := 0, 0
	for l := range ma {
		if !mb[l] {
			onlyA++
			if len(out) < n {
				out = append(out, "- "+l)
			}
		}
	}
	for l := range mb {
		if !ma[l] {
			onlyB++
			if len(out) < 2*n {
				out = append(out, "+ "+l)
			}
		}
	}
	return fmt.Sprintf("%d lines only in the first, %d only in the second\n%s", onlyA, onlyB, strings.Join(out, "\n"))
}
