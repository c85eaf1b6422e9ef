// Package marktest is a small graph holding facts and entities of every
// TLP marking, and what a reader of each clearance may see of it: the
// fixture of the marking tests of graph, schema and server.
package marktest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blurline/blurline"
)

// Markings are the TLP markings, least restrictive first.
var Markings = []blurline.Marking{blurline.TLPClear, blurline.TLPGreen, blurline.TLPAmber, blurline.TLPAmberStrict, blurline.TLPRed}

// The graph: the state st-prc and its service ag-mss (CLEAR); one group
// per marking, grp-clear ... grp-red, each sponsored by ag-mss in a fact
// of the group's marking; a victim, vic; and two ways from the groups to
// the victim that only RED may see: grp-clear relatedTo vic marked RED,
// and grp-red (a RED entity) relatedTo vic marked CLEAR. ag-mss has a
// second, AMBER description that adds the alias SecretAlias.
const (
	State       = "st-prc"
	Agency      = "ag-mss"
	Victim      = "vic"
	SecretAlias = "Bureau Nine"
	RedFact     = "f-red-fact" // grp-clear relatedTo vic, marked RED
	RedEnd      = "f-red-end"  // grp-red relatedTo vic, marked CLEAR
	StateFact   = "f-mss-prc"  // ag-mss partOf st-prc, CLEAR
	Source      = "https://example.org/report"
)

// Group returns the id of the group marked m.
func Group(m blurline.Marking) string { return "grp-" + lower(m) }

// Sponsor returns the id of the fact, marked m, that Group(m) is sponsored by ag-mss.
func Sponsor(m blurline.Marking) string { return "f-sponsor-" + lower(m) }

func lower(m blurline.Marking) string {
	return strings.ReplaceAll(strings.ToLower(m.String()), "+", "-")
}

// NQuads returns the graph as N-Quads, every marking stated.
func NQuads() string {
	var b strings.Builder
	ent := func(id, class, name string, m blurline.Marking) {
		g := ""
		if m != blurline.TLPClear {
			g = " <" + blurline.MarkingGraph(m) + ">"
		}
		fmt.Fprintf(&b, "<%s> <%s> <%s>%s .\n", blurline.EntityIRI(id), blurline.RDFType, blurline.NS+class, g)
		fmt.Fprintf(&b, "<%s> <%s> %q%s .\n", blurline.EntityIRI(id), blurline.PropIRI(blurline.PropName), name, g)
		if m != blurline.TLPClear {
			fmt.Fprintf(&b, "<%s> <%s> %q%s .\n", blurline.EntityIRI(id), blurline.PropIRI(blurline.PropMarking), m.String(), g)
		}
	}
	fact := func(id, s, p, o string, m blurline.Marking) {
		f := blurline.FactIRI(id)
		fmt.Fprintf(&b, "<%s> <%s> <%s> <%s> .\n", blurline.EntityIRI(s), blurline.NS+p, blurline.EntityIRI(o), f)
		fmt.Fprintf(&b, "<%s> <%s> <%s> <%s> .\n", f, blurline.PropIRI(blurline.PropSource), Source, f)
		fmt.Fprintf(&b, "<%s> <%s> \"0.8\"^^<%s> <%s> .\n", f, blurline.PropIRI(blurline.PropConfidence), blurline.XSDDecimal, f)
		fmt.Fprintf(&b, "<%s> <%s> %q <%s> .\n", f, blurline.PropIRI(blurline.PropMarking), m.String(), f)
	}
	ent(State, "State", "People's Republic", blurline.TLPClear)
	ent(Agency, "IntelligenceService", "State Security", blurline.TLPClear)
	fmt.Fprintf(&b, "<%s> <%s> %q <%s> .\n", blurline.EntityIRI(Agency), blurline.PropIRI(blurline.PropAlias), SecretAlias, blurline.MarkingGraph(blurline.TLPAmber))
	fmt.Fprintf(&b, "<%s> <%s> %q <%s> .\n", blurline.EntityIRI(Agency), blurline.PropIRI(blurline.PropMarking), "AMBER", blurline.MarkingGraph(blurline.TLPAmber))
	ent(Victim, "Company", "Victim Ltd", blurline.TLPClear)
	fact(StateFact, Agency, "partOf", State, blurline.TLPClear)
	for _, m := range Markings {
		ent(Group(m), "ThreatGroup", "Group "+m.String(), m)
		fact(Sponsor(m), Group(m), "sponsoredBy", Agency, m)
		f := blurline.FactIRI(Sponsor(m))
		fmt.Fprintf(&b, "<%s> <%s> <%s> <%s> .\n", f, blurline.PropIRI(blurline.PropHealeyLevel), blurline.StateOrdered.IRI(), f)
	}
	fact(RedFact, Group(blurline.TLPClear), "relatedTo", Victim, blurline.TLPRed)
	fact(RedEnd, Group(blurline.TLPRed), "relatedTo", Victim, blurline.TLPClear)
	return b.String()
}

// Entities returns the ids of the entities a reader cleared for m sees, sorted.
func Entities(m blurline.Marking) []string {
	out := []string{State, Agency, Victim}
	for _, g := range Markings {
		if g <= m {
			out = append(out, Group(g))
		}
	}
	slices.Sort(out)
	return out
}

// Facts returns the ids of the facts a reader cleared for m sees, sorted.
func Facts(m blurline.Marking) []string {
	out := []string{StateFact}
	for _, g := range Markings {
		if g <= m {
			out = append(out, Sponsor(g))
		}
	}
	if m == blurline.TLPRed {
		out = append(out, RedFact, RedEnd)
	}
	slices.Sort(out)
	return out
}

// Hidden returns the ids of the entities and facts a reader cleared for m
// does not see: the ids that must appear nowhere in what it gets.
func Hidden(m blurline.Marking) []string {
	var out []string
	for _, g := range Markings {
		if g > m {
			out = append(out, Group(g), Sponsor(g))
		}
	}
	if m < blurline.TLPRed {
		out = append(out, RedFact, RedEnd)
	}
	if m < blurline.TLPAmber {
		out = append(out, SecretAlias)
	}
	return out
}
