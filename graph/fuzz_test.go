package graph

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// FuzzNQuads feeds any text to the reader and the validator: no panic, and
// every rejection names a line; whatever is accepted exports and reloads
// to the same statements.
//
//	go test -run='^$' -fuzz=FuzzNQuads -fuzztime=60s ./graph
func FuzzNQuads(f *testing.F) {
	for _, name := range []string{"testdata/small.nq", "testdata/literals.nq"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		for _, line := range strings.Split(string(b), "\n") {
			f.Add(line)
		}
	}
	f.Add(`<a> <b c> <d> .`)
	f.Add("_:b <https://w3id.org/blurline/ns#name> \"x\\u00e9\" .")
	f.Add("<https://w3id.org/blurline/id/x> <https://w3id.org/blurline/ns#name> \"\\U0010FFFF\"@en-GB .")
	f.Fuzz(func(t *testing.T, text string) {
		ctx := context.Background()
		s, err := Open(ctx, nil, "memory:")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Load(ctx, Source{Name: "fuzz.nq", R: strings.NewReader(text)})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, blurline.ErrInvalid) {
				t.Fatalf("rejection is not an InputError: %v", err)
			}
			for _, p := range ie.Problems {
				if p.File != "fuzz.nq" {
					t.Fatalf("problem without its file: %v", p)
				}
				if p.Line == 0 && !strings.Contains(p.Msg, "read") {
					t.Fatalf("problem without a line: %v", p)
				}
			}
			return
		}
		var out bytes.Buffer
		if _, err := s.Export(ctx, &out); err != nil {
			t.Fatal(err)
		}
		s2, _ := Open(ctx, nil, "memory:")
		defer s2.Close()
		if _, err := s2.Load(ctx, Source{Name: "export.nq", R: bytes.NewReader(out.Bytes())}); err != nil {
			t.Fatalf("the export of an accepted input does not load: %v\n%s", err, out.String())
		}
		var out2 bytes.Buffer
		s2.Export(ctx, &out2)
		if out2.String() != out.String() {
			t.Fatalf("round trip differs:\n%s\nvs\n%s", out.String(), out2.String())
		}
	})
}
