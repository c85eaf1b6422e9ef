package blur

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// randomGraph is a small random graph for property tests: two states, a
// dozen organisations and people, three activities, and random facts of
// every kind that matters (and some that do not).
type randomGraph struct {
	rng     *rand.Rand
	nodes   []blurline.Node
	facts   []blurline.Fact
	states  []string
	others  []string
	acts    []string
	instant []time.Time
	n       int
}

var randomClasses = []blurline.Class{
	blurline.IntelligenceService, blurline.RegionalBureau, blurline.GovernmentBody, blurline.Contractor,
	blurline.FrontCompany, blurline.CriminalGroup, blurline.ThreatGroup, blurline.Person, blurline.Incident,
}

var randomPredicates = []blurline.Predicate{
	blurline.PartOf, blurline.RegionalBureauOf, blurline.FrontCompanyOf, blurline.Employs, blurline.MemberOf,
	blurline.OfficerOf, blurline.AffiliatedWith, blurline.HoldsStakeIn, blurline.AttributedTo,
	blurline.TaskedBy, blurline.SponsoredBy, blurline.TaskedBy, blurline.SponsoredBy,
	blurline.LocatedAt, blurline.RelatedTo, blurline.Targeted,
}

func newRandomGraph(seed uint64, entities, facts int) *randomGraph {
	g := &randomGraph{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	g.instant = []time.Time{{}, mustDate("2015-01-01"), mustDate("2020-01-01"), mustDate("2024-01-01")}
	for _, s := range []string{"s0", "s1"} {
		g.nodes = append(g.nodes, ent(s, blurline.State))
		g.states = append(g.states, s)
	}
	for i := range entities {
		id := fmt.Sprintf("e%d", i)
		n := ent(id, randomClasses[g.rng.IntN(len(randomClasses))])
		if g.rng.IntN(4) == 0 {
			n = withNu(n, float64(g.rng.IntN(11))/10)
		}
		g.nodes = append(g.nodes, n)
		g.others = append(g.others, id)
	}
	for i := range 3 {
		id := fmt.Sprintf("act%d", i)
		g.nodes = append(g.nodes, activity(id, []float64{0, 0.5, 1}[i]))
		g.acts = append(g.acts, id)
	}
	for range facts {
		g.facts = append(g.facts, g.fact())
	}
	return g
}

// fact returns a new random fact.
func (g *randomGraph) fact() blurline.Fact {
	g.n++
	id := fmt.Sprintf("f%d", g.n)
	r := g.rng
	c := []float64{0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1}[r.IntN(12)]
	pick := func() string {
		if r.IntN(5) == 0 {
			return g.states[r.IntN(len(g.states))]
		}
		return g.others[r.IntN(len(g.others))]
	}
	var f blurline.Fact
	if r.IntN(6) == 0 {
		f = fact(id, g.others[r.IntN(len(g.others))], blurline.Conducts, g.acts[r.IntN(len(g.acts))], c)
	} else {
		s, o := pick(), pick()
		for s == o {
			o = pick()
		}
		p := randomPredicates[r.IntN(len(randomPredicates))]
		f = fact(id, s, p, o, c)
		if IsControl(p) && r.IntN(8) != 0 {
			f.Healey, f.HasHealey = blurline.Healey(r.IntN(10)), true
		}
	}
	switch r.IntN(4) {
	case 0:
		f.PublishedOn = mustDate("2018-01-01")
	case 1:
		f.ValidFrom, f.ValidUntil = mustDate("2012-01-01"), mustDate("2022-01-01")
	}
	return f
}

// scores returns every (actor, state) score at every instant, keyed.
func scores(tb testing.TB, a *Analyzer, g *randomGraph) map[string]*Score {
	tb.Helper()
	out := map[string]*Score{}
	for _, t := range g.instant {
		for _, st := range append([]string{""}, g.states...) {
			for _, x := range g.others {
				s := mustBlur(tb, a, x, st, t)
				out[fmt.Sprintf("%s/%s/%s", t.Format("2006"), st, x)] = s
			}
		}
	}
	return out
}

// TestMoreEvidenceNeverLowers: over random graphs, adding any fact never
// lowers any score, sigma or kappa, for any state and instant; and
// retracting one never raises them.
func TestMoreEvidenceNeverLowers(t *testing.T) {
	iterations := 300
	if testing.Short() {
		iterations = 40
	}
	ctx := context.Background()
	raised := 0
	for seed := range uint64(iterations) {
		g := newRandomGraph(seed, 10, 18)
		store := newStore(t, g.nodes, g.facts)
		a := New(store)
		before := scores(t, a, g)
		added := g.fact()
		if _, err := store.Write(ctx, nil, []blurline.Fact{added}); err != nil {
			t.Fatal(err)
		}
		after := scores(t, a, g)
		for k, b := range before {
			if after[k].Score > b.Score {
				raised++
			}
			x := after[k]
			if x.Score < b.Score-1e-12 || x.Sigma < b.Sigma-1e-12 || x.Kappa < b.Kappa-1e-12 {
				t.Fatalf("seed %d, %s: adding %s %s %s (c %v, level %v/%v) lowered score %v -> %v (sigma %v -> %v, kappa %v -> %v)",
					seed, k, added.Subject, added.Predicate, added.Object, added.Confidence, added.Healey, added.HasHealey,
					b.Score, x.Score, b.Sigma, x.Sigma, b.Kappa, x.Kappa)
			}
		}
		// And back: retracting it restores every score exactly.
		if _, err := store.Retract(ctx, added.ID); err != nil {
			t.Fatal(err)
		}
		for k, b := range scores(t, a, g) {
			if x := before[k]; b.Score != x.Score {
				t.Fatalf("seed %d, %s: after retracting %s, score %v, want %v", seed, k, added.ID, b.Score, x.Score)
			}
		}
	}
	t.Logf("an added fact raised %d scores", raised)
	if raised < iterations/10 {
		t.Errorf("an added fact raised only %d scores in %d graphs: the test is too weak", raised, iterations)
	}
}

// TestSigmaMatchesBruteForce compares sigma with the maximum over every
// route, enumerated from the facts and the direction table alone.
func TestSigmaMatchesBruteForce(t *testing.T) {
	iterations := 300
	if testing.Short() {
		iterations = 40
	}
	tied, pairs := 0, 0
	for seed := range uint64(iterations) {
		g := newRandomGraph(1000+seed, 8, 16)
		a := New(newStore(t, g.nodes, g.facts))
		isState := map[string]bool{}
		for _, s := range g.states {
			isState[s] = true
		}
		for _, asOf := range g.instant {
			for _, st := range g.states {
				best := bruteForce(g.facts, st, isState, asOf)
				for _, x := range g.others {
					s := mustBlur(t, a, x, st, asOf)
					pairs++
					if s.Sigma > 0 {
						tied++
					}
					if !near(s.Sigma, best[x]) {
						t.Fatalf("seed %d, %s -> %s at %v: sigma %v via %v, brute force %v", seed, st, x, asOf, s.Sigma, pathFacts(s.Path), best[x])
					}
					if p, _ := PathSigma(s.Path); !near(p, s.Sigma) {
						t.Fatalf("seed %d: PathSigma(path) = %v, Score.Sigma %v", seed, p, s.Sigma)
					}
				}
			}
		}
	}
	t.Logf("%d of %d (actor, state, instant) triples tied", tied, pairs)
	if tied < pairs/20 {
		t.Errorf("only %d of %d triples tied: the generator makes too few paths to test anything", tied, pairs)
	}
}

// bruteForce returns, for each entity, the best score over every route
// from src that visits no (entity, control seen) pair twice, as the model
// defines it (a route that visits an entity twice needs a cycle of
// control, which the Dijkstra also admits).
func bruteForce(facts []blurline.Fact, src string, isState map[string]bool, asOf time.Time) map[string]float64 {
	type arc struct {
		to   string
		fact *blurline.Fact
	}
	adj := map[string][]arc{}
	for i := range facts {
		f := &facts[i]
		if !f.HoldsAt(asOf) || f.Confidence <= 0 || f.Subject == f.Object {
			continue
		}
		if IsControl(f.Predicate) && (!f.HasHealey || f.Healey == blurline.StateProhibited) {
			continue
		}
		switch StepOf(f.Predicate) {
		case ObjectToSubject:
			adj[f.Object] = append(adj[f.Object], arc{f.Subject, f})
		case SubjectToObject:
			adj[f.Subject] = append(adj[f.Subject], arc{f.Object, f})
		case BothWays:
			adj[f.Object] = append(adj[f.Object], arc{f.Subject, f})
			adj[f.Subject] = append(adj[f.Subject], arc{f.Object, f})
		}
	}
	best := map[string]float64{}
	seen := map[string]bool{}
	var hops []blurline.Hop
	var walk func(u string, control bool)
	walk = func(u string, control bool) {
		key := fmt.Sprint(u, control)
		if seen[key] {
			return
		}
		seen[key] = true
		defer delete(seen, key)
		if control {
			s, _ := PathSigma(blurline.Path{Hops: hops})
			best[u] = math.Max(best[u], s)
		}
		for _, e := range adj[u] {
			if isState[e.to] && e.to != src {
				continue
			}
			hops = append(hops, blurline.Hop{From: u, To: e.to, Fact: e.fact})
			walk(e.to, control || IsControl(e.fact.Predicate))
			hops = hops[:len(hops)-1]
		}
	}
	walk(src, false)
	return best
}
