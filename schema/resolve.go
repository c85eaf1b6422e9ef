package schema

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
)

// resolve.go: the Query type and the resolvers that read relationships.

func (b *builder) filterArgs(c graphql.FieldConfigArgument) graphql.FieldConfigArgument {
	c["predicates"] = &graphql.ArgumentConfig{Type: listIn(b.predicate), Description: "Any of these predicates (all when absent)."}
	c["kinds"] = &graphql.ArgumentConfig{Type: listIn(b.predKind), Description: "Any of these predicate kinds (all when absent)."}
	c["minConfidence"] = &graphql.ArgumentConfig{Type: graphql.Float, Description: "Only facts with at least this confidence (0 to 1)."}
	c["asOf"] = &graphql.ArgumentConfig{Type: b.date, Description: "Only facts that held and were public at this date; a day means the end of that day (UTC)."}
	return b.evidenceArgs(c)
}

// pageArgs adds the paging arguments of a connection to c: first/after
// page forward, last/before backward; def is the page size when neither
// first nor last is given.
func pageArgs(def int, c graphql.FieldConfigArgument) graphql.FieldConfigArgument {
	c["first"] = &graphql.ArgumentConfig{Type: graphql.Int, Description: fmt.Sprintf("The first n items (after after); %d when neither first nor last is given; at most the MaxPageSize limit.", def)}
	c["after"] = &graphql.ArgumentConfig{Type: graphql.String, Description: "Only items after this cursor (a pageInfo.endCursor or an edge's cursor)."}
	c["last"] = &graphql.ArgumentConfig{Type: graphql.Int, Description: "The last n items (before before): pages backward; at most the MaxPageSize limit."}
	c["before"] = &graphql.ArgumentConfig{Type: graphql.String, Description: "Only items before this cursor (a pageInfo.startCursor or an edge's cursor)."}
	return c
}

// byID is a field with one argument, id, whose resolver returns what get
// finds for it (Query.entity, Query.fact, Mutation.retractFact).
func byID[T any](typ graphql.Output, desc, idDesc string, get func(ctx context.Context, id string) (T, error)) *graphql.Field {
	return &graphql.Field{
		Type:        typ,
		Description: desc,
		Args:        graphql.FieldConfigArgument{"id": {Type: nonNull(graphql.ID), Description: idDesc}},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			v, err := get(p.Context, argString(p.Args, "id"))
			if err != nil {
				return nil, err
			}
			return v, nil
		},
	}
}

func (b *builder) queryType() *graphql.Object {
	a := b.a
	q := graphql.NewObject(graphql.ObjectConfig{
		Name:        "Query",
		Description: "What can be asked: entities and facts, paths and neighbourhoods, attributions, blur scores, changes, STIX bundles and store statistics.",
		Fields: graphql.Fields{
			"entity": byID(b.entity, "An entity by id (or IRI). NOT_FOUND when there is none.", "The entity's id or IRI.",
				func(ctx context.Context, id string) (*blurline.Node, error) {
					n, err := a.g.Node(ctx, id)
					if err == nil {
						a.loaders(ctx).prime(n)
					}
					return n, err
				}),
			"entities": {
				Type:        b.entityConn,
				Description: "Entities by kind and text, sorted by name then id, as a connection. search matches names, aliases, ids and external ids, case-insensitively.",
				Args: pageArgs(DefaultPageSize, graphql.FieldConfigArgument{
					"kind":   {Type: listIn(b.kind), Description: "Any of these kinds (all but Source when absent: source records are listed when asked for)."},
					"search": {Type: graphql.String, Description: "A case-insensitive substring of the name, an alias, the id or an external id."},
				}),
				Resolve: a.resolveEntities,
			},
			"fact": byID(b.statement, "A fact by id (or IRI). NOT_FOUND when there is none.", "The fact's id or IRI.", a.g.Fact),
			"relationships": {
				Type: b.relConn,
				Description: "Relationships between entities, filtered in the manner of OpenCTI's stixCoreRelationships, sorted by fact id, as a connection. " +
					"Each is seen from its end in from (else from its end not in to, else from its subject).",
				Args: pageArgs(DefaultPageSize, b.filterArgs(graphql.FieldConfigArgument{
					"from":       {Type: listIn(graphql.ID), Description: "Entities at the near end (any when absent)."},
					"to":         {Type: listIn(graphql.ID), Description: "Entities at the far end (any when absent)."},
					"direction":  {Type: b.direction, DefaultValue: blurline.Both, Description: "OUT: from is the subject; IN: from is the object."},
					"assertedBy": {Type: graphql.ID, Description: "Only facts asserted by this party."},
				})),
				Resolve: a.resolveRelationships,
			},
			"paths": {
				Type:        graphql.NewList(nonNull(b.path)),
				Description: "The shortest paths between two entities, walking facts either way: every path of the shortest length, up to first, each hop with its statement and evidence. Empty when none is within maxHops.",
				Args: b.filterArgs(graphql.FieldConfigArgument{
					"from":    {Type: nonNull(graphql.ID), Description: "The entity the paths start from."},
					"to":      {Type: nonNull(graphql.ID), Description: "The entity the paths end at."},
					"maxHops": {Type: graphql.Int, DefaultValue: DefaultMaxHops, Description: "At most this many hops (1 to the MaxPathHops limit)."},
					"first":   {Type: graphql.Int, DefaultValue: DefaultPaths, Description: "The most paths returned."},
				}),
				Resolve: a.resolvePaths,
			},
			"attributions": {
				Type:        graphql.NewList(nonNull(b.attribution)),
				Description: "Who attributed what to whom (attributedTo facts), sorted by date, then attributing party, then fact id.",
				Args: b.evidenceArgs(graphql.FieldConfigArgument{
					"incident":      {Type: graphql.ID, Description: "What was attributed: an incident, campaign or group (any when absent)."},
					"attributedBy":  {Type: listIn(graphql.ID), Description: "Any of these attributing parties (the facts' assertedBy)."},
					"attributedTo":  {Type: listIn(graphql.ID), Description: "Attributed to any of these."},
					"asOf":          {Type: b.date, Description: "Only attributions made and holding at this date; a day means the end of that day (UTC)."},
					"since":         {Type: b.date, Description: "Only attributions made (date) on or after this day or instant."},
					"minConfidence": {Type: graphql.Float, Description: "Only attributions with at least this confidence (0 to 1)."},
					"includeOrgans": {Type: graphql.Boolean, DefaultValue: false, Description: "Also count attributions to the organs of the states in attributedTo: " +
						"the government bodies, intelligence services and regional bureaus that are partOf or regionalBureauOf them, directly or through one another (the MSS and its bureaus for the PRC)."},
					"first": {Type: graphql.Int, DefaultValue: DefaultAttributions, Description: "The most returned."},
				}),
				Resolve: a.resolveAttributions,
			},
			"neighbourhood": {
				Type:        b.subgraph,
				Description: "The entities within hops of an entity and the facts that join them (literal-valued claims left out), breadth first, up to first facts.",
				Args: b.filterArgs(graphql.FieldConfigArgument{
					"id":    {Type: nonNull(graphql.ID), Description: "The entity at the centre."},
					"hops":  {Type: graphql.Int, DefaultValue: 1, Description: "0 to the MaxPathHops limit."},
					"first": {Type: graphql.Int, DefaultValue: DefaultSubgraph, Description: "The most facts (at least 1)."},
				}),
				Resolve: a.resolveNeighbourhood,
			},
			"blur": {
				Type: b.blurScore,
				Description: "The blur of an actor with respect to a state (docs/blur.md): the score, its parts, the strongest evidence path " +
					"with each hop's statement, and its bottleneck. NOT_FOUND for an unknown actor or state, BAD_USER_INPUT when state is not a State.",
				Args: func() graphql.FieldConfigArgument {
					args := b.blurArgs()
					args["actor"] = &graphql.ArgumentConfig{Type: nonNull(graphql.ID), Description: "Any entity; actors are what the index is for."}
					return args
				}(),
				Resolve: a.resolveBlur,
			},
			"blurRanking": {
				Type: graphql.NewList(nonNull(b.blurScore)),
				Description: "The actors tied to a state by at least one control path, highest score first (ties by actor id), each fully explained. " +
					"Without state, every actor tied to any state, once, against the state giving it the highest score.",
				Args: b.evidenceArgs(graphql.FieldConfigArgument{
					"state": {Type: graphql.ID, Description: "A State; absent: all states."},
					"asOf":  {Type: b.date, Description: "Rank on what was known and held at this date; a day means the end of that day (UTC)."},
					"first": {Type: graphql.Int, DefaultValue: DefaultBlurRanking, Description: "The most returned."},
				}),
				Resolve: a.resolveBlurRanking,
			},
			"assessments": b.assessmentsField(),
			"toolbox":     b.toolboxField(),
			"stixBundle": {
				Type: graphql.String,
				Description: "A STIX 2.1 bundle (JSON text) of the entities within hops of ids and the facts among them, with the assertors; " +
					"of the whole store when ids is absent or empty. LIMIT_EXCEEDED over the MaxExport limit of entities and facts. docs/interop.md gives the profile.",
				Args: graphql.FieldConfigArgument{
					"ids":  {Type: listIn(graphql.ID), Description: "The entities at the centre (the whole store when absent or empty)."},
					"hops": {Type: graphql.Int, DefaultValue: 1, Description: "The radius around ids, 1 to the MaxPathHops limit."},
					"asOf": {Type: b.date, Description: "Only facts that held and were public at this date."},
				},
				Resolve: a.resolveSTIXBundle,
			},
			"stats": {
				Type:        b.stats,
				Description: "Counts by kind and predicate.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					return a.g.Stats(p.Context)
				},
			},
		},
	})
	for name, f := range b.workbenchQueries() {
		q.AddFieldConfig(name, f)
	}
	for name, f := range b.nodeQueries() {
		q.AddFieldConfig(name, f)
	}
	for name, f := range b.historyQueries() {
		q.AddFieldConfig(name, f)
	}
	return q
}

func (a *API) resolveEntities(p graphql.ResolveParams) (any, error) {
	pg, err := a.page(p.Args, DefaultPageSize)
	if err != nil {
		return nil, err
	}
	var q blurline.NodeQuery
	for _, v := range asList(p.Args["kind"]) {
		if c, ok := v.(blurline.Class); ok {
			q.Classes = append(q.Classes, c)
		}
	}
	q.Text = argString(p.Args, "search")
	if len(q.Classes) == 0 {
		// Source records are documents about the entities, not entities of
		// the case: listed when asked for by kind (kind: [Source]).
		for _, ci := range blurline.Classes {
			if ci.Class != blurline.Source {
				q.Classes = append(q.Classes, ci.Class)
			}
		}
	}
	nodes, err := a.g.FindNodes(p.Context, q)
	if err != nil {
		return nil, err
	}
	c, err := paginate(nodes, "entity", nodeKey, pg)
	if err != nil {
		return nil, err
	}
	l := a.loaders(p.Context)
	for _, e := range c.edges {
		l.prime(e.node.(*blurline.Node))
	}
	return c, nil
}

// matchDir reports whether f touches id in direction dir.
func matchDir(f *blurline.Fact, id string, dir blurline.Direction) bool {
	switch dir {
	case blurline.Out:
		return f.Subject == id
	case blurline.In:
		return f.Object == id
	}
	return f.Subject == id || f.Object == id
}

// resolveRelField resolves a typed relationship field (sponsors, attributions...).
func (a *API) resolveRelField(r relField) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		first, filter, err := a.firstFilter(p, DefaultPageSize)
		if err != nil {
			return nil, err
		}
		filter.Predicates = r.preds
		return a.ownFacts(p, func(f *blurline.Fact, id string) bool { return matchDir(f, id, r.dir) && filter.Match(f) },
			func(id string, facts []*blurline.Fact) (any, error) {
				return asRels(facts[:min(first, len(facts))], id), nil
			})
	}
}

// asRels sees facts from the entity id.
func asRels(facts []*blurline.Fact, id string) []rel {
	out := make([]rel, len(facts))
	for i, f := range facts {
		out[i] = rel{f: f, near: id}
	}
	return out
}

// resolveEntityRelationships resolves Entity.relationships.
func (a *API) resolveEntityRelationships(p graphql.ResolveParams) (any, error) {
	pg, filter, err := a.pageFilter(p, DefaultPageSize)
	if err != nil {
		return nil, err
	}
	dir := argDirection(p.Args)
	to := map[string]bool{}
	for _, id := range argIDs(p.Args, "to") {
		to[shortID(id)] = true
	}
	return a.ownFacts(p, func(f *blurline.Fact, id string) bool {
		return matchDir(f, id, dir) && filter.Match(f) && (len(to) == 0 || to[f.Other(id)])
	}, func(id string, facts []*blurline.Fact) (any, error) {
		return paginate(asRels(facts, id), "fact", relKey, pg)
	})
}

// resolveRelationships resolves Query.relationships.
func (a *API) resolveRelationships(p graphql.ResolveParams) (any, error) {
	pg, filter, err := a.pageFilter(p, DefaultPageSize)
	if err != nil {
		return nil, err
	}
	q := blurline.FactQuery{From: argIDs(p.Args, "from"), To: argIDs(p.Args, "to"), Direction: argDirection(p.Args), FactFilter: filter}
	if err := a.checkEntities(p.Context, ids([][]string{q.From, q.To}, q.AssertedBy)...); err != nil {
		return nil, err
	}
	facts, err := a.g.Facts(p.Context, q)
	if err != nil {
		return nil, err
	}
	from, to := idSet(q.From), idSet(q.To)
	rels := make([]rel, 0, len(facts))
	for i, f := range facts {
		if i&1023 == 1023 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		near := ""
		switch {
		case len(from) > 0 && !from[f.Subject] && from[f.Object]:
			near = f.Object
		case len(from) == 0 && len(to) > 0 && to[f.Subject] && !to[f.Object] && f.Object != "":
			near = f.Object
		}
		rels = append(rels, rel{f: f, near: near})
	}
	return paginate(rels, "fact", relKey, pg)
}

func idSet(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[shortID(id)] = true
	}
	return m
}

// resolvePaths resolves Query.paths.
func (a *API) resolvePaths(p graphql.ResolveParams) (any, error) {
	o, err := a.pathOptions(p)
	if err != nil {
		return nil, err
	}
	from, to := argString(p.Args, "from"), argString(p.Args, "to")
	if err := a.checkEntities(p.Context, from, to); err != nil {
		return nil, err
	}
	return a.pathViews(p.Context, from, to, o)
}

// pathOptions reads what Query.paths and Query.pathsFrom share: maxHops,
// first and every fact filter, the evidence ones included.
func (a *API) pathOptions(p graphql.ResolveParams) (blurline.PathOptions, error) {
	var o blurline.PathOptions
	var err error
	if o.MaxHops, err = a.hops(p.Args, "maxHops", DefaultMaxHops, 1); err != nil {
		return o, err
	}
	o.Limit, o.FactFilter, err = a.firstFilter(p, DefaultPaths)
	return o, err
}

// pathViews returns the shortest paths from from to to, seen from from;
// an empty list, without a search, when opts.Limit is 0.
func (a *API) pathViews(ctx context.Context, from, to string, opts blurline.PathOptions) ([]pathView, error) {
	out := []pathView{}
	if opts.Limit == 0 {
		return out, nil
	}
	paths, err := a.g.ShortestPaths(ctx, from, to, opts)
	if err != nil {
		return nil, err
	}
	for _, path := range paths {
		out = append(out, pathView{Path: path, from: shortID(from)})
	}
	return out, nil
}

// resolveAttributions resolves Query.attributions.
func (a *API) resolveAttributions(p graphql.ResolveParams) (any, error) {
	first, filter, err := a.firstFilter(p, DefaultAttributions)
	if err != nil {
		return nil, err
	}
	filter.Predicates = []blurline.Predicate{blurline.AttributedTo}
	q := blurline.FactQuery{To: argIDs(p.Args, "attributedTo"), Direction: blurline.Out, FactFilter: filter}
	incident, hasIncident := p.Args["incident"].(string)
	if hasIncident {
		q.From = []string{incident}
	}
	by := argIDs(p.Args, "attributedBy")
	if err := a.checkEntities(p.Context, ids([][]string{q.From, q.To, by})...); err != nil {
		return nil, err
	}
	if organs, _ := p.Args["includeOrgans"].(bool); organs && len(q.To) > 0 {
		if q.To, err = a.stateOrgans(p.Context, q.To, filter.AsOf); err != nil {
			return nil, err
		}
	}
	facts, err := a.g.Facts(p.Context, q)
	if err != nil {
		return nil, err
	}
	since, hasSince, err := argDate(p.Args, "since")
	if err != nil {
		return nil, err
	}
	byset := idSet(by)
	out := []*blurline.Fact{}
	for _, f := range facts {
		if len(byset) > 0 && !byset[f.AssertedBy] || hasSince && attributionDate(f).Before(since.t) {
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y *blurline.Fact) int {
		return cmp.Or(attributionDate(x).Compare(attributionDate(y)), cmp.Compare(x.AssertedBy, y.AssertedBy), cmp.Compare(x.ID, y.ID))
	})
	if len(out) > first {
		out = out[:first]
	}
	return out, nil
}

// resolveNeighbourhood resolves Query.neighbourhood.
func (a *API) resolveNeighbourhood(p graphql.ResolveParams) (any, error) {
	hops, err := a.hops(p.Args, "hops", 1, 0)
	if err != nil {
		return nil, err
	}
	first, err := a.first(p.Args, DefaultSubgraph)
	if err != nil {
		return nil, err
	}
	if first < 1 {
		return nil, invalid("first must be at least 1 for neighbourhood, got %d", first)
	}
	filter, err := a.factFilter(p)
	if err != nil {
		return nil, err
	}
	id := argString(p.Args, "id")
	if err := a.checkEntities(p.Context, id); err != nil {
		return nil, err
	}
	g, err := a.g.Neighbourhood(p.Context, id, hops, first, filter)
	if err != nil {
		return nil, err
	}
	g.Nodes = slices.Clone(g.Nodes)
	g.Facts = slices.Clone(g.Facts)
	slices.SortFunc(g.Nodes, func(x, y *blurline.Node) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(g.Facts, func(x, y *blurline.Fact) int { return cmp.Compare(x.ID, y.ID) })
	if g.Nodes == nil {
		g.Nodes = []*blurline.Node{}
	}
	if g.Facts == nil {
		g.Facts = []*blurline.Fact{}
	}
	a.loaders(p.Context).prime(g.Nodes...)
	return g, nil
}
