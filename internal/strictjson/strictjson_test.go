package strictjson

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     string // "" for no error
	}{
		{"object", `{"a": 1}`, ""},
		{"trailing space", "{\"a\": 1}\n\t ", ""},
		{"trailing data", `{"a": 1} {"b": 2}`, "line 1, column 10: data after the JSON value"},
		{"trailing data on a later line", "{\"a\": 1}\n\nx", "line 3, column 1: data after the JSON value"},
		{"unterminated", `{"a": [`, "line 1, column 8: invalid JSON: unexpected end of input"},
		{"empty", ``, "line 1, column 1: invalid JSON: unexpected end of input"},
		{"syntax", "{\n\"a\": 1,,}", "line 2, column 8: invalid JSON: invalid character ','"},
		{"wrong type", `[1]`, "line 1, column 2: a JSON array where an object was expected"},
		{"null", `null`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v map[string]any
			check(t, tt.in, Decode([]byte(tt.in), &v), tt.want)
		})
	}
}

func check(t *testing.T, in string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("Decode(%q) = %v, want nil", in, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("Decode(%q) = %v, want an error containing %q", in, err, want)
	case err != nil && strings.Contains(err.Error(), "Go "):
		t.Errorf("Decode(%q) = %v, names a Go type", in, err)
	}
}

func TestDecodeNumbers(t *testing.T) {
	var v any
	if err := DecodeNumbers([]byte(`{"n": 12345678901234567890}`), &v); err != nil {
		t.Fatal(err)
	}
	if n, ok := v.(map[string]any)["n"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("DecodeNumbers kept n as %#v, want json.Number 12345678901234567890", v.(map[string]any)["n"])
	}
}

func TestSnippet(t *testing.T) {
	if got := Snippet(map[string]int{"a": 1}); got != `{"a":1}` {
		t.Errorf("Snippet = %q, want %q", got, `{"a":1}`)
	}
	if got := Snippet(strings.Repeat("x", 100)); len(got) != 60 || !strings.HasSuffix(got, "...") {
		t.Errorf("Snippet of a long string = %q (%d bytes), want 60 bytes ending in ...", got, len(got))
	}
}

func TestDecodeFieldType(t *testing.T) {
	var v struct{ A int }
	err := Decode([]byte(`{"A": "x"}`), &v)
	check(t, `{"A": "x"}`, err, `"A": a JSON string where a number was expected`)
}
