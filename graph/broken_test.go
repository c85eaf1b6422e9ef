package graph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

const (
	id   = "<https://w3id.org/blurline/id/"
	ns   = "<https://w3id.org/blurline/ns#"
	fact = "<https://w3id.org/blurline/fact/"
	typ  = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
	dec  = "^^<http://www.w3.org/2001/XMLSchema#decimal>"
)

// goodFact returns the three lines of a valid fact.
func goodFact(name, s, p, o string) string {
	return id + s + "> " + ns + p + "> " + id + o + "> " + fact + name + "> .\n" +
		fact + name + "> " + ns + "source> <https://example.org/" + name + "> " + fact + name + "> .\n" +
		fact + name + "> " + ns + "confidence> \"0.8\"" + dec + " " + fact + name + "> .\n"
}

// TestBrokenInputs loads broken files into a store that already holds
// testdata/small.nq: each must be rejected with the right line and leave
// the store exactly as it was, on every backend.
// brokenHeader is lines 1-3 of every brokenCases input.
const brokenHeader = "# a comment\n" + id + "new> " + typ + " " + ns + "Contractor> .\n" + id + "new> " + ns + "name> \"New\" .\n"

// brokenCase is an input (brokenHeader+body) that a store holding
// testdata/small.nq must refuse, with its first problem on line.
type brokenCase struct {
	name string
	body string // starts at line 4
	line int
	want string
}

func brokenCases() []brokenCase {
	return []brokenCase{
		{"space in IRI (quad's lenient parser accepts it)", id + "new> <https://w3id.org/blurline/ns#a b> " + id + "mss> .\n", 4, "not allowed in an IRI"},
		{"relative IRI", "<new> " + ns + "name> \"x\" .\n", 4, "not absolute"},
		{"missing dot", id + "new> " + ns + "alias> \"x\"\n", 4, "expected '.'"},
		{"unterminated string", id + "new> " + ns + "alias> \"x .\n", 4, "unterminated string"},
		{"bad escape", id + "new> " + ns + "alias> \"a\\qb\" .\n", 4, `bad escape \q`},
		{"text after the dot", id + "new> " + ns + "alias> \"x\" . extra\n", 4, "after '.'"},
		{"invalid UTF-8", id + "new> " + ns + "alias> \"\xff\xfe\" .\n", 4, "invalid UTF-8"},
		{"unknown predicate", "\n" + id + "new> " + ns + "bogus> \"x\" .\n", 5, "unknown predicate"},
		{"unknown class", id + "other> " + typ + " " + ns + "Spaceship> .\n", 4, "unknown class"},
		{"relationship without provenance", id + "new> " + ns + "taskedBy> " + id + "mss> .\n", 4, "has no provenance"},
		{"fact without source", id + "new> " + ns + "taskedBy> " + id + "mss> " + fact + "f1> .\n" +
			fact + "f1> " + ns + "confidence> \"0.8\"" + dec + " " + fact + "f1> .\n", 4, "has no source"},
		{"fact without confidence", goodFact("ok", "new", "employs", "apt40") + id + "new> " + ns + "taskedBy> " + id + "mss> " + fact + "f1> .\n" +
			fact + "f1> " + ns + "source> <https://example.org> " + fact + "f1> .\n", 7, "has no confidence"},
		{"confidence out of range", goodFact("f1", "new", "taskedBy", "mss") + fact + "f1> " + ns + "confidence> \"1.5\"" + dec + " " + fact + "f1> .\n", 7, "outside 0..1"},
		{"two confidences", goodFact("f1", "new", "taskedBy", "mss") + fact + "f1> " + ns + "confidence> \"0.5\"" + dec + " " + fact + "f1> .\n", 4, "values of confidence"},
		{"impossible date", goodFact("f1", "new", "taskedBy", "mss") + fact + "f1> " + ns + "validFrom> \"2021-13-45\"^^<http://www.w3.org/2001/XMLSchema#date> " + fact + "f1> .\n", 7, "not a valid date"},
		{"unknown entity", goodFact("f1", "new", "taskedBy", "nobody"), 4, "unknown entity"},
		{"Healey level on a structural fact", goodFact("f1", "new", "partOf", "mss") + fact + "f1> " + ns + "healeyLevel> <https://w3id.org/blurline/healey#state-ordered> " + fact + "f1> .\n", 4, "control relationship"},
		{"unknown Healey level", goodFact("f1", "new", "taskedBy", "mss") + fact + "f1> " + ns + "healeyLevel> <https://w3id.org/blurline/healey#state-bribed> " + fact + "f1> .\n", 7, "unknown Healey level"},
		{"bad attribution kind", goodFact("f1", "new", "attributedTo", "mss") + fact + "f1> " + ns + "attributionKind> \"gut feeling\" " + fact + "f1> .\n", 7, "must be one of"},
		{"blank node subject", "_:b1 " + ns + "name> \"x\" .\n", 4, "blank node"},
		{"class conflict with the store", id + "apt40> " + typ + " " + ns + "State> .\n", 4, "already a ThreatGroup"},
		{"second name", id + "apt40> " + ns + "name> \"Leviathan\" .\n", 4, "more than one name"},
		{"provenance in the default graph", fact + "uk-apt40-hssd> " + ns + "confidence> \"0.5\"" + dec + " .\n", 4, "fact's own graph"},
		{"provenance without a relationship", fact + "f9> " + ns + "confidence> \"0.5\"" + dec + " " + fact + "f9> .\n", 4, "no relationship"},
		{"two relationships in one fact", goodFact("f1", "new", "taskedBy", "mss") + id + "new> " + ns + "employs> " + id + "apt40> " + fact + "f1> .\n", 7, "one relationship per fact"},
		{"entity without a class", id + "ghost> " + ns + "name> \"Ghost\" .\n", 4, "no rdf:type"},
		{"reserved meta graph", "<https://w3id.org/blurline/meta> " + ns + "name> \"x\" .\n", 4, "reserved"},
		{"literal object for a relationship", id + "new> " + ns + "taskedBy> \"mss\" " + fact + "f1> .\n", 4, "needs an entity IRI"},
		{"validUntil before validFrom", goodFact("f1", "new", "taskedBy", "mss") +
			fact + "f1> " + ns + "validFrom> \"2021-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> " + fact + "f1> .\n" +
			fact + "f1> " + ns + "validUntil> \"2020-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> " + fact + "f1> .\n", 4, "not after validFrom"},
	}
}

func TestBrokenInputs(t *testing.T) {
	header, cases := brokenHeader, brokenCases()
	ctx := context.Background()
	for name, open := range backends(t) {
		s := open(t)
		mustLoadFile(t, s, "testdata/small.nq")
		before := export(t, s)
		stBefore, _ := s.Stats(ctx)
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				_, err := s.Load(ctx, Source{Name: "broken.nq", R: strings.NewReader(header + tc.body)})
				if err == nil {
					t.Fatalf("Load accepted a broken file")
				}
				if !errors.Is(err, blurline.ErrInvalid) {
					t.Errorf("err kind = %v, want ErrInvalid", err)
				}
				var ie *InputError
				if !errors.As(err, &ie) || len(ie.Problems) == 0 {
					t.Fatalf("err = %v, want an *InputError", err)
				}
				p := ie.Problems[0]
				if p.File != "broken.nq" || p.Line != tc.line || !strings.Contains(p.Msg, tc.want) {
					t.Errorf("first problem = %q, want broken.nq:%d: ...%s...", p, tc.line, tc.want)
				}
				if after := export(t, s); after != before {
					t.Errorf("the store changed after a rejected load")
				}
				if st, _ := s.Stats(ctx); st.Quads != stBefore.Quads {
					t.Errorf("quads %d -> %d after a rejected load", stBefore.Quads, st.Quads)
				}
			})
		}
	}
}

// TestCheckDoesNotWrite checks a valid file without changing the store.
func TestCheckDoesNotWrite(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	before := export(t, s)
	n, err := s.Check(ctx, Source{Name: "ok.nq", R: strings.NewReader(goodFact("f1", "apt40", "taskedBy", "mss"))})
	if err != nil || n != 3 {
		t.Fatalf("Check = %d, %v; want 3, nil", n, err)
	}
	if export(t, s) != before {
		t.Errorf("Check changed the store")
	}
}

// TestOverlongLine: a line over the limit is one problem on its own line,
// and the lines after it are read as themselves (the rest of a 3 MiB line
// was once read as lines 2 and 3).
func TestOverlongLine(t *testing.T) {
	long := id + "new> " + ns + "alias> \"" + strings.Repeat("x", 3<<20) + "\" .\n"
	in := long + brokenHeader[len("# a comment\n"):] + id + "new> " + ns + "bogus> \"x\" .\n"
	s := mustOpen(t, "memory:")
	_, err := s.Check(context.Background(), Source{Name: "long.nq", R: strings.NewReader(in)})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("Check = %v, want an *InputError", err)
	}
	var got []string
	for _, p := range ie.Problems {
		got = append(got, p.Error())
	}
	want := []string{
		"long.nq:1: line longer than 1048576 bytes",
		"long.nq:4: unknown predicate <https://w3id.org/blurline/ns#bogus>: not in the Blurline vocabulary",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCheckReportsEverything: one Check reports problems of every kind at
// once (syntax, vocabulary, and those only the whole file shows), and
// names the nearest class or predicate for an unknown one.
func TestCheckReportsEverything(t *testing.T) {
	in := brokenHeader + // lines 1-3
		id + "new> " + ns + "alias> \"x\n" + // 4: syntax
		id + "other> " + typ + " " + ns + "ThreatGrup> .\n" + // 5: unknown class
		id + "new> " + ns + "sponsorBy> " + id + "mss> " + fact + "f2> .\n" + // 6: unknown predicate
		id + "new> " + ns + "taskedBy> " + id + "mss> " + fact + "f1> .\n" + // 7: no source, no confidence (whole-file)
		id + "ghost> " + ns + "name> \"Ghost\" .\n" // 8: no rdf:type (whole-file)
	s := mustOpen(t, "memory:")
	mustLoadFile(t, s, "testdata/small.nq")
	_, err := s.Check(context.Background(), Source{Name: "five.nq", R: strings.NewReader(in)})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("Check = %v, want an *InputError", err)
	}
	all := ie.Error()
	var lines []int
	for _, p := range ie.Problems {
		lines = append(lines, p.Line)
	}
	if !slices.IsSorted(lines) {
		t.Errorf("problems on lines %v, want them in line order", lines)
	}
	for _, want := range []string{
		"five.nq:4: column 73: unterminated string literal",
		"five.nq:5: unknown class <https://w3id.org/blurline/ns#ThreatGrup>; did you mean <https://w3id.org/blurline/ns#ThreatGroup>?",
		"five.nq:6: unknown predicate <https://w3id.org/blurline/ns#sponsorBy>: not in the Blurline vocabulary; did you mean <https://w3id.org/blurline/ns#sponsoredBy>?",
		"five.nq:7: fact <https://w3id.org/blurline/fact/f1> has no source",
		"five.nq:7: fact <https://w3id.org/blurline/fact/f1> has no confidence",
		"five.nq:8: entity <https://w3id.org/blurline/id/ghost> has no rdf:type",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("Check's problems lack %q; they are:\n%s", want, all)
		}
	}
}
