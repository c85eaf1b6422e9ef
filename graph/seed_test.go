package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/testlog"
	"github.com/blurline/blurline/seed"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/quad"
	"go.etcd.io/bbolt"
)

// TestSeed loads the embedded seed and checks what issue 2 asks of it:
// at least 150 facts, every one with a source and a confidence.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	loaded, res, err := s.EnsureSeed(ctx, seed.FS())
	if err != nil || !loaded {
		t.Fatalf("EnsureSeed = %v, %v", loaded, err)
	}
	st, _ := s.Stats(ctx)
	t.Logf("seed: %d quads, %d entities, %d facts", res.Added, st.Entities, st.Facts)
	if st.Facts < 150 {
		t.Errorf("seed has %d facts, want at least 150", st.Facts)
	}
	if st.FactsWithProvenance != st.Facts {
		t.Errorf("%d of %d seed facts lack a source or confidence", st.Facts-st.FactsWithProvenance, st.Facts)
	}
	checkNoDangling(t, s)
	// The seed meets the curated rules too: every source has a record,
	// every attribution its assertedBy.
	srcs, closeAll, err := sourcesFromFS(seed.FS())
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	if _, err := mustOpen(t, "memory:").CheckCurated(ctx, srcs...); err != nil {
		t.Errorf("the seed fails the curated rules: %v", err)
	}
}

// TestSeedDecision: a store made without the seed stays without it, on
// every backend and through a Loader too; a seeded store is not seeded
// again.
func TestSeedDecision(t *testing.T) {
	ctx := context.Background()
	for _, addr := range []string{"memory:", "bbolt:" + t.TempDir()} {
		s := mustOpen(t, addr)
		if st, err := s.Seed(); err != nil || st != SeedUndecided {
			t.Fatalf("%s: new store: Seed = %v, %v; want undecided", addr, st, err)
		}
		if ok, err := s.DeclineSeed(ctx); err != nil || !ok {
			t.Fatalf("%s: DeclineSeed = %v, %v", addr, ok, err)
		}
		if loaded, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil || loaded {
			t.Fatalf("%s: EnsureSeed after DeclineSeed = %v, %v; want nothing loaded", addr, loaded, err)
		}
		if st, _ := s.Stats(ctx); st.Quads != 0 {
			t.Errorf("%s: a declined store holds %d quads", addr, st.Quads)
		}
		if addr == "memory:" {
			continue
		}
		s.Close()
		dir := addr[len("bbolt:"):]
		l, err := OpenLoader(ctx, testlog.New(t), addr)
		if err != nil {
			t.Fatal(err)
		}
		if loaded, _, err := l.EnsureSeed(ctx, seed.FS()); err != nil || loaded {
			t.Fatalf("Loader.EnsureSeed of a declined store = %v, %v; want nothing loaded", loaded, err)
		}
		l.Close()
		// A Loader on a new store records the decision with its load.
		ldir := t.TempDir()
		if l, err = OpenLoader(ctx, testlog.New(t), "bbolt:"+ldir); err != nil {
			t.Fatal(err)
		}
		if ok, err := l.DeclineSeed(ctx); err != nil || !ok {
			t.Fatalf("Loader.DeclineSeed = %v, %v", ok, err)
		}
		if res, err := l.Load(ctx, Source{Name: "x.nq", R: strings.NewReader(oneEntity)}); err != nil || res.Added != 2 {
			t.Fatalf("Loader.Load = %+v, %v; want 2 quads added", res, err)
		}
		l.Close()
		if ls := mustOpen(t, "bbolt:"+ldir); ls.Seeded() {
			t.Fatalf("a store loaded with DeclineSeed is seeded")
		} else if st, _ := ls.Seed(); st != SeedDeclined {
			t.Fatalf("a store loaded with DeclineSeed: Seed = %v", st)
		} else {
			ls.Close()
		}
		s = mustOpen(t, "bbolt:"+dir)
		if st, err := s.Seed(); err != nil || st != SeedDeclined {
			t.Fatalf("reopened: Seed = %v, %v; want declined", st, err)
		}
		if loaded, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil || loaded {
			t.Fatalf("reopened: EnsureSeed = %v, %v; want nothing loaded", loaded, err)
		}
	}
	// Seeded, then declining changes nothing.
	s := mustOpen(t, "memory:")
	if loaded, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil || !loaded {
		t.Fatalf("EnsureSeed = %v, %v", loaded, err)
	}
	if ok, err := s.DeclineSeed(ctx); err != nil || ok {
		t.Fatalf("DeclineSeed of a seeded store = %v, %v; want false", ok, err)
	}
	if st, _ := s.Seed(); st != SeedLoaded {
		t.Fatalf("Seed = %v, want loaded", st)
	}
	// Data without a decision (a store made before decisions were kept):
	// declined.
	s = mustOpen(t, "memory:")
	if _, err := s.Load(ctx, Source{Name: "x.nq", R: strings.NewReader(oneEntity)}); err != nil {
		t.Fatal(err)
	}
	if loaded, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil || loaded {
		t.Fatalf("EnsureSeed of a store with data = %v, %v; want nothing loaded", loaded, err)
	}
}

// TestSeedReadError: when the seed mark cannot be read, EnsureSeed fails
// instead of loading the seed again (which brought back retracted seed
// facts).
func TestSeedReadError(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	if _, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil {
		t.Fatal(err)
	}
	facts, err := s.Facts(ctx, blurline.FactQuery{})
	if err != nil || len(facts) == 0 {
		t.Fatalf("Facts = %d, %v", len(facts), err)
	}
	gone := facts[0].ID
	if _, err := s.Retract(ctx, gone); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Break the index entry that lists the seed mark.
	db, err := bbolt.Open(filepath.Join(dir, "indexes.bolt"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		indexes, err := readIndexes(tx)
		if err != nil {
			return err
		}
		var p cproto.Primitive
		for _, d := range quad.Directions {
			p.SetDirection(d, nodeID(tx, seededQuad.Get(d)))
		}
		ind := slices.MaxFunc(indexes, func(a, b ckv.QuadIndex) int { return len(a.Dirs) - len(b.Dirs) })
		key := ind.KeyFor(&p)
		return tx.Bucket(key[0]).Put(key[1], []byte{0xff, 0xff})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLoader(ctx, testlog.New(t), "bbolt:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.s.Seed(); err == nil {
		t.Fatalf("Seed of a store whose seed mark cannot be read: no error")
	}
	loaded, _, err := l.EnsureSeed(ctx, seed.FS())
	if err == nil || loaded {
		t.Fatalf("EnsureSeed = %v, %v; want an error and nothing loaded", loaded, err)
	}
	if !errors.Is(err, blurline.ErrInternal) {
		t.Errorf("EnsureSeed error %v is not ErrInternal", err)
	}
	l.Close()
	s = mustOpen(t, "bbolt:"+dir)
	if f, _ := s.Fact(ctx, gone); f != nil {
		t.Fatalf("the retracted seed fact %s is back", gone)
	}
}

const oneEntity = `<https://w3id.org/blurline/id/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#ThreatGroup> .
<https://w3id.org/blurline/id/x> <https://w3id.org/blurline/ns#name> "X" .
`

// TestSeedSourceFigures recomputes what docs/seed.md says of the seed's
// sources: the records by kind and Admiralty grade, how many facts rest on
// a primary source and how many cite an official text, each by its primary
// URL. The doc must hold the table and the figures exactly as computed.
func TestSeedSourceFigures(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	if _, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil {
		t.Fatal(err)
	}
	recs, err := s.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.Source}})
	if err != nil {
		t.Fatal(err)
	}
	byURL := map[string]*blurline.SourceRecord{}
	count := map[blurline.SourceKind]map[blurline.Reliability]int{}
	primary := map[blurline.SourceKind]int{}
	for _, n := range recs {
		r := n.Record
		if r == nil {
			t.Fatalf("source %s has no record", n.ID)
		}
		byURL[blurline.EntityIRI(n.ID)] = r
		if count[r.Kind] == nil {
			count[r.Kind] = map[blurline.Reliability]int{}
		}
		count[r.Kind][r.Reliability]++
		if r.Primary {
			primary[r.Kind]++
		}
	}
	var tb strings.Builder
	tb.WriteString("| kind |")
	for _, g := range blurline.Reliabilities {
		fmt.Fprintf(&tb, " %s |", g.Grade)
	}
	tb.WriteString(" total | primary |\n|---|")
	for range blurline.Reliabilities {
		tb.WriteString("---|")
	}
	tb.WriteString("---|---|\n")
	totals := map[blurline.Reliability]int{}
	allPrimary := 0
	for _, k := range blurline.SourceKinds {
		fmt.Fprintf(&tb, "| %s |", k.Kind)
		n := 0
		for _, g := range blurline.Reliabilities {
			c := count[k.Kind][g.Grade]
			fmt.Fprintf(&tb, " %d |", c)
			n += c
			totals[g.Grade] += c
		}
		fmt.Fprintf(&tb, " %d | %d |\n", n, primary[k.Kind])
		allPrimary += primary[k.Kind]
	}
	tb.WriteString("| **total** |")
	for _, g := range blurline.Reliabilities {
		fmt.Fprintf(&tb, " %d |", totals[g.Grade])
	}
	fmt.Fprintf(&tb, " **%d** | **%d** |\n", len(recs), allPrimary)

	facts, err := s.Facts(ctx, blurline.FactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	official := func(k blurline.SourceKind) bool {
		return k == blurline.OfficialStatement || k == blurline.CourtFiling || k == blurline.GovernmentAdvisory
	}
	onPrimary, citeOfficial, officialByPrimary := 0, 0, 0
	for _, f := range facts {
		var anyPrimary, anyOfficial, primaryOfficial bool
		for _, u := range f.Sources {
			r := byURL[u]
			if r == nil {
				t.Fatalf("fact %s cites %s, which has no record", f.ID, u)
			}
			anyPrimary = anyPrimary || r.Primary
			// A copy of an official text counts as citing it.
			if official(r.Kind) || r.CopyOf != "" && byURL[r.CopyOf] != nil && official(byURL[r.CopyOf].Kind) {
				anyOfficial = true
				primaryOfficial = primaryOfficial || official(r.Kind) && r.Primary
			}
		}
		if anyPrimary {
			onPrimary++
		}
		if anyOfficial {
			citeOfficial++
			if primaryOfficial {
				officialByPrimary++
			}
		}
	}
	figures := fmt.Sprintf("**%d of the %d facts rest on at least one primary source; %d cite an official text (statement, filing or advisory), and\n", onPrimary, len(facts), citeOfficial)
	if officialByPrimary != citeOfficial {
		t.Errorf("%d of the %d facts that cite an official text cite no primary copy of it", citeOfficial-officialByPrimary, citeOfficial)
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "seed.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), tb.String()) {
		t.Errorf("docs/seed.md does not hold the sources table as computed:\n%s", tb.String())
	}
	if !strings.Contains(string(doc), figures) {
		t.Errorf("docs/seed.md does not say, as computed:\n%s", figures)
	}
}
