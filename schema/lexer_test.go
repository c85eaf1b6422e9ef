package schema

import (
	"context"
	"reflect"
	"testing"

	"github.com/blurline/blurline"
)

// TestNonASCIIComments: graphql-go v0.8.1 misreads the name after a comment
// holding a multi-byte character (the playground's first example says
// "the ▶ button"); maskComments works around it without touching strings.
func TestNonASCIIComments(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	for _, q := range []string{
		"# Run it with the ▶ button\nquery Stats { stats { quads } }",
		"# é, 中文, 🙂\n# and more\nquery Stats($f: Int = 1) { entities(first: $f) { totalCount } }",
		"\uFEFFquery Stats { stats { quads } }",
		"query Stats { # ▶ inside\n stats { quads } }",
		"query Stats { entities(search: \"Müller # ▶\") { totalCount } }",
		"query Stats { entities(search: \"\"\"▶ \\\"\"\" # ▶\"\"\") { totalCount } }",
	} {
		if res := do(t, context.Background(), a, q, nil); len(res.Errors) > 0 {
			t.Errorf("%q: %v", q, res.Errors)
		}
	}
	for in, want := range map[string]string{
		"# ▶\n{ x }":                          "#  \n{ x }",
		"{ x(s: \"▶ # ▶\") } # ▶":             "{ x(s: \"▶ # ▶\") } #  ",
		"{ x(s: \"\\\"▶\") } # é":             "{ x(s: \"\\\"▶\") } #  ",
		"{ x(s: \"\"\"▶\\\"\"\"#▶\"\"\") }#▶": "{ x(s: \"\"\"▶\\\"\"\"#▶\"\"\") }# ",
		"\uFEFF{ x }":                         " { x }",
	} {
		if got := string(maskComments(in)); got != want {
			t.Errorf("maskComments(%q) = %q, want %q", in, got, want)
		}
	}
	// Error locations stay where they were, in characters.
	res := do(t, context.Background(), a, "# ▶▶▶\n{ stats { quads } ", nil)
	if got := codes(res); !reflect.DeepEqual(got, []blurline.Kind{blurline.ErrParse}) || res.Errors[0].Locations[0].Line != 2 || res.Errors[0].Locations[0].Column != 19 {
		t.Errorf("a syntax error after a ▶ comment: %v", res.Errors)
	}
}
