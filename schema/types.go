package schema

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// types.go builds the GraphQL types: scalars and enums from the
// vocabulary, the Entity interface and one object type per class, the
// Relationship and Statement types that carry a fact, and the connection,
// path, subgraph and stats types. Resolvers live in resolve.go.

// builder holds the types while the schema is built.
type builder struct {
	a *API

	date        *graphql.Scalar
	kind        *graphql.Enum
	predicate   *graphql.Enum
	predKind    *graphql.Enum
	direction   *graphql.Enum
	healeyLevel *graphql.Enum
	maurer      *graphql.Enum
	attrKind    *graphql.Enum
	marking     *graphql.Enum

	healey       *graphql.Object
	literal      *graphql.Object
	entity       *graphql.Interface
	nodeIface    *graphql.Interface
	classes      map[blurline.Class]*graphql.Object
	relationship *graphql.Object
	statement    *graphql.Object
	pageInfo     *graphql.Object
	entityConn   *graphql.Object
	relConn      *graphql.Object
	path         *graphql.Object
	hop          *graphql.Object
	subgraph     *graphql.Object
	stats        *graphql.Object
	attribution  *graphql.Object
	blurScore    *graphql.Object
	factChange   *graphql.Object
	blurMove     *graphql.Object
	changes      *graphql.Object
	pathsTo      *graphql.Object
	knowledge    knowledgeTypes // sources, assessments, the toolbox (knowledge.go)
}

// buildSchema builds the GraphQL schema.
func (a *API) buildSchema() (graphql.Schema, error) {
	extendIntrospection()
	b := &builder{a: a, classes: map[blurline.Class]*graphql.Object{}}
	b.scalarsAndEnums()
	b.knowledgeEnums()
	b.nodeInterface()
	b.factTypes()
	b.entityTypes()
	b.resultTypes()
	b.blurTypes()
	b.workbenchTypes()
	objects := make([]graphql.Type, 0, len(blurline.Classes))
	for _, ci := range blurline.Classes {
		objects = append(objects, b.classes[ci.Class])
	}
	s, err := graphql.NewSchema(graphql.SchemaConfig{
		Query:      b.queryType(),
		Mutation:   b.mutationType(),
		Types:      objects,
		Directives: directives(),
	})
	if err != nil {
		return s, err
	}
	warm(&s)
	return s, nil
}

func nonNull(t graphql.Type) graphql.Type { return graphql.NewNonNull(t) }

// listOf is [T!]!.
func listOf(t graphql.Type) graphql.Type {
	return graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(t)))
}

// listIn is [T!] for an argument.
func listIn(t graphql.Type) graphql.Input { return graphql.NewList(graphql.NewNonNull(t)) }

// Date is a calendar day (YYYY-MM-DD) or an instant (RFC 3339 date-time).
// As an asOf argument a day means the end of that day (blurline.AsOf).
type dateValue struct {
	t      time.Time
	dayful bool  // a calendar day, without a time of day
	err    error // an unreadable value, reported by the resolver as BAD_USER_INPUT
}

func parseDate(s string) dateValue {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return dateValue{t: t, dayful: true}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return dateValue{t: t.UTC()}
	}
	return dateValue{err: fmt.Errorf("%q is not a Date: use YYYY-MM-DD or an RFC 3339 date-time such as 2021-07-19T10:00:00Z", s)}
}

// instant is the moment an asOf date stands for.
func (d dateValue) instant() time.Time {
	if d.dayful {
		return blurline.AsOf(d.t)
	}
	return d.t
}

func formatDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

func (b *builder) scalarsAndEnums() {
	b.date = graphql.NewScalar(graphql.ScalarConfig{
		Name: "Date",
		Description: "A calendar day, YYYY-MM-DD, or an instant, an RFC 3339 date-time (2021-07-19T10:00:00Z). " +
			"Dates are written as days when they fall at midnight UTC. As an asOf argument a day means the end of that day (UTC).",
		Serialize: func(v any) any {
			switch v := v.(type) {
			case time.Time:
				return formatDate(v)
			case *time.Time:
				if v != nil {
					return formatDate(*v)
				}
			case dateValue:
				return formatDate(v.t)
			}
			return nil
		},
		ParseValue: func(v any) any {
			switch v := v.(type) {
			case string:
				return parseDate(v)
			case time.Time:
				return dateValue{t: v.UTC()}
			}
			return nil
		},
		ParseLiteral: func(v ast.Value) any {
			if s, ok := v.(*ast.StringValue); ok {
				return parseDate(s.Value)
			}
			return nil
		},
	})

	kinds := graphql.EnumValueConfigMap{}
	for _, ci := range blurline.Classes {
		kinds[string(ci.Class)] = &graphql.EnumValueConfig{Value: ci.Class, Description: ci.Description}
	}
	b.kind = graphql.NewEnum(graphql.EnumConfig{Name: "EntityKind", Description: "The class of an entity (docs/vocabulary.md).", Values: kinds})

	preds := graphql.EnumValueConfigMap{}
	for _, pi := range blurline.Predicates {
		preds[string(pi.Predicate)] = &graphql.EnumValueConfig{Value: pi.Predicate, Description: pi.Description}
	}
	b.predicate = graphql.NewEnum(graphql.EnumConfig{Name: "Predicate", Description: "A relationship predicate (docs/vocabulary.md).", Values: preds})

	pk := graphql.EnumValueConfigMap{}
	pkDocs := map[blurline.PredicateKind]string{
		blurline.Structural:  "How organisations are built: partOf, memberOf, employs, officerOf, frontCompanyOf...",
		blurline.Control:     "State control, with a Healey level: taskedBy, sponsoredBy.",
		blurline.Attribution: "Who attributed what to whom: attributedTo.",
		blurline.Behaviour:   "What an actor did: conducts, targeted, exploited, uses...",
		blurline.Response:    "Responses and their parties and subjects: issuedBy, concerns, sanctionedBy, chargedIn...",
		blurline.Claim:       "Claims with a literal value: victimCount.",
		blurline.Analysis:    "Assessments: authoredBy, assesses, recommends.",
	}
	for k := blurline.Structural; k <= blurline.Analysis; k++ {
		pk[k.String()] = &graphql.EnumValueConfig{Value: k, Description: pkDocs[k]}
	}
	b.predKind = graphql.NewEnum(graphql.EnumConfig{Name: "PredicateKind", Description: "The role a predicate plays: structural, control, attribution, behaviour, response, claim or analysis.", Values: pk})

	b.direction = graphql.NewEnum(graphql.EnumConfig{Name: "Direction", Description: "Which way a relationship runs from the entity it is seen from.", Values: graphql.EnumValueConfigMap{
		"OUT":  {Value: blurline.Out, Description: "The entity is the subject."},
		"IN":   {Value: blurline.In, Description: "The entity is the object."},
		"BOTH": {Value: blurline.Both, Description: "Either (an argument only)."},
	}})

	hl := graphql.EnumValueConfigMap{}
	for _, h := range blurline.HealeyLevels() {
		hl[healeyEnumName(h)] = &graphql.EnumValueConfig{Value: h, Description: fmt.Sprintf("%s (level %d)", h, int(h))}
	}
	b.healeyLevel = graphql.NewEnum(graphql.EnumConfig{Name: "HealeyLevel", Description: "A level of Jason Healey's Spectrum of State Responsibility, from STATE_PROHIBITED (0) to STATE_INTEGRATED (9).", Values: hl})

	b.maurer = graphql.NewEnum(graphql.EnumConfig{Name: "MaurerType", Description: "Tim Maurer's proxy relationship type, derived from the Healey level.", Values: graphql.EnumValueConfigMap{
		"delegation":    {Value: "delegation", Description: "Healey levels 6-9."},
		"orchestration": {Value: "orchestration", Description: "Healey levels 4-5."},
		"sanctioning":   {Value: "sanctioning", Description: "Healey levels 2-3."},
	}})

	ak := graphql.EnumValueConfigMap{}
	akDocs := map[string]string{
		"technical":  "A technical attribution (forensics: a security vendor's or agency's analysis).",
		"political":  "A political attribution: a government's statement.",
		"legal":      "A legal attribution: an indictment or a court's finding.",
		"unofficial": "An unofficial attribution: press reports, leaks, officials speaking anonymously.",
		"self":       "A self-attribution: the actor claims the act.",
	}
	for _, k := range blurline.AttributionKinds {
		ak[k] = &graphql.EnumValueConfig{Value: k, Description: akDocs[k]}
	}
	b.attrKind = graphql.NewEnum(graphql.EnumConfig{Name: "AttributionKind", Description: "The kind of an attribution (after EuRepoC).", Values: ak})

	mk := graphql.EnumValueConfigMap{}
	for m := blurline.TLPClear; m <= blurline.TLPRed; m++ {
		mk[markingEnumName(m)] = &graphql.EnumValueConfig{Value: m, Description: "TLP:" + m.String()}
	}
	b.marking = graphql.NewEnum(graphql.EnumConfig{Name: "Marking", Description: "A Traffic Light Protocol 2.0 marking, least restrictive first: CLEAR, GREEN, AMBER, AMBER_STRICT (TLP:AMBER+STRICT), RED (docs/security.md).", Values: mk})

	b.healey = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Healey",
		Description: "The Healey level of a control fact.",
		Fields: graphql.Fields{
			"level":   {Type: nonNull(b.healeyLevel), Description: "The level, STATE_PROHIBITED (0) to STATE_INTEGRATED (9).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Healey), nil }},
			"name":    {Type: nonNull(graphql.String), Description: "The MISP enum value, e.g. state-ordered.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Healey).String(), nil }},
			"ordinal": {Type: nonNull(graphql.Int), Description: "0 (state-prohibited) to 9 (state-integrated).", Resolve: func(p graphql.ResolveParams) (any, error) { return int(p.Source.(blurline.Healey)), nil }},
			"maurerType": {Type: b.maurer, Description: "null for levels 0 and 1.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return nilIfEmpty(p.Source.(blurline.Healey).Maurer()), nil
			}},
			"iri": {Type: nonNull(graphql.String), Description: "The level's IRI in the MISP state-responsibility vocabulary.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Healey).IRI(), nil }},
		},
	})

	b.literal = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Literal",
		Description: "A literal object (the value of a claim such as victimCount).",
		Fields: graphql.Fields{
			"lexical": {Type: nonNull(graphql.String), Description: "The value as written in the source.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.Literal).Lexical, nil }},
			"datatype": {Type: graphql.String, Description: "The XML Schema datatype IRI of a typed literal; null for a plain string.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return nilIfEmpty(p.Source.(*blurline.Literal).Datatype), nil
			}},
			"language": {Type: graphql.String, Description: "The language tag of a language-tagged string; else null.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(p.Source.(*blurline.Literal).Lang), nil }},
			"number": {Type: graphql.Float, Description: "The value as a number, when it is one.", Resolve: func(p graphql.ResolveParams) (any, error) {
				f, err := strconv.ParseFloat(strings.TrimSpace(p.Source.(*blurline.Literal).Lexical), 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, nil
				}
				return f, nil
			}},
		},
	})
}

// healeyEnumName turns "state-prohibited-but-inadequate" into STATE_PROHIBITED_BUT_INADEQUATE.
func healeyEnumName(h blurline.Healey) string {
	return strings.ToUpper(strings.ReplaceAll(h.String(), "-", "_"))
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rel is a fact seen from one of its ends (near); near is "" when the fact
// is seen from its subject.
type rel struct {
	f    *blurline.Fact
	near string
}

func (r rel) out() bool { return r.near == "" || r.near == r.f.Subject }

// factOf returns the fact behind a Relationship or Statement source.
func factOf(src any) *blurline.Fact {
	switch s := src.(type) {
	case rel:
		return s.f
	case *blurline.Fact:
		return s
	}
	panic(fmt.Sprintf("schema: not a fact: %T", src))
}

// factFields are the fields Relationship and Statement share: the fact and
// its provenance.
func (b *builder) factFields() graphql.Fields {
	f := func(p graphql.ResolveParams) *blurline.Fact { return factOf(p.Source) }
	return graphql.Fields{
		"id":            {Type: nonNull(graphql.ID), Description: "The fact's id (its IRI without " + blurline.FactBase + ").", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).ID, nil }},
		"iri":           {Type: nonNull(graphql.String), Description: "The fact's IRI.", Resolve: func(p graphql.ResolveParams) (any, error) { return blurline.FactIRI(f(p).ID), nil }},
		"predicate":     {Type: nonNull(b.predicate), Description: "What the fact says: the relationship between subject and object.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Predicate, nil }},
		"predicateKind": {Type: nonNull(b.predKind), Description: "The role of the predicate: structural, control, attribution, behaviour, response or claim.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Predicate.Kind(), nil }},
		"subject": {Type: nonNull(b.entity), Description: "The entity the fact is about.", Resolve: func(p graphql.ResolveParams) (any, error) {
			return b.a.loaders(p.Context).node(p.Context, f(p).Subject), nil
		}},
		"subjectId": {Type: nonNull(graphql.ID), Description: "The subject's id (without loading it).", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Subject, nil }},
		"object": {Type: b.entity, Description: "null when the object is a literal (see value).", Resolve: func(p graphql.ResolveParams) (any, error) {
			if x := f(p); x.Object != "" {
				return b.a.loaders(p.Context).node(p.Context, x.Object), nil
			}
			return nil, nil
		}},
		"objectId": {Type: graphql.ID, Description: "The object's id (without loading it); null for a literal.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(f(p).Object), nil }},
		"value": {Type: b.literal, Description: "The literal object of a claim (victimCount), else null.", Resolve: func(p graphql.ResolveParams) (any, error) {
			if v := f(p).Value; v != nil {
				return v, nil
			}
			return nil, nil
		}},
		"confidence":    {Type: nonNull(graphql.Float), Description: "0 to 1.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Confidence, nil }},
		"validFrom":     {Type: b.date, Description: "When the relationship started to hold.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).ValidFrom, nil }},
		"validUntil":    {Type: b.date, Description: "When it stopped holding (exclusive).", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).ValidUntil, nil }},
		"publishedOn":   {Type: b.date, Description: "When the claim became public; before it the fact is not known.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).PublishedOn, nil }},
		"sources":       {Type: listOf(graphql.String), Description: "Source URLs: the evidence.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Sources, nil }},
		"sourceRecords": b.sourceRecordsField(func(p graphql.ResolveParams) []string { return f(p).Sources }),
		"assertedBy": {Type: b.entity, Description: "The party that asserts the fact (the attributing party of an attribution).", Resolve: func(p graphql.ResolveParams) (any, error) {
			if x := f(p); x.AssertedBy != "" {
				return b.a.loaders(p.Context).node(p.Context, x.AssertedBy), nil
			}
			return nil, nil
		}},
		"healeyLevel": {Type: b.healey, Description: "The Healey level of a control fact (taskedBy, sponsoredBy).", Resolve: func(p graphql.ResolveParams) (any, error) {
			if x := f(p); x.HasHealey {
				return x.Healey, nil
			}
			return nil, nil
		}},
		"attributionKind": {Type: b.attrKind, Description: "The kind of an attribution (attributedTo only): technical, political, legal...", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(f(p).AttributionKind), nil }},
		"quote":           {Type: graphql.String, Description: "The exact wording of the source.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(f(p).Quote), nil }},
		"note":            {Type: graphql.String, Description: "An editor's note on the fact.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(f(p).Note), nil }},
		"alleged":         {Type: nonNull(graphql.Boolean), Description: "True for an allegation (an indictment's charges).", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Alleged, nil }},
		"marking":         {Type: nonNull(b.marking), Description: "The fact's TLP marking.", Resolve: func(p graphql.ResolveParams) (any, error) { return f(p).Marking, nil }},
	}
}

func (b *builder) factTypes() {
	b.statement = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Statement",
		Description: "A fact: one relationship with its provenance.",
		Interfaces:  []*graphql.Interface{b.nodeIface},
		Fields:      graphql.FieldsThunk(b.factFields),
	})
	b.relationship = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Relationship",
		Description: "A fact seen from one of its ends: the statement, its direction and the entity at the other end.",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			fs := b.factFields()
			fs["direction"] = &graphql.Field{Type: nonNull(b.direction), Description: "OUT when the entity it is seen from is the subject, IN when it is the object.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if p.Source.(rel).out() {
						return blurline.Out, nil
					}
					return blurline.In, nil
				}}
			fs["entity"] = &graphql.Field{Type: nonNull(b.entity), Description: "The entity the relationship is seen from.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					r := p.Source.(rel)
					id := r.near
					if id == "" {
						id = r.f.Subject
					}
					return b.a.loaders(p.Context).node(p.Context, id), nil
				}}
			fs["other"] = &graphql.Field{Type: b.entity, Description: "The entity at the other end; null for a literal (see value).",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					r := p.Source.(rel)
					if !r.out() {
						return b.a.loaders(p.Context).node(p.Context, r.f.Subject), nil
					}
					if r.f.Object == "" {
						return nil, nil
					}
					return b.a.loaders(p.Context).node(p.Context, r.f.Object), nil
				}}
			fs["statement"] = &graphql.Field{Type: nonNull(b.statement), Description: "The fact itself, without a point of view.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(rel).f, nil }}
			return fs
		}),
	})
}

// relField is a typed relationship field of an entity class: the facts
// with one of preds that touch the entity in direction dir.
type relField struct {
	name  string
	dir   blurline.Direction
	preds []blurline.Predicate
	doc   string
}

func rf(name string, dir blurline.Direction, doc string, preds ...blurline.Predicate) relField {
	return relField{name: name, dir: dir, preds: preds, doc: doc}
}

// Reusable typed fields.
var (
	rfSponsors      = rf("sponsors", blurline.Out, "Control facts: the state bodies that task or sponsor it (taskedBy, sponsoredBy), with Healey levels.", blurline.TaskedBy, blurline.SponsoredBy)
	rfMembers       = rf("members", blurline.In, "Its members (memberOf, in).", blurline.MemberOf)
	rfEmployees     = rf("employees", blurline.Out, "The people it employs (employs).", blurline.Employs)
	rfOfficers      = rf("officers", blurline.In, "Its officers and executives (officerOf, in).", blurline.OfficerOf)
	rfFronts        = rf("frontCompanies", blurline.In, "Its front companies (frontCompanyOf, in).", blurline.FrontCompanyOf)
	rfControls      = rf("controls", blurline.In, "The actors it tasks or sponsors (taskedBy, sponsoredBy, in), with Healey levels.", blurline.TaskedBy, blurline.SponsoredBy)
	rfUnits         = rf("units", blurline.In, "Its parts and regional bureaus (partOf, regionalBureauOf, in).", blurline.PartOf, blurline.RegionalBureauOf)
	rfParent        = rf("parent", blurline.Out, "What it is part of or a bureau of (partOf, regionalBureauOf).", blurline.PartOf, blurline.RegionalBureauOf)
	rfAttributions  = rf("attributions", blurline.Out, "Attributions of it to an actor or state (attributedTo): who attributed it, when, with what confidence and kind.", blurline.AttributedTo)
	rfAttributedAct = rf("attributedActivity", blurline.In, "The incidents, campaigns and groups attributed to it (attributedTo, in).", blurline.AttributedTo)
	rfActivities    = rf("activities", blurline.Out, "The kinds of activity it conducts (conducts).", blurline.Conducts)
	rfExploited     = rf("exploited", blurline.Out, "The vulnerabilities it exploited (exploited).", blurline.Exploited)
	rfTargeted      = rf("targeted", blurline.Out, "What it targeted (targeted).", blurline.Targeted)
	rfUses          = rf("uses", blurline.Out, "The malware, tools and techniques it uses (uses).", blurline.Uses)
	rfCharges       = rf("charges", blurline.Out, "The indictments it is charged in (chargedIn; allegations).", blurline.ChargedIn)
	rfSanctions     = rf("sanctions", blurline.Out, "Sanctions against it (sanctionedBy).", blurline.SanctionedBy)
	rfResponses     = rf("responses", blurline.In, "Responses that concern it: statements, advisories, indictments, sanctions, operations (concerns, in).", blurline.Concerns)
	rfIssuedBy      = rf("issuedBy", blurline.Out, "Who issued it (issuedBy).", blurline.IssuedBy)
	rfIssued        = rf("issued", blurline.In, "The statements, documents and responses it issued (issuedBy, in).", blurline.IssuedBy)
	rfConcerns      = rf("concerns", blurline.Out, "What it concerns (concerns).", blurline.Concerns)
	rfParticipants  = rf("participants", blurline.In, "The actors that took part (participatedIn, in).", blurline.ParticipatedIn)
	rfTargetedBy    = rf("targetedBy", blurline.In, "The actors and incidents that targeted it (targeted, in).", blurline.Targeted)
	rfAffectedBy    = rf("affectedBy", blurline.In, "The vulnerabilities and incidents that affected it (affected, in).", blurline.Affected)
	rfUsedBy        = rf("usedBy", blurline.In, "The actors that use it (uses, in).", blurline.Uses)
	rfMemberships   = rf("memberships", blurline.Out, "What it is a member of (memberOf).", blurline.MemberOf)
)

// relFields lists the typed relationship fields of each class.
var relFields = map[blurline.Class][]relField{
	blurline.State: {
		rf("agencies", blurline.In, "Its agencies and bureaus (partOf, regionalBureauOf, in).", blurline.PartOf, blurline.RegionalBureauOf),
		rf("contractors", blurline.In, "The actors it tasks directly (taskedBy, in), with Healey levels.", blurline.TaskedBy),
		rf("sponsored", blurline.In, "The actors it sponsors directly (sponsoredBy, in), with Healey levels.", blurline.SponsoredBy),
		rf("alliances", blurline.Out, "The alliances and organisations it is a member of (memberOf).", blurline.MemberOf),
		rfAttributedAct, rfTargetedBy, rfIssued,
		rf("agreements", blurline.Out, "The agreements it is party to (partyTo).", blurline.PartyTo),
	},
	blurline.GovernmentBody:      {rfParent, rfUnits, rfFronts, rfControls, rfEmployees, rfOfficers, rfIssued},
	blurline.IntelligenceService: {rfParent, rfUnits, rfFronts, rfControls, rfEmployees, rfOfficers, rfAttributedAct, rfSanctions},
	blurline.RegionalBureau:      {rfParent, rfFronts, rfControls, rfEmployees, rfOfficers, rfAttributedAct, rfSanctions},
	blurline.Contractor:          {rfSponsors, rfEmployees, rfOfficers, rfAttributedAct, rfActivities, rfCharges, rfSanctions},
	blurline.FrontCompany: {
		rf("frontFor", blurline.Out, "The state bodies it is a front for (frontCompanyOf).", blurline.FrontCompanyOf),
		rfSponsors, rfEmployees, rfOfficers, rfCharges, rfSanctions,
	},
	blurline.Company:       {rfEmployees, rfOfficers, rf("stakes", blurline.Out, "Its stakes in other organisations (holdsStakeIn).", blurline.HoldsStakeIn), rfIssued, rfTargetedBy, rfAffectedBy},
	blurline.CriminalGroup: {rfSponsors, rfMembers, rfAttributions, rfAttributedAct, rfActivities, rfExploited, rfTargeted, rfUses, rfCharges, rfSanctions},
	blurline.ThreatGroup:   {rfAttributions, rfSponsors, rfMembers, rfAttributedAct, rfActivities, rfExploited, rfTargeted, rfUses, rfCharges, rfSanctions},
	blurline.Person: {
		rfMemberships,
		rf("employers", blurline.In, "The organisations that employ the person (employs, in).", blurline.Employs),
		rf("officerOf", blurline.Out, "The organisations the person is an officer of (officerOf).", blurline.OfficerOf),
		rf("affiliations", blurline.Out, "Looser affiliations (affiliatedWith).", blurline.AffiliatedWith),
		rfSponsors, rfCharges, rfSanctions,
		rf("participatedIn", blurline.Out, "The incidents and campaigns the person took part in (participatedIn).", blurline.ParticipatedIn),
	},
	blurline.Alliance:                  {rfMembers, rfIssued},
	blurline.InternationalOrganization: {rfMembers, rfIssued},
	blurline.Incident: {
		rfExploited,
		rf("victimCounts", blurline.Out, "Claims about the number of victims (victimCount; see value).", blurline.VictimCount),
		rfAttributions, rfResponses, rfTargeted,
		rf("affected", blurline.Out, "The products, organisations and sectors it affected (affected).", blurline.Affected),
		rf("campaigns", blurline.Out, "The campaigns it is part of (partOf).", blurline.PartOf),
		rfParticipants,
	},
	blurline.Campaign: {
		rfAttributions,
		rf("incidents", blurline.In, "Its incidents (partOf, in).", blurline.PartOf),
		rfResponses, rfParticipants, rfTargeted, rfExploited,
	},
	blurline.Vulnerability: {
		rf("exploitedBy", blurline.In, "The actors and incidents that exploited it (exploited, in).", blurline.Exploited),
		rf("patchedBy", blurline.Out, "The patches that fix it (patchedBy).", blurline.PatchedBy),
		rf("affects", blurline.Out, "The products it affects (affected).", blurline.Affected),
		rf("disclosedBy", blurline.In, "Who disclosed it (discloses, in).", blurline.Discloses),
	},
	blurline.Activity:          {rf("conductedBy", blurline.In, "The actors that conduct it (conducts, in).", blurline.Conducts)},
	blurline.Sector:            {rfTargetedBy, rfAffectedBy},
	blurline.Product:           {rfAffectedBy},
	blurline.Malware:           {rfUsedBy},
	blurline.Tool:              {rfUsedBy},
	blurline.AttackPattern:     {rfUsedBy},
	blurline.Agreement:         {rf("parties", blurline.In, "The parties to it (partyTo, in).", blurline.PartyTo)},
	blurline.Document:          {rfIssuedBy, rfConcerns},
	blurline.PublicAttribution: {rfIssuedBy, rfConcerns},
	blurline.Indictment: {
		rf("charged", blurline.In, "The people and groups charged in it (chargedIn, in; allegations).", blurline.ChargedIn),
		rfIssuedBy, rfConcerns,
	},
	blurline.Sanction:  {rf("sanctioned", blurline.In, "Who it sanctions (sanctionedBy, in).", blurline.SanctionedBy), rfIssuedBy, rfConcerns},
	blurline.Advisory:  {rfIssuedBy, rfConcerns},
	blurline.Patch:     {rf("fixes", blurline.In, "The vulnerabilities it fixes (patchedBy, in).", blurline.PatchedBy), rfIssuedBy},
	blurline.Operation: {rfIssuedBy, rfConcerns},
}

// entityFields are the fields of the Entity interface; every class type has them.
func (b *builder) entityFields() graphql.Fields {
	n := func(p graphql.ResolveParams) *blurline.Node { return p.Source.(*blurline.Node) }
	return graphql.Fields{
		"id":            {Type: nonNull(graphql.ID), Description: "The short id (the IRI without " + blurline.EntityBase + ").", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).ID, nil }},
		"iri":           {Type: nonNull(graphql.String), Description: "The entity's IRI.", Resolve: func(p graphql.ResolveParams) (any, error) { return blurline.EntityIRI(n(p).ID), nil }},
		"name":          {Type: nonNull(graphql.String), Description: "The entity's name.", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).Name, nil }},
		"aliases":       {Type: listOf(graphql.String), Description: "Other names (vendor names, ATT&CK ids), sorted.", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).Aliases, nil }},
		"kind":          {Type: nonNull(b.kind), Description: "The entity's class.", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).Class, nil }},
		"description":   {Type: graphql.String, Description: "A short description; null when there is none.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(n(p).Description), nil }},
		"sources":       {Type: listOf(graphql.String), Description: "Source URLs for the entity itself (its facts carry their own).", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).Sources, nil }},
		"externalIds":   {Type: listOf(graphql.String), Description: "External ids as scheme:value (mitre-attack:G0125).", Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).ExternalIDs, nil }},
		"sourceRecords": b.sourceRecordsField(func(p graphql.ResolveParams) []string { return n(p).Sources }),
		"marking": {Type: nonNull(b.marking), Description: "The most restrictive TLP marking of what you see of the entity (the descriptions you are cleared for).",
			Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).Marking, nil }},
		"nonStateCharacter": {Type: nonNull(graphql.Float), Description: "Non-state character nu, 0 (a state unit) to 1 (a criminal): the entity's own value or its class default.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return n(p).NonStateCharacter(), nil }},
		"motiveWeight": {Type: graphql.Float, Description: "Criminal-motive weight of an activity, when set.", Resolve: func(p graphql.ResolveParams) (any, error) {
			if w := n(p).MotiveWeight; w != nil {
				return *w, nil
			}
			return nil, nil
		}},
		"relationships": {
			Type:        nonNull(b.relConn),
			Description: "Every relationship of the entity, filtered, sorted by fact id, as a connection.",
			Args: b.evidenceArgs(pageArgs(DefaultPageSize, graphql.FieldConfigArgument{
				"predicates":    {Type: listIn(b.predicate), Description: "Any of these predicates."},
				"kinds":         {Type: listIn(b.predKind), Description: "Any of these predicate kinds."},
				"direction":     {Type: b.direction, DefaultValue: blurline.Both, Description: "OUT: the entity is the subject; IN: the object; BOTH: either."},
				"to":            {Type: listIn(graphql.ID), Description: "Only relationships whose other end is one of these."},
				"minConfidence": {Type: graphql.Float, Description: "Only facts with at least this confidence (0 to 1)."},
				"asOf":          {Type: b.date, Description: "Only facts that held and were public at this date."},
				"assertedBy":    {Type: graphql.ID, Description: "Only facts asserted by this party."},
			})),
			Resolve: b.a.resolveEntityRelationships,
		},
		"blur": {
			Type: b.blurScore,
			Description: "The entity's blur (docs/blur.md) with respect to state, or to the state giving it the highest score: " +
				"the score, its parts and the evidence path. An entity tied to no state scores 0, with a null path.",
			Args:    b.blurArgs(),
			Resolve: b.a.resolveEntityBlur,
		},
	}
}

// relListArgs are the arguments of a typed relationship field.
func (b *builder) relListArgs() graphql.FieldConfigArgument {
	return b.evidenceArgs(graphql.FieldConfigArgument{
		"asOf":          {Type: b.date, Description: "Only facts that held and were public at this date (a day means its end)."},
		"minConfidence": {Type: graphql.Float, Description: "Only facts with at least this confidence (0 to 1)."},
		"assertedBy":    {Type: graphql.ID, Description: "Only facts asserted by this party."},
		"first":         {Type: graphql.Int, DefaultValue: DefaultPageSize, Description: "The most returned."},
	})
}

func (b *builder) entityTypes() {
	b.entity = graphql.NewInterface(graphql.InterfaceConfig{
		Name:        "Entity",
		Description: "An entity of any class: a state, agency, group, person, incident...",
		Fields:      graphql.FieldsThunk(b.entityFields),
		ResolveType: func(p graphql.ResolveTypeParams) *graphql.Object {
			if n, ok := p.Value.(*blurline.Node); ok {
				return b.classes[n.Class]
			}
			return nil
		},
	})
	for _, ci := range blurline.Classes {
		c := ci.Class
		b.classes[c] = graphql.NewObject(graphql.ObjectConfig{
			Name:        string(c),
			Description: ci.Description,
			Interfaces:  []*graphql.Interface{b.entity, b.nodeIface},
			Fields: graphql.FieldsThunk(func() graphql.Fields {
				fs := b.entityFields()
				for name, f := range b.classFields(c) {
					fs[name] = f
				}
				for _, r := range relFields[c] {
					fs[r.name] = &graphql.Field{
						Type:        listOf(b.relationship),
						Description: r.doc,
						Args:        b.relListArgs(),
						Resolve:     b.a.resolveRelField(r),
					}
				}
				return fs
			}),
			IsTypeOf: func(p graphql.IsTypeOfParams) bool {
				n, ok := p.Value.(*blurline.Node)
				return ok && n.Class == c
			},
		})
	}
}

func (b *builder) resultTypes() {
	b.pageInfo = graphql.NewObject(graphql.ObjectConfig{
		Name:        "PageInfo",
		Description: "Relay pagination: pass endCursor as after to get the next page.",
		Fields: graphql.Fields{
			"hasNextPage":     {Type: nonNull(graphql.Boolean), Description: "True when there are items after this page (in the direction paged).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*connection).hasNext, nil }},
			"hasPreviousPage": {Type: nonNull(graphql.Boolean), Description: "True when there are items before this page.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*connection).hasPrev, nil }},
			"startCursor": {Type: graphql.String, Description: "The cursor of the first edge: pass it as before for the previous page; null on an empty page.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if c := p.Source.(*connection); len(c.edges) > 0 {
					return c.edges[0].cursor(), nil
				}
				return nil, nil
			}},
			"endCursor": {Type: graphql.String, Description: "The cursor of the last edge: pass it as after for the next page; null on an empty page.", Resolve: func(p graphql.ResolveParams) (any, error) {
				if c := p.Source.(*connection); len(c.edges) > 0 {
					return c.edges[len(c.edges)-1].cursor(), nil
				}
				return nil, nil
			}},
		},
	})
	conn := func(name string, node graphql.Output) *graphql.Object {
		edge := graphql.NewObject(graphql.ObjectConfig{
			Name:        name + "Edge",
			Description: "One item of a " + name + "Connection and its cursor.",
			Fields: graphql.Fields{
				"node":   {Type: nonNull(node), Description: "The item.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*edge).node, nil }},
				"cursor": {Type: nonNull(graphql.String), Description: "An opaque cursor of the item, for after and before.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*edge).cursor(), nil }},
			},
		})
		return graphql.NewObject(graphql.ObjectConfig{
			Name:        name + "Connection",
			Description: "A page of " + name + " items (Relay connection): first/after pages forward, last/before backward.",
			Fields: graphql.Fields{
				"edges":      {Type: listOf(edge), Description: "The items of this page, each with its cursor.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*connection).list(), nil }},
				"pageInfo":   {Type: nonNull(b.pageInfo), Description: "Where this page is: cursors and whether there are more pages either way.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source, nil }},
				"totalCount": {Type: nonNull(graphql.Int), Description: "How many match, over all pages.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*connection).total, nil }},
			},
		})
	}
	b.entityConn = conn("Entity", b.entity)
	b.relConn = conn("Relationship", b.relationship)

	b.hop = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Hop",
		Description: "One step of a path: a fact walked from one entity to the next.",
		Fields: graphql.Fields{
			"from": {Type: nonNull(b.entity), Description: "The entity the hop starts from.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return b.a.loaders(p.Context).node(p.Context, p.Source.(blurline.Hop).From), nil
			}},
			"to": {Type: nonNull(b.entity), Description: "The entity the hop reaches.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return b.a.loaders(p.Context).node(p.Context, p.Source.(blurline.Hop).To), nil
			}},
			"forward":   {Type: nonNull(graphql.Boolean), Description: "True when from is the fact's subject.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Hop).Forward, nil }},
			"predicate": {Type: nonNull(b.predicate), Description: "The predicate of the fact walked.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Hop).Fact.Predicate, nil }},
			"statement": {Type: nonNull(b.relationship), Description: "The fact walked, seen from the hop's from end, with its provenance.", Resolve: func(p graphql.ResolveParams) (any, error) {
				h := p.Source.(blurline.Hop)
				return rel{f: h.Fact, near: h.From}, nil
			}},
			"evidence": {Type: listOf(graphql.String), Description: "The fact's sources.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Hop).Fact.Sources, nil }},
		},
	})
	b.path = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Path",
		Description: "A shortest walk between two entities, one fact per hop.",
		Fields: graphql.Fields{
			"length":     {Type: nonNull(graphql.Int), Description: "The number of hops.", Resolve: func(p graphql.ResolveParams) (any, error) { return len(p.Source.(pathView).Hops), nil }},
			"confidence": {Type: nonNull(graphql.Float), Description: "The product of the hops' confidences.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(pathView).Confidence(), nil }},
			"hops":       {Type: listOf(b.hop), Description: "The hops, from the first entity to the last.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(pathView).Hops, nil }},
			"factIds": {Type: listOf(graphql.ID), Description: "The ids of the facts walked, in order: it tells apart two paths through the same entities by different facts.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					hops := p.Source.(pathView).Hops
					ids := make([]string, len(hops))
					for i, h := range hops {
						ids[i] = h.Fact.ID
					}
					return ids, nil
				}},
			"nodes": {Type: listOf(b.entity), Description: "The entities along the path, from first to last.", Resolve: func(p graphql.ResolveParams) (any, error) {
				path := p.Source.(pathView)
				l := b.a.loaders(p.Context)
				out := []any{l.node(p.Context, path.from)}
				for _, h := range path.Hops {
					out = append(out, l.node(p.Context, h.To))
				}
				return out, nil
			}},
		},
	})
	b.subgraph = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Subgraph",
		Description: "Entities and the facts among them, ready for a picture: nodes sorted by id, edges by fact id.",
		Fields: graphql.Fields{
			"nodes":     {Type: listOf(b.entity), Description: "The entities, sorted by id.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Subgraph).Nodes, nil }},
			"edges":     {Type: listOf(b.statement), Description: "The facts among the entities, sorted by fact id.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Subgraph).Facts, nil }},
			"truncated": {Type: nonNull(graphql.Boolean), Description: "True when first cut the subgraph short.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(blurline.Subgraph).Truncated, nil }},
		},
	})
	classCount := graphql.NewObject(graphql.ObjectConfig{
		Name:        "KindCount",
		Description: "How many entities a class has.",
		Fields: graphql.Fields{
			"kind":  {Type: nonNull(b.kind), Description: "The class.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(keyCount[blurline.Class]).key, nil }},
			"count": {Type: nonNull(graphql.Int), Description: "How many entities of the class.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(keyCount[blurline.Class]).n, nil }},
		},
	})
	predCount := graphql.NewObject(graphql.ObjectConfig{
		Name:        "PredicateCount",
		Description: "How many facts a predicate has.",
		Fields: graphql.Fields{
			"predicate": {Type: nonNull(b.predicate), Description: "The predicate.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(keyCount[blurline.Predicate]).key, nil }},
			"predicateKind": {Type: nonNull(b.predKind), Description: "The predicate's kind.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return p.Source.(keyCount[blurline.Predicate]).key.Kind(), nil
			}},
			"count": {Type: nonNull(graphql.Int), Description: "How many facts with the predicate.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(keyCount[blurline.Predicate]).n, nil }},
		},
	})
	st := func(p graphql.ResolveParams) blurline.Stats { return p.Source.(blurline.Stats) }
	b.stats = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Stats",
		Description: "What the store holds.",
		Fields: graphql.Fields{
			"quads":               {Type: nonNull(graphql.Int), Description: "Quads in the store.", Resolve: func(p graphql.ResolveParams) (any, error) { return st(p).Quads, nil }},
			"entities":            {Type: nonNull(graphql.Int), Description: "Entities in the store.", Resolve: func(p graphql.ResolveParams) (any, error) { return st(p).Entities, nil }},
			"facts":               {Type: nonNull(graphql.Int), Description: "Facts (statements) in the store.", Resolve: func(p graphql.ResolveParams) (any, error) { return st(p).Facts, nil }},
			"factsWithProvenance": {Type: nonNull(graphql.Int), Description: "Facts with a source and a confidence.", Resolve: func(p graphql.ResolveParams) (any, error) { return st(p).FactsWithProvenance, nil }},
			"byKind": {Type: listOf(classCount), Description: "Entities by class, in vocabulary order; classes without entities are left out.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return inTableOrder(blurline.Classes, func(ci *blurline.ClassInfo) blurline.Class { return ci.Class }, st(p).ByClass), nil
			}},
			"byPredicate": {Type: listOf(predCount), Description: "Facts by predicate, in vocabulary order; predicates without facts are left out.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return inTableOrder(blurline.Predicates, func(pi *blurline.PredicateInfo) blurline.Predicate { return pi.Predicate }, st(p).ByPredicate), nil
			}},
		},
	})
	b.attribution = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Attribution",
		Description: "Who attributed what to whom, when, with what confidence and kind: one attributedTo fact.",
		Fields: graphql.Fields{
			"id": {Type: nonNull(graphql.ID), Description: "The fact's id.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.Fact).ID, nil }},
			"subject": {Type: nonNull(b.entity), Description: "What was attributed: an incident, campaign or group.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return b.a.loaders(p.Context).node(p.Context, p.Source.(*blurline.Fact).Subject), nil
			}},
			"attributedTo": {Type: nonNull(b.entity), Description: "To whom.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return b.a.loaders(p.Context).node(p.Context, p.Source.(*blurline.Fact).Object), nil
			}},
			"attributedBy": {Type: b.entity, Description: "Who attributed it (the fact's assertedBy).", Resolve: func(p graphql.ResolveParams) (any, error) {
				if by := p.Source.(*blurline.Fact).AssertedBy; by != "" {
					return b.a.loaders(p.Context).node(p.Context, by), nil
				}
				return nil, nil
			}},
			"date":       {Type: b.date, Description: "When: publishedOn, else validFrom.", Resolve: func(p graphql.ResolveParams) (any, error) { return attributionDate(p.Source.(*blurline.Fact)), nil }},
			"confidence": {Type: nonNull(graphql.Float), Description: "How confident the attribution is, 0 to 1.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.Fact).Confidence, nil }},
			"kind": {Type: b.attrKind, Description: "The kind of attribution: technical, political, legal...", Resolve: func(p graphql.ResolveParams) (any, error) {
				return nilIfEmpty(p.Source.(*blurline.Fact).AttributionKind), nil
			}},
			"quote":     {Type: graphql.String, Description: "The exact wording of the attribution in its source.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(p.Source.(*blurline.Fact).Quote), nil }},
			"sources":   {Type: listOf(graphql.String), Description: "Source URLs: the evidence.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*blurline.Fact).Sources, nil }},
			"statement": {Type: nonNull(b.statement), Description: "The whole fact.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source, nil }},
		},
	})
}

// pathView is a path and the entity it starts from (a path of no hops,
// from an entity to itself, has no hop to say so).
type pathView struct {
	blurline.Path
	from string
}

// keyCount is how many entities of a class, or facts of a predicate.
type keyCount[K comparable] struct {
	key K
	n   int
}

// inTableOrder lists the counts that are not zero in the order of a
// vocabulary table.
func inTableOrder[K comparable, V any](table []V, key func(*V) K, counts map[K]int) []keyCount[K] {
	var out []keyCount[K]
	for i := range table {
		k := key(&table[i])
		if n := counts[k]; n > 0 {
			out = append(out, keyCount[K]{k, n})
		}
	}
	return out
}

// attributionDate is when an attribution was made: publishedOn, else validFrom.
func attributionDate(f *blurline.Fact) time.Time {
	if !f.PublishedOn.IsZero() {
		return f.PublishedOn
	}
	return f.ValidFrom
}

// markingEnumName is a marking's GraphQL enum name: its TLP name with "+"
// as "_" (AMBER_STRICT).
func markingEnumName(m blurline.Marking) string { return strings.ReplaceAll(m.String(), "+", "_") }

// argMarking reads a Marking argument as the marking a write gives what it
// brings without one (blurline.WriteMarking).
func argMarking(ctx context.Context, args map[string]any, name string) (blurline.Marking, error) {
	m, given := args[name].(blurline.Marking)
	return blurline.WriteMarking(ctx, m, given)
}
