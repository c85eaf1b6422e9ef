package graph

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blurline/blurline"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// Large loads into an on-disk store.
//
// One bbolt transaction of n random inserts costs O(n²) (a node only splits
// at commit), so a large load is written in transactions of chunkQuads
// quads. To keep it all or nothing, the quads new to the store are first
// written to a journal file and synced; the journal is removed only after
// the last chunk has committed. A load that fails midway deletes what it
// wrote; a load interrupted by a crash is rolled back when the store is
// next opened (recoverJournal), before anything reads it.

// chunkQuads is the most quads written in one backend transaction.
const chunkQuads = 20000

const journalName = "load.journal"

func (s *Store) journalPath() string { return filepath.Join(s.dir, journalName) }

// applyJournaled writes adds in chunks, all or nothing. The caller holds s.mu.
func (s *Store) applyJournaled(adds []quad.Quad) error {
	fresh := make([]quad.Quad, 0, len(adds))
	for _, q := range adds {
		if !s.idx.has(q) {
			fresh = append(fresh, q)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if err := writeJournal(s.journalPath(), fresh); err != nil {
		return blurline.Errorf(blurline.ErrInternal, "write load journal: %v", err)
	}
	for i := 0; i < len(fresh); i += chunkQuads {
		chunk := fresh[i:min(i+chunkQuads, len(fresh))]
		if err := s.qs.ApplyDeltas(deltasOf(chunk, cgraph.Add), cgraph.IgnoreOpts{IgnoreDup: true}); err != nil {
			s.lg.Error("chunked load failed; rolling back", "err", err, "written", i)
			if rerr := s.deleteChunked(fresh[:i]); rerr != nil {
				s.lg.Error("rollback failed: the journal stays for the next open", "err", rerr)
				return blurline.Errorf(blurline.ErrInternal, "write to %s store: %v (rollback failed: %v)", s.backend, err, rerr)
			}
			os.Remove(s.journalPath())
			return blurline.Errorf(blurline.ErrInternal, "write to %s store: %v", s.backend, err)
		}
	}
	if err := removeSynced(s.journalPath()); err != nil {
		return blurline.Errorf(blurline.ErrInternal, "remove load journal: %v", err)
	}
	return nil
}

func deltasOf(qs []quad.Quad, a cgraph.Procedure) []cgraph.Delta {
	d := make([]cgraph.Delta, len(qs))
	for i, q := range qs {
		d[i] = cgraph.Delta{Quad: q, Action: a}
	}
	return d
}

func (s *Store) deleteChunked(qs []quad.Quad) error {
	for i := 0; i < len(qs); i += chunkQuads {
		chunk := qs[i:min(i+chunkQuads, len(qs))]
		if err := s.qs.ApplyDeltas(deltasOf(chunk, cgraph.Delete), cgraph.IgnoreOpts{IgnoreMissing: true}); err != nil {
			return err
		}
	}
	return nil
}

// recoverJournal rolls back a load that a crash interrupted.
func (s *Store) recoverJournal(ctx context.Context) error {
	if s.dir == "" {
		return nil
	}
	f, err := os.Open(s.journalPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return blurline.Errorf(blurline.ErrUnavailable, "open load journal: %v", err)
	}
	defer f.Close()
	var qs []quad.Quad
	r := newNQuadsReader(f)
	for {
		lq, err := r.Next()
		if err != nil {
			// io.EOF, or a torn last line from a crash while the journal
			// was written (before any chunk was): what was read is all.
			break
		}
		qs = append(qs, lq.Quad)
	}
	if err := s.deleteChunked(qs); err != nil {
		return blurline.Errorf(blurline.ErrInternal, "roll back an interrupted load: %v", err)
	}
	if err := removeSynced(s.journalPath()); err != nil {
		return blurline.Errorf(blurline.ErrInternal, "remove load journal: %v", err)
	}
	s.lg.Warn("rolled back a load that was interrupted", "quads", len(qs))
	return ctx.Err()
}

func writeJournal(path string, qs []quad.Quad) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	for _, q := range qs {
		writeQuad(bw, q)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
