package graph

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// audit.go: the audit trail in the store. A write whose context carries a
// blurline.Origin gets one record, written in the same transaction as the
// write (apply, commitKV): a failed write leaves none. A record is the
// quads of one IRI in the audit graph:
//
//	<audit/ID> <audit#at> "2026-12-02T05:45:26.123456789Z"^^xsd:dateTime <audit> .
//	<audit/ID> <audit#by> "alice" <audit> .
//	<audit/ID> <audit#from> "192.0.2.7:53422" <audit> .
//	<audit/ID> <audit#action> "addFacts" <audit> .
//	<audit/ID> <audit#import> "mitre-ics" <audit> .        (an import)
//	<audit/ID> <audit#name> "bundle.json" <audit> .        (a named input)
//	<audit/ID> <audit#added> "f-1a2b... f-3c4d..." <audit> .  (also changed, retracted)
//	<audit/ID> <audit#entities> "apt40 hssd" <audit> .
//
// Facts and entities are named by their ids as plain literals, not IRIs:
// a record says what the write touched at the time, and nothing that
// renames an entity or retracts a fact rewrites it. Each list is one
// literal, its ids sorted and separated by single spaces (no id or IRI
// holds a space): a record is 4 to 10 quads however much the write
// changed, where a quad per id made a load's trail a quarter of its size
// again (docs/operations.md). The read model keeps
// the records, sorted by id, in one slice per snapshot (snapshot.audit):
// a write appends to it, a history query walks it from one end (History).

// The audit properties, by local name in blurline.AuditNS.
const (
	auditAt        = "at"
	auditBy        = "by"
	auditFrom      = "from"
	auditAction    = "action"
	auditImport    = "import"
	auditName      = "name"
	auditAdded     = "added"
	auditChanged   = "changed"
	auditRetracted = "retracted"
	auditEntities  = "entities"
	auditMarking   = "marking"
)

var auditProps = []string{auditAt, auditBy, auditFrom, auditAction, auditImport, auditName, auditAdded, auditChanged, auditRetracted, auditEntities, auditMarking}

// writeOp is what kind of write a batch or a deletion is, for its audit
// record: the action named when the origin names none, and the import it
// belongs to. A zero writeOp is the store's own bookkeeping (the seed),
// never recorded.
type writeOp struct {
	action   string
	importID string
	// record, when set, is what import importID read: the write keeps it
	// as the import's record in its own transaction (imports.go).
	record *blurline.ImportSource
}

// isAuditQuad reports whether q belongs to the audit trail.
func isAuditQuad(q quad.Quad) bool {
	l, _ := iriOf(q.Label)
	return l == blurline.AuditGraph
}

// newAuditRecord returns the record of a write through ctx that changed
// the given facts (labels) and entities (IRIs), which are marked at most
// mark, or nil when ctx carries no origin or op is bookkeeping.
func newAuditRecord(ctx context.Context, op writeOp, mark blurline.Marking, added, changed, retracted, entities []string) *blurline.AuditRecord {
	o, ok := blurline.OriginFromContext(ctx)
	if !ok || op.action == "" {
		return nil
	}
	r := &blurline.AuditRecord{
		At:      time.Now().UTC(),
		From:    o.From,
		Action:  cmp.Or(o.Action, op.action),
		Import:  op.importID,
		Name:    o.Name,
		Marking: mark,
	}
	switch p := blurline.PrincipalFromContext(ctx); {
	case p == nil || p.Anonymous:
		r.Principal = "anonymous"
	default:
		r.Principal = p.Name
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	r.ID = r.At.Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(rnd[:])
	ids := func(iris []string, short func(string) string) []string {
		out := make([]string, len(iris))
		for i, s := range iris {
			out[i] = short(s)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	r.Added = ids(added, blurline.FactID)
	r.Changed = ids(changed, blurline.FactID)
	r.Retracted = ids(retracted, blurline.FactID)
	r.Entities = ids(entities, blurline.EntityID)
	return r
}

// auditQuads returns a record's quads.
func auditQuads(r *blurline.AuditRecord) []quad.Quad {
	s, g := quad.IRI(blurline.AuditBase+r.ID), quad.IRI(blurline.AuditGraph)
	out := make([]quad.Quad, 0, 10)
	add := func(p string, o quad.Value) {
		out = append(out, quad.Quad{Subject: s, Predicate: quad.IRI(blurline.AuditNS + p), Object: o, Label: g})
	}
	add(auditAt, quad.TypedString{Value: quad.String(r.At.Format(time.RFC3339Nano)), Type: blurline.XSDDateTime})
	add(auditBy, quad.String(r.Principal))
	add(auditFrom, quad.String(r.From))
	add(auditAction, quad.String(r.Action))
	if r.Import != "" {
		add(auditImport, quad.String(r.Import))
	}
	if r.Name != "" {
		add(auditName, quad.String(r.Name))
	}
	if r.Marking != blurline.TLPClear {
		add(auditMarking, quad.String(r.Marking.String()))
	}
	for _, l := range []struct {
		p   string
		ids []string
	}{{auditAdded, r.Added}, {auditChanged, r.Changed}, {auditRetracted, r.Retracted}, {auditEntities, r.Entities}} {
		if len(l.ids) > 0 {
			add(l.p, quad.String(strings.Join(l.ids, " ")))
		}
	}
	return out
}

// checkAuditQuad says what is wrong with q as a quad of an audit record
// (as a restoring load reads it), or "".
func checkAuditQuad(q quad.Quad) string {
	s, _ := iriOf(q.Subject)
	if !strings.HasPrefix(s, blurline.AuditBase) || len(s) == len(blurline.AuditBase) {
		return fmt.Sprintf("the subject of an audit record must be <%sID>", blurline.AuditBase)
	}
	p, _ := iriOf(q.Predicate)
	local, ok := strings.CutPrefix(p, blurline.AuditNS)
	if !ok || !slices.Contains(auditProps, local) {
		return fmt.Sprintf("unknown audit property <%s> (the properties are %s followed by %s)", p, blurline.AuditNS, strings.Join(auditProps, ", "))
	}
	if local == auditAt {
		if ts, ok := q.Object.(quad.TypedString); !ok || string(ts.Type) != blurline.XSDDateTime {
			return "the time of an audit record must be an xsd:dateTime"
		} else if _, err := time.Parse(time.RFC3339Nano, string(ts.Value)); err != nil {
			return fmt.Sprintf("the time of an audit record: %v", err)
		}
	} else if _, ok := stringValue(q.Object); !ok {
		return fmt.Sprintf("audit property %s needs a plain string literal, got %s", local, q.Object)
	} else if _, err := blurline.ParseMarking(literalText(q.Object)); local == auditMarking && err != nil {
		return fmt.Sprintf("the marking of an audit record: %v", err)
	}
	return ""
}

// decodeAudit turns the quads of one record back into the record; quads
// a record cannot hold are ignored (a load checks them: checkAuditQuad).
func decodeAudit(subject string, qs []quad.Quad) *blurline.AuditRecord {
	r := &blurline.AuditRecord{ID: strings.TrimPrefix(subject, blurline.AuditBase)}
	for _, q := range qs {
		p, _ := iriOf(q.Predicate)
		text := literalText(q.Object)
		switch strings.TrimPrefix(p, blurline.AuditNS) {
		case auditAt:
			r.At, _ = time.Parse(time.RFC3339Nano, text)
		case auditBy:
			r.Principal = text
		case auditFrom:
			r.From = text
		case auditAction:
			r.Action = text
		case auditImport:
			r.Import = text
		case auditName:
			r.Name = text
		case auditAdded:
			r.Added = append(r.Added, strings.Fields(text)...)
		case auditChanged:
			r.Changed = append(r.Changed, strings.Fields(text)...)
		case auditRetracted:
			r.Retracted = append(r.Retracted, strings.Fields(text)...)
		case auditEntities:
			r.Entities = append(r.Entities, strings.Fields(text)...)
		case auditMarking:
			r.Marking = max(r.Marking, markingOf(q.Object))
		}
	}
	for _, l := range []*[]string{&r.Added, &r.Changed, &r.Retracted, &r.Entities} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return r
}

// splitAudit takes the audit quads out of other (a builder's or a
// snapshot file's quads beyond entities and facts) and returns them as
// records, sorted by id.
func splitAudit(other map[quad.Quad]struct{}) []*blurline.AuditRecord {
	bySubject := map[string][]quad.Quad{}
	for q := range other {
		if isAuditQuad(q) {
			s, _ := iriOf(q.Subject)
			bySubject[s] = append(bySubject[s], q)
			delete(other, q)
		}
	}
	recs := make([]*blurline.AuditRecord, 0, len(bySubject))
	for s, qs := range bySubject {
		recs = append(recs, decodeAudit(s, qs))
	}
	slices.SortFunc(recs, func(a, b *blurline.AuditRecord) int { return strings.Compare(a.ID, b.ID) })
	return recs
}

// auditIndex returns where id is, or would go, in recs (sorted by id).
func auditIndex(recs []*blurline.AuditRecord, id string) (int, bool) {
	return slices.BinarySearchFunc(recs, id, func(r *blurline.AuditRecord, id string) int { return strings.Compare(r.ID, id) })
}

// withAudit returns list with the records added in id order. A record
// after the last is appended in place: a snapshot reads its list only up
// to its own length, and one writer at a time (under Store.mu) extends
// it, so the snapshots before share the array. A record that sorts
// earlier (one another server wrote with a slightly earlier clock) makes
// a copy.
func withAudit(list []*blurline.AuditRecord, recs []*blurline.AuditRecord) []*blurline.AuditRecord {
	for _, r := range recs {
		i, found := auditIndex(list, r.ID)
		switch {
		case found:
		case i == len(list):
			list = append(list, r)
		default:
			list = slices.Insert(slices.Clone(list), i, r)
		}
	}
	return list
}

// eachAuditQuad calls fn with every quad of the audit records the
// snapshot's view shows.
func (s *snapshot) eachAuditQuad(fn func(quad.Quad)) {
	for _, r := range s.audit {
		if !s.seesAudit(r) {
			continue
		}
		for _, q := range auditQuads(r) {
			fn(q)
		}
	}
}

// seesAudit reports whether the view shows record r: a limited view
// shows the records marked at most its clearance, so that no record names
// a fact or an entity the reader may not see.
func (s *snapshot) seesAudit(r *blurline.AuditRecord) bool { return !s.limited || r.Marking <= s.max }

// matchAudit reports whether r passes q's filters.
func matchAudit(r *blurline.AuditRecord, q *blurline.AuditQuery) bool {
	has := func(list []string, id string) bool {
		_, ok := slices.BinarySearch(list, id)
		return ok
	}
	switch {
	case q.By != "" && r.Principal != q.By,
		!q.Since.IsZero() && r.At.Before(q.Since),
		q.Fact != "" && !has(r.Added, q.Fact) && !has(r.Changed, q.Fact) && !has(r.Retracted, q.Fact),
		q.Entity != "" && !has(r.Entities, q.Entity):
		return false
	}
	return true
}

// History returns one page of the audit trail, newest first, from the
// snapshot ctx reads. The records are sorted by id, which begins with the
// time, so since cuts the list by binary search; the page is then filled
// by walking from the cursor: the work is the records walked over, not
// the whole trail.
func (s *Store) History(ctx context.Context, q blurline.AuditQuery) (_ blurline.AuditPage, err error) {
	defer wrap(&err, "graph.History")
	var pg blurline.AuditPage
	sn := s.read(ctx)
	recs := sn.audit
	lo, hi := 0, len(recs) // the window: records[lo:hi], oldest first
	if !q.Since.IsZero() {
		lo, _ = slices.BinarySearchFunc(recs, q.Since, func(r *blurline.AuditRecord, t time.Time) int { return r.At.Compare(t) })
	}
	if q.After != "" {
		i, _ := auditIndex(recs, q.After)
		hi = min(hi, i) // older than After
	}
	if q.Before != "" {
		i, found := auditIndex(recs, q.Before)
		if found {
			i++
		}
		lo = max(lo, i) // newer than Before
	}
	if lo > hi {
		lo = hi
	}
	// find walks recs[from:to] from one end, newest first unless up, and
	// returns the positions of the first n matches (n < 0: one, to learn
	// whether there is any).
	find := func(from, to, n int, up bool) []int {
		var out []int
		for k := range to - from {
			if k&1023 == 0 && ctx.Err() != nil {
				break
			}
			i := to - 1 - k
			if up {
				i = from + k
			}
			if sn.seesAudit(recs[i]) && matchAudit(recs[i], &q) {
				out = append(out, i)
				if len(out) >= max(n, 1) {
					break
				}
			}
		}
		return out
	}
	var got []int
	if q.First >= 0 || q.Last < 0 {
		n := q.First
		if n < 0 {
			n = len(recs)
		}
		got = find(lo, hi, n+1, false)
		if pg.HasOlder = len(got) > n; pg.HasOlder {
			got = got[:n]
		}
		pg.HasNewer = q.After != "" && len(find(hi, len(recs), -1, true)) > 0
	} else {
		got = find(lo, hi, q.Last+1, true)
		if pg.HasNewer = len(got) > q.Last; pg.HasNewer {
			got = got[:q.Last]
		}
		slices.Reverse(got)
		pg.HasOlder = q.Before != "" && len(find(0, lo, -1, false)) > 0
	}
	pg.Records = make([]*blurline.AuditRecord, len(got))
	for i, k := range got {
		pg.Records[i] = recs[k]
	}
	return pg, ctx.Err()
}

// auditRecord returns the record of the write t holds, made through ctx
// (nil without an origin): the facts whose graphs it changed, each added
// (it had no relationship before), retracted (none after) or changed, and
// the entities it described or that are at an end of those facts.
func (t *txn) auditRecord(ctx context.Context, op writeOp) *blurline.AuditRecord {
	if _, ok := blurline.OriginFromContext(ctx); !ok || op.action == "" {
		return nil
	}
	var added, changed, retracted, entities []string
	mark := blurline.TLPClear
	for iri := range t.dirtyN {
		entities = append(entities, iri)
	}
	ends := func(rel *quad.Quad) {
		if rel == nil {
			return
		}
		for _, v := range []quad.Value{rel.Subject, rel.Object} {
			if iri, ok := iriOf(v); ok {
				entities = append(entities, iri)
			}
		}
	}
	for label := range t.dirtyF {
		var before *quad.Quad
		if r := t.s.factRecord(label); r != nil {
			before = r.rel
			mark = max(mark, propsMarking(r.props))
		}
		after := t.facts[label].rel
		mark = max(mark, propsMarking(t.facts[label].props))
		switch {
		case before == nil && after == nil:
			continue // provenance without a relationship: not a fact either way
		case before == nil:
			added = append(added, label)
		case after == nil:
			retracted = append(retracted, label)
		default:
			changed = append(changed, label)
		}
		ends(before)
		ends(after)
	}
	// The entities' descriptions, before and after: the record names them.
	for _, iri := range entities {
		if r := t.s.nodeRecord(iri); r != nil {
			_, hi := entityMarkings(r.attrs)
			mark = max(mark, hi)
		}
		if r, ok := t.nodes[iri]; ok {
			_, hi := entityMarkings(r.attrs)
			mark = max(mark, hi)
		}
	}
	return newAuditRecord(ctx, op, mark, added, changed, retracted, entities)
}

// propsMarking returns the most restrictive marking among a fact's
// provenance (CLEAR without one).
func propsMarking(props []attr) blurline.Marking {
	m := blurline.TLPClear
	for _, a := range props {
		if a.pred == blurline.PropMarking {
			m = max(m, markingOf(a.val))
		}
	}
	return m
}

// auditRecord is txn.auditRecord for a batch a Loader writes without a
// read model: a fact the store had (lk) is changed when the batch brings
// a relationship or provenance it lacked, and left out when it brings
// nothing new.
func (b *batch) auditRecord(ctx context.Context, lk *kvLookup) *blurline.AuditRecord {
	if _, ok := blurline.OriginFromContext(ctx); !ok || b.op.action == "" {
		return nil
	}
	var added, changed, entities []string
	for iri := range b.entities {
		entities = append(entities, iri)
	}
	// Without a read model the record takes the most restrictive marking
	// the batch writes, which covers what it names of its own.
	mark := blurline.TLPClear
	markingIRI := blurline.PropIRI(blurline.PropMarking)
	for _, q := range b.adds {
		if p, _ := iriOf(q.Predicate); p == markingIRI {
			mark = max(mark, markingOf(q.Object))
		}
	}
	for label, f := range b.facts {
		if f.rel == nil {
			continue
		}
		old := lk.facts[label]
		switch {
		case old == nil || old.rel == nil:
			added = append(added, label)
		case !sameQuad(*old.rel, *f.rel) || !containsProps(old.props, f.props):
			changed = append(changed, label)
		default:
			continue
		}
		for _, v := range []quad.Value{f.rel.Subject, f.rel.Object} {
			if iri, ok := iriOf(v); ok {
				entities = append(entities, iri)
			}
		}
	}
	return newAuditRecord(ctx, b.op, mark, added, changed, nil, entities)
}

// containsProps reports whether have holds every value of want.
func containsProps(have map[string][]quad.Value, want propList) bool {
	for _, p := range want {
		if !slices.Contains(have[p.prop], p.val) {
			return false
		}
	}
	return true
}
