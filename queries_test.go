package blurline

import "testing"

// TestEvidence checks the evidence filter: a fact passes when one of its
// sources has a record meeting every condition, the same source for all.
func TestEvidence(t *testing.T) {
	recs := map[string]*SourceRecord{
		"https://gov.example/statement": {Kind: OfficialStatement, Reliability: "A", Primary: true},
		"https://news.example/report":   {Kind: News, Reliability: "C"},
		"https://unknown.example/x":     {Kind: News, Reliability: "F"},
	}
	look := func(u string) *SourceRecord { return recs[u] }
	both := &Fact{Sources: []string{"https://news.example/report", "https://gov.example/statement"}}
	news := &Fact{Sources: []string{"https://news.example/report"}}
	bare := &Fact{Sources: []string{"https://nowhere.example/"}}
	unjudged := &Fact{Sources: []string{"https://unknown.example/x"}}
	for _, tc := range []struct {
		name string
		ev   Evidence
		f    *Fact
		want bool
	}{
		{"no condition keeps a bare URL", Evidence{}, bare, true},
		{"A meets A", Evidence{MinReliability: "A", Records: look}, both, true},
		{"C fails A", Evidence{MinReliability: "A", Records: look}, news, false},
		{"C meets D", Evidence{MinReliability: "D", Records: look}, news, true},
		{"no record meets no minimum", Evidence{MinReliability: "E", Records: look}, bare, false},
		{"F fails E", Evidence{MinReliability: "E", Records: look}, unjudged, false},
		{"F meets F", Evidence{MinReliability: "F", Records: look}, unjudged, true},
		{"kind", Evidence{Kinds: []SourceKind{OfficialStatement}, Records: look}, both, true},
		{"kind missing", Evidence{Kinds: []SourceKind{CourtFiling}, Records: look}, both, false},
		{"one source meets both", Evidence{MinReliability: "B", Kinds: []SourceKind{News}, Records: look}, both, false},
		{"a condition without records keeps nothing", Evidence{MinReliability: "F"}, both, false},
	} {
		if got := tc.ev.Keeps(tc.f); got != tc.want {
			t.Errorf("%s: Keeps = %v, want %v", tc.name, got, tc.want)
		}
		f := FactFilter{Evidence: tc.ev}
		if got := f.Match(tc.f); got != tc.want {
			t.Errorf("%s: FactFilter.Match = %v, want %v", tc.name, got, tc.want)
		}
	}
	if (&Evidence{MinReliability: "A", Kinds: []SourceKind{News, CourtFiling}}).Key() != (&Evidence{MinReliability: "A", Kinds: []SourceKind{CourtFiling, News}}).Key() {
		t.Errorf("Key depends on the order of kinds")
	}
}
