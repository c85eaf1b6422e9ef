package schema

import (
	"maps"
	"slices"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
	"github.com/graphql-go/graphql"
)

// interop.go: STIX 2.1 in the schema (package interop, docs/interop.md):
// the importStix and retractImport mutations and the stixBundle query.
// importStix is one interop.ImportSTIX call, which maps the bundle, matches
// its objects against the store and writes everything in one
// Graph.WriteImport: all or nothing.

// importTypes returns the ImportReport and RetractImportResult types.
func (b *builder) importTypes() (report, retracted *graphql.Object) {
	a := b.a
	rep := func(p graphql.ResolveParams) *interop.Report { return p.Source.(*interop.Report) }
	count := func(get func(*interop.Report) int, doc string) *graphql.Field {
		return &graphql.Field{Type: nonNull(graphql.Int), Description: doc, Resolve: func(p graphql.ResolveParams) (any, error) { return get(rep(p)), nil }}
	}
	entity := func(id func(any) string) *graphql.Field {
		return &graphql.Field{Type: b.entity, Description: "The entity in the store.", Resolve: func(p graphql.ResolveParams) (any, error) {
			return a.loaders(p.Context).node(p.Context, id(p.Source)), nil
		}}
	}
	str := func(get func(any) string, doc string) *graphql.Field {
		return &graphql.Field{Type: nonNull(graphql.String), Description: doc, Resolve: func(p graphql.ResolveParams) (any, error) { return get(p.Source), nil }}
	}
	created := graphql.NewObject(graphql.ObjectConfig{
		Name:        "ImportCreated",
		Description: "An entity the import created.",
		Fields: graphql.Fields{
			"object":   str(func(s any) string { return s.(interop.Created).Object }, "The source object's id (a STIX id)."),
			"entityId": {Type: nonNull(graphql.ID), Description: "The id of the entity created.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(interop.Created).Entity, nil }},
			"entity":   entity(func(s any) string { return s.(interop.Created).Entity }),
			"kind": {Type: b.kind, Description: "The class it was given.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if c := blurline.Class(p.Source.(interop.Created).Class); c != "" {
					return c, nil
				}
				return nil, nil
			}},
			"name": str(func(s any) string { return s.(interop.Created).Name }, "Its name."),
		},
	})
	merged := graphql.NewObject(graphql.ObjectConfig{
		Name:        "ImportMerge",
		Description: "A source object that became part of an entity the store already had, and the key that matched.",
		Fields: graphql.Fields{
			"object":   str(func(s any) string { return s.(interop.Merge).Object }, "The source object's id (a STIX id)."),
			"name":     str(func(s any) string { return s.(interop.Merge).Name }, "The object's name."),
			"entityId": {Type: nonNull(graphql.ID), Description: "The id of the entity it was merged into.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(interop.Merge).Entity, nil }},
			"entity":   entity(func(s any) string { return s.(interop.Merge).Entity }),
			"key":      str(func(s any) string { return s.(interop.Merge).Key }, "What matched: `external id \"mitre-attack:G0125\"`, `name/alias \"APT40\"`..."),
		},
	})
	skipped := graphql.NewObject(graphql.ObjectConfig{
		Name:        "ImportSkip",
		Description: "An object or statement left out, and why.",
		Fields: graphql.Fields{
			"object": str(func(s any) string { return s.(interop.Skip).Object }, "The source object's id (a STIX id), or the statement's."),
			"type":   str(func(s any) string { return s.(interop.Skip).Type }, "Its STIX type."),
			"reason": str(func(s any) string { return s.(interop.Skip).Reason }, "Why it was left out."),
		},
	})
	typeCount := graphql.NewObject(graphql.ObjectConfig{
		Name:        "ImportTypeCount",
		Description: "What was read, mapped and skipped of one STIX type.",
		Fields: graphql.Fields{
			"type":    str(func(s any) string { return s.(importTypeCount).typ }, "The STIX type (threat-actor, relationship...)."),
			"read":    {Type: nonNull(graphql.Int), Description: "Objects of the type read.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(importTypeCount).Read, nil }},
			"mapped":  {Type: nonNull(graphql.Int), Description: "Objects of the type mapped to entities or facts.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(importTypeCount).Mapped, nil }},
			"skipped": {Type: nonNull(graphql.Int), Description: "Objects of the type left out.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(importTypeCount).Skipped, nil }},
		},
	})
	report = graphql.NewObject(graphql.ObjectConfig{
		Name:        "ImportReport",
		Description: "What an import did (interop.Report).",
		Fields: graphql.Fields{
			"importId": {Type: nonNull(graphql.ID), Description: "The import's id (the bundle id): retractImport takes it back.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return rep(p).ImportID, nil
			}},
			"format":            str(func(s any) string { return s.(*interop.Report).Format }, "\"stix 2.1\" or \"stix 2.0\"."),
			"objects":           count(func(r *interop.Report) int { return r.Objects }, "Objects read."),
			"facts":             count(func(r *interop.Report) int { return r.Facts }, "Statements written."),
			"defaultConfidence": count(func(r *interop.Report) int { return r.DefaultConfidence }, "Statements whose source gave no confidence (they got interop.DefaultConfidence)."),
			"sourcesKnown":      count(func(r *interop.Report) int { return r.SourcesKnown }, "Sources cited that the store had records of (restated in the import)."),
			"sourcesNew":        count(func(r *interop.Report) int { return r.SourcesNew }, "Sources cited that had no record: the import recorded them (docs/interop.md)."),
			"sourcesGraded":     count(func(r *interop.Report) int { return r.SourcesGraded }, "Of sourcesNew, those graded as their host's records; the rest are of kind UNKNOWN and reliability F."),
			"createdCount":      count(func(r *interop.Report) int { return len(r.Created) }, "Entities created."),
			"mergedCount":       count(func(r *interop.Report) int { return len(r.Merged) }, "Objects merged into existing entities."),
			"skippedCount":      count(func(r *interop.Report) int { return len(r.Skipped) }, "Objects and statements left out."),
			"created":           {Type: listOf(created), Description: "The entities created.", Resolve: func(p graphql.ResolveParams) (any, error) { return orEmpty(rep(p).Created), nil }},
			"merged":            {Type: listOf(merged), Description: "The objects merged into existing entities, with the key that matched.", Resolve: func(p graphql.ResolveParams) (any, error) { return orEmpty(rep(p).Merged), nil }},
			"skipped":           {Type: listOf(skipped), Description: "The objects and statements left out, and why.", Resolve: func(p graphql.ResolveParams) (any, error) { return orEmpty(rep(p).Skipped), nil }},
			"types": {Type: listOf(typeCount), Description: "Counts by STIX type, sorted by type.", Resolve: func(p graphql.ResolveParams) (any, error) {
				r := rep(p)
				out := []importTypeCount{}
				for _, t := range slices.Sorted(maps.Keys(r.Types)) {
					out = append(out, importTypeCount{typ: t, TypeCount: *r.Types[t]})
				}
				return out, nil
			}},
			"notes": {Type: listOf(graphql.String), Description: "Ambiguous or contested matches, dropped values.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return orEmpty(rep(p).Notes), nil
			}},
		},
	})
	retracted = graphql.NewObject(graphql.ObjectConfig{
		Name:        "RetractImportResult",
		Description: "What retractImport removed.",
		Fields: graphql.Fields{
			"importId": {Type: nonNull(graphql.ID), Description: "The import taken back.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(retractResult).id, nil }},
			"removed":  {Type: nonNull(graphql.Int), Description: "Quads removed.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(retractResult).removed, nil }},
		},
	})
	return report, retracted
}

type importTypeCount struct {
	typ string
	interop.TypeCount
}

type retractResult struct {
	id      string
	removed int
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// interopMutations are importStix and retractImport.
func (b *builder) interopMutations() graphql.Fields {
	a := b.a
	report, retracted := b.importTypes()
	return graphql.Fields{
		"importStix": {
			Type: report,
			Description: "Imports a STIX 2.1 or 2.0 bundle (JSON text; pass it as a variable) in one write: all or nothing. Objects are matched " +
				"to the store's entities by external id, then exact name or alias (docs/interop.md); the report says what was created, " +
				"merged (by which key) and skipped (and why). A broken bundle is BAD_USER_INPUT naming each object id and JSON path, and changes nothing.",
			Args: graphql.FieldConfigArgument{
				"bundle":  {Type: nonNull(graphql.String), Description: "The STIX bundle, as JSON text."},
				"marking": {Type: b.marking, Description: "The TLP marking of the objects whose object_marking_refs name no TLP marking; default: the server's default marking (CLEAR unless it was started with --default-marking)."},
			},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if err := blurline.Require(p.Context, blurline.ScopeImport, "imports"); err != nil {
					return nil, err
				}
				m, given := p.Args["marking"].(blurline.Marking)
				if !given {
					m = blurline.DefaultMarkingFromContext(p.Context)
				}
				rep, err := interop.ImportSTIX(p.Context, a.g, []byte(argString(p.Args, "bundle")), interop.ImportOptions{Marking: m})
				if err != nil {
					return nil, err
				}
				return rep, nil
			},
		},
		"retractImport": {
			Type:        retracted,
			Description: "Takes back an import (its id is importStix's importId): the store becomes what the other imports make without it, entities it renamed getting their earlier ids back. NOT_FOUND for an unknown import.",
			Args:        graphql.FieldConfigArgument{"id": {Type: nonNull(graphql.ID), Description: "The import's id (importStix's importId)."}},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if err := blurline.Require(p.Context, blurline.ScopeImport, "imports"); err != nil {
					return nil, err
				}
				id := argString(p.Args, "id")
				n, err := interop.RetractImport(p.Context, a.g, id)
				if err != nil {
					return nil, err
				}
				return retractResult{id: id, removed: n}, nil
			},
		},
	}
}

// resolveSTIXBundle resolves Query.stixBundle.
func (a *API) resolveSTIXBundle(p graphql.ResolveParams) (any, error) {
	hops, err := a.hops(p.Args, "hops", 1, 1)
	if err != nil {
		return nil, err
	}
	filter, err := a.factFilter(p)
	if err != nil {
		return nil, err
	}
	ids := argIDs(p.Args, "ids")
	if err := a.checkEntities(p.Context, ids...); err != nil {
		return nil, err
	}
	for i, id := range ids {
		ids[i] = shortID(id)
	}
	if len(ids) == 0 {
		st, err := a.g.Stats(p.Context)
		if err != nil {
			return nil, err
		}
		if n := st.Entities + st.Facts; n > a.limits.MaxExport {
			return nil, blurline.Errorf(blurline.ErrLimit, "the store holds %d entities and facts, over the export limit of %d: give ids (and hops) for a subgraph", n, a.limits.MaxExport)
		}
	}
	bundle, err := interop.ExportSTIX(p.Context, a.g, interop.ExportFilter{IDs: ids, Hops: hops, FactFilter: filter})
	if err != nil {
		return nil, err
	}
	if n := len(bundle.Objects); n > a.limits.MaxExport {
		return nil, blurline.Errorf(blurline.ErrLimit, "the subgraph has %d objects, over the export limit of %d: ask for fewer ids or hops", n, a.limits.MaxExport)
	}
	js, err := bundle.JSON()
	if err != nil {
		return nil, err
	}
	return string(js), nil
}
