package schema

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/graphql-go/graphql"
)

// workbench.go: the queries the analyst's workbench (server/assets) needs
// beyond the rest of the API, and that any client may use: what changed
// between two dates (changes), the paths from one entity to many
// (pathsFrom), and the organs of a state (stateOrgans, used by
// attributions(includeOrgans: true)).

// DefaultChanges is the default first of changes: the most items of each list.
const DefaultChanges = 100

// factChange is a fact that began or ended counting at date.
type factChange struct {
	date time.Time
	fact *blurline.Fact
}

// changes is the answer of Query.changes.
type changes struct {
	from, to     time.Time // the instants compared
	began, ended []factChange
	attributions []*blurline.Fact
	moves        []blurMove
	truncated    bool
}

// blurMove is an actor whose blur score differs between two instants.
type blurMove struct {
	actor         string
	before, after *blur.Score // nil when not ranked then
}

func (m blurMove) score(s *blur.Score) float64 {
	if s == nil {
		return 0
	}
	return s.Score
}

func (m blurMove) delta() float64 { return m.score(m.after) - m.score(m.before) }

// pathsTo is the answer of Query.pathsFrom for one target.
type pathsTo struct {
	to    string
	paths []pathView
}

// workbenchTypes builds FactChange, BlurMove, Changes and PathsTo. It needs
// the entity, statement, attribution, path and blurScore types.
func (b *builder) workbenchTypes() {
	a := b.a
	b.factChange = graphql.NewObject(graphql.ObjectConfig{
		Name:        "FactChange",
		Description: "A fact that began or stopped counting between two dates, and when.",
		Fields: graphql.Fields{
			"date": {Type: nonNull(b.date), Description: "When it began counting (the later of validFrom and publishedOn) or ended (validUntil).",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(factChange).date, nil }},
			"statement": {Type: nonNull(b.statement), Description: "The fact, with its provenance.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(factChange).fact, nil }},
		},
	})
	move := func(p graphql.ResolveParams) blurMove { return p.Source.(blurMove) }
	b.blurMove = graphql.NewObject(graphql.ObjectConfig{
		Name:        "BlurMove",
		Description: "An actor whose blur score moved between two dates: its score then and now, each fully explained.",
		Fields: graphql.Fields{
			"actor": {Type: nonNull(b.entity), Description: "The actor scored.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return a.loaders(p.Context).node(p.Context, move(p).actor), nil
			}},
			"before": {Type: nonNull(graphql.Float), Description: "Its score at the first date (0 when it was not ranked).", Resolve: func(p graphql.ResolveParams) (any, error) {
				m := move(p)
				return m.score(m.before), nil
			}},
			"after": {Type: nonNull(graphql.Float), Description: "Its score at the second date (0 when it is not ranked).", Resolve: func(p graphql.ResolveParams) (any, error) {
				m := move(p)
				return m.score(m.after), nil
			}},
			"delta": {Type: nonNull(graphql.Float), Description: "after - before.", Resolve: func(p graphql.ResolveParams) (any, error) { return move(p).delta(), nil }},
			"from": {Type: b.blurScore, Description: "The whole score at the first date; null when the actor was not ranked then.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if s := move(p).before; s != nil {
					return s, nil
				}
				return nil, nil
			}},
			"to": {Type: b.blurScore, Description: "The whole score at the second date; null when the actor is not ranked then.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if s := move(p).after; s != nil {
					return s, nil
				}
				return nil, nil
			}},
		},
	})
	ch := func(p graphql.ResolveParams) *changes { return p.Source.(*changes) }
	b.changes = graphql.NewObject(graphql.ObjectConfig{
		Name: "Changes",
		Description: "What changed between two dates: the facts that began or ended counting, the attributions made, " +
			"and the blur scores that moved. Each list holds at most first items.",
		Fields: graphql.Fields{
			"from": {Type: nonNull(b.date), Description: "The first instant compared (a day means its end).", Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).from, nil }},
			"to":   {Type: nonNull(b.date), Description: "The second instant compared (a day means its end).", Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).to, nil }},
			"began": {Type: listOf(b.factChange), Description: "Facts that count at to but did not at from, by date then fact id.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).began, nil }},
			"ended": {Type: listOf(b.factChange), Description: "Facts that counted at from and no longer do at to (their validUntil passed), by date then fact id.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).ended, nil }},
			"attributions": {Type: listOf(b.attribution), Description: "Attributions made (dated) after from and up to to, by date, then attributing party, then fact id.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).attributions, nil }},
			"blurMoves": {Type: listOf(b.blurMove), Description: "Actors whose blur score differs between from and to, the largest move first (ties by actor id).",
				Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).moves, nil }},
			"truncated": {Type: nonNull(graphql.Boolean), Description: "True when first cut a list short.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return ch(p).truncated, nil }},
		},
	})
	b.pathsTo = graphql.NewObject(graphql.ObjectConfig{
		Name:        "PathsTo",
		Description: "The shortest paths from pathsFrom's entity to one of its targets.",
		Fields: graphql.Fields{
			"to": {Type: nonNull(b.entity), Description: "The target.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return a.loaders(p.Context).node(p.Context, p.Source.(pathsTo).to), nil
			}},
			"paths": {Type: listOf(b.path), Description: "Every shortest path to it, up to first; empty when none is within maxHops.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(pathsTo).paths, nil }},
		},
	})
}

// workbenchQueries are the Query fields of this file.
func (b *builder) workbenchQueries() graphql.Fields {
	a := b.a
	return graphql.Fields{
		"changes": {
			Type: b.changes,
			Description: "What changed between two dates: facts that began or ended counting, attributions made, blur scores that moved. " +
				"BAD_USER_INPUT when to is before from.",
			Args: graphql.FieldConfigArgument{
				"from":  {Type: nonNull(b.date), Description: "The earlier date; a day means the end of that day (UTC)."},
				"to":    {Type: nonNull(b.date), Description: "The later date; a day means the end of that day (UTC)."},
				"state": {Type: graphql.ID, Description: "The State whose blur ranking is compared; absent: every actor against the state giving it the highest score."},
				"kinds": {Type: listIn(b.predKind), Description: "Only facts of these predicate kinds in began and ended (all when absent)."},
				"first": {Type: graphql.Int, DefaultValue: DefaultChanges, Description: "The most items of each list."},
			},
			Resolve: a.resolveChanges,
		},
		"pathsFrom": {
			Type: graphql.NewList(nonNull(b.pathsTo)),
			Description: "The shortest paths from one entity to each of several (all the defendants of an indictment, say), " +
				"one PathsTo per target in the order given, each as paths would give it.",
			Args: b.filterArgs(graphql.FieldConfigArgument{
				"from":    {Type: nonNull(graphql.ID), Description: "Where every path starts."},
				"to":      {Type: nonNull(listIn(graphql.ID)), Description: "The targets (at most the MaxPageSize limit; repeats are answered once)."},
				"maxHops": {Type: graphql.Int, DefaultValue: DefaultMaxHops, Description: "At most this many hops (1 to the MaxPathHops limit)."},
				"first":   {Type: graphql.Int, DefaultValue: DefaultPaths, Description: "The most paths per target."},
			}),
			Resolve: a.resolvePathsFrom,
		},
	}
}

// resolveChanges resolves Query.changes.
func (a *API) resolveChanges(p graphql.ResolveParams) (any, error) {
	first, err := a.first(p.Args, DefaultChanges)
	if err != nil {
		return nil, err
	}
	fromD, _, err := argDate(p.Args, "from")
	if err != nil {
		return nil, err
	}
	toD, _, err := argDate(p.Args, "to")
	if err != nil {
		return nil, err
	}
	from, to := fromD.instant(), toD.instant()
	if to.Before(from) {
		return nil, invalid("to (%s) is before from (%s)", formatDate(to), formatDate(from))
	}
	state, err := a.blurState(p)
	if err != nil {
		return nil, err
	}
	var kinds []blurline.PredicateKind
	for _, v := range asList(p.Args["kinds"]) {
		if k, ok := v.(blurline.PredicateKind); ok {
			kinds = append(kinds, k)
		}
	}
	facts, err := a.g.Facts(p.Context, blurline.FactQuery{})
	if err != nil {
		return nil, err
	}
	out := &changes{from: from, to: to, began: []factChange{}, ended: []factChange{}, attributions: []*blurline.Fact{}, moves: []blurMove{}}
	for i, f := range facts {
		if i&1023 == 1023 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		if f.Predicate == blurline.AttributedTo {
			if d := attributionDate(f); d.After(from) && !d.After(to) {
				out.attributions = append(out.attributions, f)
			}
		}
		if len(kinds) > 0 && !slices.Contains(kinds, f.Predicate.Kind()) {
			continue
		}
		then, now := f.HoldsAt(from), f.HoldsAt(to)
		switch {
		case !then && now:
			out.began = append(out.began, factChange{date: latest(f.ValidFrom, f.PublishedOn), fact: f})
		case then && !now:
			out.ended = append(out.ended, factChange{date: f.ValidUntil, fact: f})
		}
	}
	byDate := func(x, y factChange) int { return cmp.Or(x.date.Compare(y.date), cmp.Compare(x.fact.ID, y.fact.ID)) }
	slices.SortFunc(out.began, byDate)
	slices.SortFunc(out.ended, byDate)
	slices.SortFunc(out.attributions, func(x, y *blurline.Fact) int {
		return cmp.Or(attributionDate(x).Compare(attributionDate(y)), cmp.Compare(x.AssertedBy, y.AssertedBy), cmp.Compare(x.ID, y.ID))
	})
	if out.moves, err = a.blurMoves(p.Context, state, from, to); err != nil {
		return nil, err
	}
	out.began, out.truncated = cut(out.began, first, out.truncated)
	out.ended, out.truncated = cut(out.ended, first, out.truncated)
	out.attributions, out.truncated = cut(out.attributions, first, out.truncated)
	out.moves, out.truncated = cut(out.moves, first, out.truncated)
	return out, nil
}

func cut[T any](s []T, n int, truncated bool) ([]T, bool) {
	if len(s) > n {
		return s[:n], true
	}
	return s, truncated
}

// latest is the later of two times.
func latest(x, y time.Time) time.Time {
	if y.After(x) {
		return y
	}
	return x
}

// blurMoves compares the whole blur ranking of state at two instants.
func (a *API) blurMoves(ctx context.Context, state string, from, to time.Time) ([]blurMove, error) {
	rank := func(t time.Time) (map[string]*blur.Score, error) {
		scores, err := a.blur.Ranking(ctx, state, t, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		m := make(map[string]*blur.Score, len(scores))
		for i := range scores {
			m[scores[i].Actor] = &scores[i]
		}
		return m, nil
	}
	before, err := rank(from)
	if err != nil {
		return nil, err
	}
	after, err := rank(to)
	if err != nil {
		return nil, err
	}
	moves := []blurMove{}
	add := func(actor string) {
		m := blurMove{actor: actor, before: before[actor], after: after[actor]}
		if math.Abs(m.delta()) > 1e-9 || (m.before == nil) != (m.after == nil) {
			moves = append(moves, m)
		}
	}
	for actor := range after {
		add(actor)
	}
	for actor := range before {
		if after[actor] == nil {
			add(actor)
		}
	}
	slices.SortFunc(moves, func(x, y blurMove) int {
		return cmp.Or(cmp.Compare(math.Abs(y.delta()), math.Abs(x.delta())), cmp.Compare(x.actor, y.actor))
	})
	return moves, nil
}

// resolvePathsFrom resolves Query.pathsFrom.
func (a *API) resolvePathsFrom(p graphql.ResolveParams) (any, error) {
	o, err := a.pathOptions(p)
	if err != nil {
		return nil, err
	}
	from := argString(p.Args, "from")
	var targets []string
	seen := map[string]bool{}
	for _, id := range argIDs(p.Args, "to") {
		if s := shortID(id); !seen[s] {
			seen[s] = true
			targets = append(targets, s)
		}
	}
	if len(targets) > a.limits.MaxPageSize {
		return nil, blurline.Errorf(blurline.ErrLimit, "pathsFrom: %d targets is over the limit of %d", len(targets), a.limits.MaxPageSize)
	}
	if err := a.checkEntities(p.Context, append([]string{from}, targets...)...); err != nil {
		return nil, err
	}
	out := []pathsTo{}
	for _, to := range targets {
		if err := p.Context.Err(); err != nil {
			return nil, err
		}
		paths, err := a.pathViews(p.Context, from, to, o)
		if err != nil {
			return nil, err
		}
		out = append(out, pathsTo{to: to, paths: paths})
	}
	return out, nil
}

// stateOrgans returns ids and every organ of the states among them: the
// government bodies, intelligence services and regional bureaus that are
// partOf or regionalBureauOf one of them, directly or through one another
// (the MSS of the PRC, the Hainan State Security Department of the MSS),
// by facts that hold at asOf. Ids come first, in their order, then the
// organs found, breadth first.
func (a *API) stateOrgans(ctx context.Context, ids []string, asOf time.Time) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if s := shortID(id); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	organ := map[blurline.Class]bool{blurline.GovernmentBody: true, blurline.IntelligenceService: true, blurline.RegionalBureau: true}
	filter := blurline.FactFilter{Predicates: []blurline.Predicate{blurline.PartOf, blurline.RegionalBureauOf}, AsOf: asOf}
	frontier := slices.Clone(out)
	for depth := 0; len(frontier) > 0 && depth < a.limits.MaxPathHops; depth++ {
		lists, err := a.g.FactsOf(ctx, frontier, blurline.In, filter)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, facts := range lists {
			for _, f := range facts {
				if !seen[f.Subject] {
					seen[f.Subject] = true
					found = append(found, f.Subject)
				}
			}
		}
		nodes, err := a.g.Nodes(ctx, found)
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for _, n := range nodes {
			if n != nil && organ[n.Class] {
				frontier = append(frontier, n.ID)
				out = append(out, n.ID)
			}
		}
	}
	return out, nil
}
