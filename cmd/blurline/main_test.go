package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blurline/blurline/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runCLI runs the command in-process with an environment of its own.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

const goodNQ = `<https://w3id.org/blurline/id/acme> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Contractor> .
<https://w3id.org/blurline/id/acme> <https://w3id.org/blurline/ns#name> "Acme Hacking Ltd" .
<https://w3id.org/blurline/id/acme> <https://w3id.org/blurline/ns#taskedBy> <https://w3id.org/blurline/id/mss> <https://w3id.org/blurline/fact/acme-mss> .
<https://w3id.org/blurline/fact/acme-mss> <https://w3id.org/blurline/ns#source> <https://example.org/acme> <https://w3id.org/blurline/fact/acme-mss> .
<https://w3id.org/blurline/fact/acme-mss> <https://w3id.org/blurline/ns#confidence> "0.4"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/blurline/fact/acme-mss> .
<https://w3id.org/blurline/fact/acme-mss> <https://w3id.org/blurline/ns#healeyLevel> <https://w3id.org/blurline/healey#state-shaped> <https://w3id.org/blurline/fact/acme-mss> .
`

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BLURLINE_DATA": filepath.Join(dir, "data")}
	good := filepath.Join(dir, "good.nq")
	bad := filepath.Join(dir, "bad.nq")
	os.WriteFile(good, []byte(goodNQ), 0o644)
	os.WriteFile(bad, []byte(goodNQ+"<https://w3id.org/blurline/id/acme> <https://w3id.org/blurline/ns#bogus> \"x\" .\n"), 0o644)

	stats := func() map[string]any {
		out, _, err := runCLI(t, env, "", "stats", "--json")
		if err != nil {
			t.Fatalf("stats: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("stats --json: %v\n%s", err, out)
		}
		return m
	}
	seeded := stats()
	if f := seeded["facts"].(float64); f < 150 || seeded["factsWithProvenance"] != seeded["facts"] {
		t.Fatalf("a new store has %v facts (%v with provenance), want >= 150, all", f, seeded["factsWithProvenance"])
	}

	if _, stderr, err := runCLI(t, env, "", "check", bad); err == nil || !strings.Contains(stderr, "bad.nq:7: unknown predicate") {
		t.Errorf("check bad.nq = %v, stderr %q; want bad.nq:7: unknown predicate", err, stderr)
	}
	if _, stderr, err := runCLI(t, env, "", "load", bad); err == nil || !strings.Contains(stderr, "bad.nq:7:") {
		t.Errorf("load bad.nq = %v, stderr %q; want a line-numbered error", err, stderr)
	}
	if after := stats(); after["quads"] != seeded["quads"] {
		t.Errorf("a rejected load changed the store: %v -> %v quads", seeded["quads"], after["quads"])
	}
	// good.nq loads, but cites a source with no source record: check holds
	// files to the seed's rules unless --lenient.
	if _, stderr, err := runCLI(t, env, "", "check", good); err == nil || !strings.Contains(stderr, "good.nq:3: fact <https://w3id.org/blurline/fact/acme-mss> cites <https://example.org/acme>, which has no source record") {
		t.Errorf("check good.nq = %v, stderr %q; want good.nq:3: ... no source record", err, stderr)
	}
	if out, stderr, err := runCLI(t, env, "", "check", "--lenient", good); err != nil || !strings.Contains(out, "ok: 6 quads") || stderr != "" {
		t.Errorf("check --lenient good.nq = %q, stderr %q, %v; want ok and nothing on stderr (no log of check's own seed)", out, stderr, err)
	}
	if out, _, err := runCLI(t, env, "", "load", good); err != nil || !strings.Contains(out, "6 new") {
		t.Errorf("load good.nq = %q, %v", out, err)
	}
	if out, _, err := runCLI(t, env, goodNQ, "load", "-"); err != nil || !strings.Contains(out, "0 new") {
		t.Errorf("loading the same facts again from stdin = %q, %v; want 0 new", out, err)
	}
	after := stats()
	if after["facts"].(float64) != seeded["facts"].(float64)+1 {
		t.Errorf("facts after load = %v, want %v + 1", after["facts"], seeded["facts"])
	}

	exported, _, err := runCLI(t, env, "", "export")
	if err != nil || !strings.Contains(exported, `"0.4"^^<http://www.w3.org/2001/XMLSchema#decimal>`) {
		t.Fatalf("export = %v; want the exact literal back", err)
	}
	// The export loads into an empty store and exports the same, audit
	// trail included, and one more audit record: the load's own.
	if !strings.Contains(exported, `<https://w3id.org/blurline/audit#action> "load" <https://w3id.org/blurline/audit> .`) || !strings.Contains(exported, `<https://w3id.org/blurline/audit#from> "cli" <https://w3id.org/blurline/audit> .`) {
		t.Errorf("the export lacks the audit record of the loads")
	}
	env2 := map[string]string{"BLURLINE_DATA": filepath.Join(dir, "data2"), "BLURLINE_NO_SEED": "1"}
	if _, stderr, err := runCLI(t, env2, exported, "load", "-"); err != nil {
		t.Fatalf("load the export: %v %s", err, stderr)
	}
	again, _, _ := runCLI(t, env2, "", "export")
	had := map[string]bool{}
	for _, l := range strings.SplitAfter(exported, "\n") {
		had[l] = true
	}
	var extra []string
	for _, l := range strings.SplitAfter(again, "\n") {
		if !had[l] {
			extra = append(extra, l)
		} else {
			delete(had, l)
		}
	}
	if len(had) > 0 || len(extra) == 0 || !strings.Contains(strings.Join(extra, ""), `<https://w3id.org/blurline/audit#name> "<stdin>"`) {
		t.Errorf("export of the re-loaded export: lost %d lines, gained %q; want only the load's audit record gained", len(had), extra)
	}
	for _, l := range extra {
		if !strings.HasSuffix(l, " <https://w3id.org/blurline/audit> .\n") {
			t.Errorf("the re-loaded export gained %q, not an audit quad", l)
		}
	}

	// A backup restores to the same data.
	bk := filepath.Join(dir, "restore", "indexes.bolt")
	os.MkdirAll(filepath.Dir(bk), 0o700)
	if _, stderr, err := runCLI(t, env, "", "backup", bk); err != nil {
		t.Fatalf("backup: %v %s", err, stderr)
	}
	restored, _, err := runCLI(t, map[string]string{"BLURLINE_DATA": filepath.Dir(bk), "BLURLINE_NO_SEED": "1"}, "", "export")
	if err != nil || restored != exported {
		t.Errorf("the restored backup exports differently (%v)", err)
	}

	if _, _, err := runCLI(t, env, "", "frobnicate"); err != errUsage {
		t.Errorf("unknown command err = %v, want usage", err)
	}
	if out, _, err := runCLI(t, env, "", "help", "load"); err != nil || !strings.Contains(out, "nothing is written") {
		t.Errorf("help load = %q, %v", out, err)
	}
}

// TestCheckSeed is the acceptance check: blurline check seed/*.nq passes.
func TestCheckSeed(t *testing.T) {
	files, _ := filepath.Glob("../../seed/*.nq")
	if len(files) == 0 {
		t.Fatal("no seed files")
	}
	out, stderr, err := runCLI(t, nil, "", append([]string{"check", "--no-seed"}, files...)...)
	if err != nil || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check seed/*.nq = %q, %v\n%s", out, err, stderr)
	}
}

// TestNoSeedSticks: a store made with --no-seed (here by import) never
// receives the seed, whatever later commands say, and stats says so.
func TestNoSeedSticks(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "b.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000002","created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","name":"Example"}]}`), 0o644)
	for _, tc := range []struct {
		first []string
		quads bool // whether the seed should be there
	}{
		{[]string{"import", "--no-seed", bundle}, false},
		{[]string{"load", "--no-seed", "-"}, false},
		{[]string{"import", bundle}, true},
	} {
		env := map[string]string{"BLURLINE_DATA": filepath.Join(t.TempDir(), "data")}
		stdin := `<https://w3id.org/blurline/id/acme> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Contractor> .
<https://w3id.org/blurline/id/acme> <https://w3id.org/blurline/ns#name> "Acme Hacking Ltd" .
`
		if _, stderr, err := runCLI(t, env, stdin, tc.first...); err != nil {
			t.Fatalf("%v: %v\n%s", tc.first, err, stderr)
		}
		for range 2 {
			out, _, err := runCLI(t, env, "", "stats", "--json")
			if err != nil {
				t.Fatal(err)
			}
			var st map[string]any
			json.Unmarshal([]byte(out), &st)
			wantSeed := "declined"
			if tc.quads {
				wantSeed = "loaded"
			}
			if st["seed"] != wantSeed {
				t.Errorf("%v, then stats: seed %v, want %s", tc.first, st["seed"], wantSeed)
			}
			if n := st["entities"].(float64); (n > 10) != tc.quads {
				t.Errorf("%v, then stats: %v entities", tc.first, n)
			}
		}
		out, _, _ := runCLI(t, env, "", "stats")
		if !strings.Contains(out, "seed") {
			t.Errorf("stats does not say whether the store has the seed:\n%s", out)
		}
	}
}
