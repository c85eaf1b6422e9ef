package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/server"
)

// exportOf returns the N-Quads export of st.
func exportOf(tb testing.TB, st interface {
	Export(context.Context, io.Writer) (int, error)
}) string {
	tb.Helper()
	var b bytes.Buffer
	if _, err := st.Export(context.Background(), &b); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// getBackup fetches /admin/backup with token and returns the status, the
// body and whether the trailer's checksum matches the body.
func getBackup(t *testing.T, ts *testServer, token string) (int, []byte, bool) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/admin/backup", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	return res.StatusCode, body, res.Trailer.Get(server.BackupSumTrailer) == hex.EncodeToString(sum[:])
}

// TestOnlineBackup takes backups of a running bbolt store while a writer
// adds facts one write at a time, and restores each: the restored store's
// export is exactly the live store's after some number of those writes
// (none half-applied), and the writes went on meanwhile.
func TestOnlineBackup(t *testing.T) {
	path := writePrincipals(t, "", reader, writer, admin)
	ts := startServerAt(t, "bbolt:"+t.TempDir(), server.Config{Principals: loadPrincipals(t, path)}, nil)

	// Only admin may take one.
	for _, tc := range []struct {
		p      principal
		status int
	}{{principal{}, 401}, {reader, 403}, {writer, 403}} {
		if st, body, _ := getBackup(t, ts, tc.p.token); st != tc.status {
			t.Errorf("backup as %q = %d %s, want %d", tc.p.name, st, body, tc.status)
		}
	}

	// exports[i] is the live export after i writes.
	var mu sync.Mutex
	exports := []string{exportOf(t, ts.Store)}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			r := gqlPost(t, ts, writer.token, loadNQuads, map[string]any{"t": entityNQ(fmt.Sprintf("bk-%d", i), fmt.Sprintf("Backup %d", i))}, "")
			if r.Status != 200 || r.JSON["errors"] != nil {
				done <- fmt.Errorf("write %d: %d %s", i, r.Status, r.Body)
				return
			}
			e := exportOf(t, ts.Store)
			mu.Lock()
			exports = append(exports, e)
			mu.Unlock()
		}
	}()
	var restoredAt []int
	for b := range 4 {
		st, body, whole := getBackup(t, ts, admin.token)
		if st != 200 || !whole {
			t.Fatalf("backup %d = %d, checksum right %v", b, st, whole)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "indexes.bolt"), body, 0o600); err != nil {
			t.Fatal(err)
		}
		restored, err := graph.Open(context.Background(), nil, "bbolt:"+dir)
		if err != nil {
			t.Fatalf("restore backup %d: %v", b, err)
		}
		got := exportOf(t, restored)
		restored.Close()
		// The backup may hold a write whose export the writer has not
		// appended yet: look again for a while.
		k := -1
		for try := 0; k < 0 && try < 100; try++ {
			if try > 0 {
				time.Sleep(20 * time.Millisecond)
			}
			mu.Lock()
			for i, e := range exports {
				if e == got {
					k = i
				}
			}
			mu.Unlock()
		}
		if k < 0 {
			t.Fatalf("backup %d matches the store after no number of writes (%d bytes of N-Quads)", b, len(got))
		}
		restoredAt = append(restoredAt, k)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	total := len(exports) - 1
	mu.Unlock()
	t.Logf("backups restored the store after writes %v of %d", restoredAt, total)
	if total <= restoredAt[0] {
		t.Errorf("no write went on after the first backup (%d writes)", total)
	}
	if !strings.Contains(ts.Logs.String(), `"msg":"backup sent"`) {
		t.Errorf("no backup in the log")
	}
}

// TestBackupOfMemoryStore: a store without a file is 404, not a 500.
func TestBackupOfMemoryStore(t *testing.T) {
	ts := startServer(t, server.Config{Principals: loadPrincipals(t, writePrincipals(t, "", admin))})
	if st, body, _ := getBackup(t, ts, admin.token); st != 404 || !strings.Contains(string(body), "NOT_FOUND") {
		t.Errorf("backup of a memory store = %d %s, want 404", st, body)
	}
}
