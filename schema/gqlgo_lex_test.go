package schema

import (
	"context"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// TestLexicalGuard: documents that keep graphql-go busy for seconds to
// minutes are refused before parsing, with their codes; normal documents,
// and the same characters inside strings and comments, pass.
func TestLexicalGuard(t *testing.T) {
	cases := []struct {
		name, doc string
		code      int // a blurline.Kind; -1 for accepted
	}{
		{"nested selections", strings.Repeat("{a", 5000) + strings.Repeat("}", 5000), int(blurline.ErrDepth)},
		{"nested list value", "{a(x:" + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + ")}", int(blurline.ErrDepth)},
		{"many spreads", "{" + strings.Repeat("...F ", 400) + "}", int(blurline.ErrCost)},
		{"many variables", "query(" + strings.Repeat("$v:Int ", 200) + "){a}", int(blurline.ErrLimit)},
		{"many fragments", strings.Repeat("fragment F on Query{a} ", 600) + "{a}", int(blurline.ErrLimit)},
		{"many arguments", "{a(" + strings.Repeat("x:1 ", 3000) + ")}", int(blurline.ErrLimit)},
		{"fine", "# { { { ((( $$$ ...\n{ a(s: \"{{{{{{ $$$ ...\", t: \"\"\" ((((( \"\"\") }", -1},
	}
	for _, c := range cases {
		errs := lexicalGuard(c.doc)
		got := -1 // accepted
		if len(errs) > 0 {
			got = int(kindOf(errs[0]))
		}
		if got != c.code {
			t.Errorf("%s: kind %d, want %d", c.name, got, c.code)
		}
	}
}

func TestPrepareRecoversGraphQLGoPanic(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	_, errs := a.Prepare(context.Background(), `query($a:) { __typename }`, "")
	if len(errs) == 0 {
		t.Fatal("a variable without a type was accepted")
	}
	if code := kindOf(errs[0]); code != blurline.ErrValidation && code != blurline.ErrParse {
		t.Errorf("code = %v, want a validation or parse failure", code)
	}
}
