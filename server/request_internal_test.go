package server

import (
	"reflect"
	"testing"
)

// requestBodies are POST bodies (trimmed, as parsePOST passes them), well
// formed or not.
var requestBodies = []struct {
	body    string
	scanned bool // scanRequestObject must read it
}{
	{`{"query":"{ stats { facts } }"}`, true},
	{`{ "query" : "{ stats { facts } }" , "operationName" : null }`, true},
	{"{\n\t\"query\":\r\n\"{ a }\"\n}", true},
	{`{}`, true},
	{`{ }`, true},
	{`{"query":"query Q($id: ID!) { entity(id: $id) { id } }","operationName":"Q","variables":{"id":"s0-bureau0","n":[1,2.5,{"x":"}"}]},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`, true},
	{`{"query":"{ a }","variables":null,"extensions":null}`, true},
	{`{"query":"{ a }","variables":{}}`, true},
	{`{"query":"line\none \"quoted\" \u00e9 \\ \/"}`, true},
	{`{"query":"é 漢字"}`, true},
	{"{\"query\":\"\xff\xfe\"}", true}, // invalid UTF-8: replaced, as encoding/json does
	{`{"query":null}`, true},
	{`{"query":"a","query":"b"}`, false},
	{`{"query":"a","\u0071uery":"b"}`, false},
	{`{"query":"a","other":1}`, false},
	{`{"query":5}`, false},
	{`{"query":["a"]}`, false},
	{`{"query":"a",}`, false},
	{`{"query":"a"} x`, false},
	{`{"query":"a"`, false},
	{`{"query":"a\x"}`, false},
	{"{\"query\":\"a\tb\"}", false},
	{`{"query":"a","variables":[1]}`, false},
	{`{"query":"a","variables":"x"}`, false},
	{`{"query":"a","variables":{"a":}}`, false},
	{`{"query":"a","variables":{"a":1}}}`, false},
	{`{"query":"a","variables":{"a":"}"}`, false},
	{`{"query":"a","variables":nul}`, false},
	{`{"query":"a","variables":nullx}`, false},
	{`{"query" "a"}`, false},
	{`{query:"a"}`, false},
	{"{\"query\":\"a\"\f}", false},
	{`{"operationName":"Q"}`, true},
}

// TestScanRequestObject checks that scanRequestObject reads what it
// should and that what it reads is what decodeRequestObject reads.
func TestScanRequestObject(t *testing.T) {
	for _, tc := range requestBodies {
		_, ok := scanRequestObject([]byte(tc.body))
		if ok != tc.scanned {
			t.Errorf("scanRequestObject(%q) reports %v, want %v", tc.body, ok, tc.scanned)
		}
		checkScan(t, []byte(tc.body))
	}
}

// FuzzScanRequestObject: whatever scanRequestObject reads,
// decodeRequestObject reads the same request from, without an error.
func FuzzScanRequestObject(f *testing.F) {
	for _, tc := range requestBodies {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkScan(t, body) })
}

func checkScan(t *testing.T, body []byte) {
	t.Helper()
	got, ok := scanRequestObject(body)
	if !ok {
		return
	}
	want, err := decodeRequestObject(body)
	if err != nil {
		t.Fatalf("scanRequestObject read %q, which decodeRequestObject refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scanRequestObject(%q) = %#v, decodeRequestObject reads %#v", body, got, want)
	}
}
