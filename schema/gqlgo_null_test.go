package schema

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

func TestBlankNulls(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{ a(x: null) }`, `{ a          }`},
		{`{ a(x: null, y: 1) }`, `{ a(       , y: 1) }`},
		{`{ a(y: 1 x: null) }`, `{ a(y: 1        ) }`},
		{`query($d: Direction = null) { a }`, `query($d: Direction       ) { a }`},
		{`{ a(o: {k: null, j: 2}) }`, `{ a(o: {       , j: 2}) }`},
		{`{ a(s: "x: null") }`, `{ a(s: "x: null") }`},
		{`{ a(s: """x: null""") } # b: null`, `{ a(s: """x: null""") } # b: null`},
		{`{ a(l: [null]) }`, `{ a(l: [null]) }`},
		{`{ nullable: a }`, `{ nullable: a }`},
	} {
		if got := string(blankNulls([]byte(c.in))); got != c.want {
			t.Errorf("blankNulls(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNullArguments checks that null and absent arguments mean the same.
func TestNullArguments(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	ctx := context.Background()
	absent := mustData(t, ctx, a, `{ entity(id: "apt40") { relationships(first: 3) { totalCount } } }`, nil)
	for _, q := range []string{
		`{ entity(id: "apt40") { relationships(direction: null, first: 3, asOf: null) { totalCount } } }`,
		`query($d: Direction = null) { entity(id: "apt40") { relationships(direction: $d, first: 3) { totalCount } } }`,
	} {
		if got := mustData(t, ctx, a, q, nil); got != absent {
			t.Errorf("%s = %s, want %s", q, got, absent)
		}
	}
	if got := mustData(t, ctx, a, `query($d: Direction) { entity(id: "apt40") { relationships(direction: $d, first: 3) { totalCount } } }`, map[string]any{"d": nil}); got != absent {
		t.Errorf("$d null = %s, want %s", got, absent)
	}
	// An empty string where an enum is expected: a clear BAD_USER_INPUT.
	res := do(t, ctx, a, `query($direction: Direction) { entity(id: "apt40") { relationships(direction: $direction) { totalCount } } }`, map[string]any{"direction": ""})
	b, _ := json.Marshal(res.Errors)
	if len(res.Errors) != 1 || codes(res)[0] != blurline.ErrInvalid || !contains(res.Errors[0].Message, "$direction", "empty string is not a Direction value", "BOTH, IN, OUT") {
		t.Errorf("empty enum: %s", b)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
