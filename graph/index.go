package graph

import (
	"slices"
	"strings"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// index is the in-memory read model: every quad of the durable cayley store,
// grouped into entities and facts, with adjacency lists. It is rebuilt from
// cayley when the store opens and updated after every committed write, under
// the store's lock. Derived views (*blurline.Node, *blurline.Fact) are
// replaced, never mutated, so a reader may keep them after the lock is gone.
type index struct {
	nodes map[string]*nodeRec // entity IRI -> record
	facts map[string]*factRec // fact IRI (graph label) -> record
	out   map[string][]*factRec
	in    map[string][]*factRec
	other map[quad.Quad]struct{} // quads that are neither (bookkeeping)
	quads int

	byClass map[blurline.Class]int
	byPred  map[blurline.Predicate]int
	nfacts  int // complete facts
}

type nodeRec struct {
	iri   string
	attrs []attr
	set   attrSet        // attrs as a set, once there are many (see attrSet)
	node  *blurline.Node // nil while the entity has no class
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

func newIndex() *index {
	return &index{
		nodes:   map[string]*nodeRec{},
		facts:   map[string]*factRec{},
		out:     map[string][]*factRec{},
		in:      map[string][]*factRec{},
		other:   map[quad.Quad]struct{}{},
		byClass: map[blurline.Class]int{},
		byPred:  map[blurline.Predicate]int{},
	}
}

// changes collects what a write touched, so derived views are rebuilt once.
type changes struct {
	nodes map[string]*nodeRec
	facts map[string]*factRec
}

func (ix *index) begin() *changes {
	return &changes{nodes: map[string]*nodeRec{}, facts: map[string]*factRec{}}
}

func (ix *index) node(iri string, ch *changes) *nodeRec {
	n := ix.nodes[iri]
	if n == nil {
		n = &nodeRec{iri: iri}
		ix.nodes[iri] = n
	}
	ch.nodes[iri] = n
	return n
}

func (ix *index) factRec(label string, ch *changes) *factRec {
	f := ix.facts[label]
	if f == nil {
		f = &factRec{label: label}
		ix.facts[label] = f
	}
	ch.facts[label] = f
	return f
}

// classify says where a quad belongs: an entity attribute, a relationship,
// a fact's provenance, or elsewhere.
func classify(q quad.Quad) (kind int, pred string) {
	p, _ := iriOf(q.Predicate)
	if p == blurline.RDFType {
		return kindAttr, "type"
	}
	local, ok := blurline.LocalName(p)
	if !ok {
		return kindOther, ""
	}
	if _, ok := blurline.LookupPredicate(blurline.Predicate(local)); ok {
		if _, ok := iriOf(q.Label); ok {
			return kindRel, local
		}
		return kindOther, local
	}
	if _, ok := blurline.LookupProperty(local); ok {
		s, _ := iriOf(q.Subject)
		if l, ok := iriOf(q.Label); ok && l == s {
			return kindProv, local
		}
		return kindAttr, local
	}
	return kindOther, local
}

const (
	kindOther = iota
	kindAttr
	kindRel
	kindProv
)

// add records a quad; it reports false when the quad was there already.
func (ix *index) add(q quad.Quad, ch *changes) bool {
	kind, pred := classify(q)
	switch kind {
	case kindAttr:
		s, _ := iriOf(q.Subject)
		n := ix.node(s, ch)
		a := attr{pred: pred, val: q.Object, label: q.Label}
		if n.set.has(n.attrs, a) {
			return false
		}
		n.attrs, n.set = appendAttr(n.attrs, n.set, a)
	case kindRel:
		l, _ := iriOf(q.Label)
		f := ix.factRec(l, ch)
		if f.rel != nil {
			if sameQuad(*f.rel, q) {
				return false
			}
			// A second relationship in one graph never passes validation;
			// keep the first so the read model stays well-formed.
			ix.other[q] = struct{}{}
			break
		}
		qq := q
		f.rel = &qq
		s, _ := iriOf(q.Subject)
		ix.out[s] = append(ix.out[s], f)
		if o, ok := iriOf(q.Object); ok {
			ix.in[o] = append(ix.in[o], f)
		}
	case kindProv:
		l, _ := iriOf(q.Label)
		f := ix.factRec(l, ch)
		a := attr{pred: pred, val: q.Object}
		if f.set.has(f.props, a) {
			return false
		}
		f.props, f.set = appendAttr(f.props, f.set, a)
	default:
		if _, ok := ix.other[q]; ok {
			return false
		}
		ix.other[q] = struct{}{}
	}
	ix.quads++
	return true
}

// remove deletes a quad; it reports false when the quad was not there.
func (ix *index) remove(q quad.Quad, ch *changes) bool {
	kind, pred := classify(q)
	switch kind {
	case kindAttr:
		s, _ := iriOf(q.Subject)
		n, ok := ix.nodes[s]
		if !ok {
			return false
		}
		var found bool
		if n.attrs, found = deleteAttr(n.attrs, n.set, attr{pred: pred, val: q.Object, label: q.Label}); !found {
			return false
		}
		ch.nodes[s] = n
	case kindRel:
		l, _ := iriOf(q.Label)
		f, ok := ix.facts[l]
		if !ok || f.rel == nil || !sameQuad(*f.rel, q) {
			if _, ok := ix.other[q]; ok {
				delete(ix.other, q)
				break
			}
			return false
		}
		s, _ := iriOf(q.Subject)
		ix.out[s] = without(ix.out[s], f)
		if o, ok := iriOf(q.Object); ok {
			ix.in[o] = without(ix.in[o], f)
		}
		f.rel = nil
		ch.facts[l] = f
	case kindProv:
		l, _ := iriOf(q.Label)
		f, ok := ix.facts[l]
		if !ok {
			return false
		}
		var found bool
		if f.props, found = deleteAttr(f.props, f.set, attr{pred: pred, val: q.Object}); !found {
			return false
		}
		ch.facts[l] = f
	default:
		if _, ok := ix.other[q]; !ok {
			return false
		}
		delete(ix.other, q)
	}
	ix.quads--
	return true
}

func without(list []*factRec, f *factRec) []*factRec {
	if i := slices.Index(list, f); i >= 0 {
		list = slices.Delete(slices.Clone(list), i, i+1)
	}
	return list
}

// commit rebuilds the derived views of everything a write touched.
func (ix *index) commit(ch *changes) {
	for iri, n := range ch.nodes {
		if n.node != nil {
			ix.byClass[n.node.Class]--
		}
		n.node = buildNode(iri, n.attrs)
		if n.node != nil {
			ix.byClass[n.node.Class]++
		}
		if len(n.attrs) == 0 {
			delete(ix.nodes, iri)
		}
	}
	for label, f := range ch.facts {
		if f.fact != nil {
			ix.byPred[f.fact.Predicate]--
			ix.nfacts--
		}
		f.fact = buildFact(label, f.rel, f.props)
		if f.fact != nil {
			ix.byPred[f.fact.Predicate]++
			ix.nfacts++
		}
		if f.rel == nil && len(f.props) == 0 {
			delete(ix.facts, label)
		}
	}
}

func buildNode(iri string, attrs []attr) *blurline.Node {
	n := &blurline.Node{ID: blurline.EntityID(iri)}
	for _, a := range attrs {
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

// lookup, for batch.finish.

func (ix *index) classOf(iri string) (blurline.Class, bool) {
	if n, ok := ix.nodes[iri]; ok && n.node != nil {
		return n.node.Class, true
	}
	return "", false
}

func (ix *index) namesOf(iri string) []string {
	n, ok := ix.nodes[iri]
	if !ok {
		return nil
	}
	var names []string
	for _, a := range n.attrs {
		if a.pred == blurline.PropName {
			names = appendNew(names, literalText(a.val))
		}
	}
	return names
}

func (ix *index) factProps(label string) (*quad.Quad, map[string][]quad.Value, bool) {
	f, ok := ix.facts[label]
	if !ok || f.rel == nil {
		return nil, nil, false
	}
	props := map[string][]quad.Value{}
	for _, a := range f.props {
		props[a.pred] = append(props[a.pred], a.val)
	}
	return f.rel, props, true
}

// quadsOfFact lists every quad in a fact's graph.
func (f *factRec) quads() []quad.Quad {
	var out []quad.Quad
	l := quad.IRI(f.label)
	if f.rel != nil {
		out = append(out, *f.rel)
	}
	for _, a := range f.props {
		out = append(out, quad.Quad{Subject: l, Predicate: quad.IRI(propIRI(a.pred)), Object: a.val, Label: l})
	}
	return out
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

// has reports whether the read model (and so the store) holds q.
func (ix *index) has(q quad.Quad) bool {
	kind, pred := classify(q)
	switch kind {
	case kindAttr:
		s, _ := iriOf(q.Subject)
		n, ok := ix.nodes[s]
		return ok && n.set.has(n.attrs, attr{pred: pred, val: q.Object, label: q.Label})
	case kindRel:
		l, _ := iriOf(q.Label)
		f, ok := ix.facts[l]
		if ok && f.rel != nil && sameQuad(*f.rel, q) {
			return true
		}
	case kindProv:
		l, _ := iriOf(q.Label)
		f, ok := ix.facts[l]
		return ok && f.set.has(f.props, attr{pred: pred, val: q.Object})
	}
	_, ok := ix.other[q]
	return ok
}
