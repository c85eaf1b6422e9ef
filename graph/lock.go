package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/cayley/clog"
	cgraph "github.com/cayleygraph/cayley/graph"
	ckv "github.com/cayleygraph/cayley/graph/kv"
	hbolt "github.com/hidal-go/hidalgo/kv/bbolt"
	"go.etcd.io/bbolt"
)

// openBBolt opens (creating if needed) cayley's bbolt key-value store in
// dir: the same file and layout as cayley's own "bbolt" backend
// (DIR/indexes.bolt), opened here so that Blurline holds the *bbolt.DB for
// consistent backups and waits for the file lock only briefly.
// cayley's bloom filters are off: they take about 250 MB at 1M quads and
// seconds to build at every open (a read of every quad), and serve only
// cayley's own duplicate checks on a write, which find the same answer in
// the indexes.
func openBBolt(dir string) (*bbolt.DB, cgraph.QuadStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, blurline.Errorf(blurline.ErrUnavailable, "create data directory: %v", err)
	}
	// InitialMmapSize: address space, not memory. bbolt maps the file anew
	// each time it outgrows its map, copying every node a transaction has
	// changed; that was 30% of a bulk write's time while its file grew.
	db, err := hbolt.Open(filepath.Join(dir, "indexes.bolt"), &bbolt.Options{Timeout: 2 * time.Second, InitialMmapSize: 1 << 30})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, nil, blurline.Errorf(blurline.ErrUnavailable, "the store in %s is in use by another process (a running blurline serve?)", dir)
	}
	if err != nil {
		return nil, nil, blurline.Errorf(blurline.ErrUnavailable, "open bbolt store in %s: %v", dir, err)
	}
	if err := ckv.Init(db, nil); err != nil && !errors.Is(err, cgraph.ErrDatabaseExists) {
		db.Close()
		return nil, nil, blurline.Errorf(blurline.ErrUnavailable, "init bbolt store in %s: %v", dir, err)
	}
	qs, err := ckv.New(db, kvOptions)
	if err != nil {
		db.Close()
		return nil, nil, blurline.Errorf(blurline.ErrUnavailable, "open bbolt store in %s: %v", dir, err)
	}
	return db.DB(), qs, nil
}

// kvOptions are the options of cayley's kv quad store over bbolt.
var kvOptions = cgraph.Options{ckv.OptNoBloom: true}

// Backup writes a consistent copy of an on-disk (bbolt) store to w: a
// file that Open("bbolt:DIR") can use when saved as DIR/indexes.bolt. The
// copy is one bbolt read transaction, begun between two of the store's
// writes (a bulk write spans several bbolt transactions), so it holds
// every write before it and none after. Writes go on while it streams;
// only one that grows the file past its memory map (1 GiB at first) waits
// for the copy to end. ctx is checked before it begins; a copy stops when
// a write to w fails.
func (s *Store) Backup(ctx context.Context, w io.Writer) (n int64, err error) {
	defer wrap(&err, "graph.Backup")
	if s.bolt == nil {
		return 0, blurline.Errorf(blurline.ErrInvalid, "only a bbolt store has a file to back up (use export, or pg_dump for postgres)")
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	tx, err := s.bolt.Begin(false)
	s.mu.RUnlock()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return tx.WriteTo(w)
}

// slogClog sends cayley's logging to slog.
type slogClog struct{ lg *slog.Logger }

func (l slogClog) Infof(format string, args ...any) {
	l.lg.Debug(fmt.Sprintf(format, args...), "from", "cayley")
}
func (l slogClog) Warningf(format string, args ...any) {
	l.lg.Warn(fmt.Sprintf(format, args...), "from", "cayley")
}
func (l slogClog) Errorf(format string, args ...any) {
	l.lg.Error(fmt.Sprintf(format, args...), "from", "cayley")
}

// Fatalf is for a state cayley cannot go on from. A library does not end
// the process: it logs and panics, and the program decides.
func (l slogClog) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.lg.Error(msg, "from", "cayley")
	panic("cayley: " + msg)
}

// SetCayleyLogger routes cayley's own log lines (a process-wide setting) to
// lg. A program calls it once, where it sets up logging.
func SetCayleyLogger(lg *slog.Logger) { clog.SetLogger(slogClog{lg}) }

func (l slogClog) V(int) bool { return false }
func (l slogClog) SetV(int)   {}
