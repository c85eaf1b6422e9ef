package blurline

import "strings"

// Namespaces. Every IRI Blurline mints starts with one of these.
const (
	// NS is the vocabulary namespace: classes, predicates and properties.
	NS = "https://w3id.org/blurline/ns#"
	// EntityBase prefixes entity IRIs; the rest is the entity's short id.
	EntityBase = "https://w3id.org/blurline/id/"
	// FactBase prefixes fact (statement) IRIs; the rest is the fact's id.
	FactBase = "https://w3id.org/blurline/fact/"
	// HealeyBase prefixes the ten Healey spectrum levels.
	HealeyBase = "https://w3id.org/blurline/healey#"
	// ImportBase prefixes the named graph of an import (its entity
	// descriptions); the facts of import ID have ids "ID/...".
	ImportBase = "https://w3id.org/blurline/import/"
	// MarkedBase prefixes the named graph in which a write at a marking
	// other than CLEAR keeps its entity descriptions (MarkedBase+"amber"),
	// apart from the default graph's CLEAR ones (see PropMarking).
	MarkedBase = "https://w3id.org/blurline/marked/"
	// MetaGraph is the named graph of store bookkeeping (never exported).
	MetaGraph = "https://w3id.org/blurline/meta"
	// AuditGraph is the named graph of the audit trail (audit.go): one
	// record per write, each an IRI AuditBase+id described with the
	// properties in AuditNS. It is exported, and a load from the command
	// line restores it.
	AuditGraph = "https://w3id.org/blurline/audit"
	AuditBase  = "https://w3id.org/blurline/audit/"
	AuditNS    = "https://w3id.org/blurline/audit#"

	RDFType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	XSD     = "http://www.w3.org/2001/XMLSchema#"
	RDFLang = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// XSD datatypes Blurline reads and writes.
const (
	XSDString   = XSD + "string"
	XSDDecimal  = XSD + "decimal"
	XSDDouble   = XSD + "double"
	XSDInteger  = XSD + "integer"
	XSDBoolean  = XSD + "boolean"
	XSDDate     = XSD + "date"
	XSDDateTime = XSD + "dateTime"
)

// Class is an entity class, named by its local name in NS (e.g. "ThreatGroup").
type Class string

// Entity classes.
const (
	State                     Class = "State"
	GovernmentBody            Class = "GovernmentBody"
	IntelligenceService       Class = "IntelligenceService"
	RegionalBureau            Class = "RegionalBureau"
	Contractor                Class = "Contractor"
	FrontCompany              Class = "FrontCompany"
	Company                   Class = "Company"
	CriminalGroup             Class = "CriminalGroup"
	ThreatGroup               Class = "ThreatGroup"
	Person                    Class = "Person"
	Alliance                  Class = "Alliance"
	InternationalOrganization Class = "InternationalOrganization"
	Incident                  Class = "Incident"
	Campaign                  Class = "Campaign"
	Vulnerability             Class = "Vulnerability"
	Activity                  Class = "Activity"
	Sector                    Class = "Sector"
	Product                   Class = "Product"
	Malware                   Class = "Malware"
	Tool                      Class = "Tool"
	AttackPattern             Class = "AttackPattern"
	Agreement                 Class = "Agreement"
	Document                  Class = "Document"
	PublicAttribution         Class = "PublicAttribution"
	Indictment                Class = "Indictment"
	Sanction                  Class = "Sanction"
	Advisory                  Class = "Advisory"
	Patch                     Class = "Patch"
	Operation                 Class = "Operation"
	Source                    Class = "Source"
	Assessment                Class = "Assessment"
	ResponseKind              Class = "ResponseKind"
)

// ClassInfo documents a class. NonState is the default non-state character
// (nu in the blur model: 1 for criminals and freelancers, 0 for the state's
// own units); an entity may override it with the nonStateCharacter property.
type ClassInfo struct {
	Class       Class
	Description string
	STIX        STIXType // how interop writes the class in STIX 2.1
	NonState    float64
	Actor       bool // may be the actor of a blur score
}

// STIXType is the STIX 2.1 object a class is written as: its type, and for
// an identity its identity_class and sectors. Note says which other
// objects of other producers are also read as the class, for the docs.
type STIXType struct {
	Type          string
	IdentityClass string
	Sectors       []string
	Note          string
}

// String describes the mapping for docs/vocabulary.md.
func (t STIXType) String() string {
	s := t.Type
	var attrs []string
	if t.IdentityClass != "" {
		attrs = append(attrs, "identity_class="+t.IdentityClass)
	}
	if len(t.Sectors) > 0 {
		attrs = append(attrs, "sectors="+strings.Join(t.Sectors, ","))
	}
	if len(attrs) > 0 {
		s += " (" + strings.Join(attrs, ", ") + ")"
	}
	if t.Note != "" {
		s += "; " + t.Note
	}
	return s
}

func stixIdentity(class string, sectors ...string) STIXType {
	return STIXType{Type: "identity", IdentityClass: class, Sectors: sectors}
}

func stixObject(typ string) STIXType { return STIXType{Type: typ} }

func (t STIXType) note(s string) STIXType { t.Note = s; return t }

// Classes lists every class, in the order docs/vocabulary.md shows them.
var Classes = []ClassInfo{
	{State, "A sovereign state acting as a party (PRC, United States, Russia).", stixIdentity("organization", "government").note("a location naming a country is read as a State"), 0, false},
	{GovernmentBody, "A ministry, agency, court or other government organ that is not an intelligence service (US DOJ, US Treasury, Global Affairs Canada).", stixIdentity("organization", "government").note("an identity with a government sector is read as a GovernmentBody, and so is a nation-state threat-actor with the role sponsor or director"), 0, false},
	{IntelligenceService, "A state intelligence or security service (MSS, FSB, SVR, NSA, GCSB).", stixIdentity("organization", "government").note("a threat-actor of threat_actor_types nation-state is read as an IntelligenceService"), 0, true},
	{RegionalBureau, "A regional or provincial bureau of an intelligence or security service (Hainan State Security Department).", stixIdentity("organization", "government"), 0, true},
	{Contractor, "A private company or group that works for a state under contract (i-Soon, Chengdu 404).", stixObject("threat-actor").note("read from a threat-actor with the role agent that is a hacker or criminal"), 0.8, true},
	{FrontCompany, "A company set up or used to hide a state body's hand (Hainan Xiandun, Wuhan XRZ).", stixIdentity("organization"), 0.6, true},
	{Company, "Any other company (Microsoft, COSCO Shipping).", stixIdentity("organization").note("any other organisation identity is read as a Company"), 0.8, false},
	{CriminalGroup, "A criminal group (Evil Corp) or a loose set of criminal contract hackers.", stixObject("threat-actor").note("read from a threat-actor of threat_actor_types crime-syndicate or criminal"), 1, true},
	{ThreatGroup, "An intrusion set tracked by vendors under many names (HAFNIUM / Silk Typhoon, APT40 / Leviathan).", stixObject("intrusion-set").note("also read from a threat-actor that is both nation-state and criminal, or neither"), 0.5, true},
	{Person, "A natural person: officials, charged hackers, experts.", stixIdentity("individual"), 1, true},
	{Alliance, "An alliance, partnership or cooperation format among states (NATO, Five Eyes, 17+1).", stixIdentity("organization"), 0, false},
	{InternationalOrganization, "An international organisation or union (European Union, United Nations).", stixIdentity("organization"), 0, false},
	{Incident, "A concrete compromise or attack (the 2021 Exchange compromise).", stixObject("incident"), 0, false},
	{Campaign, "A named or indicted campaign of activity over time.", stixObject("campaign"), 0, false},
	{Vulnerability, "A vulnerability, normally a CVE.", stixObject("vulnerability"), 0, false},
	{Activity, "A kind of activity with a criminal-motive weight (ransomware 1, IP theft for firms 0.5, espionage 0).", stixObject("x-blurline-activity").note("STIX has no object for it, only the attack-motivation-ov vocabulary"), 0, false},
	{Sector, "A sector or class of targets (maritime industry, infectious-disease research).", stixIdentity("class"), 0, false},
	{Product, "A software product (Microsoft Exchange Server).", stixObject("software").note("a cyber-observable (SCO)"), 0, false},
	{Malware, "A malware family.", stixObject("malware"), 0, false},
	{Tool, "A legitimate or dual-use tool.", stixObject("tool"), 0, false},
	{AttackPattern, "An attack technique (ATT&CK technique).", stixObject("attack-pattern"), 0, false},
	{Agreement, "A treaty, treaty article, MoU, initiative or policy (Article 5, Belt and Road Initiative).", stixObject("x-blurline-agreement"), 0, false},
	{Document, "A document, statement, leak, regulation or communique that is not itself a response.", stixObject("report").note("a report of another producer is read as a Document"), 0, false},
	{PublicAttribution, "A public attribution statement by one party on one date (the UK statement of 19 July 2021).", stixObject("report"), 0, false},
	{Indictment, "An indictment or criminal complaint. Its charges are allegations.", stixObject("report"), 0, false},
	{Sanction, "A sanctions designation or package.", stixObject("x-blurline-sanction"), 0, false},
	{Advisory, "A government or vendor security advisory (AA21-200A).", stixObject("report"), 0, false},
	{Patch, "A security update that fixes vulnerabilities.", stixObject("course-of-action").note("other producers' courses of action (mitigations) are not read"), 0, false},
	{Operation, "A law-enforcement or defensive operation (the FBI web-shell removal).", stixObject("course-of-action"), 0, false},
	{Source, "A source record: the document a fact or entity cites, its IRI the document's URL, with its title as name, publisher, publication date, kind, whether it is the primary text and an Admiralty reliability grade.", stixObject("x-blurline-source").note("the objects that cite it carry its URL in external_references; its record travels as x_blurline_source_record"), 0, false},
	{Assessment, "A judgement by an analyst or expert about an entity, an event or a response; its authoredBy fact carries the quote, the date and the source.", stixObject("note").note("abstract the name, content the quote, authors the author, object_refs what it is about; its authoredBy, assesses and recommends facts travel as relationships"), 0, false},
	{ResponseKind, "A kind of response in the allies' toolbox (public attribution, indictment, sanctions on persons, collective defence under Article 5).", stixObject("x-blurline-response-kind"), 0, false},
}

// PredicateKind groups predicates by the role they play in the blur model.
type PredicateKind int

const (
	// Structural predicates tie organisations together (part-of, front-company-of).
	Structural PredicateKind = iota
	// Control predicates record state control and carry a Healey level.
	Control
	// Attribution predicates record who attributed what to whom.
	Attribution
	// Behaviour predicates record what an actor did (targeted, exploited, conducts).
	Behaviour
	// Response predicates tie responses to parties and subjects.
	Response
	// Claim predicates have a literal object (a victim count).
	Claim
	// Analysis predicates tie an assessment to its author, its subjects and
	// the responses it recommends.
	Analysis
)

// String names a predicate kind.
func (k PredicateKind) String() string {
	return [...]string{"structural", "control", "attribution", "behaviour", "response", "claim", "analysis"}[k]
}

// Predicate is a relationship predicate, named by its local name in NS.
type Predicate string

// Relationship predicates. Every quad with one of these is a fact and needs provenance.
const (
	MemberOf         Predicate = "memberOf"
	PartOf           Predicate = "partOf"
	RegionalBureauOf Predicate = "regionalBureauOf"
	FrontCompanyOf   Predicate = "frontCompanyOf"
	Employs          Predicate = "employs"
	OfficerOf        Predicate = "officerOf"
	AffiliatedWith   Predicate = "affiliatedWith"
	TaskedBy         Predicate = "taskedBy"
	SponsoredBy      Predicate = "sponsoredBy"
	AttributedTo     Predicate = "attributedTo"
	Targeted         Predicate = "targeted"
	Exploited        Predicate = "exploited"
	Affected         Predicate = "affected"
	Conducts         Predicate = "conducts"
	Uses             Predicate = "uses"
	ParticipatedIn   Predicate = "participatedIn"
	LocatedAt        Predicate = "locatedAt"
	OriginatesFrom   Predicate = "originatesFrom"
	ChargedIn        Predicate = "chargedIn"
	SanctionedBy     Predicate = "sanctionedBy"
	PatchedBy        Predicate = "patchedBy"
	Discloses        Predicate = "discloses"
	IssuedBy         Predicate = "issuedBy"
	Concerns         Predicate = "concerns"
	Acknowledges     Predicate = "acknowledges"
	Denies           Predicate = "denies"
	PartyTo          Predicate = "partyTo"
	HoldsStakeIn     Predicate = "holdsStakeIn"
	RelatedTo        Predicate = "relatedTo"
	VictimCount      Predicate = "victimCount"
	OfKind           Predicate = "ofKind"
	AuthoredBy       Predicate = "authoredBy"
	Assesses         Predicate = "assesses"
	Recommends       Predicate = "recommends"
)

// PredicateInfo documents a relationship predicate. Subject and Object are
// the usual classes at either end (advice for writers, not enforced: the
// loader checks that both ends have a known class).
type PredicateInfo struct {
	Predicate   Predicate
	Kind        PredicateKind
	Description string
	Subject     string
	Object      string
	STIX        STIXRelationship // how interop writes the predicate in STIX 2.1
}

// STIXRelationship is the STIX 2.1 relationship a predicate is written as:
// its relationship_type, with source and target swapped when Inverse. A
// predicate with no STIX counterpart (Type "") is written with its own name
// in kebab case (memberOf: member-of), which STIX allows for custom types.
// x_blurline_predicate always names the predicate, so that Blurline reads
// its own export back exactly. Note says more, for the docs.
type STIXRelationship struct {
	Type    string
	Inverse bool
	Note    string
}

// String describes the mapping for docs/vocabulary.md.
func (r STIXRelationship) String() string {
	s := r.Type
	if s == "" {
		return r.Note
	}
	if r.Inverse {
		s += " (inverse)"
	}
	if r.Note != "" {
		s += " (" + r.Note + ")"
	}
	return s
}

func stixRel(typ string) STIXRelationship { return STIXRelationship{Type: typ} }

// Predicates lists every relationship predicate.
var Predicates = []PredicateInfo{
	{MemberOf, Structural, "Membership: a state in an alliance, a person in a group.", "State, Person, ThreatGroup", "Alliance, InternationalOrganization, ThreatGroup, CriminalGroup", STIXRelationship{}},
	{PartOf, Structural, "Organisational part-of: an agency of a state, an incident of a campaign.", "any organisation, Incident", "State, GovernmentBody, IntelligenceService, Campaign", STIXRelationship{}},
	{RegionalBureauOf, Structural, "A regional or provincial bureau of a service.", "RegionalBureau", "IntelligenceService", STIXRelationship{}},
	{FrontCompanyOf, Structural, "A front company of a state body.", "FrontCompany", "IntelligenceService, RegionalBureau, GovernmentBody", STIXRelationship{}},
	{Employs, Structural, "An organisation employs a person (or uses a group as staff).", "organisation", "Person", STIXRelationship{}},
	{OfficerOf, Structural, "A person is an officer or executive of an organisation.", "Person", "organisation", STIXRelationship{}},
	{AffiliatedWith, Structural, "A looser affiliation of a person or group with an organisation.", "Person, ThreatGroup", "organisation", stixRel("related-to")},
	{TaskedBy, Control, "State control: the subject is tasked, directed or contracted by a state body. Carries a Healey level.", "actor", "State, IntelligenceService, RegionalBureau, GovernmentBody", STIXRelationship{Type: "related-to", Note: "x_blurline_predicate=taskedBy"}},
	{SponsoredBy, Control, "State control: the subject is sponsored or supported by a state or state body. Carries a Healey level.", "actor", "State, IntelligenceService, RegionalBureau", STIXRelationship{Type: "attributed-to", Note: "to a nation-state threat-actor"}},
	{AttributedTo, Attribution, "An incident, campaign or actor is attributed to an actor or state by the fact's assertedBy party, with an attribution kind.", "Incident, Campaign, ThreatGroup", "actor, State", stixRel("attributed-to")},
	{Targeted, Behaviour, "An actor or incident targeted a sector, state or organisation.", "actor, Incident, Campaign", "Sector, State, organisation", stixRel("targets")},
	{Exploited, Behaviour, "An actor or incident exploited a vulnerability.", "actor, Incident, Campaign", "Vulnerability", STIXRelationship{Type: "targets", Note: "vulnerability"}},
	{Affected, Behaviour, "A vulnerability or incident affected a product, organisation or sector.", "Vulnerability, Incident", "Product, organisation, Sector", STIXRelationship{}},
	{Conducts, Behaviour, "An actor conducts a kind of activity (its motive weight feeds criminality).", "actor", "Activity", STIXRelationship{}},
	{Uses, Behaviour, "An actor uses malware, a tool or an attack pattern.", "actor", "Malware, Tool, AttackPattern", stixRel("uses")},
	{ParticipatedIn, Behaviour, "An actor took part in an incident or campaign.", "actor, Person", "Incident, Campaign", STIXRelationship{Type: "attributed-to", Inverse: true}},
	{LocatedAt, Structural, "An entity is located in a state.", "any", "State", stixRel("located-at")},
	{OriginatesFrom, Structural, "An actor or incident originates from a state's territory.", "actor, Incident", "State", stixRel("originates-from")},
	{ChargedIn, Response, "A person or group is charged in an indictment (an allegation).", "Person, ThreatGroup", "Indictment", STIXRelationship{}},
	{SanctionedBy, Response, "A target is sanctioned by a party or under a sanction designation.", "any", "Sanction, State, GovernmentBody, InternationalOrganization", STIXRelationship{}},
	{PatchedBy, Response, "A vulnerability is fixed by a patch (or a vendor).", "Vulnerability", "Patch, Company", STIXRelationship{}},
	{Discloses, Response, "A party discovers and discloses a vulnerability, or a document discloses an entity.", "party, Document", "Vulnerability, any", STIXRelationship{}},
	{IssuedBy, Response, "A response or document is issued by a party.", "response, Document", "party", STIXRelationship{}},
	{Concerns, Response, "A response or document concerns an incident, actor or campaign.", "response, Document", "any", STIXRelationship{}},
	{Acknowledges, Response, "A party acknowledges another party's statement without attributing itself.", "party", "PublicAttribution", STIXRelationship{}},
	{Denies, Response, "A party denies an accusation.", "party", "PublicAttribution, Incident", STIXRelationship{}},
	{PartyTo, Structural, "A party signed, joined or is bound by an agreement or initiative.", "State, Alliance", "Agreement", STIXRelationship{}},
	{HoldsStakeIn, Structural, "A company holds a stake in another (the note gives the share).", "Company", "Company", STIXRelationship{}},
	{RelatedTo, Structural, "Any other relation, as in STIX related-to.", "any", "any", stixRel("related-to")},
	{VictimCount, Claim, "A sourced claim of how many victims an incident had (a literal integer object).", "Incident, Campaign", "xsd:integer", STIXRelationship{}},
	{OfKind, Response, "A response that was used is of a kind of the toolbox (the US statement of 19 July 2021 is a public attribution).", "PublicAttribution, Indictment, Sanction, Advisory, Patch, Operation, Document", "ResponseKind", STIXRelationship{}},
	{AuthoredBy, Analysis, "An assessment was made by an analyst or expert; the fact carries the quote, the date (publishedOn) and the source.", "Assessment", "Person, organisation", STIXRelationship{Note: "created_by_ref"}},
	{Assesses, Analysis, "An assessment is about an entity, an event or a response.", "Assessment", "any", STIXRelationship{Note: "object_refs"}},
	{Recommends, Analysis, "An assessment recommends a kind of response.", "Assessment", "ResponseKind", STIXRelationship{Note: "object_refs (course-of-action)"}},
}

// Provenance properties: their subject is a fact IRI and they live in the fact's named graph.
const (
	PropSource          = "source"          // IRI, one or more
	PropConfidence      = "confidence"      // xsd:decimal in [0,1], exactly one
	PropValidFrom       = "validFrom"       // xsd:date or xsd:dateTime
	PropValidUntil      = "validUntil"      // xsd:date or xsd:dateTime, exclusive
	PropPublishedOn     = "publishedOn"     // xsd:date or xsd:dateTime: when the claim became public
	PropAssertedBy      = "assertedBy"      // entity IRI: who says so
	PropHealeyLevel     = "healeyLevel"     // a HealeyBase IRI
	PropAttributionKind = "attributionKind" // "technical" | "political" | "legal" | "unofficial" | "self"
	PropQuote           = "quote"           // the exact wording
	PropNote            = "note"            // a free note
	PropAlleged         = "alleged"         // xsd:boolean: an allegation not proven in court
	// PropMarking is shared with entities: a TLP 2.0 marking ("CLEAR",
	// "GREEN", "AMBER", "AMBER+STRICT", "RED"). On a fact, in its graph:
	// the fact's marking. On an entity, in some graph: the marking of what
	// that graph says of the entity. Without one, CLEAR.
	PropMarking = "marking"
)

// Entity properties: their subject is an entity IRI.
const (
	PropName              = "name"              // string, exactly one
	PropAlias             = "alias"             // string, any number
	PropDescription       = "description"       // string
	PropExternalID        = "externalId"        // string "scheme:value", e.g. "mitre-attack:G0125"
	PropNonStateCharacter = "nonStateCharacter" // xsd:decimal in [0,1], overrides the class default
	PropMotiveWeight      = "motiveWeight"      // xsd:decimal in [0,1], for Activity, Incident, Campaign
	// PropSource is shared with facts: an entity's sources.
	// PropPublishedOn is shared with facts: a source record's publication date.

	// Properties of a source record (an entity of class Source).
	PropPublisher   = "publisher"   // string, exactly one
	PropSourceKind  = "sourceKind"  // one of SourceKinds, exactly one
	PropPrimary     = "primary"     // xsd:boolean, exactly one: the primary text, not a copy or report of it
	PropReliability = "reliability" // "A".."F" (Admiralty), exactly one
	PropCopyOf      = "copyOf"      // IRI of the primary source this one copies or mirrors
)

// PropertyInfo documents a property.
type PropertyInfo struct {
	Name        string
	OfFact      bool // provenance property (subject is a fact)
	OfEntity    bool // entity property
	Datatype    string
	Description string
	STIX        string
}

// Properties lists every property.
var Properties = []PropertyInfo{
	{PropSource, true, true, "IRI", "A source URL: a fact needs at least one.", "external_references[].url"},
	{PropConfidence, true, false, XSDDecimal, "Confidence from 0 to 1: a fact needs exactly one.", "confidence (0-100)"},
	{PropValidFrom, true, false, XSDDate + " | " + XSDDateTime, "When the relationship started to hold.", "start_time / first_seen"},
	{PropValidUntil, true, false, XSDDate + " | " + XSDDateTime, "When it stopped holding (exclusive).", "stop_time / last_seen"},
	{PropPublishedOn, true, true, XSDDate + " | " + XSDDateTime, "When the claim became public: before it, the fact is not known. On a source record: the document's publication date.", "created; external_references[].description (a source's date)"},
	{PropAssertedBy, true, false, "IRI", "The party that asserts the fact (the attributing state for an attribution).", "created_by_ref"},
	{PropHealeyLevel, true, false, "IRI", "Healey spectrum level of a control fact.", "x_blurline_healey_level"},
	{PropAttributionKind, true, false, XSDString, "Kind of attribution: technical, political, legal, unofficial or self.", "x_blurline_attribution_kind"},
	{PropQuote, true, false, XSDString, "The exact wording of the source.", "description"},
	{PropNote, true, true, XSDString, "A note.", "description"},
	{PropAlleged, true, false, XSDBoolean, "True when the fact is an allegation (indictments).", "x_blurline_alleged"},
	{PropMarking, true, true, XSDString, "The TLP 2.0 marking (CLEAR, GREEN, AMBER, AMBER+STRICT, RED) of a fact, or of what one graph says of an entity; CLEAR when absent, the most restrictive when several.", "object_marking_refs"},
	{PropName, false, true, XSDString, "The display name: exactly one per entity.", "name"},
	{PropAlias, false, true, XSDString, "Another name (vendor names, ATT&CK ids).", "aliases"},
	{PropDescription, false, true, XSDString, "A description.", "description"},
	{PropExternalID, false, true, XSDString, "An external id as scheme:value (mitre-attack:G0125, stix:intrusion-set--..., misp:...).", "external_references[].external_id; id"},
	{PropNonStateCharacter, false, true, XSDDecimal, "Non-state character nu (0 state unit .. 1 criminal), overriding the class default.", "x_blurline_non_state"},
	{PropMotiveWeight, false, true, XSDDecimal, "Criminal-motive weight m of an activity (1 ransomware .. 0 espionage).", "x_blurline_motive_weight"},
	{PropPublisher, false, true, XSDString, "Who published a source (a government, court, vendor or outlet): exactly one per source record.", "external_references[].source_name"},
	{PropSourceKind, false, true, XSDString, "The kind of a source: official-statement, court-filing, government-advisory, vendor-report, news, analysis, reference, or unknown (not judged: a record an import made). Exactly one per source record.", "x_blurline_source_kind"},
	{PropPrimary, false, true, XSDBoolean, "True when a source is the primary text (the statement, filing or report itself), false for a copy, mirror or report of it. Exactly one per source record.", "x_blurline_primary"},
	{PropReliability, false, true, XSDString, "The source's reliability on the Admiralty scale, A (completely reliable) to E (unreliable), F (cannot be judged), as in MISP's admiralty-scale taxonomy and OpenCTI's reliability. Exactly one per source record; the fact's credibility stays its confidence.", "x_opencti_reliability; MISP admiralty-scale:source-reliability"},
	{PropCopyOf, false, true, "IRI", "The primary source that a secondary source copies or mirrors.", "none"},
}

// Healey is a level of Jason Healey's Spectrum of State Responsibility (0-9).
type Healey int

// The Healey levels, in order of increasing state responsibility.
const (
	StateProhibited              Healey = iota // state-prohibited
	StateProhibitedButInadequate               // state-prohibited-but-inadequate
	StateIgnored                               // state-ignored
	StateEncouraged                            // state-encouraged
	StateShaped                                // state-shaped
	StateCoordinated                           // state-coordinated
	StateOrdered                               // state-ordered
	StateRogueConducted                        // state-rogue-conducted
	StateExecuted                              // state-executed
	StateIntegrated                            // state-integrated
)

var healeyNames = [...]string{
	"state-prohibited", "state-prohibited-but-inadequate", "state-ignored", "state-encouraged",
	"state-shaped", "state-coordinated", "state-ordered", "state-rogue-conducted",
	"state-executed", "state-integrated",
}

// String returns the MISP state-responsibility enum value, e.g. "state-ordered".
func (h Healey) String() string {
	if h < 0 || int(h) >= len(healeyNames) {
		return "unknown"
	}
	return healeyNames[h]
}

// IRI returns the level's IRI.
func (h Healey) IRI() string { return HealeyBase + h.String() }

// Maurer returns Tim Maurer's coarser proxy type, derived from the level:
// delegation (6-9), orchestration (4-5), sanctioning (2-3), or "" (0-1).
func (h Healey) Maurer() string {
	switch {
	case h >= StateOrdered:
		return "delegation"
	case h >= StateShaped:
		return "orchestration"
	case h >= StateIgnored:
		return "sanctioning"
	}
	return ""
}

// ParseHealey reads a level from its enum value (trailing dots, as in the
// upstream MISP taxonomy, are ignored) or its IRI.
func ParseHealey(s string) (Healey, bool) {
	s = strings.TrimPrefix(s, HealeyBase)
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	for i, n := range healeyNames {
		if n == s {
			return Healey(i), true
		}
	}
	return 0, false
}

// HealeyLevels lists the ten levels in order.
func HealeyLevels() []Healey {
	out := make([]Healey, len(healeyNames))
	for i := range out {
		out[i] = Healey(i)
	}
	return out
}

// SourceKind is the kind of a source record.
type SourceKind string

// Source kinds.
const (
	OfficialStatement  SourceKind = "official-statement"
	CourtFiling        SourceKind = "court-filing"
	GovernmentAdvisory SourceKind = "government-advisory"
	VendorReport       SourceKind = "vendor-report"
	News               SourceKind = "news"
	AnalysisSource     SourceKind = "analysis"
	Reference          SourceKind = "reference"
	UnknownKind        SourceKind = "unknown"
)

// SourceKinds lists the source kinds with what each covers.
var SourceKinds = []struct {
	Kind        SourceKind
	Description string
}{
	{OfficialStatement, "A government's, alliance's or organisation's own statement, press release, fact sheet or communique (White House, gov.uk, EU Council, NATO)."},
	{CourtFiling, "An indictment, complaint or a prosecutor's release announcing one (US DOJ)."},
	{GovernmentAdvisory, "A government security advisory (CISA/FBI/NSA AA21-200A)."},
	{VendorReport, "A security vendor's report or blog post (Microsoft on HAFNIUM)."},
	{News, "A news report about events or statements."},
	{AnalysisSource, "Analysis, commentary or research by experts, think tanks, law firms or scholars (the Atlantic Council roundup)."},
	{Reference, "A reference work, data set or knowledge base (MITRE ATT&CK, the MISP galaxy)."},
	{UnknownKind, "Not established: a source an imported file cites whose kind nobody has judged (its record made by the import, docs/interop.md)."},
}

// ParseSourceKind reads a source kind.
func ParseSourceKind(s string) (SourceKind, bool) {
	for _, k := range SourceKinds {
		if string(k.Kind) == s {
			return k.Kind, true
		}
	}
	return "", false
}

// Reliability is a source's grade on the Admiralty scale: A (completely
// reliable) to E (unreliable), and F (reliability cannot be judged).
type Reliability string

// Reliabilities lists the grades, best first, with the Admiralty wording
// (as in MISP's admiralty-scale taxonomy).
var Reliabilities = []struct {
	Grade       Reliability
	Description string
}{
	{"A", "Completely reliable: no doubt of authenticity, trustworthiness or competency; a history of complete reliability."},
	{"B", "Usually reliable: minor doubt about authenticity, trustworthiness or competency; a history of valid information most of the time."},
	{"C", "Fairly reliable: doubt of authenticity, trustworthiness or competency, but has provided valid information in the past."},
	{"D", "Not usually reliable: significant doubt about authenticity, trustworthiness or competency, but has provided valid information in the past."},
	{"E", "Unreliable: lacking in authenticity, trustworthiness and competency; a history of invalid information."},
	{"F", "Reliability cannot be judged: no basis exists for evaluating the reliability of the source."},
}

// ParseReliability reads a grade ("A".."F").
func ParseReliability(s string) (Reliability, bool) {
	for _, r := range Reliabilities {
		if string(r.Grade) == s {
			return r.Grade, true
		}
	}
	return "", false
}

// AtLeast reports whether r is as reliable as min or more: A is the best,
// E the worst that can be judged; F (cannot be judged) meets only F, and an
// unset grade meets nothing but an unset minimum.
func (r Reliability) AtLeast(min Reliability) bool {
	if min == "" {
		return true
	}
	if r == "" {
		return false
	}
	return r <= min // "A" < "B" < ... < "F"
}

// AttributionKinds are the allowed values of attributionKind (after EuRepoC).
var AttributionKinds = []string{"technical", "political", "legal", "unofficial", "self"}

var (
	classIndex     = indexBy(Classes, func(c *ClassInfo) Class { return c.Class })
	predicateIndex = indexBy(Predicates, func(p *PredicateInfo) Predicate { return p.Predicate })
	propertyIndex  = indexBy(Properties, func(p *PropertyInfo) string { return p.Name })
)

// indexBy maps each element of a vocabulary table by its key.
func indexBy[K comparable, V any](table []V, key func(*V) K) map[K]*V {
	m := make(map[K]*V, len(table))
	for i := range table {
		m[key(&table[i])] = &table[i]
	}
	return m
}

// LookupClass returns a class's documentation.
func LookupClass(c Class) (*ClassInfo, bool) { ci, ok := classIndex[c]; return ci, ok }

// LookupPredicate returns a predicate's documentation.
func LookupPredicate(p Predicate) (*PredicateInfo, bool) { pi, ok := predicateIndex[p]; return pi, ok }

// LookupProperty returns a property's documentation.
func LookupProperty(name string) (*PropertyInfo, bool) { pi, ok := propertyIndex[name]; return pi, ok }

// IRI returns the class IRI.
func (c Class) IRI() string { return NS + string(c) }

// IRI returns the predicate IRI.
func (p Predicate) IRI() string { return NS + string(p) }

// Kind returns the predicate's kind (Structural for an unknown predicate).
func (p Predicate) Kind() PredicateKind {
	if pi, ok := predicateIndex[p]; ok {
		return pi.Kind
	}
	return Structural
}

// PropIRI returns a property IRI.
func PropIRI(name string) string { return NS + name }

// EntityIRI turns an entity id into its IRI. An id that already is an
// absolute IRI (one with a scheme) is returned unchanged.
func EntityIRI(id string) string { return underBase(EntityBase, id) }

// EntityID turns an entity IRI into the short id clients see.
func EntityID(iri string) string { return shortOf(EntityBase, iri) }

// FactIRI turns a fact id into its IRI.
func FactIRI(id string) string { return underBase(FactBase, id) }

// FactID turns a fact IRI into its short id.
func FactID(iri string) string { return shortOf(FactBase, iri) }

// underBase is the IRI of a short id under base; an absolute IRI stays as it is.
func underBase(base, id string) string {
	if IsAbsIRI(id) {
		return id
	}
	return base + id
}

// shortOf is the short id of an IRI under base; any other IRI stays as it is.
func shortOf(base, iri string) string {
	if s, ok := strings.CutPrefix(iri, base); ok {
		return s
	}
	return iri
}

// LocalName returns the local name of a vocabulary IRI, and whether iri is in NS.
func LocalName(iri string) (string, bool) { return strings.CutPrefix(iri, NS) }
