package server

import (
	"crypto/sha256"
	"strings"
	"testing"
)

// TestMatchComparesAll: a token is compared with every principal's hash,
// whether it matches the first, the last or none, so the time taken does
// not tell which principal it nearly was or how much of it was right.
func TestMatchComparesAll(t *testing.T) {
	var list []principalEntry
	for i := range 5 {
		list = append(list, principalEntry{hash: sha256.Sum256([]byte(strings.Repeat("t", i+1)))})
	}
	for _, tc := range []struct {
		token string
		want  int
	}{{"t", 0}, {"ttttt", 4}, {"ttt", 2}, {"tttt" + "x", -1}, {"", -1}, {strings.Repeat("t", 6), -1}} {
		i, n := match(sha256.Sum256([]byte(tc.token)), list)
		if i != tc.want || n != len(list) {
			t.Errorf("match(%q) = %d after %d comparisons, want %d after %d", tc.token, i, n, tc.want, len(list))
		}
	}
}

// BenchmarkAuthenticate: a right token, a wrong one of the same length,
// one sharing a long prefix and a short one cost the same (compare the
// ns/op of the subbenchmarks, measured in one run).
func BenchmarkAuthenticate(b *testing.B) {
	ps := &Principals{}
	var right string
	for i := range 20 {
		tok := NewToken()
		if i == 10 {
			right = tok
		}
		ps.list = append(ps.list, principalEntry{hash: sha256.Sum256([]byte(tok))})
	}
	for name, tok := range map[string]string{"right": right, "wrong": NewToken(), "prefix": right[:len(right)-1] + "x", "short": "x"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				ps.Authenticate(tok)
			}
		})
	}
}
