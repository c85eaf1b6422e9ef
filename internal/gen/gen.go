// Package gen generates domain-shaped knowledge graphs as N-Quads for tests
// and benchmarks: states with intelligence services and regional bureaus,
// contractors and front companies tasked by them, threat groups staffed by
// persons, incidents attributed by other states, all with provenance. The
// output is deterministic for a given Config.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
)

// Config sizes a generated graph.
type Config struct {
	Quads int    // approximate number of quads to write
	Seed  uint64 // the same seed gives the same graph
}

const (
	idp   = "https://w3id.org/blurline/id/"
	ns    = "https://w3id.org/blurline/ns#"
	factp = "https://w3id.org/blurline/fact/"
	rdfT  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	xsd   = "http://www.w3.org/2001/XMLSchema#"
)

var healey = []string{"state-shaped", "state-coordinated", "state-ordered", "state-executed", "state-integrated", "state-encouraged"}

type writer struct {
	w     *bufio.Writer
	quads int
	facts int
	rng   *rand.Rand
}

func (g *writer) entity(id, class, name string) {
	fmt.Fprintf(g.w, "<%s%s> <%s> <%s%s> .\n", idp, id, rdfT, ns, class)
	fmt.Fprintf(g.w, "<%s%s> <%sname> %q .\n", idp, id, ns, name)
	fmt.Fprintf(g.w, "<%s%s> <%ssource> <https://example.org/src/%s> .\n", idp, id, ns, id)
	g.quads += 3
}

func (g *writer) alias(id, alias string) {
	fmt.Fprintf(g.w, "<%s%s> <%salias> %q .\n", idp, id, ns, alias)
	g.quads++
}

// fact writes a relationship with source, confidence, validity and, for
// control predicates, a Healey level; extra provenance is written by extra.
func (g *writer) fact(s, p, o, assertedBy string) {
	g.facts++
	f := fmt.Sprintf("<%sg%d>", factp, g.facts)
	fmt.Fprintf(g.w, "<%s%s> <%s%s> <%s%s> %s .\n", idp, s, ns, p, idp, o, f)
	fmt.Fprintf(g.w, "%s <%ssource> <https://example.org/report/%d> %s .\n", f, ns, g.facts, f)
	fmt.Fprintf(g.w, "%s <%sconfidence> \"%.2f\"^^<%sdecimal> %s .\n", f, ns, 0.5+g.rng.Float64()/2, xsd, f)
	fmt.Fprintf(g.w, "%s <%svalidFrom> \"%d-%02d-%02d\"^^<%sdate> %s .\n", f, ns, 2005+g.rng.IntN(18), 1+g.rng.IntN(12), 1+g.rng.IntN(28), xsd, f)
	g.quads += 4
	if assertedBy != "" {
		fmt.Fprintf(g.w, "%s <%sassertedBy> <%s%s> %s .\n", f, ns, idp, assertedBy, f)
		g.quads++
	}
	if p == "taskedBy" || p == "sponsoredBy" {
		fmt.Fprintf(g.w, "%s <%shealeyLevel> <https://w3id.org/blurline/healey#%s> %s .\n", f, ns, healey[g.rng.IntN(len(healey))], f)
		g.quads++
	}
	if p == "attributedTo" {
		fmt.Fprintf(g.w, "%s <%sattributionKind> \"political\" %s .\n", f, ns, f)
		g.quads++
	}
}

// Write writes a graph of about cfg.Quads quads to w and returns the exact count.
func Write(w io.Writer, cfg Config) (int, error) {
	g := &writer{w: bufio.NewWriterSize(w, 256<<10), rng: rand.New(rand.NewPCG(cfg.Seed, 42))}
	// Shared activities.
	for _, a := range []struct {
		id string
		m  string
	}{{"act-ransomware", "1.0"}, {"act-espionage", "0.0"}, {"act-ip-theft", "0.5"}} {
		g.entity(a.id, "Activity", a.id)
		fmt.Fprintf(g.w, "<%s%s> <%smotiveWeight> \"%s\"^^<%sdecimal> .\n", idp, a.id, ns, a.m, xsd)
		g.quads++
	}
	// Each state cluster is about 370 quads; states attribute each other's incidents.
	nStates := max(2, cfg.Quads/360)
	for st := 0; st < nStates && (g.quads < cfg.Quads || st < 2); st++ {
		s := fmt.Sprintf("state%d", st)
		attributor := st - 1 // another state attributes this state's incidents
		if st == 0 {
			attributor = 1
		}
		g.entity(s, "State", fmt.Sprintf("State %d", st))
		svc := fmt.Sprintf("s%d-svc", st)
		g.entity(svc, "IntelligenceService", fmt.Sprintf("Service of state %d", st))
		g.fact(svc, "partOf", s, "")
		for b := 0; b < 3; b++ {
			bu := fmt.Sprintf("s%d-bureau%d", st, b)
			g.entity(bu, "RegionalBureau", fmt.Sprintf("Bureau %d of state %d", b, st))
			g.fact(bu, "regionalBureauOf", svc, "")
			for c := 0; c < 2; c++ {
				co := fmt.Sprintf("s%d-b%d-contractor%d", st, b, c)
				g.entity(co, "Contractor", fmt.Sprintf("Contractor %d/%d/%d", st, b, c))
				g.fact(co, "taskedBy", bu, "")
				grp := fmt.Sprintf("s%d-b%d-group%d", st, b, c)
				g.entity(grp, "ThreatGroup", fmt.Sprintf("APT %d-%d-%d", st, b, c))
				g.alias(grp, fmt.Sprintf("Panda %d-%d-%d", st, b, c))
				g.fact(grp, "sponsoredBy", bu, "")
				for p := 0; p < 2; p++ {
					pe := fmt.Sprintf("s%d-b%d-c%d-person%d", st, b, c, p)
					g.entity(pe, "Person", fmt.Sprintf("Person %d-%d-%d-%d", st, b, c, p))
					g.fact(co, "employs", pe, "")
					g.fact(pe, "memberOf", grp, "")
				}
				if g.rng.IntN(3) == 0 {
					g.fact(grp, "conducts", "act-ransomware", "")
				} else {
					g.fact(grp, "conducts", "act-espionage", "")
				}
				inc := fmt.Sprintf("s%d-b%d-c%d-incident", st, b, c)
				g.entity(inc, "Incident", fmt.Sprintf("Incident %d-%d-%d", st, b, c))
				g.fact(inc, "attributedTo", grp, fmt.Sprintf("state%d", attributor))
				if st > 0 {
					g.fact(inc, "targeted", fmt.Sprintf("state%d", g.rng.IntN(st)), "")
				}
			}
		}
		if st > 0 {
			g.fact(s, "relatedTo", fmt.Sprintf("state%d", g.rng.IntN(st)), "")
		}
	}
	return g.quads, g.w.Flush()
}

// BenchQuads is the size of a benchmark's generated graph: the
// BENCH_QUADS environment variable when set (BENCH_QUADS=1000000 for the
// scale the docs report), else def.
func BenchQuads(tb interface{ Fatalf(string, ...any) }, def int) int {
	v := os.Getenv("BENCH_QUADS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("BENCH_QUADS=%q: want a positive number of quads", v)
	}
	return n
}
