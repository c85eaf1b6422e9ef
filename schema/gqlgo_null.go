package schema

// gqlgo_null.go works around graphql-go v0.8.1's parser, which predates
// the null literal: `relationships(direction: null)` is a syntax error
// there. Blurline treats an explicit null and an absent argument alike
// (docs/api.md), so blankNulls turns `name: null` in an argument list or
// an input object, and `= null` after a variable's type, into spaces
// before graphql-go parses the document: the document means what the
// client meant, and error locations do not move. An argument list left
// empty loses its parentheses too (`entity()` is not GraphQL). A null
// inside a list ([null]) is left alone and stays a syntax error.

// blankNulls returns body with its null literals blanked (body itself
// when it has none).
func blankNulls(body []byte) []byte {
	if !containsNull(body) {
		return body
	}
	out := append([]byte(nil), body...)
	type paren struct{ open, items, removed int }
	var parens []paren // the argument lists and variable definitions open at i
	var lastColon, lastEquals = -1, -1
	var nameStart = -1 // start of the name before the last colon
	prevName := -1     // start of the last name token
	prevNameEnd := -1
	for i := 0; i < len(out); {
		c := out[i]
		switch {
		case c == '#':
			for i < len(out) && out[i] != '\n' && out[i] != '\r' {
				i++
			}
			continue
		case c == '"':
			if i+2 < len(out) && out[i+1] == '"' && out[i+2] == '"' {
				i += 3
				for i < len(out) {
					if out[i] == '\\' && i+3 < len(out) && string(out[i+1:i+4]) == `"""` {
						i += 4
						continue
					}
					if i+2 < len(out) && string(out[i:i+3]) == `"""` {
						i += 3
						break
					}
					i++
				}
			} else {
				i++
				for i < len(out) && out[i] != '"' && out[i] != '\n' {
					if out[i] == '\\' {
						i++
					}
					i++
				}
				i++
			}
			lastColon, lastEquals = -1, -1
			continue
		case c == '(':
			parens = append(parens, paren{open: i})
		case c == ')':
			if n := len(parens); n > 0 {
				p := parens[n-1]
				parens = parens[:n-1]
				if p.items > 0 && p.items == p.removed {
					out[p.open], out[i] = ' ', ' '
				}
			}
		case c == ':':
			lastColon, nameStart = i, prevName
			if n := len(parens); n > 0 && prevNameEnd >= 0 && prevName > parens[n-1].open {
				parens[n-1].items++
			}
			i++
			continue
		case c == '=':
			lastEquals = i
			i++
			continue
		case isNameStart(c):
			j := i
			for j < len(out) && isNameChar(out[j]) {
				j++
			}
			if string(out[i:j]) == "null" {
				switch {
				case lastColon >= 0 && nameStart >= 0 && onlySpace(out[prevNameEnd:lastColon]) && onlySpace(out[lastColon+1:i]):
					blank(out[nameStart:j])
					if n := len(parens); n > 0 && nameStart > parens[n-1].open {
						parens[n-1].removed++
					}
				case lastEquals >= 0 && onlySpace(out[lastEquals+1:i]):
					blank(out[lastEquals:j])
				}
			}
			prevName, prevNameEnd = i, j
			lastColon, lastEquals = -1, -1
			i = j
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
			continue
		}
		if c != ':' && c != '=' {
			lastColon, lastEquals = -1, -1
		}
		i++
	}
	return out
}

func containsNull(b []byte) bool {
	for i := 0; i+4 <= len(b); i++ {
		if b[i] == 'n' && string(b[i:i+4]) == "null" {
			return true
		}
	}
	return false
}

func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || '0' <= c && c <= '9' }

func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' {
			return false
		}
	}
	return true
}

// blank replaces b with spaces, keeping line ends (so lines do not move).
func blank(b []byte) {
	for i, c := range b {
		if c != '\n' && c != '\r' {
			b[i] = ' '
		}
	}
}
