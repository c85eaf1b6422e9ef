// Package testlog gives tests a *slog.Logger that writes to the test's own
// log (t.Log), so that a failing test shows what the code logged and a
// passing one stays quiet.
package testlog

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// New returns a logger of warnings and errors to tb.Log.
func New(tb testing.TB) *slog.Logger { return NewAt(tb, slog.LevelWarn) }

// NewAt returns a logger of records at level and above to tb.Log.
func NewAt(tb testing.TB, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: level}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Buffer is a bytes.Buffer that many goroutines may write and read at
// once: what a test keeps of a server's log or of a child process's
// output while they run.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *Buffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// String returns what was written so far.
func (w *Buffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
