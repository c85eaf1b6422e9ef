package blurline

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/vocabulary.md")

// vocabularyDoc renders docs/vocabulary.md from the tables in vocabulary.go,
// so that the vocabulary is written down in one place.
func vocabularyDoc() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	p("# Blurline vocabulary\n\n")
	p("Generated from `vocabulary.go` by `go test . -update`; do not edit by hand.\n\n")
	p("| namespace | IRI |\n|---|---|\n")
	p("| vocabulary (classes, predicates, properties) | `%s` |\n| entities | `%s<id>` |\n| facts (statements) | `%s<id>` |\n| Healey levels | `%s<level>` |\n\n", NS, EntityBase, FactBase, HealeyBase)
	p("## How a fact is stored\n\n")
	p("Every relationship is a **fact**: one quad whose graph label is the fact's IRI, plus provenance quads about that IRI in the same graph. ")
	p("A fact needs at least one `source` and exactly one `confidence` (0 to 1); the loader rejects anything else with `file:line: message`. ")
	p("Entity descriptions (`rdf:type`, `name`, `alias`, ...) are plain quads in the default graph or in an import's graph.\n\n")
	p("```\n<%sapt40> <%ssponsoredBy> <%shainan-ssd> <%suk-apt40> .\n", EntityBase, NS, EntityBase, FactBase)
	p("<%suk-apt40> <%ssource> <https://www.gov.uk/...> <%suk-apt40> .\n", FactBase, NS, FactBase)
	p("<%suk-apt40> <%sconfidence> \"0.85\"^^<%s> <%suk-apt40> .\n", FactBase, NS, XSDDecimal, FactBase)
	p("<%suk-apt40> <%shealeyLevel> <%s> <%suk-apt40> .\n```\n\n", FactBase, NS, StateOrdered.IRI(), FactBase)
	p("Literals are kept exactly as written (lexical form, datatype IRI, language tag) and exported the same way.\n\n")
	p("**As of a date.** A fact counts at date D (the end of that day, UTC) when `validFrom` <= D, `publishedOn` <= D and D < `validUntil`, each where given.\n\n")
	p("## Classes\n\n| class | description | STIX 2.1 | default non-state character (nu) | blur actor |\n|---|---|---|---|---|\n")
	for _, c := range Classes {
		p("| `%s` | %s | %s | %g | %v |\n", c.Class, cell(c.Description), cell(or(c.STIX.String(), "none")), c.NonState, c.Actor)
	}
	p("\n## Relationship predicates\n\nEach needs provenance (it is a fact).\n\n| predicate | kind | description | usual subject | usual object | STIX 2.1 |\n|---|---|---|---|---|---|\n")
	for _, pr := range Predicates {
		p("| `%s` | %s | %s | %s | %s | %s |\n", pr.Predicate, pr.Kind, cell(pr.Description), cell(pr.Subject), cell(pr.Object), cell(or(pr.STIX.String(), "none")))
	}
	p("\n## Properties\n\n| property | of | datatype | description | STIX 2.1 |\n|---|---|---|---|---|\n")
	for _, pr := range Properties {
		of := []string{}
		if pr.OfFact {
			of = append(of, "fact")
		}
		if pr.OfEntity {
			of = append(of, "entity")
		}
		p("| `%s` | %s | %s | %s | %s |\n", pr.Name, strings.Join(of, ", "), cell(pr.Datatype), cell(pr.Description), cell(or(pr.STIX, "none")))
	}
	p("\n## Healey's spectrum of state responsibility\n\nThe `healeyLevel` of a control fact (`taskedBy`, `sponsoredBy`), after Jason Healey, *Beyond Attribution* (Atlantic Council, 2012), with the enum values of the MISP `state-responsibility` taxonomy. Maurer's proxy type is derived from the level, never stored.\n\n")
	p("| ordinal | level | IRI | Maurer type |\n|---|---|---|---|\n")
	for _, h := range HealeyLevels() {
		p("| %d | `%s` | `%s` | %s |\n", int(h), h, h.IRI(), or(h.Maurer(), "-"))
	}
	p("\n## Attribution kinds\n\n`attributionKind` on `attributedTo` facts, after EuRepoC's attribution types: %s.\n", "`"+strings.Join(AttributionKinds, "`, `")+"`")
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestVocabularyDocIsCurrent(t *testing.T) {
	want := vocabularyDoc()
	if *update {
		if err := os.WriteFile("docs/vocabulary.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("docs/vocabulary.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/vocabulary.md is stale: run go test . -update")
	}
}

func TestVocabulary(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Classes {
		if seen[string(c.Class)] {
			t.Errorf("class %s listed twice", c.Class)
		}
		seen[string(c.Class)] = true
	}
	for _, p := range Predicates {
		if seen[string(p.Predicate)] {
			t.Errorf("name %s used twice", p.Predicate)
		}
		seen[string(p.Predicate)] = true
	}
	for _, p := range Properties {
		if seen[p.Name] {
			t.Errorf("name %s used twice", p.Name)
		}
		seen[p.Name] = true
	}
	for _, tc := range []struct {
		in   string
		want Healey
		ok   bool
	}{
		{"state-ordered", StateOrdered, true},
		{"state-prohibited.", StateProhibited, true}, // upstream MISP quirk
		{"state-prohibited-but-inadequate.", StateProhibitedButInadequate, true},
		{HealeyBase + "state-integrated", StateIntegrated, true},
		{"state-bribed", 0, false},
	} {
		got, ok := ParseHealey(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseHealey(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if StateOrdered.Maurer() != "delegation" || StateShaped.Maurer() != "orchestration" || StateIgnored.Maurer() != "sanctioning" {
		t.Errorf("Maurer mapping is wrong")
	}
	if EntityID(EntityIRI("apt40")) != "apt40" || EntityIRI("urn:x:y") != "urn:x:y" || FactID(FactIRI("f1")) != "f1" {
		t.Errorf("IRI round trip is wrong")
	}
}
