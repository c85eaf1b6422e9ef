package graph

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
)

// base is the compact, immutable part of the read model: every quad of
// the store at one version, as fixed-size records in slices that hold no
// pointers, so that the garbage collector never scans them however large
// the store is. Terms (IRIs, literals) are interned once into uint32 ids;
// every string lives in one arena and is handed out without a copy;
// entities and facts are looked up by IRI through open-addressing tables
// of slot numbers; each entity's facts are integer arrays in one CSR
// array, out then in, sorted by fact id. The derived views
// (*blurline.Node, *blurline.Fact) are computed once when the base is
// built, stored in the same pointer-free form, and materialised when a
// reader asks for one.
//
// A base is built from a stream of quads (buildBase) or read back from a
// snapshot file (snapfile.go); the writes since it was built live in a
// small overlay (snapshot.go).
type base struct {
	arena []byte
	terms []term   // term id -> value; id 0 is "no value" (a quad without label)
	ents  []bEnt   // entity slots: every IRI with attributes or at the end of a fact
	facts []bFact  // fact slots: every graph label with a relationship or provenance
	attrs []bAttr  // entity attributes, grouped by entity, in stream order
	props []bProp  // fact provenance, grouped by fact, in stream order
	adj   []int32  // fact slots: each entity's out list, then its in list
	strs  []strRef // string lists of the views (aliases, sources, external ids)
	preds []string // attribute names ("type" or a local name) by number
	etab  []int32  // entity slot+1 by hash of its IRI (0: empty)
	ftab  []int32  // fact slot+1 by hash of its label

	nodes, nfacts, prov int // entities with a class, complete facts, facts with provenance
	byClass             map[blurline.Class]int
	byPred              map[blurline.Predicate]int
}

type strRef struct{ off, n uint32 }

type span struct{ off, n uint32 }

// term kinds
const (
	tNone  = iota
	tIRI   // a
	tStr   // a
	tLang  // a, lang b
	tTyped // a, datatype b
	tBNode // a
	tOther // a: the value in cayley's protobuf encoding
)

type term struct {
	kind uint32
	a, b strRef
}

type bAttr struct {
	pred       uint32 // index into preds
	val, label uint32 // terms
}

type bProp struct {
	pred uint32
	val  uint32
}

type bTime struct {
	sec  int64
	nsec int32
	set  bool
}

func (t bTime) time() time.Time {
	if !t.set {
		return time.Time{}
	}
	return time.Unix(t.sec, int64(t.nsec)).UTC()
}

func mkTime(t time.Time) bTime {
	if t.IsZero() {
		return bTime{}
	}
	return bTime{sec: t.Unix(), nsec: int32(t.Nanosecond()), set: true}
}

// bEnt is an entity slot and its view.
type bEnt struct {
	iri     uint32 // term
	id      strRef
	attrs   span             // into attrs
	out, in span             // into adj
	lo, hi  blurline.Marking // see entityMarkings
	// the view, when hasNode
	hasNode, hasNS, hasMW bool
	class, name, desc     strRef
	aliases, srcs, extIDs span // into strs
	ns, mw                float64
	// the source record (blurline.SourceRecord), when hasRec
	hasRec, recPrimary                     bool
	recPub                                 bTime
	recPublisher, recKind, recRel, recCopy strRef
}

// bFact is a fact slot and its view.
type bFact struct {
	label         uint32 // term
	rel           [3]uint32
	subj, obj     int32 // entity slots of the relationship's ends; obj -1 for a literal
	props         span
	hasRel        bool
	prov          bool // counted in Stats.FactsWithProvenance
	hasValue      bool
	alleged       bool
	hasHealey     bool
	mark          blurline.Marking
	healey        int32
	id            strRef
	subjID        strRef
	objID         strRef
	pred          strRef
	lex, dt, lang strRef
	conf          float64
	vf, vu, pub   bTime
	asserted      strRef
	attrKind      strRef
	quote, note   strRef
	srcs          span
}

// str returns an arena string without copying it.
func (b *base) str(r strRef) string {
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&b.arena[r.off], int(r.n))
}

func (b *base) list(s span) []string {
	if s.n == 0 {
		return nil
	}
	out := make([]string, s.n)
	for i, r := range b.strs[s.off : s.off+s.n] {
		out[i] = b.str(r)
	}
	return out
}

// value returns term t as a quad.Value.
func (b *base) value(t uint32) quad.Value {
	x := &b.terms[t]
	switch x.kind {
	case tIRI:
		return quad.IRI(b.str(x.a))
	case tStr:
		return quad.String(b.str(x.a))
	case tLang:
		return quad.LangString{Value: quad.String(b.str(x.a)), Lang: b.str(x.b)}
	case tTyped:
		return quad.TypedString{Value: quad.String(b.str(x.a)), Type: quad.IRI(b.str(x.b))}
	case tBNode:
		return quad.BNode(b.str(x.a))
	case tOther:
		v, err := pquads.UnmarshalValue([]byte(b.str(x.a)))
		if err != nil {
			return quad.String(b.str(x.a)) // checked when the base was built or loaded
		}
		return v
	}
	return nil
}

// iri returns the text of an IRI term ("" for any other kind).
func (b *base) iri(t uint32) string {
	if x := &b.terms[t]; x.kind == tIRI {
		return b.str(x.a)
	}
	return ""
}

func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// tabSize is the size of a lookup table for n keys: a power of two, at most half full.
func tabSize(n int) int {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return size
}

// ent returns the slot of the entity with this IRI, or -1.
func (b *base) ent(iri string) int32 {
	if len(b.etab) == 0 {
		return -1
	}
	mask := uint64(len(b.etab) - 1)
	for i := strHash(iri) & mask; ; i = (i + 1) & mask {
		e := b.etab[i]
		if e == 0 {
			return -1
		}
		if b.iri(b.ents[e-1].iri) == iri {
			return e - 1
		}
	}
}

// fact returns the slot of the fact with this label, or -1.
func (b *base) fact(label string) int32 {
	if len(b.ftab) == 0 {
		return -1
	}
	mask := uint64(len(b.ftab) - 1)
	for i := strHash(label) & mask; ; i = (i + 1) & mask {
		f := b.ftab[i]
		if f == 0 {
			return -1
		}
		if b.iri(b.facts[f-1].label) == label {
			return f - 1
		}
	}
}

// buildTables fills etab and ftab.
func (b *base) buildTables() {
	b.etab = make([]int32, tabSize(len(b.ents)))
	mask := uint64(len(b.etab) - 1)
	for e := range b.ents {
		i := strHash(b.iri(b.ents[e].iri)) & mask
		for b.etab[i] != 0 {
			i = (i + 1) & mask
		}
		b.etab[i] = int32(e + 1)
	}
	b.ftab = make([]int32, tabSize(len(b.facts)))
	mask = uint64(len(b.ftab) - 1)
	for f := range b.facts {
		i := strHash(b.iri(b.facts[f].label)) & mask
		for b.ftab[i] != 0 {
			i = (i + 1) & mask
		}
		b.ftab[i] = int32(f + 1)
	}
}

// node materialises entity slot e's view (nil without a class).
func (b *base) node(e int32) *blurline.Node {
	x := &b.ents[e]
	if !x.hasNode {
		return nil
	}
	n := &blurline.Node{
		ID: b.str(x.id), Class: blurline.Class(b.str(x.class)), Name: b.str(x.name),
		Aliases: b.list(x.aliases), Description: b.str(x.desc), Sources: b.list(x.srcs), ExternalIDs: b.list(x.extIDs),
		Marking: x.hi,
	}
	if x.hasNS {
		v := x.ns
		n.NonState = &v
	}
	if x.hasMW {
		v := x.mw
		n.MotiveWeight = &v
	}
	if x.hasRec {
		n.Record = &blurline.SourceRecord{Publisher: b.str(x.recPublisher), Kind: blurline.SourceKind(b.str(x.recKind)), Primary: x.recPrimary,
			Reliability: blurline.Reliability(b.str(x.recRel)), PublishedOn: x.recPub.time(), CopyOf: b.str(x.recCopy)}
	}
	return n
}

// factView materialises fact slot f's view (nil without a relationship).
func (b *base) factView(f int32) *blurline.Fact {
	x := &b.facts[f]
	if !x.hasRel {
		return nil
	}
	v := &blurline.Fact{
		ID: b.str(x.id), Subject: b.str(x.subjID), Predicate: blurline.Predicate(b.str(x.pred)), Object: b.str(x.objID),
		Confidence: x.conf, Sources: b.list(x.srcs),
		ValidFrom: x.vf.time(), ValidUntil: x.vu.time(), PublishedOn: x.pub.time(),
		AssertedBy: b.str(x.asserted), Healey: blurline.Healey(x.healey), HasHealey: x.hasHealey,
		AttributionKind: b.str(x.attrKind), Quote: b.str(x.quote), Note: b.str(x.note), Alleged: x.alleged,
		Marking: x.mark,
	}
	if x.hasValue {
		v.Value = &blurline.Literal{Lexical: b.str(x.lex), Datatype: b.str(x.dt), Lang: b.str(x.lang)}
	}
	return v
}

// match reports whether fact slot f passes the filter, without
// materialising its view: the filter sees a stack copy of the fields it
// reads.
func (b *base) match(f int32, flt *blurline.FactFilter) bool {
	x := &b.facts[f]
	if flt == nil {
		return true
	}
	probe := blurline.Fact{
		Predicate: blurline.Predicate(b.str(x.pred)), Confidence: x.conf, AssertedBy: b.str(x.asserted),
		ValidFrom: x.vf.time(), ValidUntil: x.vu.time(), PublishedOn: x.pub.time(),
	}
	if flt.Evidence.Active() {
		probe.Sources = b.list(x.srcs) // only the evidence conditions read them
	}
	return flt.Match(&probe)
}

// attrsOf returns entity slot e's attributes as a mutable record's list.
func (b *base) attrsOf(e int32) []attr {
	x := &b.ents[e]
	out := make([]attr, 0, x.attrs.n)
	for _, a := range b.attrs[x.attrs.off : x.attrs.off+x.attrs.n] {
		out = append(out, attr{pred: b.preds[a.pred], val: b.value(a.val), label: b.value(a.label)})
	}
	return out
}

// record returns a mutable copy of entity slot e.
func (b *base) nodeRecord(e int32) *nodeRec {
	n := &nodeRec{iri: b.iri(b.ents[e].iri)}
	for _, a := range b.attrsOf(e) {
		n.attrs, n.set = appendAttr(n.attrs, n.set, a)
	}
	n.node = b.node(e)
	n.lo, n.hi = b.ents[e].lo, b.ents[e].hi
	return n
}

// factRecord returns a mutable copy of fact slot f.
func (b *base) factRecord(f int32) *factRec {
	x := &b.facts[f]
	r := &factRec{label: b.iri(x.label)}
	if x.hasRel {
		r.rel = &quad.Quad{Subject: b.value(x.rel[0]), Predicate: b.value(x.rel[1]), Object: b.value(x.rel[2]), Label: b.value(x.label)}
	}
	for _, p := range b.props[x.props.off : x.props.off+x.props.n] {
		r.props, r.set = appendAttr(r.props, r.set, attr{pred: b.preds[p.pred], val: b.value(p.val)})
	}
	r.fact = b.factView(f)
	return r
}

// builder turns a stream of quads into a base. What it keeps while
// building holds no pointers either, apart from the few quads that fit
// neither an entity nor a fact: a string is hashed once, into a table of
// arena refs (strs); a term is found by its kind and refs (tid); entity
// and fact slots are found by term id (slots). A rebuild of a large store
// is then neither spent hashing each value several times nor marking
// millions of interface values and map keys in the garbage collector.
type builder struct {
	b     *base
	strs  strTab
	tid   map[term]uint32
	byID  []uint32 // store node id -> term id (0: not seen), while building
	pid   map[string]uint32
	slots []termSlots // term id -> its entity and fact slots
	cls   map[uint32]qclass
	other map[quad.Quad]struct{}
	quads int

	attrs []eAttr
	props []fProp
}

type eAttr struct {
	ent int32
	bAttr
}

type fProp struct {
	fact int32
	bProp
}

// termSlots are a term's entity slot and fact slot, each +1 (0: none).
type termSlots struct{ ent, fact int32 }

// strTab interns strings into the arena: an open-addressing table of the
// strings put so far (ref.n 0: an empty slot; "" is never put), each with
// its term as an IRI and as a plain literal once there is one, so that
// interning those (nearly every term) hashes the string once.
type strTab struct {
	seed maphash.Seed
	ents []strEnt
	n    int
}

type strEnt struct {
	ref      strRef
	iri, str uint32 // terms (0: none yet)
}

// qclass caches classify's answer for one predicate.
type qclass struct {
	kind  int
	pred  uint32
	local string
}

func newBuilder() *builder {
	bl := &builder{
		b:     &base{terms: []term{{}}, byClass: map[blurline.Class]int{}, byPred: map[blurline.Predicate]int{}},
		strs:  strTab{seed: maphash.MakeSeed(), ents: make([]strEnt, 1024)},
		tid:   map[term]uint32{},
		slots: []termSlots{{}},
		pid:   map[string]uint32{},
		cls:   map[uint32]qclass{},
		other: map[quad.Quad]struct{}{},
	}
	return bl
}

// putStr appends s to the arena (once per distinct string).
func (bl *builder) putStr(s string) strRef {
	if s == "" {
		return strRef{}
	}
	return bl.strEnt(s).ref
}

// strEnt returns s's entry in the string table (s not ""), putting s in
// the arena if it is new. The entry is valid until the next call.
func (bl *builder) strEnt(s string) *strEnt {
	t := &bl.strs
	if 2*(t.n+1) > len(t.ents) {
		bl.growStrs()
	}
	mask := uint64(len(t.ents) - 1)
	for i := maphash.String(t.seed, s) & mask; ; i = (i + 1) & mask {
		e := &t.ents[i]
		if e.ref.n == 0 {
			e.ref = strRef{off: uint32(len(bl.b.arena)), n: uint32(len(s))}
			bl.b.arena = append(bl.b.arena, s...)
			t.n++
			return e
		}
		if bl.b.str(e.ref) == s {
			return e
		}
	}
}

// growStrs doubles the string table.
func (bl *builder) growStrs() {
	t := &bl.strs
	ents := make([]strEnt, 2*len(t.ents))
	mask := uint64(len(ents) - 1)
	for _, e := range t.ents {
		if e.ref.n == 0 {
			continue
		}
		i := maphash.String(t.seed, bl.b.str(e.ref)) & mask
		for ents[i].ref.n != 0 {
			i = (i + 1) & mask
		}
		ents[i] = e
	}
	t.ents = ents
}

// sub returns the ref of s inside whole's ref, when s is a suffix of whole.
func sub(whole strRef, wholeStr, s string) (strRef, bool) {
	if !strings.HasSuffix(wholeStr, s) {
		return strRef{}, false
	}
	if s == "" {
		return strRef{}, true
	}
	return strRef{off: whole.off + whole.n - uint32(len(s)), n: uint32(len(s))}, true
}

func (bl *builder) term(v quad.Value) uint32 {
	if v == nil {
		return 0
	}
	var t term
	switch v := v.(type) {
	case quad.IRI:
		if v == "" {
			t = term{kind: tIRI}
			break
		}
		e := bl.strEnt(string(v))
		if e.iri == 0 {
			e.iri = bl.newTerm(term{kind: tIRI, a: e.ref})
		}
		return e.iri
	case quad.String:
		if v == "" {
			t = term{kind: tStr}
			break
		}
		e := bl.strEnt(string(v))
		if e.str == 0 {
			e.str = bl.newTerm(term{kind: tStr, a: e.ref})
		}
		return e.str
	case quad.LangString:
		t = term{kind: tLang, a: bl.putStr(string(v.Value)), b: bl.putStr(v.Lang)}
	case quad.TypedString:
		t = term{kind: tTyped, a: bl.putStr(string(v.Value)), b: bl.putStr(string(v.Type))}
	case quad.BNode:
		t = term{kind: tBNode, a: bl.putStr(string(v))}
	default:
		raw, err := pquads.MarshalValue(v)
		if err != nil {
			raw = []byte(quad.StringOf(v)) // value reads it back as a string
		}
		t = term{kind: tOther, a: bl.putStr(string(raw))}
	}
	if id, ok := bl.tid[t]; ok {
		return id
	}
	id := bl.newTerm(t)
	bl.tid[t] = id
	return id
}

// newTerm adds term t.
func (bl *builder) newTerm(t term) uint32 {
	id := uint32(len(bl.b.terms))
	bl.b.terms = append(bl.b.terms, t)
	bl.slots = append(bl.slots, termSlots{})
	return id
}

func (bl *builder) predID(p string) uint32 {
	if id, ok := bl.pid[p]; ok {
		return id
	}
	id := uint32(len(bl.b.preds))
	bl.b.preds = append(bl.b.preds, p)
	bl.pid[p] = id
	return id
}

func (bl *builder) ent(t uint32) int32 {
	if e := bl.slots[t].ent; e != 0 {
		return e - 1
	}
	e := int32(len(bl.b.ents))
	bl.b.ents = append(bl.b.ents, bEnt{iri: t})
	bl.slots[t].ent = e + 1
	return e
}

func (bl *builder) factSlot(t uint32) int32 {
	if f := bl.slots[t].fact; f != 0 {
		return f - 1
	}
	f := int32(len(bl.b.facts))
	bl.b.facts = append(bl.b.facts, bFact{label: t, obj: -1, subj: -1})
	bl.slots[t].fact = f + 1
	return f
}

// addFunc takes one quad of a stream; ids, when not nil, are the store's
// node ids of its values.
type addFunc func(q quad.Quad, ids *nodeIDs)

// nodeIDs are a quad's values' node ids in the store being read, by
// direction from quad.Subject (0: no value). A store gives one value one
// id at a time; an id is never reused for another value within a stream.
type nodeIDs [4]uint64

// termAt returns the term of q's value in direction d, through the store's
// node id when the stream has one: a value is then hashed once per node,
// not once per quad that names it.
func (bl *builder) termAt(q quad.Quad, ids *nodeIDs, d quad.Direction) uint32 {
	v := q.Get(d)
	if ids == nil || v == nil {
		return bl.term(v)
	}
	id := ids[d-quad.Subject]
	if id < uint64(len(bl.byID)) && bl.byID[id] != 0 {
		return bl.byID[id]
	}
	t := bl.term(v)
	if id >= uint64(len(bl.byID)) {
		bl.byID = slices.Grow(bl.byID, int(id+1)-len(bl.byID))[:id+1]
	}
	bl.byID[id] = t
	return t
}

// add takes one quad of the stream (repeats are dropped, as the store holds a set).
func (bl *builder) add(q quad.Quad, ids *nodeIDs) {
	p := bl.termAt(q, ids, quad.Predicate)
	c, ok := bl.cls[p]
	if !ok {
		kind, local := classifyPredicate(q.Predicate)
		c = qclass{kind: kind, local: local, pred: bl.predID(local)}
		bl.cls[p] = c
	}
	switch classifyQuad(q, c.kind) {
	case kindAttr:
		s := bl.ent(bl.termAt(q, ids, quad.Subject))
		bl.attrs = append(bl.attrs, eAttr{ent: s, bAttr: bAttr{pred: c.pred, val: bl.termAt(q, ids, quad.Object), label: bl.termAt(q, ids, quad.Label)}})
	case kindProv:
		f := bl.factSlot(bl.termAt(q, ids, quad.Label))
		bl.props = append(bl.props, fProp{fact: f, bProp: bProp{pred: c.pred, val: bl.termAt(q, ids, quad.Object)}})
	case kindRel:
		f := bl.factSlot(bl.termAt(q, ids, quad.Label))
		x := &bl.b.facts[f]
		rel := [3]uint32{bl.termAt(q, ids, quad.Subject), p, bl.termAt(q, ids, quad.Object)}
		if x.hasRel {
			if x.rel != rel {
				// A second relationship in one graph never passes
				// validation; the first one stays the fact's.
				if _, dup := bl.other[q]; !dup {
					bl.other[q] = struct{}{}
					bl.quads++
				}
			}
			return
		}
		x.rel, x.hasRel = rel, true
		bl.quads++
	case kindAudit:
		bl.other[q] = struct{}{} // newSnapshot takes them out; not data, not counted
	default:
		if _, dup := bl.other[q]; !dup {
			bl.other[q] = struct{}{}
			bl.quads++
		}
	}
}

// classifyPredicate is classify's part that depends on the predicate alone.
func classifyPredicate(pv quad.Value) (kind int, local string) {
	p, _ := iriOf(pv)
	if p == blurline.RDFType {
		return kindAttr, "type"
	}
	if strings.HasPrefix(p, blurline.AuditNS) {
		return kindAudit, ""
	}
	local, ok := blurline.LocalName(p)
	if !ok {
		return kindOther, ""
	}
	if _, ok := blurline.LookupPredicate(blurline.Predicate(local)); ok {
		return kindRel, local
	}
	if _, ok := blurline.LookupProperty(local); ok {
		return kindProv, local
	}
	return kindOther, local
}

// finish groups, de-duplicates and derives the views; it returns the base
// and the quads that fit neither an entity nor a fact.
func (bl *builder) finish() (*base, map[quad.Quad]struct{}, int) {
	b := bl.b
	// Entity attributes and fact provenance, grouped by owner, first
	// occurrence kept.
	b.attrs = grouped(bl.attrs, func(a eAttr) int32 { return a.ent }, func(a eAttr) bAttr { return a.bAttr },
		func(e int32, s span) { b.ents[e].attrs = s })
	bl.quads += len(b.attrs)
	bl.attrs = nil
	b.props = grouped(bl.props, func(p fProp) int32 { return p.fact }, func(p fProp) bProp { return p.bProp },
		func(f int32, s span) { b.facts[f].props = s })
	bl.quads += len(b.props)
	bl.props = nil

	// Fact ends and views.
	for f := range b.facts {
		x := &b.facts[f]
		if !x.hasRel {
			continue
		}
		x.subj = bl.ent(x.rel[0])
		if b.terms[x.rel[2]].kind == tIRI {
			x.obj = bl.ent(x.rel[2])
		}
	}
	for f := range b.facts {
		bl.factView(int32(f))
	}
	for e := range b.ents {
		bl.nodeView(int32(e))
	}
	// Adjacency: out lists, then in lists, each sorted by fact id.
	nOut := make([]uint32, len(b.ents))
	nIn := make([]uint32, len(b.ents))
	for f := range b.facts {
		x := &b.facts[f]
		if !x.hasRel {
			continue
		}
		nOut[x.subj]++
		if x.obj >= 0 {
			nIn[x.obj]++
		}
	}
	off := uint32(0)
	for e := range b.ents {
		b.ents[e].out = span{off, 0}
		off += nOut[e]
		b.ents[e].in = span{off, 0}
		off += nIn[e]
	}
	b.adj = make([]int32, off)
	for f := range b.facts {
		x := &b.facts[f]
		if !x.hasRel {
			continue
		}
		o := &b.ents[x.subj].out
		b.adj[o.off+o.n] = int32(f)
		o.n++
		if x.obj >= 0 {
			in := &b.ents[x.obj].in
			b.adj[in.off+in.n] = int32(f)
			in.n++
		}
	}
	for e := range b.ents {
		for _, s := range []span{b.ents[e].out, b.ents[e].in} {
			slices.SortFunc(b.adj[s.off:s.off+s.n], func(x, y int32) int {
				return strings.Compare(b.str(b.facts[x].id), b.str(b.facts[y].id))
			})
		}
	}
	b.buildTables()
	bl.byID, bl.tid, bl.strs, bl.slots = nil, nil, strTab{}, nil
	return b, bl.other, bl.quads
}

// grouped sorts list stably by owner and returns the values of each
// owner's items in turn, without repeats (the first kept), in one slice;
// set receives each owner's span of it.
func grouped[T any, V comparable](list []T, owner func(T) int32, val func(T) V, set func(o int32, s span)) []V {
	slices.SortStableFunc(list, func(x, y T) int { return cmp.Compare(owner(x), owner(y)) })
	out := make([]V, 0, len(list))
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && owner(list[j]) == owner(list[i]) {
			j++
		}
		start := len(out)
		for _, x := range dedupe(list[i:j], val) {
			out = append(out, val(x))
		}
		set(owner(list[i]), span{uint32(start), uint32(len(out) - start)})
		i = j
	}
	return out
}

// dedupe keeps the first occurrence of each key, in order.
func dedupe[T any, K comparable](list []T, key func(T) K) []T {
	if len(list) < 2 {
		return list
	}
	if len(list) < attrSetMin {
		out := list[:0:0]
		for _, x := range list {
			if !slices.ContainsFunc(out, func(y T) bool { return key(y) == key(x) }) {
				out = append(out, x)
			}
		}
		return out
	}
	seen := make(map[K]struct{}, len(list))
	out := make([]T, 0, len(list))
	for _, x := range list {
		k := key(x)
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, x)
		}
	}
	return out
}

func (bl *builder) strList(list []string) span {
	s := span{off: uint32(len(bl.b.strs)), n: uint32(len(list))}
	for _, x := range list {
		bl.b.strs = append(bl.b.strs, bl.putStr(x))
	}
	return s
}

// nodeView derives entity slot e's view with buildNode, the one
// definition of an entity's view, and stores it in compact form.
func (bl *builder) nodeView(e int32) {
	b := bl.b
	x := &b.ents[e]
	iri := b.iri(x.iri)
	bl.entID(e)
	attrs := make([]attr, 0, x.attrs.n)
	for _, a := range b.attrs[x.attrs.off : x.attrs.off+x.attrs.n] {
		attrs = append(attrs, attr{pred: b.preds[a.pred], val: b.value(a.val), label: b.value(a.label)})
	}
	x.lo, x.hi = entityMarkings(attrs)
	n := buildNode(iri, attrs)
	if n == nil {
		return
	}
	x.hasNode = true
	x.class, x.name, x.desc = bl.putStr(string(n.Class)), bl.putStr(n.Name), bl.putStr(n.Description)
	x.aliases, x.srcs, x.extIDs = bl.strList(n.Aliases), bl.strList(n.Sources), bl.strList(n.ExternalIDs)
	if n.NonState != nil {
		x.hasNS, x.ns = true, *n.NonState
	}
	if n.MotiveWeight != nil {
		x.hasMW, x.mw = true, *n.MotiveWeight
	}
	if r := n.Record; r != nil {
		x.hasRec, x.recPrimary, x.recPub = true, r.Primary, mkTime(r.PublishedOn)
		x.recPublisher, x.recKind, x.recRel, x.recCopy = bl.putStr(r.Publisher), bl.putStr(string(r.Kind)), bl.putStr(string(r.Reliability)), bl.putStr(r.CopyOf)
	}
	b.nodes++
	b.byClass[n.Class]++
}

// factView derives fact slot f's view with buildFact and stores it in compact form.
func (bl *builder) factView(f int32) {
	b := bl.b
	x := &b.facts[f]
	label := b.iri(x.label)
	if r, ok := sub(b.terms[x.label].a, label, blurline.FactID(label)); ok {
		x.id = r
	} else {
		x.id = bl.putStr(blurline.FactID(label))
	}
	if !x.hasRel {
		return
	}
	rel := &quad.Quad{Subject: b.value(x.rel[0]), Predicate: b.value(x.rel[1]), Object: b.value(x.rel[2]), Label: b.value(x.label)}
	props := make([]attr, 0, x.props.n)
	for _, p := range b.props[x.props.off : x.props.off+x.props.n] {
		props = append(props, attr{pred: b.preds[p.pred], val: b.value(p.val)})
	}
	v := buildFact(label, rel, props)
	x.subjID = bl.endID(x.subj, v.Subject)
	if x.obj >= 0 {
		x.objID = bl.endID(x.obj, v.Object)
	}
	x.pred = bl.putStr(string(v.Predicate))
	if v.Value != nil {
		x.hasValue = true
		x.lex, x.dt, x.lang = bl.putStr(v.Value.Lexical), bl.putStr(v.Value.Datatype), bl.putStr(v.Value.Lang)
	}
	x.conf, x.srcs = v.Confidence, bl.strList(v.Sources)
	x.vf, x.vu, x.pub = mkTime(v.ValidFrom), mkTime(v.ValidUntil), mkTime(v.PublishedOn)
	x.asserted = bl.putStr(v.AssertedBy)
	x.healey, x.hasHealey = int32(v.Healey), v.HasHealey
	x.attrKind, x.quote, x.note, x.alleged = bl.putStr(v.AttributionKind), bl.putStr(v.Quote), bl.putStr(v.Note), v.Alleged
	x.mark = v.Marking
	x.prov = len(v.Sources) > 0 && hasProp(props, blurline.PropConfidence)
	b.nfacts++
	b.byPred[v.Predicate]++
	if x.prov {
		b.prov++
	}
}

// entID returns the ref of entity slot e's id, setting it when not yet set.
func (bl *builder) entID(e int32) strRef {
	b := bl.b
	x := &b.ents[e]
	if x.id == (strRef{}) {
		iri := b.iri(x.iri)
		if r, ok := sub(b.terms[x.iri].a, iri, blurline.EntityID(iri)); ok {
			x.id = r
		} else {
			x.id = bl.putStr(blurline.EntityID(iri))
		}
	}
	return x.id
}

// endID returns the ref of a fact end's id as the view has it (id).
func (bl *builder) endID(e int32, id string) strRef {
	if r := bl.entID(e); bl.b.str(r) == id {
		return r
	}
	return bl.putStr(id)
}

// buildBase builds a base from every quad each calls fn with.
func buildBase(each func(add addFunc) error) (*base, map[quad.Quad]struct{}, int, error) {
	bl := newBuilder()
	if err := each(bl.add); err != nil {
		return nil, nil, 0, err
	}
	b, other, n := bl.finish()
	return b, other, n, nil
}
