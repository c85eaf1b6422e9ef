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
	return x.HoldsAt(f.AsOf)
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
