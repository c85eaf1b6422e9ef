package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
	"github.com/blurline/blurline/internal/testlog"
	"github.com/blurline/blurline/seed"
	cgraph "github.com/cayleygraph/cayley/graph"
	cproto "github.com/cayleygraph/cayley/graph/proto"
	"github.com/cayleygraph/cayley/query/path"
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// kvTestQuads returns generated quads, the seed and tricky literals:
// typed, language-tagged, unicode, blank nodes, quads without a label.
func kvTestQuads(tb testing.TB, n int) []quad.Quad {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: n, Seed: 3}); err != nil {
		tb.Fatal(err)
	}
	fsys := seed.FS()
	srcs, closeAll, err := sourcesFromFS(fsys)
	if err != nil {
		tb.Fatal(err)
	}
	defer closeAll()
	srcs = append(srcs, Source{Name: "gen.nq", R: &buf})
	var out []quad.Quad
	seen := map[quad.Quad]bool{}
	add := func(q quad.Quad) {
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	for _, src := range srcs {
		r := newNQuadsReader(src.R)
		for {
			lq, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			add(lq.Quad)
		}
	}
	s, p := quad.IRI("http://ex.org/s"), quad.IRI("http://ex.org/p")
	for _, o := range []quad.Value{
		quad.String("plain"), quad.String("ünïcödé ✓ 日本語"), quad.String(""),
		quad.LangString{Value: "bonjour", Lang: "fr"}, quad.LangString{Value: "hello", Lang: "en-GB"},
		quad.TypedString{Value: "42", Type: "http://www.w3.org/2001/XMLSchema#integer"},
		quad.TypedString{Value: "2020-01-02", Type: "http://www.w3.org/2001/XMLSchema#date"},
		quad.BNode("b1"), quad.IRI("http://ex.org/ö"),
	} {
		add(quad.Quad{Subject: s, Predicate: p, Object: o})
		add(quad.Quad{Subject: s, Predicate: p, Object: o, Label: quad.IRI("http://ex.org/g")})
	}
	add(quad.Quad{Subject: quad.BNode("b1"), Predicate: p, Object: s, Label: quad.BNode("g2")})
	return out
}

// newKV opens a new, empty cayley bbolt store in a temporary directory.
func newKV(tb testing.TB) (string, *bbolt.DB, cgraph.QuadStore) {
	tb.Helper()
	dir := tb.TempDir()
	db, qs, err := openBBolt(dir)
	if err != nil {
		tb.Fatal(err)
	}
	db.NoSync = true // no fsync per commit: these tests do not cut the power
	tb.Cleanup(func() { qs.Close() })
	return dir, db, qs
}

// dumpKV lists every bucket and key of db; log primitives are shown
// decoded, without their timestamps (the time of the write).
func dumpKV(tb testing.TB, db *bbolt.DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				key := fmt.Sprintf("%q/%x", name, k)
				if string(name) == "log" {
					var p cproto.Primitive
					if err := proto.Unmarshal(v, &p); err != nil {
						return err
					}
					if p.Timestamp == 0 {
						return fmt.Errorf("log entry %x has no timestamp", k)
					}
					p.Timestamp = 0
					out[key] = fmt.Sprintf("id=%d s=%d p=%d o=%d l=%d del=%v val=%x", p.ID, p.Subject, p.Predicate, p.Object, p.Label, p.Deleted, p.Value)
					return nil
				}
				out[key] = fmt.Sprintf("%x", v)
				return nil
			})
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func diffKV(tb testing.TB, what string, want, got map[string]string) {
	tb.Helper()
	n := 0
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			if n++; n <= 10 {
				tb.Errorf("%s: key %s = %q, want %q", what, k, g, w)
			}
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			if n++; n <= 10 {
				tb.Errorf("%s: extra key %s = %q", what, k, g)
			}
		}
	}
	if n > 0 {
		tb.Fatalf("%s: %d keys differ (of %d wanted, %d got)", what, n, len(want), len(got))
	}
}

func applyOrFail(tb testing.TB, qs cgraph.QuadStore, qq []quad.Quad, a cgraph.Procedure) {
	tb.Helper()
	if err := qs.ApplyDeltas(deltasOf(qq, a), cgraph.IgnoreOpts{}); err != nil {
		tb.Fatalf("ApplyDeltas: %v", err)
	}
}

// TestBulkWriteMatchesApplyDeltas writes the same quads once through
// cayley's ApplyDeltas and once through a bulk write and compares every
// bucket; then it checks that cayley reads and changes the bulk-written
// store as its own, and that loading again changes nothing.
func TestBulkWriteMatchesApplyDeltas(t *testing.T) {
	ctx := context.Background()
	all := kvTestQuads(t, 3000)
	half := len(all) / 2
	first, second := all[:half], all[half:]

	_, refDB, ref := newKV(t)
	dir, bulkDB, _ := newKV(t)

	// An empty store, then a store with data (the second write overlaps the first).
	applyOrFail(t, ref, first, cgraph.Add)
	if n, err := bulkWrite(ctx, bulkDB, dir, first); err != nil || n != len(first) {
		t.Fatalf("bulkWrite(first) = %d, %v; want %d", n, err, len(first))
	}
	diffKV(t, "after the first write", dumpKV(t, refDB), dumpKV(t, bulkDB))
	applyOrFail(t, ref, second, cgraph.Add)
	overlapping := append(append([]quad.Quad{}, first[:100]...), second...)
	overlapping = append(overlapping, second[:50]...) // repeats within the input
	if n, err := bulkWrite(ctx, bulkDB, dir, overlapping); err != nil || n != len(second) {
		t.Fatalf("bulkWrite(second) = %d, %v; want %d", n, err, len(second))
	}
	diffKV(t, "after the second write", dumpKV(t, refDB), dumpKV(t, bulkDB))

	// Loading again changes nothing.
	before := dumpKV(t, bulkDB)
	if n, err := bulkWrite(ctx, bulkDB, dir, all); err != nil || n != 0 {
		t.Fatalf("bulkWrite(all again) = %d, %v; want 0", n, err)
	}
	diffKV(t, "after writing everything again", before, dumpKV(t, bulkDB))

	// cayley on the bulk-written store, opened as any later process would.
	bulk, err := cgraphQuadStore(bulkDB)
	if err != nil {
		t.Fatal(err)
	}
	checkCayleyReads(t, bulk, all)

	// Deletes (a node whose last quad goes disappears) and adds through
	// cayley, the same on both: the stores stay equal.
	var dels []quad.Quad
	for _, q := range all {
		if q.Subject == quad.IRI("http://ex.org/s") || strings.Contains(fmt.Sprint(q.Subject), "s3-bureau1>") {
			dels = append(dels, q)
		}
	}
	dels = append(dels, all[len(all)-1])
	for _, qs := range []cgraph.QuadStore{ref, bulk} {
		applyOrFail(t, qs, dels, cgraph.Delete)
	}
	diffKV(t, "after cayley deleted quads", dumpKV(t, refDB), dumpKV(t, bulkDB))
	for _, qs := range []cgraph.QuadStore{ref, bulk} {
		if v, err := qs.ValueOf(quad.IRI("http://ex.org/s")); err != nil || v != nil {
			t.Errorf("ValueOf(a node without quads) = %v, %v; want none", v, err)
		}
		applyOrFail(t, qs, dels[:len(dels)/2], cgraph.Add)
	}
	diffKV(t, "after cayley added them back", dumpKV(t, refDB), dumpKV(t, bulkDB))
	checkCayleyReads(t, bulk, append(all[:0:0], keepOut(all, dels[len(dels)/2:])...))

	// A bulk write of the rest of the deleted quads (new ids; the deleted
	// primitives stay in the log, as with cayley).
	rest := dels[len(dels)/2:]
	applyOrFail(t, ref, rest, cgraph.Add)
	if n, err := bulkWrite(ctx, bulkDB, dir, all); err != nil || n != len(rest) {
		t.Fatalf("bulkWrite(deleted quads again) = %d, %v; want %d", n, err, len(rest))
	}
	diffKV(t, "after a bulk write re-added deleted quads", dumpKV(t, refDB), dumpKV(t, bulkDB))
	bulk, err = cgraphQuadStore(bulkDB)
	if err != nil {
		t.Fatal(err)
	}
	checkCayleyReads(t, bulk, all)

	// The read model's fast rebuild reads what cayley reads, in its order,
	// on a store with deleted quads and nodes.
	for _, c := range []struct {
		db *bbolt.DB
		qs cgraph.QuadStore
	}{{refDB, ref}, {bulkDB, bulk}} {
		var want, got []quad.Quad
		it := c.qs.QuadsAllIterator().Iterate()
		for it.Next(ctx) {
			q, err := c.qs.Quad(it.Result())
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, q)
		}
		it.Close()
		if err := rebuildKV(ctx, c.db, func(q quad.Quad, _ *nodeIDs) { got = append(got, q) }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rebuildKV read %d quads, cayley %d (or another order)", len(got), len(want))
		}
	}
}

func keepOut(all, out []quad.Quad) []quad.Quad {
	drop := map[quad.Quad]bool{}
	for _, q := range out {
		drop[q] = true
	}
	var keep []quad.Quad
	for _, q := range all {
		if !drop[q] {
			keep = append(keep, q)
		}
	}
	return keep
}

// checkCayleyReads checks what cayley reads from qs against want: every
// quad, the size, and a lookup on each index.
func checkCayleyReads(tb testing.TB, qs cgraph.QuadStore, want []quad.Quad) {
	tb.Helper()
	ctx := context.Background()
	got := map[quad.Quad]bool{}
	it := qs.QuadsAllIterator().Iterate()
	for it.Next(ctx) {
		q, err := qs.Quad(it.Result())
		if err != nil {
			tb.Fatal(err)
		}
		got[q] = true
	}
	it.Close()
	if len(got) != len(want) {
		tb.Errorf("cayley iterates %d quads, want %d", len(got), len(want))
	}
	for _, q := range want {
		if !got[q] {
			tb.Fatalf("cayley does not find %v", q)
		}
	}
	st, err := qs.Stats(ctx, false)
	if err != nil || st.Quads.Value != int64(len(want)) {
		tb.Errorf("Stats = %+v, %v; want %d quads", st, err, len(want))
	}
	// Out (subject-predicate index) and In (object-predicate-subject index)
	// from a few subjects, against the quads.
	for _, q := range want[:min(len(want), 40)] {
		var outWant, inWant int
		for _, w := range want {
			if w.Subject == q.Subject && w.Predicate == q.Predicate {
				outWant++
			}
			if w.Object == q.Object && w.Predicate == q.Predicate {
				inWant++
			}
		}
		outs, err := path.StartPath(qs, q.Subject).Out(q.Predicate).Iterate(ctx).AllValues(qs)
		if err != nil || len(outs) != outWant {
			tb.Errorf("Out(%v, %v): %d values, %v; want %d", q.Subject, q.Predicate, len(outs), err, outWant)
		}
		ins, err := path.StartPath(qs, q.Object).In(q.Predicate).Iterate(ctx).AllValues(qs)
		if err != nil || len(ins) != inWant {
			tb.Errorf("In(%v, %v): %d values, %v; want %d", q.Object, q.Predicate, len(ins), err, inWant)
		}
	}
}

// TestBulkWriteUndo interrupts bulk writes after each of their commits and
// checks that the undo (in process, and from the journal on the next open)
// leaves the store exactly as before.
func TestBulkWriteUndo(t *testing.T) {
	ctx := context.Background()
	all := kvTestQuads(t, 1200)
	dir, db, _ := newKV(t)
	base := all[:len(all)/3]
	if _, err := bulkWrite(ctx, db, dir, base); err != nil {
		t.Fatal(err)
	}
	before := dumpKV(t, db)
	defer func(n int) { bulkTxPuts = n }(bulkTxPuts)
	bulkTxPuts = 600 // many small transactions
	errCrash := errors.New("simulated crash")
	crashAt := func(stop int) {
		bulkCommitHook = func(n int) error {
			if n == stop {
				return errCrash
			}
			return nil
		}
	}
	defer func() { bulkCommitHook = nil }()
	commits := 0
	for stop, next := 1, 2; ; stop, next = next, stop+next { // 1, 2, 3, 5, 8, ...: each phase of the write
		crashAt(stop)
		n, err := bulkWrite(ctx, db, dir, all)
		bulkCommitHook = nil
		if err == nil {
			if n != len(all)-len(base) {
				t.Fatalf("bulkWrite = %d, want %d", n, len(all)-len(base))
			}
			commits = stop
			break
		}
		if !errors.Is(err, errCrash) && !strings.Contains(err.Error(), errCrash.Error()) {
			t.Fatalf("stop %d: %v", stop, err)
		}
		diffKV(t, fmt.Sprintf("undone after commit %d", stop), before, dumpKV(t, db))
		if _, err := os.Stat(filepath.Join(dir, bulkJournalName)); !os.IsNotExist(err) {
			t.Fatalf("journal left after an undone write: %v", err)
		}
	}
	if commits < 8 {
		t.Fatalf("the write took fewer than %d transactions; want several", commits)
	}
	after := dumpKV(t, db)

	// A crash: the journal stays, and the next open undoes the write.
	more := kvTestQuads(t, 2500)
	s := &Store{lg: testlog.New(t), dir: dir, bolt: db}
	for _, stop := range []int{1, 3, 1000} { // 1000: after the last commit
		p, err := planBulk(db, more)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.collectIndexUndo(db); err != nil {
			t.Fatal(err)
		}
		if err := writeSynced(filepath.Join(dir, bulkJournalName), p.encodeUndo()); err != nil {
			t.Fatal(err)
		}
		crashAt(stop)
		err = p.write(ctx, db)
		bulkCommitHook = nil
		if err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("write with a crash after commit %d: %v", stop, err)
		}
		if err := s.recoverBulk(); err != nil {
			t.Fatal(err)
		}
		diffKV(t, fmt.Sprintf("recovered after a crash after commit %d", stop), after, dumpKV(t, db))
		if _, err := os.Stat(filepath.Join(dir, bulkJournalName)); !os.IsNotExist(err) {
			t.Fatalf("journal left after recovery: %v", err)
		}
		checkCayleyReads(t, s.qs, all)
	}

	// A torn journal (its write never began) is dropped; nothing changes.
	p, err := planBulk(db, more)
	if err != nil {
		t.Fatal(err)
	}
	j := p.encodeUndo()
	if err := writeSynced(filepath.Join(dir, bulkJournalName), j[:len(j)-3]); err != nil {
		t.Fatal(err)
	}
	if err := s.recoverBulk(); err != nil {
		t.Fatal(err)
	}
	diffKV(t, "after a torn journal", after, dumpKV(t, db))
}

// cgraphQuadStore opens cayley's quad store on db anew.
func cgraphQuadStore(db *bbolt.DB) (cgraph.QuadStore, error) {
	s := &Store{bolt: db}
	if err := s.reopenCayley(); err != nil {
		return nil, err
	}
	return s.qs, nil
}

// TestStoreBulkLoad loads more than bulkMinQuads quads (a bulk write) into
// bbolt and the same into memory: the stores, the read models and what a
// reopened store reads must agree; then writes through cayley on top.
func TestStoreBulkLoad(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { bulkMinQuads = n }(bulkMinQuads)
	bulkMinQuads = 2000
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: bulkMinQuads + 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	dir := t.TempDir()
	ref := mustOpen(t, "memory:")
	s := mustOpen(t, "bbolt:"+dir)
	for _, st := range []*Store{ref, s} {
		mustLoadFile(t, st, "testdata/small.nq")
		res, err := st.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
		if err != nil || res.Added <= bulkMinQuads {
			t.Fatalf("%s: Load = %+v, %v", st.Backend(), res, err)
		}
	}
	same := func(what string) {
		t.Helper()
		if got, want := export(t, s), export(t, ref); got != want {
			t.Fatalf("%s: bbolt store exports %d bytes, memory %d", what, len(got), len(want))
		}
		gs, _ := s.Stats(ctx)
		ws, _ := ref.Stats(ctx)
		if fmt.Sprint(gs) != fmt.Sprint(ws) {
			t.Fatalf("%s: Stats = %+v, want %+v", what, gs, ws)
		}
	}
	same("after the bulk load")
	s.Close()
	s = mustOpen(t, "bbolt:"+dir)
	same("reopened")
	// Loading again changes nothing.
	if res, err := s.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil || res.Added != 0 {
		t.Fatalf("second Load = %+v, %v; want nothing added", res, err)
	}
	// Small writes (cayley's ApplyDeltas) on the bulk-written store.
	for _, st := range []*Store{ref, s} {
		if _, err := st.Retract(ctx, "mss-part-of-prc"); err != nil {
			t.Fatalf("%s: Retract: %v", st.Backend(), err)
		}
		mustLoadFile(t, st, "testdata/small.nq")
	}
	same("after a retract and a load")
	s.Close()
	s = mustOpen(t, "bbolt:"+dir)
	same("reopened again")
}

// TestLoader loads through a Loader (no read model; checks against the
// bbolt store; bulk writes) and compares with a Store doing the same.
func TestLoader(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: 3000, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	dir := t.TempDir()
	ref := mustOpen(t, "memory:")
	if _, _, err := ref.EnsureSeed(ctx, seed.FS()); err != nil {
		t.Fatal(err)
	}
	mustLoadFile(t, ref, "testdata/small.nq")
	refGen, err := ref.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}

	l, err := OpenLoader(ctx, testlog.New(t), "bbolt:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded, _, err := l.EnsureSeed(ctx, seed.FS()); err != nil || !loaded {
		t.Fatalf("EnsureSeed = %v, %v; want loaded", loaded, err)
	}
	if loaded, _, err := l.EnsureSeed(ctx, seed.FS()); err != nil || loaded {
		t.Fatalf("second EnsureSeed = %v, %v; want nothing loaded", loaded, err)
	}
	f, err := os.Open("testdata/small.nq")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := l.Load(ctx, Source{Name: "small.nq", R: f}); err != nil {
		t.Fatal(err)
	}
	// Every broken input is refused as a Store refuses it, checked
	// against what the store holds, and changes nothing.
	for _, tc := range brokenCases() {
		_, err := l.Load(ctx, Source{Name: "broken.nq", R: strings.NewReader(brokenHeader + tc.body)})
		var ie *InputError
		if !errors.As(err, &ie) || len(ie.Problems) == 0 {
			t.Fatalf("%s: Load = %v, want an *InputError", tc.name, err)
		}
		if p := ie.Problems[0]; p.Line != tc.line || !strings.Contains(p.Msg, tc.want) {
			t.Errorf("%s: first problem = %q, want line %d: ...%s...", tc.name, p, tc.line, tc.want)
		}
	}
	res, err := l.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
	if err != nil || res != refGen {
		t.Fatalf("Loader.Load = %+v, %v; want %+v", res, err, refGen)
	}
	// Loading again adds nothing (checked against the store, not a model).
	if res, err := l.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil || res.Added != 0 {
		t.Fatalf("second Loader.Load = %+v, %v; want nothing added", res, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, "bbolt:"+dir)
	if got, want := export(t, s), export(t, ref); got != want {
		t.Fatalf("the Loader's store exports %d bytes, the reference %d", len(got), len(want))
	}
	if !s.Seeded() {
		t.Errorf("the Loader's store is not marked seeded")
	}
	gs, _ := s.Stats(ctx)
	ws, _ := ref.Stats(ctx)
	if fmt.Sprint(gs) != fmt.Sprint(ws) {
		t.Fatalf("Stats = %+v, want %+v", gs, ws)
	}
}

// TestBulkWriteCancelled: a bulk write whose context ends stops with the
// context's error and leaves the store as it was, its audit record too,
// on both stores with a bulk path (bbolt's kv writer, PostgreSQL's COPY).
func TestBulkWriteCancelled(t *testing.T) {
	adds := kvTestQuads(t, bulkMinQuads+5000)
	for name, open := range backends(t) {
		if name == "memory" {
			continue // no bulk path: cayley's memstore write takes no context
		}
		t.Run(name, func(t *testing.T) {
			s := open(t)
			loadGenerated(t, s, 2000)
			before := export(t, s)
			v := s.Version()
			ctx, cancel := context.WithCancel(as("alice", "192.0.2.1:1"))
			cancel()
			s.mu.Lock()
			_, err := s.apply(ctx, writeOp{action: "load"}, adds, nil)
			s.mu.Unlock()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled bulk write: got %v, want context.Canceled", err)
			}
			if got := export(t, s); got != before {
				t.Fatalf("the store changed after a cancelled bulk write: %s", firstDiff(before, got))
			}
			if s.Version() != v {
				t.Fatalf("version moved from %d to %d", v, s.Version())
			}
			if s.dir != "" {
				if _, err := os.Stat(filepath.Join(s.dir, bulkJournalName)); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the undo journal is still there: %v", err)
				}
			}
			// The store still takes the same write afterwards.
			s.mu.Lock()
			_, err = s.apply(as("alice", "192.0.2.1:1"), writeOp{action: "load"}, adds, nil)
			s.mu.Unlock()
			if err != nil {
				t.Fatalf("bulk write after the cancelled one: %v", err)
			}
			if pg := history(t, s, blurline.AuditQuery{}); len(pg.Records) != 1 || pg.Records[0].Principal != "alice" {
				t.Fatalf("trail after a cancelled and a committed write: %+v, want the second's record alone", trailOf(pg.Records))
			}
			if export(t, s) == before {
				t.Fatal("the bulk write after the cancelled one wrote nothing")
			}
		})
	}
}

// TestRebuildNodeIDs checks that the builder's interning through cayley's
// node ids builds the same read model, byte for byte, as interning every
// quad's values, on a store whose writes deleted quads and nodes.
func TestRebuildNodeIDs(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "bbolt:"+t.TempDir())
	loadGenerated(t, s, 5000)
	facts, err := s.Facts(ctx, blurline.FactQuery{})
	if err != nil || len(facts) < 10 {
		t.Fatalf("Facts: %d, %v", len(facts), err)
	}
	for _, f := range facts[:10] {
		if _, err := s.Retract(ctx, f.ID); err != nil {
			t.Fatalf("Retract(%s): %v", f.ID, err)
		}
	}
	build := func(ids bool) ([]byte, map[quad.Quad]struct{}) {
		b, other, n, err := buildBase(func(add addFunc) error {
			return rebuildKV(ctx, s.bolt, func(q quad.Quad, id *nodeIDs) {
				if !ids {
					id = nil
				}
				add(q, id)
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		data, err := encodeSnapshot(b, nil, nil, n, 0)
		if err != nil {
			t.Fatal(err)
		}
		return data, other
	}
	want, wantOther := build(false)
	got, gotOther := build(true)
	if !bytes.Equal(got, want) || !maps.Equal(gotOther, wantOther) {
		t.Fatalf("read model through node ids differs: %d bytes, %d other quads; want %d, %d", len(got), len(gotOther), len(want), len(wantOther))
	}
}

// TestNodeValue checks that the log's hand decoding of node values gives
// what pquads.UnmarshalValue gives, for the kinds it decodes and for those
// it hands on.
func TestNodeValue(t *testing.T) {
	for _, v := range []quad.Value{
		quad.IRI("https://blurline.example/id/x"), quad.IRI(""), quad.String("a name"), quad.String(""),
		quad.String("ünïcode"), quad.BNode("b1"), quad.LangString{Value: "nom", Lang: "fr"},
		quad.TypedString{Value: "0.9", Type: "http://www.w3.org/2001/XMLSchema#decimal"},
		quad.Int(42), quad.Float(0.5), quad.Bool(true), quad.Time(time.Unix(1700000000, 5).UTC()),
	} {
		raw, err := pquads.MarshalValue(v)
		if err != nil {
			t.Fatalf("MarshalValue(%#v): %v", v, err)
		}
		want, werr := pquads.UnmarshalValue(raw)
		got, err := nodeValue(raw)
		if got != want || (err == nil) != (werr == nil) {
			t.Errorf("nodeValue(%#v) = %#v, %v; want %#v, %v", v, got, err, want, werr)
		}
	}
	// A string that is not UTF-8 is refused, as protobuf refuses it.
	bad := []byte{0x12, 0x02, 0xff, 0xfe}
	if _, err := nodeValue(bad); err == nil {
		t.Errorf("nodeValue(% x) = nil error, want protobuf's", bad)
	}
}

// TestLogEncoding: the log entries a bulk write encodes by hand are the
// bytes protobuf makes of the same primitives and values.
func TestLogEncoding(t *testing.T) {
	for _, v := range []quad.Value{
		quad.IRI("https://blurline.example/id/x"), quad.IRI(""), quad.String("a name"), quad.String(""),
		quad.String("ünïcode"), quad.String("\xff\xfe"), quad.IRI("\xff"), quad.BNode("b1"),
		quad.LangString{Value: "nom", Lang: "fr"},
		quad.TypedString{Value: "0.9", Type: "http://www.w3.org/2001/XMLSchema#decimal"},
		quad.Int(42), quad.Float(0.5), quad.Bool(true), quad.Time(time.Unix(1700000000, 5).UTC()),
	} {
		want, werr := pquads.MarshalValue(v)
		got, err := marshalNodeValue(v)
		if !bytes.Equal(got, want) || (err == nil) != (werr == nil) {
			t.Errorf("marshalNodeValue(%#v) = %x, %v; want %x, %v", v, got, err, want, werr)
		}
	}
	val, _ := pquads.MarshalValue(quad.IRI("https://blurline.example/id/x"))
	for _, p := range []*cproto.Primitive{
		{ID: 1, Timestamp: 1}, {ID: 7, Value: val, Timestamp: time.Now().UnixNano()},
		{ID: 1 << 40, Subject: 3, Predicate: 300, Object: 1 << 33, Timestamp: 12345},
		{ID: 9, Subject: 1, Predicate: 2, Object: 3, Label: 4, Timestamp: -5},
	} {
		want, err := proto.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got := appendPrimitive(nil, p.ID, [4]uint64{p.Subject, p.Predicate, p.Object, p.Label}, p.Timestamp, p.Value)
		if !bytes.Equal(got, want) {
			t.Errorf("appendPrimitive(%v) = %x, want %x", p, got, want)
		}
	}
}
