package graph

import (
	"slices"
	"strings"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// The mutable form of the read model's records: a writer works on these
// (copied from the snapshot it starts from), the overlay of a snapshot
// holds them for the entities and facts written since its base, and the
// views are derived from them by buildNode and buildFact, the one
// definition of what an entity or a fact looks like.

type nodeRec struct {
	iri    string
	attrs  []attr
	set    attrSet          // attrs as a set, once there are many (see attrSet)
	node   *blurline.Node   // nil while the entity has no class
	lo, hi blurline.Marking // see entityMarkings
}

type attr struct {
	pred  string // local name, or "type"
	val   quad.Value
	label quad.Value
}

type factRec struct {
	label string
	rel   *quad.Quad
	props []attr
	set   attrSet        // props as a set, once there are many
	fact  *blurline.Fact // nil while incomplete (no relationship)
}

// attrSet mirrors a record's attribute list once it has attrSetMin
// entries, so that membership is not a scan: one entity or fact may have
// thousands of aliases or sources, and a scan per quad made loading them
// quadratic (20k aliases of one entity took 12 s).
type attrSet map[attr]struct{}

const attrSetMin = 16

func (s attrSet) has(list []attr, a attr) bool {
	if s != nil {
		_, ok := s[a]
		return ok
	}
	return slices.Contains(list, a)
}

// appendAttr appends a (not in list) to list, keeping set in step.
func appendAttr(list []attr, set attrSet, a attr) ([]attr, attrSet) {
	list = append(list, a)
	switch {
	case set != nil:
		set[a] = struct{}{}
	case len(list) >= attrSetMin:
		set = make(attrSet, len(list))
		for _, x := range list {
			set[x] = struct{}{}
		}
	}
	return list, set
}

// deleteAttr removes a from list (and set); it reports false when a is not there.
func deleteAttr(list []attr, set attrSet, a attr) ([]attr, bool) {
	if !set.has(list, a) {
		return list, false
	}
	delete(set, a)
	i := slices.Index(list, a)
	return slices.Delete(list, i, i+1), true
}

// classify says where a quad belongs: an entity attribute, a relationship,
// a fact's provenance, or elsewhere.
func classify(q quad.Quad) (kind int, pred string) {
	kind, pred = classifyPredicate(q.Predicate)
	return classifyQuad(q, kind), pred
}

// classifyQuad is classify's part that depends on the quad, given the kind
// of its predicate: a relationship outside a named graph is elsewhere, and
// a property is a fact's provenance only in the fact's own graph (its label
// is its subject), an entity attribute otherwise.
func classifyQuad(q quad.Quad, kind int) int {
	switch kind {
	case kindRel:
		if _, ok := iriOf(q.Label); !ok {
			return kindOther
		}
	case kindProv:
		s, _ := iriOf(q.Subject)
		if l, ok := iriOf(q.Label); !ok || l != s {
			return kindAttr
		}
	case kindAudit:
		if !isAuditQuad(q) {
			return kindOther
		}
	}
	return kind
}

const (
	kindOther = iota
	kindAttr
	kindRel
	kindProv
	kindAudit // a quad of an audit record (audit.go)
)

// Markings. A fact's marking is its most restrictive PropMarking (CLEAR
// without one). An entity is described by one or more graphs (the default
// graph, imports' graphs, MarkingGraph's), and each graph's description of
// it has its own marking: the most restrictive PropMarking attribute in that
// graph, CLEAR without one. A reader cleared for m sees the entity as the
// descriptions marked at most m make it (buildNode over visibleAttrs), and
// does not see it at all when none of them gives it a class.

// markingOf reads a PropMarking value (CLEAR when it is not one: the batch
// refuses such a value, so only a store written around the checks has one).
func markingOf(v quad.Value) blurline.Marking {
	m, _ := blurline.ParseMarking(literalText(v))
	return m
}

// graphMarkings returns the marking of each graph that marks its
// description of the entity (nil when none does).
func graphMarkings(attrs []attr) map[quad.Value]blurline.Marking {
	var gm map[quad.Value]blurline.Marking
	for _, a := range attrs {
		if a.pred == blurline.PropMarking {
			if gm == nil {
				gm = map[quad.Value]blurline.Marking{}
			}
			gm[a.label] = max(gm[a.label], markingOf(a.val))
		}
	}
	return gm
}

// entityMarkings returns the least marking at which the entity is seen
// (the least marking of a graph that gives it a class; hi when none does)
// and the marking at which it is seen whole (the most restrictive of its
// descriptions).
func entityMarkings(attrs []attr) (lo, hi blurline.Marking) {
	gm := graphMarkings(attrs)
	if gm == nil {
		return blurline.TLPClear, blurline.TLPClear
	}
	lo, typed := blurline.TLPRed, false
	for _, a := range attrs {
		m := gm[a.label]
		hi = max(hi, m)
		if a.pred == "type" {
			lo, typed = min(lo, m), true
		}
	}
	if !typed {
		lo = hi
	}
	return lo, hi
}

// visibleAttrs returns the attributes of the descriptions marked at most m.
func visibleAttrs(attrs []attr, m blurline.Marking) []attr {
	gm := graphMarkings(attrs)
	out := make([]attr, 0, len(attrs))
	for _, a := range attrs {
		if gm[a.label] <= m {
			out = append(out, a)
		}
	}
	return out
}

func buildNode(iri string, attrs []attr) *blurline.Node {
	n := &blurline.Node{ID: blurline.EntityID(iri)}
	gm := graphMarkings(attrs)
	for _, a := range attrs {
		n.Marking = max(n.Marking, gm[a.label])
		switch a.pred {
		case "type":
			c, _ := iriOf(a.val)
			local, _ := blurline.LocalName(c)
			n.Class = blurline.Class(local)
		case blurline.PropName:
			n.Name = literalText(a.val)
		case blurline.PropAlias:
			n.Aliases = append(n.Aliases, literalText(a.val))
		case blurline.PropDescription:
			if n.Description == "" {
				n.Description = literalText(a.val)
			}
		case blurline.PropSource:
			s, _ := iriOf(a.val)
			n.Sources = append(n.Sources, s)
		case blurline.PropExternalID:
			n.ExternalIDs = append(n.ExternalIDs, literalText(a.val))
		case blurline.PropNonStateCharacter:
			if f, err := numberValue(a.val); err == nil {
				n.NonState = &f
			}
		case blurline.PropMotiveWeight:
			if f, err := numberValue(a.val); err == nil {
				n.MotiveWeight = &f
			}
		case blurline.PropPublisher, blurline.PropSourceKind, blurline.PropPrimary, blurline.PropReliability, blurline.PropPublishedOn, blurline.PropCopyOf:
			if n.Record == nil {
				n.Record = &blurline.SourceRecord{}
			}
			sourceProp(n.Record, a.pred, a.val)
		}
	}
	if n.Class == "" {
		return nil
	}
	if n.Name == "" {
		n.Name = n.ID
	}
	// Sorted, then without repeats (appendNew per item was quadratic).
	n.Aliases = sortedSet(n.Aliases)
	n.Sources = sortedSet(n.Sources)
	n.ExternalIDs = sortedSet(n.ExternalIDs)
	return n
}

// sortedSet sorts list and drops repeats.
func sortedSet(list []string) []string {
	slices.Sort(list)
	return slices.Compact(list)
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func buildFact(label string, rel *quad.Quad, props []attr) *blurline.Fact {
	if rel == nil {
		return nil
	}
	pred, _ := iriOf(rel.Predicate)
	local, _ := blurline.LocalName(pred)
	s, _ := iriOf(rel.Subject)
	f := &blurline.Fact{ID: blurline.FactID(label), Subject: blurline.EntityID(s), Predicate: blurline.Predicate(local)}
	if o, ok := iriOf(rel.Object); ok {
		f.Object = blurline.EntityID(o)
	} else {
		f.Value = literalOf(rel.Object)
	}
	for _, a := range props {
		switch a.pred {
		case blurline.PropSource:
			s, _ := iriOf(a.val)
			f.Sources = append(f.Sources, s)
		case blurline.PropConfidence:
			f.Confidence, _ = numberValue(a.val)
		case blurline.PropValidFrom:
			f.ValidFrom, _ = timeValue(a.val)
		case blurline.PropValidUntil:
			f.ValidUntil, _ = timeValue(a.val)
		case blurline.PropPublishedOn:
			f.PublishedOn, _ = timeValue(a.val)
		case blurline.PropAssertedBy:
			s, _ := iriOf(a.val)
			f.AssertedBy = blurline.EntityID(s)
		case blurline.PropHealeyLevel:
			s, _ := iriOf(a.val)
			f.Healey, f.HasHealey = blurline.ParseHealey(s)
		case blurline.PropAttributionKind:
			f.AttributionKind = literalText(a.val)
		case blurline.PropQuote:
			f.Quote = literalText(a.val)
		case blurline.PropNote:
			f.Note = literalText(a.val)
		case blurline.PropAlleged:
			f.Alleged = literalText(a.val) == "true"
		case blurline.PropMarking:
			f.Marking = max(f.Marking, markingOf(a.val))
		}
	}
	f.Sources = sortedSet(f.Sources)
	return f
}

func literalOf(v quad.Value) *blurline.Literal {
	switch v := v.(type) {
	case quad.String:
		return &blurline.Literal{Lexical: string(v)}
	case quad.LangString:
		return &blurline.Literal{Lexical: string(v.Value), Lang: v.Lang}
	case quad.TypedString:
		return &blurline.Literal{Lexical: string(v.Value), Datatype: string(v.Type)}
	}
	return &blurline.Literal{Lexical: v.String()}
}

func propIRI(local string) string {
	if local == "type" {
		return blurline.RDFType
	}
	return blurline.NS + local
}

// matchText reports whether a node's name or an alias contains text (already lower-cased).
func matchText(n *blurline.Node, lower string) bool {
	if lower == "" {
		return true
	}
	if strings.Contains(strings.ToLower(n.Name), lower) || strings.Contains(strings.ToLower(n.ID), lower) {
		return true
	}
	for _, a := range n.Aliases {
		if strings.Contains(strings.ToLower(a), lower) {
			return true
		}
	}
	for _, a := range n.ExternalIDs {
		if strings.Contains(strings.ToLower(a), lower) {
			return true
		}
	}
	return false
}
