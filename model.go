package blurline

import (
	"context"
	"slices"
	"time"
)

// Node is an entity: a state, agency, group, person, incident...
type Node struct {
	ID          string // short id (the IRI without EntityBase)
	Class       Class
	Name        string
	Aliases     []string
	Description string
	Sources     []string
	ExternalIDs []string
	// NonState overrides the class's default non-state character when set.
	NonState *float64
	// MotiveWeight is the criminal-motive weight of an activity, when set.
	MotiveWeight *float64
	// Record holds what a source record says of its document (an entity
	// of class Source, whose id is the document's URL); nil otherwise.
	Record *SourceRecord
	// Marking is the most restrictive marking of what the reader sees of
	// the entity (its descriptions the reader is cleared for).
	Marking Marking
}

// SourceRecord is what Blurline knows of a source document beyond its URL
// (the Node's ID) and title (the Node's Name).
type SourceRecord struct {
	Publisher   string
	Kind        SourceKind
	Primary     bool // the primary text, not a copy or a report of it
	Reliability Reliability
	PublishedOn time.Time // zero when unknown
	CopyOf      string    // the primary source's URL, for a copy or mirror
}

// NonStateCharacter returns nu: the entity's own value or its class default.
func (n *Node) NonStateCharacter() float64 {
	if n.NonState != nil {
		return *n.NonState
	}
	if ci, ok := LookupClass(n.Class); ok {
		return ci.NonState
	}
	return 0
}

// Literal is an RDF literal kept exactly: lexical form, datatype IRI and language.
type Literal struct {
	Lexical  string
	Datatype string // "" for a plain string (xsd:string) or a language-tagged string
	Lang     string
}

// Fact is one relationship with its provenance: a statement.
type Fact struct {
	ID        string // short id (the IRI without FactBase)
	Subject   string // entity id
	Predicate Predicate
	Object    string   // entity id; "" when Value is set
	Value     *Literal // literal object, for Claim predicates

	Confidence      float64
	Sources         []string
	ValidFrom       time.Time // zero when unknown
	ValidUntil      time.Time // zero when open; exclusive
	PublishedOn     time.Time // zero when unknown
	AssertedBy      string    // entity id, "" when unknown
	Healey          Healey    // meaningful when HasHealey
	HasHealey       bool
	AttributionKind string
	Quote           string
	Note            string
	Alleged         bool
	Marking         Marking // the fact's TLP marking (PropMarking)
}

// WriteOptions are what a write says of itself beside what it writes.
type WriteOptions struct {
	// Marking is the TLP marking of what the write brings without a
	// marking of its own.
	Marking Marking
}

// Other returns the entity at the other end of f from id ("" for a literal).
func (f *Fact) Other(id string) string {
	if f.Subject == id {
		return f.Object
	}
	return f.Subject
}

// HoldsAt reports whether f counts at instant t: it was public (publishedOn),
// had started (validFrom) and had not ended (validUntil, exclusive). A zero
// t means "now, with everything known": every fact counts.
func (f *Fact) HoldsAt(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	if !f.ValidFrom.IsZero() && t.Before(f.ValidFrom) {
		return false
	}
	if !f.PublishedOn.IsZero() && t.Before(f.PublishedOn) {
		return false
	}
	if !f.ValidUntil.IsZero() && !t.Before(f.ValidUntil) {
		return false
	}
	return true
}

// AsOf turns a calendar date into the instant the as-of filter uses: the
// last nanosecond of that day in UTC, so a statement made on the day counts.
func AsOf(date time.Time) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
}

// Equal reports whether two facts say the same thing with the same provenance.
func (f *Fact) Equal(g *Fact) bool {
	if (f.Value == nil) != (g.Value == nil) || f.Value != nil && *f.Value != *g.Value {
		return false
	}
	return f.ID == g.ID && f.Subject == g.Subject && f.Predicate == g.Predicate && f.Object == g.Object &&
		f.Confidence == g.Confidence && slices.Equal(f.Sources, g.Sources) &&
		f.ValidFrom.Equal(g.ValidFrom) && f.ValidUntil.Equal(g.ValidUntil) && f.PublishedOn.Equal(g.PublishedOn) &&
		f.AssertedBy == g.AssertedBy && f.HasHealey == g.HasHealey && (!f.HasHealey || f.Healey == g.Healey) &&
		f.AttributionKind == g.AttributionKind && f.Quote == g.Quote && f.Note == g.Note && f.Alleged == g.Alleged
}

// Hop is one step of a path: a fact walked from one entity to the other.
type Hop struct {
	From, To string // entity ids
	Fact     *Fact
	Forward  bool // true when From is the fact's subject
}

// Path is a walk between two entities, one fact per hop.
type Path struct {
	Hops []Hop
}

// Confidence returns the product of the hops' confidences.
func (p Path) Confidence() float64 {
	c := 1.0
	for _, h := range p.Hops {
		c *= h.Fact.Confidence
	}
	return c
}

// An ImportSource is what one import read: the file, its format and the
// options that decide how it maps. A store that keeps them can replay its
// imports in one canonical order, so that what it holds depends on which
// files were imported and not on the order they arrived in.
type ImportSource struct {
	ID     string // the import id (its named graph, the prefix of its fact ids)
	Format string // "stix" or "misp-galaxy"
	Name   string // the file name messages mention
	Source string // the fallback source IRI, "" for the format's default
	// Marking is the marking of what the file does not mark itself;
	// Clearance is the writer's, whose view the import is decided in.
	Marking, Clearance Marking
	Data               []byte
}

type importSourceKey struct{}

// NewContextWithImportSource returns ctx carrying src: the write of import
// src.ID through ctx keeps src as that import's record in the same
// transaction, so that no crash leaves an import written and unrecorded.
func NewContextWithImportSource(ctx context.Context, src ImportSource) context.Context {
	return context.WithValue(ctx, importSourceKey{}, src)
}

// ImportSourceFromContext returns the import source ctx carries.
func ImportSourceFromContext(ctx context.Context) (ImportSource, bool) {
	src, ok := ctx.Value(importSourceKey{}).(ImportSource)
	return src, ok
}
