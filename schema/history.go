package schema

import (
	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
)

// history.go: Query.history, the audit trail (admin only). Each write the
// store records (who, when, from where, what it changed) is one
// AuditEntry; the connection pages them newest first: first/after walks
// back in time, last/before forward from the oldest. The store fills a
// page by walking its records from the cursor (graph.Store.History), so
// the connection has no totalCount: counting would walk them all.

// DefaultHistory is history's page size when neither first nor last is given.
const DefaultHistory = 50

func (b *builder) historyQueries() graphql.Fields {
	ids := func(get func(*blurline.AuditRecord) []string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) { return get(p.Source.(*blurline.AuditRecord)), nil }
	}
	text := func(get func(*blurline.AuditRecord) string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) {
			if s := get(p.Source.(*blurline.AuditRecord)); s != "" {
				return s, nil
			}
			return nil, nil
		}
	}
	entry := graphql.NewObject(graphql.ObjectConfig{
		Name:        "AuditEntry",
		Description: "One write as the audit trail recorded it, in the same transaction as the write: who, when, from where, and what it changed.",
		Fields: graphql.Fields{
			"id":        {Type: nonNull(graphql.ID), Description: "The record's id: its time, then a random part.", Resolve: text(func(r *blurline.AuditRecord) string { return r.ID })},
			"at":        {Type: nonNull(b.date), Description: "When the write was made (UTC).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.AuditRecord).At, nil }},
			"principal": {Type: nonNull(graphql.String), Description: "Who: the name of the token's principal, \"anonymous\" without one, or the command line's user.", Resolve: text(func(r *blurline.AuditRecord) string { return r.Principal })},
			"from":      {Type: nonNull(graphql.String), Description: "Where from: the client's address as the server saw it, or \"cli\".", Resolve: text(func(r *blurline.AuditRecord) string { return r.From })},
			"action":    {Type: nonNull(graphql.String), Description: "The operation: a mutation's name (addFacts, importStix, ...), POST /import, TAXII POST, or the command (load, import).", Resolve: text(func(r *blurline.AuditRecord) string { return r.Action })},
			"importId":  {Type: graphql.String, Description: "The import written or retracted, for an import.", Resolve: text(func(r *blurline.AuditRecord) string { return r.Import })},
			"name":      {Type: graphql.String, Description: "The input's name, when it has one (a file, an upload, a TAXII collection).", Resolve: text(func(r *blurline.AuditRecord) string { return r.Name })},
			"added":     {Type: listOf(graphql.ID), Description: "The facts the write added, by id, sorted.", Resolve: ids(func(r *blurline.AuditRecord) []string { return r.Added })},
			"changed":   {Type: listOf(graphql.ID), Description: "The facts that were there and now read otherwise (more provenance, an entity renamed), sorted.", Resolve: ids(func(r *blurline.AuditRecord) []string { return r.Changed })},
			"retracted": {Type: listOf(graphql.ID), Description: "The facts the write removed, sorted. Their history stays.", Resolve: ids(func(r *blurline.AuditRecord) []string { return r.Retracted })},
			"entities":  {Type: listOf(graphql.ID), Description: "The entities the write described or that are at an end of those facts, sorted.", Resolve: ids(func(r *blurline.AuditRecord) []string { return r.Entities })},
			"marking": {Type: nonNull(b.marking), Description: "The most restrictive marking of what the entry names (its facts before and after, its entities): a principal cleared for less does not see the entry.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.AuditRecord).Marking, nil }},
		},
	})
	edge := graphql.NewObject(graphql.ObjectConfig{
		Name:        "AuditEdge",
		Description: "One entry of an AuditConnection and its cursor.",
		Fields: graphql.Fields{
			"node":   {Type: nonNull(entry), Description: "The entry.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*edge).node, nil }},
			"cursor": {Type: nonNull(graphql.String), Description: "An opaque cursor of the entry, for after and before.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*edge).cursor(), nil }},
		},
	})
	conn := graphql.NewObject(graphql.ObjectConfig{
		Name: "AuditConnection",
		Description: "A page of the audit trail, newest first (Relay connection): first/after pages back in time, last/before forward. " +
			"hasNextPage: older entries match; hasPreviousPage: newer ones do.",
		Fields: graphql.Fields{
			"edges":    {Type: listOf(edge), Description: "The entries of this page, newest first, each with its cursor.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*connection).list(), nil }},
			"pageInfo": {Type: nonNull(b.pageInfo), Description: "Where this page is: cursors and whether there are more pages either way.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source, nil }},
		},
	})
	return graphql.Fields{
		"history": {
			Type: conn,
			Description: "The audit trail: every write made through the API, the upload and TAXII endpoints and the command line, newest first. " +
				"Only for principals with the admin scope (UNAUTHENTICATED without a token, FORBIDDEN without the scope).",
			Args: pageArgs(DefaultHistory, graphql.FieldConfigArgument{
				"entity": {Type: graphql.ID, Description: "Only writes that touched this entity: described it, or added, changed or retracted a fact at one of its ends."},
				"fact":   {Type: graphql.ID, Description: "Only writes that added, changed or retracted this fact (it may be retracted now)."},
				"by":     {Type: graphql.String, Description: "Only writes of this principal."},
				"since":  {Type: b.date, Description: "Only writes at or after this instant; a day means its start (UTC)."},
			}),
			Resolve: b.a.resolveHistory,
		},
	}
}

func (a *API) resolveHistory(p graphql.ResolveParams) (any, error) {
	if pr := blurline.PrincipalFromContext(p.Context); pr == nil || pr.Anonymous {
		return nil, blurline.Errorf(blurline.ErrUnauthenticated, "the audit trail needs a token with the admin scope: send it as Authorization: Bearer <token>")
	}
	if err := blurline.Require(p.Context, blurline.ScopeAdmin, "the audit trail"); err != nil {
		return nil, err
	}
	pg, err := a.page(p.Args, DefaultHistory)
	if err != nil {
		return nil, err
	}
	q := blurline.AuditQuery{Entity: argString(p.Args, "entity"), Fact: argString(p.Args, "fact"), By: argString(p.Args, "by"), First: pg.first, Last: pg.last}
	if q.Entity != "" {
		q.Entity = shortID(q.Entity)
	}
	if q.Fact != "" {
		q.Fact = blurline.FactID(blurline.FactIRI(q.Fact))
	}
	since, ok, err := argDate(p.Args, "since")
	if err != nil {
		return nil, err
	}
	if ok {
		q.Since = since.t
	}
	for _, c := range []struct {
		arg, cursor string
		to          *string
	}{{"after", pg.after, &q.After}, {"before", pg.before, &q.Before}} {
		if c.cursor != "" {
			if *c.to, err = decodeCursor(c.arg, "audit", c.cursor); err != nil {
				return nil, err
			}
		}
	}
	res, err := a.g.History(p.Context, q)
	if err != nil {
		return nil, err
	}
	c := &connection{hasNext: res.HasOlder, hasPrev: res.HasNewer, edges: make([]edge, len(res.Records))}
	for i, r := range res.Records {
		c.edges[i] = edge{node: r, kind: "audit", key: r.ID}
	}
	return c, nil
}
