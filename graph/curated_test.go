package graph

import (
	"context"
	"strings"
	"testing"
)

// sourceRecord is a complete source record for url.
func sourceRecord(url string) string {
	s := "<" + url + "> "
	return s + typ + " " + ns + "Source> .\n" +
		s + ns + "name> \"A statement\" .\n" +
		s + ns + "publisher> \"A government\" .\n" +
		s + ns + "sourceKind> \"official-statement\" .\n" +
		s + ns + "primary> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n" +
		s + ns + "reliability> \"A\" .\n"
}

// TestCuratedRules checks the rules the seed meets (CheckCurated, and
// every EnsureSeed): a fact's source needs a source record, a source
// record needs publisher, kind, primary and reliability, an attributedTo
// needs an assertedBy. A plain load asks none of it, but a source record
// is checked wherever it is written.
func TestCuratedRules(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	check := func(text string) error {
		_, err := s.CheckCurated(ctx, Source{Name: "in.nq", R: strings.NewReader(text)})
		return err
	}
	fact := goodFact("f1", "apt40", "taskedBy", "mss")
	if err := check(fact); err == nil || !strings.Contains(err.Error(), "in.nq:1: fact <https://w3id.org/blurline/fact/f1> cites <https://example.org/f1>, which has no source record") {
		t.Errorf("a fact without a source record: %v", err)
	}
	if _, err := s.Check(ctx, Source{Name: "in.nq", R: strings.NewReader(fact)}); err != nil {
		t.Errorf("Check (load's rules) refused a fact without a source record: %v", err)
	}
	if err := check(fact + sourceRecord("https://example.org/f1")); err != nil {
		t.Errorf("a fact with its source record: %v", err)
	}
	attr := goodFact("a1", "apt40", "attributedTo", "mss") + sourceRecord("https://example.org/a1")
	if err := check(attr); err == nil || !strings.Contains(err.Error(), "fact <https://w3id.org/blurline/fact/a1> is an attribution with no assertedBy") {
		t.Errorf("an attributedTo without assertedBy: %v", err)
	}
	asserted := attr + fact_("a1") + ns + "assertedBy> " + id + "mss> " + fact_("a1") + ".\n"
	if err := check(asserted); err != nil {
		t.Errorf("an attributedTo with assertedBy: %v", err)
	}
	// An incomplete record fails on every path, a load too.
	incomplete := strings.ReplaceAll(sourceRecord("https://example.org/f1"), "<https://example.org/f1> "+ns+"reliability> \"A\" .\n", "")
	incomplete = strings.ReplaceAll(incomplete, "<https://example.org/f1> "+ns+"publisher> \"A government\" .\n", "")
	for name, err := range map[string]error{
		"CheckCurated": check(fact + incomplete),
		"Load":         loadErr(s, fact+incomplete),
	} {
		if err == nil || !strings.Contains(err.Error(), "source <https://example.org/f1> has no publisher, reliability") {
			t.Errorf("%s of a source without publisher and reliability: %v", name, err)
		}
	}
	bad := strings.ReplaceAll(sourceRecord("https://example.org/f1"), `"A" .`, `"G" .`)
	if err := check(fact + bad); err == nil || !strings.Contains(err.Error(), `reliability: must be an Admiralty grade "A" to "F"`) {
		t.Errorf("grade G: %v", err)
	}
	onEntity := id + "apt40> " + ns + "reliability> \"A\" .\n"
	if err := check(onEntity); err == nil || !strings.Contains(err.Error(), "is a ThreatGroup: reliability belongs on a source record") {
		t.Errorf("reliability on a threat group: %v", err)
	}
}

func fact_(name string) string { return fact + name + "> " }

func loadErr(s *Store, text string) error {
	_, err := s.Load(context.Background(), Source{Name: "in.nq", R: strings.NewReader(text)})
	return err
}
