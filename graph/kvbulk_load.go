package graph

// Layout: this file reads the private key-value layout (the log bucket and
// its protobuf primitives) of cayley v0.7.7-0.20240706181042-81dcd7d73e45 (graph/kv): check it
// against that source whenever the pinned cayley version changes.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"unicode/utf8"

	"github.com/blurline/blurline"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// A Loader writes into a store without building its read model: for a
// process that only loads files and exits (blurline load). On bbolt the
// read model (about 1.7 GB at 1M quads) is never built: the input is
// checked against what the store already holds about the entities and
// facts it names (kvLookup), then written with a bulk write (kvbulk.go),
// all or nothing. Other backends fall back to an ordinary Store.
type Loader struct {
	s       *Store
	decline bool // record SeedDeclined with the next Load
}

// OpenLoader opens (creating if needed) the store at addr for loading.
func OpenLoader(ctx context.Context, lg *slog.Logger, addr string) (_ *Loader, err error) {
	defer wrap(&err, "graph.OpenLoader(%q)", Redact(addr))
	s, err := open(ctx, lg, addr, false)
	if err != nil {
		return nil, err
	}
	return &Loader{s: s}, nil
}

// EnsureSeed loads the seed into a store without a seed decision (see
// Store.EnsureSeed).
func (l *Loader) EnsureSeed(ctx context.Context, fsys fs.FS) (bool, LoadResult, error) {
	return l.s.EnsureSeed(ctx, fsys)
}

// DeclineSeed records that a store without a seed decision is made
// without the seed (see Store.DeclineSeed), in the same write as the next
// Load: a load that fails leaves the store as it was, undecided too.
func (l *Loader) DeclineSeed(ctx context.Context) (bool, error) {
	st, err := l.s.Seed()
	if err != nil || st != SeedUndecided {
		return false, err
	}
	l.decline = true
	return true, nil
}

// Load validates the sources strictly against the store and writes them,
// all or nothing (see Store.Load).
func (l *Loader) Load(ctx context.Context, srcs ...Source) (res LoadResult, err error) {
	if !l.decline {
		return l.s.Load(ctx, srcs...)
	}
	defer wrap(&err, "graph.Load")
	b, err := parseSources(ctx, srcs)
	if err != nil {
		return res, err
	}
	b.op = writeOp{action: "load"}
	b.adds = append(b.adds, declinedQuad)
	if res, err = l.s.commitBatch(namedInput(ctx, srcs), b); err != nil {
		return res, err
	}
	l.decline = false
	res.Read--
	res.Added--
	return res, nil
}

// Close closes the store.
func (l *Loader) Close() error { return l.s.Close() }

// commitKV is commitBatch for a store without a read model (bbolt): the
// caller holds s.mu.
func (s *Store) commitKV(ctx context.Context, b *batch) (LoadResult, error) {
	if err := s.invalidateSnapshot(); err != nil {
		return LoadResult{}, err
	}
	lk, err := newKVLookup(s.bolt, b)
	if err != nil {
		return LoadResult{}, blurline.Errorf(blurline.ErrInternal, "read the %s store: %v", s.backend, err)
	}
	b.finish(lk)
	if err := b.Err(); err != nil {
		return LoadResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return LoadResult{}, err
	}
	adds, read := b.adds, len(b.adds)
	var trail []quad.Quad
	if r := b.auditRecord(ctx, lk); r != nil {
		trail = auditQuads(r)
		adds = append(adds, trail...)
	}
	// What the check needed is garbage now: let the write have the memory.
	*b = batch{}
	n, err := bulkWrite(ctx, s.bolt, s.dir, adds)
	if err != nil {
		s.lg.Error("bulk load failed", "err", err)
		return LoadResult{}, blurline.Errorf(blurline.ErrInternal, "write to %s store: %v", s.backend, err)
	}
	// cayley's QuadStore now lags behind the data; nothing in a Loader
	// uses it again but Close, and the next Open starts afresh.
	return LoadResult{Read: read, Added: n - len(trail)}, nil // the record is new, and not what was loaded
}

// seedKV is Store.Seed for a bbolt store without read model.
func (s *Store) seedKV() (SeedState, error) {
	st := SeedUndecided
	err := s.bolt.View(func(tx *bbolt.Tx) error {
		indexes, err := readIndexes(tx)
		if err != nil {
			return err
		}
		for _, c := range []struct {
			q  quad.Quad
			st SeedState
		}{{seededQuad, SeedLoaded}, {declinedQuad, SeedDeclined}} {
			has, err := hasKV(tx, indexes, c.q)
			if err != nil {
				return err
			}
			if has {
				st = c.st
				return nil
			}
		}
		if log := tx.Bucket(bucketLog); log != nil {
			if k, _ := log.Cursor().First(); k != nil {
				st = SeedDeclined // data, but no decision
			}
		}
		return nil
	})
	if err != nil {
		return 0, blurline.Errorf(blurline.ErrInternal, "read the seed decision of the %s store: %v", s.backend, err)
	}
	return st, nil
}

// hasKV reports whether the store holds quad q.
func hasKV(tx *bbolt.Tx, indexes []ckv.QuadIndex, q quad.Quad) (bool, error) {
	var p cproto.Primitive
	for _, d := range quad.Directions {
		id := nodeID(tx, q.Get(d))
		if id == 0 {
			return false, nil
		}
		p.SetDirection(d, id)
	}
	return hasQuad(tx, indexes, &p)
}

// nodeID returns the id of value v in the store, or 0.
func nodeID(tx *bbolt.Tx, v quad.Value) uint64 {
	if v == nil {
		return 0
	}
	h := refs.HashOf(v)
	b := tx.Bucket(valBucket('v', h))
	if b == nil {
		return 0
	}
	id, _ := binary.Uvarint(b.Get(h[:]))
	return id
}

// kvLookup is what a batch's check needs to know of a bbolt store, read
// from cayley's log for the entities and facts the batch names only.
type kvLookup struct {
	classes map[string]blurline.Class
	names   map[string][]string
	records map[string]map[string][]quad.Value
	facts   map[string]*kvFact
}

type kvFact struct {
	rel   *quad.Quad
	props map[string][]quad.Value
}

func (l *kvLookup) classOf(iri string) (blurline.Class, bool) {
	c, ok := l.classes[iri]
	return c, ok
}

func (l *kvLookup) namesOf(iri string) []string { return l.names[iri] }

func (l *kvLookup) recordOf(iri string) map[string][]quad.Value { return l.records[iri] }

func (l *kvLookup) factProps(label string) (*quad.Quad, map[string][]quad.Value, bool) {
	f, ok := l.facts[label]
	if !ok || f.rel == nil {
		return nil, nil, false
	}
	return f.rel, f.props, true
}

// newKVLookup reads from db what b's check needs: the class and names of
// every entity b describes or refers to, and the relationship and
// provenance of every fact it names. The store's quads are read only if one
// of them is already in the store, in one pass over the log.
func newKVLookup(db *bbolt.DB, b *batch) (*kvLookup, error) {
	l := &kvLookup{classes: map[string]blurline.Class{}, names: map[string][]string{}, records: map[string]map[string][]quad.Value{}, facts: map[string]*kvFact{}}
	err := db.View(func(tx *bbolt.Tx) error {
		entities := map[uint64]string{}
		facts := map[uint64]string{}
		for iri := range b.entities {
			if id := nodeID(tx, quad.IRI(iri)); id != 0 {
				entities[id] = iri
			}
		}
		for _, r := range b.refs {
			if id := nodeID(tx, quad.IRI(r.iri)); id != 0 {
				entities[id] = r.iri
			}
		}
		for label := range b.facts {
			if id := nodeID(tx, quad.IRI(label)); id != 0 {
				facts[id] = label
			}
		}
		if len(entities) == 0 && len(facts) == 0 {
			return nil
		}
		typeID := nodeID(tx, quad.IRI(blurline.RDFType))
		nameID := nodeID(tx, quad.IRI(blurline.PropIRI(blurline.PropName)))
		wanted := map[uint64]bool{typeID: true, nameID: true}
		for p := range sourceRecordProps {
			if id := nodeID(tx, quad.IRI(blurline.PropIRI(p))); id != 0 {
				wanted[id] = true
			}
		}
		log := tx.Bucket(bucketLog)
		if log == nil {
			return nil
		}
		var quads []*cproto.Primitive
		err := log.ForEach(func(_, v []byte) error {
			var p cproto.Primitive
			if err := proto.Unmarshal(v, &p); err != nil {
				return err
			}
			if p.IsNode() || p.Deleted {
				return nil
			}
			_, ent := entities[p.Subject]
			_, fact := facts[p.Label]
			if ent && wanted[p.Predicate] || fact {
				quads = append(quads, &p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		value := logValues(log, &nodeValues{})
		for _, p := range quads {
			var q quad.Quad
			for _, d := range quad.Directions {
				v, err := value(p.GetDirection(d))
				if err != nil {
					return err
				}
				q.Set(d, v)
			}
			l.add(q)
		}
		return nil
	})
	return l, err
}

// add records one quad of the store as the read model would classify it.
func (l *kvLookup) add(q quad.Quad) {
	kind, pred := classify(q)
	subj, _ := iriOf(q.Subject)
	label, _ := iriOf(q.Label)
	switch kind {
	case kindAttr:
		switch pred {
		case "type":
			c, _ := iriOf(q.Object)
			local, _ := blurline.LocalName(c)
			l.classes[subj] = blurline.Class(local)
		case blurline.PropName:
			l.names[subj] = appendNew(l.names[subj], literalText(q.Object))
		default:
			if sourceRecordProps[pred] {
				r := l.records[subj]
				if r == nil {
					r = map[string][]quad.Value{}
					l.records[subj] = r
				}
				if !slices.Contains(r[pred], q.Object) {
					r[pred] = append(r[pred], q.Object)
				}
			}
		}
	case kindRel, kindProv:
		f := l.facts[label]
		if f == nil {
			f = &kvFact{props: map[string][]quad.Value{}}
			l.facts[label] = f
		}
		if kind == kindProv {
			f.props[pred] = append(f.props[pred], q.Object)
		} else if f.rel == nil {
			qq := q
			f.rel = &qq
		}
	}
}

// nodeValues holds node values by cayley's node id. The ids of a store
// are dense (one counter for nodes and quads), so a slice indexed by id
// serves where a map would hash every lookup and regrow many times.
type nodeValues struct{ v []quad.Value }

func (n *nodeValues) get(id uint64) (quad.Value, bool) {
	if id < uint64(len(n.v)) && n.v[id] != nil {
		return n.v[id], true
	}
	return nil, false
}

func (n *nodeValues) set(id uint64, v quad.Value) {
	if id >= uint64(len(n.v)) {
		n.v = slices.Grow(n.v, int(id+1)-len(n.v))[:id+1]
	}
	n.v[id] = v
}

// logValues returns a reader of node values by id from cayley's log
// bucket, remembering them in values; id 0 (no label) is nil.
func logValues(log *bbolt.Bucket, values *nodeValues) func(id uint64) (quad.Value, error) {
	return func(id uint64) (quad.Value, error) {
		if id == 0 {
			return nil, nil
		}
		if v, ok := values.get(id); ok {
			return v, nil
		}
		raw := log.Get(be64(id))
		if raw == nil {
			return nil, fmt.Errorf("no log entry for node %d", id)
		}
		p, err := decodeLogEntry(raw)
		if err != nil {
			return nil, err
		}
		v, err := nodeValue(p.value)
		if err == nil {
			values.set(id, v)
		}
		return v, err
	}
}

// nodeValue is pquads.UnmarshalValue for a node's value in cayley's log.
// The plain kinds (pquads.Value's oneof fields str 2, iri 3 and bnode 4:
// nearly every node) are decoded by hand, without protobuf's reflection
// and its message per value; any other encoding, and a string that is not
// valid UTF-8 (which protobuf refuses), goes through UnmarshalValue.
func nodeValue(b []byte) (quad.Value, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n > 0 && typ == protowire.BytesType && num >= 2 && num <= 4 {
		if v, m := protowire.ConsumeBytes(b[n:]); m > 0 && n+m == len(b) && utf8.Valid(v) {
			switch num {
			case 2:
				return quad.String(v), nil
			case 3:
				return quad.IRI(v), nil
			default:
				return quad.BNode(v), nil
			}
		}
	}
	return pquads.UnmarshalValue(b)
}

// logEntry is what a read needs of a primitive of cayley's log
// (cproto.Primitive: ID 1, Subject 2, Predicate 3, Object 4, Label 5,
// Value 8, Deleted 9), decoded by hand by decodeLogEntry: proto.Unmarshal
// allocated a message and a copy of its value for each entry, several
// million in a rebuild at 1M quads, through protobuf's reflection.
type logEntry struct {
	id      uint64
	dirs    [4]uint64 // node ids by direction from quad.Subject
	value   []byte    // a node's value in cayley's protobuf encoding; aliases the entry
	deleted bool
}

// isNode is cproto.Primitive.IsNode.
func (p *logEntry) isNode() bool { return len(p.value) != 0 }

func decodeLogEntry(b []byte) (logEntry, error) {
	var p logEntry
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return p, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 8 && typ == protowire.BytesType:
			p.value, n = protowire.ConsumeBytes(b)
		case typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			switch num {
			case 1:
				p.id = v
			case 2, 3, 4, 5:
				p.dirs[num-2] = v
			case 9:
				p.deleted = v != 0
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return p, protowire.ParseError(n)
		}
		b = b[n:]
	}
	return p, nil
}

// rebuildKV calls add with every live quad of a bbolt store, in cayley's
// order (by id), read from cayley's log in one read transaction: a node
// primitive always comes before the quads that name it. It reads the same
// quads as cayley's QuadsAllIterator and Quad, without their lookups per
// quad, and passes each quad's node ids along, so that the builder interns
// a value once per node instead of hashing it in every quad.
func rebuildKV(ctx context.Context, db *bbolt.DB, add addFunc) error {
	err := db.View(func(tx *bbolt.Tx) error {
		log := tx.Bucket(bucketLog)
		if log == nil {
			return nil
		}
		values := &nodeValues{}
		if meta := tx.Bucket(bucketMeta); meta != nil {
			// ids run up to the horizon: one allocation instead of a
			// doubling slice of pointers
			values.v = make([]quad.Value, 0, min(metaInt(meta, "horizon")+1, 1<<28))
		}
		value := logValues(log, values) // nodes come first: values fills as the scan goes
		c := log.Cursor()
		n := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n++; n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			p, err := decodeLogEntry(v)
			if err != nil {
				return fmt.Errorf("log entry %x: %v", k, err)
			}
			if p.isNode() {
				val, err := nodeValue(p.value)
				if err != nil {
					return fmt.Errorf("node %d: %v", p.id, err)
				}
				values.set(p.id, val)
				continue
			}
			if p.deleted {
				continue
			}
			var q quad.Quad
			for i, id := range p.dirs {
				val, err := value(id)
				if err != nil {
					return fmt.Errorf("quad %d: %v", p.id, err)
				}
				q.Set(quad.Subject+quad.Direction(i), val)
			}
			ids := nodeIDs(p.dirs)
			add(q, &ids)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		return blurline.Errorf(blurline.ErrInternal, "read store: %v", err)
	}
	return err
}
