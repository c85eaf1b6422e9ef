package schema

import (
	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql/gqlerrors"
)

// Lexical guards run on the query text before graphql-go parses it. Some
// of graphql-go's parsing and validation work grows faster than the text:
// a 64 KiB document of nested selections took minutes, 6000 unused
// variables or 1900 unused fragments tens of seconds. These bounds stop
// such documents in linear time; no real query comes near them.
// graphql-go's validation also grows with the square of the errors it
// reports (each error's location is found by scanning the text from its
// start): 4000 unknown directives took 3 s, 3000 anonymous operations 6 s.
// Directives and operations are bounded here, and validation stops
// collecting errors at MaxErrors (gqlgo.go).
const (
	maxDirectives = 200  // "@" directives anywhere
	maxOperations = 100  // operation definitions (top-level selection sets that are not fragments)
	maxNesting    = 40   // { [ ( open at once
	maxSpreads    = 300  // "..." fragment spreads and inline fragments
	maxVariables  = 100  // "$" uses and definitions
	maxFragments  = 500  // fragment definitions
	maxArgColons  = 2500 // ":" inside ( ): arguments and variable definitions
	maxAllColons  = 8000 // ":" anywhere: also aliases and object fields
)

// lexicalGuard scans the text once, skipping strings, block strings and
// comments, and returns a request error when a bound is passed.
func lexicalGuard(q string) []gqlerrors.FormattedError {
	depth, parens, spreads, vars, frags, colons, argColons := 0, 0, 0, 0, 0, 0, 0
	directives, ops, inFragment := 0, 0, false
	fail := requestErrors
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '#':
			for i < len(q) && q[i] != '\n' && q[i] != '\r' {
				i++
			}
		case '"':
			if i+2 < len(q) && q[i+1] == '"' && q[i+2] == '"' {
				i += 3
				for i+2 < len(q) && !(q[i] == '"' && q[i+1] == '"' && q[i+2] == '"' && q[i-1] != '\\') {
					i++
				}
				i += 2
				continue
			}
			for i++; i < len(q) && q[i] != '"' && q[i] != '\n'; i++ {
				if q[i] == '\\' {
					i++
				}
			}
		case '{', '[', '(':
			if c == '(' {
				parens++
			}
			if c == '{' && depth == 0 {
				if !inFragment {
					if ops++; ops > maxOperations {
						return fail(blurline.ErrLimit, "the document has more than %d operations", maxOperations)
					}
				}
				inFragment = false
			}
			depth++
			if depth > maxNesting {
				return fail(blurline.ErrDepth, "the document nests braces, brackets or parentheses more than %d deep", maxNesting)
			}
		case '}', ']', ')':
			if c == ')' && parens > 0 {
				parens--
			}
			if depth > 0 {
				depth--
			}
		case '.':
			if i+2 < len(q) && q[i+1] == '.' && q[i+2] == '.' {
				i += 2
				if spreads++; spreads > maxSpreads {
					return fail(blurline.ErrCost, "the document has more than %d fragment spreads", maxSpreads)
				}
			}
		case '@':
			if directives++; directives > maxDirectives {
				return fail(blurline.ErrLimit, "the document has more than %d directives", maxDirectives)
			}
		case '$':
			if vars++; vars > maxVariables {
				return fail(blurline.ErrLimit, "the document uses variables more than %d times", maxVariables)
			}
		case ':':
			if parens > 0 {
				if argColons++; argColons > maxArgColons {
					return fail(blurline.ErrLimit, "the document has more than %d arguments", maxArgColons)
				}
			}
			if colons++; colons > maxAllColons {
				return fail(blurline.ErrLimit, "the document has more than %d arguments, aliases and fields with values", maxAllColons)
			}
		case 'f':
			if (i == 0 || !isNameByte(q[i-1])) && len(q)-i > 8 && q[i:i+8] == "fragment" && !isNameByte(q[i+8]) {
				if depth == 0 {
					inFragment = true
				}
				if frags++; frags > maxFragments {
					return fail(blurline.ErrLimit, "the document defines more than %d fragments", maxFragments)
				}
			}
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
