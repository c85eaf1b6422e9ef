package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/server"
)

// TestTokenCommand issues, lists and revokes tokens in a principals file:
// the printed token authenticates as its principal, the file holds only
// its hash, and a revoked one no longer authenticates.
func TestTokenCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "principals")
	env := map[string]string{"BLURLINE_TOKEN_FILE": file}
	alice, _, err := runCLI(t, env, "", "token", "add", "--scopes", "read,write", "--marking", "amber", "alice")
	if err != nil {
		t.Fatal(err)
	}
	alice = strings.TrimSpace(alice)
	if _, _, err := runCLI(t, env, "", "token", "add", "--scopes", "admin", "--marking", "RED", "ops"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "", "token", "add", "alice"); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("adding alice twice: %v", err)
	}
	if _, _, err := runCLI(t, env, "", "token", "add", "--scopes", "fly", "bob"); err == nil || !strings.Contains(err.Error(), "unknown scope") {
		t.Errorf("a bad scope: %v", err)
	}
	b, _ := os.ReadFile(file)
	if strings.Contains(string(b), alice) || !strings.Contains(string(b), server.HashToken(alice)) {
		t.Errorf("the file holds the token, or not its hash:\n%s", b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	ps, err := server.LoadPrincipals(nil, file)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := ps.Authenticate(alice); !ok || p.Name != "alice" || p.Scopes.String() != "read,write" || p.MaxMarking != blurline.TLPAmber {
		t.Errorf("alice's token = %v, %v", p, ok)
	}
	list, _, err := runCLI(t, env, "", "token", "list")
	if err != nil || list != "alice\tread,write\tTLP:AMBER\nops\tadmin\tTLP:RED\n" {
		t.Errorf("token list = %q, %v", list, err)
	}
	if _, _, err := runCLI(t, env, "", "token", "revoke", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := ps.Reload(); err != nil {
		t.Fatal(err)
	}
	if p, ok := ps.Authenticate(alice); ok {
		t.Errorf("revoked token authenticates as %v", p)
	}
	if out, _, _ := runCLI(t, env, "abc\n", "token", "hash"); strings.TrimSpace(out) != server.HashToken("abc") {
		t.Errorf("token hash = %q", out)
	}
}

// TestBackupFrom saves the online backup of a running serve with
// blurline backup --from, restores it and compares it with the store.
func TestBackupFrom(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "principals")
	env := map[string]string{"BLURLINE_TOKEN_FILE": file}
	adminTok, _, err := runCLI(t, env, "", "token", "add", "--scopes", "admin", "--marking", "RED", "ops")
	if err != nil {
		t.Fatal(err)
	}
	writeTok, _, _ := runCLI(t, env, "", "token", "add", "--scopes", "write", "feed")
	adminTok, writeTok = strings.TrimSpace(adminTok), strings.TrimSpace(writeTok)
	p := startServe(t, "", "--token-file", file, "--data", filepath.Join(dir, "data"))
	if out := gql(t, p.url, writeTok, loadMutation, map[string]any{"t": factNQ("backup-co")}); out["errors"] != nil {
		t.Fatalf("write: %v", out)
	}
	if !strings.Contains(p.logs.String(), "Reads are OPEN") {
		t.Errorf("the start-up message does not say that reads are open:\n%s", p.logs.String())
	}

	copyDir := filepath.Join(dir, "restored")
	os.Mkdir(copyDir, 0o700)
	saved := filepath.Join(copyDir, "indexes.bolt")
	if _, _, err := runCLI(t, map[string]string{"BLURLINE_TOKEN": writeTok}, "", "backup", "--from", p.url, saved); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("backup with a write token: %v, want 403", err)
	}
	if _, err := os.Stat(saved); err == nil {
		t.Errorf("a refused backup left a file")
	}
	_, stderr, err := runCLI(t, map[string]string{"BLURLINE_TOKEN": adminTok}, "", "backup", "--from", p.url, saved)
	if err != nil {
		t.Fatalf("backup --from: %v", err)
	}
	if !strings.Contains(stderr, "checksum verified") {
		t.Errorf("stderr = %q", stderr)
	}
	restored, err := graph.Open(context.Background(), nil, "bbolt:"+copyDir)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if _, err := restored.Node(context.Background(), "backup-co"); err != nil {
		t.Errorf("the restored store lacks the write made before the backup: %v", err)
	}
	if strings.Contains(p.logs.String(), adminTok) || strings.Contains(p.logs.String(), writeTok) {
		t.Errorf("the server's log holds a token")
	}
}
