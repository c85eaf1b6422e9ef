package blurline

import (
	"fmt"
	"strings"
)

// IsAbsIRI reports whether s starts with a scheme and a colon, as an
// absolute IRI does (RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
func IsAbsIRI(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (j == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// IRIForbidden reports whether r may not stand in an IRI written in N-Quads
// (an IRIREF excludes control characters, space and <>"{}|^`\ even escaped).
func IRIForbidden(r rune) bool {
	return r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r)
}

// CheckIRI says why s cannot be stored as an IRI: it is not absolute, or it
// holds a character N-Quads does not allow. It applies the N-Quads reader's
// rules to an IRI built in code.
func CheckIRI(s string) error {
	if !IsAbsIRI(s) {
		return fmt.Errorf("%q is not absolute", s)
	}
	for _, r := range s {
		if IRIForbidden(r) {
			return fmt.Errorf("character %q is not allowed in an IRI", r)
		}
	}
	return nil
}
