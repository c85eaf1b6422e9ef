package blurline

import "testing"

func TestNearest(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		ok         bool
		class      bool
	}{
		{"attribuedTo", "attributedTo", true, false},
		{"attributedto", "attributedTo", true, false},
		{"confidance", "confidence", true, false},
		{"sponsorBy", "sponsoredBy", true, false},
		{"xyz", "", false, false},
		{"totallyUnrelatedWord", "", false, false},
		{"ThreatGrup", "ThreatGroup", true, true},
		{"intelligenceservice", "IntelligenceService", true, true},
		{"Spaceship", "", false, true},
	} {
		var got string
		var ok bool
		if tt.class {
			var c Class
			c, ok = NearestClass(tt.name)
			got = string(c)
		} else {
			got, ok = NearestTerm(tt.name)
		}
		if got != tt.want || ok != tt.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
