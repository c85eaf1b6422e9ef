package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/interop"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/seed"
	"github.com/blurline/blurline/server"
)

// taxiiServer serves a seeded store over TAXII; fail, while it returns
// true, makes object pages answer 503.
func taxiiServer(t *testing.T, fail func() bool) (*httptest.Server, *graph.Store, *atomic.Int32) {
	t.Helper()
	ctx := context.Background()
	st, err := graph.Open(ctx, nil, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := st.EnsureSeed(ctx, seed.FS()); err != nil {
		t.Fatal(err)
	}
	api, err := schema.New(nil, st, schema.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(nil, server.Config{}, api, st).Handler()
	var pages atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/objects/") {
			if fail != nil && fail() {
				http.Error(w, "down for the test", http.StatusServiceUnavailable)
				return
			}
			pages.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, st, &pages
}

// storeCollectionID is the id of the server's collection of the whole store.
func storeCollectionID(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/taxii2/blurline/collections/", nil)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct{ Collections []struct{ ID string } }
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil || len(c.Collections) == 0 {
		t.Fatalf("collections: %v", err)
	}
	return c.Collections[0].ID
}

// canonical is each object of a bundle as JSON, sorted; x_blurline_id of
// statements loses the import prefix the client store gives them.
func canonical(t *testing.T, b *interop.Bundle, importID string) []string {
	t.Helper()
	var out []string
	for _, o := range b.Objects {
		if id, ok := o["x_blurline_id"].(string); ok && importID != "" {
			o["x_blurline_id"] = strings.TrimPrefix(id, importID+"/")
		}
		j, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(j))
	}
	slices.Sort(out)
	return out
}

// TestTAXIIRoundTrip: Blurline's TAXII server, pulled by Blurline's TAXII
// client (paged) into an empty store, gives back the exported objects.
func TestTAXIIRoundTrip(t *testing.T) {
	ts, src, pages := taxiiServer(t, nil)
	coll := storeCollectionID(t, ts.URL)
	dir := t.TempDir()
	env := map[string]string{"BLURLINE_DATA": filepath.Join(dir, "data")}
	out, stderr, err := runCLI(t, env, "", "import", "--no-seed", "--taxii", ts.URL+"/taxii2/", "--collection", coll,
		"--page-size", "50", "--spool", filepath.Join(dir, "spool"), "--json")
	if err != nil {
		t.Fatalf("import --taxii: %v\n%s", err, stderr)
	}
	var reps []interop.Report
	if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 1 {
		t.Fatalf("report: %v\n%s", err, out)
	}
	rep := reps[0]
	ctx := context.Background()
	want, err := interop.ExportSTIX(ctx, src, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n := int(pages.Load()); n != (len(want.Objects)+49)/50 {
		t.Errorf("pulled in %d pages, want %d of 50", n, (len(want.Objects)+49)/50)
	}
	if len(rep.Skipped) > 0 || len(rep.Merged) > 0 {
		t.Errorf("the pull skipped %d and merged %d objects", len(rep.Skipped), len(rep.Merged))
	}
	dst, err := graph.Open(ctx, nil, "bbolt:"+filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got, err := interop.ExportSTIX(ctx, dst, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	w, g := canonical(t, want, ""), canonical(t, got, rep.ImportID)
	if len(w) != len(g) {
		t.Fatalf("round trip gives %d objects, the server exported %d", len(g), len(w))
	}
	diffs := 0
	for i := range w {
		if w[i] != g[i] {
			if diffs < 3 {
				t.Errorf("object %d differs:\nserver: %s\nclient: %s", i, w[i], g[i])
			}
			diffs++
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d objects differ", diffs, len(w))
	}
}

// TestTAXIIPullResumes: a pull interrupted by a failing server resumes
// from the page it reached, when the command runs again.
func TestTAXIIPullResumes(t *testing.T) {
	var served atomic.Int32
	down := atomic.Bool{}
	ts, _, pages := taxiiServer(t, func() bool {
		if down.Load() {
			return true
		}
		if served.Add(1) > 3 {
			down.Store(true)
			return true
		}
		return false
	})
	coll := storeCollectionID(t, ts.URL)
	dir := t.TempDir()
	env := map[string]string{"BLURLINE_DATA": filepath.Join(dir, "data")}
	args := []string{"import", "--no-seed", "--taxii", ts.URL + "/taxii2/blurline/", "--collection", coll, "--page-size", "100", "--spool", filepath.Join(dir, "spool")}
	_, stderr, err := runCLI(t, env, "", args...)
	if err == nil || !strings.Contains(stderr+err.Error(), "run the same command again to resume") {
		t.Fatalf("a pull from a failing server: %v\n%s", err, stderr)
	}
	if st, _, _ := runCLI(t, env, "", "stats", "--json"); !strings.Contains(st, `"entities": 0`) {
		t.Errorf("a failed pull imported something:\n%s", st)
	}
	first := pages.Load()
	down.Store(false)
	served.Store(-1000)
	out, stderr, err := runCLI(t, env, "", args...)
	if err != nil {
		t.Fatalf("resumed pull: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, `resumed=true`) {
		t.Errorf("the second pull did not resume:\n%s", stderr)
	}
	total := pages.Load()
	if first != 3 || !strings.Contains(out, "pulled ") {
		t.Errorf("first pull got %d pages; output:\n%s", first, out)
	}
	t.Logf("pages: %d before the failure, %d in all", first, total)
	st, _, _ := runCLI(t, env, "", "stats", "--json")
	if !strings.Contains(st, `"entities": 366`) {
		t.Errorf("after the resumed pull:\n%s", st)
	}
}
