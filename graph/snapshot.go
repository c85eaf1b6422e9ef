package graph

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// A snapshot is one immutable version of the read model: a compact base
// and an overlay of the entities and facts written since the base was
// built. Readers take one snapshot for a whole request (Store.Pin) and
// read only it; a writer builds the next snapshot from the current one
// and publishes it with one atomic store, so readers never wait for a
// writer and never see half a write. When the overlay grows, the writer
// folds it into a new base (merge).
type snapshot struct {
	version uint64
	b       *base
	o       *overlay
	other   map[quad.Quad]struct{}  // quads that are neither entity nor fact (bookkeeping); never mutated
	audit   []*blurline.AuditRecord // the audit trail, sorted by id (audit.go); never mutated below its length

	quads, nodes, nfacts, prov int
	byClass                    map[blurline.Class]int
	byPred                     map[blurline.Predicate]int

	// A reader's view of the version (viewFor): when limited, it shows
	// only the facts and entity descriptions marked at most max, and no
	// fact whose end it does not show.
	limited bool
	max     blurline.Marking
	views   *viewStats // the limited views' counts, computed once per version
}

// viewStats holds the counts of a version's limited views, by marking.
type viewStats struct {
	mu sync.Mutex
	by [blurline.TLPRed]*blurline.Stats
}

// viewFor returns the view of s for a reader cleared for m: s itself when
// m is the most restrictive marking, which shows everything.
func (s *snapshot) viewFor(m blurline.Marking) *snapshot {
	if s == nil || m >= blurline.TLPRed {
		return s
	}
	v := *s
	v.limited, v.max = true, m
	return &v
}

// overlay holds the records written since the base, in mutable form
// (records.go), never mutated once published. A record with no
// attributes (or no relationship and no provenance) marks one the base
// has and the overlay deleted.
type overlay struct {
	nodes    map[string]*nodeRec
	facts    map[string]*factRec
	out, in  map[string][]*factRec // overlay facts with a relationship, by end IRI
	hideEnt  map[int32]struct{}    // base entity slots the overlay replaces
	hideFact map[int32]struct{}    // base fact slots the overlay replaces
}

func (o *overlay) size() int { return len(o.nodes) + len(o.facts) }

// newSnapshot returns the snapshot of base b; the audit quads in other
// (not counted in quads) become its audit records.
func newSnapshot(version uint64, b *base, other map[quad.Quad]struct{}, quads int) *snapshot {
	audit := splitAudit(other)
	return &snapshot{
		version: version, b: b, other: other, quads: quads, audit: audit,
		o: &overlay{}, nodes: b.nodes, nfacts: b.nfacts, prov: b.prov,
		byClass: maps.Clone(b.byClass), byPred: maps.Clone(b.byPred), views: &viewStats{},
	}
}

// fref is a fact of a snapshot: a base slot, or an overlay record when r is set.
type fref struct {
	b int32
	r *factRec
}

// adjList is one entity's facts in one direction: base slots (some
// perhaps hidden by the overlay) and overlay records.
type adjList struct {
	b []int32
	o []*factRec
}

func (s *snapshot) hiddenFact(i int32) bool {
	if len(s.o.hideFact) == 0 {
		return false
	}
	_, ok := s.o.hideFact[i]
	return ok
}

func (s *snapshot) hiddenEnt(i int32) bool {
	if len(s.o.hideEnt) == 0 {
		return false
	}
	_, ok := s.o.hideEnt[i]
	return ok
}

// seesEnt reports whether the view shows the entity with this IRI; an
// IRI without a record (only a fact's end can be one) is shown.
func (s *snapshot) seesEnt(iri string) bool {
	if !s.limited {
		return true
	}
	if r, ok := s.o.nodes[iri]; ok {
		return r.lo <= s.max
	}
	if e := s.b.ent(iri); e >= 0 {
		return s.b.ents[e].lo <= s.max
	}
	return true
}

// seesBaseEnt is seesEnt for base entity slot e.
func (s *snapshot) seesBaseEnt(e int32) bool {
	if s.hiddenEnt(e) {
		return s.seesEnt(s.b.iri(s.b.ents[e].iri))
	}
	return s.b.ents[e].lo <= s.max
}

// seesBaseFact reports whether the view shows base fact slot i (not
// replaced by the overlay): a limited view shows a complete fact marked
// at most its clearance whose ends it shows.
func (s *snapshot) seesBaseFact(i int32) bool {
	if !s.limited {
		return true
	}
	x := &s.b.facts[i]
	return x.hasRel && x.mark <= s.max && s.seesBaseEnt(x.subj) && (x.obj < 0 || s.seesBaseEnt(x.obj))
}

// seesFactRec is seesBaseFact for an overlay record.
func (s *snapshot) seesFactRec(r *factRec) bool {
	if !s.limited {
		return true
	}
	if r.fact == nil || r.fact.Marking > s.max {
		return false
	}
	subj, _ := iriOf(r.rel.Subject)
	if !s.seesEnt(subj) {
		return false
	}
	obj, ok := iriOf(r.rel.Object)
	return !ok || s.seesEnt(obj)
}

// seenNode returns what the view shows of an entity record (nil when
// nothing, or when that has no class).
func (s *snapshot) seenNode(r *nodeRec) *blurline.Node {
	if !s.limited || r.hi <= s.max {
		return r.node
	}
	if r.lo > s.max {
		return nil
	}
	return buildNode(r.iri, visibleAttrs(r.attrs, s.max))
}

// seenRecord returns an entity record with only the descriptions the view
// shows (nil when it shows none).
func (s *snapshot) seenRecord(r *nodeRec) *nodeRec {
	if !s.limited || r.hi <= s.max {
		return r
	}
	if r.lo > s.max {
		return nil
	}
	attrs := visibleAttrs(r.attrs, s.max)
	return &nodeRec{iri: r.iri, attrs: attrs, node: buildNode(r.iri, attrs), lo: r.lo, hi: s.max}
}

// baseNode is seenNode for base entity slot e.
func (s *snapshot) baseNode(e int32) *blurline.Node {
	x := &s.b.ents[e]
	if !s.limited || x.hi <= s.max {
		return s.b.node(e)
	}
	if x.lo > s.max || !x.hasNode {
		return nil
	}
	return buildNode(s.b.iri(x.iri), visibleAttrs(s.b.attrsOf(e), s.max))
}

// adj returns iri's facts, out (iri is the subject) and in (the object).
func (s *snapshot) adj(iri string) (out, in adjList) {
	if e := s.b.ent(iri); e >= 0 {
		x := &s.b.ents[e]
		out.b = s.b.adj[x.out.off : x.out.off+x.out.n]
		in.b = s.b.adj[x.in.off : x.in.off+x.in.n]
	}
	if len(s.o.out) > 0 || len(s.o.in) > 0 {
		out.o, in.o = s.o.out[iri], s.o.in[iri]
	}
	return out, in
}

// each calls fn with every visible fact of l, until fn returns false.
func (s *snapshot) each(l adjList, fn func(fref) bool) bool {
	for _, i := range l.b {
		if !s.hiddenFact(i) && s.seesBaseFact(i) && !fn(fref{b: i}) {
			return false
		}
	}
	for _, r := range l.o {
		if s.seesFactRec(r) && !fn(fref{r: r}) {
			return false
		}
	}
	return true
}

func (s *snapshot) view(f fref) *blurline.Fact {
	if f.r != nil {
		return f.r.fact
	}
	return s.b.factView(f.b)
}

func (s *snapshot) match(f fref, flt *blurline.FactFilter) bool {
	if f.r != nil {
		return f.r.fact != nil && (flt == nil || flt.Match(f.r.fact))
	}
	return s.b.facts[f.b].hasRel && s.b.match(f.b, flt)
}

// label returns a fact's IRI.
func (s *snapshot) label(f fref) string {
	if f.r != nil {
		return f.r.label
	}
	return s.b.iri(s.b.facts[f.b].label)
}

// ends returns the IRIs of a fact's subject and object; obj is "" when
// the object is a literal.
func (s *snapshot) ends(f fref) (subj, obj string) {
	if f.r != nil {
		subj, _ = iriOf(f.r.rel.Subject)
		obj, _ = iriOf(f.r.rel.Object)
		if f.r.fact.Object == "" {
			obj = ""
		}
		return subj, obj
	}
	x := &s.b.facts[f.b]
	subj = s.b.iri(s.b.ents[x.subj].iri)
	if x.obj >= 0 && x.objID.n > 0 {
		obj = s.b.iri(s.b.ents[x.obj].iri)
	}
	return subj, obj
}

// node returns the view of the entity with this IRI (nil when it has no class).
func (s *snapshot) node(iri string) *blurline.Node {
	if r, ok := s.o.nodes[iri]; ok {
		return s.seenNode(r)
	}
	if e := s.b.ent(iri); e >= 0 {
		return s.baseNode(e)
	}
	return nil
}

// hasNode reports whether the entity with this IRI has a class.
func (s *snapshot) hasNode(iri string) bool {
	if r, ok := s.o.nodes[iri]; ok {
		return r.node != nil && (!s.limited || r.lo <= s.max)
	}
	e := s.b.ent(iri)
	return e >= 0 && s.b.ents[e].hasNode && (!s.limited || s.b.ents[e].lo <= s.max)
}

// nodeRecord returns the entity's record, to read (nil when it has no attributes).
func (s *snapshot) nodeRecord(iri string) *nodeRec {
	if r, ok := s.o.nodes[iri]; ok {
		if len(r.attrs) == 0 {
			return nil
		}
		return s.seenRecord(r)
	}
	if e := s.b.ent(iri); e >= 0 && s.b.ents[e].attrs.n > 0 && (!s.limited || s.b.ents[e].lo <= s.max) {
		return s.seenRecord(s.b.nodeRecord(e))
	}
	return nil
}

// fact returns the view of the fact with this IRI (nil when it has no relationship).
func (s *snapshot) fact(label string) *blurline.Fact {
	if r, ok := s.o.facts[label]; ok {
		if !s.seesFactRec(r) {
			return nil
		}
		return r.fact
	}
	if f := s.b.fact(label); f >= 0 && s.seesBaseFact(f) {
		return s.b.factView(f)
	}
	return nil
}

// factRecord returns the fact's record, to read (nil when there is none).
func (s *snapshot) factRecord(label string) *factRec {
	if r, ok := s.o.facts[label]; ok {
		if r.rel == nil && len(r.props) == 0 || !s.seesFactRec(r) {
			return nil
		}
		return r
	}
	if f := s.b.fact(label); f >= 0 && s.seesBaseFact(f) {
		return s.b.factRecord(f)
	}
	return nil
}

// eachFact calls fn with every fact that has a relationship.
func (s *snapshot) eachFact(fn func(fref) bool) {
	for i := range s.b.facts {
		if s.b.facts[i].hasRel && !s.hiddenFact(int32(i)) && s.seesBaseFact(int32(i)) && !fn(fref{b: int32(i)}) {
			return
		}
	}
	for _, r := range s.o.facts {
		if r.fact != nil && s.seesFactRec(r) && !fn(fref{r: r}) {
			return
		}
	}
}

// eachFactRecord calls fn with the label of every fact record (with or
// without a relationship) and a function that returns the record.
func (s *snapshot) eachFactRecord(fn func(label string, rec func() *factRec)) {
	for i := range s.b.facts {
		if !s.hiddenFact(int32(i)) && s.seesBaseFact(int32(i)) {
			fn(s.b.iri(s.b.facts[i].label), func() *factRec { return s.b.factRecord(int32(i)) })
		}
	}
	for l, r := range s.o.facts {
		if (r.rel != nil || len(r.props) > 0) && s.seesFactRec(r) {
			fn(l, func() *factRec { return r })
		}
	}
}

// eachNodeRecord calls fn with every entity that has attributes.
func (s *snapshot) eachNodeRecord(fn func(iri string, rec func() *nodeRec)) {
	for i := range s.b.ents {
		if x := &s.b.ents[i]; x.attrs.n > 0 && !s.hiddenEnt(int32(i)) && (!s.limited || x.lo <= s.max) {
			fn(s.b.iri(x.iri), func() *nodeRec { return s.seenRecord(s.b.nodeRecord(int32(i))) })
		}
	}
	for iri, r := range s.o.nodes {
		if len(r.attrs) > 0 && (!s.limited || r.lo <= s.max) {
			fn(iri, func() *nodeRec { return s.seenRecord(r) })
		}
	}
}

// findNodes returns the entities of the given classes (any when empty)
// whose name, id, an alias or an external id contains lower.
func (s *snapshot) findNodes(classes []blurline.Class, lower string) []*blurline.Node {
	var out []*blurline.Node
	b := s.b
	for i := range b.ents {
		x := &b.ents[i]
		if !x.hasNode || s.hiddenEnt(int32(i)) {
			continue
		}
		if s.limited && x.hi > s.max {
			// Partly seen: match on what the reader sees.
			if n := s.baseNode(int32(i)); n != nil && (len(classes) == 0 || slices.Contains(classes, n.Class)) && matchText(n, lower) {
				out = append(out, n)
			}
			continue
		}
		if len(classes) > 0 && !slices.Contains(classes, blurline.Class(b.str(x.class))) {
			continue
		}
		if b.matchText(x, lower) {
			out = append(out, b.node(int32(i)))
		}
	}
	for _, r := range s.o.nodes {
		n := s.seenNode(r)
		if n == nil || len(classes) > 0 && !slices.Contains(classes, n.Class) {
			continue
		}
		if matchText(n, lower) {
			out = append(out, n)
		}
	}
	return out
}

// matchText is matchText (records.go) on an entity slot.
func (b *base) matchText(x *bEnt, lower string) bool {
	if lower == "" {
		return true
	}
	name := b.str(x.name)
	if name == "" {
		name = b.str(x.id)
	}
	if containsLower(name, lower) || containsLower(b.str(x.id), lower) {
		return true
	}
	for _, sp := range []span{x.aliases, x.extIDs} {
		for _, r := range b.strs[sp.off : sp.off+sp.n] {
			if containsLower(b.str(r), lower) {
				return true
			}
		}
	}
	return false
}

func containsLower(s, lower string) bool { return strings.Contains(strings.ToLower(s), lower) }

// eachQuad calls fn with every quad of the snapshot, the audit trail's
// too (of a limited view, the records it shows: seesAudit).
func (s *snapshot) eachQuad(fn func(quad.Quad)) {
	s.eachDataQuad(fn)
	s.eachAuditQuad(fn)
}

// eachDataQuad calls fn with every quad of the snapshot but the audit trail's.
func (s *snapshot) eachDataQuad(fn func(quad.Quad)) {
	s.eachNodeRecord(func(iri string, rec func() *nodeRec) {
		r := rec()
		for _, a := range r.attrs {
			fn(quad.Quad{Subject: quad.IRI(iri), Predicate: quad.IRI(propIRI(a.pred)), Object: a.val, Label: a.label})
		}
	})
	s.eachFactRecord(func(_ string, rec func() *factRec) {
		for _, q := range rec().quads() {
			fn(q)
		}
	})
	if s.limited {
		return // a limited view shows nothing outside the vocabulary's entities and facts
	}
	for q := range s.other {
		fn(q)
	}
}

// quads lists every quad in a fact's graph.
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

// merged returns the same version as one base without an overlay.
func (s *snapshot) merged() *snapshot {
	b, other, n, _ := buildBase(func(add addFunc) error {
		s.eachDataQuad(func(q quad.Quad) { add(q, nil) })
		return nil
	})
	m := newSnapshot(s.version, b, other, n)
	m.audit = s.audit
	return m
}

// needsMerge reports whether the overlay has grown enough to be folded
// into a new base: past 4096 records and a sixteenth of the base. A
// merge costs a pass over the whole model, a write copies the overlay's
// maps: this keeps both small against the writes between merges.
func (s *snapshot) needsMerge() bool { return s.o.size() > s.mergeAt() }

func (s *snapshot) mergeAt() int { return max(4096, (len(s.b.ents)+len(s.b.facts))/16) }

// lookups for batch.finish

func (s *snapshot) classOf(iri string) (blurline.Class, bool) {
	if n := s.node(iri); n != nil {
		return n.Class, true
	}
	return "", false
}

func (s *snapshot) namesOf(iri string) []string {
	n := s.nodeRecord(iri)
	if n == nil {
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

func (s *snapshot) recordOf(iri string) map[string][]quad.Value {
	n := s.nodeRecord(iri)
	if n == nil {
		return nil
	}
	var out map[string][]quad.Value
	for _, a := range n.attrs {
		if sourceRecordProps[a.pred] {
			if out == nil {
				out = map[string][]quad.Value{}
			}
			if !slices.Contains(out[a.pred], a.val) {
				out[a.pred] = append(out[a.pred], a.val)
			}
		}
	}
	return out
}

func (s *snapshot) factProps(label string) (*quad.Quad, map[string][]quad.Value, bool) {
	f := s.factRecord(label)
	if f == nil || f.rel == nil {
		return nil, nil, false
	}
	props := map[string][]quad.Value{}
	for _, a := range f.props {
		props[a.pred] = append(props[a.pred], a.val)
	}
	return f.rel, props, true
}

// txn is one write on its way from a snapshot to the next: the records
// it touches, copied, and what it did to them.
type txn struct {
	s              *snapshot
	nodes          map[string]*nodeRec
	facts          map[string]*factRec
	dirtyN, dirtyF map[string]bool
	other          map[quad.Quad]struct{} // a copy of s.other once changed
	audit          map[string][]quad.Quad // the quads of new audit records, by record IRI
	quads          int
}

func newTxn(s *snapshot) *txn {
	return &txn{s: s, nodes: map[string]*nodeRec{}, facts: map[string]*factRec{}, dirtyN: map[string]bool{}, dirtyF: map[string]bool{}}
}

// node returns a mutable copy of the entity's record (nil when it has
// none and create is false).
func (t *txn) node(iri string, create bool) *nodeRec {
	if r, ok := t.nodes[iri]; ok {
		return r
	}
	var r *nodeRec
	if o, ok := t.s.o.nodes[iri]; ok {
		r = &nodeRec{iri: iri, attrs: slices.Clone(o.attrs), set: maps.Clone(o.set), node: o.node, lo: o.lo, hi: o.hi}
	} else if e := t.s.b.ent(iri); e >= 0 && t.s.b.ents[e].attrs.n > 0 {
		r = t.s.b.nodeRecord(e)
	}
	if r == nil {
		if !create {
			return nil
		}
		r = &nodeRec{iri: iri}
	}
	t.nodes[iri] = r
	return r
}

// fact returns a mutable copy of the fact's record.
func (t *txn) fact(label string, create bool) *factRec {
	if r, ok := t.facts[label]; ok {
		return r
	}
	var r *factRec
	if o, ok := t.s.o.facts[label]; ok {
		c := *o
		c.props, c.set = slices.Clone(o.props), maps.Clone(o.set)
		r = &c
	} else if f := t.s.b.fact(label); f >= 0 {
		r = t.s.b.factRecord(f)
	}
	if r == nil {
		if !create {
			return nil
		}
		r = &factRec{label: label}
	}
	t.facts[label] = r
	return r
}

func (t *txn) otherSet() map[quad.Quad]struct{} {
	if t.other == nil {
		t.other = maps.Clone(t.s.other)
		if t.other == nil {
			t.other = map[quad.Quad]struct{}{}
		}
	}
	return t.other
}

func (t *txn) hasOther(q quad.Quad) bool {
	m := t.other
	if m == nil {
		m = t.s.other
	}
	_, ok := m[q]
	return ok
}

// add records a quad; it reports false when the quad was there already.
func (t *txn) add(q quad.Quad) bool {
	kind, pred := classify(q)
	switch kind {
	case kindAttr:
		s, _ := iriOf(q.Subject)
		n := t.node(s, true)
		a := attr{pred: pred, val: q.Object, label: q.Label}
		if n.set.has(n.attrs, a) {
			return false
		}
		n.attrs, n.set = appendAttr(n.attrs, n.set, a)
		t.dirtyN[s] = true
	case kindRel:
		l, _ := iriOf(q.Label)
		f := t.fact(l, true)
		if f.rel != nil {
			if sameQuad(*f.rel, q) {
				return false
			}
			// A second relationship in one graph never passes validation;
			// keep the first so the read model stays well-formed.
			if t.hasOther(q) {
				return false
			}
			t.otherSet()[q] = struct{}{}
			break
		}
		qq := q
		f.rel = &qq
		t.dirtyF[l] = true
	case kindProv:
		l, _ := iriOf(q.Label)
		f := t.fact(l, true)
		a := attr{pred: pred, val: q.Object}
		if f.set.has(f.props, a) {
			return false
		}
		f.props, f.set = appendAttr(f.props, f.set, a)
		t.dirtyF[l] = true
	case kindAudit:
		// A record is written whole, once; a record the snapshot has
		// already is a repeat (a load of an export into its own store).
		s, _ := iriOf(q.Subject)
		if _, found := auditIndex(t.s.audit, strings.TrimPrefix(s, blurline.AuditBase)); found {
			return false
		}
		if t.audit == nil {
			t.audit = map[string][]quad.Quad{}
		}
		t.audit[s] = append(t.audit[s], q)
		return true // not data: quads counts none of the trail
	default:
		if t.hasOther(q) {
			return false
		}
		t.otherSet()[q] = struct{}{}
	}
	t.quads++
	return true
}

// remove deletes a quad; it reports false when the quad was not there.
func (t *txn) remove(q quad.Quad) bool {
	kind, pred := classify(q)
	switch kind {
	case kindAttr:
		s, _ := iriOf(q.Subject)
		n := t.node(s, false)
		if n == nil {
			return false
		}
		var found bool
		if n.attrs, found = deleteAttr(n.attrs, n.set, attr{pred: pred, val: q.Object, label: q.Label}); !found {
			return false
		}
		t.dirtyN[s] = true
	case kindRel:
		l, _ := iriOf(q.Label)
		f := t.fact(l, false)
		if f == nil || f.rel == nil || !sameQuad(*f.rel, q) {
			if t.hasOther(q) {
				delete(t.otherSet(), q)
				break
			}
			return false
		}
		f.rel = nil
		t.dirtyF[l] = true
	case kindProv:
		l, _ := iriOf(q.Label)
		f := t.fact(l, false)
		if f == nil {
			return false
		}
		var found bool
		if f.props, found = deleteAttr(f.props, f.set, attr{pred: pred, val: q.Object}); !found {
			return false
		}
		t.dirtyF[l] = true
	case kindAudit:
		return false // the trail is never rewritten
	default:
		if !t.hasOther(q) {
			return false
		}
		delete(t.otherSet(), q)
	}
	t.quads--
	return true
}

func withoutRec(list []*factRec, f *factRec) []*factRec {
	if i := slices.Index(list, f); i >= 0 {
		list = slices.Delete(slices.Clone(list), i, i+1)
	}
	return list
}

func hasProvenance(f *factRec) bool {
	return f.fact != nil && len(f.fact.Sources) > 0 && hasProp(f.props, blurline.PropConfidence)
}

// commit derives the views of everything the write touched and returns
// the next snapshot, at version v; s is left as it was.
func (t *txn) commit(v uint64) *snapshot {
	old := t.s
	ns := &snapshot{
		version: v, b: old.b, other: old.other, quads: old.quads + t.quads, audit: old.audit,
		nodes: old.nodes, nfacts: old.nfacts, prov: old.prov,
		byClass: maps.Clone(old.byClass), byPred: maps.Clone(old.byPred), views: &viewStats{},
	}
	if len(t.audit) > 0 {
		recs := make([]*blurline.AuditRecord, 0, len(t.audit))
		for s, qs := range t.audit {
			recs = append(recs, decodeAudit(s, qs))
		}
		slices.SortFunc(recs, func(a, b *blurline.AuditRecord) int { return strings.Compare(a.ID, b.ID) })
		ns.audit = withAudit(old.audit, recs)
	}
	if t.other != nil {
		ns.other = t.other
	}
	o := &overlay{
		nodes: maps.Clone(old.o.nodes), facts: maps.Clone(old.o.facts),
		out: maps.Clone(old.o.out), in: maps.Clone(old.o.in),
		hideEnt: old.o.hideEnt, hideFact: old.o.hideFact,
	}
	if o.nodes == nil {
		o.nodes, o.facts, o.out, o.in = map[string]*nodeRec{}, map[string]*factRec{}, map[string][]*factRec{}, map[string][]*factRec{}
	}
	copiedE, copiedF := false, false
	for iri := range t.dirtyN {
		n := t.nodes[iri]
		if prev := old.node(iri); prev != nil {
			ns.byClass[prev.Class]--
			ns.nodes--
		}
		n.node = buildNode(iri, n.attrs)
		n.lo, n.hi = entityMarkings(n.attrs)
		if n.node != nil {
			ns.byClass[n.node.Class]++
			ns.nodes++
		}
		e := old.b.ent(iri)
		if e >= 0 && old.b.ents[e].attrs.n > 0 {
			if !copiedE {
				o.hideEnt, copiedE = maps.Clone(o.hideEnt), true
				if o.hideEnt == nil {
					o.hideEnt = map[int32]struct{}{}
				}
			}
			o.hideEnt[e] = struct{}{}
		}
		if len(n.attrs) == 0 && (e < 0 || old.b.ents[e].attrs.n == 0) {
			delete(o.nodes, iri)
		} else {
			o.nodes[iri] = n
		}
	}
	for label := range t.dirtyF {
		f := t.facts[label]
		if r, ok := old.o.facts[label]; ok {
			if r.fact != nil {
				ns.byPred[r.fact.Predicate]--
				ns.nfacts--
				if hasProvenance(r) {
					ns.prov--
				}
			}
			if r.rel != nil {
				s, _ := iriOf(r.rel.Subject)
				o.out[s] = withoutRec(o.out[s], r)
				if len(o.out[s]) == 0 {
					delete(o.out, s)
				}
				if obj, ok := iriOf(r.rel.Object); ok {
					o.in[obj] = withoutRec(o.in[obj], r)
					if len(o.in[obj]) == 0 {
						delete(o.in, obj)
					}
				}
			}
		}
		i := old.b.fact(label)
		if i >= 0 {
			if _, ok := old.o.facts[label]; !ok {
				if x := &old.b.facts[i]; x.hasRel {
					ns.byPred[blurline.Predicate(old.b.str(x.pred))]--
					ns.nfacts--
					if x.prov {
						ns.prov--
					}
				}
			}
			if !copiedF {
				o.hideFact, copiedF = maps.Clone(o.hideFact), true
				if o.hideFact == nil {
					o.hideFact = map[int32]struct{}{}
				}
			}
			o.hideFact[i] = struct{}{}
		}
		f.fact = buildFact(label, f.rel, f.props)
		if f.fact != nil {
			ns.byPred[f.fact.Predicate]++
			ns.nfacts++
			if hasProvenance(f) {
				ns.prov++
			}
			s, _ := iriOf(f.rel.Subject)
			o.out[s] = append(slices.Clip(o.out[s]), f)
			if obj, ok := iriOf(f.rel.Object); ok {
				o.in[obj] = append(slices.Clip(o.in[obj]), f)
			}
		}
		if f.rel == nil && len(f.props) == 0 && i < 0 {
			delete(o.facts, label)
		} else {
			o.facts[label] = f
		}
	}
	for c, n := range ns.byClass {
		if n == 0 {
			delete(ns.byClass, c)
		}
	}
	for p, n := range ns.byPred {
		if n == 0 {
			delete(ns.byPred, p)
		}
	}
	ns.o = o
	return ns
}

// Pinning: one snapshot per request.

type pinKey struct{ s *Store }

// pin is the snapshot a request reads. A write made through the same
// context moves it to the snapshot the write published, so that a
// request sees its own writes (a mutation's answer shows what it wrote).
type pin struct {
	snap atomic.Pointer[snapshot]
	max  blurline.Marking // the reader's clearance: snap is its view
}

// Pin returns a context whose reads of s all see the store's current
// version, however many calls they make and whatever writers do
// meanwhile, and that version's number. A context already pinned to s
// keeps its snapshot.
func (s *Store) Pin(ctx context.Context) (context.Context, uint64) {
	if p, ok := ctx.Value(pinKey{s}).(*pin); ok {
		return ctx, p.snap.Load().version
	}
	cur := s.cur.Load()
	if cur == nil {
		return ctx, s.Version()
	}
	p := &pin{max: blurline.ClearanceFromContext(ctx)}
	p.snap.Store(cur.viewFor(p.max))
	return context.WithValue(ctx, pinKey{s}, p), cur.version
}

// read returns the snapshot a read through ctx sees: the pinned one, or
// the current one, as the view of ctx's principal (viewFor). Every read
// of the read model goes through it, so that what a reader is not
// cleared for is left out once, here, rather than by each query.
func (s *Store) read(ctx context.Context) *snapshot {
	if p, ok := ctx.Value(pinKey{s}).(*pin); ok {
		return p.snap.Load()
	}
	return s.cur.Load().viewFor(blurline.ClearanceFromContext(ctx))
}

// wrote moves ctx's pin, if any, to snapshot n after a write through ctx.
func (s *Store) wrote(ctx context.Context, n *snapshot) {
	if p, ok := ctx.Value(pinKey{s}).(*pin); ok {
		p.snap.Store(n.viewFor(p.max))
	}
}
