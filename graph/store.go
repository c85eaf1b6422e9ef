// Package graph is Blurline's knowledge store and the only package that
// imports cayley.
//
// A [Store] is opened from an address: "memory:" for cayley's in-memory
// store, "bbolt:PATH" (or a bare PATH) for cayley's bbolt key-value backend
// in a data directory. Writes are validated strictly and applied in one
// cayley transaction (all or nothing); reads are answered from an in-memory
// read model that mirrors the durable store and is updated after each
// committed write. One RWMutex orders every read and write, since cayley's
// stores do not survive a concurrent writer (memstore: fatal map race;
// bbolt: deadlock, cayley issue #712).
package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blurline/blurline"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/cayley/graph/memstore"
	"github.com/cayleygraph/quad"
	"go.etcd.io/bbolt"
)

// Store is a Blurline knowledge store.
type Store struct {
	lg      *slog.Logger
	addr    string
	backend string
	dir     string // data directory of an on-disk backend

	// mu orders the writes, and the backend's reads against them (cayley's
	// stores do not survive a concurrent writer); readers of the read
	// model never take it.
	mu      sync.RWMutex
	be      backend // what differs between memory, bbolt and PostgreSQL (backend.go)
	qs      cgraph.QuadStore
	cur     atomic.Pointer[snapshot] // the read model's current version; nil for a Loader
	closed  bool
	merges  sync.WaitGroup // merges and snapshot writes in the background
	merging atomic.Bool
	// importing serializes the imports that are decided against the
	// store (LockImports), apart from mu: an import reads the store, plans,
	// then writes.
	importing sync.Mutex

	// The snapshot file (snapfile.go), under mu: the store's stamp (bbolt;
	// on PostgreSQL the data version is the stamp), whether a file may claim
	// it (a write moves it on first), and whether the file reflects the
	// current version (Close writes it if not).
	stamp       uint64
	snapClaimed bool
	snapCurrent bool
	fromFile    bool   // Open read the read model from the snapshot file
	pgSnap      string // postgres: this server's snapshot file of the database

	bolt *bbolt.DB    // bbolt only: the database under cayley's kv store (for backups)
	pg   *pgCoord     // postgres only: cross-server coordination
	seen atomic.Int64 // postgres only: data version the read model reflects
}

// Open opens (creating if needed) the store at addr: "memory:", "bbolt:PATH" or PATH.
func Open(ctx context.Context, lg *slog.Logger, addr string) (_ *Store, err error) {
	defer wrap(&err, "graph.Open(%q)", Redact(addr))
	return open(ctx, lg, addr, true)
}

// open opens the store at addr; without model, a bbolt store is opened
// without its read model (s.cur stays nil: see Loader).
func open(ctx context.Context, lg *slog.Logger, addr string, model bool) (*Store, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	backend, p, err := parseAddr(addr)
	if err != nil {
		return nil, err
	}
	var (
		qs  cgraph.QuadStore
		pg  *pgCoord
		bdb *bbolt.DB
	)
	switch backend {
	case "memory":
		qs = memstore.New()
	case "postgres":
		pg, err = openPGCoord(ctx, p, func() error { return cgraph.InitQuadStore("postgres", p, nil) })
		if err != nil {
			return nil, err
		}
		qs, err = cgraph.NewQuadStore("postgres", p, nil)
		if err != nil {
			pg.close()
			return nil, pgError("open the postgres store", err)
		}
	case "bbolt":
		if bdb, qs, err = openBBolt(p); err != nil {
			return nil, err
		}
	}
	s := &Store{lg: lg, addr: addr, backend: backend, qs: qs}
	switch backend {
	case "memory":
		s.be = memBackend{s}
	case "bbolt":
		s.dir, s.bolt = p, bdb
		s.be = boltBackend{s}
	case "postgres":
		s.pg = pg
		s.be = pgBackend{s}
	}
	if pg != nil {
		v, err := s.pg.version(ctx)
		if err != nil {
			s.closeBackends()
			return nil, err
		}
		s.seen.Store(v)
		if model {
			if s.pgSnap, err = pg.snapPath(ctx); err != nil {
				s.lg.Warn("no local read-model snapshot for this database", "err", err)
			}
		}
	}
	if s.bolt != nil {
		// What a file may claim is unknown until a write moves the stamp on.
		s.snapClaimed = true
		if s.stamp, err = readStamp(s.bolt); err != nil {
			s.closeBackends()
			return nil, blurline.Errorf(blurline.ErrUnavailable, "read the snapshot stamp: %v", err)
		}
	}
	recovered, err := s.recoverJournal(ctx)
	if err != nil {
		s.closeBackends()
		return nil, err
	}
	if recovered {
		if err := s.invalidateSnapshot(); err != nil {
			s.closeBackends()
			return nil, err
		}
	}
	if !model && s.bolt != nil {
		return s, nil
	}
	if s.loadSnapshot(ctx) {
		s.fromFile = true
		return s, nil
	}
	if err := s.rebuild(ctx); err != nil {
		s.closeBackends()
		return nil, err
	}
	if s.snapPath() != "" {
		s.merges.Add(1)
		go func() {
			defer s.merges.Done()
			s.saveSnapshot(context.Background())
		}()
	}
	return s, nil
}

// parseAddr splits a store address into backend and path.
func parseAddr(addr string) (backend, p string, err error) {
	switch {
	case addr == "memory:" || addr == "memory" || addr == "mem:":
		return "memory", "", nil
	case strings.HasPrefix(addr, "postgres://"), strings.HasPrefix(addr, "postgresql://"):
		return "postgres", addr, nil
	case strings.HasPrefix(addr, "bbolt:"):
		p = strings.TrimPrefix(addr, "bbolt:")
		p = strings.TrimPrefix(p, "//")
	case strings.Contains(addr, "://"):
		return "", "", blurline.Errorf(blurline.ErrInvalid, "unsupported store address %q (use memory:, bbolt:PATH or postgres://...)", addr)
	default:
		p = addr
	}
	if p == "" {
		return "", "", blurline.Errorf(blurline.ErrInvalid, "store address %q has no path", addr)
	}
	return "bbolt", p, nil
}

// rebuild reads every quad of the cayley store into a fresh read model
// and publishes it as the next version.
func (s *Store) rebuild(ctx context.Context) error {
	b, other, n, err := buildBase(func(add addFunc) error { return s.be.readAll(ctx, add) })
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var v uint64
	if cur := s.cur.Load(); cur != nil {
		v = cur.version + 1
	}
	s.cur.Store(newSnapshot(v, b, other, n))
	s.snapCurrent = false
	return nil
}

// Close closes the store.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.merges.Wait() // a merge in the background takes s.mu to publish
	if s.cur.Load() != nil {
		s.saveSnapshot(context.Background()) // the next Open reads it instead of rebuilding
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeBackends()
}

func (s *Store) closeBackends() error { return s.be.close() }

// Addr returns the address the store was opened from, without a password.
func (s *Store) Addr() string { return Redact(s.addr) }

// Redact hides the password of a store address.
func Redact(addr string) string {
	if u, err := url.Parse(addr); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return addr
}

// Backend names the cayley backend: "memory" or "bbolt".
func (s *Store) Backend() string { return s.backend }

// Version increases with every committed write: a cache key for derived
// results. A request pinned with Pin reads the version Pin returned.
func (s *Store) Version() uint64 {
	if cur := s.cur.Load(); cur != nil {
		return cur.version
	}
	return 0
}

// Source is one named input, such as a file.
type Source struct {
	Name string
	R    io.Reader
	// Marking is given to each fact and entity description of the input
	// that has no marking of its own (markDefault); CLEAR leaves them as
	// they are, read as CLEAR.
	Marking blurline.Marking
}

// LoadResult says what a load changed.
type LoadResult struct {
	Read  int // quads read (without duplicates within the input)
	Added int // quads new to the store
}

// Load validates the sources strictly and, if all of them are valid, writes
// them in one transaction. On any problem nothing is written and the error
// (an *InputError, blurline.ErrInvalid) lists each problem as file:line.
func (s *Store) Load(ctx context.Context, srcs ...Source) (res LoadResult, err error) {
	defer wrap(&err, "graph.Load")
	b, err := parseSources(ctx, srcs)
	if err != nil {
		return res, err
	}
	b.op = writeOp{action: "load"}
	return s.commitBatch(namedInput(ctx, srcs), b)
}

// Check validates the sources against the store's current content, as Load
// would, without writing anything.
func (s *Store) Check(ctx context.Context, srcs ...Source) (n int, err error) {
	return s.check(ctx, false, srcs)
}

// CheckCurated validates the sources as Check does and also holds them to
// the rules the embedded seed meets, which a load does not demand: every
// source cited by a fact or an entity has a source record (rdf:type Source
// with publisher, sourceKind, primary and reliability), here or in the
// store, and every attributedTo fact has an assertedBy.
func (s *Store) CheckCurated(ctx context.Context, srcs ...Source) (n int, err error) {
	return s.check(ctx, true, srcs)
}

func (s *Store) check(ctx context.Context, curated bool, srcs []Source) (n int, err error) {
	// Every file is read and every check runs, even after a broken line,
	// so that one run reports every problem.
	b := newBatch()
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := b.readNQuads(src.Name, src.R); err != nil {
			return 0, err
		}
	}
	b.curated = curated
	b.finish(s.read(ctx))
	return len(b.adds), b.Err()
}

// parseSources reads srcs into a batch; audit records in them are taken
// when ctx's origin is a restore.
func parseSources(ctx context.Context, srcs []Source) (*batch, error) {
	b := newBatch()
	if n := quadsHint(srcs); n > 0 {
		b.adds = make([]quad.Quad, 0, n)
		b.seen = make(map[[16]byte]struct{}, n)
	}
	if o, ok := blurline.OriginFromContext(ctx); ok {
		b.restore = o.Restore
	}
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := len(b.adds)
		if err := b.readNQuads(src.Name, src.R); err != nil {
			return nil, err
		}
		b.markDefault(start, src.Marking)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// quadsHint guesses how many quads srcs hold from the sizes of those that
// are regular files, at one statement per 128 bytes (a statement of three
// IRIs and a graph label seldom takes less), so that a large load's batch
// is allocated once rather than grown by copying. It is 0 when no source
// has a size.
func quadsHint(srcs []Source) int {
	var n int64
	for _, src := range srcs {
		f, ok := src.R.(interface{ Stat() (fs.FileInfo, error) })
		if !ok {
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			n += fi.Size() / 128
		}
	}
	return int(min(n, 1<<24))
}

// namedInput returns ctx whose origin, if it names no input, names srcs.
func namedInput(ctx context.Context, srcs []Source) context.Context {
	names := make([]string, len(srcs))
	for i, src := range srcs {
		names[i] = src.Name
	}
	return blurline.WithInputName(ctx, strings.Join(names, ", "))
}

// commitBatch checks a parsed batch against the store and writes it atomically.
func (s *Store) commitBatch(ctx context.Context, b *batch) (LoadResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return LoadResult{}, blurline.Errorf(blurline.ErrUnavailable, "store is closed")
	}
	done, err := s.beginWrite(ctx)
	if err != nil {
		return LoadResult{}, err
	}
	defer done()
	if s.cur.Load() == nil {
		if len(b.renames) > 0 {
			return LoadResult{}, blurline.Errorf(blurline.ErrInvalid, "a loader does not rename entities")
		}
		return s.commitKV(ctx, b)
	}
	if err := s.renameQuads(ctx, b); err != nil {
		return LoadResult{}, err
	}
	// The batch is checked against what its writer sees: an entity it may
	// not see is unknown to it, as a missing one (a fact about it is
	// refused the same way), and no error names what is hidden.
	b.finish(s.cur.Load().viewFor(blurline.ClearanceFromContext(ctx)))
	if err := b.Err(); err != nil {
		return LoadResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return LoadResult{}, err
	}
	if src := b.op.record; src != nil {
		// The import's record goes in the import's own transaction, in
		// place of an earlier record of its id.
		rq, err := recordQuads(*src)
		if err != nil {
			return LoadResult{}, err
		}
		b.adds = append(b.adds, rq...)
		b.dels = append(b.dels, recordsOf(s.cur.Load())[src.ID]...)
	}
	added, err := s.apply(ctx, b.op, b.adds, b.dels)
	if err != nil {
		return LoadResult{}, err
	}
	return LoadResult{Read: len(b.adds), Added: added}, nil
}

// apply writes adds and deletes in one cayley transaction, then updates the
// read model. A write through a context with an origin carries its audit
// record in the same transaction (audit.go). A bulk write stops when ctx
// ends, leaving the store as it was. The caller holds s.mu for writing.
func (s *Store) apply(ctx context.Context, op writeOp, adds, dels []quad.Quad) (int, error) {
	if len(adds) == 0 && len(dels) == 0 {
		return 0, nil
	}
	// The next snapshot first (nothing is published before the write
	// commits): what it changes is what the audit record says.
	t := newTxn(s.cur.Load())
	for _, q := range dels {
		t.remove(q)
	}
	added := 0
	for _, q := range adds {
		if t.add(q) {
			added++
		}
	}
	if r := t.auditRecord(ctx, op); r != nil {
		rq := auditQuads(r)
		for _, q := range rq {
			t.add(q)
		}
		adds = append(slices.Clip(adds), rq...)
	}
	if err := s.invalidateSnapshot(); err != nil {
		return 0, err
	}
	if err := s.be.apply(ctx, adds, dels); err != nil {
		return 0, err
	}
	s.publish(ctx, t)
	return added, nil
}

// publish makes a write's snapshot the current one, and the one ctx's
// pin reads. When its overlay has grown large it is folded into a new
// base: at once when very large, else in the background (the result is
// dropped if another write came first: the next one tries again). The
// caller holds s.mu for writing.
func (s *Store) publish(ctx context.Context, t *txn) {
	n := t.commit(t.s.version + 1)
	if n.o.size() > 4*n.mergeAt() {
		n = n.merged()
	}
	s.cur.Store(n)
	s.snapCurrent = false
	s.wrote(ctx, n)
	if n.needsMerge() && !s.merging.Swap(true) {
		s.merges.Add(1)
		go func() {
			defer s.merges.Done()
			defer s.merging.Store(false)
			m := n.merged()
			s.mu.Lock()
			if s.cur.Load() == n && !s.closed {
				s.cur.Store(m)
			}
			s.mu.Unlock()
		}()
	}
}

// The seed decision is recorded in the meta graph when a store is first
// opened: seededQuad once it has received the seed, declinedQuad when it
// was created without it (--no-seed). Either way the decision stands: a
// seeded store is never seeded again (what was retracted stays retracted),
// a declined one never receives the seed.
var (
	seededQuad = quad.Quad{
		Subject:   quad.IRI(blurline.MetaGraph),
		Predicate: quad.IRI(blurline.NS + "seeded"),
		Object:    quad.String("true"),
		Label:     quad.IRI(blurline.MetaGraph),
	}
	declinedQuad = quad.Quad{
		Subject:   quad.IRI(blurline.MetaGraph),
		Predicate: quad.IRI(blurline.NS + "seeded"),
		Object:    quad.String("false"),
		Label:     quad.IRI(blurline.MetaGraph),
	}
)

// SeedState is what a store holds of the seed.
type SeedState int

const (
	// SeedUndecided: the store has no seed decision yet (a new store).
	SeedUndecided SeedState = iota
	// SeedLoaded: the store received the seed.
	SeedLoaded
	// SeedDeclined: the store was created without the seed, or held data
	// before it recorded a decision.
	SeedDeclined
)

func (st SeedState) String() string {
	switch st {
	case SeedLoaded:
		return "loaded"
	case SeedDeclined:
		return "declined"
	}
	return "undecided"
}

// Seed reports the store's seed decision. A store that holds data but no
// decision (made with --no-seed before decisions were recorded) counts as
// declined. An error reading the store is returned, never taken for "not
// seeded": that would load the seed again and bring back seed facts that
// were retracted.
func (s *Store) Seed() (SeedState, error) {
	cur := s.cur.Load()
	if cur == nil {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.seedKV()
	}
	switch {
	case hasOther(cur, seededQuad):
		return SeedLoaded, nil
	case hasOther(cur, declinedQuad), cur.quads > 0:
		return SeedDeclined, nil
	}
	return SeedUndecided, nil
}

func hasOther(sn *snapshot, q quad.Quad) bool {
	_, ok := sn.other[q]
	return ok
}

// Seeded reports whether the store has received the seed; a store that
// cannot be read counts as seeded (nothing loads into it).
func (s *Store) Seeded() bool {
	st, err := s.Seed()
	return err != nil || st == SeedLoaded
}

// EnsureSeed loads every *.nq file of fsys (in name order, in one
// transaction) into a store without a seed decision, and marks it seeded.
// A store seeded before, or created without the seed, is left as it is,
// so a restart keeps what was added and what was retracted.
func (s *Store) EnsureSeed(ctx context.Context, fsys fs.FS) (loaded bool, res LoadResult, err error) {
	defer wrap(&err, "graph.EnsureSeed")
	st, err := s.Seed()
	if err != nil {
		return false, res, err
	}
	if st != SeedUndecided {
		return false, res, nil
	}
	srcs, closeAll, err := sourcesFromFS(fsys)
	if err != nil {
		return false, res, err
	}
	defer closeAll()
	b, err := parseSources(ctx, srcs)
	if err != nil {
		return false, res, err
	}
	b.adds = append(b.adds, seededQuad)
	res, err = s.commitBatch(ctx, b)
	if err != nil {
		return false, res, err
	}
	res.Read--
	res.Added--
	s.lg.Info("loaded seed", "quads", res.Added)
	return true, res, nil
}

// DeclineSeed records, in a store without a seed decision, that it is
// made without the seed: EnsureSeed will never load it. It reports
// whether it recorded the decision.
func (s *Store) DeclineSeed(ctx context.Context) (declined bool, err error) {
	defer wrap(&err, "graph.DeclineSeed")
	st, err := s.Seed()
	if err != nil || st != SeedUndecided {
		return false, err
	}
	if _, err := s.commitBatch(ctx, &batch{adds: []quad.Quad{declinedQuad}}); err != nil {
		return false, err
	}
	return true, nil
}

// sourcesFromFS opens the *.nq files of fsys in name order.
func sourcesFromFS(fsys fs.FS) ([]Source, func(), error) {
	names, err := fs.Glob(fsys, "*.nq")
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(names)
	return OpenSources(names, func(n string) (string, io.ReadCloser, error) {
		f, err := fsys.Open(n)
		return path.Join("seed", n), f, err
	})
}

// OpenSources opens each name in order with open, which returns the
// source's name in messages and its reader. On an error it closes what it
// opened; otherwise the returned func closes them all.
func OpenSources(names []string, open func(name string) (string, io.ReadCloser, error)) ([]Source, func(), error) {
	var srcs []Source
	var rcs []io.ReadCloser
	closeAll := func() {
		for _, rc := range rcs {
			rc.Close()
		}
	}
	for _, n := range names {
		label, rc, err := open(n)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		rcs = append(rcs, rc)
		srcs = append(srcs, Source{Name: label, R: rc})
	}
	return srcs, closeAll, nil
}

// wrap prefixes an error with its call site, keeping its kind.
func wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	var ie *InputError
	if errors.As(*errp, &ie) {
		return // its lines already say where
	}
	*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
}

// Ready reports whether the store can answer: it is open and its backend
// responds to a read.
func (s *Store) Ready(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return blurline.Errorf(blurline.ErrUnavailable, "store is closed")
	}
	return s.be.ready(ctx)
}

// renameQuads adds to b the deletion of every quad naming an entity that
// b renames, as subject or object in any graph, and the same quad naming
// the new id. The caller holds s.mu.
func (s *Store) renameQuads(ctx context.Context, b *batch) error {
	if len(b.renames) == 0 {
		return nil
	}
	rename := func(v quad.Value) quad.Value {
		if iri, ok := iriOf(v); ok && strings.HasPrefix(iri, blurline.EntityBase) {
			if nu, ok := b.renames[strings.TrimPrefix(iri, blurline.EntityBase)]; ok {
				return quad.IRI(blurline.EntityIRI(nu))
			}
		}
		return v
	}
	seen := map[quad.Quad]bool{}
	for _, old := range slices.Sorted(maps.Keys(b.renames)) {
		ref, err := s.qs.ValueOf(quad.IRI(blurline.EntityIRI(old)))
		if err != nil {
			return blurline.Errorf(blurline.ErrInternal, "read store: %v", err)
		}
		if ref == nil {
			continue
		}
		for _, d := range []quad.Direction{quad.Subject, quad.Object} {
			it := s.qs.QuadIterator(d, ref).Iterate()
			for it.Next(ctx) {
				q, err := s.qs.Quad(it.Result())
				if err != nil {
					it.Close()
					return blurline.Errorf(blurline.ErrInternal, "read quad: %v", err)
				}
				if seen[q] {
					continue
				}
				seen[q] = true
				b.dels = append(b.dels, q)
				nq := quad.Quad{Subject: rename(q.Subject), Predicate: q.Predicate, Object: rename(q.Object), Label: q.Label}
				// The description that gives the entity its new id names
				// and describes it: an earlier name becomes an alias, an
				// earlier description goes.
				if p, _ := iriOf(q.Predicate); d == quad.Subject {
					e := b.entities[blurline.EntityIRI(b.renames[old])]
					switch {
					case p == blurline.PropIRI(blurline.PropName) && e != nil && len(e.names) > 0 && !slices.Contains(e.names, literalText(q.Object)):
						nq.Predicate = quad.IRI(blurline.PropIRI(blurline.PropAlias))
					case p == blurline.PropIRI(blurline.PropDescription) && b.describes[blurline.EntityIRI(b.renames[old])]:
						continue
					}
				}
				b.add(nq, 0)
			}
			err := it.Err()
			it.Close()
			if err != nil {
				return blurline.Errorf(blurline.ErrInternal, "read store: %v", err)
			}
		}
	}
	return ctx.Err()
}
