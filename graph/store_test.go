package graph

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/pgtest"
	"github.com/blurline/blurline/internal/testlog"
)

// backends lists the stores every conformance test runs against: memory,
// bbolt and, where PostgreSQL is installed, a fresh database in a
// throwaway cluster (see internal/pgtest).
func backends(tb testing.TB) map[string]func(tb testing.TB) *Store {
	m := map[string]func(tb testing.TB) *Store{
		"memory": func(tb testing.TB) *Store { return mustOpen(tb, "memory:") },
		"bbolt":  func(tb testing.TB) *Store { return mustOpen(tb, "bbolt:"+tb.TempDir()) },
	}
	if c := postgresCluster(tb); c != nil {
		m["postgres"] = func(tb testing.TB) *Store {
			dsn, err := c.NewDatabase(tb.Name())
			if err != nil {
				tb.Fatal(err)
			}
			return mustOpen(tb, dsn)
		}
	}
	return m
}

// postgresCluster returns the shared test cluster, or nil (after saying so)
// where PostgreSQL is not installed; with BLURLINE_REQUIRE_POSTGRES set
// (as in CI) its absence fails the test.
func postgresCluster(tb testing.TB) *pgtest.Cluster {
	tb.Helper()
	c, err := pgtest.Shared()
	if err != nil {
		if pgtest.Required() || !errors.Is(err, pgtest.ErrUnavailable) {
			tb.Fatalf("PostgreSQL: %v", err)
		}
		tb.Logf("skipping the postgres backend: %v", err)
		return nil
	}
	return c
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "blurline-pgsnap-")
	if err != nil {
		panic(err)
	}
	PGSnapshotDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	pgtest.StopShared()
	os.Exit(code)
}

// testLogger is the package's name for testlog.New.
func testLogger(tb testing.TB) *slog.Logger { return testlog.New(tb) }

func mustOpen(tb testing.TB, addr string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), testlog.New(tb), addr)
	if err != nil {
		tb.Fatalf("Open(%q): %v", addr, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func mustLoadFile(tb testing.TB, s *Store, path string) LoadResult {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := s.Load(context.Background(), Source{Name: filepath.Base(path), R: f})
	if err != nil {
		tb.Fatalf("Load(%s): %v", path, err)
	}
	return res
}

func export(tb testing.TB, s *Store) string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf); err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return buf.String()
}

func TestLoadAndQuery(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			res := mustLoadFile(t, s, "testdata/small.nq")
			if res.Added != res.Read || res.Added != 31 {
				t.Errorf("Load = %+v, want 31 quads read and added", res)
			}
			n, err := s.Node(ctx, "apt40")
			if err != nil {
				t.Fatalf("Node(apt40): %v", err)
			}
			if n.Class != blurline.ThreatGroup || n.Name != "APT40" || len(n.Aliases) != 1 || n.Aliases[0] != "Leviathan" {
				t.Errorf("Node(apt40) = %+v", n)
			}
			if got := n.NonStateCharacter(); got != 0.6 {
				t.Errorf("NonStateCharacter = %v, want 0.6", got)
			}
			if _, err := s.Node(ctx, "nobody"); !errors.Is(err, blurline.ErrNotFound) {
				t.Errorf("Node(nobody) err = %v, want ErrNotFound", err)
			}
			f, err := s.Fact(ctx, "uk-apt40-hssd")
			if err != nil {
				t.Fatal(err)
			}
			want := &blurline.Fact{
				ID: "uk-apt40-hssd", Subject: "apt40", Predicate: blurline.SponsoredBy, Object: "hssd",
				Confidence: 0.85, Sources: []string{"https://www.gov.uk/government/news/uk-and-allies-hold-chinese-state-responsible-for-a-pervasive-pattern-of-hacking"},
				ValidFrom: time.Date(2021, 7, 19, 0, 0, 0, 0, time.UTC), PublishedOn: time.Date(2021, 7, 19, 10, 0, 0, 0, time.UTC),
				AssertedBy: "uk", Healey: blurline.StateOrdered, HasHealey: true,
				Quote: "highly likely \"sponsored\" by the MSS\\HSSD\nsecond line", Note: "Juli été 😀 ok",
			}
			if !f.Equal(want) {
				t.Errorf("Fact = %+v\nwant %+v", f, want)
			}
			facts, err := s.FactsOf(ctx, []string{"hssd", "nobody"}, blurline.Both, blurline.FactFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(facts[0]) != 2 || len(facts[1]) != 0 {
				t.Errorf("FactsOf(hssd, nobody) = %d, %d facts, want 2, 0", len(facts[0]), len(facts[1]))
			}
			st, _ := s.Stats(ctx)
			if st.Facts != 3 || st.Entities != 5 || st.FactsWithProvenance != 3 || st.ByClass[blurline.State] != 2 || st.ByPredicate[blurline.SponsoredBy] != 1 {
				t.Errorf("Stats = %+v", st)
			}
			found, _ := s.FindNodes(ctx, blurline.NodeQuery{Text: "leviATHAN"})
			if len(found) != 1 || found[0].ID != "apt40" {
				t.Errorf("FindNodes(leviathan) = %v, want apt40", found)
			}
			found, _ = s.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
			if len(found) != 2 || found[0].ID != "prc" || found[1].ID != "uk" {
				t.Errorf("FindNodes(State) = %v, want prc, uk", found)
			}
		})
	}
}

func TestAsOf(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	for _, tc := range []struct {
		date string
		want int
	}{
		{"2021-07-18", 0}, // not yet said
		{"2021-07-19", 1}, // said that day (publishedOn 10:00 counts by the end of the day)
		{"2024-01-01", 1},
	} {
		d, _ := time.Parse("2006-01-02", tc.date)
		got, err := s.Facts(ctx, blurline.FactQuery{From: []string{"apt40"}, FactFilter: blurline.FactFilter{AsOf: blurline.AsOf(d)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("Facts(apt40, asOf %s) = %d facts, want %d", tc.date, len(got), tc.want)
		}
	}
}

// TestLiteralRoundTrip loads every kind of literal, exports it (from cayley,
// after a reopen for bbolt) and expects the very same statements back.
func TestLiteralRoundTrip(t *testing.T) {
	ctx := context.Background()
	in, err := os.ReadFile("testdata/literals.nq")
	if err != nil {
		t.Fatal(err)
	}
	wantLines := map[string]bool{}
	for _, l := range strings.Split(string(in), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			wantLines[l] = true
		}
	}
	dir := t.TempDir()
	for _, addr := range []string{"memory:", "bbolt:" + dir} {
		t.Run(strings.SplitN(addr, ":", 2)[0], func(t *testing.T) {
			s := mustOpen(t, addr)
			mustLoadFile(t, s, "testdata/literals.nq")
			if strings.HasPrefix(addr, "bbolt:") {
				s.Close()
				s = mustOpen(t, addr)
			}
			out := export(t, s)
			gotLines := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				gotLines[l] = true
			}
			for l := range wantLines {
				if !gotLines[l] {
					t.Errorf("export lacks %s", l)
				}
			}
			for l := range gotLines {
				if !wantLines[l] {
					t.Errorf("export has extra %s", l)
				}
			}
			// The export loads into an empty store and exports identically.
			s2 := mustOpen(t, "memory:")
			if _, err := s2.Load(ctx, Source{Name: "export.nq", R: strings.NewReader(out)}); err != nil {
				t.Fatalf("reload export: %v", err)
			}
			if out2 := export(t, s2); out2 != out {
				t.Errorf("second export differs:\n%s\nvs\n%s", out2, out)
			}
		})
	}
}

func TestReopenKeepsWritesAndSeedsOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seed := os.DirFS("testdata/seedlike")
	s := mustOpen(t, "bbolt:"+dir)
	loaded, _, err := s.EnsureSeed(ctx, seed)
	if err != nil || !loaded {
		t.Fatalf("EnsureSeed on a new store = %v, %v; want true, nil", loaded, err)
	}
	if _, err := s.Retract(ctx, "uk-apt40-hssd"); err != nil {
		t.Fatalf("Retract: %v", err)
	}
	before := export(t, s)
	st1, _ := s.Stats(ctx)
	s.Close()

	s = mustOpen(t, "bbolt:"+dir)
	loaded, _, err = s.EnsureSeed(ctx, seed)
	if err != nil || loaded {
		t.Fatalf("EnsureSeed on a seeded store = %v, %v; want false, nil", loaded, err)
	}
	if after := export(t, s); after != before {
		t.Errorf("reopened store differs:\n%s\nwant\n%s", after, before)
	}
	st2, _ := s.Stats(ctx)
	if st2.Facts != st1.Facts || st2.Quads != st1.Quads || st2.Facts != 2 {
		t.Errorf("Stats after reopen = %+v, before %+v (want 2 facts)", st2, st1)
	}
	if _, err := s.Fact(ctx, "uk-apt40-hssd"); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("retracted fact came back after reopen: %v", err)
	}
}

func TestLoadTwiceChangesNothing(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			mustLoadFile(t, s, "testdata/small.nq")
			before := export(t, s)
			v := s.Version()
			res := mustLoadFile(t, s, "testdata/small.nq")
			if res.Added != 0 {
				t.Errorf("second load added %d quads, want 0", res.Added)
			}
			if after := export(t, s); after != before {
				t.Errorf("second load changed the store")
			}
			if s.Version() != v+1 {
				t.Logf("version %d -> %d", v, s.Version())
			}
		})
	}
}

func TestRetract(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			mustLoadFile(t, s, "testdata/small.nq")
			f, err := s.Retract(ctx, "hssd-bureau-of-mss")
			if err != nil || f.Predicate != blurline.RegionalBureauOf {
				t.Fatalf("Retract = %v, %v", f, err)
			}
			if _, err := s.Retract(ctx, "hssd-bureau-of-mss"); !errors.Is(err, blurline.ErrNotFound) {
				t.Errorf("second Retract err = %v, want ErrNotFound", err)
			}
			out := export(t, s)
			if strings.Contains(out, "hssd-bureau-of-mss") {
				t.Errorf("export still has the retracted fact's quads:\n%s", out)
			}
			paths, err := s.ShortestPaths(ctx, "apt40", "prc", blurline.PathOptions{})
			if err != nil || len(paths) != 0 {
				t.Errorf("ShortestPaths after retract = %v, %v; want none", paths, err)
			}
		})
	}
}
