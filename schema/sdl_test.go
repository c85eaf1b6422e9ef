package schema

import (
	"strings"
	"testing"

	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

// TestSDL checks that the printed schema parses and names what it must.
// The Node client test (server) checks it against graphql-js: built from
// the SDL and from introspection, the two schemas print the same.
func TestSDL(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	sdl := a.SDL()
	// graphql-go's parser predates descriptions on the schema definition.
	body := strings.TrimPrefix(sdl, `"""`+schemaDescription+`"""`+"\n")
	if _, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(body)})}); err != nil {
		t.Fatalf("the SDL does not parse: %v\n%s", err, sdl)
	}
	for _, want := range []string{
		"schema {\n  query: Query\n  mutation: Mutation\n}",
		`scalar Date @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc3339")`,
		"interface Entity {",
		"type ThreatGroup implements Entity & Node {",
		"interface Node {",
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("the SDL lacks %q", want)
		}
	}
}
