package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/quad"
)

// Imports decided together.
//
// An import is decided against what the store holds when it arrives (which
// entity a description merges into, which id the entity keeps, whether a
// relation's other end is there yet), so importing the same files in
// another order could give another store. To make the store a function of
// the set of files imported, the store keeps what each import read (an
// [blurline.ImportSource], in the meta graph) and the importer replays the
// recorded imports in one canonical order (by import id) whenever a new
// one does not come last in that order, or one is retracted:
// RebuildImports runs the replay in a scratch store and writes the
// difference in one transaction.

// importRecordIRI is the meta-graph subject of import id's record.
func importRecordIRI(id string) quad.IRI { return quad.IRI(blurline.MetaGraph + "/import/" + id) }

var (
	predImportFormat = quad.IRI(blurline.NS + "importFormat")
	predImportName   = quad.IRI(blurline.NS + "importName")
	predImportSource = quad.IRI(blurline.NS + "importSource")
	predImportMarks  = quad.IRI(blurline.NS + "importMarking")   // the marking, then the clearance
	predImportClears = quad.IRI(blurline.NS + "importClearance") // the writer's
	predImportData   = quad.IRI(blurline.NS + "importData")      // gzip, then base64
)

// recordQuads are the meta-graph quads recording src.
func recordQuads(src blurline.ImportSource) ([]quad.Quad, error) {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	if _, err := zw.Write(src.Data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	s, meta := importRecordIRI(src.ID), quad.IRI(blurline.MetaGraph)
	return []quad.Quad{
		{Subject: s, Predicate: predImportFormat, Object: quad.String(src.Format), Label: meta},
		{Subject: s, Predicate: predImportName, Object: quad.String(src.Name), Label: meta},
		{Subject: s, Predicate: predImportSource, Object: quad.String(src.Source), Label: meta},
		{Subject: s, Predicate: predImportMarks, Object: quad.String(src.Marking.String()), Label: meta},
		{Subject: s, Predicate: predImportClears, Object: quad.String(src.Clearance.String()), Label: meta},
		{Subject: s, Predicate: predImportData, Object: quad.String(base64.StdEncoding.EncodeToString(z.Bytes())), Label: meta},
	}, nil
}

// recordsOf returns the record quads of sn by import id.
func recordsOf(sn *snapshot) map[string][]quad.Quad {
	prefix := blurline.MetaGraph + "/import/"
	out := map[string][]quad.Quad{}
	for q := range sn.other {
		if s, ok := iriOf(q.Subject); ok && strings.HasPrefix(s, prefix) {
			id := strings.TrimPrefix(s, prefix)
			out[id] = append(out[id], q)
		}
	}
	return out
}

// ImportIDs returns the ids of the store's recorded imports, sorted
// (ImportSources without reading the files).
func (s *Store) ImportIDs(ctx context.Context) ([]string, error) {
	sn := s.cur.Load() // bookkeeping: whatever the reader's clearance
	if sn == nil {
		return nil, nil
	}
	return slices.Sorted(maps.Keys(recordsOf(sn))), nil
}

// ImportSources returns what the store's recorded imports read, sorted by
// import id. Imports written before the store kept records, or with
// WriteImport alone, have none.
func (s *Store) ImportSources(ctx context.Context) (_ []blurline.ImportSource, err error) {
	defer wrap(&err, "graph.ImportSources")
	sn := s.cur.Load() // bookkeeping: whatever the reader's clearance
	if sn == nil {
		return nil, nil
	}
	return sourcesOf(sn)
}

// sourcesOf decodes the import records of sn, sorted by import id.
func sourcesOf(sn *snapshot) ([]blurline.ImportSource, error) {
	var out []blurline.ImportSource
	for id, qs := range recordsOf(sn) {
		src := blurline.ImportSource{ID: id}
		for _, q := range qs {
			v := literalText(q.Object)
			switch q.Predicate {
			case predImportFormat:
				src.Format = v
			case predImportName:
				src.Name = v
			case predImportSource:
				src.Source = v
			case predImportMarks, predImportClears:
				m, err := blurline.ParseMarking(v)
				if err != nil {
					return nil, blurline.Errorf(blurline.ErrInternal, "import %q: record: %v", id, err)
				}
				if q.Predicate == predImportMarks {
					src.Marking = m
				} else {
					src.Clearance = m
				}
			case predImportData:
				z, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return nil, blurline.Errorf(blurline.ErrInternal, "import %q: record: %v", id, err)
				}
				zr, err := gzip.NewReader(bytes.NewReader(z))
				if err != nil {
					return nil, blurline.Errorf(blurline.ErrInternal, "import %q: record: %v", id, err)
				}
				if src.Data, err = io.ReadAll(zr); err != nil {
					return nil, blurline.Errorf(blurline.ErrInternal, "import %q: record: %v", id, err)
				}
			}
		}
		out = append(out, src)
	}
	slices.SortFunc(out, func(a, b blurline.ImportSource) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// LockImports waits until no other import of this process is being decided
// against the store and returns the function that lets the next one go.
// An importer that reads the store, plans and then writes holds it from
// the read to the write, so that two imports are never decided against
// the same store: the second sees what the first wrote. (Servers sharing
// a PostgreSQL database do not share it.)
func (s *Store) LockImports(ctx context.Context) (unlock func(), err error) {
	ok := make(chan struct{})
	go func() {
		s.importing.Lock()
		close(ok)
	}()
	select {
	case <-ok:
		return s.importing.Unlock, nil
	case <-ctx.Done():
		go func() {
			<-ok
			s.importing.Unlock()
		}()
		return nil, ctx.Err()
	}
}

// RecordImport keeps src as what import src.ID read, replacing an earlier
// record of that id.
func (s *Store) RecordImport(ctx context.Context, src blurline.ImportSource) (err error) {
	defer wrap(&err, "graph.RecordImport(%q)", src.ID)
	if err := checkImportID(src.ID); err != nil {
		return err
	}
	adds, err := recordQuads(src)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return blurline.Errorf(blurline.ErrUnavailable, "store is closed")
	}
	done, err := s.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer done()
	sn := s.cur.Load()
	if sn == nil {
		return blurline.Errorf(blurline.ErrInvalid, "a loader does not record imports")
	}
	_, err = s.apply(ctx, writeOp{}, adds, recordsOf(sn)[src.ID])
	return err
}

// importQuad reports whether q is something import id wrote: in its graph,
// or in the graph of one of its facts.
func importQuad(q quad.Quad, ids map[string]bool) bool {
	l, ok := iriOf(q.Label)
	if !ok {
		return false
	}
	switch {
	case strings.HasPrefix(l, blurline.ImportBase):
		return ids[strings.TrimPrefix(l, blurline.ImportBase)]
	case strings.HasPrefix(l, blurline.FactBase):
		id, _, ok := strings.Cut(strings.TrimPrefix(l, blurline.FactBase), "/")
		return ok && ids[id]
	}
	return false
}

// RebuildImports replays the store's recorded imports, with add added (or
// put in place of the record of its id) and drop left out, and makes what
// they wrote be what the replay writes, in one transaction. The set is
// taken under the store's write lock, so a rebuild never loses an import
// recorded meanwhile. replay receives the set, sorted by import id, and a
// scratch store (a *Store, typed any so that a package that may not import
// graph can be handed it) holding everything but the recorded imports
// (the seed, other writes, imports without records); it runs the imports
// into it in order. The store then holds the scratch store's quads and the
// set as its records. It returns how many quads it removed (records
// aside). If replay fails, nothing changes.
func (s *Store) RebuildImports(ctx context.Context, add *blurline.ImportSource, drop string, replay func(ctx context.Context, scratch any, srcs []blurline.ImportSource) error) (removed int, err error) {
	defer wrap(&err, "graph.RebuildImports")
	if add != nil {
		if err := checkImportID(add.ID); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, blurline.Errorf(blurline.ErrUnavailable, "store is closed")
	}
	done, err := s.beginWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	sn := s.cur.Load()
	if sn == nil {
		return 0, blurline.Errorf(blurline.ErrInvalid, "a loader does not rebuild imports")
	}
	recorded, err := sourcesOf(sn)
	if err != nil {
		return 0, err
	}
	if drop != "" && !slices.ContainsFunc(recorded, func(o blurline.ImportSource) bool { return o.ID == drop }) {
		return 0, blurline.Errorf(blurline.ErrNotFound, "no recorded import %q", drop)
	}
	srcs := slices.DeleteFunc(recorded, func(o blurline.ImportSource) bool {
		return o.ID == drop || add != nil && o.ID == add.ID
	})
	if add != nil {
		srcs = append(srcs, *add)
		slices.SortFunc(srcs, func(a, b blurline.ImportSource) int { return strings.Compare(a.ID, b.ID) })
	}
	var recs []quad.Quad
	for _, src := range srcs {
		qs, err := recordQuads(src)
		if err != nil {
			return 0, err
		}
		recs = append(recs, qs...)
	}
	old := recordsOf(sn)
	ids := map[string]bool{}
	for id := range old {
		ids[id] = true
	}
	for _, src := range srcs {
		ids[src.ID] = true
	}
	have := map[quad.Quad]bool{}
	var base []quad.Quad
	// The bookkeeping and the audit trail are not rebuilt: the rebuild's
	// own write is what the trail records.
	sn.eachQuad(func(q quad.Quad) {
		if l, _ := iriOf(q.Label); l == blurline.MetaGraph || isAuditQuad(q) {
			return
		}
		have[q] = true
		if !importQuad(q, ids) {
			base = append(base, q)
		}
	})
	scratch, err := open(ctx, nil, "memory:", true)
	if err != nil {
		return 0, err
	}
	defer scratch.Close()
	scratch.mu.Lock()
	_, err = scratch.apply(ctx, writeOp{}, base, nil)
	scratch.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if err := replay(ctx, scratch, srcs); err != nil {
		return 0, err
	}
	var adds, dels []quad.Quad
	scratch.cur.Load().eachQuad(func(q quad.Quad) {
		if l, _ := iriOf(q.Label); l == blurline.MetaGraph || isAuditQuad(q) {
			return
		}
		if have[q] {
			delete(have, q)
		} else {
			adds = append(adds, q)
		}
	})
	for q := range have {
		dels = append(dels, q)
	}
	removed = len(dels)
	kept := map[quad.Quad]bool{}
	for _, id := range slices.Sorted(maps.Keys(old)) {
		for _, q := range old[id] {
			kept[q] = true
		}
	}
	for _, q := range recs {
		if !kept[q] {
			adds = append(adds, q)
		}
		delete(kept, q)
	}
	for q := range kept {
		dels = append(dels, q)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.lg.Info("rebuilt imports", "imports", len(srcs), "added", len(adds), "removed", len(dels))
	op := writeOp{action: "retractImport", importID: drop}
	if add != nil {
		op = writeOp{action: "import", importID: add.ID}
	}
	if _, err := s.apply(ctx, op, adds, dels); err != nil {
		return 0, err
	}
	return removed, nil
}

func checkImportID(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if strings.Contains(id, "/") {
		return blurline.Errorf(blurline.ErrInvalid, "import id %q must not contain '/'", id)
	}
	return nil
}
