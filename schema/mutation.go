package schema

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
)

// mutation.go: the Mutation type (importStix and retractImport are in
// interop.go). Every mutation first calls blurline.Require (FORBIDDEN
// unless the context's principal holds the write scope, or import for the
// imports, and then nothing is changed), then makes exactly one store write, which the store validates
// exactly as it validates a loaded file and applies atomically, with its
// audit record: every mutation's context names it (blurline.WithAction).

func (b *builder) mutationType() *graphql.Object {
	a := b.a
	factInput := graphql.NewInputObject(graphql.InputObjectConfig{
		Name:        "FactInput",
		Description: "A fact with its provenance. Give object (an entity id) or value (a number, for victimCount), not both.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id":              {Type: graphql.ID, Description: "The fact's id; derived from its content when absent (so adding the same fact twice changes nothing)."},
			"subject":         {Type: nonNull(graphql.ID), Description: "The id of the entity the fact is about."},
			"predicate":       {Type: nonNull(b.predicate), Description: "What the fact says."},
			"object":          {Type: graphql.ID, Description: "The id of the entity at the other end (or give value)."},
			"value":           {Type: graphql.String, Description: "A number, for a claim predicate (victimCount)."},
			"confidence":      {Type: nonNull(graphql.Float), Description: "0 to 1."},
			"sources":         {Type: nonNull(listIn(graphql.String)), Description: "At least one absolute IRI (https://...)."},
			"validFrom":       {Type: b.date, Description: "When the relationship started to hold."},
			"validUntil":      {Type: b.date, Description: "Exclusive; after validFrom."},
			"publishedOn":     {Type: b.date, Description: "When the claim became public."},
			"assertedBy":      {Type: graphql.ID, Description: "The id of the party that asserts the fact (the attributing party of an attribution)."},
			"healeyLevel":     {Type: b.healeyLevel, Description: "Only on a control fact (taskedBy, sponsoredBy)."},
			"attributionKind": {Type: b.attrKind, Description: "Only on attributedTo."},
			"quote":           {Type: graphql.String, Description: "The exact wording of the source."},
			"note":            {Type: graphql.String, Description: "An editor's note."},
			"alleged":         {Type: graphql.Boolean, Description: "True for an allegation (an indictment's charges); false when absent or null."},
		},
	})
	entityInput := graphql.NewInputObject(graphql.InputObjectConfig{
		Name:        "EntityInput",
		Description: "An entity to add, or to add names, aliases and sources to.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id":                {Type: nonNull(graphql.ID), Description: "The entity's short id (lower case, hyphens)."},
			"kind":              {Type: nonNull(b.kind), Description: "The entity's class."},
			"name":              {Type: nonNull(graphql.String), Description: "Exactly one name per entity: an existing entity keeps its name."},
			"aliases":           {Type: listIn(graphql.String), Description: "Other names, added to those it has."},
			"description":       {Type: graphql.String, Description: "A short description."},
			"sources":           {Type: listIn(graphql.String), Description: "Source URLs for the entity, added to those it has."},
			"externalIds":       {Type: listIn(graphql.String), Description: "scheme:value, e.g. mitre-attack:G0125."},
			"nonStateCharacter": {Type: graphql.Float, Description: "Non-state character nu, 0 (a state unit) to 1 (a criminal); the class default when absent."},
			"motiveWeight":      {Type: graphql.Float, Description: "Criminal-motive weight, 0 to 1, of an activity."},
		},
	})
	payload := graphql.NewObject(graphql.ObjectConfig{
		Name:        "AddFactsPayload",
		Description: "What addFacts stored.",
		Fields: graphql.Fields{
			"facts":    {Type: listOf(b.statement), Description: "The facts as stored, in input order.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(addFactsResult).facts, nil }},
			"entities": {Type: listOf(b.entity), Description: "The entities as stored, in input order.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(addFactsResult).nodes, nil }},
		},
	})
	loadResult := graphql.NewObject(graphql.ObjectConfig{
		Name:        "LoadResult",
		Description: "What loadNQuads added.",
		Fields: graphql.Fields{
			"added": {Type: nonNull(graphql.Int), Description: "Quads new to the store.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(int), nil }},
		},
	})
	fields := graphql.Fields{
		"addFacts": {
			Type:        payload,
			Description: "Adds entities and facts in one transaction: all or nothing, validated as the loader validates.",
			Args: graphql.FieldConfigArgument{
				"facts":    {Type: nonNull(listIn(factInput)), Description: "The facts to add."},
				"entities": {Type: listIn(entityInput), Description: "Entities to add first (the facts may refer to them)."},
				"marking":  {Type: b.marking, Description: "The TLP marking of every fact and entity added. Absent: the server's default marking (CLEAR unless it was started with --default-marking), or your clearance when it is lower. Not above your clearance."},
			},
			Resolve: a.resolveAddFacts,
		},
		"retractFact": byID(b.statement, "Removes a fact (its relationship and provenance) and returns it. NOT_FOUND when there is none.", "The fact's id or IRI.",
			func(ctx context.Context, id string) (*blurline.Fact, error) {
				if err := blurline.Require(ctx, blurline.ScopeWrite, "mutations"); err != nil {
					return nil, err
				}
				return a.g.Retract(ctx, id)
			}),
		"loadNQuads": {
			Type:        loadResult,
			Description: "Loads N-Quads text in one transaction: all or nothing, each problem reported with its line.",
			Args: graphql.FieldConfigArgument{
				"text": {Type: nonNull(graphql.String), Description: "N-Quads text in Blurline's vocabulary (docs/vocabulary.md)."},
				"name": {Type: graphql.String, DefaultValue: "request", Description: "The name problems are reported under."},
				"marking": {Type: b.marking, Description: "The TLP marking of each fact and entity description in the text without a marking quad of its own (docs/security.md). " +
					"Absent: the server's default marking (CLEAR unless it was started with --default-marking), or your clearance when it is lower. Not above your clearance."},
			},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if err := blurline.Require(p.Context, blurline.ScopeWrite, "mutations"); err != nil {
					return nil, err
				}
				m, err := argMarking(p.Context, p.Args, "marking")
				if err != nil {
					return nil, err
				}
				return a.g.LoadNQuads(p.Context, argString(p.Args, "name"), argString(p.Args, "text"), blurline.WriteOptions{Marking: m})
			},
		},
	}
	maps.Copy(fields, b.interopMutations())
	b.relayMutations(fields)
	for name, f := range fields {
		// The audit trail names the mutation called (the request's origin,
		// if it has one, is the server's).
		run := f.Resolve
		f.Resolve = func(p graphql.ResolveParams) (any, error) {
			p.Context = blurline.WithAction(p.Context, name, "")
			return run(p)
		}
	}
	return graphql.NewObject(graphql.ObjectConfig{Name: "Mutation", Description: "Writes, each in one transaction: all or nothing. They need a token (Authorization: Bearer <token>) with the write scope, or import for importStix and retractImport.", Fields: fields})
}

type addFactsResult struct {
	facts []*blurline.Fact
	nodes []*blurline.Node
}

func (a *API) resolveAddFacts(p graphql.ResolveParams) (any, error) {
	if err := blurline.Require(p.Context, blurline.ScopeWrite, "mutations"); err != nil {
		return nil, err
	}
	var problems []string
	var facts []blurline.Fact
	for i, v := range asList(p.Args["facts"]) {
		f, err := factInput(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("facts[%d]: %v", i, err))
			continue
		}
		facts = append(facts, f)
	}
	var nodes []blurline.Node
	for i, v := range asList(p.Args["entities"]) {
		n, err := entityInput(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("entities[%d]: %v", i, err))
			continue
		}
		nodes = append(nodes, n)
	}
	if len(problems) > 0 {
		return nil, invalid("%s", strings.Join(problems, "\n"))
	}
	if len(facts) == 0 && len(nodes) == 0 {
		return nil, invalid("nothing to add: give at least one fact or entity")
	}
	m, err := argMarking(p.Context, p.Args, "marking")
	if err != nil {
		return nil, err
	}
	for i := range facts {
		facts[i].Marking = m
	}
	for i := range nodes {
		nodes[i].Marking = m
	}
	stored, err := a.g.Write(p.Context, nodes, facts)
	if err != nil {
		return nil, inputItems(err)
	}
	res := addFactsResult{facts: stored, nodes: []*blurline.Node{}}
	if len(nodes) > 0 {
		ids := make([]string, len(nodes))
		for i, n := range nodes {
			ids[i] = n.ID
		}
		res.nodes, err = a.g.Nodes(p.Context, ids)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// inputItems names the store's problems with a write's items by the
// arguments they came from: the store's nodes[i] is the argument's
// entities[i].
func inputItems(err error) error {
	items := blurline.Items(err)
	if len(items) == 0 {
		return err
	}
	msgs := make([]string, len(items))
	for k, it := range items {
		if it.Field == "nodes" {
			it = &blurline.Error{Kind: it.Kind, Field: "entities", Index: it.Index, Message: it.Message}
		}
		msgs[k] = it.Error()
	}
	return &blurline.Error{Kind: blurline.ErrInvalid, Index: -1, Message: strings.Join(msgs, "\n"), Err: err}
}

func factInput(v any) (blurline.Fact, error) {
	m, _ := v.(map[string]any)
	f := blurline.Fact{
		ID:              argString(m, "id"),
		Subject:         argString(m, "subject"),
		Object:          argString(m, "object"),
		AssertedBy:      argString(m, "assertedBy"),
		AttributionKind: argString(m, "attributionKind"),
		Quote:           argString(m, "quote"),
		Note:            argString(m, "note"),
	}
	f.Predicate, _ = m["predicate"].(blurline.Predicate)
	f.Confidence, _ = m["confidence"].(float64)
	f.Alleged, _ = m["alleged"].(bool)
	for _, s := range asList(m["sources"]) {
		if s, ok := s.(string); ok {
			f.Sources = append(f.Sources, s)
		}
	}
	if h, ok := m["healeyLevel"].(blurline.Healey); ok {
		f.Healey, f.HasHealey = h, true
	}
	if v, ok := m["value"].(string); ok {
		if f.Object != "" {
			return f, invalid("give object or value, not both")
		}
		dt := blurline.XSDInteger
		if strings.ContainsAny(v, ".eE") {
			dt = blurline.XSDDecimal
		}
		f.Value = &blurline.Literal{Lexical: strings.TrimSpace(v), Datatype: dt}
	}
	if f.Object == "" && f.Value == nil {
		return f, invalid("%s needs an object (an entity id) or a value", f.Predicate)
	}
	for _, d := range []struct {
		name string
		t    *time.Time
	}{{"validFrom", &f.ValidFrom}, {"validUntil", &f.ValidUntil}, {"publishedOn", &f.PublishedOn}} {
		dv, ok, err := argDate(m, d.name)
		if err != nil {
			return f, err
		}
		if ok {
			*d.t = dv.t
		}
	}
	return f, nil
}

func entityInput(v any) (blurline.Node, error) {
	m, _ := v.(map[string]any)
	n := blurline.Node{
		ID:          argString(m, "id"),
		Name:        argString(m, "name"),
		Description: argString(m, "description"),
		Aliases:     argIDs(m, "aliases"),
		Sources:     argIDs(m, "sources"),
		ExternalIDs: argIDs(m, "externalIds"),
	}
	n.Class, _ = m["kind"].(blurline.Class)
	if x, ok := m["nonStateCharacter"].(float64); ok {
		n.NonState = &x
	}
	if x, ok := m["motiveWeight"].(float64); ok {
		n.MotiveWeight = &x
	}
	return n, nil
}
