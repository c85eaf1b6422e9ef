package interop_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// importFiles imports files, in order, into s, and returns their import
// ids by file.
func importFiles(tb testing.TB, s interop.Store, data map[string][]byte, files []string) map[string]string {
	tb.Helper()
	ids := map[string]string{}
	for _, f := range files {
		rep, err := interop.Import(context.Background(), s, data[f], interop.FormatAuto, interop.ImportOptions{Name: f})
		if err != nil {
			tb.Fatalf("%v: %s: %v", files, f, err)
		}
		ids[f] = rep.ImportID
	}
	return ids
}

func readOrderFiles(tb testing.TB) map[string][]byte {
	data := map[string][]byte{}
	for _, f := range orderFiles {
		data[f] = readData(tb, f)
	}
	return data
}

// TestImportOrder imports the seed, the two MISP galaxies and ATT&CK for
// ICS in every order, one file at a time, and compares the stores as
// N-Quads, byte for byte: every entity's id, names and statements, and
// which import says what, are a function of the files imported (the store
// replays its imports in the order of their ids), not of the order they
// arrived in.
func TestImportOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 18 files (-short)")
	}
	ctx := context.Background()
	data := readOrderFiles(t)
	var first, firstOrder string
	for _, order := range permutations(orderFiles) {
		s := openStore(t, true)
		importFiles(t, s, data, order)
		got := dump(t, s)
		nodes, err := s.FindNodes(ctx, blurline.NodeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		name := fmt.Sprint(order)
		if first == "" {
			first, firstOrder = got, name
			t.Logf("%s: %d entities, %d bytes", name, len(nodes), len(got))
			continue
		}
		if got != first {
			t.Errorf("%s gives another store than %s: %s", name, firstOrder, lineDiff(first, got, 12))
		}
	}
}

// TestRetractImportOrder: retracting an import gives the store that the
// other imports make without it, byte for byte, whichever import it is;
// in particular an entity the retracted import renamed (the MITRE
// intrusion-set galaxy gives the threat-actor galaxy's clusters their
// ATT&CK ids) gets its earlier id back.
func TestRetractImportOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 12 files (-short)")
	}
	ctx := context.Background()
	data := readOrderFiles(t)
	for i, gone := range orderFiles {
		t.Run(gone, func(t *testing.T) {
			rest := slices.Delete(slices.Clone(orderFiles), i, i+1)
			want := openStore(t, true)
			importFiles(t, want, data, rest)
			s := openStore(t, true)
			id := importFiles(t, s, data, orderFiles)[gone]
			n, err := interop.RetractImport(ctx, s, id)
			if err != nil {
				t.Fatalf("RetractImport(%s): %v", id, err)
			}
			if n == 0 {
				t.Errorf("RetractImport(%s) removed nothing", id)
			}
			if got, w := dump(t, s), dump(t, want); got != w {
				t.Errorf("after retracting %s the store is not the one %v make: %s", gone, rest, lineDiff(w, got, 12))
			}
		})
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

// TestImportConcurrent: files imported at the same time (concurrent
// requests) give the store that importing them one by one gives.
func TestImportConcurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 6 files (-short)")
	}
	data := readOrderFiles(t)
	want := openStore(t, true)
	importFiles(t, want, data, orderFiles)
	s := openStore(t, true)
	var wg sync.WaitGroup
	for _, f := range orderFiles {
		wg.Go(func() {
			if _, err := interop.Import(context.Background(), s, data[f], interop.FormatAuto, interop.ImportOptions{Name: f}); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		})
	}
	wg.Wait()
	if got, w := dump(t, s), dump(t, want); got != w {
		t.Errorf("concurrent imports give another store: %s", lineDiff(w, got, 12))
	}
}
