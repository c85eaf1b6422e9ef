package graph

// Layout: this file writes the private key-value layout of cayley v0.7.7-0.20240706181042-81dcd7d73e45
// (graph/kv/indexing.go, graph/proto, graph/refs): check it against that
// source whenever the pinned cayley version changes.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"slices"
	"time"
	"unicode/utf8"

	ckv "github.com/cayleygraph/cayley/graph/kv"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/graph/refs"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// A bulk write adds many quads to cayley's bbolt key-value store by writing
// its layout directly (graph/kv/indexing.go in cayley), in sorted key order
// and bounded transactions, instead of going through ApplyDeltas, which
// looks up and rewrites every key in random order. The result is what one
// ApplyDeltas call with the same quads would have written (same ids, same
// bytes but for the primitives' timestamps):
//
//   - bucket "log": one primitive per id (8-byte big-endian key, protobuf
//     cproto.Primitive): each new node (Value = pquads encoding) and each
//     new quad (the ids of its four directions);
//   - buckets "v"+h[0]+h[1]: value hash (refs.HashOf) -> uvarint node id;
//   - buckets "n"+h[0]+h[1]: value hash -> uvarint reference count (how
//     many quad directions name the node);
//   - one bucket per quad index (meta "indexes", by default "sp" and "ops"):
//     the big-endian ids of the index's directions -> the ascending quad
//     ids with those values, uvarint-encoded back to back;
//   - bucket "meta": "size" (live quads) and "horizon" (the last id given
//     out), 8-byte little-endian.
//
// As ApplyDeltas does, new nodes get ids horizon+1... in hash order, then
// the new quads the following ids in input order. Quads already in the
// store (not deleted) and repeats within the input are skipped.
//
// A bulk write is all or nothing across its transactions: before the first
// commit it writes and syncs an undo journal (bulkJournal) with the old
// horizon and size and the old value of every existing key it will change;
// everything else it writes is derived from log entries above the old
// horizon, written before anything derived from them. recoverBulk undoes a
// bulk write from that journal, after a failure or on the next open.
//
// cayley's QuadStore caches what it read at open (a bloom filter of the
// quads, node caches): after a bulk write it must be opened anew.

// bulkTxPuts bounds the puts of one bbolt transaction in a bulk write.
var bulkTxPuts = 200_000

var (
	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
)

// bulkNode is one value of a bulk write (the value itself is in the
// plan's vals): it holds no pointer.
type bulkNode struct {
	hash   refs.ValueHash
	id     uint64
	oldRef uint64 // reference count before the write (existing nodes)
	refs   uint64 // references the new quads add
	exists bool
}

// bulkQuad is one new quad: indexes into the plan's nodes (-1: no label).
type bulkQuad [4]int32

// bulkKey is a key of an index bucket (the ids of the index's directions)
// and the quad id to append to it.
type bulkKey struct {
	key [4]uint64
	id  uint64
}

// bytes returns the key as stored: n big-endian ids.
func (k *bulkKey) bytes(n int) []byte {
	b := make([]byte, 8*n)
	for i := range n {
		binary.BigEndian.PutUint64(b[8*i:], k.key[i])
	}
	return b
}

// bulkPlan is everything a bulk write will change, read in one transaction.
type bulkPlan struct {
	indexes []ckv.QuadIndex
	nodes   []bulkNode   // in order of first use (bulkQuad indexes)
	vals    []quad.Value // the nodes' values, until the log is encoded
	sorted  []int32      // indexes into nodes, in hash order
	quads   []bulkQuad   // new quads in input order
	horizon uint64       // last id given out before the write
	size    uint64       // live quads before the write
	firstQ  uint64       // id of quads[0]
	undo    []undoEntry  // old values of existing keys the write changes
}

// undoEntry is one key a bulk write changes and its value before (nil: absent).
type undoEntry struct {
	bucket, key, old []byte
}

// readIndexes reads the quad indexes the store keeps (meta "indexes").
func readIndexes(tx *bbolt.Tx) ([]ckv.QuadIndex, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil, fmt.Errorf("not a cayley kv store: no meta bucket")
	}
	data := meta.Get([]byte("indexes"))
	if data == nil {
		return nil, fmt.Errorf("store without index metadata (cayley < 0.7.6): not supported by bulk writes")
	}
	var out []ckv.QuadIndex
	if err := json.Unmarshal(data, &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("cannot decode the store's index list %q: %v", data, err)
	}
	return out, nil
}

func indexBucket(ind ckv.QuadIndex) []byte {
	b := make([]byte, len(ind.Dirs))
	for i, d := range ind.Dirs {
		b[i] = d.Prefix()
	}
	return b
}

func metaInt(meta *bbolt.Bucket, key string) uint64 {
	if v := meta.Get([]byte(key)); len(v) == 8 {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func valBucket(prefix byte, h refs.ValueHash) []byte { return []byte{prefix, h[0], h[1]} }

// get returns a copy of bucket/key's value, or nil.
func get(tx *bbolt.Tx, bucket, key []byte) []byte {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil
	}
	return bytes.Clone(b.Get(key))
}

// planBulk resolves adds against the store: which nodes exist (and their
// ids), which quads are new, and which existing keys the write will change.
func planBulk(db *bbolt.DB, adds []quad.Quad) (*bulkPlan, error) {
	p := &bulkPlan{}
	byHash := make(map[refs.ValueHash]int32, len(adds)/2)
	// Most terms are IRIs named again and again: each is hashed (SHA-1 of
	// its N-Quads form, refs.HashOf) once, not once per quad that names it.
	byIRI := make(map[quad.IRI]int32, len(adds)/4)
	// Nodes are values in one slice without pointers, not one allocation
	// each: a large write's plan holds about a node per quad, which the
	// garbage collector would otherwise visit one by one while the write
	// runs.
	var nodes []bulkNode
	var vals []quad.Value
	nodeOf := func(v quad.Value) int32 {
		if v == nil {
			return -1
		}
		iri, isIRI := v.(quad.IRI)
		if isIRI {
			if i, ok := byIRI[iri]; ok {
				return i
			}
		}
		h := refs.HashOf(v)
		i, ok := byHash[h]
		if !ok {
			i = int32(len(nodes))
			nodes = append(nodes, bulkNode{hash: h})
			vals = append(vals, v)
			byHash[h] = i
		}
		if isIRI {
			byIRI[iri] = i
		}
		return i
	}
	quads := make([]bulkQuad, 0, len(adds))
	seen := make(map[bulkQuad]struct{}, len(adds))
	for _, q := range adds {
		if q.Subject == nil || q.Predicate == nil || q.Object == nil {
			return nil, fmt.Errorf("incomplete quad %v", q)
		}
		bq := bulkQuad{nodeOf(q.Subject), nodeOf(q.Predicate), nodeOf(q.Object), nodeOf(q.Label)}
		if _, dup := seen[bq]; dup {
			continue
		}
		seen[bq] = struct{}{}
		quads = append(quads, bq)
	}
	seen, byHash, byIRI = nil, nil, nil
	err := db.View(func(tx *bbolt.Tx) error {
		var err error
		if p.indexes, err = readIndexes(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		p.horizon, p.size = metaInt(meta, "horizon"), metaInt(meta, "size")
		for i := range nodes {
			n := &nodes[i]
			if v := get(tx, valBucket('v', n.hash), n.hash[:]); v != nil {
				n.id, _ = binary.Uvarint(v)
				n.exists = n.id != 0
			}
		}
		// Keep the quads not already in the store.
		kept := quads[:0]
		for _, q := range quads {
			old := true
			for _, i := range q {
				if i >= 0 && !nodes[i].exists {
					old = false
				}
			}
			if old {
				has, err := hasQuad(tx, p.indexes, primitiveOf(q, nodes))
				if err != nil {
					return err
				}
				if has {
					continue
				}
			}
			kept = append(kept, q)
			for _, i := range q {
				if i >= 0 {
					nodes[i].refs++
				}
			}
		}
		p.quads = kept
		// Existing nodes the new quads name: their reference counts change.
		for i := range nodes {
			n := &nodes[i]
			if n.exists && n.refs > 0 {
				nb, key := valBucket('n', n.hash), bytes.Clone(n.hash[:])
				old := get(tx, nb, key)
				n.oldRef, _ = binary.Uvarint(old)
				p.undo = append(p.undo, undoEntry{bucket: nb, key: key, old: old})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(p.quads) == 0 {
		return p, nil
	}
	// New nodes in hash order get the next ids, then the new quads.
	p.nodes, p.vals = nodes, vals
	p.sorted = make([]int32, len(nodes))
	for i := range p.sorted {
		p.sorted[i] = int32(i)
	}
	slices.SortFunc(p.sorted, func(a, b int32) int { return bytes.Compare(nodes[a].hash[:], nodes[b].hash[:]) })
	id := p.horizon
	for _, i := range p.sorted {
		n := &p.nodes[i]
		if !n.exists && n.refs > 0 {
			id++
			n.id = id
		}
	}
	p.firstQ = id + 1
	return p, nil
}

func primitiveOf(q bulkQuad, nodes []bulkNode) *cproto.Primitive {
	var p cproto.Primitive
	for d, i := range q {
		if i >= 0 {
			p.SetDirection(quad.Directions[d], nodes[i].id)
		}
	}
	return &p
}

// hasQuad reports whether a live quad with p's node ids is in the store.
func hasQuad(tx *bbolt.Tx, indexes []ckv.QuadIndex, p *cproto.Primitive) (bool, error) {
	// The index with the most directions narrows the candidates most.
	ind := slices.MaxFunc(indexes, func(a, b ckv.QuadIndex) int { return len(a.Dirs) - len(b.Dirs) })
	key := ind.KeyFor(p)
	b := tx.Bucket(key[0])
	if b == nil {
		return false, nil
	}
	list := b.Get(key[1])
	log := tx.Bucket(bucketLog)
	for len(list) > 0 {
		id, n := binary.Uvarint(list)
		if n <= 0 {
			return false, fmt.Errorf("corrupt index entry in bucket %q", key[0])
		}
		list = list[n:]
		v := log.Get(be64(id))
		if v == nil {
			continue
		}
		var old cproto.Primitive
		if err := proto.Unmarshal(v, &old); err != nil {
			return false, fmt.Errorf("read log entry %d: %v", id, err)
		}
		if !old.Deleted && old.IsSameLink(p) {
			return true, nil
		}
	}
	return false, nil
}

func be64(x uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, x)
	return k
}

// logPut is one key and value of the log bucket, encoded.
type logPut struct{ key, val []byte }

// encodeLog encodes the plan's log entries (new nodes in id order, then the
// new quads) in a goroutine, in chunks of a few thousand, into large
// buffers; the goroutine ends early when stop is closed. Its error, if any,
// comes on the second channel once the first is closed.
func (p *bulkPlan) encodeLog(now int64, stop <-chan struct{}) (<-chan []logPut, <-chan error) {
	const chunkLen = 4096
	out, errc := make(chan []logPut, 4), make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		var arena byteArena
		alloc := arena.appendNew
		chunk := make([]logPut, 0, chunkLen)
		send := func(force bool) bool {
			if len(chunk) < chunkLen && !(force && len(chunk) > 0) {
				return true
			}
			select {
			case out <- chunk:
				chunk = make([]logPut, 0, chunkLen)
				return true
			case <-stop:
				return false
			}
		}
		for _, i := range p.sorted {
			n := &p.nodes[i]
			if n.exists || n.refs == 0 {
				continue
			}
			val, err := marshalNodeValue(p.vals[i])
			if err != nil {
				errc <- fmt.Errorf("encode %v: %v", p.vals[i], err)
				return
			}
			p.vals[i] = nil // only this goroutine reads vals
			buf := alloc(len(val)+48, func(b []byte) []byte { return appendPrimitive(b, n.id, [4]uint64{}, now, val) })
			key := alloc(8, func(b []byte) []byte { return binary.BigEndian.AppendUint64(b, n.id) })
			chunk = append(chunk, logPut{key, buf})
			if !send(false) {
				return
			}
		}
		for i, q := range p.quads {
			var dirs [4]uint64
			for d, j := range q {
				if j >= 0 {
					dirs[d] = p.nodes[j].id
				}
			}
			id := p.firstQ + uint64(i)
			buf := alloc(96, func(b []byte) []byte { return appendPrimitive(b, id, dirs, now, nil) })
			key := alloc(8, func(b []byte) []byte { return binary.BigEndian.AppendUint64(b, id) })
			chunk = append(chunk, logPut{key, buf})
			if !send(false) {
				return
			}
		}
		send(true)
	}()
	return out, errc
}

// appendPrimitive appends what proto.Marshal makes of a cproto.Primitive
// with these fields (ID 1, Subject..Label 2-5, Timestamp 7, Value 8; zero
// fields left out, in field order), without protobuf's reflection and a
// message per entry.
func appendPrimitive(b []byte, id uint64, dirs [4]uint64, ts int64, val []byte) []byte {
	if id != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, id)
	}
	for i, d := range dirs {
		if d != 0 {
			b = protowire.AppendTag(b, protowire.Number(2+i), protowire.VarintType)
			b = protowire.AppendVarint(b, d)
		}
	}
	if ts != 0 {
		b = protowire.AppendTag(b, 7, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ts))
	}
	if len(val) > 0 {
		b = protowire.AppendTag(b, 8, protowire.BytesType)
		b = protowire.AppendBytes(b, val)
	}
	return b
}

// marshalNodeValue is pquads.MarshalValue, with the plain kinds (a string,
// an IRI, a blank node: pquads.Value's oneof fields 2, 3 and 4, the
// inverse of nodeValue) encoded by hand; any other kind, and a string that
// is not valid UTF-8 (which protobuf refuses), goes through MarshalValue.
func marshalNodeValue(v quad.Value) ([]byte, error) {
	var num protowire.Number
	var s string
	switch x := v.(type) {
	case quad.String:
		num, s = 2, string(x)
	case quad.IRI:
		num, s = 3, string(x)
	case quad.BNode:
		num, s = 4, string(x)
	}
	if num == 0 || !utf8.ValidString(s) {
		return pquads.MarshalValue(v)
	}
	b := make([]byte, 0, len(s)+1+binary.MaxVarintLen64)
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s), nil
}

// indexKeyList is the sorted index entries of one index (indexKeys).
type indexKeyList struct {
	ind  ckv.QuadIndex
	keys []bulkKey
}

// listIndexKeys lists the index entries of each index, in the order of the
// indexes' bucket names, in a goroutine that hands over one list and only
// then begins the next (two lists at most are held at once). It ends early
// when stop is closed.
func (p *bulkPlan) listIndexKeys(stop <-chan struct{}) <-chan indexKeyList {
	inds := slices.Clone(p.indexes)
	slices.SortFunc(inds, func(a, b ckv.QuadIndex) int { return bytes.Compare(indexBucket(a), indexBucket(b)) })
	out := make(chan indexKeyList)
	go func() {
		defer close(out)
		for _, ind := range inds {
			select {
			case <-stop:
				return
			default:
			}
			select {
			case out <- indexKeyList{ind, p.indexKeys(ind)}:
			case <-stop:
				return
			}
		}
	}()
	return out
}

// indexKeys lists the index entries of the plan's new quads for one index,
// sorted by key and then quad id.
func (p *bulkPlan) indexKeys(ind ckv.QuadIndex) []bulkKey {
	keys := make([]bulkKey, len(p.quads))
	for i, q := range p.quads {
		k := &keys[i]
		k.id = p.firstQ + uint64(i)
		for j, d := range ind.Dirs {
			if n := q[dirIndex(d)]; n >= 0 {
				k.key[j] = p.nodes[n].id
			}
		}
	}
	slices.SortFunc(keys, func(a, b bulkKey) int {
		for i := range a.key {
			if c := cmp.Compare(a.key[i], b.key[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id, b.id)
	})
	return keys
}

// namesNewNode reports whether one of the node ids of an index key is one
// the write gives out (above the old horizon).
func (p *bulkPlan) namesNewNode(ids []uint64) bool {
	for _, id := range ids {
		if id > p.horizon {
			return true
		}
	}
	return false
}

func dirIndex(d quad.Direction) int {
	for i, x := range quad.Directions {
		if x == d {
			return i
		}
	}
	panic(fmt.Sprintf("unknown direction %v", d))
}

// collectIndexUndo adds the old values of the existing index keys the plan
// appends to (the new quads' ids come after every id already listed). Only
// a key made of existing nodes' ids can exist.
func (p *bulkPlan) collectIndexUndo(db *bbolt.DB) error {
	return db.View(func(tx *bbolt.Tx) error {
		for _, ind := range p.indexes {
			name := indexBucket(ind)
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			seen := map[[4]uint64]bool{}
		quads:
			for _, q := range p.quads {
				var k bulkKey
				for j, d := range ind.Dirs {
					if n := q[dirIndex(d)]; n >= 0 {
						if !p.nodes[n].exists {
							continue quads
						}
						k.key[j] = p.nodes[n].id
					}
				}
				if seen[k.key] {
					continue
				}
				seen[k.key] = true
				key := k.bytes(len(ind.Dirs))
				if old := b.Get(key); old != nil {
					p.undo = append(p.undo, undoEntry{bucket: name, key: key, old: bytes.Clone(old)})
				}
			}
		}
		return nil
	})
}

// bulkTx writes keys in bounded bbolt transactions.
type bulkTx struct {
	db      *bbolt.DB
	tx      *bbolt.Tx
	name    []byte
	b       *bbolt.Bucket
	puts    int
	commits int
	arena   byteArena // keys and values of the open transaction
}

// A byteArena holds many small keys and values in few large allocations.
// bbolt keeps a key and value put until its transaction commits: a bulk
// write drops an arena only then.
type byteArena struct{ b []byte }

// appendNew returns what f appends to an empty slice, in the arena when it
// fits in size bytes.
func (a *byteArena) appendNew(size int, f func([]byte) []byte) []byte {
	if cap(a.b)-len(a.b) < size {
		a.b = make([]byte, 0, max(1<<20, size))
	}
	b := f(a.b[len(a.b):])
	if len(b) <= size { // appended in place
		a.b = a.b[:len(a.b)+len(b)]
		return b[:len(b):len(b)]
	}
	return b
}

// bucket returns the named bucket in the current transaction, beginning one
// and creating the bucket if needed.
func (w *bulkTx) bucket(name []byte) (*bbolt.Bucket, error) {
	if w.tx == nil {
		tx, err := w.db.Begin(true)
		if err != nil {
			return nil, err
		}
		w.tx, w.name, w.b = tx, nil, nil
	}
	if w.b == nil || !bytes.Equal(name, w.name) {
		b, err := w.tx.CreateBucketIfNotExists(name)
		if err != nil {
			return nil, err
		}
		// Keys come in ascending order: fill pages rather than half-fill them.
		b.FillPercent = 0.9
		w.name, w.b = name, b
	}
	return w.b, nil
}

// put puts key in bucket, committing every bulkTxPuts changes. key and val
// must stay unchanged until then.
func (w *bulkTx) put(bucket, key, val []byte) error {
	b, err := w.bucket(bucket)
	if err != nil {
		return err
	}
	if err := b.Put(key, val); err != nil {
		return err
	}
	return w.count()
}

func (w *bulkTx) count() error {
	w.puts++
	if w.puts >= bulkTxPuts {
		return w.commit()
	}
	return nil
}

// bulkCommitHook, when set (by tests), is called after each commit of a
// bulk write with the count of commits so far; an error stops the write
// there, as a crash would.
var bulkCommitHook func(commits int) error

func (w *bulkTx) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx, w.name, w.b, w.puts, w.arena = nil, nil, nil, 0, byteArena{}
	w.commits++
	if err == nil && bulkCommitHook != nil {
		err = bulkCommitHook(w.commits)
	}
	return err
}

func (w *bulkTx) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx, w.name, w.b, w.puts = nil, nil, nil, 0
	}
}

// write applies the plan: log, reference counts, value ids, indexes, meta,
// in that order, so that nothing is written before the log entry it derives
// from (recoverBulk relies on that).
func (p *bulkPlan) write(ctx context.Context, db *bbolt.DB) (err error) {
	w := &bulkTx{db: db}
	defer func() {
		if err != nil {
			w.rollback()
		}
	}()
	now := time.Now().UnixNano()
	// The log entries are encoded, and the index keys listed and sorted, in
	// goroutines of their own while this one puts what they hand over.
	stop := make(chan struct{})
	entries, encErr := p.encodeLog(now, stop)
	keyLists := p.listIndexKeys(stop)
	defer func() {
		close(stop)
		for range entries { // let the goroutines see stop and end
		}
		for range keyLists {
		}
	}()
	// Log: new nodes (ids in hash order), then new quads.
	n := 0
	for chunk := range entries {
		for _, e := range chunk {
			if n++; n%bulkTxPuts == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := w.put(bucketLog, e.key, e.val); err != nil {
				return err
			}
		}
	}
	if err := <-encErr; err != nil {
		return err
	}
	// Reference counts and value ids, bucket by bucket in hash order.
	for _, prefix := range []byte{'n', 'v'} {
		for _, i := range p.sorted {
			n := &p.nodes[i]
			if n.refs == 0 {
				continue
			}
			var x uint64
			switch {
			case prefix == 'n':
				x = n.oldRef + n.refs
			case !n.exists:
				x = n.id
			default:
				continue
			}
			val := w.arena.appendNew(binary.MaxVarintLen64, func(b []byte) []byte { return binary.AppendUvarint(b, x) })
			key := w.arena.appendNew(len(n.hash), func(b []byte) []byte { return append(b, n.hash[:]...) })
			if err := w.put(valBucket(prefix, n.hash), key, val); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Quad indexes: each key's new ids appended to its old list.
	for list := range keyLists {
		ind, keys := list.ind, list.keys
		name := indexBucket(ind)
		for i := 0; i < len(keys); {
			b, err := w.bucket(name)
			if err != nil {
				return err
			}
			key := keys[i].bytes(len(ind.Dirs))
			var list []byte
			if !p.namesNewNode(keys[i].key[:len(ind.Dirs)]) {
				list = bytes.Clone(b.Get(key)) // a key of new nodes is new
			}
			j := i
			for ; j < len(keys) && keys[j].key == keys[i].key; j++ {
				list = binary.AppendUvarint(list, keys[j].id)
			}
			if err := w.put(name, key, list); err != nil {
				return err
			}
			i = j
		}
	}
	// Meta last.
	nq := uint64(len(p.quads))
	horizon := p.firstQ + nq - 1
	if err := w.put(bucketMeta, []byte("size"), le64(p.size+nq)); err != nil {
		return err
	}
	if err := w.put(bucketMeta, []byte("horizon"), le64(horizon)); err != nil {
		return err
	}
	return w.commit()
}

func le64(x uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, x)
	return b
}

// bulkJournalName is the undo journal of a bulk write in progress.
const bulkJournalName = "bulk.journal"

const bulkJournalMagic = "blurline bulk undo 1\n"

// encodeUndo encodes what recoverBulk needs to undo the plan.
func (p *bulkPlan) encodeUndo() []byte {
	b := []byte(bulkJournalMagic)
	b = binary.AppendUvarint(b, p.horizon)
	b = binary.AppendUvarint(b, p.size)
	b = binary.AppendUvarint(b, uint64(len(p.undo)))
	for _, u := range p.undo {
		for _, f := range [][]byte{u.bucket, u.key, u.old} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// bulkUndo is a decoded undo journal.
type bulkUndo struct {
	horizon, size uint64
	entries       []undoEntry
}

// decodeUndo decodes a journal; ok is false for a journal that was not
// written whole (no commit of its write happened then).
func decodeUndo(b []byte) (u bulkUndo, ok bool) {
	if len(b) < len(bulkJournalMagic)+4 || !bytes.HasPrefix(b, []byte(bulkJournalMagic)) {
		return u, false
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return u, false
	}
	r := body[len(bulkJournalMagic):]
	next := func() uint64 {
		x, n := binary.Uvarint(r)
		if n <= 0 {
			ok = false
			return 0
		}
		r = r[n:]
		return x
	}
	field := func() []byte {
		n := next()
		if !ok || n > uint64(len(r)) {
			ok = false
			return nil
		}
		f := r[:n:n]
		r = r[n:]
		return f
	}
	ok = true
	u.horizon, u.size = next(), next()
	n := next()
	for i := uint64(0); ok && i < n; i++ {
		e := undoEntry{bucket: field(), key: field(), old: field()}
		if len(e.old) == 0 {
			e.old = nil
		}
		u.entries = append(u.entries, e)
	}
	return u, ok && len(r) == 0
}

// undoBulk takes back a bulk write (complete or not) from its journal: it
// deletes every log entry above the old horizon with the keys derived from
// it, restores the changed keys, then the old size and horizon. Each step
// can be repeated, so an undo that a crash interrupts is finished at the
// next open.
func undoBulk(db *bbolt.DB, u bulkUndo) error {
	indexes, err := func() (ind []ckv.QuadIndex, err error) {
		err = db.View(func(tx *bbolt.Tx) error { ind, err = readIndexes(tx); return err })
		return ind, err
	}()
	if err != nil {
		return err
	}
	journaled := make(map[string]bool, len(u.entries))
	for _, e := range u.entries {
		journaled[string(e.bucket)+"\x00"+string(e.key)] = true
	}
	for {
		// One bounded transaction per batch of log entries above the horizon.
		n := 0
		err := db.Update(func(tx *bbolt.Tx) error {
			log := tx.Bucket(bucketLog)
			if log == nil {
				return nil
			}
			c := log.Cursor()
			var ids [][]byte
			var prims []*cproto.Primitive
			for k, v := c.Seek(be64(u.horizon + 1)); k != nil && len(ids) < bulkTxPuts/4; k, v = c.Next() {
				var p cproto.Primitive
				if err := proto.Unmarshal(v, &p); err != nil {
					return fmt.Errorf("read log entry %x: %v", k, err)
				}
				ids, prims = append(ids, bytes.Clone(k)), append(prims, &p)
			}
			n = len(ids)
			for i, p := range prims {
				if p.IsNode() {
					val, err := pquads.UnmarshalValue(p.Value)
					if err != nil {
						return fmt.Errorf("read node %d: %v", p.ID, err)
					}
					h := refs.HashOf(val)
					for _, prefix := range []byte{'n', 'v'} {
						if err := deleteKey(tx, valBucket(prefix, h), h[:], true); err != nil {
							return err
						}
					}
				} else {
					for _, ind := range indexes {
						k := ind.KeyFor(p)
						if journaled[string(k[0])+"\x00"+string(k[1])] {
							continue // restored below
						}
						if err := deleteKey(tx, k[0], k[1], false); err != nil {
							return err
						}
					}
				}
				if err := log.Delete(ids[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return db.Update(func(tx *bbolt.Tx) error {
		for _, e := range u.entries {
			if e.old == nil {
				if err := deleteKey(tx, e.bucket, e.key, false); err != nil {
					return err
				}
				continue
			}
			b, err := tx.CreateBucketIfNotExists(e.bucket)
			if err != nil {
				return err
			}
			if err := b.Put(e.key, e.old); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put([]byte("size"), le64(u.size)); err != nil {
			return err
		}
		return meta.Put([]byte("horizon"), le64(u.horizon))
	})
}

// deleteKey deletes bucket/key if present, and the bucket with it if
// dropEmpty and nothing is left in it.
func deleteKey(tx *bbolt.Tx, bucket, key []byte, dropEmpty bool) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return err
	}
	if k, _ := b.Cursor().First(); dropEmpty && k == nil {
		return tx.DeleteBucket(bucket)
	}
	return nil
}
