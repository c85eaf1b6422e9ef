package schema

import (
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/graphql-go/graphql"
)

// blur.go: the blur analysis (package blur, docs/blur.md) in the schema:
// the BlurScore type, Query.blur, Query.blurRanking and the blur field of
// every entity. The API keeps one blur.Analyzer (API.blur), which caches by
// store version, instant and state, so a repeated ranking on an unchanged
// store is a copy and a write starts it afresh.

// DefaultBlurRanking is the default first of blurRanking.
const DefaultBlurRanking = 20

// blurTypes builds BlurScore, BlurBottleneck and BlurActivity. It needs
// the entity, path, hop, statement and healey types.
func (b *builder) blurTypes() {
	a := b.a
	sc := func(p graphql.ResolveParams) *blur.Score { return p.Source.(*blur.Score) }
	num := func(get func(*blur.Score) float64, doc string) *graphql.Field {
		return &graphql.Field{Type: nonNull(graphql.Float), Description: doc, Resolve: func(p graphql.ResolveParams) (any, error) { return get(sc(p)), nil }}
	}
	bottleneck := graphql.NewObject(graphql.ObjectConfig{
		Name:        "BlurBottleneck",
		Description: "The loosest link of a blur path: the control fact with the lowest Healey level (the least confident on a tie).",
		Fields: graphql.Fields{
			"index": {Type: nonNull(graphql.Int), Description: "The hop's index in path.hops, from 0.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blur.Bottleneck).Index, nil }},
			"level": {Type: nonNull(b.healey), Description: "Its Healey level: w(level) = level/9 caps sigma.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blur.Bottleneck).Level, nil }},
			"hop":   {Type: nonNull(b.hop), Description: "The hop itself, walked from the state's side.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blur.Bottleneck).Hop, nil }},
			"statement": {Type: nonNull(b.statement), Description: "The control fact, with its provenance.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return p.Source.(*blur.Bottleneck).Hop.Fact, nil
			}},
		},
	})
	activity := graphql.NewObject(graphql.ObjectConfig{
		Name:        "BlurActivity",
		Description: "One conducts fact of the actor and its share in kappa.",
		Fields: graphql.Fields{
			"statement": {Type: nonNull(b.statement), Description: "actor conducts activity, with its provenance.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blur.Conduct).Fact, nil }},
			"activity": {Type: nonNull(b.entity), Description: "The activity conducted (IP theft, espionage, ransomware...).", Resolve: func(p graphql.ResolveParams) (any, error) {
				return a.loaders(p.Context).node(p.Context, p.Source.(blur.Conduct).Activity), nil
			}},
			"weight": {Type: nonNull(graphql.Float), Description: "m, the activity's criminal-motive weight (0 when unset).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blur.Conduct).Weight, nil }},
			"term":   {Type: nonNull(graphql.Float), Description: "m * confidence, its term in the noisy-OR that gives kappa.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blur.Conduct).Term, nil }},
		},
	})
	b.blurScore = graphql.NewObject(graphql.ObjectConfig{
		Name: "BlurScore",
		Description: "The State-Criminal Blurring Index of an actor with respect to a state, its parts and the evidence behind it " +
			"(docs/blur.md): score = sigma * (1 - (1-nu)(1-kappa)).",
		Fields: graphql.Fields{
			"actor": {Type: nonNull(b.entity), Description: "The actor scored.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return a.loaders(p.Context).node(p.Context, sc(p).Actor), nil
			}},
			"sources": {Type: nonNull(graphql.NewList(nonNull(graphql.String))), Description: "The URLs of every source the score rests on: those of its path's facts and its activities, in the order met.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return sc(p).Sources(), nil }},
			"sourceRecords": b.sourceRecordsField(func(p graphql.ResolveParams) []string { return sc(p).Sources() }),
			"clearance": {Type: nonNull(b.marking), Description: "The score was computed only from the facts and entities marked at most this, the most restrictive marking you are cleared for: " +
				"a reader cleared for more may get another score.", Resolve: func(p graphql.ResolveParams) (any, error) { return sc(p).Clearance, nil }},
			"state": {Type: b.entity, Description: "The state scored against; null when no state is tied to the actor.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if s := sc(p).State; s != "" {
					return a.loaders(p.Context).node(p.Context, s), nil
				}
				return nil, nil
			}},
			"score":          num(func(s *blur.Score) float64 { return s.Score }, "The SCBI, 0 to 1."),
			"sigma":          num(func(s *blur.Score) float64 { return s.Sigma }, "State responsibility: the strongest evidence path, its confidences times 0.9 per hop after the first times w(bottleneck level) = level/9."),
			"nu":             num(func(s *blur.Score) float64 { return s.Nu }, "Non-state character of the actor, 0 (a state unit) to 1 (a criminal)."),
			"kappa":          num(func(s *blur.Score) float64 { return s.Kappa }, "Criminality: the noisy-OR of the actor's conducts facts weighted by criminal motive (see activities)."),
			"orgBlur":        num(func(s *blur.Score) float64 { return s.OrgBlur }, "Organisational blur, sigma * nu."),
			"motiveBlur":     num(func(s *blur.Score) float64 { return s.MotiveBlur }, "Motive blur, sigma * kappa."),
			"pathConfidence": num(func(s *blur.Score) float64 { return s.PathConfidence }, "The product of the confidences on path (1 without a path)."),
			"asOf": {Type: b.date, Description: "The instant scored (a day asked for means its end); null means everything known now.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return sc(p).AsOf, nil
			}},
			"path": {Type: b.path, Description: "The strongest evidence path from the state to the actor, one fact per hop, each hop with its statement " +
				"(predicate, confidence, sources, dates, Healey level); null when no path with a control fact exists.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					s := sc(p)
					if len(s.Path.Hops) == 0 {
						return nil, nil
					}
					return pathView{Path: s.Path, from: s.Path.Hops[0].From}, nil
				}},
			"bottleneck": {Type: bottleneck, Description: "The hop with the loosest Healey level; null without a path.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if bn := sc(p).Bottleneck; bn != nil {
					return bn, nil
				}
				return nil, nil
			}},
			"activities": {Type: listOf(activity), Description: "The actor's conducts facts behind kappa, strongest term first.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if acts := sc(p).Activities; acts != nil {
					return acts, nil
				}
				return []blur.Conduct{}, nil
			}},
		},
	})
}

// blurArgs are the arguments of Query.blur (with actor) and Entity.blur.
func (b *builder) blurArgs() graphql.FieldConfigArgument {
	return b.evidenceArgs(graphql.FieldConfigArgument{
		"state": {Type: graphql.ID, Description: "A State (PRC is \"prc\"); absent: the state giving the highest score."},
		"asOf":  {Type: b.date, Description: "Score on what was known and held at this date; a day means the end of that day (UTC)."},
	})
}

// blurState reads the state argument: "" when absent; an unknown id
// (an explicit "" included) is NOT_FOUND.
func (a *API) blurState(p graphql.ResolveParams) (string, error) {
	state, ok := p.Args["state"].(string)
	if !ok {
		return "", nil
	}
	if err := a.checkEntities(p.Context, state); err != nil {
		return "", err
	}
	return shortID(state), nil
}

// blurAsOf reads the asOf argument: the zero time when absent.
func blurAsOf(args map[string]any) (d dateValue, err error) {
	d, ok, err := argDate(args, "asOf")
	if err != nil || !ok {
		return dateValue{}, err
	}
	return dateValue{t: d.instant()}, nil
}

// resolveBlur resolves Query.blur.
func (a *API) resolveBlur(p graphql.ResolveParams) (any, error) {
	asOf, err := blurAsOf(p.Args)
	if err != nil {
		return nil, err
	}
	actor := argString(p.Args, "actor")
	if err := a.checkEntities(p.Context, actor); err != nil {
		return nil, err
	}
	return a.blurOf(p, shortID(actor), asOf.t)
}

// resolveEntityBlur resolves the blur field of an entity.
func (a *API) resolveEntityBlur(p graphql.ResolveParams) (any, error) {
	asOf, err := blurAsOf(p.Args)
	if err != nil {
		return nil, err
	}
	return a.blurOf(p, p.Source.(*blurline.Node).ID, asOf.t)
}

// blurOf scores the actor id as of asOf with the state and evidence
// arguments of p (Query.blur, Entity.blur).
func (a *API) blurOf(p graphql.ResolveParams, id string, asOf time.Time) (any, error) {
	state, err := a.blurState(p)
	if err != nil {
		return nil, err
	}
	ev, err := a.evidence(p)
	if err != nil {
		return nil, err
	}
	s, err := a.blur.BlurEvidence(p.Context, id, state, asOf, ev)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// resolveBlurRanking resolves Query.blurRanking.
func (a *API) resolveBlurRanking(p graphql.ResolveParams) (any, error) {
	first, err := a.first(p.Args, DefaultBlurRanking)
	if err != nil {
		return nil, err
	}
	asOf, err := blurAsOf(p.Args)
	if err != nil {
		return nil, err
	}
	state, err := a.blurState(p)
	if err != nil {
		return nil, err
	}
	out := []*blur.Score{}
	if first == 0 {
		return out, nil
	}
	ev, err := a.evidence(p)
	if err != nil {
		return nil, err
	}
	scores, err := a.blur.RankingEvidence(p.Context, state, asOf.t, first, ev)
	if err != nil {
		return nil, err
	}
	for i := range scores {
		out = append(out, &scores[i])
	}
	return out, nil
}
