package graph

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// maxReportedErrors bounds how many problems one rejected input reports.
const maxReportedErrors = 20

// A batch is a set of quads on their way into the store: parsed, checked
// quad by quad as they arrive, then checked as a whole against the store
// before one atomic write. Every problem names its file and line.
type batch struct {
	adds []quad.Quad
	dels []quad.Quad
	seen map[[16]byte]struct{}
	// renames (entity id to entity id) are applied, against the store as
	// it is when the batch commits, before the batch is checked.
	renames map[string]string
	// describes are the entities the batch gives a description.
	describes map[string]bool

	file  string
	items map[string]item // the "files" that are items of a Write, by name
	errs  []*LineError
	more  int // problems beyond maxReportedErrors

	entities map[string]*entityDecl
	facts    map[string]*factDecl
	refs     []entityRef

	// curated turns on the rules the seed meets (see finishCurated).
	curated bool
	// op is the kind of write, for its audit record; restore lets the
	// batch hold audit records of its own (a load of an export).
	op      writeOp
	restore bool
}

type entityDecl struct {
	classes  []blurline.Class
	names    []string
	line     int // first line that mentions it
	propLine int // first line with an entity property (0 if none)
	file     string
	// record holds the distinct values of each source-record property
	// (publisher, sourceKind, primary, reliability, publishedOn, copyOf):
	// an import restates the record it cites in its own graph, which is
	// the same value again, not a second one.
	record map[string][]quad.Value
	// sources are the entity's own sources, for the curated rules.
	sources []entityRef
}

type factDecl struct {
	rel      *quad.Quad
	relLine  int
	relFile  string
	line     int // first line of the fact
	file     string
	props    propList
	graphUse int // line of an entity description put in this graph (error)
}

// propList is a fact's provenance values in the order read: a short slice
// of pairs, where a map per fact held several times the memory over the
// many facts of a large load.
type propList []propVal

type propVal struct {
	prop string
	val  quad.Value
}

// count returns how many values of prop the list holds.
func (l propList) count(prop string) int {
	n := 0
	for _, p := range l {
		if p.prop == prop {
			n++
		}
	}
	return n
}

// asMap returns the values by property, each in the order read.
func (l propList) asMap() map[string][]quad.Value {
	m := make(map[string][]quad.Value, 4)
	for _, p := range l {
		m[p.prop] = append(m[p.prop], p.val)
	}
	return m
}

type entityRef struct {
	iri  string
	line int
	file string
	what string             // what names the entity: "source", "subject of"...
	pred blurline.Predicate // of the relationship that names it, if any
}

// describe says what names the entity, for an error.
func (r entityRef) describe() string {
	if r.pred != "" {
		return r.what + " " + string(r.pred)
	}
	return r.what
}

func newBatch() *batch {
	return &batch{
		seen:     make(map[[16]byte]struct{}),
		entities: make(map[string]*entityDecl),
		facts:    make(map[string]*factDecl),
	}
}

// item is one element of a Write's nodes or facts.
type item struct {
	field string
	index int
}

// setItem names what follows as item index of field ("nodes[3]"): its
// problems are reported as that item's (see InputError.Unwrap).
func (b *batch) setItem(field string, index int) {
	b.file = fmt.Sprintf("%s[%d]", field, index)
	if b.items == nil {
		b.items = make(map[string]item)
	}
	b.items[b.file] = item{field, index}
}

// Err returns the batch's problems as one error, or nil.
func (b *batch) Err() error {
	if len(b.errs) == 0 {
		return nil
	}
	// In reading order: by file, then line (the whole-file checks run last).
	files := map[string]int{}
	for _, e := range b.errs {
		if _, ok := files[e.File]; !ok {
			files[e.File] = len(files)
		}
	}
	slices.SortStableFunc(b.errs, func(x, y *LineError) int {
		return cmp.Or(cmp.Compare(files[x.File], files[y.File]), cmp.Compare(x.Line, y.Line))
	})
	e := &InputError{Problems: b.errs, More: b.more}
	if b.items == nil {
		return e // not a Write
	}
	for _, p := range b.errs {
		if it, ok := b.items[p.File]; ok {
			e.items = append(e.items, blurline.ItemErrorf(blurline.ErrInvalid, it.field, it.index, "%s", p.Msg))
		} else {
			e.items = append(e.items, blurline.ItemErrorf(blurline.ErrInvalid, "", -1, "%s", p.Error()))
		}
	}
	if b.more > 0 {
		e.items = append(e.items, blurline.ItemErrorf(blurline.ErrInvalid, "", -1, "... and %d more problems", b.more))
	}
	return e
}

// InputError lists what is wrong with an input; it is an invalid-input error.
type InputError struct {
	Problems []*LineError
	More     int
	items    []*blurline.Error // the problems of a Write's items, by field and index
}

func (e *InputError) Error() string {
	var sb strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(p.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&sb, "\n... and %d more problems", e.More)
	}
	return sb.String()
}

// Unwrap marks an InputError as blurline.ErrInvalid.
func (e *InputError) Unwrap() error { return blurline.ErrInvalid }

// Items returns, for a Write, each problem as a [blurline.Error]: with
// its field ("nodes" or "facts") and index when it is about one item
// (see blurline.Items).
func (e *InputError) Items() []*blurline.Error { return e.items }

func (b *batch) errorf(file string, line int, format string, args ...any) {
	if len(b.errs) >= maxReportedErrors {
		b.more++
		return
	}
	b.errs = append(b.errs, &LineError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// readNQuads parses r into the batch, checking each quad as it comes.
// Reading and parsing run in a goroutine of their own (readAhead), a
// chunk of lines ahead of the checks, so that a large file keeps two cores
// busy; the goroutine has ended, and no longer reads r, when readNQuads
// returns.
func (b *batch) readNQuads(name string, r io.Reader) error {
	b.file = name
	ra := readAhead(newNQuadsReader(r))
	defer ra.stop()
	for chunk := range ra.chunks {
		for _, p := range chunk {
			err := p.err
			if err == nil {
				b.add(p.Quad, p.Line)
				continue
			}
			if le, ok := err.(*LineError); ok {
				le.File = name
				b.errs = append(b.errs, le)
				if len(b.errs) >= maxReportedErrors {
					return nil
				}
				continue
			}
			if err == io.EOF {
				return nil
			}
			// Reading failed (or was cancelled): not a problem of the
			// input, and the error keeps its kind.
			return fmt.Errorf("%s: %w", name, err)
		}
		ra.recycle(chunk)
	}
	return nil
}

// parsedLine is what nquadsReader.Next returned for one statement.
type parsedLine struct {
	lineQuad
	err error
}

// readAheadChunk is how many statements readAhead passes on at a time.
const readAheadChunk = 1024

// lineReader runs an nquadsReader in a goroutine of its own (readAhead).
type lineReader struct {
	chunks     <-chan []parsedLine
	free       chan []parsedLine // chunks read, for the goroutine to fill again
	quit, done chan struct{}
}

// readAhead calls nr.Next in a goroutine and passes its results on in
// order on chunks, up to the first error that is not a *LineError (io.EOF
// at the end). stop ends the goroutine and waits for it: the caller may
// stop reading at any point.
func readAhead(nr *nquadsReader) *lineReader {
	out := make(chan []parsedLine, 4)
	lr := &lineReader{chunks: out, free: make(chan []parsedLine, 6), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lr.done)
		defer close(out)
		for {
			var chunk []parsedLine
			select {
			case chunk = <-lr.free:
			default:
				chunk = make([]parsedLine, 0, readAheadChunk)
			}
			last := false
			for len(chunk) < readAheadChunk && !last {
				lq, err := nr.Next()
				chunk = append(chunk, parsedLine{lq, err})
				_, isLine := err.(*LineError)
				last = err != nil && !isLine
			}
			select {
			case out <- chunk:
			case <-lr.quit:
				return
			}
			if last {
				return
			}
		}
	}()
	return lr
}

// recycle hands a chunk that has been read back to the goroutine.
func (lr *lineReader) recycle(chunk []parsedLine) {
	clear(chunk)
	select {
	case lr.free <- chunk[:0]:
	default:
	}
}

// stop ends the goroutine and waits for it.
func (lr *lineReader) stop() {
	close(lr.quit)
	<-lr.done
}

// quadKeySeeds key the two halves of a quadKey.
var quadKeySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// quadKey identifies a quad within a batch: two independently seeded
// 64-bit hashes of its terms in N-Quads form, each followed by a zero byte.
// An IRI or a blank node is hashed in pieces rather than through its
// String, which allocated a copy of every term of every quad.
func quadKey(q quad.Quad) [16]byte {
	var h [2]maphash.Hash
	for i := range h {
		h[i].SetSeed(quadKeySeeds[i])
	}
	write := func(s string) {
		h[0].WriteString(s)
		h[1].WriteString(s)
	}
	for _, v := range [4]quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
		switch x := v.(type) {
		case nil:
		case quad.IRI:
			write("<")
			write(string(x))
			write(">")
		case quad.BNode:
			write("_:")
			write(string(x))
		default:
			write(v.String())
		}
		write("\x00")
	}
	var k [16]byte
	binary.LittleEndian.PutUint64(k[:8], h[0].Sum64())
	binary.LittleEndian.PutUint64(k[8:], h[1].Sum64())
	return k
}

func iriOf(v quad.Value) (string, bool) {
	i, ok := v.(quad.IRI)
	return string(i), ok
}

// add checks one quad on its own and records what the whole-batch check needs.
func (b *batch) add(q quad.Quad, line int) {
	file := b.file
	k := quadKey(q)
	if _, dup := b.seen[k]; dup {
		return
	}
	b.seen[k] = struct{}{}
	errsBefore := len(b.errs) + b.more
	defer func() {
		if len(b.errs)+b.more == errsBefore {
			b.adds = append(b.adds, q)
		}
	}()

	if q.Object == nil || q.Subject == nil || q.Predicate == nil {
		b.errorf(file, line, "incomplete quad")
		return
	}
	if _, ok := q.Subject.(quad.BNode); ok {
		b.errorf(file, line, "blank node subject %s: Blurline names every entity and fact with an IRI", q.Subject)
		return
	}
	if _, ok := q.Object.(quad.BNode); ok {
		b.errorf(file, line, "blank node object %s: Blurline names every entity and fact with an IRI", q.Object)
		return
	}
	if _, ok := q.Label.(quad.BNode); ok {
		b.errorf(file, line, "blank node graph label %s: a fact's graph must be an IRI", q.Label)
		return
	}
	subj, _ := iriOf(q.Subject)
	label, hasLabel := iriOf(q.Label)
	if subj == blurline.MetaGraph || label == blurline.MetaGraph {
		b.errorf(file, line, "<%s> is reserved for the store's own bookkeeping", blurline.MetaGraph)
		return
	}
	if label == blurline.AuditGraph || strings.HasPrefix(subj, blurline.AuditBase) || subj == blurline.AuditGraph {
		switch {
		case !b.restore:
			b.errorf(file, line, "<%s> is the audit trail, which the store writes itself (a load from the command line restores an export's)", blurline.AuditGraph)
		case label != blurline.AuditGraph:
			b.errorf(file, line, "an audit record belongs in the graph <%s>", blurline.AuditGraph)
		default:
			if msg := checkAuditQuad(q); msg != "" {
				b.errorf(file, line, "%s", msg)
			}
		}
		return
	}
	pred, _ := iriOf(q.Predicate)

	if pred == blurline.RDFType {
		obj, ok := iriOf(q.Object)
		cls, inNS := blurline.LocalName(obj)
		if !ok || !inNS {
			b.errorf(file, line, "unknown class %s: rdf:type must name a class in %s%s", q.Object, blurline.NS, suggestClass(obj))
			return
		}
		if _, known := blurline.LookupClass(blurline.Class(cls)); !known {
			b.errorf(file, line, "unknown class <%s>%s", obj, suggestClass(obj))
			return
		}
		if strings.HasPrefix(subj, blurline.FactBase) {
			b.errorf(file, line, "<%s> is a fact IRI and cannot be an entity", subj)
			return
		}
		e := b.entity(subj, file, line)
		if !slices.Contains(e.classes, blurline.Class(cls)) {
			e.classes = append(e.classes, blurline.Class(cls))
		}
		b.noteGraphUse(label, hasLabel, line)
		return
	}

	local, inNS := blurline.LocalName(pred)
	if !inNS {
		b.errorf(file, line, "unknown predicate <%s>: not in the Blurline vocabulary (%s)%s", pred, blurline.NS, suggestTerm(pred))
		return
	}
	if pi, ok := blurline.LookupPredicate(blurline.Predicate(local)); ok {
		b.addRelationship(q, pi, subj, label, hasLabel, file, line)
		return
	}
	pi, ok := blurline.LookupProperty(local)
	if !ok {
		b.errorf(file, line, "unknown predicate <%s>: not in the Blurline vocabulary%s", pred, suggestTerm(pred))
		return
	}
	if hasLabel && subj == label {
		if !pi.OfFact {
			b.errorf(file, line, "%s is an entity property, but <%s> is a fact (the subject is the graph label)", local, subj)
			return
		}
		b.addProvenance(q, local, label, file, line)
		return
	}
	if !pi.OfEntity {
		if strings.HasPrefix(subj, blurline.FactBase) || hasLabel {
			b.errorf(file, line, "provenance (%s) of <%s> must be in the fact's own graph: use <%s> as the graph label", local, subj, subj)
		} else {
			b.errorf(file, line, "%s is a fact property: the subject must be a fact and the graph label that same fact", local)
		}
		return
	}
	if strings.HasPrefix(subj, blurline.FactBase) {
		b.errorf(file, line, "provenance (%s) of <%s> must be in the fact's own graph: use <%s> as the graph label", local, subj, subj)
		return
	}
	b.addEntityProperty(q, local, subj, file, line)
	b.noteGraphUse(label, hasLabel, line)
}

// markDefault gives marking m to each fact and entity description among
// b.adds[start:] that has no marking of its own: a fact graph without a
// PropMarking gets one; an entity's description in an import's or a
// marking's graph without one gets one in that graph; and an entity's
// unmarked description in the default graph moves to MarkingGraph(m),
// marked there, so that it does not mark the default graph's CLEAR
// description of the same entity (the seed's). CLEAR changes nothing.
func (b *batch) markDefault(start int, m blurline.Marking) {
	if m == blurline.TLPClear {
		return
	}
	type desc struct {
		subj  string
		label quad.Value
	}
	facts, descs := map[string]bool{}, map[desc]bool{} // true: already marked
	list := b.adds[start:]
	for _, q := range list {
		kind, pred := classify(q)
		switch kind {
		case kindRel, kindProv:
			l, _ := iriOf(q.Label)
			facts[l] = facts[l] || pred == blurline.PropMarking
		case kindAttr:
			s, _ := iriOf(q.Subject)
			d := desc{s, q.Label}
			descs[d] = descs[d] || pred == blurline.PropMarking
		}
	}
	graph := quad.IRI(blurline.MarkingGraph(m))
	for i := range list {
		q := &list[i]
		if kind, _ := classify(*q); kind == kindAttr && q.Label == nil {
			if s, _ := iriOf(q.Subject); !descs[desc{s, nil}] {
				q.Label = graph
			}
		}
	}
	val := quad.String(m.String())
	pred := quad.IRI(blurline.PropIRI(blurline.PropMarking))
	for l, marked := range facts {
		if !marked {
			b.add(quad.Quad{Subject: quad.IRI(l), Predicate: pred, Object: val, Label: quad.IRI(l)}, 0)
		}
	}
	for d, marked := range descs {
		if !marked {
			if d.label == nil {
				d.label = graph
			}
			b.add(quad.Quad{Subject: quad.IRI(d.subj), Predicate: pred, Object: val, Label: d.label}, 0)
		}
	}
}

// suggestClass and suggestTerm name the vocabulary's nearest class or
// predicate to an unknown IRI's local name (after its last # or /), as
// "; did you mean <IRI>?", or return "".
func suggestClass(iri string) string {
	if c, ok := blurline.NearestClass(localPart(iri)); ok {
		return fmt.Sprintf("; did you mean <%s>?", c.IRI())
	}
	return ""
}

func suggestTerm(iri string) string {
	if t, ok := blurline.NearestTerm(localPart(iri)); ok {
		return fmt.Sprintf("; did you mean <%s>?", blurline.PropIRI(t))
	}
	return ""
}

func localPart(iri string) string { return iri[strings.LastIndexAny(iri, "#/")+1:] }

func (b *batch) entity(iri, file string, line int) *entityDecl {
	e := b.entities[iri]
	if e == nil {
		e = &entityDecl{line: line, file: file}
		b.entities[iri] = e
	}
	return e
}

func (b *batch) fact(label, file string, line int) *factDecl {
	f := b.facts[label]
	if f == nil {
		f = &factDecl{line: line, file: file}
		b.facts[label] = f
	}
	return f
}

// noteGraphUse records an entity description in a named graph: allowed in an
// import's graph, not in a fact's graph (checked once the whole batch is read).
func (b *batch) noteGraphUse(label string, hasLabel bool, line int) {
	if !hasLabel {
		return
	}
	if f, ok := b.facts[label]; ok && f.graphUse == 0 {
		f.graphUse = line
		return
	}
	if strings.HasPrefix(label, blurline.FactBase) {
		f := b.fact(label, b.file, line)
		if f.graphUse == 0 {
			f.graphUse = line
		}
	}
}

func (b *batch) addRelationship(q quad.Quad, pi *blurline.PredicateInfo, subj, label string, hasLabel bool, file string, line int) {
	if !hasLabel {
		b.errorf(file, line, "relationship %s has no provenance: put it in a fact's named graph (a 4th term) with source and confidence", pi.Predicate)
		return
	}
	if subj == label {
		b.errorf(file, line, "a fact cannot be the subject of its own relationship")
		return
	}
	if pi.Kind == blurline.Claim {
		ts, ok := q.Object.(quad.TypedString)
		if !ok || (string(ts.Type) != blurline.XSDInteger && string(ts.Type) != blurline.XSDDecimal) {
			b.errorf(file, line, "%s needs a number (xsd:integer) as its object, got %s", pi.Predicate, q.Object)
			return
		}
		if _, err := strconv.ParseFloat(string(ts.Value), 64); err != nil {
			b.errorf(file, line, "%s: %q is not a number", pi.Predicate, string(ts.Value))
			return
		}
	} else {
		obj, ok := iriOf(q.Object)
		if !ok {
			b.errorf(file, line, "%s needs an entity IRI as its object, got the literal %s", pi.Predicate, q.Object)
			return
		}
		b.refs = append(b.refs, entityRef{iri: obj, line: line, file: file, what: "object of", pred: pi.Predicate})
	}
	b.refs = append(b.refs, entityRef{iri: subj, line: line, file: file, what: "subject of", pred: pi.Predicate})
	f := b.fact(label, file, line)
	if f.rel != nil {
		b.errorf(file, line, "fact <%s> already has a relationship (line %d): one relationship per fact", label, f.relLine)
		return
	}
	qq := q
	f.rel, f.relLine, f.relFile = &qq, line, file
}

func (b *batch) addProvenance(q quad.Quad, prop, label, file string, line int) {
	if err := checkPropertyValue(prop, q.Object, true); err != nil {
		b.errorf(file, line, "%s: %v", prop, err)
		return
	}
	if prop == blurline.PropAssertedBy {
		iri, _ := iriOf(q.Object)
		b.refs = append(b.refs, entityRef{iri: iri, line: line, file: file, what: "assertedBy"})
	}
	f := b.fact(label, file, line)
	// New to this fact: add has dropped the quad if it came before
	// (a scan of the values here made many sources quadratic).
	f.props = append(f.props, propVal{prop, q.Object})
}

func (b *batch) addEntityProperty(q quad.Quad, prop, subj, file string, line int) {
	if err := checkPropertyValue(prop, q.Object, false); err != nil {
		b.errorf(file, line, "%s: %v", prop, err)
		return
	}
	e := b.entity(subj, file, line)
	if e.propLine == 0 {
		e.propLine = line
	}
	if sourceRecordProps[prop] {
		if e.record == nil {
			e.record = map[string][]quad.Value{}
		}
		if !slices.Contains(e.record[prop], q.Object) {
			e.record[prop] = append(e.record[prop], q.Object)
		}
	}
	if prop == blurline.PropSource {
		iri, _ := iriOf(q.Object)
		e.sources = append(e.sources, entityRef{iri: iri, line: line, file: file, what: "source"})
	}
	if prop == blurline.PropDescription {
		if b.describes == nil {
			b.describes = map[string]bool{}
		}
		b.describes[subj] = true
	}
	if prop == blurline.PropName {
		name := literalText(q.Object)
		// Two names are enough to refuse the entity (finish).
		if len(e.names) < 2 && !slices.Contains(e.names, name) {
			e.names = append(e.names, name)
		}
	}
}

// singleValued lists the properties that take at most one value.
var singleValued = map[string]bool{
	blurline.PropConfidence: true, blurline.PropValidFrom: true, blurline.PropValidUntil: true,
	blurline.PropPublishedOn: true, blurline.PropAssertedBy: true, blurline.PropHealeyLevel: true,
	blurline.PropAttributionKind: true, blurline.PropQuote: true, blurline.PropNote: true, blurline.PropAlleged: true,
}

// sourceRecordProps are the properties only a source record may have.
var sourceRecordProps = map[string]bool{
	blurline.PropPublisher: true, blurline.PropSourceKind: true, blurline.PropPrimary: true,
	blurline.PropReliability: true, blurline.PropPublishedOn: true, blurline.PropCopyOf: true,
}

// requiredRecordProps are the properties every source record needs, in the order problems name them.
var requiredRecordProps = []string{blurline.PropPublisher, blurline.PropSourceKind, blurline.PropReliability, blurline.PropPrimary}

// sourceProp sets one property of a source record from a checked value.
func sourceProp(r *blurline.SourceRecord, prop string, v quad.Value) {
	switch prop {
	case blurline.PropPublisher:
		r.Publisher = literalText(v)
	case blurline.PropSourceKind:
		r.Kind = blurline.SourceKind(literalText(v))
	case blurline.PropPrimary:
		r.Primary = literalText(v) == "true"
	case blurline.PropReliability:
		r.Reliability = blurline.Reliability(literalText(v))
	case blurline.PropPublishedOn:
		r.PublishedOn, _ = timeValue(v)
	case blurline.PropCopyOf:
		r.CopyOf, _ = iriOf(v)
	}
}

// checkPropertyValue checks a property's value on its own.
func checkPropertyValue(prop string, v quad.Value, ofFact bool) error {
	switch prop {
	case blurline.PropSource:
		iri, ok := v.(quad.IRI)
		if !ok {
			return fmt.Errorf("a source must be an IRI (<https://...>), got %s", v)
		}
		// The N-Quads reader checks this for a file; Write builds IRIs from strings.
		if err := blurline.CheckIRI(string(iri)); err != nil {
			return fmt.Errorf("a source must be an absolute IRI (<https://...>): %v", err)
		}
	case blurline.PropAssertedBy:
		if _, ok := v.(quad.IRI); !ok {
			return fmt.Errorf("must be an entity IRI, got %s", v)
		}
	case blurline.PropCopyOf:
		iri, ok := v.(quad.IRI)
		if !ok {
			return fmt.Errorf("must be the IRI of a source, got %s", v)
		}
		if err := blurline.CheckIRI(string(iri)); err != nil {
			return err
		}
	case blurline.PropMarking:
		s, ok := stringValue(v)
		if _, err := blurline.ParseMarking(s); !ok || err != nil {
			return fmt.Errorf("a marking must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED, got %s", v)
		}
	case blurline.PropSourceKind:
		s, ok := stringValue(v)
		if _, known := blurline.ParseSourceKind(s); !ok || !known {
			kinds := make([]string, len(blurline.SourceKinds))
			for i, k := range blurline.SourceKinds {
				kinds[i] = string(k.Kind)
			}
			return fmt.Errorf("must be one of %s, got %s", strings.Join(kinds, ", "), v)
		}
	case blurline.PropReliability:
		s, ok := stringValue(v)
		if _, known := blurline.ParseReliability(s); !ok || !known {
			return fmt.Errorf(`must be an Admiralty grade "A" to "F", got %s`, v)
		}
	case blurline.PropPrimary:
		ts, ok := v.(quad.TypedString)
		if !ok || string(ts.Type) != blurline.XSDBoolean || (ts.Value != "true" && ts.Value != "false") {
			return fmt.Errorf(`must be "true" or "false" typed xsd:boolean, got %s`, v)
		}
	case blurline.PropConfidence, blurline.PropNonStateCharacter, blurline.PropMotiveWeight:
		f, err := numberValue(v)
		if err != nil {
			return err
		}
		if f < 0 || f > 1 || math.IsNaN(f) {
			return fmt.Errorf("%v is outside 0..1", f)
		}
	case blurline.PropValidFrom, blurline.PropValidUntil, blurline.PropPublishedOn:
		if _, err := timeValue(v); err != nil {
			return err
		}
	case blurline.PropHealeyLevel:
		iri, ok := v.(quad.IRI)
		if !ok {
			return fmt.Errorf("must be a Healey level IRI such as <%s>, got %s", blurline.StateOrdered.IRI(), v)
		}
		if !strings.HasPrefix(string(iri), blurline.HealeyBase) {
			return fmt.Errorf("unknown Healey level %s", v)
		}
		if _, ok := blurline.ParseHealey(string(iri)); !ok {
			return fmt.Errorf("unknown Healey level %s", v)
		}
	case blurline.PropAttributionKind:
		s, ok := stringValue(v)
		if !ok || !slices.Contains(blurline.AttributionKinds, s) {
			return fmt.Errorf("must be one of %s, got %s", strings.Join(blurline.AttributionKinds, ", "), v)
		}
	case blurline.PropAlleged:
		ts, ok := v.(quad.TypedString)
		if !ok || string(ts.Type) != blurline.XSDBoolean || (ts.Value != "true" && ts.Value != "false") {
			return fmt.Errorf(`must be "true" or "false" typed xsd:boolean, got %s`, v)
		}
	case blurline.PropExternalID:
		s, ok := stringValue(v)
		if !ok || !strings.Contains(s, ":") {
			return fmt.Errorf(`must be a string "scheme:value" such as "mitre-attack:G0125", got %s`, v)
		}
	default: // name, alias, description, quote, note
		s, ok := stringValue(v)
		if !ok {
			return fmt.Errorf("must be a string literal, got %s", v)
		}
		if prop == blurline.PropName && strings.TrimSpace(s) == "" {
			return fmt.Errorf("must not be empty")
		}
	}
	return nil
}

// stringValue returns the text of a string literal (plain, xsd:string or language-tagged).
func stringValue(v quad.Value) (string, bool) {
	switch v := v.(type) {
	case quad.String:
		return string(v), true
	case quad.LangString:
		return string(v.Value), true
	case quad.TypedString:
		if string(v.Type) == blurline.XSDString {
			return string(v.Value), true
		}
	}
	return "", false
}

func literalText(v quad.Value) string {
	if s, ok := stringValue(v); ok {
		return s
	}
	if ts, ok := v.(quad.TypedString); ok {
		return string(ts.Value)
	}
	return fmt.Sprint(v)
}

func numberValue(v quad.Value) (float64, error) {
	ts, ok := v.(quad.TypedString)
	if !ok {
		return 0, fmt.Errorf("must be a number typed xsd:decimal, got %s", v)
	}
	switch string(ts.Type) {
	case blurline.XSDDecimal, blurline.XSDDouble, XSDFloat, blurline.XSDInteger:
	default:
		return 0, fmt.Errorf("must be a number typed xsd:decimal, got %s", v)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(ts.Value)), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", ts.Value)
	}
	return f, nil
}

// XSDFloat is accepted for numbers on input.
const XSDFloat = blurline.XSD + "float"

// timeValue reads xsd:date, xsd:dateTime, xsd:gYearMonth and xsd:gYear
// (the start of the period) as a UTC instant.
func timeValue(v quad.Value) (time.Time, error) {
	ts, ok := v.(quad.TypedString)
	if !ok {
		return time.Time{}, fmt.Errorf("must be typed xsd:date or xsd:dateTime, got %s", v)
	}
	s := string(ts.Value)
	var layouts []string
	switch string(ts.Type) {
	case blurline.XSDDate:
		layouts = []string{"2006-01-02", "2006-01-02Z07:00"}
	case blurline.XSDDateTime:
		layouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}
	case blurline.XSD + "gYearMonth":
		layouts = []string{"2006-01"}
	case blurline.XSD + "gYear":
		layouts = []string{"2006"}
	default:
		return time.Time{}, fmt.Errorf("must be typed xsd:date or xsd:dateTime, got %s", v)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a valid %s", s, strings.TrimPrefix(string(ts.Type), blurline.XSD))
}

// lookup is what the whole-batch check needs to know of the store.
type lookup interface {
	classOf(iri string) (blurline.Class, bool)
	namesOf(iri string) []string
	// recordOf returns the distinct values of each source-record property
	// of the entity iri (sourceRecordProps).
	recordOf(iri string) map[string][]quad.Value
	factProps(label string) (rel *quad.Quad, props map[string][]quad.Value, ok bool)
}

// minusDels is a lookup of the store as it will be once dels are deleted:
// the facts they change (a renamed entity's) show neither the deleted
// relationship nor the deleted provenance.
type minusDels struct {
	lookup
	dels map[quad.Quad]bool
}

func (w minusDels) factProps(label string) (*quad.Quad, map[string][]quad.Value, bool) {
	rel, props, ok := w.lookup.factProps(label)
	if !ok {
		return rel, props, ok
	}
	l := quad.IRI(label)
	if rel != nil && w.dels[*rel] {
		rel = nil
	}
	var kept map[string][]quad.Value
	for p, vs := range props {
		for _, v := range vs {
			if !w.dels[quad.Quad{Subject: l, Predicate: quad.IRI(blurline.PropIRI(p)), Object: v, Label: l}] {
				if kept == nil {
					kept = map[string][]quad.Value{}
				}
				kept[p] = append(kept[p], v)
			}
		}
	}
	return rel, kept, rel != nil || len(kept) > 0
}

// finish checks the batch as a whole against the store (st may be empty).
func (b *batch) finish(st lookup) {
	if len(b.dels) > 0 {
		dels := make(map[quad.Quad]bool, len(b.dels))
		for _, q := range b.dels {
			dels[q] = true
		}
		st = minusDels{st, dels}
	}
	classOf := func(iri string) (blurline.Class, bool) {
		if e, ok := b.entities[iri]; ok && len(e.classes) > 0 {
			return e.classes[0], true
		}
		return st.classOf(iri)
	}
	// Entities: one class, one name.
	for _, iri := range slices.Sorted(maps.Keys(b.entities)) {
		e := b.entities[iri]
		if len(e.classes) > 1 {
			b.errorf(e.file, e.line, "entity <%s> has more than one class (%s, %s)", iri, e.classes[0], e.classes[1])
			continue
		}
		old, had := st.classOf(iri)
		if len(e.classes) == 1 && had && old != e.classes[0] {
			b.errorf(e.file, e.line, "entity <%s> is already a %s, not a %s", iri, old, e.classes[0])
			continue
		}
		if len(e.classes) == 0 && !had {
			b.errorf(e.file, e.propLine, "entity <%s> has no rdf:type: give it a class", iri)
			continue
		}
		names := e.names
		for _, n := range st.namesOf(iri) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		if len(names) > 1 {
			b.errorf(e.file, e.line, "entity <%s> has more than one name (%q, %q): use alias for the others", iri, names[0], names[1])
		}
		if len(names) == 0 {
			b.errorf(e.file, e.line, "entity <%s> has no name", iri)
		}
		b.checkRecord(iri, e, st)
	}
	for _, r := range b.refs {
		if _, ok := classOf(r.iri); !ok {
			b.errorf(r.file, r.line, "unknown entity <%s> (%s): it has no rdf:type here or in the store", r.iri, r.describe())
		}
	}
	// Facts: a relationship, sources, one confidence, single values.
	for _, label := range slices.Sorted(maps.Keys(b.facts)) {
		f := b.facts[label]
		oldRel, oldProps, had := st.factProps(label)
		if f.graphUse > 0 && (f.rel != nil || had) {
			b.errorf(f.file, f.graphUse, "entity descriptions cannot go in fact <%s>'s graph", label)
			continue
		}
		if f.rel == nil && !had {
			if len(f.props) > 0 {
				b.errorf(f.file, f.line, "provenance for <%s>, but no relationship in that graph: a fact needs one relationship quad", label)
			}
			continue
		}
		rel := f.rel
		line, file := f.relLine, f.relFile
		if rel == nil {
			rel, line, file = oldRel, f.line, f.file
		} else if had && oldRel != nil && !sameQuad(*oldRel, *rel) {
			b.errorf(file, line, "fact <%s> already exists with another relationship (%s %s %s)", label, oldRel.Subject, oldRel.Predicate, oldRel.Object)
			continue
		}
		props := mergeProps(f.props, oldProps)
		if len(props[blurline.PropSource]) == 0 {
			b.errorf(file, line, "fact <%s> has no source: add <%s> <%s> <https://...> <%s> .", label, label, blurline.PropIRI(blurline.PropSource), label)
		}
		if len(props[blurline.PropConfidence]) == 0 {
			b.errorf(file, line, "fact <%s> has no confidence: add a %s between 0 and 1", label, blurline.PropConfidence)
		}
		for _, p := range slices.Sorted(maps.Keys(props)) {
			if singleValued[p] && len(props[p]) > 1 {
				b.errorf(file, line, "fact <%s> has %d values of %s (%s, %s): it takes one", label, len(props[p]), p, props[p][0], props[p][1])
			}
		}
		pred, _ := iriOf(rel.Predicate)
		local, _ := blurline.LocalName(pred)
		kind := blurline.Predicate(local).Kind()
		if len(props[blurline.PropHealeyLevel]) > 0 && kind != blurline.Control {
			b.errorf(file, line, "fact <%s>: a Healey level belongs on a control relationship (taskedBy, sponsoredBy), not on %s", label, local)
		}
		if len(props[blurline.PropAttributionKind]) > 0 && kind != blurline.Attribution {
			b.errorf(file, line, "fact <%s>: attributionKind belongs on attributedTo, not on %s", label, local)
		}
		if from, until := props[blurline.PropValidFrom], props[blurline.PropValidUntil]; len(from) == 1 && len(until) == 1 {
			tf, _ := timeValue(from[0])
			tu, _ := timeValue(until[0])
			if !tu.After(tf) {
				b.errorf(file, line, "fact <%s>: validUntil %s is not after validFrom %s", label, literalText(until[0]), literalText(from[0]))
			}
		}
	}
	if b.curated {
		b.finishCurated(st)
	}
}

// checkRecord checks the source-record properties of one entity: only a
// Source has them, and a new Source has each required one exactly once.
func (b *batch) checkRecord(iri string, e *entityDecl, st lookup) {
	cls, _ := st.classOf(iri)
	if len(e.classes) == 1 {
		cls = e.classes[0]
	}
	if cls != blurline.Source {
		if len(e.record) > 0 {
			b.errorf(e.file, e.propLine, "entity <%s> is a %s: %s belongs on a source record (rdf:type %s)", iri, cls, strings.Join(slices.Sorted(maps.Keys(e.record)), ", "), blurline.Source)
		}
		return
	}
	old := st.recordOf(iri)
	for _, p := range slices.Sorted(maps.Keys(e.record)) {
		if n := len(e.record[p]); n > 1 && p != blurline.PropCopyOf {
			b.errorf(e.file, e.propLine, "source <%s> has %d values of %s: it takes one", iri, n, p)
			continue
		}
		// A record the store holds is restated with the same values (an
		// import cites it in its own graph); another value would be a
		// second grade, kind or publisher for one source.
		if v := e.record[p][0]; p != blurline.PropCopyOf && len(old[p]) > 0 && !slices.ContainsFunc(old[p], func(o quad.Value) bool { return literalText(o) == literalText(v) }) {
			b.errorf(e.file, e.propLine, "source <%s> is recorded with %s %s, not %s: a source record takes one (retract the old record's quads to change it)", iri, p, literalText(old[p][0]), literalText(v))
		}
	}
	if len(e.classes) == 0 {
		return // more about a record the store holds: it was complete
	}
	var missing []string
	for _, p := range requiredRecordProps {
		if len(e.record[p]) == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		b.errorf(e.file, e.line, "source <%s> has no %s: a source record needs its publisher, sourceKind (%s), reliability (Admiralty A-F) and primary (true or false)",
			iri, strings.Join(missing, ", "), blurline.OfficialStatement+", "+blurline.News+", ...")
	}
}

// finishCurated applies the rules the seed meets, beyond what any load
// needs: every source a fact or entity cites has a source record (here or
// in the store), and every attributedTo fact names who asserts it.
func (b *batch) finishCurated(st lookup) {
	isSource := func(iri string) bool {
		if e, ok := b.entities[iri]; ok && len(e.classes) > 0 {
			return e.classes[0] == blurline.Source
		}
		c, ok := st.classOf(iri)
		return ok && c == blurline.Source
	}
	for _, iri := range slices.Sorted(maps.Keys(b.entities)) {
		for _, r := range b.entities[iri].sources {
			if !isSource(r.iri) {
				b.errorf(r.file, r.line, "entity <%s> cites <%s>, which has no source record: describe it with rdf:type %s, name, publisher, sourceKind, primary and reliability", iri, r.iri, blurline.Source)
			}
		}
	}
	for _, label := range slices.Sorted(maps.Keys(b.facts)) {
		f := b.facts[label]
		if f.rel == nil {
			continue
		}
		for _, p := range f.props {
			if p.prop != blurline.PropSource {
				continue
			}
			if iri, _ := iriOf(p.val); !isSource(iri) {
				b.errorf(f.relFile, f.relLine, "fact <%s> cites <%s>, which has no source record: describe it with rdf:type %s, name, publisher, sourceKind, primary and reliability", label, iri, blurline.Source)
			}
		}
		pred, _ := iriOf(f.rel.Predicate)
		if local, _ := blurline.LocalName(pred); blurline.Predicate(local) == blurline.AttributedTo && f.props.count(blurline.PropAssertedBy) == 0 {
			b.errorf(f.relFile, f.relLine, "fact <%s> is an attribution with no assertedBy: say which party attributes it", label)
		}
	}
}

func sameQuad(a, b quad.Quad) bool {
	return a.Subject == b.Subject && a.Predicate == b.Predicate && a.Object == b.Object
}

func mergeProps(l propList, b map[string][]quad.Value) map[string][]quad.Value {
	a := l.asMap()
	if len(b) == 0 {
		return a // a new fact: its values are distinct (add drops repeated quads)
	}
	out := make(map[string][]quad.Value, len(a)+len(b))
	seen := map[string]map[quad.Value]bool{}
	for _, m := range []map[string][]quad.Value{a, b} {
		for k, vs := range m {
			if seen[k] == nil {
				seen[k] = map[quad.Value]bool{}
			}
			for _, v := range vs {
				if !seen[k][v] {
					seen[k][v] = true
					out[k] = append(out[k], v)
				}
			}
		}
	}
	return out
}
