package blurline

import "testing"

func TestCheckIRI(t *testing.T) {
	for _, tt := range []struct {
		iri string
		ok  bool
	}{
		{"https://example.org/a", true},
		{"urn:uuid:1234", true},
		{"x-y.z+1:rest", true},
		{"relative/path", false},
		{":no-scheme", false},
		{"1http://digit-first", false},
		{"ht_tp://underscore", false},
		{"https://example.org/a b", false},
		{"https://example.org/<a>", false},
		{"https://example.org/a\\b", false},
		{"https://example.org/\x01", false},
		{"", false},
	} {
		if err := CheckIRI(tt.iri); (err == nil) != tt.ok {
			t.Errorf("CheckIRI(%q) = %v, want ok=%v", tt.iri, err, tt.ok)
		}
	}
}
