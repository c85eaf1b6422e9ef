package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// Inputs that pile many values on one entity or one fact. Each value used
// to be checked against the others by a scan (in the validator and in the
// read model), so loading them was quadratic: 20k aliases of one entity
// took 12 s, 20k sources of one fact 23 s, before attrSet. A fuzz run
// stalls on nothing this large, but a load or a loadNQuads mutation can
// send it.

const (
	tType = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
	tNS   = "https://w3id.org/blurline/ns#"
	tID   = "https://w3id.org/blurline/id/"
	tFact = "https://w3id.org/blurline/fact/"
	tDec  = "<http://www.w3.org/2001/XMLSchema#decimal>"
)

// manyAliases is one entity with n aliases.
func manyAliases(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<%sx> %s <%sState> .\n<%sx> <%sname> \"X\" .\n", tID, tType, tNS, tID, tNS)
	for i := range n {
		fmt.Fprintf(&b, "<%sx> <%salias> \"alias %d\" .\n", tID, tNS, i)
	}
	return b.String()
}

// manySources is one fact with n sources (and its entity).
func manySources(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<%sx> %s <%sState> .\n<%sx> <%sname> \"X\" .\n", tID, tType, tNS, tID, tNS)
	fmt.Fprintf(&b, "<%sx> <%spartOf> <%sx> <%sf> .\n", tID, tNS, tID, tFact)
	fmt.Fprintf(&b, "<%sf> <%sconfidence> \"0.5\"^^%s <%sf> .\n", tFact, tNS, tDec, tFact)
	for i := range n {
		fmt.Fprintf(&b, "<%sf> <%ssource> <https://example.org/%d> <%sf> .\n", tFact, tNS, i, tFact)
	}
	return b.String()
}

// manyNames is one entity with n names (refused: one name per entity).
func manyNames(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<%sx> %s <%sState> .\n", tID, tType, tNS)
	for i := range n {
		fmt.Fprintf(&b, "<%sx> <%sname> \"name %d\" .\n", tID, tNS, i)
	}
	return b.String()
}

// TestManyValuesLoadFast loads 40k values on one entity or fact into a
// memory store. The ceiling is for liveness only: the quadratic code
// needed minutes here; the fixed one needs about a second without the race
// detector. (The memory store only: cayley's bbolt backend has a cost of
// its own, an insert into a bbolt node per quad and node counter, which
// Store bounds by writing in chunks of chunkQuads.)
func TestManyValuesLoadFast(t *testing.T) {
	n := 40000
	if testing.Short() {
		n = 5000
	}
	const ceiling = 60 * time.Second
	cases := []struct {
		name  string
		text  string
		check func(t *testing.T, s *Store, err error)
	}{
		{"aliases", manyAliases(n), func(t *testing.T, s *Store, err error) {
			if err != nil {
				t.Fatal(err)
			}
			node, err := s.Node(context.Background(), "x")
			if err != nil {
				t.Fatal(err)
			}
			if len(node.Aliases) != n {
				t.Errorf("%d aliases, want %d", len(node.Aliases), n)
			}
		}},
		{"sources", manySources(n), func(t *testing.T, s *Store, err error) {
			if err != nil {
				t.Fatal(err)
			}
			f, err := s.Fact(context.Background(), "f")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Sources) != n {
				t.Errorf("%d sources, want %d", len(f.Sources), n)
			}
		}},
		{"names", manyNames(n), func(t *testing.T, s *Store, err error) {
			if err == nil || !strings.Contains(err.Error(), "more than one name") {
				t.Errorf("Load = %v, want an error about more than one name", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpen(t, "memory:")
			start := time.Now()
			_, err := s.Load(context.Background(), Source{Name: tc.name + ".nq", R: strings.NewReader(tc.text)})
			d := time.Since(start)
			t.Logf("%d values, %d bytes: %v", n, len(tc.text), d)
			if d > ceiling {
				t.Errorf("loading %d values on one record took %v (ceiling %v): quadratic again?", n, d, ceiling)
			}
			tc.check(t, s, err)
		})
	}
}

// TestManyValuesSetSemantics checks the read model past the length from
// which a record keeps a set (attrSetMin): repeats are still dropped,
// more provenance can be added to an existing fact and is still checked,
// a retraction removes every value, and a reopened store reads the same.
func TestManyValuesSetSemantics(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	const n = 3 * attrSetMin
	if _, err := s.Load(ctx, Source{Name: "a.nq", R: strings.NewReader(manySources(n) + manyAliases(n))}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Stats(ctx)

	// The same text again adds nothing.
	res, err := s.Load(ctx, Source{Name: "again.nq", R: strings.NewReader(manySources(n) + manyAliases(n))})
	if err != nil || res.Added != 0 {
		t.Fatalf("reload = %+v, %v; want nothing added", res, err)
	}
	// The same aliases as language strings are the same names to a reader.
	var lang strings.Builder
	for i := range n {
		fmt.Fprintf(&lang, "<%sx> <%salias> \"alias %d\"@en .\n", tID, tNS, i)
	}
	if _, err := s.Load(ctx, Source{Name: "lang.nq", R: strings.NewReader(lang.String())}); err != nil {
		t.Fatal(err)
	}
	if node, _ := s.Node(ctx, "x"); len(node.Aliases) != n {
		t.Errorf("%d aliases after adding @en twins, want %d", len(node.Aliases), n)
	}

	// More sources for the existing fact merge with the old ones; a second
	// confidence is refused although the fact has many values.
	more := fmt.Sprintf("<%sf> <%ssource> <https://example.org/%d> <%sf> .\n<%sf> <%ssource> <https://example.org/0> <%sf> .\n",
		tFact, tNS, n, tFact, tFact, tNS, tFact)
	if _, err := s.Load(ctx, Source{Name: "more.nq", R: strings.NewReader(more)}); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Fact(ctx, "f"); len(f.Sources) != n+1 {
		t.Errorf("%d sources, want %d", len(f.Sources), n+1)
	}
	conf := fmt.Sprintf("<%sf> <%sconfidence> \"0.6\"^^%s <%sf> .\n", tFact, tNS, tDec, tFact)
	if _, err := s.Load(ctx, Source{Name: "conf.nq", R: strings.NewReader(conf)}); err == nil || !strings.Contains(err.Error(), "2 values of confidence") {
		t.Errorf("second confidence: %v, want refused", err)
	}

	// Retract removes the relationship and every value of the fact.
	if _, err := s.Retract(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Fact(ctx, "f"); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("Fact after Retract: %v, want not found", err)
	}
	after, _ := s.Stats(ctx)
	// Since before: +n @en aliases, +1 source; the retraction took the
	// relationship, the confidence and n+1 sources.
	if got, want := after.Quads, before.Quads+n+1-(n+3); got != want {
		t.Errorf("quads after the retraction = %d, want %d (before: %d)", got, want, before.Quads)
	}

	// Reopen: the read model rebuilt from bbolt matches.
	s.Close()
	s2 := mustOpen(t, "bbolt:"+dir)
	st, _ := s2.Stats(ctx)
	if st.Quads != after.Quads || st.Facts != after.Facts || st.Entities != after.Entities {
		t.Errorf("reopened: %+v, want %+v", st, after)
	}
	if node, _ := s2.Node(ctx, "x"); len(node.Aliases) != n {
		t.Errorf("reopened: %d aliases, want %d", len(node.Aliases), n)
	}
}
