package blurline

import (
	"slices"
	"time"
)

// Query types shared by the store (graph) and its consumers (schema, blur).

// NodeQuery selects entities.
type NodeQuery struct {
	Classes []Class // any of these; all when empty
	Text    string  // case-insensitive substring of name, alias, id or external id
}

// Direction says which way a fact runs from the entity asked about.
type Direction int

const (
	Both Direction = iota // either end
	Out                   // the entity is the subject
	In                    // the entity is the object
)

// FactFilter selects facts. Zero values select everything.
type FactFilter struct {
	Predicates    []Predicate
	Kinds         []PredicateKind
	MinConfidence float64
	AsOf          time.Time // zero: everything known now (see Fact.HoldsAt)
	AssertedBy    string    // entity id
	Evidence      Evidence  // the quality of the sources; zero: any
}

// Evidence keeps a fact when at least one of its sources has a source
// record that meets every condition set: a reliability grade at least
// MinReliability, and a kind among Kinds. Its zero value keeps every fact.
type Evidence struct {
	MinReliability Reliability
	Kinds          []SourceKind
	// Records resolves a source URL to its record (nil when it has none).
	// Whoever sets a condition sets it too; without it no fact passes.
	Records func(url string) *SourceRecord
}

// Active reports whether e sets a condition.
func (e *Evidence) Active() bool { return e.MinReliability != "" || len(e.Kinds) > 0 }

// Meets reports whether a source record meets e's conditions.
func (e *Evidence) Meets(r *SourceRecord) bool {
	if r == nil {
		return !e.Active()
	}
	return r.Reliability.AtLeast(e.MinReliability) && (len(e.Kinds) == 0 || slices.Contains(e.Kinds, r.Kind))
}

// Keeps reports whether fact x passes e: always when e sets no condition.
func (e *Evidence) Keeps(x *Fact) bool {
	if !e.Active() {
		return true
	}
	if e.Records == nil {
		return false
	}
	for _, u := range x.Sources {
		if e.Meets(e.Records(u)) {
			return true
		}
	}
	return false
}

// Key is a text that tells evidence conditions apart (for caches).
func (e *Evidence) Key() string {
	if !e.Active() {
		return ""
	}
	k := "r=" + string(e.MinReliability) + ";k="
	kinds := slices.Clone(e.Kinds)
	slices.Sort(kinds)
	for _, x := range kinds {
		k += string(x) + ","
	}
	return k
}

// Match reports whether a fact passes the filter.
func (f *FactFilter) Match(x *Fact) bool {
	if len(f.Predicates) > 0 && !slices.Contains(f.Predicates, x.Predicate) {
		return false
	}
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, x.Predicate.Kind()) {
		return false
	}
	if x.Confidence < f.MinConfidence {
		return false
	}
	if f.AssertedBy != "" && x.AssertedBy != EntityID(f.AssertedBy) {
		return false
	}
	return x.HoldsAt(f.AsOf) && f.Evidence.Keeps(x)
}

// FactQuery selects facts between entities.
type FactQuery struct {
	From      []string // entity ids at the near end; any when empty
	To        []string // entity ids at the far end; any when empty
	Direction Direction
	FactFilter
}

// PathOptions bound a path search.
type PathOptions struct {
	MaxHops int // 0 means 4
	Limit   int // most paths returned; 0 means 10
	FactFilter
}

// Subgraph is a set of entities and the facts among them.
type Subgraph struct {
	Nodes     []*Node
	Facts     []*Fact
	Truncated bool // a limit cut it short
}

// Stats counts what a store holds.
type Stats struct {
	Quads       int
	Entities    int
	Facts       int
	ByClass     map[Class]int
	ByPredicate map[Predicate]int
	// FactsWithProvenance counts facts with at least one source and a confidence.
	FactsWithProvenance int
}
