package graph

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/blurline/blurline"
	"github.com/cayleygraph/cayley/clog"
)

// checkNotLocked fails fast when another process holds the bbolt file:
// bbolt itself would wait for the lock forever.
func checkNotLocked(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, "indexes.bolt"), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return blurline.Errorf(blurline.ErrUnavailable, "open %s: %v", dir, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return blurline.Errorf(blurline.ErrUnavailable, "the store in %s is in use by another process (a running blurline serve?)", dir)
		}
		return blurline.Errorf(blurline.ErrUnavailable, "lock %s: %v", dir, err)
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
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
func (l slogClog) Fatalf(format string, args ...any) {
	l.lg.Error(fmt.Sprintf(format, args...), "from", "cayley")
	os.Exit(1)
}

// SetCayleyLogger routes cayley's own log lines (a process-wide setting) to lg.
func SetCayleyLogger(lg *slog.Logger) { clog.SetLogger(slogClog{lg}) }

func (l slogClog) V(int) bool { return false }
func (l slogClog) SetV(int)   {}
