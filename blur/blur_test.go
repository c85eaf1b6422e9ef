package blur

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// hainan is the hand-computed example of docs/blur.md:
//
//	PRC -partOf .99-> MSS -regionalBureauOf .95-> HSSD -sponsoredBy .85 (state-ordered)-> APT40
//	PRC -sponsoredBy .40 (state-integrated)-> APT40
//	HSSD -frontCompanyOf .90-> Xiandun <-affiliatedWith .80-> APT40   (no control fact)
func hainan(direct float64) ([]blurline.Node, []blurline.Fact) {
	nodes := []blurline.Node{
		ent("prc", blurline.State),
		ent("mss", blurline.IntelligenceService),
		ent("hssd", blurline.RegionalBureau),
		ent("xiandun", blurline.FrontCompany),
		withNu(ent("apt40", blurline.ThreatGroup), 0.6),
		activity("espionage", 0),
		activity("ip-theft", 0.5),
	}
	facts := []blurline.Fact{
		fact("mss-prc", "mss", blurline.PartOf, "prc", 0.99),
		fact("hssd-mss", "hssd", blurline.RegionalBureauOf, "mss", 0.95),
		fact("apt40-hssd", "apt40", blurline.SponsoredBy, "hssd", 0.85, level(blurline.StateOrdered), published("2021-07-19")),
		fact("apt40-prc", "apt40", blurline.SponsoredBy, "prc", direct, level(blurline.StateIntegrated), published("2020-01-01")),
		fact("xiandun-hssd", "xiandun", blurline.FrontCompanyOf, "hssd", 0.9),
		fact("apt40-xiandun", "apt40", blurline.AffiliatedWith, "xiandun", 0.8),
		fact("apt40-espionage", "apt40", blurline.Conducts, "espionage", 0.9),
		fact("apt40-ip-theft", "apt40", blurline.Conducts, "ip-theft", 0.5),
	}
	return nodes, facts
}

// TestHandComputed checks the exact figures of the hand-computed example.
func TestHandComputed(t *testing.T) {
	// Path A, PRC -> MSS -> HSSD -> APT40, bottleneck state-ordered (6):
	//   sigma = .99 * .95 * .85 * 0.9^2 * 6/9 = .799425 * .81 * .666... = 0.4316895
	// Path B, PRC -> APT40 (direct claim c, state-integrated, 9):
	//   sigma = c * 0.9^0 * 9/9 = c
	// kappa = 1 - (1 - 0*.9)(1 - .5*.5) = 0.25; nu = 0.6
	// SCBI = sigma * (1 - (1-.6)(1-.25)) = sigma * 0.7
	const sigmaA = 0.99 * 0.95 * 0.85 * 0.81 * 6 / 9
	tests := []struct {
		name      string
		direct    float64
		wantSigma float64
		wantFacts []string
		wantLevel blurline.Healey
		wantIndex int
	}{
		{"longer ordered chain beats a weak integrated claim", 0.40, sigmaA, []string{"mss-prc", "hssd-mss", "apt40-hssd"}, blurline.StateOrdered, 2},
		{"a stronger integrated claim wins", 0.50, 0.50, []string{"apt40-prc"}, blurline.StateIntegrated, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, facts := hainan(tt.direct)
			s := mustBlur(t, New(newStore(t, nodes, facts)), "apt40", "prc", time.Time{})
			if got := pathFacts(s.Path); !slices.Equal(got, tt.wantFacts) {
				t.Errorf("path = %v, want %v", got, tt.wantFacts)
			}
			if !near(s.Sigma, tt.wantSigma) {
				t.Errorf("sigma = %.10f, want %.10f", s.Sigma, tt.wantSigma)
			}
			if !near(s.Nu, 0.6) || !near(s.Kappa, 0.25) {
				t.Errorf("nu, kappa = %v, %v, want 0.6, 0.25", s.Nu, s.Kappa)
			}
			if want := tt.wantSigma * 0.7; !near(s.Score, want) {
				t.Errorf("score = %.10f, want %.10f", s.Score, want)
			}
			if !near(s.OrgBlur, tt.wantSigma*0.6) || !near(s.MotiveBlur, tt.wantSigma*0.25) {
				t.Errorf("org, motive blur = %v, %v, want %v, %v", s.OrgBlur, s.MotiveBlur, tt.wantSigma*0.6, tt.wantSigma*0.25)
			}
			if b := s.Bottleneck; b == nil || b.Level != tt.wantLevel || b.Index != tt.wantIndex || b.Hop.Fact != s.Path.Hops[b.Index].Fact {
				t.Errorf("bottleneck = %+v, want level %v at hop %d", b, tt.wantLevel, tt.wantIndex)
			}
			if got := route(s.Path); got[0] != "prc" || got[len(got)-1] != "apt40" {
				t.Errorf("route = %v, want prc ... apt40", got)
			}
			if len(s.Activities) != 2 || s.Activities[0].Activity != "ip-theft" || !near(s.Activities[0].Term, 0.25) {
				t.Errorf("activities = %+v, want ip-theft (0.25) first", s.Activities)
			}
		})
	}
}

// TestLongerChainScoresLower: the same confidences over more hops score lower.
func TestLongerChainScoresLower(t *testing.T) {
	prev := math.Inf(1)
	for hops := 1; hops <= 6; hops++ {
		nodes := []blurline.Node{ent("s", blurline.State), ent("actor", blurline.Contractor)}
		var facts []blurline.Fact
		up := "s"
		for i := 1; i < hops; i++ {
			id := "body" + string(rune('0'+i))
			nodes = append(nodes, ent(id, blurline.GovernmentBody))
			facts = append(facts, fact(id+"-up", id, blurline.PartOf, up, 0.9))
			up = id
		}
		facts = append(facts, fact("actor-tasked", "actor", blurline.TaskedBy, up, 0.9, level(blurline.StateOrdered)))
		s := mustBlur(t, New(newStore(t, nodes, facts)), "actor", "s", time.Time{})
		want := math.Pow(0.9, float64(hops)) * math.Pow(Lambda, float64(hops-1)) * 6 / 9
		if len(s.Path.Hops) != hops || !near(s.Sigma, want) {
			t.Errorf("%d hops: sigma = %v over %d hops, want %v", hops, s.Sigma, len(s.Path.Hops), want)
		}
		if s.Sigma >= prev {
			t.Errorf("%d hops: sigma %v is not below %v for %d hops", hops, s.Sigma, prev, hops-1)
		}
		prev = s.Sigma
	}
}

// TestScenarios checks DOMAIN.md's expectations of the index.
func TestScenarios(t *testing.T) {
	nodes := []blurline.Node{
		ent("prc", blurline.State), ent("dprk", blurline.State),
		ent("mss", blurline.IntelligenceService), ent("pla", blurline.GovernmentBody), ent("rgb", blurline.IntelligenceService),
		ent("unit", blurline.RegionalBureau),
		ent("contractor", blurline.Contractor),
		ent("gang", blurline.CriminalGroup),
		withNu(ent("lazarus", blurline.ThreatGroup), 0),
		activity("espionage", 0), activity("ransomware", 1), activity("theft", 1),
	}
	facts := []blurline.Fact{
		fact("mss-prc", "mss", blurline.PartOf, "prc", 0.99),
		fact("pla-prc", "pla", blurline.PartOf, "prc", 0.99),
		fact("rgb-dprk", "rgb", blurline.PartOf, "dprk", 0.99),
		// A state's own unit doing pure espionage.
		fact("unit-pla", "unit", blurline.TaskedBy, "pla", 0.9, level(blurline.StateExecuted)),
		fact("unit-esp", "unit", blurline.Conducts, "espionage", 0.95),
		// An ordered contractor that also runs ransomware.
		fact("contractor-mss", "contractor", blurline.TaskedBy, "mss", 0.9, level(blurline.StateOrdered)),
		fact("contractor-esp", "contractor", blurline.Conducts, "espionage", 0.9),
		fact("contractor-ransom", "contractor", blurline.Conducts, "ransomware", 0.9),
		// A criminal group the state merely ignores.
		fact("gang-prc", "gang", blurline.SponsoredBy, "prc", 0.6, level(blurline.StateIgnored)),
		fact("gang-ransom", "gang", blurline.Conducts, "ransomware", 0.95),
		// A state unit stealing for revenue.
		fact("lazarus-rgb", "lazarus", blurline.TaskedBy, "rgb", 0.9, level(blurline.StateExecuted)),
		fact("lazarus-theft", "lazarus", blurline.Conducts, "theft", 0.9),
	}
	a := New(newStore(t, nodes, facts))
	tests := []struct {
		name, actor, state string
		lo, hi             float64
	}{
		{"own unit, pure espionage: near 0", "unit", "prc", 0, 0.01},
		{"ordered contractor with ransomware: high", "contractor", "prc", 0.5, 1},
		{"ignored criminal group: low", "gang", "prc", 0, 0.2},
		{"state unit stealing for revenue: high", "lazarus", "dprk", 0.6, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustBlur(t, a, tt.actor, tt.state, time.Time{})
			if s.Score < tt.lo || s.Score > tt.hi {
				t.Errorf("score = %.4f (sigma %.4f, nu %.2f, kappa %.4f), want in [%v, %v]", s.Score, s.Sigma, s.Nu, s.Kappa, tt.lo, tt.hi)
			}
			if s.Sigma == 0 {
				t.Errorf("sigma = 0: the actor should be tied to %s", tt.state)
			}
		})
	}
	// The own unit is tied (it ranks), but below the contractor.
	r, err := a.Ranking(context.Background(), "prc", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r {
		got = append(got, s.Actor)
	}
	if want := []string{"contractor", "gang", "unit"}; !slices.Equal(got, want) {
		t.Errorf("Ranking(prc) = %v, want %v", got, want)
	}
}

// TestRetractExplainingFact: retracting any fact on the explaining path
// changes the path or lowers the score; restoring it restores the score.
func TestRetractExplainingFact(t *testing.T) {
	nodes, facts := hainan(0.4)
	store := newStore(t, nodes, facts)
	a := New(store)
	ctx := context.Background()
	before := mustBlur(t, a, "apt40", "prc", time.Time{})
	for _, id := range pathFacts(before.Path) {
		t.Run(id, func(t *testing.T) {
			f, err := store.Retract(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			after := mustBlur(t, a, "apt40", "prc", time.Time{})
			if slices.Equal(pathFacts(after.Path), pathFacts(before.Path)) && after.Score >= before.Score {
				t.Errorf("after retracting %s: path %v, score %v; want another path or a lower score than %v",
					id, pathFacts(after.Path), after.Score, before.Score)
			}
			if after.Score > before.Score {
				t.Errorf("after retracting %s: score rose from %v to %v", id, before.Score, after.Score)
			}
			if _, err := store.Write(ctx, nil, []blurline.Fact{*f}); err != nil {
				t.Fatal(err)
			}
			if again := mustBlur(t, a, "apt40", "prc", time.Time{}); !near(again.Score, before.Score) {
				t.Errorf("after restoring %s: score %v, want %v", id, again.Score, before.Score)
			}
		})
	}
	// A fact off the path changes nothing.
	if _, err := store.Retract(ctx, "apt40-xiandun"); err != nil {
		t.Fatal(err)
	}
	if after := mustBlur(t, a, "apt40", "prc", time.Time{}); after.Score != before.Score {
		t.Errorf("after retracting an unused fact: score %v, want %v", after.Score, before.Score)
	}
}

// TestAsOf: a fact published later does not count before its date.
func TestAsOf(t *testing.T) {
	nodes, facts := hainan(0.4)
	ended := fact("apt40-xiandun-tasked", "apt40", blurline.TaskedBy, "xiandun", 0.99, level(blurline.StateIntegrated))
	ended.ValidFrom, ended.ValidUntil = mustDate("2010-01-01"), mustDate("2012-01-01")
	facts = append(facts, ended)
	a := New(newStore(t, nodes, facts))
	const sigmaA = 0.99 * 0.95 * 0.85 * 0.81 * 6 / 9
	// While it held, the 2010-2011 tasking via the front company was the best path.
	const sigmaEnded = 0.99 * 0.95 * 0.9 * 0.99 * 0.9 * 0.9 * 0.9
	tests := []struct {
		asOf      time.Time
		wantSigma float64
		wantFacts []string
	}{
		{mustDate("2009-06-01"), 0, nil},
		{mustDate("2011-06-01"), sigmaEnded, []string{"mss-prc", "hssd-mss", "xiandun-hssd", "apt40-xiandun-tasked"}},
		{blurline.AsOf(mustDate("2021-07-18")), 0.4, []string{"apt40-prc"}},
		{mustDate("2021-07-19"), sigmaA, []string{"mss-prc", "hssd-mss", "apt40-hssd"}},
		{mustDate("2026-01-01"), sigmaA, []string{"mss-prc", "hssd-mss", "apt40-hssd"}},
		// Zero means everything known (Fact.HoldsAt): the ended tasking counts too.
		{time.Time{}, sigmaEnded, []string{"mss-prc", "hssd-mss", "xiandun-hssd", "apt40-xiandun-tasked"}},
	}
	for _, tt := range tests {
		t.Run(tt.asOf.Format(time.RFC3339), func(t *testing.T) {
			s := mustBlur(t, a, "apt40", "prc", tt.asOf)
			if !near(s.Sigma, tt.wantSigma) || !slices.Equal(pathFacts(s.Path), tt.wantFacts) {
				t.Errorf("sigma = %v via %v, want %v via %v", s.Sigma, pathFacts(s.Path), tt.wantSigma, tt.wantFacts)
			}
			for _, h := range s.Path.Hops {
				if !h.Fact.HoldsAt(tt.asOf) {
					t.Errorf("hop %s does not hold at %v", h.Fact.ID, tt.asOf)
				}
			}
			r, err := a.Ranking(context.Background(), "prc", tt.asOf, 0)
			if err != nil {
				t.Fatal(err)
			}
			ranked := slices.ContainsFunc(r, func(s Score) bool { return s.Actor == "apt40" })
			if ranked != (tt.wantSigma > 0) {
				t.Errorf("apt40 ranked = %v, want %v", ranked, tt.wantSigma > 0)
			}
		})
	}
}

// TestDirections checks the walking direction of each kind of fact.
func TestDirections(t *testing.T) {
	base := []blurline.Node{
		ent("prc", blurline.State), ent("us", blurline.State),
		ent("mss", blurline.IntelligenceService), ent("nsa", blurline.IntelligenceService),
		ent("c", blurline.Contractor), ent("g", blurline.ThreatGroup),
		ent("p", blurline.Person), ent("sector", blurline.Sector),
	}
	mssPRC := fact("mss-prc", "mss", blurline.PartOf, "prc", 0.99)
	cTasked := fact("c-mss", "c", blurline.TaskedBy, "mss", 0.9, level(blurline.StateOrdered))
	tests := []struct {
		name  string
		facts []blurline.Fact
		actor string
		want  bool
	}{
		{"taskedBy walks object to subject", []blurline.Fact{mssPRC, cTasked}, "c", true},
		{"taskedBy the wrong way round", []blurline.Fact{mssPRC, fact("mss-c", "mss", blurline.TaskedBy, "c", 0.9, level(blurline.StateOrdered))}, "c", false},
		{"control without a Healey level is not walked", []blurline.Fact{mssPRC, fact("c-mss", "c", blurline.TaskedBy, "mss", 0.9)}, "c", false},
		{"state-prohibited weighs nothing", []blurline.Fact{mssPRC, fact("c-mss", "c", blurline.TaskedBy, "mss", 0.9, level(blurline.StateProhibited))}, "c", false},
		{"structural facts alone tie nothing", []blurline.Fact{mssPRC, fact("c-mss", "c", blurline.PartOf, "mss", 0.9)}, "c", false},
		{"geography is not walked", []blurline.Fact{fact("mss-prc", "mss", blurline.LocatedAt, "prc", 0.99), cTasked}, "c", false},
		{"employs walks employer to employee", []blurline.Fact{mssPRC, cTasked, fact("c-p", "c", blurline.Employs, "p", 0.9)}, "p", true},
		{"employs does not walk back", []blurline.Fact{mssPRC, fact("p-mss", "p", blurline.TaskedBy, "mss", 0.9, level(6)), fact("c-p", "c", blurline.Employs, "p", 0.9)}, "c", false},
		{"memberOf walks member to group", []blurline.Fact{mssPRC, fact("p-mss", "p", blurline.TaskedBy, "mss", 0.9, level(6)), fact("p-g", "p", blurline.MemberOf, "g", 0.9)}, "g", true},
		{"memberOf does not walk group to member", []blurline.Fact{mssPRC, fact("g-mss", "g", blurline.SponsoredBy, "mss", 0.9, level(6)), fact("p-g", "p", blurline.MemberOf, "g", 0.9)}, "p", false},
		{"officerOf: the officer of a tasked company", []blurline.Fact{mssPRC, cTasked, fact("p-c", "p", blurline.OfficerOf, "c", 0.9)}, "p", true},
		{"officerOf: the company of a tasked officer", []blurline.Fact{mssPRC, fact("p-mss", "p", blurline.TaskedBy, "mss", 0.9, level(6)), fact("p-c", "p", blurline.OfficerOf, "c", 0.9)}, "c", true},
		{"affiliatedWith walks both ways", []blurline.Fact{mssPRC, cTasked, fact("g-c", "g", blurline.AffiliatedWith, "c", 0.9)}, "g", true},
		{"attributedTo walks to what is attributed", []blurline.Fact{mssPRC, cTasked, fact("g-c", "g", blurline.AttributedTo, "c", 0.9)}, "g", true},
		{"relatedTo is not walked", []blurline.Fact{mssPRC, cTasked, fact("g-c", "g", blurline.RelatedTo, "c", 0.9)}, "g", false},
		{"behaviour is not walked", []blurline.Fact{mssPRC, cTasked, fact("c-g", "c", blurline.Targeted, "g", 0.9)}, "g", false},
		{"zero confidence is no evidence", []blurline.Fact{mssPRC, fact("c-mss", "c", blurline.TaskedBy, "mss", 0, level(6))}, "c", false},
		{"no path through another state", []blurline.Fact{
			fact("us-prc", "us", blurline.PartOf, "prc", 0.99), fact("nsa-us", "nsa", blurline.PartOf, "us", 0.99),
			fact("c-nsa", "c", blurline.TaskedBy, "nsa", 0.9, level(6))}, "c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(newStore(t, base, tt.facts))
			s := mustBlur(t, a, tt.actor, "prc", time.Time{})
			if got := s.Sigma > 0; got != tt.want {
				t.Errorf("%s tied to prc = %v (path %v), want %v", tt.actor, got, pathFacts(s.Path), tt.want)
			}
			r, err := a.Ranking(context.Background(), "prc", time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.ContainsFunc(r, func(s Score) bool { return s.Actor == tt.actor }); got != tt.want {
				t.Errorf("%s in Ranking(prc) = %v, want %v", tt.actor, got, tt.want)
			}
		})
	}
}

// TestBlurAnyState: with no state, Blur and Ranking pick the best state.
func TestBlurAnyState(t *testing.T) {
	nodes := []blurline.Node{
		ent("ru", blurline.State), ent("prc", blurline.State), ent("fsb", blurline.IntelligenceService),
		ent("evilcorp", blurline.CriminalGroup), ent("loner", blurline.Person), ent("apt", blurline.ThreatGroup),
		activity("ransomware", 1),
	}
	facts := []blurline.Fact{
		fact("fsb-ru", "fsb", blurline.PartOf, "ru", 0.99),
		fact("evilcorp-fsb", "evilcorp", blurline.TaskedBy, "fsb", 0.7, level(blurline.StateOrdered)),
		fact("evilcorp-prc", "evilcorp", blurline.SponsoredBy, "prc", 0.3, level(blurline.StateEncouraged)),
		fact("evilcorp-ransom", "evilcorp", blurline.Conducts, "ransomware", 0.95),
		fact("apt-prc", "apt", blurline.SponsoredBy, "prc", 0.8, level(blurline.StateOrdered)),
	}
	a := New(newStore(t, nodes, facts))
	s := mustBlur(t, a, "evilcorp", "", time.Time{})
	if s.State != "ru" || !near(s.Sigma, 0.99*0.7*0.9*6/9) {
		t.Errorf("Blur(evilcorp, \"\") = %s %v, want ru %v", s.State, s.Sigma, 0.99*0.7*0.9*6/9)
	}
	if s := mustBlur(t, a, "evilcorp", "prc", time.Time{}); s.State != "prc" || !near(s.Sigma, 0.3*3/9) {
		t.Errorf("Blur(evilcorp, prc) = %s %v, want prc %v", s.State, s.Sigma, 0.3*3/9)
	}
	s = mustBlur(t, a, "loner", "", time.Time{})
	if s.State != "" || s.Score != 0 || len(s.Path.Hops) != 0 || s.Bottleneck != nil || s.Nu != 1 {
		t.Errorf("Blur(loner) = %+v, want an untied zero score with nu 1", s)
	}
	r, err := a.Ranking(context.Background(), "", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r {
		got = append(got, s.State+":"+s.Actor)
	}
	if want := []string{"ru:evilcorp", "prc:apt"}; !slices.Equal(got, want) {
		t.Errorf("Ranking(\"\") = %v, want %v", got, want)
	}
	if r, _ := a.Ranking(context.Background(), "", time.Time{}, 1); len(r) != 1 || r[0].Actor != "evilcorp" {
		t.Errorf("Ranking(\"\", first 1) = %v, want evilcorp only", r)
	}
}

func TestErrors(t *testing.T) {
	nodes, facts := hainan(0.4)
	a := New(newStore(t, nodes, facts))
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"unknown actor", func() error { _, err := a.Blur(ctx, "nobody", "prc", time.Time{}); return err }, blurline.ErrNotFound},
		{"unknown state", func() error { _, err := a.Blur(ctx, "apt40", "atlantis", time.Time{}); return err }, blurline.ErrNotFound},
		{"not a state", func() error { _, err := a.Blur(ctx, "apt40", "mss", time.Time{}); return err }, blurline.ErrInvalid},
		{"ranking of an unknown state", func() error { _, err := a.Ranking(ctx, "atlantis", time.Time{}, 5); return err }, blurline.ErrNotFound},
		{"ranking of a non-state", func() error { _, err := a.Ranking(ctx, "hssd", time.Time{}, 5); return err }, blurline.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
	// IRIs work as ids.
	if s := mustBlur(t, a, blurline.EntityIRI("apt40"), blurline.EntityIRI("prc"), time.Time{}); s.Actor != "apt40" || s.State != "prc" {
		t.Errorf("Blur by IRI = %s, %s, want apt40, prc", s.Actor, s.State)
	}
}

func TestCancelled(t *testing.T) {
	nodes, facts := hainan(0.4)
	a := New(newStore(t, nodes, facts))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Ranking(ctx, "prc", time.Time{}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Ranking(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := a.Blur(ctx, "apt40", "prc", time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Blur(cancelled) error = %v, want context.Canceled", err)
	}
	// The failure is not cached.
	if _, err := a.Ranking(context.Background(), "prc", time.Time{}, 0); err != nil {
		t.Errorf("Ranking after a cancelled call: %v", err)
	}
}

// counting wraps the real store and counts the reads the model makes (a
// state's part of the graph is read by FactsOf, a layer a call).
type counting struct {
	Source
	factsOf atomic.Int64
}

func (c *counting) FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error) {
	c.factsOf.Add(1)
	return c.Source.FactsOf(ctx, ids, dir, f)
}

func TestCache(t *testing.T) {
	nodes, facts := hainan(0.4)
	store := newStore(t, nodes, facts)
	src := &counting{Source: store}
	a := New(src)
	ctx := context.Background()
	r1, err := a.Ranking(ctx, "prc", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	part := src.factsOf.Load() // a few reads, one a layer out from the state
	if part == 0 {
		t.Fatalf("a ranking of one state read nothing")
	}
	mustBlur(t, a, "apt40", "prc", time.Time{})
	if n := src.factsOf.Load(); n != part {
		t.Errorf("store read %d times for one state, version and instant, want %d", n, part)
	}
	mustBlur(t, a, "apt40", "", time.Time{}) // reads every other state's part
	every := src.factsOf.Load()
	mustBlur(t, a, "apt40", "", time.Time{})
	r2, _ := a.Ranking(ctx, "prc", time.Time{}, 0)
	if _, err := a.Ranking(ctx, "", time.Time{}, 0); err != nil {
		t.Fatal(err)
	}
	if n := src.factsOf.Load(); n != every || every < part {
		t.Errorf("store read %d times for every state, then %d times, for one version and instant; want at least %d, then no more", every, n, part)
	}
	if len(r1) == 0 || &r1[0].Path.Hops[0] != &r2[0].Path.Hops[0] {
		t.Errorf("the second ranking was recomputed, want it cached")
	}
	r2[0].Actor = "scribbled"
	if r3, _ := a.Ranking(ctx, "prc", time.Time{}, 0); r3[0].Actor == "scribbled" {
		t.Errorf("a caller's change to its slice reached the cache")
	}
	mustBlur(t, a, "apt40", "prc", mustDate("2021-01-01"))
	if n := src.factsOf.Load(); n != every+part {
		t.Errorf("store read %d times after a new instant, want %d", n, every+part)
	}
	// A write bumps the version: the next call sees it.
	if _, err := store.Write(ctx, []blurline.Node{withNu(ent("hackers", blurline.CriminalGroup), 1)},
		[]blurline.Fact{fact("hackers-mss", "hackers", blurline.TaskedBy, "mss", 0.9, level(blurline.StateOrdered))}); err != nil {
		t.Fatal(err)
	}
	r4, err := a.Ranking(ctx, "prc", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r4, func(s Score) bool { return s.Actor == "hackers" }) || r4[0].Version != store.Version() {
		t.Errorf("after a write: ranking %v at version %d, want hackers at version %d", r4, r4[0].Version, store.Version())
	}
}

// TestConcurrent runs readers against a writer; run it with -race.
func TestConcurrent(t *testing.T) {
	nodes, facts := hainan(0.4)
	store := newStore(t, nodes, facts)
	a := New(store)
	ctx := context.Background()
	instants := []time.Time{{}, mustDate("2021-01-01"), mustDate("2022-01-01")}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				asOf := instants[(w+i)%len(instants)]
				if _, err := a.Ranking(ctx, "prc", asOf, 10); err != nil {
					errs <- err
					return
				}
				s, err := a.Blur(ctx, "apt40", "", asOf)
				if err != nil {
					errs <- err
					return
				}
				if asOf.IsZero() && s.Sigma < 0.99*0.95*0.85*0.81*6/9-1e-9 {
					errs <- errors.New("sigma went down under concurrent writes that only add evidence")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			id := "p" + strings.Repeat("x", i+1)
			if _, err := store.Write(ctx, []blurline.Node{ent(id, blurline.Person)},
				[]blurline.Fact{fact(id+"-xiandun", "xiandun", blurline.Employs, id, 0.5)}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDirectionTableMatchesDocs checks the direction table of docs/blur.md
// against StepOf, for every predicate of the vocabulary.
func TestDirectionTableMatchesDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/blur.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for line := range strings.Lines(string(doc)) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if _, ok := blurline.LookupPredicate(blurline.Predicate(name)); ok {
			rows[name] = []string{strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])}
		}
	}
	for _, pi := range blurline.Predicates {
		row, ok := rows[string(pi.Predicate)]
		if !ok {
			t.Errorf("docs/blur.md: no row for %s", pi.Predicate)
			continue
		}
		if row[0] != pi.Kind.String() || row[1] != StepOf(pi.Predicate).String() {
			t.Errorf("docs/blur.md: %s is %q, walked %q; the code says %q, %q", pi.Predicate, row[0], row[1], pi.Kind, StepOf(pi.Predicate))
		}
	}
}
