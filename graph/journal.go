package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blurline/blurline"
	cgraph "github.com/cayleygraph/cayley/graph"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	"github.com/cayleygraph/quad"
	hbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	"go.etcd.io/bbolt"
)

// Large loads into an on-disk store.
//
// One bbolt transaction of n random inserts costs O(n²) (a node only splits
// at commit), and cayley's ApplyDeltas looks up and rewrites every key it
// touches in random order. A load of more than bulkMinQuads quads into
// bbolt is therefore a bulk write (kvbulk.go): cayley's key-value layout
// written directly, in sorted order and bounded transactions, behind a
// synced undo journal (bulk.journal), all or nothing. A bulk write that
// fails midway is undone at once; one interrupted by a crash is undone when
// the store is next opened (recoverJournal), before anything reads it.

// chunkQuads is the size of a load from which a Store writes a bulk write.
const chunkQuads = 20000

// bulkMinQuads: a Store writes a load of more quads into bbolt with a bulk
// write (which then opens cayley's quad store anew, a read of its log), a
// smaller one with ApplyDeltas. A variable for tests.
var bulkMinQuads = chunkQuads

func deltasOf(qs []quad.Quad, a cgraph.Procedure) []cgraph.Delta {
	d := make([]cgraph.Delta, len(qs))
	for i, q := range qs {
		d[i] = cgraph.Delta{Quad: q, Action: a}
	}
	return d
}

// recoverJournal rolls back a bulk write that a crash interrupted; it
// reports whether there was one.
func (s *Store) recoverJournal(ctx context.Context) (bool, error) {
	if s.dir == "" {
		return false, nil
	}
	_, err := os.Stat(filepath.Join(s.dir, bulkJournalName))
	if err := s.recoverBulk(); err != nil {
		return true, err
	}
	return err == nil, ctx.Err()
}

// applyBulk writes adds with a bulk write (kvbulk.go), all or nothing, and
// opens cayley's quad store anew over the changed data. The caller holds s.mu.
func (s *Store) applyBulk(ctx context.Context, adds []quad.Quad) error {
	if _, err := bulkWrite(ctx, s.bolt, s.dir, adds); err != nil {
		s.lg.Error("bulk load failed", "err", err)
		return blurline.Errorf(blurline.ErrInternal, "write to %s store: %v", s.backend, err)
	}
	return s.reopenCayley()
}

// reopenCayley replaces cayley's quad store by one opened anew on the same
// bbolt database, so that what it caches at open (the bloom filter of the
// quads, the node caches) covers what a bulk write or an undo changed
// underneath. The old one is dropped, not closed: closing would close the
// database.
func (s *Store) reopenCayley() error {
	qs, err := ckv.New(hbolt.New(s.bolt), kvOptions)
	if err != nil {
		return blurline.Errorf(blurline.ErrInternal, "reopen the bbolt store: %v", err)
	}
	s.qs = qs
	return nil
}

// bulkWrite writes adds into db (cayley's kv layout) with a bulk write,
// behind a synced undo journal in dir, all or nothing. It returns how many
// quads were new to the store.
func bulkWrite(ctx context.Context, db *bbolt.DB, dir string, adds []quad.Quad) (int, error) {
	p, err := planBulk(db, adds)
	if err != nil {
		return 0, err
	}
	if len(p.quads) == 0 {
		return 0, nil
	}
	if err := p.collectIndexUndo(db); err != nil {
		return 0, err
	}
	path := filepath.Join(dir, bulkJournalName)
	if err := writeSynced(path, p.encodeUndo()); err != nil {
		return 0, fmt.Errorf("write the undo journal: %v", err)
	}
	if err := p.write(ctx, db); err != nil {
		if uerr := undoBulk(db, bulkUndo{horizon: p.horizon, size: p.size, entries: p.undo}); uerr != nil {
			return 0, fmt.Errorf("%v (undo failed, the journal stays for the next open: %v)", err, uerr)
		}
		if rerr := removeSynced(path); rerr != nil {
			return 0, fmt.Errorf("%v (undone; remove the journal: %v)", err, rerr)
		}
		return 0, err
	}
	if err := removeSynced(path); err != nil {
		return 0, fmt.Errorf("remove the undo journal: %v", err)
	}
	return len(p.quads), nil
}

// recoverBulk undoes a bulk write that a crash interrupted.
func (s *Store) recoverBulk() error {
	path := filepath.Join(s.dir, bulkJournalName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return blurline.Errorf(blurline.ErrUnavailable, "read the bulk load journal: %v", err)
	}
	if u, ok := decodeUndo(data); ok {
		// A torn journal is one whose write never began: nothing to undo.
		if err := undoBulk(s.bolt, u); err != nil {
			return blurline.Errorf(blurline.ErrInternal, "roll back an interrupted bulk load: %v", err)
		}
		s.lg.Warn("rolled back a bulk load that was interrupted")
	}
	if err := removeSynced(path); err != nil {
		return blurline.Errorf(blurline.ErrInternal, "remove the bulk load journal: %v", err)
	}
	return s.reopenCayley()
}

// writeSynced writes data to a new file at path and syncs it and its directory.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
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
