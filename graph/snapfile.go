package graph

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	"go.etcd.io/bbolt"
)

// The persisted read model: a base written beside the durable store, so
// that Open reads it in one pass instead of rebuilding it from cayley's
// data.
//
// File layout (little-endian; the header and every section padded to 8
// bytes, so that each section starts 8-aligned):
//
//	magic "BLRMSNAP", format uint32, layout uint32 (a fingerprint of the
//	record types and the architecture), stamp uint64 (the store's
//	snapshot stamp, below), quads uint64, nsections uint32, then for each
//	section its length in bytes (uint64), then the sections, then the
//	CRC-32C (Castagnoli) of everything before it.
//
// The sections are the base's slices, copied as they are in memory
// (arena, terms, entities, facts, attributes, provenance, adjacency,
// string lists), then the attribute names and the quads that fit
// neither an entity nor a fact, each value in cayley's protobuf encoding.
// Open reads the file into one buffer and the base's slices point into it
// (viewRaw): nothing is decoded but the names and those quads.
//
// The stamp says which state of the store the file reflects. The store
// keeps its own stamp (bbolt: a key in Blurline's bucket of the same
// database) and moves it on before the first write after a file could have
// claimed it, in a transaction of its own, before the write itself. A
// file whose stamp differs from the store's is stale; Open rebuilds the
// read model then, as it does for a file that is missing, truncated,
// corrupt or of another format or layout: a bad file is never used. The
// file is written to a temporary name, synced, renamed over the old one
// and the directory synced: a crash leaves the old file or the new one,
// never a torn one under the real name.

const (
	snapName    = "readmodel.snap"
	snapMagic   = "BLRMSNAP"
	snapFormat  = 3 // 3: markings on entity and fact slots
	snapHdrSize = 8 + 4 + 4 + 8 + 8 + 4
)

var snapCRC = crc32.MakeTable(crc32.Castagnoli)

// snapLayout fingerprints the in-memory layout the sections copy.
var snapLayout = func() uint32 {
	h := crc32.NewIEEE()
	fmt.Fprintf(h, "%s %d %d %d %d %d %d %d %d", runtime.GOARCH, unsafe.Sizeof(term{}), unsafe.Sizeof(bEnt{}), unsafe.Sizeof(bFact{}),
		unsafe.Sizeof(bAttr{}), unsafe.Sizeof(bProp{}), unsafe.Sizeof(strRef{}), unsafe.Sizeof(span{}), unsafe.Sizeof(bTime{}))
	return h.Sum32()
}()

// errSnapshot marks a file that cannot be used (it is rebuilt).
var errSnapshot = errors.New("unusable read-model snapshot")

func rawBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// viewRaw returns section b as a []T without copying it: the base's
// slices point into the file's buffer, which is read once and kept, so a
// load holds one copy of the model rather than the file and a decoded
// copy beside it. Sections start 8-aligned within the file; a buffer that
// does not (never one from os.ReadFile, whose large allocations are
// page-aligned) is copied into one that does.
func viewRaw[T any](b []byte) ([]T, error) {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b)%size != 0 {
		return nil, fmt.Errorf("%w: section of %d bytes is not a multiple of %d", errSnapshot, len(b), size)
	}
	if len(b) == 0 {
		return nil, nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(zero) != 0 {
		out := make([]T, len(b)/size)
		copy(rawBytes(out), b)
		return out, nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size), nil
}

// encodeValues appends vals, each in cayley's protobuf encoding (length 0: nil).
func encodeValues(buf []byte, vals ...quad.Value) ([]byte, error) {
	for _, v := range vals {
		var raw []byte
		if v != nil {
			var err error
			if raw, err = pquads.MarshalValue(v); err != nil {
				return nil, err
			}
		}
		buf = binary.AppendUvarint(buf, uint64(len(raw)))
		buf = append(buf, raw...)
	}
	return buf, nil
}

func decodeValue(b []byte) (quad.Value, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, fmt.Errorf("%w: truncated value", errSnapshot)
	}
	raw, rest := b[k:k+int(n)], b[k+int(n):]
	if n == 0 {
		return nil, rest, nil
	}
	v, err := pquads.UnmarshalValue(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: value: %v", errSnapshot, err)
	}
	return v, rest, nil
}

// encodeSnapshot returns the file's bytes for base b (with other, quads) at
// stamp; the audit records go with the other quads, as their quads.
func encodeSnapshot(b *base, other map[quad.Quad]struct{}, audit []*blurline.AuditRecord, quads int, stamp uint64) ([]byte, error) {
	var names []byte
	names = binary.AppendUvarint(names, uint64(len(b.preds)))
	for _, p := range b.preds {
		names = binary.AppendUvarint(names, uint64(len(p)))
		names = append(names, p...)
	}
	var oth []byte
	rest := slices.AppendSeq(make([]quad.Quad, 0, len(other)), maps.Keys(other))
	for _, r := range audit {
		rest = append(rest, auditQuads(r)...)
	}
	oth = binary.AppendUvarint(oth, uint64(len(rest)))
	for _, q := range rest {
		var err error
		if oth, err = encodeValues(oth, q.Subject, q.Predicate, q.Object, q.Label); err != nil {
			return nil, err
		}
	}
	sections := [][]byte{b.arena, rawBytes(b.terms), rawBytes(b.ents), rawBytes(b.facts), rawBytes(b.attrs),
		rawBytes(b.props), rawBytes(b.adj), rawBytes(b.strs), names, oth}
	size := pad8(snapHdrSize+8*len(sections)) + 4
	for _, s := range sections {
		size += pad8(len(s))
	}
	buf := make([]byte, 0, size)
	buf = append(buf, snapMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, snapFormat)
	buf = binary.LittleEndian.AppendUint32(buf, snapLayout)
	buf = binary.LittleEndian.AppendUint64(buf, stamp)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(quads))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(sections)))
	for _, s := range sections {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(s)))
	}
	buf = append(buf, make([]byte, pad8(len(buf))-len(buf))...)
	for _, s := range sections {
		buf = append(buf, s...)
		buf = append(buf, make([]byte, pad8(len(s))-len(s))...)
	}
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, snapCRC)), nil
}

func pad8(n int) int { return (n + 7) &^ 7 }

// decodeSnapshot checks data and returns the base it holds, if its stamp
// is stamp (with exact; without, if it is at most stamp).
func decodeSnapshot(data []byte, stamp uint64, exact bool) (*base, map[quad.Quad]struct{}, int, uint64, error) {
	if len(data) < snapHdrSize+4 || string(data[:8]) != snapMagic {
		return nil, nil, 0, 0, fmt.Errorf("%w: not a snapshot file (or truncated)", errSnapshot)
	}
	le := binary.LittleEndian
	if f := le.Uint32(data[8:]); f != snapFormat {
		return nil, nil, 0, 0, fmt.Errorf("%w: format %d, this version reads %d", errSnapshot, f, snapFormat)
	}
	if l := le.Uint32(data[12:]); l != snapLayout {
		return nil, nil, 0, 0, fmt.Errorf("%w: record layout %08x, this build has %08x", errSnapshot, l, snapLayout)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, snapCRC) != le.Uint32(data[len(data)-4:]) {
		return nil, nil, 0, 0, fmt.Errorf("%w: checksum mismatch (truncated or corrupt)", errSnapshot)
	}
	st := le.Uint64(data[16:])
	if exact && st != stamp || st > stamp {
		return nil, nil, 0, 0, fmt.Errorf("%w: stale (reflects store state %d, the store is at %d)", errSnapshot, st, stamp)
	}
	quads := int(le.Uint64(data[24:]))
	n := int(le.Uint32(data[32:]))
	if n != 10 || len(body) < snapHdrSize+8*n {
		return nil, nil, 0, 0, fmt.Errorf("%w: %d sections", errSnapshot, n)
	}
	secs := make([][]byte, n)
	off := pad8(snapHdrSize + 8*n)
	for i := range secs {
		l := le.Uint64(body[snapHdrSize+8*i:])
		if l > uint64(len(body)-off) {
			return nil, nil, 0, 0, fmt.Errorf("%w: section %d overruns the file", errSnapshot, i)
		}
		secs[i] = body[off : off+int(l)]
		off += pad8(int(l))
	}
	b := &base{arena: secs[0]}
	var err error
	if b.terms, err = viewRaw[term](secs[1]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.ents, err = viewRaw[bEnt](secs[2]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.facts, err = viewRaw[bFact](secs[3]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.attrs, err = viewRaw[bAttr](secs[4]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.props, err = viewRaw[bProp](secs[5]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.adj, err = viewRaw[int32](secs[6]); err != nil {
		return nil, nil, 0, 0, err
	}
	if b.strs, err = viewRaw[strRef](secs[7]); err != nil {
		return nil, nil, 0, 0, err
	}
	names := secs[8]
	cnt, k := binary.Uvarint(names)
	if k <= 0 {
		return nil, nil, 0, 0, fmt.Errorf("%w: names", errSnapshot)
	}
	names = names[k:]
	for range cnt {
		l, k := binary.Uvarint(names)
		if k <= 0 || uint64(len(names)-k) < l {
			return nil, nil, 0, 0, fmt.Errorf("%w: names", errSnapshot)
		}
		b.preds = append(b.preds, string(names[k:k+int(l)]))
		names = names[k+int(l):]
	}
	oth := secs[9]
	cnt, k = binary.Uvarint(oth)
	if k <= 0 {
		return nil, nil, 0, 0, fmt.Errorf("%w: other quads", errSnapshot)
	}
	oth = oth[k:]
	other := make(map[quad.Quad]struct{}, cnt)
	for range cnt {
		var vals [4]quad.Value
		for i := range vals {
			if vals[i], oth, err = decodeValue(oth); err != nil {
				return nil, nil, 0, 0, err
			}
		}
		other[quad.Quad{Subject: vals[0], Predicate: vals[1], Object: vals[2], Label: vals[3]}] = struct{}{}
	}
	if err := b.check(); err != nil {
		return nil, nil, 0, 0, err
	}
	b.buildTables()
	b.count()
	return b, other, quads, st, nil
}

// check verifies that every reference of the base stays inside it, so
// that a file that passed the checksum but was written wrong cannot make
// a read go out of bounds.
func (b *base) check() error {
	bad := func(what string, i int) error { return fmt.Errorf("%w: %s %d out of range", errSnapshot, what, i) }
	ref := func(r strRef) bool { return uint64(r.off)+uint64(r.n) <= uint64(len(b.arena)) }
	sp := func(s span, n int) bool { return uint64(s.off)+uint64(s.n) <= uint64(n) }
	for i, t := range b.terms {
		if t.kind > tOther || !ref(t.a) || !ref(t.b) {
			return bad("term", i)
		}
	}
	nt, ne, nf := uint32(len(b.terms)), int32(len(b.ents)), int32(len(b.facts))
	for i := range b.ents {
		x := &b.ents[i]
		if x.iri >= nt || !sp(x.attrs, len(b.attrs)) || !sp(x.out, len(b.adj)) || !sp(x.in, len(b.adj)) ||
			!sp(x.aliases, len(b.strs)) || !sp(x.srcs, len(b.strs)) || !sp(x.extIDs, len(b.strs)) ||
			!ref(x.id) || !ref(x.class) || !ref(x.name) || !ref(x.desc) ||
			!ref(x.recPublisher) || !ref(x.recKind) || !ref(x.recRel) || !ref(x.recCopy) || x.lo > blurline.TLPRed || x.hi > blurline.TLPRed {
			return bad("entity", i)
		}
	}
	for i := range b.facts {
		x := &b.facts[i]
		ok := x.label < nt && x.rel[0] < nt && x.rel[1] < nt && x.rel[2] < nt && sp(x.props, len(b.props)) && sp(x.srcs, len(b.strs)) &&
			(!x.hasRel || x.subj >= 0 && x.subj < ne) && x.obj >= -1 && x.obj < ne && x.mark <= blurline.TLPRed
		for _, r := range []strRef{x.id, x.subjID, x.objID, x.pred, x.lex, x.dt, x.lang, x.asserted, x.attrKind, x.quote, x.note} {
			ok = ok && ref(r)
		}
		if !ok {
			return bad("fact", i)
		}
	}
	for i, a := range b.attrs {
		if a.pred >= uint32(len(b.preds)) || a.val >= nt || a.label >= nt {
			return bad("attribute", i)
		}
	}
	for i, p := range b.props {
		if p.pred >= uint32(len(b.preds)) || p.val >= nt {
			return bad("provenance", i)
		}
	}
	for i, f := range b.adj {
		if f < 0 || f >= nf {
			return bad("adjacency", i)
		}
	}
	for i, r := range b.strs {
		if !ref(r) {
			return bad("string", i)
		}
	}
	for i, t := range b.terms {
		if t.kind == tOther {
			if _, err := pquads.UnmarshalValue([]byte(b.str(t.a))); err != nil {
				return bad("term", i)
			}
		}
	}
	return nil
}

// count derives the base's counts from its records.
func (b *base) count() {
	b.byClass, b.byPred = map[blurline.Class]int{}, map[blurline.Predicate]int{}
	for i := range b.ents {
		if x := &b.ents[i]; x.hasNode {
			b.nodes++
			b.byClass[blurline.Class(b.str(x.class))]++
		}
	}
	for i := range b.facts {
		if x := &b.facts[i]; x.hasRel {
			b.nfacts++
			b.byPred[blurline.Predicate(b.str(x.pred))]++
			if x.prov {
				b.prov++
			}
		}
	}
}

// writeSnapshotFile writes data to path atomically: a temporary file in
// the same directory, synced, renamed over path, the directory synced.
// snapWriteHook, when set (tests), sees the temporary file half written.
func writeSnapshotFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, snapName+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	half := len(data) / 2
	if _, err := f.Write(data[:half]); err != nil {
		return fail(err)
	}
	if h := snapWriteHook.Load(); h != nil {
		(*h)(tmp)
	}
	if _, err := f.Write(data[half:]); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// snapWriteHook is atomic because a test sets it while a background
// snapshot save of the store it opened may be running.
var snapWriteHook atomic.Pointer[func(tmp string)]

// removeSnapshotTemps removes temporary files a crash left behind.
func removeSnapshotTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, snapName+".tmp-*"))
	for _, n := range names {
		os.Remove(n)
	}
}

// bbolt: the stamp lives in Blurline's own bucket of cayley's database.

var (
	bucketBlurline = []byte("blurline")
	keySnapStamp   = []byte("snapshot-stamp")
)

func readStamp(db *bbolt.DB) (uint64, error) {
	var st uint64
	err := db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketBlurline); b != nil {
			if v := b.Get(keySnapStamp); len(v) == 8 {
				st = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return st, err
}

func bumpStamp(db *bbolt.DB) (uint64, error) {
	var st uint64
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketBlurline)
		if err != nil {
			return err
		}
		if v := b.Get(keySnapStamp); len(v) == 8 {
			st = binary.BigEndian.Uint64(v)
		}
		st++
		return b.Put(keySnapStamp, binary.BigEndian.AppendUint64(nil, st))
	})
	return st, err
}

// snapPath is where the store keeps its snapshot file ("" for none): in
// a bbolt store's data directory; for PostgreSQL, a local file of this
// server's (see pgSnapPath).
func (s *Store) snapPath() string {
	switch {
	case s.pgSnap != "":
		return s.pgSnap
	case s.bolt == nil || s.dir == "":
		return ""
	}
	return filepath.Join(s.dir, snapName)
}

// PGSnapshotDir is where servers on PostgreSQL keep their local read-model
// snapshot files ("" for the user's cache directory, blurline/ in it).
var PGSnapshotDir = ""

// pgSnapPath names this server's snapshot file of the database: one file
// per database identity (the cluster's system identifier, or its start
// time where that is not readable, the database's oid and name), so that
// a file never stands for another database. Its stamp is the data
// version it reflects; Open catches up from there through the change log.
func (c *pgCoord) snapPath(ctx context.Context) (string, error) {
	dir := PGSnapshotDir
	if dir == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(d, "blurline")
	}
	var id string
	if err := c.db.QueryRowContext(ctx, "SELECT system_identifier::text FROM pg_control_system()").Scan(&id); err != nil {
		if err := c.db.QueryRowContext(ctx, "SELECT pg_postmaster_start_time()::text").Scan(&id); err != nil {
			return "", err
		}
	}
	var oid, name string
	if err := c.db.QueryRowContext(ctx, "SELECT oid::text, datname FROM pg_database WHERE datname = current_database()").Scan(&oid, &name); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	h := crc32.Checksum([]byte(id+"\x00"+oid+"\x00"+name), snapCRC)
	h2 := crc32.ChecksumIEEE([]byte(id + "\x00" + oid + "\x00" + name))
	return filepath.Join(dir, fmt.Sprintf("pg-%08x%08x.snap", h, h2)), nil
}

// loadSnapshot reads the snapshot file, if there is a usable one, and
// publishes it; it reports whether it did.
func (s *Store) loadSnapshot(ctx context.Context) bool {
	path := s.snapPath()
	if path == "" {
		return false
	}
	removeSnapshotTemps(filepath.Dir(path))
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		s.lg.Warn("cannot read the read-model snapshot; rebuilding it", "err", err)
		return false
	}
	stamp, exact := s.stamp, true
	if s.pg != nil {
		stamp, exact = uint64(s.seen.Load()), false
	}
	b, other, quads, st, err := decodeSnapshot(data, stamp, exact)
	if err != nil {
		s.lg.Info("the read-model snapshot cannot be used; rebuilding it", "reason", err)
		return false
	}
	s.cur.Store(newSnapshot(0, b, other, quads))
	s.snapCurrent = true
	if s.pg != nil && st < stamp {
		// Catch up with the writes made since the file, from the change
		// log (or by a rebuild, if the log no longer has them all).
		s.seen.Store(int64(st))
		s.mu.Lock()
		err := s.syncLocked(ctx, int64(stamp))
		s.mu.Unlock()
		if err != nil {
			s.lg.Warn("cannot catch the read-model snapshot up; rebuilding it", "err", err)
			s.seen.Store(int64(stamp))
			s.cur.Store(nil)
			return false
		}
	}
	return true
}

// invalidateSnapshot moves the store's stamp on before a write when a
// snapshot file may claim the current one. The caller holds s.mu for writing.
func (s *Store) invalidateSnapshot() error {
	if s.bolt == nil {
		return nil
	}
	s.snapCurrent = false
	if !s.snapClaimed {
		return nil
	}
	st, err := bumpStamp(s.bolt)
	if err != nil {
		return blurline.Errorf(blurline.ErrInternal, "mark the read-model snapshot stale: %v", err)
	}
	s.stamp, s.snapClaimed = st, false
	return nil
}

// saveSnapshot writes the current read model to the snapshot file, if
// the store keeps one and the file is not current already. It holds s.mu
// only to note what it writes: writes go on meanwhile (the first one
// moves the stamp on, so the file is stale at once).
func (s *Store) saveSnapshot(ctx context.Context) error {
	path := s.snapPath()
	if path == "" {
		return nil
	}
	s.mu.Lock()
	sn, stamp := s.cur.Load(), s.stamp
	if s.pg != nil {
		stamp = uint64(s.seen.Load())
	}
	if s.snapCurrent || sn == nil {
		s.mu.Unlock()
		return nil
	}
	s.snapClaimed, s.snapCurrent = true, true
	s.mu.Unlock()
	err := func() error {
		if sn.o.size() > 0 {
			sn = sn.merged()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := encodeSnapshot(sn.b, sn.other, sn.audit, sn.quads, stamp)
		if err != nil {
			return err
		}
		return writeSnapshotFile(path, data)
	}()
	if err != nil {
		s.mu.Lock()
		if s.stamp == stamp {
			s.snapCurrent = false
		}
		s.mu.Unlock()
		s.lg.Warn("cannot write the read-model snapshot", "err", err)
	}
	return err
}
