package graph

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

func TestBackupAndLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, "bbolt:"+dir)
	mustLoadFile(t, s, "testdata/small.nq")
	want := export(t, s)

	// A second process (here: a second Open) is told the store is in use.
	if _, err := Open(ctx, nil, "bbolt:"+dir); !errors.Is(err, blurline.ErrUnavailable) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open err = %v, want 'in use'", err)
	}

	copyDir := t.TempDir()
	f, err := os.Create(filepath.Join(copyDir, "indexes.bolt"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(ctx, f)
	f.Close()
	if err != nil || n == 0 {
		t.Fatalf("Backup = %d, %v", n, err)
	}
	b := mustOpen(t, "bbolt:"+copyDir)
	if got := export(t, b); got != want {
		t.Errorf("the backup holds different data")
	}
	if _, err := mustOpen(t, "memory:").Backup(ctx, os.Stdout); !errors.Is(err, blurline.ErrInvalid) {
		t.Errorf("Backup of a memory store err = %v, want ErrInvalid", err)
	}
}
