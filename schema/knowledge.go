package schema

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
)

// knowledge.go: knowledge an analyst can weigh. Source records (the Source
// type and sourceRecords on every fact and entity), the evidence filters
// (minReliability, sourceKinds) on relationships, attributions, paths and
// blur, the experts' assessments (Query.assessments) and the toolbox of a
// case (Query.toolbox): which kinds of response were used, by whom and
// when, and which were recommended, in which assessment.

// knowledgeTypes are the types this file adds to the builder.
type knowledgeTypes struct {
	reliability *graphql.Enum
	sourceKind  *graphql.Enum
	status      *graphql.Enum
	toolUse     *graphql.Object
	toolEntry   *graphql.Object
	record      *graphql.Object // SourceRecord: a cited source, light (no entity fields)
}

func (b *builder) knowledgeEnums() {
	rv := graphql.EnumValueConfigMap{}
	for _, r := range blurline.Reliabilities {
		rv[string(r.Grade)] = &graphql.EnumValueConfig{Value: r.Grade, Description: r.Description}
	}
	b.knowledge.reliability = graphql.NewEnum(graphql.EnumConfig{Name: "Reliability",
		Description: "A source's reliability on the Admiralty scale: A (completely reliable) to E (unreliable), F (cannot be judged).", Values: rv})
	kv := graphql.EnumValueConfigMap{}
	for _, k := range blurline.SourceKinds {
		kv[enumName(string(k.Kind))] = &graphql.EnumValueConfig{Value: k.Kind, Description: k.Description}
	}
	b.knowledge.sourceKind = graphql.NewEnum(graphql.EnumConfig{Name: "SourceKind", Description: "The kind of a source.", Values: kv})
	b.knowledge.status = graphql.NewEnum(graphql.EnumConfig{Name: "ToolStatus", Description: "Whether a kind of response was used in the case, recommended, both or neither.",
		Values: graphql.EnumValueConfigMap{
			"USED_AND_RECOMMENDED": {Value: "USED_AND_RECOMMENDED", Description: "Used in the case and recommended in an assessment."},
			"USED":                 {Value: "USED", Description: "Used in the case; no assessment recommends it."},
			"RECOMMENDED":          {Value: "RECOMMENDED", Description: "Recommended in an assessment but not used in the case."},
			"UNUSED":               {Value: "UNUSED", Description: "Neither used nor recommended: the rest of the toolbox."},
		}})
}

// enumName turns "official-statement" into OFFICIAL_STATEMENT.
func enumName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// evidenceArgs adds minReliability and sourceKinds to a field's arguments.
func (b *builder) evidenceArgs(c graphql.FieldConfigArgument) graphql.FieldConfigArgument {
	c["minReliability"] = &graphql.ArgumentConfig{Type: b.knowledge.reliability,
		Description: "Only facts with at least one source whose record grades it this reliable or better (A is best; F, cannot be judged, meets only F). A source without a record meets no minimum."}
	c["sourceKinds"] = &graphql.ArgumentConfig{Type: listIn(b.knowledge.sourceKind),
		Description: "Only facts with at least one source of one of these kinds (with minReliability: the same source must meet both)."}
	return c
}

// evidence reads minReliability and sourceKinds.
func (a *API) evidence(p graphql.ResolveParams) (blurline.Evidence, error) {
	var ev blurline.Evidence
	if r, ok := p.Args["minReliability"].(blurline.Reliability); ok {
		ev.MinReliability = r
	}
	for _, v := range asList(p.Args["sourceKinds"]) {
		if k, ok := v.(blurline.SourceKind); ok {
			ev.Kinds = append(ev.Kinds, k)
		}
	}
	if !ev.Active() {
		return ev, nil
	}
	recs, err := a.records(p.Context)
	if err != nil {
		return ev, err
	}
	ev.Records = func(url string) *blurline.SourceRecord { return recs[url] }
	return ev, nil
}

// factFilter reads the fact filter arguments, the evidence ones included.
func (a *API) factFilter(p graphql.ResolveParams) (blurline.FactFilter, error) {
	f, err := argFilter(p.Args)
	if err != nil {
		return f, err
	}
	f.Evidence, err = a.evidence(p)
	return f, err
}

// firstFilter reads what a list of facts reads first: first (def when
// absent) and the fact filter.
func (a *API) firstFilter(p graphql.ResolveParams, def int) (int, blurline.FactFilter, error) {
	n, err := a.first(p.Args, def)
	if err != nil {
		return 0, blurline.FactFilter{}, err
	}
	f, err := a.factFilter(p)
	return n, f, err
}

// pageFilter reads what a connection of facts reads first: its page
// (first/after, last/before) and the fact filter.
func (a *API) pageFilter(p graphql.ResolveParams, def int) (page, blurline.FactFilter, error) {
	pg, err := a.page(p.Args, def)
	if err != nil {
		return pg, blurline.FactFilter{}, err
	}
	f, err := a.factFilter(p)
	return pg, f, err
}

// ownFacts resolves, through the request's batch loader, the facts of the
// entity a field is on that keep accepts (in the loader's order), and
// hands them to use: what every field reading an entity's own facts does.
func (a *API) ownFacts(p graphql.ResolveParams, keep func(f *blurline.Fact, id string) bool, use func(id string, facts []*blurline.Fact) (any, error)) (any, error) {
	id := p.Source.(*blurline.Node).ID
	ctx := p.Context
	load := a.loaders(ctx).factsOf(ctx, id)
	return func() (any, error) {
		facts, err := load()
		if err != nil {
			return nil, err
		}
		var out []*blurline.Fact
		for i, f := range facts {
			if i&1023 == 1023 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if keep(f, id) {
				out = append(out, f)
			}
		}
		return use(id, out)
	}, nil
}

// subjectOf keeps the facts of predicate pred the entity is the subject of.
func subjectOf(pred blurline.Predicate) func(*blurline.Fact, string) bool {
	return func(f *blurline.Fact, id string) bool { return f.Predicate == pred && f.Subject == id }
}

// sourceCache holds the source records of one store version, for each
// clearance (a reader sees the records it may see).
type sourceCache struct {
	mu      sync.Mutex
	version uint64
	recs    [blurline.TLPRed + 1]map[string]*blurline.SourceRecord
}

// records returns every source record by URL, read once per store version.
func (a *API) records(ctx context.Context) (map[string]*blurline.SourceRecord, error) {
	c := &a.sources
	ver := a.g.Version()
	m := blurline.ClearanceFromContext(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != ver {
		c.version, c.recs = ver, [blurline.TLPRed + 1]map[string]*blurline.SourceRecord{}
	}
	if c.recs[m] != nil {
		return c.recs[m], nil
	}
	nodes, err := a.g.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.Source}})
	if err != nil {
		return nil, err
	}
	recs := make(map[string]*blurline.SourceRecord, len(nodes))
	for _, n := range nodes {
		if n.Record != nil {
			recs[blurline.EntityIRI(n.ID)] = n.Record
		}
	}
	c.recs[m] = recs
	return recs, nil
}

// sourceRecordsField is the sourceRecords field of facts and entities.
func (b *builder) sourceRecordsField(urls func(graphql.ResolveParams) []string) *graphql.Field {
	return &graphql.Field{
		Type: nonNull(graphql.NewList(nonNull(b.sourceRecordType()))),
		Description: "The sources as records: URL, title, publisher, publication date, kind, whether primary, and reliability (Admiralty A-F), in the order of sources. " +
			"A source without a record comes with its URL as its title and null fields.",
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return b.a.sourceNodes(p.Context, urls(p)), nil
		},
	}
}

// sourceRecordType is SourceRecord: what a fact, entity or score cites,
// with the fields of a Source but none of an entity's (relationships,
// blur), so that asking for every field of every source stays cheap.
func (b *builder) sourceRecordType() *graphql.Object {
	if b.knowledge.record != nil {
		return b.knowledge.record
	}
	b.knowledge.record = graphql.NewObject(graphql.ObjectConfig{
		Name:        "SourceRecord",
		Description: "A cited source and what its record says of it (the Source entity without the entity fields).",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			fs := b.classFields(blurline.Source)
			delete(fs, "recorded") // a source without a record has a null publisher
			fs["copyOf"] = &graphql.Field{Type: graphql.String, Description: "The URL of the primary source a copy or mirror reproduces.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if r := p.Source.(*blurline.Node).Record; r != nil && r.CopyOf != "" {
						return r.CopyOf, nil
					}
					return nil, nil
				}}
			return fs
		}),
	})
	return b.knowledge.record
}

// sourceNodes returns a thunk for the records of urls; a URL without a
// record gets a bare Source node.
func (a *API) sourceNodes(ctx context.Context, urls []string) func() (any, error) {
	l := a.loaders(ctx)
	ths := make([]func() (*blurline.Node, error), len(urls))
	for i, u := range urls {
		ths[i] = l.nodes.load(ctx, u)
	}
	return func() (any, error) {
		out := make([]*blurline.Node, len(urls))
		for i, th := range ths {
			n, err := th()
			if err != nil {
				return nil, err
			}
			if n == nil || n.Class != blurline.Source {
				n = &blurline.Node{ID: urls[i], Class: blurline.Source, Name: urls[i]}
			}
			out[i] = n
		}
		return out, nil
	}
}

// classFields are the fields of one class beyond the Entity interface and
// its typed relationship fields.
func (b *builder) classFields(c blurline.Class) graphql.Fields {
	rec := func(p graphql.ResolveParams) *blurline.SourceRecord { return p.Source.(*blurline.Node).Record }
	str := func(get func(*blurline.SourceRecord) string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) {
			if r := rec(p); r != nil {
				return nilIfEmpty(get(r)), nil
			}
			return nil, nil
		}
	}
	switch c {
	case blurline.Source:
		return graphql.Fields{
			"url": {Type: graphql.String, Description: "The document's URL: the record's IRI, null when the record is named by a Blurline IRI because no URL could be verified.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					iri := blurline.EntityIRI(p.Source.(*blurline.Node).ID)
					if strings.HasPrefix(iri, blurline.EntityBase) {
						return nil, nil
					}
					return iri, nil
				}},
			"recorded":  {Type: nonNull(graphql.Boolean), Description: "False for a cited URL that has no source record.", Resolve: func(p graphql.ResolveParams) (any, error) { return rec(p) != nil, nil }},
			"title":     {Type: nonNull(graphql.String), Description: "The document's title (the record's name).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.Node).Name, nil }},
			"publisher": {Type: graphql.String, Description: "Who published it.", Resolve: str(func(r *blurline.SourceRecord) string { return r.Publisher })},
			"sourceKind": {Type: b.knowledge.sourceKind, Description: "Official statement, court filing, advisory, vendor report, news, analysis or reference.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if r := rec(p); r != nil && r.Kind != "" {
						return r.Kind, nil
					}
					return nil, nil
				}},
			"primary": {Type: graphql.Boolean, Description: "True for the primary text (the statement, filing or report itself), false for a copy, mirror or report of it.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if r := rec(p); r != nil {
						return r.Primary, nil
					}
					return nil, nil
				}},
			"reliability": {Type: b.knowledge.reliability, Description: "Its Admiralty reliability grade (the facts' credibility is their confidence).",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if r := rec(p); r != nil && r.Reliability != "" {
						return r.Reliability, nil
					}
					return nil, nil
				}},
			"publishedOn": {Type: b.date, Description: "When it was published.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if r := rec(p); r != nil && !r.PublishedOn.IsZero() {
					return r.PublishedOn, nil
				}
				return nil, nil
			}},
			"copyOf": {Type: b.classes[blurline.Source], Description: "The primary source a copy or mirror reproduces.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if r := rec(p); r != nil && r.CopyOf != "" {
					return b.a.sourceNodes(p.Context, []string{r.CopyOf}), nil
				}
				return nil, nil
			}},
		}
	case blurline.Assessment:
		authored := func(p graphql.ResolveParams, get func(*blurline.Fact) (any, error)) (any, error) {
			return b.a.ownFacts(p, subjectOf(blurline.AuthoredBy), func(_ string, facts []*blurline.Fact) (any, error) {
				if len(facts) == 0 {
					return nil, nil
				}
				return get(facts[0])
			})
		}
		others := func(pred blurline.Predicate) graphql.FieldResolveFn {
			return func(p graphql.ResolveParams) (any, error) {
				return b.a.ownFacts(p, subjectOf(pred), func(_ string, facts []*blurline.Fact) (any, error) {
					ids := make([]string, len(facts))
					for i, f := range facts {
						ids[i] = f.Object
					}
					return b.a.existingNodes(p.Context, ids)
				})
			}
		}
		return graphql.Fields{
			"author": {Type: b.entity, Description: "Who made the assessment (authoredBy).", Resolve: func(p graphql.ResolveParams) (any, error) {
				return authored(p, func(f *blurline.Fact) (any, error) { return b.a.loaders(p.Context).node(p.Context, f.Object)() })
			}},
			"quote": {Type: graphql.String, Description: "The author's words, verbatim from the source.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return authored(p, func(f *blurline.Fact) (any, error) { return nilIfEmpty(f.Quote), nil })
			}},
			"date": {Type: b.date, Description: "When the assessment was published.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return authored(p, func(f *blurline.Fact) (any, error) { return f.PublishedOn, nil })
			}},
			"confidence": {Type: graphql.Float, Description: "The confidence that the author made this assessment, as sourced (0 to 1).", Resolve: func(p graphql.ResolveParams) (any, error) {
				return authored(p, func(f *blurline.Fact) (any, error) { return f.Confidence, nil })
			}},
			"statement": {Type: b.statement, Description: "The authoredBy fact: the quote, date, sources and confidence.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return authored(p, func(f *blurline.Fact) (any, error) { return f, nil })
			}},
			"about":      {Type: nonNull(graphql.NewList(nonNull(b.entity))), Description: "What it is about: entities, events and responses (assesses).", Resolve: others(blurline.Assesses)},
			"recommends": {Type: nonNull(graphql.NewList(nonNull(b.entity))), Description: "The kinds of response it recommends (recommends).", Resolve: others(blurline.Recommends)},
		}
	case blurline.ResponseKind:
		return graphql.Fields{
			"usedIn": {Type: listOf(b.relationship), Description: "The responses of this kind (ofKind, in): who issued them and when.", Args: b.relListArgs(),
				Resolve: b.a.resolveRelField(rf("usedIn", blurline.In, "", blurline.OfKind))},
			"recommendedIn": {Type: listOf(b.relationship), Description: "The assessments that recommend it (recommends, in).", Args: b.relListArgs(),
				Resolve: b.a.resolveRelField(rf("recommendedIn", blurline.In, "", blurline.Recommends))},
		}
	}
	return nil
}

// assessmentsField is Query.assessments.
func (b *builder) assessmentsField() *graphql.Field {
	return &graphql.Field{
		Type: nonNull(graphql.NewList(nonNull(b.classes[blurline.Assessment]))),
		Description: "Assessments by analysts and experts, with their quotes, dates and sources, sorted by date then id. " +
			"Every argument narrows the list; NOT_FOUND for an unknown author, subject or response.",
		Args: graphql.FieldConfigArgument{
			"author":   {Type: graphql.ID, Description: "Only assessments made by this person or organisation."},
			"about":    {Type: graphql.ID, Description: "Only assessments about this entity, event or response (assesses)."},
			"response": {Type: graphql.ID, Description: "Only assessments about this response or kind of response, or that recommend it."},
			"asOf":     {Type: b.date, Description: "Only assessments published by this date (a day means its end)."},
			"first":    {Type: graphql.Int, DefaultValue: DefaultPageSize, Description: "The most returned."},
		},
		Resolve: b.a.resolveAssessments,
	}
}

func (a *API) resolveAssessments(p graphql.ResolveParams) (any, error) {
	first, err := a.first(p.Args, DefaultPageSize)
	if err != nil {
		return nil, err
	}
	f, err := argFilter(p.Args)
	if err != nil {
		return nil, err
	}
	author, about, response := argString(p.Args, "author"), argString(p.Args, "about"), argString(p.Args, "response")
	var check []string
	for _, id := range []string{author, about, response} {
		if id != "" {
			check = append(check, id)
		}
	}
	if err := a.checkEntities(p.Context, check...); err != nil {
		return nil, err
	}
	q := blurline.FactQuery{Direction: blurline.Out, FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.AuthoredBy}, AsOf: f.AsOf}}
	if author != "" {
		q.To = []string{author}
	}
	authoredFacts, err := a.g.Facts(p.Context, q)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(authoredFacts, func(x, y *blurline.Fact) int {
		return cmp.Or(x.PublishedOn.Compare(y.PublishedOn), cmp.Compare(x.Subject, y.Subject))
	})
	var ids []string
	for _, af := range authoredFacts {
		if !slices.Contains(ids, af.Subject) {
			ids = append(ids, af.Subject)
		}
	}
	if about != "" || response != "" {
		lists, err := a.g.FactsOf(p.Context, ids, blurline.Out, blurline.FactFilter{Predicates: []blurline.Predicate{blurline.Assesses, blurline.Recommends}, AsOf: f.AsOf})
		if err != nil {
			return nil, err
		}
		keep := ids[:0]
		for i, id := range ids {
			ok := true
			if about != "" {
				ok = slices.ContainsFunc(lists[i], func(x *blurline.Fact) bool { return x.Predicate == blurline.Assesses && x.Object == shortID(about) })
			}
			if ok && response != "" {
				ok = slices.ContainsFunc(lists[i], func(x *blurline.Fact) bool { return x.Object == shortID(response) })
			}
			if ok {
				keep = append(keep, id)
			}
		}
		ids = keep
	}
	if len(ids) > first {
		ids = ids[:first]
	}
	out, err := a.existingNodes(p.Context, ids)
	if err != nil {
		return nil, err
	}
	a.loaders(p.Context).prime(out...)
	return out, nil
}

// toolEntry is one kind of response in the toolbox of a case.
type toolEntry struct {
	kind        *blurline.Node
	uses        []toolUse
	recommended []*blurline.Node // assessments
}

// toolUse is one response of the kind used in the case.
type toolUse struct {
	response string           // entity id
	ofKind   *blurline.Fact   // response ofKind kind: its date and sources
	issuers  []*blurline.Fact // response issuedBy party
}

// toolboxField is Query.toolbox.
func (b *builder) toolboxField() *graphql.Field {
	a := b.a
	b.knowledge.toolUse = graphql.NewObject(graphql.ObjectConfig{
		Name:        "ToolUse",
		Description: "A response of one kind that was used in the case: what, by whom, when, on what evidence.",
		Fields: graphql.Fields{
			"response": {Type: nonNull(b.entity), Description: "The response: a statement, indictment, sanction, advisory, patch or operation.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					return a.loaders(p.Context).node(p.Context, p.Source.(toolUse).response), nil
				}},
			"by": {Type: nonNull(graphql.NewList(nonNull(b.entity))), Description: "The parties that issued it (issuedBy).", Resolve: func(p graphql.ResolveParams) (any, error) {
				var ids []string
				for _, f := range p.Source.(toolUse).issuers {
					ids = append(ids, f.Object)
				}
				return a.existingNodes(p.Context, ids)
			}},
			"date":      {Type: b.date, Description: "When it was used (the ofKind fact's validFrom).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(toolUse).ofKind.ValidFrom, nil }},
			"statement": {Type: nonNull(b.statement), Description: "The ofKind fact, with its sources.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(toolUse).ofKind, nil }},
		},
	})
	b.knowledge.toolEntry = graphql.NewObject(graphql.ObjectConfig{
		Name:        "ToolboxEntry",
		Description: "One kind of response in the toolbox of a case: whether it was used (by whom, when) and who recommended it.",
		Fields: graphql.Fields{
			"kind":   {Type: nonNull(b.classes[blurline.ResponseKind]), Description: "The kind of response.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*toolEntry).kind, nil }},
			"status": {Type: nonNull(b.knowledge.status), Description: "Used, recommended, both or neither.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*toolEntry).status(), nil }},
			"used":   {Type: nonNull(graphql.NewList(nonNull(b.knowledge.toolUse))), Description: "The responses of this kind in the case, by date.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*toolEntry).uses, nil }},
			"recommendedIn": {Type: nonNull(graphql.NewList(nonNull(b.classes[blurline.Assessment]))), Description: "The assessments of the case that recommend it.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*toolEntry).recommended, nil }},
		},
	})
	return &graphql.Field{
		Type: nonNull(graphql.NewList(nonNull(b.knowledge.toolEntry))),
		Description: "The toolbox of a case: every kind of response, with the responses of that kind that concern the case (used: who issued them and when) " +
			"and the assessments about the case or its responses that recommend it. Sorted used and recommended first, then used, recommended, the rest; then by name.",
		Args: graphql.FieldConfigArgument{
			"cases": {Type: nonNull(listIn(graphql.ID)), Description: "The case: incidents, campaigns or actors that the responses concern (exchange-compromise-2021, apt40-campaign-2011-2018)."},
			"asOf":  {Type: b.date, Description: "Only responses and assessments made by this date."},
		},
		Resolve: a.resolveToolbox,
	}
}

func (e *toolEntry) status() string {
	switch {
	case len(e.uses) > 0 && len(e.recommended) > 0:
		return "USED_AND_RECOMMENDED"
	case len(e.uses) > 0:
		return "USED"
	case len(e.recommended) > 0:
		return "RECOMMENDED"
	}
	return "UNUSED"
}

func (a *API) resolveToolbox(p graphql.ResolveParams) (any, error) {
	f, err := argFilter(p.Args)
	if err != nil {
		return nil, err
	}
	cases := argIDs(p.Args, "cases")
	if len(cases) == 0 {
		return nil, invalid("cases must name at least one entity")
	}
	if err := a.checkEntities(p.Context, cases...); err != nil {
		return nil, err
	}
	for i := range cases {
		cases[i] = shortID(cases[i])
	}
	ctx := p.Context
	at := blurline.FactFilter{AsOf: f.AsOf}
	kinds, err := a.g.FindNodes(ctx, blurline.NodeQuery{Classes: []blurline.Class{blurline.ResponseKind}})
	if err != nil {
		return nil, err
	}
	entries := map[string]*toolEntry{}
	for _, k := range kinds {
		entries[k.ID] = &toolEntry{kind: k}
	}
	// The responses that concern the case, and the assessments about it.
	at.Predicates = []blurline.Predicate{blurline.Concerns, blurline.Assesses}
	in, err := a.g.FactsOf(ctx, cases, blurline.In, at)
	if err != nil {
		return nil, err
	}
	var responses, assessments []string
	for _, list := range in {
		for _, x := range list {
			switch x.Predicate {
			case blurline.Concerns:
				if !slices.Contains(responses, x.Subject) {
					responses = append(responses, x.Subject)
				}
			case blurline.Assesses:
				if !slices.Contains(assessments, x.Subject) {
					assessments = append(assessments, x.Subject)
				}
			}
		}
	}
	slices.Sort(responses)
	at.Predicates = []blurline.Predicate{blurline.OfKind, blurline.IssuedBy}
	out, err := a.g.FactsOf(ctx, responses, blurline.Out, at)
	if err != nil {
		return nil, err
	}
	for i, r := range responses {
		var issuers []*blurline.Fact
		for _, x := range out[i] {
			if x.Predicate == blurline.IssuedBy {
				issuers = append(issuers, x)
			}
		}
		for _, x := range out[i] {
			if e := entries[x.Object]; x.Predicate == blurline.OfKind && e != nil {
				e.uses = append(e.uses, toolUse{response: r, ofKind: x, issuers: issuers})
			}
		}
	}
	// Assessments of the responses used count as assessments of the case.
	at.Predicates = []blurline.Predicate{blurline.Assesses}
	about, err := a.g.FactsOf(ctx, responses, blurline.In, at)
	if err != nil {
		return nil, err
	}
	for _, list := range about {
		for _, x := range list {
			if !slices.Contains(assessments, x.Subject) {
				assessments = append(assessments, x.Subject)
			}
		}
	}
	slices.Sort(assessments)
	at.Predicates = []blurline.Predicate{blurline.Recommends}
	recs, err := a.g.FactsOf(ctx, assessments, blurline.Out, at)
	if err != nil {
		return nil, err
	}
	nodes, err := a.g.Nodes(ctx, assessments)
	if err != nil {
		return nil, err
	}
	for i, list := range recs {
		for _, x := range list {
			if e := entries[x.Object]; e != nil && nodes[i] != nil && !slices.Contains(e.recommended, nodes[i]) {
				e.recommended = append(e.recommended, nodes[i])
			}
		}
	}
	list := make([]*toolEntry, 0, len(entries))
	rank := map[string]int{"USED_AND_RECOMMENDED": 0, "USED": 1, "RECOMMENDED": 2, "UNUSED": 3}
	for _, e := range entries {
		slices.SortFunc(e.uses, func(x, y toolUse) int {
			return cmp.Or(x.ofKind.ValidFrom.Compare(y.ofKind.ValidFrom), cmp.Compare(x.response, y.response))
		})
		list = append(list, e)
	}
	slices.SortFunc(list, func(x, y *toolEntry) int {
		return cmp.Or(cmp.Compare(rank[x.status()], rank[y.status()]), cmp.Compare(x.kind.Name, y.kind.Name), cmp.Compare(x.kind.ID, y.kind.ID))
	})
	return list, nil
}
