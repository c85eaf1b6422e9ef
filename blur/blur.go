// Package blur computes the State-Criminal Blurring Index (SCBI): how far
// a state and a criminal or non-state actor are blurred, with the evidence
// for every score. It is a pure computation over the facts of a [Source]
// (a *graph.Store satisfies it) and imports only the standard library and
// the root package.
//
// For an actor a and a state S at an instant t (only facts that hold at t
// count, see [blurline.Fact.HoldsAt]):
//
//   - sigma, state responsibility: the strongest evidence path from S to a
//     with at least one control fact (taskedBy, sponsoredBy with a Healey
//     level), scoring prod(c) * Lambda^(hops-1) * w(min Healey level),
//     w(h) = h/9. See [StepOf] for which way each predicate is walked.
//   - nu, non-state character: [blurline.Node.NonStateCharacter].
//   - kappa, criminality: 1 - prod(1 - m*c) over the actor's own conducts
//     facts, m the activity's motive weight, capped at [KappaCap].
//   - SCBI = sigma * (1 - (1-nu)(1-kappa)); organisational blur sigma*nu;
//     motive blur sigma*kappa.
//
// The definition, its reasoning and a worked example from the seed are in
// docs/blur.md.
//
// A score or ranking for one state reads only what that state's evidence
// paths can reach (see loadState); with state "" it reads that for every
// state. An [Analyzer] caches its work by (store version, asOf, state), so a
// repeated ranking on an unchanged store costs a slice copy; a write bumps
// the store's version and the next call starts afresh.
package blur

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/blurline/blurline"
)

// Model constants.
const (
	// Lambda is the decay per hop after the first: a chain of n facts
	// scores Lambda^(n-1) of the product of its confidences.
	Lambda = 0.9
	// KappaCap caps criminality: evidence never makes it certain.
	KappaCap = 0.99
)

// Source is what the model reads. *graph.Store satisfies it.
type Source interface {
	// FactsOf returns, for each id, the facts that touch it in direction
	// dir and pass f, sorted by fact id.
	FactsOf(ctx context.Context, ids []string, dir blurline.Direction, f blurline.FactFilter) ([][]*blurline.Fact, error)
	// Nodes returns the entities for ids, in order, nil for an unknown id.
	Nodes(ctx context.Context, ids []string) ([]*blurline.Node, error)
	// FindNodes returns the entities matching q.
	FindNodes(ctx context.Context, q blurline.NodeQuery) ([]*blurline.Node, error)
	// Version increases with every committed write.
	Version() uint64
	// Pin returns a context whose reads all see one version of the
	// source, and that version (see graph.Store.Pin): a computation reads
	// one version from start to end, and files its results under it.
	Pin(ctx context.Context) (context.Context, uint64)
}

// Score is the blur of one actor with respect to one state, with its
// explanation. Its slices and the facts they point to are shared with the
// cache: read them, do not modify them.
type Score struct {
	Actor string // entity id
	State string // entity id of the state; "" when no state is tied to the actor

	Score      float64 // SCBI = Sigma * (1 - (1-Nu)(1-Kappa))
	Sigma      float64 // state responsibility, from Path
	Nu         float64 // non-state character of the actor
	Kappa      float64 // criminality, from Activities
	OrgBlur    float64 // Sigma * Nu
	MotiveBlur float64 // Sigma * Kappa

	// Path is the strongest evidence path from State to Actor, one fact
	// per hop; empty when no path with a control fact exists.
	Path blurline.Path
	// PathConfidence is the product of the confidences on Path.
	PathConfidence float64
	// Bottleneck is the hop with the loosest Healey level; nil without a path.
	Bottleneck *Bottleneck
	// Activities are the actor's conducts facts behind Kappa, strongest first.
	Activities []Conduct

	AsOf time.Time // the instant scored; zero means everything known now
	// Evidence is the sources' conditions the score was computed under
	// (zero: any source); Sources lists only the sources that meet them.
	Evidence blurline.Evidence
	Version  uint64 // the store version the score was computed on
	// Clearance is the most restrictive marking of the facts and entities
	// the score was computed from: those the reader may see, no others
	// (TLPRed: everything).
	Clearance blurline.Marking
}

// Bottleneck is the loosest link of a path: the control fact with the
// lowest Healey level (the least confident one on a tie).
type Bottleneck struct {
	Index int          // index of the hop in Score.Path.Hops
	Hop   blurline.Hop // that hop
	Level blurline.Healey
}

// Conduct is one conducts fact and its share in Kappa.
type Conduct struct {
	Fact     *blurline.Fact // actor conducts activity, with its sources
	Activity string         // the activity's entity id
	Name     string         // the activity's name
	Weight   float64        // m, the activity's criminal-motive weight (0 when unset)
	Term     float64        // m * c, its term in the noisy-OR
}

// Blur scores actor against state at asOf without caching (see
// [Analyzer.Blur]).
func Blur(ctx context.Context, src Source, actor, state string, asOf time.Time) (*Score, error) {
	return New(src).Blur(ctx, actor, state, asOf)
}

// Ranking ranks the actors tied to state at asOf without caching (see
// [Analyzer.Ranking]).
func Ranking(ctx context.Context, src Source, state string, asOf time.Time, first int) ([]Score, error) {
	return New(src).Ranking(ctx, state, asOf, first)
}

// maxViews bounds the number of instants cached per store version. Past
// it, the cache is emptied.
const maxViews = 32

// Analyzer computes scores over one source and caches them. It is safe for
// concurrent use.
type Analyzer struct {
	src Source

	mu      sync.Mutex
	version uint64
	views   map[string]*view // by instant
}

// view is the cache for one store version and one instant.
type view struct {
	version uint64
	asOf    time.Time
	ev      blurline.Evidence // the sources' conditions (zero: any)
	max     blurline.Marking  // the reader's clearance: what the source shows it
	mu      sync.Mutex
	parts   map[string]*flight[*part]               // by state id
	ranks   map[string]*flight[[]Score]             // by state id, "" for all states
	best    map[struct{}]*flight[map[string]choice] // one entry once asked
}

// part is the snapshot of what one state's evidence paths reach, and
// the Dijkstra runs from the state on it.
type part struct {
	g *snapshot
	r *reach
}

// New returns an Analyzer over src.
func New(src Source) *Analyzer {
	return &Analyzer{src: src, views: map[string]*view{}}
}

// Blur scores actor against state at asOf. With state "" it picks the
// state giving the highest score (the first by id on a tie). An actor tied
// to no state by a control path gets a Score with an empty Path, zero
// Sigma and Score, and its Nu, Kappa and Activities. Blur answers for any
// entity, not only actor classes.
//
// Errors: blurline.ErrNotFound for an unknown actor or state,
// blurline.ErrInvalid when state is not a State, or ctx's error.
func (a *Analyzer) Blur(ctx context.Context, actor, state string, asOf time.Time) (_ *Score, err error) {
	return a.BlurEvidence(ctx, actor, state, asOf, blurline.Evidence{})
}

// BlurEvidence is Blur on the facts whose sources meet ev (a source record
// of a reliability and kind it accepts): weaker evidence is left out of the
// paths and of kappa, as if it were not there.
func (a *Analyzer) BlurEvidence(ctx context.Context, actor, state string, asOf time.Time, ev blurline.Evidence) (_ *Score, err error) {
	defer wrap(&err, "blur.Blur(%q, %q)", actor, state)
	actor, state = normID(actor), normID(state)
	ctx, v, err := a.view(ctx, asOf, ev)
	if err != nil {
		return nil, err
	}
	var c choice
	if state != "" {
		p, err := a.part(ctx, v, state)
		if err != nil {
			return nil, err
		}
		x, ok := p.g.index[actor]
		if ok {
			c = choice{p, p.r, x}
		}
	} else {
		best, err := a.best(ctx, v)
		if err != nil {
			return nil, err
		}
		c = best[actor]
	}
	if c.p == nil {
		return a.unreached(ctx, v, actor, state)
	}
	if c.p.g.nodes[c.x] == nil {
		return nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", actor)
	}
	s := c.p.g.score(c.r, c.x)
	if s.State == "" {
		s.State = state
	}
	return &s, nil
}

// Ranking ranks the actors tied to state by at least one control path at
// asOf: highest Score first, ties by actor id, at most first of them
// (all when first <= 0). With state "" it ranks every actor tied to any
// state, once, against the state giving it the highest score. Actors are
// the entities whose class is an actor class (blurline.ClassInfo.Actor).
//
// Errors: blurline.ErrNotFound for an unknown state, blurline.ErrInvalid
// when it is not a State, or ctx's error.
func (a *Analyzer) Ranking(ctx context.Context, state string, asOf time.Time, first int) (_ []Score, err error) {
	return a.RankingEvidence(ctx, state, asOf, first, blurline.Evidence{})
}

// RankingEvidence is Ranking on the facts whose sources meet ev (see BlurEvidence).
func (a *Analyzer) RankingEvidence(ctx context.Context, state string, asOf time.Time, first int, ev blurline.Evidence) (_ []Score, err error) {
	defer wrap(&err, "blur.Ranking(%q)", state)
	state = normID(state)
	ctx, v, err := a.view(ctx, asOf, ev)
	if err != nil {
		return nil, err
	}
	all, err := do(ctx, &v.mu, v.ranks, state, func() ([]Score, error) { return a.rank(ctx, v, state) })
	if err != nil {
		return nil, err
	}
	if first <= 0 || first > len(all) {
		first = len(all)
	}
	return slices.Clone(all[:first]), nil
}

// rank builds the full ranking for state ("" for every state).
func (a *Analyzer) rank(ctx context.Context, v *view, state string) ([]Score, error) {
	var out []Score
	if state != "" {
		p, err := a.part(ctx, v, state)
		if err != nil {
			return nil, err
		}
		g := p.g
		for x := range int32(len(g.ids)) {
			if x&1023 == 1023 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if p.r.bestRun[x] >= 0 && g.isActor(x) {
				out = append(out, g.score(p.r, x))
			}
		}
	} else {
		best, err := a.best(ctx, v)
		if err != nil {
			return nil, err
		}
		for _, c := range best {
			if len(out)&1023 == 1023 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if c.p.g.isActor(c.x) {
				out = append(out, c.p.g.score(c.r, c.x))
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(p, q Score) int {
		return cmp.Or(cmp.Compare(q.Score, p.Score), cmp.Compare(p.Actor, q.Actor))
	})
	return out, nil
}

// choice is the state that gives an entity its highest score: the part
// of that state, its reach, and the entity in it.
type choice struct {
	p *part
	r *reach
	x int32
}

// best returns, for every entity some state reaches, the state giving it
// the highest sigma (and so the highest score: nu and kappa do not depend
// on the state), the first by id on a tie. It reads every state's part.
func (a *Analyzer) best(ctx context.Context, v *view) (map[string]choice, error) {
	return do(ctx, &v.mu, v.best, struct{}{}, func() (map[string]choice, error) {
		ns, err := a.src.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.State}})
		if err != nil {
			return nil, err
		}
		states := make([]string, len(ns))
		for i, n := range ns {
			states[i] = n.ID
		}
		slices.Sort(states)
		best := map[string]choice{}
		for _, st := range states {
			p, err := a.part(ctx, v, st)
			if err != nil {
				return nil, err
			}
			for x, id := range p.g.ids {
				if p.r.bestRun[x] < 0 {
					continue
				}
				if c, ok := best[id]; !ok || p.r.best[x] > c.r.best[c.x]*(1+1e-12) {
					best[id] = choice{p, p.r, int32(x)}
				}
			}
		}
		return best, ctx.Err()
	})
}

// unreached scores an actor that no evidence path reaches (from state,
// or from any state when state is ""): its nu and its kappa.
func (a *Analyzer) unreached(ctx context.Context, v *view, actor, state string) (*Score, error) {
	ns, err := a.src.Nodes(ctx, []string{actor})
	if err != nil {
		return nil, err
	}
	if ns[0] == nil {
		return nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", actor)
	}
	lists, err := a.src.FactsOf(ctx, []string{actor}, blurline.Out,
		blurline.FactFilter{Predicates: []blurline.Predicate{blurline.Conducts}, AsOf: v.asOf, Evidence: v.ev})
	if err != nil {
		return nil, err
	}
	var facts []*blurline.Fact
	var acts []string
	for _, f := range lists[0] {
		if f.Object != "" && f.Object != f.Subject {
			facts = append(facts, f)
			acts = append(acts, f.Object)
		}
	}
	found, err := a.src.Nodes(ctx, acts)
	if err != nil {
		return nil, err
	}
	s := Score{Actor: actor, State: state, Nu: ns[0].NonStateCharacter(), AsOf: v.asOf, Version: v.version, Evidence: v.ev, Clearance: v.max}
	s.Kappa, s.Activities = kappa(facts, func(id string) *blurline.Node { return found[slices.Index(acts, id)] })
	s = finish(s)
	return &s, nil
}

// part returns state's part of the graph and its reach in v, computing
// them on first use. A state that is unknown or not a State is an error.
func (a *Analyzer) part(ctx context.Context, v *view, state string) (*part, error) {
	return do(ctx, &v.mu, v.parts, state, func() (*part, error) {
		g, err := loadState(ctx, a.src, v.version, v.asOf, v.ev, state)
		if err != nil {
			return nil, err
		}
		r, err := g.reachFrom(ctx, g.index[state])
		if err != nil {
			return nil, err
		}
		return &part{g: g, r: r}, nil
	})
}

// view returns the cache for the version ctx reads (pinned in the
// returned context), asOf and evidence. A request pinned to a version
// older than the cache's gets a view of its own, kept nowhere.
func (a *Analyzer) view(ctx context.Context, asOf time.Time, ev blurline.Evidence) (context.Context, *view, error) {
	if err := ctx.Err(); err != nil {
		return ctx, nil, err
	}
	ctx, ver := a.src.Pin(ctx)
	key := ""
	if !asOf.IsZero() {
		key = asOf.UTC().Format(time.RFC3339Nano)
	}
	if ev.Active() {
		key += "|" + ev.Key()
	}
	// The source shows each reader what it may see: readers of different
	// clearances share no cached work.
	m := blurline.ClearanceFromContext(ctx)
	key += "|" + m.String()
	newView := func(version uint64) *view {
		return &view{version: version, asOf: asOf, ev: ev, max: m, parts: map[string]*flight[*part]{},
			ranks: map[string]*flight[[]Score]{}, best: map[struct{}]*flight[map[string]choice]{}}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ver < a.version {
		return ctx, newView(ver), nil
	}
	if _, ok := a.views[key]; ver > a.version || !ok && len(a.views) >= maxViews {
		a.version = ver
		a.views = map[string]*view{}
	}
	v, ok := a.views[key]
	if !ok {
		v = newView(a.version)
		a.views[key] = v
	}
	return ctx, v, nil
}

// score builds the full Score of x against r's state (r may be nil).
func (g *snapshot) score(r *reach, x int32) Score {
	s := Score{Actor: g.ids[x], AsOf: g.asOf, Version: g.version, Evidence: g.ev, Clearance: g.max}
	if n := g.nodes[x]; n != nil {
		s.Nu = n.NonStateCharacter()
	}
	s.Kappa, s.Activities = g.kappa(x)
	if r != nil && r.bestRun[x] >= 0 {
		s.State = g.ids[r.src]
		s.Path = g.path(r, x)
		s.PathConfidence = s.Path.Confidence()
		sigma, b := PathSigma(s.Path)
		s.Sigma = sigma
		if b >= 0 {
			s.Bottleneck = &Bottleneck{Index: b, Hop: s.Path.Hops[b], Level: s.Path.Hops[b].Fact.Healey}
		}
	}
	return finish(s)
}

// finish derives the composite parts from Sigma, Nu and Kappa.
func finish(s Score) Score {
	s.Score = s.Sigma * (1 - (1-s.Nu)*(1-s.Kappa))
	s.OrgBlur = s.Sigma * s.Nu
	s.MotiveBlur = s.Sigma * s.Kappa
	return s
}

// kappa is the noisy-OR of x's own conducts facts.
func (g *snapshot) kappa(x int32) (float64, []Conduct) {
	return kappa(g.conducts[x], func(id string) *blurline.Node { return g.nodes[g.index[id]] })
}

// kappa is the noisy-OR of an actor's conducts facts, node looking up
// their activities.
func kappa(facts []*blurline.Fact, node func(id string) *blurline.Node) (float64, []Conduct) {
	if len(facts) == 0 {
		return 0, nil
	}
	out := make([]Conduct, 0, len(facts))
	keep := 1.0
	for _, f := range facts {
		c := Conduct{Fact: f, Activity: f.Object}
		if n := node(f.Object); n != nil {
			c.Name = n.Name
			if n.MotiveWeight != nil {
				c.Weight = min(max(*n.MotiveWeight, 0), 1)
			}
		}
		c.Term = c.Weight * f.Confidence
		keep *= 1 - c.Term
		out = append(out, c)
	}
	slices.SortFunc(out, func(p, q Conduct) int {
		return cmp.Or(cmp.Compare(q.Term, p.Term), cmp.Compare(p.Fact.ID, q.Fact.ID))
	})
	return min(1-keep, KappaCap), out
}

func normID(id string) string {
	if id == "" {
		return ""
	}
	return blurline.EntityID(blurline.EntityIRI(id))
}

// Sources returns the distinct URLs of the sources the score rests on: those
// of every fact of its path and of its activities, in the order met; under
// an evidence condition, only the sources that meet it.
func (s *Score) Sources() []string {
	var out []string
	seen := map[string]bool{}
	add := func(f *blurline.Fact) {
		for _, u := range f.Sources {
			if s.Evidence.Active() && (s.Evidence.Records == nil || !s.Evidence.Meets(s.Evidence.Records(u))) {
				continue
			}
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	for _, h := range s.Path.Hops {
		add(h.Fact)
	}
	for _, c := range s.Activities {
		add(c.Fact)
	}
	return out
}
