package schema

import (
	"strings"
	"testing"
)

// TestLexicalGuard: documents that keep graphql-go busy for seconds to
// minutes are refused before parsing, with their codes; normal documents,
// and the same characters inside strings and comments, pass.
func TestLexicalGuard(t *testing.T) {
	cases := []struct {
		name, doc, code string
	}{
		{"nested selections", strings.Repeat("{a", 5000) + strings.Repeat("}", 5000), "DEPTH_LIMIT_EXCEEDED"},
		{"nested list value", "{a(x:" + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + ")}", "DEPTH_LIMIT_EXCEEDED"},
		{"many spreads", "{" + strings.Repeat("...F ", 400) + "}", "COST_LIMIT_EXCEEDED"},
		{"many variables", "query(" + strings.Repeat("$v:Int ", 200) + "){a}", "LIMIT_EXCEEDED"},
		{"many fragments", strings.Repeat("fragment F on Query{a} ", 600) + "{a}", "LIMIT_EXCEEDED"},
		{"many arguments", "{a(" + strings.Repeat("x:1 ", 3000) + ")}", "LIMIT_EXCEEDED"},
		{"fine", "# { { { ((( $$$ ...\n{ a(s: \"{{{{{{ $$$ ...\", t: \"\"\" ((((( \"\"\") }", ""},
	}
	for _, c := range cases {
		errs := lexicalGuard(c.doc)
		got := ""
		if len(errs) > 0 {
			got, _ = errs[0].Extensions["code"].(string)
		}
		if got != c.code {
			t.Errorf("%s: code %q, want %q", c.name, got, c.code)
		}
	}
}

func TestPrepareRecoversGraphQLGoPanic(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	_, errs := a.Prepare(`query($a:) { __typename }`, "")
	if len(errs) == 0 {
		t.Fatal("a variable without a type was accepted")
	}
	if code := errs[0].Extensions["code"]; code != "GRAPHQL_VALIDATION_FAILED" && code != "GRAPHQL_PARSE_FAILED" {
		t.Errorf("code = %v, want a validation or parse failure", code)
	}
}
