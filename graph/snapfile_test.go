package graph

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/testlog"
)

// openDir opens the bbolt store in dir; the caller closes it.
func openDir(tb testing.TB, dir string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), testLogger(tb), "bbolt:"+dir)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

// state is what a store answers: its export and its stats.
func state(tb testing.TB, s *Store) (string, blurline.Stats) {
	tb.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return export(tb, s), st
}

func writeFact(tb testing.TB, s *Store, id string) {
	tb.Helper()
	nodes := []blurline.Node{{ID: "snap-actor", Class: blurline.CriminalGroup, Name: "Snapshot actor"}}
	f := blurline.Fact{ID: id, Subject: "snap-actor", Predicate: blurline.TaskedBy, Object: "s0-bureau0",
		Confidence: 0.6, Sources: []string{"https://example.org/snap"}}
	if _, err := s.Write(context.Background(), nodes, []blurline.Fact{f}); err != nil {
		tb.Fatalf("Write: %v", err)
	}
}

// TestSnapshotFile checks that Close writes the snapshot file, that Open
// reads it and answers exactly as a rebuilt read model does, and that a
// stale, truncated, corrupt or wrong-format file is detected, not used,
// and replaced.
func TestSnapshotFile(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	loadGenerated(t, s, 3000)
	writeFact(t, s, "snap-0")
	wantExport, wantStats := state(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapName)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("Close wrote no snapshot: %v", err)
	}

	// reopen opens dir and checks where the read model came from and what it answers.
	reopen := func(t *testing.T, fromFile bool, export string, stats blurline.Stats) *Store {
		t.Helper()
		s := openDir(t, dir)
		if s.fromFile != fromFile {
			t.Errorf("read model from the file: %v, want %v", s.fromFile, fromFile)
		}
		gotExport, gotStats := state(t, s)
		if gotExport != export {
			t.Errorf("export differs: %s", firstDiff(export, gotExport))
		}
		if !reflect.DeepEqual(gotStats, stats) {
			t.Errorf("stats %+v, want %+v", gotStats, stats)
		}
		return s
	}
	t.Run("valid", func(t *testing.T) {
		s := reopen(t, true, wantExport, wantStats)
		// Views, paths and neighbourhoods from the file match a rebuild's.
		r := mustOpen(t, "memory:")
		if _, err := r.LoadNQuads(context.Background(), "export.nq", wantExport, blurline.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, id := range []string{"snap-actor", "s0-bureau0", "state0", "s1-b1-group1"} {
			a, _ := s.FactsOf(ctx, []string{id}, blurline.Both, blurline.FactFilter{})
			b, _ := r.FactsOf(ctx, []string{id}, blurline.Both, blurline.FactFilter{})
			if !reflect.DeepEqual(a, b) {
				t.Errorf("facts of %s differ between the file and a rebuild", id)
			}
			na, _ := s.Node(ctx, id)
			nb, _ := r.Node(ctx, id)
			if !reflect.DeepEqual(na, nb) {
				t.Errorf("entity %s: %+v from the file, %+v rebuilt", id, na, nb)
			}
		}
		pa, _ := s.ShortestPaths(ctx, "s1-b1-c1-person0", "state0", blurline.PathOptions{MaxHops: 6})
		pb, _ := r.ShortestPaths(ctx, "s1-b1-c1-person0", "state0", blurline.PathOptions{MaxHops: 6})
		if !reflect.DeepEqual(pa, pb) {
			t.Error("shortest paths differ between the file and a rebuild")
		}
		s.Close()
	})

	// Each bad file: made from the good one, then Open must rebuild, and
	// Close must leave a good file again.
	bad := map[string]func() []byte{
		"truncated": func() []byte { return good[:len(good)/2] },
		"empty":     func() []byte { return nil },
		"corrupt": func() []byte {
			b := append([]byte(nil), good...)
			b[len(b)/2] ^= 0x40
			return b
		},
		"wrong-format": func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[8:], snapFormat+1)
			return b
		},
		"wrong-layout": func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[12:], snapLayout+1)
			return b
		},
		"not-a-snapshot": func() []byte { return []byte("hello\n") },
	}
	for name, mk := range bad {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, mk(), 0o600); err != nil {
				t.Fatal(err)
			}
			s := reopen(t, false, wantExport, wantStats)
			s.Close()
			s = reopen(t, true, wantExport, wantStats)
			s.Close()
		})
	}

	t.Run("stale", func(t *testing.T) {
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := openDir(t, dir)
		writeFact(t, s, "snap-stale")
		newExport, newStats := state(t, s)
		s.Close()
		// The file from before the write, put back: its stamp is behind.
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		s = reopen(t, false, newExport, newStats)
		if !strings.Contains(newExport, "snap-stale") {
			t.Error("the write is not in the export")
		}
		s.Close()
		s = reopen(t, true, newExport, newStats)
		s.Close()
	})

	t.Run("missing", func(t *testing.T) {
		s := openDir(t, dir)
		wantExport, wantStats := state(t, s)
		s.Close()
		os.Remove(path)
		s = reopen(t, false, wantExport, wantStats)
		s.Close()
	})
}

// TestSnapshotStaleAfterCrash checks that a write the process died after
// (no Close, so no new file) makes the old file stale.
func TestSnapshotStaleAfterCrash(t *testing.T) {
	dir := t.TempDir()
	runHelper(t, "write-no-close", dir, "")
	s := openDir(t, dir)
	defer s.Close()
	if s.fromFile {
		t.Error("a file older than the last write was used")
	}
	if _, err := s.Fact(context.Background(), "snap-crash"); err != nil {
		t.Errorf("the write before the crash is lost: %v", err)
	}
}

// TestSnapshotKilledWhileWriting kills the process (SIGKILL) while it
// writes the snapshot file, then checks that the next Open does not use a
// torn file, answers with every write, and leaves no temporary file.
func TestSnapshotKilledWhileWriting(t *testing.T) {
	for _, prior := range []bool{true, false} {
		t.Run(fmt.Sprintf("old-file=%v", prior), func(t *testing.T) {
			dir := t.TempDir()
			s := openDir(t, dir)
			loadGenerated(t, s, 2000)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if !prior {
				os.Remove(filepath.Join(dir, snapName))
			}
			runHelper(t, "write-close-killed", dir, "HALF")
			if tmps, _ := filepath.Glob(filepath.Join(dir, snapName+".tmp-*")); len(tmps) == 0 {
				t.Fatal("the helper was not killed while writing the file")
			}
			s = openDir(t, dir)
			if s.fromFile {
				t.Error("Open used a file written before the helper's write")
			}
			if _, err := s.Fact(context.Background(), "snap-crash"); err != nil {
				t.Errorf("the helper's write is lost: %v", err)
			}
			wantExport, wantStats := state(t, s)
			s.Close()
			if tmps, _ := filepath.Glob(filepath.Join(dir, snapName+".tmp-*")); len(tmps) > 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
			s = openDir(t, dir)
			defer s.Close()
			if !s.fromFile {
				t.Error("no usable file after a clean close")
			}
			if gotExport, gotStats := state(t, s); gotExport != wantExport || !reflect.DeepEqual(gotStats, wantStats) {
				t.Error("the file written after the crash answers differently")
			}
		})
	}
}

// runHelper runs TestSnapshotHelper in a child process on dir. With wait
// set, it waits for that line on the child's stdout, then kills the child
// with SIGKILL; otherwise the child exits on its own, without closing
// the store.
func runHelper(t *testing.T, mode, dir, wait string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "BLURLINE_SNAP_HELPER="+mode, "BLURLINE_SNAP_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The child is this test binary: built with -race, it reports a data
	// race on stderr, but a child killed mid-write never exits with the
	// race detector's status, so its stderr is read for the report.
	var stderr testlog.Buffer
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if strings.Contains(stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("the helper (%s) reported a data race", mode)
		}
	}()
	done := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			if wait != "" && sc.Text() == wait && !seen {
				seen = true
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		done <- seen
	}()
	select {
	case seen := <-done:
		cmd.Wait()
		if wait != "" && !seen {
			t.Fatalf("the helper never printed %q", wait)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the helper hung")
	}
}

// TestSnapshotHelper is the child process of the crash tests.
func TestSnapshotHelper(t *testing.T) {
	mode, dir := os.Getenv("BLURLINE_SNAP_HELPER"), os.Getenv("BLURLINE_SNAP_DIR")
	if mode == "" {
		t.Skip("the child process of the snapshot crash tests")
	}
	s := openDir(t, dir)
	if mode == "write-no-close" {
		loadGenerated(t, s, 2000)
		s.Close() // a good file, then a write after it and no Close
		s = openDir(t, dir)
	}
	writeFact(t, s, "snap-crash")
	if mode == "write-no-close" {
		os.Exit(0)
	}
	hook := func(string) {
		fmt.Println("HALF")
		os.Stdout.Sync()
		time.Sleep(time.Minute) // killed here
	}
	snapWriteHook.Store(&hook)
	s.Close()
	t.Fatal("Close returned: the snapshot write hook did not run")
}

// TestSnapshotPostgres checks the local snapshot file of a server on
// PostgreSQL: Close writes it, Open reads it, and catches up through the
// change log with what another server wrote meanwhile.
func TestSnapshotPostgres(t *testing.T) {
	c := postgresCluster(t)
	if c == nil {
		return
	}
	dsn, err := c.NewDatabase(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func() *Store {
		s, err := Open(ctx, testLogger(t), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	loadGenerated(t, s, 2000)
	want, wantStats := state(t, s)
	s.Close()
	s = open()
	if !s.fromFile {
		t.Error("the local snapshot file was not used")
	}
	if got, gotStats := state(t, s); got != want || !reflect.DeepEqual(gotStats, wantStats) {
		t.Error("the store read from the file answers differently")
	}
	s.Close()
	// Another server writes while this one is down (it shares this
	// machine: the first server's file is put back afterwards).
	path := s.snapPath()
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := open()
	writeFact(t, other, "snap-pg")
	want, wantStats = state(t, other)
	other.Close()
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close()
	if !s.fromFile {
		t.Error("the older file was not used and caught up")
	}
	if got, gotStats := state(t, s); got != want || !reflect.DeepEqual(gotStats, wantStats) {
		t.Errorf("after another server's write: %s", firstDiff(want, got))
	}
	if _, err := s.Fact(ctx, "snap-pg"); err != nil {
		t.Errorf("the other server's write is missing: %v", err)
	}
}
