package server

import (
	"encoding/json"
	"reflect"
)

// jsonenc.go writes the JSON of a response without encoding/json's
// second pass over a value that encodes itself.
//
// The data of a GraphQL response is the schema's ordered object, a
// json.Marshaler. encoding/json calls its MarshalJSON and then runs the
// bytes through its scanner again (appendCompact): to check that they are
// one JSON value, to drop white space between tokens and to escape <, >,
// &, U+2028 and U+2029. On the 2-hop query that second pass cost more than
// writing the value. appendJSON checks the same bytes with compactJSON, a
// plain loop that accepts only one valid JSON value already in the form
// encoding/json would leave it in, and then appends them as they are; for
// anything else it asks encoding/json, so the bytes are json.Marshal's in
// every case.

// appendJSON appends the JSON encoding of v to buf, byte for byte what
// json.Marshal(v) returns.
func appendJSON(buf []byte, v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || !rv.IsNil() {
			if b, err := m.MarshalJSON(); err == nil && compactJSON(b) {
				return append(buf, b...), nil
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// compactJSON reports whether b is exactly one JSON value that
// encoding/json's compaction with HTML escaping leaves unchanged: valid,
// with no white space between tokens and no <, >, &, U+2028 or U+2029 (which
// it escapes). It may say no to such a value (nesting deeper than
// maxCompactDepth), never yes to another.
func compactJSON(b []byte) bool {
	end, ok := compactValue(b, 0, 0)
	return ok && end == len(b)
}

// maxCompactDepth bounds the nesting compactJSON follows, well below
// encoding/json's own limit.
const maxCompactDepth = 1000

// inString marks the bytes a string may not hold as they are, or that
// compactJSON must look at: control characters, the quote, the backslash,
// the HTML characters and 0xE2, the first byte of U+2028 and U+2029.
var inString = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		t[c] = true
	}
	return t
}()

// compactValue checks the value at b[i:] and returns the offset after it.
func compactValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '{':
		if depth >= maxCompactDepth {
			return i, false
		}
		i++
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			var ok bool
			if i, ok = compactString(b, i); !ok || i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = compactValue(b, i+1, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '[':
		if depth >= maxCompactDepth {
			return i, false
		}
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = compactValue(b, i, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '"':
		return compactString(b, i)
	case c == '-' || '0' <= c && c <= '9':
		return compactNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, false
}

// compactString checks the string whose quote is at b[i].
func compactString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		c := b[i]
		if !inString[c] {
			continue
		}
		switch c {
		case '"':
			return i + 1, true
		case '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return i, false
				}
				for _, h := range b[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		case 0xE2:
			if i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8 {
				return i, false // U+2028 or U+2029
			}
		default:
			return i, false // a control character or <, >, &
		}
	}
	return i, false
}

// compactNumber checks the number that starts at b[i].
func compactNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}
