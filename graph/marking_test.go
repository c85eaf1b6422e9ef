package graph

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/marktest"
)

// reader returns a context whose reads act for a principal cleared for m.
func reader(m blurline.Marking) context.Context {
	return blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "r-" + m.String(), Scopes: blurline.AllScopes, MaxMarking: m})
}

// TestMarkings loads a graph holding facts and entities of every marking
// and checks, on every backend and after a reopen (the snapshot file, the
// rebuild), that a reader of each clearance sees exactly what it may:
// entities, facts, counts, search, paths, neighbourhoods, the export, and
// the same NOT_FOUND for a hidden id as for a missing one.
func TestMarkings(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			if _, err := s.Load(context.Background(), Source{Name: "marked.nq", R: strings.NewReader(marktest.NQuads())}); err != nil {
				t.Fatal(err)
			}
			checkMarkings(t, s)
			if name == "bbolt" {
				addr := "bbolt:" + strings.TrimPrefix(s.Addr(), "bbolt:")
				s.Close()
				checkMarkings(t, mustOpen(t, addr)) // from the snapshot file
			}
		})
	}
}

func checkMarkings(t *testing.T, s *Store) {
	t.Helper()
	for _, m := range marktest.Markings {
		ctx, _ := s.Pin(reader(m))
		wantE, wantF := marktest.Entities(m), marktest.Facts(m)
		nodes, err := s.FindNodes(ctx, blurline.NodeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var gotE []string
		for _, n := range nodes {
			gotE = append(gotE, n.ID)
		}
		slices.Sort(gotE)
		if !slices.Equal(gotE, wantE) {
			t.Errorf("%s: FindNodes = %v, want %v", m, gotE, wantE)
		}
		facts, err := s.Facts(ctx, blurline.FactQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var gotF []string
		for _, f := range facts {
			gotF = append(gotF, f.ID)
			if f.Marking > m {
				t.Errorf("%s: fact %s marked %s", m, f.ID, f.Marking)
			}
		}
		if !slices.Equal(gotF, wantF) {
			t.Errorf("%s: Facts = %v, want %v", m, gotF, wantF)
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		groups := len(wantE) - 3 // one group, and its sponsoredBy fact, per marking at most m
		if st.Entities != len(wantE) || st.Facts != len(wantF) || st.ByClass[blurline.ThreatGroup] != groups || st.ByPredicate[blurline.SponsoredBy] != groups {
			t.Errorf("%s: Stats = %+v, want %d entities and %d facts", m, st, len(wantE), len(wantF))
		}
		var exp bytes.Buffer
		if _, err := s.Export(ctx, &exp); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(exp.String(), "\n"); n != st.Quads {
			t.Errorf("%s: Stats.Quads = %d, the export has %d", m, st.Quads, n)
		}
		for _, id := range marktest.Hidden(m) {
			if strings.Contains(exp.String(), id) {
				t.Errorf("%s: the export names hidden %q", m, id)
			}
		}
		// A hidden id is not found, exactly as a missing one.
		_, errNode := s.Node(ctx, "missing")
		_, errFact := s.Fact(ctx, "missing")
		for _, id := range marktest.Hidden(m) {
			_, errN := s.Node(ctx, id)
			_, errF := s.Fact(ctx, id)
			if strings.HasPrefix(id, "grp-") && (!errors.Is(errN, blurline.ErrNotFound) || errN.Error() != strings.Replace(errNode.Error(), "missing", id, 1)) {
				t.Errorf("%s: Node(%s) = %v", m, id, errN)
			}
			if strings.HasPrefix(id, "f-") && (!errors.Is(errF, blurline.ErrNotFound) || errF.Error() != strings.Replace(errFact.Error(), "missing", id, 1)) {
				t.Errorf("%s: Fact(%s) = %v", m, id, errF)
			}
		}
		ag, err := s.Node(ctx, marktest.Agency)
		if err != nil {
			t.Fatal(err)
		}
		wantAlias, wantMark := m >= blurline.TLPAmber, blurline.TLPClear
		if wantAlias {
			wantMark = blurline.TLPAmber
		}
		if slices.Contains(ag.Aliases, marktest.SecretAlias) != wantAlias || ag.Marking != wantMark {
			t.Errorf("%s: agency = %+v, want the AMBER alias: %v, marking %s", m, ag, wantAlias, wantMark)
		}
		if found, _ := s.FindNodes(ctx, blurline.NodeQuery{Text: marktest.SecretAlias}); (len(found) == 1) != wantAlias {
			t.Errorf("%s: FindNodes(%q) = %d entities", m, marktest.SecretAlias, len(found))
		}
		of, _ := s.FactsOf(ctx, []string{marktest.Agency}, blurline.Both, blurline.FactFilter{})
		if len(of[0]) != 1+groups {
			t.Errorf("%s: FactsOf(agency) = %d facts", m, len(of[0]))
		}
		// Paths: the group and the victim meet only through a RED fact
		// or a RED entity.
		paths, err := s.ShortestPaths(ctx, marktest.State, marktest.Victim, blurline.PathOptions{MaxHops: 6})
		if err != nil && !errors.Is(err, blurline.ErrNotFound) {
			t.Fatal(err)
		}
		if (len(paths) > 0) != (m == blurline.TLPRed) {
			t.Errorf("%s: ShortestPaths(state, victim) = %v", m, paths)
		}
		sub, err := s.Neighbourhood(ctx, marktest.Agency, 3, 100, blurline.FactFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range sub.Nodes {
			if !slices.Contains(wantE, n.ID) {
				t.Errorf("%s: Neighbourhood has hidden %s", m, n.ID)
			}
		}
		for _, f := range sub.Facts {
			if !slices.Contains(wantF, f.ID) {
				t.Errorf("%s: Neighbourhood has hidden %s", m, f.ID)
			}
		}
		// A write may not take back what its writer cannot see.
		if m < blurline.TLPRed {
			if _, err := s.Retract(reader(m), marktest.RedFact); !errors.Is(err, blurline.ErrNotFound) {
				t.Errorf("%s: Retract(hidden) = %v, want not found", m, err)
			}
		}
	}
	// The owner (no principal) sees everything.
	st, _ := s.Stats(context.Background())
	if st.Facts != len(marktest.Facts(blurline.TLPRed)) {
		t.Errorf("owner: Stats = %+v", st)
	}
}

// TestDefaultMarking loads unmarked N-Quads at AMBER: a CLEAR reader sees
// none of it, and the default graph's CLEAR description of an entity the
// input describes again stays visible.
func TestDefaultMarking(t *testing.T) {
	s := mustOpen(t, "memory:")
	ctx := context.Background()
	if _, err := s.Load(ctx, Source{Name: "marked.nq", R: strings.NewReader(marktest.NQuads())}); err != nil {
		t.Fatal(err)
	}
	text := `<https://w3id.org/blurline/id/ag-mss> <https://w3id.org/blurline/ns#alias> "Unit 7" .
<https://w3id.org/blurline/id/new-grp> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#ThreatGroup> .
<https://w3id.org/blurline/id/new-grp> <https://w3id.org/blurline/ns#name> "New Group" .
<https://w3id.org/blurline/id/new-grp> <https://w3id.org/blurline/ns#sponsoredBy> <https://w3id.org/blurline/id/ag-mss> <https://w3id.org/blurline/fact/f-new> .
<https://w3id.org/blurline/fact/f-new> <https://w3id.org/blurline/ns#source> <https://example.org/new> <https://w3id.org/blurline/fact/f-new> .
<https://w3id.org/blurline/fact/f-new> <https://w3id.org/blurline/ns#confidence> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/blurline/fact/f-new> .
`
	if _, err := s.LoadNQuads(ctx, "unmarked.nq", text, blurline.WriteOptions{Marking: blurline.TLPAmber}); err != nil {
		t.Fatal(err)
	}
	for _, m := range marktest.Markings {
		ctx := reader(m)
		sees := m >= blurline.TLPAmber
		ag, err := s.Node(ctx, marktest.Agency)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if slices.Contains(ag.Aliases, "Unit 7") != sees {
			t.Errorf("%s: agency aliases %v", m, ag.Aliases)
		}
		if _, err := s.Node(ctx, "new-grp"); (err == nil) != sees {
			t.Errorf("%s: Node(new-grp) = %v", m, err)
		}
		if f, err := s.Fact(ctx, "f-new"); (err == nil) != sees || sees && f.Marking != blurline.TLPAmber {
			t.Errorf("%s: Fact(f-new) = %+v, %v", m, f, err)
		}
	}
	// Written nodes and facts carry their own markings.
	if _, err := s.Write(ctx, []blurline.Node{{ID: "w-grp", Class: blurline.ThreatGroup, Name: "W", Marking: blurline.TLPGreen}},
		[]blurline.Fact{{ID: "f-w", Subject: "w-grp", Predicate: blurline.SponsoredBy, Object: marktest.Agency, Sources: []string{"https://example.org/w"}, Confidence: 0.5, Marking: blurline.TLPGreen}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Fact(reader(blurline.TLPClear), "f-w"); !errors.Is(err, blurline.ErrNotFound) {
		t.Errorf("CLEAR reads the GREEN fact: %v", err)
	}
	if f, err := s.Fact(reader(blurline.TLPGreen), "f-w"); err != nil || f.Marking != blurline.TLPGreen {
		t.Errorf("GREEN: Fact(f-w) = %+v, %v", f, err)
	}
}

// TestWriteAboutHidden: a write that names an entity its writer may not
// see is refused as one naming a missing entity, with the same message.
func TestWriteAboutHidden(t *testing.T) {
	s := mustOpen(t, "memory:")
	if _, err := s.Load(context.Background(), Source{Name: "marked.nq", R: strings.NewReader(marktest.NQuads())}); err != nil {
		t.Fatal(err)
	}
	write := func(obj string) error {
		_, err := s.Write(reader(blurline.TLPGreen), nil, []blurline.Fact{{Subject: marktest.Agency, Predicate: blurline.RelatedTo, Object: obj,
			Sources: []string{"https://example.org/w"}, Confidence: 0.5, Marking: blurline.TLPGreen}})
		return err
	}
	hidden, missing := write(marktest.Group(blurline.TLPRed)), write("no-such")
	if !errors.Is(hidden, blurline.ErrInvalid) || hidden.Error() != strings.ReplaceAll(missing.Error(), "no-such", marktest.Group(blurline.TLPRed)) {
		t.Errorf("write about a hidden entity: %v\nabout a missing one: %v", hidden, missing)
	}
}
