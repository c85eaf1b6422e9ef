package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// compactCases are JSON texts, compact or not, valid or not.
var compactCases = []struct {
	in      string
	compact bool // compactJSON must say yes
}{
	{`{"data":{"entity":{"id":"s1-bureau0","relationships":{"edges":[{"node":{"other":{"id":"state1"}}}]}}}}`, true},
	{`{}`, true},
	{`[]`, true},
	{`""`, true},
	{"\"a b\tc\"", false}, // a raw tab: not JSON
	{`"a b\\tc \" \\ \/ \b \f \n \r \u00e9 \uD83D\uDE00"`, true},
	{`"é 漢字 \u2028"`, true},
	{"\"\u2028\"", false}, // escaped by encoding/json
	{"\"\u2029\"", false},
	{"\"\u2027\"", true},
	{`"<b>"`, false},
	{`"a&b"`, false},
	{`"\u003cb\u003e"`, true},
	{`0`, true},
	{`-0`, true},
	{`-0.5e-3`, true},
	{`1E+20`, true},
	{`123.456`, true},
	{`01`, false},
	{`1.`, false},
	{`.5`, false},
	{`-`, false},
	{`1e`, false},
	{`+1`, false},
	{`true`, true},
	{`false`, true},
	{`null`, true},
	{`nul`, false},
	{`truex`, false},
	{`[1,2,[3,{"a":null}]]`, true},
	{`[1,2,]`, false},
	{`[,]`, false},
	{`{"a":1,}`, false},
	{`{"a"}`, false},
	{`{a:1}`, false},
	{`{"a":1 }`, false}, // white space: compaction drops it
	{` {}`, false},
	{"{}\n", false},
	{`{"a":1}{"b":2}`, false},
	{`"\x"`, false},
	{`"\u12"`, false},
	{`"\u12g4"`, false},
	{`"abc`, false},
	{`"\`, false},
	{``, false},
	{"\"\x01\"", false},
	{"\"\xff\xfe\"", true}, // invalid UTF-8 passes compaction as it is
	{strings.Repeat("[", maxCompactDepth) + strings.Repeat("]", maxCompactDepth), true},
	{strings.Repeat("[", maxCompactDepth+1) + strings.Repeat("]", maxCompactDepth+1), false},
}

// TestCompactJSON checks compactJSON's verdicts, and that every value it
// accepts is one encoding/json leaves as it is.
func TestCompactJSON(t *testing.T) {
	for _, tc := range compactCases {
		if got := compactJSON([]byte(tc.in)); got != tc.compact {
			t.Errorf("compactJSON(%.60q) = %v, want %v", tc.in, got, tc.compact)
		}
		checkCompact(t, []byte(tc.in))
	}
}

// FuzzCompactJSON: whatever compactJSON accepts, json.Marshal of it as a
// raw message is the same bytes.
func FuzzCompactJSON(f *testing.F) {
	for _, tc := range compactCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkCompact(t, b) })
}

func checkCompact(t *testing.T, b []byte) {
	t.Helper()
	if !compactJSON(b) {
		return
	}
	out, err := json.Marshal(json.RawMessage(b))
	if err != nil {
		t.Fatalf("compactJSON accepted %.80q, which encoding/json refuses: %v", b, err)
	}
	if !bytes.Equal(out, b) {
		t.Fatalf("compactJSON accepted %.80q, which encoding/json writes as %.80q", b, out)
	}
}

// marshaler encodes itself as its text, whatever that is.
type marshaler struct {
	text string
	err  error
}

func (m *marshaler) MarshalJSON() ([]byte, error) { return []byte(m.text), m.err }

type valueMarshaler string

func (m valueMarshaler) MarshalJSON() ([]byte, error) { return []byte(m), nil }

// TestAppendJSON checks that appendJSON writes json.Marshal's bytes, and
// its error when it fails, for values that encode themselves well, badly
// or not at all.
func TestAppendJSON(t *testing.T) {
	var nilPtr *marshaler
	values := []any{
		nil,
		nilPtr,
		"text <b>",
		map[string]any{"b": 1, "a": []any{"x", nil, 2.5}},
		&marshaler{text: `{"a":[1,2,{"b":"c"}]}`},
		&marshaler{text: `{ "a" : [1, 2] }`},
		&marshaler{text: `{"a":"<&>"}`},
		&marshaler{text: "\"\u2028\""},
		&marshaler{text: `{"a":`},
		&marshaler{text: `{"a":1}`, err: errors.New("broken")},
		valueMarshaler(`[true,false,null]`),
		valueMarshaler("[1,\n2]"),
		[]any{&marshaler{text: `{"a":1}`}, &marshaler{text: ` 2`}},
	}
	for _, v := range values {
		want, wantErr := json.Marshal(v)
		got, err := appendJSON([]byte("prefix"), v)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("appendJSON(%#v): error %v, json.Marshal's %v", v, err, wantErr)
			continue
		}
		if err == nil && string(got) != "prefix"+string(want) {
			t.Errorf("appendJSON(%#v) = %q, json.Marshal gives %q", v, got, want)
		}
	}
}
