package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// Write adds entities and facts in one transaction, validated exactly as
// a loaded file is (each item is reported as "nodes[i]" or "facts[i]").
// A fact without an id gets one derived from its content, so writing the
// same fact twice changes nothing. It returns the facts as stored.
func (s *Store) Write(ctx context.Context, nodes []blurline.Node, facts []blurline.Fact) (_ []*blurline.Fact, err error) {
	defer wrap(&err, "graph.Write")
	return s.writeRenaming(ctx, writeOp{action: "write"}, "", nil, nodes, facts)
}

// WriteImport is Write for an import that RetractImport can take back: the
// entity descriptions go in the import's graph (ImportBase+id) and every
// fact id is prefixed with id+"/". A node with an empty Class or Name adds
// its aliases, sources and external ids to an entity that already exists
// (a merge) without restating its class or name.
func (s *Store) WriteImport(ctx context.Context, id string, nodes []blurline.Node, facts []blurline.Fact) (_ []*blurline.Fact, err error) {
	return s.WriteImportRenaming(ctx, id, nil, nodes, facts)
}

// WriteImportRenaming is WriteImport that first renames entities (old id
// to new id) in the same write: every quad naming an old entity, in any
// graph, is written again naming the new one. An import uses it when what
// it learns gives a merged entity another id (interop: ids are a function
// of what an entity is, not of the order files arrived in).
func (s *Store) WriteImportRenaming(ctx context.Context, id string, renames map[string]string, nodes []blurline.Node, facts []blurline.Fact) (_ []*blurline.Fact, err error) {
	defer wrap(&err, "graph.WriteImport(%q)", id)
	if err := checkImportID(id); err != nil {
		return nil, err
	}
	facts = slices.Clone(facts)
	for i := range facts {
		if facts[i].ID == "" {
			facts[i].ID = contentID(facts[i])
		}
		facts[i].ID = id + "/" + facts[i].ID
	}
	op := writeOp{action: "import", importID: id}
	if src, ok := blurline.ImportSourceFromContext(ctx); ok && src.ID == id {
		op.record = &src
	}
	return s.writeRenaming(ctx, op, blurline.ImportBase+id, renames, nodes, facts)
}

func (s *Store) writeRenaming(ctx context.Context, op writeOp, graphIRI string, renames map[string]string, nodes []blurline.Node, facts []blurline.Fact) ([]*blurline.Fact, error) {
	b := newBatch()
	b.op = op
	for old, nu := range renames {
		if err := checkID(old); err != nil {
			return nil, err
		}
		if err := checkID(nu); err != nil {
			return nil, err
		}
	}
	b.renames = renames
	var label quad.Value
	if graphIRI != "" {
		label = quad.IRI(graphIRI)
	}
	for i, n := range nodes {
		b.setItem("nodes", i)
		qs, err := nodeQuads(n, label)
		if err != nil {
			b.errorf(b.file, 0, "%v", err)
			continue
		}
		for _, q := range qs {
			b.add(q, 0)
		}
	}
	labels := make([]string, len(facts))
	for i, f := range facts {
		b.setItem("facts", i)
		qs, label, err := FactQuads(f)
		if err != nil {
			b.errorf(b.file, 0, "%v", err)
			continue
		}
		labels[i] = label
		for _, q := range qs {
			b.add(q, 0)
		}
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	if _, err := s.commitBatch(ctx, b); err != nil {
		return nil, err
	}
	sn := s.read(ctx)
	out := make([]*blurline.Fact, len(labels))
	for i, l := range labels {
		out[i] = sn.fact(l)
	}
	return out, nil
}

// Retract removes a fact (its relationship and provenance) and returns it.
func (s *Store) Retract(ctx context.Context, id string) (_ *blurline.Fact, err error) {
	defer wrap(&err, "graph.Retract(%q)", id)
	label := blurline.FactIRI(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, blurline.Errorf(blurline.ErrUnavailable, "store is closed")
	}
	done, err := s.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	// A fact the caller may not see is not found, as a missing one.
	r := s.cur.Load().viewFor(blurline.ClearanceFromContext(ctx)).factRecord(label)
	if r == nil || r.fact == nil {
		return nil, blurline.Errorf(blurline.ErrNotFound, "no fact %q", id)
	}
	f := r.fact
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := s.apply(ctx, writeOp{action: "retract"}, nil, r.quads()); err != nil {
		return nil, err
	}
	return f, nil
}

// NodeQuads turns an entity into its quads (default graph).
func NodeQuads(n blurline.Node) ([]quad.Quad, error) {
	if n.Class == "" {
		return nil, blurline.Errorf(blurline.ErrInvalid, "entity %q has no class", n.ID)
	}
	return nodeQuads(n, nil)
}

// nodeQuads turns an entity into its quads in graph label; an empty Class
// or Name is left out (the entity must have them already).
func nodeQuads(n blurline.Node, label quad.Value) ([]quad.Quad, error) {
	if err := checkID(n.ID); err != nil {
		return nil, err
	}
	s := quad.IRI(blurline.EntityIRI(n.ID))
	var out []quad.Quad
	if n.Marking != blurline.TLPClear && label == nil {
		label = quad.IRI(blurline.MarkingGraph(n.Marking)) // see batch.markDefault
	}
	add := func(p string, o quad.Value) {
		out = append(out, quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o, Label: label})
	}
	if n.Marking != blurline.TLPClear {
		add(blurline.PropIRI(blurline.PropMarking), quad.String(n.Marking.String()))
	}
	if n.Class != "" {
		add(blurline.RDFType, quad.IRI(n.Class.IRI()))
	}
	if n.Name != "" {
		add(blurline.PropIRI(blurline.PropName), quad.String(n.Name))
	}
	for _, a := range n.Aliases {
		add(blurline.PropIRI(blurline.PropAlias), quad.String(a))
	}
	if n.Description != "" {
		add(blurline.PropIRI(blurline.PropDescription), quad.String(n.Description))
	}
	for _, src := range n.Sources {
		add(blurline.PropIRI(blurline.PropSource), quad.IRI(src))
	}
	for _, x := range n.ExternalIDs {
		add(blurline.PropIRI(blurline.PropExternalID), quad.String(x))
	}
	if n.NonState != nil {
		add(blurline.PropIRI(blurline.PropNonStateCharacter), decimal(*n.NonState))
	}
	if n.MotiveWeight != nil {
		add(blurline.PropIRI(blurline.PropMotiveWeight), decimal(*n.MotiveWeight))
	}
	if r := n.Record; r != nil {
		if r.Publisher != "" {
			add(blurline.PropIRI(blurline.PropPublisher), quad.String(r.Publisher))
		}
		if r.Kind != "" {
			add(blurline.PropIRI(blurline.PropSourceKind), quad.String(string(r.Kind)))
		}
		add(blurline.PropIRI(blurline.PropPrimary), quad.TypedString{Value: quad.String(strconv.FormatBool(r.Primary)), Type: quad.IRI(blurline.XSDBoolean)})
		if r.Reliability != "" {
			add(blurline.PropIRI(blurline.PropReliability), quad.String(string(r.Reliability)))
		}
		if !r.PublishedOn.IsZero() {
			add(blurline.PropIRI(blurline.PropPublishedOn), timeLiteral(r.PublishedOn))
		}
		if r.CopyOf != "" {
			add(blurline.PropIRI(blurline.PropCopyOf), quad.IRI(r.CopyOf))
		}
	}
	return out, nil
}

// FactQuads turns a fact into its quads: the relationship in the fact's
// graph and the provenance about it. A fact without an id gets one derived
// from its content. It returns the fact's IRI.
func FactQuads(f blurline.Fact) ([]quad.Quad, string, error) {
	if f.Subject == "" || (f.Object == "" && f.Value == nil) {
		return nil, "", blurline.Errorf(blurline.ErrInvalid, "a fact needs a subject and an object")
	}
	if f.ID == "" {
		f.ID = contentID(f)
	} else if err := checkID(f.ID); err != nil {
		return nil, "", err
	}
	label := quad.IRI(blurline.FactIRI(f.ID))
	var obj quad.Value
	if f.Value != nil {
		obj = quadLiteral(f.Value)
	} else {
		obj = quad.IRI(blurline.EntityIRI(f.Object))
	}
	out := []quad.Quad{{Subject: quad.IRI(blurline.EntityIRI(f.Subject)), Predicate: quad.IRI(f.Predicate.IRI()), Object: obj, Label: label}}
	add := func(p string, o quad.Value) {
		out = append(out, quad.Quad{Subject: label, Predicate: quad.IRI(blurline.PropIRI(p)), Object: o, Label: label})
	}
	for _, src := range f.Sources {
		add(blurline.PropSource, quad.IRI(src))
	}
	add(blurline.PropConfidence, decimal(f.Confidence))
	for p, t := range map[string]time.Time{blurline.PropValidFrom: f.ValidFrom, blurline.PropValidUntil: f.ValidUntil, blurline.PropPublishedOn: f.PublishedOn} {
		if !t.IsZero() {
			add(p, timeLiteral(t))
		}
	}
	if f.AssertedBy != "" {
		add(blurline.PropAssertedBy, quad.IRI(blurline.EntityIRI(f.AssertedBy)))
	}
	if f.HasHealey {
		add(blurline.PropHealeyLevel, quad.IRI(f.Healey.IRI()))
	}
	if f.AttributionKind != "" {
		add(blurline.PropAttributionKind, quad.String(f.AttributionKind))
	}
	if f.Quote != "" {
		add(blurline.PropQuote, quad.String(f.Quote))
	}
	if f.Note != "" {
		add(blurline.PropNote, quad.String(f.Note))
	}
	if f.Alleged {
		add(blurline.PropAlleged, quad.TypedString{Value: "true", Type: blurline.XSDBoolean})
	}
	if f.Marking != blurline.TLPClear {
		add(blurline.PropMarking, quad.String(f.Marking.String()))
	}
	return out, string(label), nil
}

// contentID derives a fact id from what the fact says and who says it.
func contentID(f blurline.Fact) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%s\x00%s", f.Subject, f.Predicate, f.Object, f.Value,
		strings.Join(f.Sources, " "), f.AssertedBy, f.ValidFrom.Format(time.RFC3339), f.ValidUntil.Format(time.RFC3339))
	return "f-" + hex.EncodeToString(h.Sum(nil))[:20]
}

func checkID(id string) error {
	if id == "" {
		return blurline.Errorf(blurline.ErrInvalid, "empty id")
	}
	for _, r := range id {
		if blurline.IRIForbidden(r) {
			return blurline.Errorf(blurline.ErrInvalid, "id %q: character %q is not allowed", id, r)
		}
	}
	return nil
}

func decimal(f float64) quad.Value {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return quad.TypedString{Value: quad.String(s), Type: blurline.XSDDecimal}
}

func timeLiteral(t time.Time) quad.Value {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return quad.TypedString{Value: quad.String(t.Format("2006-01-02")), Type: blurline.XSDDate}
	}
	return quad.TypedString{Value: quad.String(t.Format(time.RFC3339Nano)), Type: blurline.XSDDateTime}
}

func quadLiteral(l *blurline.Literal) quad.Value {
	switch {
	case l.Lang != "":
		return quad.LangString{Value: quad.String(l.Lexical), Lang: l.Lang}
	case l.Datatype != "":
		return quad.TypedString{Value: quad.String(l.Lexical), Type: quad.IRI(l.Datatype)}
	}
	return quad.String(l.Lexical)
}

// LoadNQuads loads N-Quads text as one input named name (see Load); the
// facts and entity descriptions in it without a marking of their own get
// o.Marking (see Source.Marking).
func (s *Store) LoadNQuads(ctx context.Context, name, text string, o blurline.WriteOptions) (int, error) {
	res, err := s.Load(ctx, Source{Name: name, R: strings.NewReader(text), Marking: o.Marking})
	return res.Added, err
}

// RetractImport removes everything import id brought: the entity
// descriptions in its graph (ImportBase+id) and every fact whose id starts
// with id+"/". Entities the import created lose their descriptions; facts
// from other sources about the same entities stay. It returns how many
// quads it removed, and fails (changing nothing) if removing them would
// leave another fact pointing at an entity that no longer has a class.
func (s *Store) RetractImport(ctx context.Context, id string) (n int, err error) {
	defer wrap(&err, "graph.RetractImport(%q)", id)
	graphIRI := blurline.ImportBase + id
	factPrefix := blurline.FactIRI(id + "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	done, err := s.beginWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	sn := s.cur.Load()
	dels := recordsOf(sn)[id]
	dropped := map[string]bool{}
	sn.eachFactRecord(func(label string, rec func() *factRec) {
		if strings.HasPrefix(label, factPrefix) {
			dels = append(dels, rec().quads()...)
			dropped[label] = true
		}
	})
	untyped := map[string]bool{}
	sn.eachNodeRecord(func(iri string, rec func() *nodeRec) {
		n := rec()
		keepsType := false
		for _, a := range n.attrs {
			if l, ok := iriOf(a.label); ok && l == graphIRI {
				dels = append(dels, quad.Quad{Subject: quad.IRI(iri), Predicate: quad.IRI(propIRI(a.pred)), Object: a.val, Label: a.label})
			} else if a.pred == "type" {
				keepsType = true
			}
		}
		if !keepsType && n.node != nil {
			untyped[iri] = true
		}
	})
	if len(dels) == 0 {
		return 0, blurline.Errorf(blurline.ErrNotFound, "no import %q", id)
	}
	var err2 error
	sn.eachFact(func(r fref) bool {
		f := sn.view(r)
		if dropped[sn.label(r)] {
			return true
		}
		for _, end := range []string{f.Subject, f.Object, f.AssertedBy} {
			if end != "" && untyped[blurline.EntityIRI(end)] {
				err2 = blurline.Errorf(blurline.ErrInvalid, "fact %q still uses entity %q, which import %q created: retract that fact first", f.ID, end, id)
				return false
			}
		}
		return true
	})
	if err2 != nil {
		return 0, err2
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := s.apply(ctx, writeOp{action: "retractImport", importID: id}, nil, dels); err != nil {
		return 0, err
	}
	return len(dels), nil
}
