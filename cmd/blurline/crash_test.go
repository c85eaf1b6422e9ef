package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/gen"
	"github.com/blurline/blurline/internal/testlog"
)

// Crash safety: the blurline binary is killed with SIGKILL while it loads
// a file and while it serves mutations; the store it leaves must open
// without repair and hold exactly the state of committed writes.

var (
	crashSeed  = flag.Uint64("crash.seed", 7, "crash tests: seed of the kill points")
	crashKills = flag.Int("crash.kills", 3, "crash tests: random kill points per test (TestLoadCrash adds two while its journal is on disk)")
	crashQuads = flag.Int("crash.quads", 60000, "TestLoadCrash: quads in the generated file (over graph's 20000-quad chunk, so the load is a bulk write behind its journal)")
)

// buildBlurline builds the command (once per test binary, see buildBinary).
func buildBlurline(t *testing.T) string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runBin runs the binary to completion on data dir dir (never seeded).
func runBin(t *testing.T, bin, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BLURLINE_DATA="+dir, "BLURLINE_NO_SEED=1", "BLURLINE_STORE=", "BLURLINE_MEMORY=")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// snapshot is what a store holds, seen three ways: blurline export,
// blurline stats --json, and graph.Open in this process.
type snapshot struct {
	export string
	stats  map[string]any
	quads  int
}

func takeSnapshot(t *testing.T, bin, dir string) snapshot {
	t.Helper()
	st, stderr, err := runBin(t, bin, dir, "stats", "--json")
	if err != nil {
		t.Fatalf("blurline stats on %s: %v\n%s", dir, err, stderr)
	}
	var s snapshot
	if err := json.Unmarshal([]byte(st), &s.stats); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, st)
	}
	delete(s.stats, "store")
	out, stderr, err := runBin(t, bin, dir, "export")
	if err != nil {
		t.Fatalf("blurline export on %s: %v\n%s", dir, err, stderr)
	}
	// The data, without the audit trail: two loads of one file record
	// two writes, at two times.
	var data strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if !strings.HasSuffix(l, "<"+blurline.AuditGraph+"> .\n") {
			data.WriteString(l)
		}
	}
	s.export = data.String()
	g, err := graph.Open(context.Background(), nil, "bbolt:"+dir)
	if err != nil {
		t.Fatalf("graph.Open(%s): %v", dir, err)
	}
	defer g.Close()
	gs, err := g.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.quads = gs.Quads
	if float64(gs.Quads) != s.stats["quads"] || float64(gs.Facts) != s.stats["facts"] || float64(gs.Entities) != s.stats["entities"] {
		t.Errorf("graph.Open(%s) stats %+v differ from blurline stats %v", dir, gs, s.stats)
	}
	if gs.FactsWithProvenance != gs.Facts {
		t.Errorf("%s: %d facts, only %d with source and confidence", dir, gs.Facts, gs.FactsWithProvenance)
	}
	return s
}

func sameSnapshot(a, b snapshot) bool {
	if a.export != b.export || a.quads != b.quads {
		return false
	}
	x, _ := json.Marshal(a.stats)
	y, _ := json.Marshal(b.stats)
	return bytes.Equal(x, y)
}

// TestLoadCrash kills `blurline load` of a large generated file at
// seeded random points spread over a clean load's duration, and once
// while its journal is on disk; after each kill the store must open
// without repair and hold all of the file or none of it, by export, by
// stats and by graph.Open. One kill also interrupts the recovery itself.
//
//	go test -run TestLoadCrash -crash.seed 42 -crash.kills 10 ./cmd/blurline
func TestLoadCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads a large file several times")
	}
	bin := buildBlurline(t)
	tmp := t.TempDir()
	big := filepath.Join(tmp, "big.nq")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	n, err := gen.Write(f, gen.Config{Quads: *crashQuads, Seed: 1})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	// The two committed states: empty, and the whole file.
	emptyDir := filepath.Join(tmp, "empty")
	none := takeSnapshot(t, bin, emptyDir)
	refDir := filepath.Join(tmp, "ref")
	start := time.Now()
	if out, stderr, err := runBin(t, bin, refDir, "load", big); err != nil {
		t.Fatalf("clean load: %v\n%s%s", err, out, stderr)
	}
	loadTime := time.Since(start)
	all := takeSnapshot(t, bin, refDir)
	t.Logf("%d quads: a clean load takes %v; the store then holds %v quads (empty: %v)", n, loadTime.Round(time.Millisecond), all.stats["quads"], none.stats["quads"])
	if all.quads < n/2 || sameSnapshot(all, none) {
		t.Fatalf("the clean load left %d quads", all.quads)
	}

	rng := rand.New(rand.NewPCG(*crashSeed, 1))
	t.Logf("kill points from seed %d (-crash.seed)", *crashSeed)
	type kill struct {
		name  string
		after time.Duration // after start; 0: when the journal appears
	}
	var kills []kill
	for i := range *crashKills {
		// One point in each of crashKills equal slices of 5%-85% of the
		// clean load's time (a later load may run faster), at a random
		// place within its slice.
		frac := 0.05 + 0.8*(float64(i)+rng.Float64())/float64(*crashKills)
		kills = append(kills, kill{fmt.Sprintf("at %.0f%% of a load", 100*frac), time.Duration(frac * float64(loadTime))})
	}
	kills = append(kills, kill{"while the journal is on disk", 0}, kill{"while the journal is on disk, then during the recovery", 0})

	outcomes := map[string]int{}
	reloaded := false
	for i, k := range kills {
		dir := filepath.Join(tmp, fmt.Sprintf("kill%d", i))
		cmd := exec.Command(bin, "load", big)
		cmd.Env = append(os.Environ(), "BLURLINE_DATA="+dir, "BLURLINE_NO_SEED=1", "BLURLINE_STORE=", "BLURLINE_MEMORY=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		journal := filepath.Join(dir, "bulk.journal") // the bulk write's undo journal (graph/kvbulk.go)
		hadJournal := false
		var killedAt time.Duration
		began := time.Now()
		if k.after > 0 {
			select {
			case <-time.After(k.after):
			case <-exited:
				exited <- nil
			}
		} else {
			// Wait for the journal (the chunked phase), then a little more.
			for time.Since(began) < 2*loadTime+30*time.Second {
				if _, err := os.Stat(journal); err == nil {
					time.Sleep(time.Duration(rng.Int64N(int64(loadTime / 10))))
					break
				}
				select {
				case <-exited:
					exited <- nil
				case <-time.After(time.Millisecond):
					continue
				}
				break
			}
		}
		_, err := os.Stat(journal)
		hadJournal = err == nil
		killedAt = time.Since(began)
		cmd.Process.Signal(syscall.SIGKILL)
		werr := <-exited
		finished := werr == nil && strings.Contains(out.String(), "loaded")
		if k.after == 0 && !hadJournal {
			t.Errorf("kill %d (%s): the load finished before its journal was seen", i, k.name)
		}

		if strings.Contains(k.name, "recovery") {
			// Reopen (which rolls the load back) and kill that too, early.
			rec := exec.Command(bin, "stats")
			rec.Env = append(os.Environ(), "BLURLINE_DATA="+dir, "BLURLINE_NO_SEED=1", "BLURLINE_STORE=", "BLURLINE_MEMORY=")
			if err := rec.Start(); err != nil {
				t.Fatal(err)
			}
			d := time.Duration(50+rng.IntN(250)) * time.Millisecond
			time.Sleep(d)
			rec.Process.Signal(syscall.SIGKILL)
			rec.Wait()
			_, jerr := os.Stat(journal)
			t.Logf("kill %d: the reopening (recovery) killed after %v; journal still on disk: %v", i, d, jerr == nil)
		}

		got := takeSnapshot(t, bin, dir)
		outcome := ""
		switch {
		case sameSnapshot(got, all):
			outcome = "all"
		case sameSnapshot(got, none):
			outcome = "none"
		default:
			outcome = "PARTIAL"
			t.Errorf("kill %d (%s, after %v): the store holds %v quads, neither the whole file (%v) nor nothing (%v)",
				i, k.name, killedAt, got.stats["quads"], all.stats["quads"], none.stats["quads"])
		}
		if hadJournal && outcome == "all" && !finished {
			t.Errorf("kill %d: killed with the journal on disk, yet the load survived whole", i)
		}
		if finished && outcome != "all" {
			t.Errorf("kill %d: the load reported success, yet the store holds %s of it", i, outcome)
		}
		_, jerr := os.Stat(journal)
		t.Logf("kill %d (%s): SIGKILL after %v, journal on disk: %v, load finished: %v -> the store holds %s of the file; journal left after reopening: %v",
			i, k.name, killedAt.Round(time.Millisecond), hadJournal, finished, outcome, jerr == nil)
		if jerr == nil {
			t.Errorf("kill %d: the journal is still there after a reopen", i)
		}
		outcomes[outcome]++

		// The recovered store takes the load again, whole (checked once).
		if outcome == "none" && !reloaded {
			reloaded = true
			if o, e, err := runBin(t, bin, dir, "load", big); err != nil {
				t.Fatalf("reload after kill %d: %v\n%s%s", i, err, o, e)
			}
			if again := takeSnapshot(t, bin, dir); !sameSnapshot(again, all) {
				t.Errorf("kill %d: reloading after the recovery gives %v quads, want %v", i, again.stats["quads"], all.stats["quads"])
			}
		}
	}
	t.Logf("outcomes over %d kills: %v (nothing lost, nothing partial)", len(kills), outcomes)
}

// server is a `blurline serve` child process.
type serveProc struct {
	url  string
	cmd  *exec.Cmd
	logs *testlog.Buffer
	done chan error
}

// startServeProc starts `blurline serve` on dir and waits until it is ready.
func startServeProc(t *testing.T, bin, dir, token string, extra ...string) *serveProc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--token", token}, extra...)...)
	cmd.Env = append(os.Environ(), "BLURLINE_DATA="+dir, "BLURLINE_STORE=", "BLURLINE_MEMORY=", "BLURLINE_NO_SEED=")
	p := &serveProc{url: "http://" + addr, cmd: cmd, logs: &testlog.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("serve exited: %v\n%s", err, p.logs.String())
		default:
		}
		if res, err := http.Get(p.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve on %s did not become ready:\n%s", addr, p.logs.String())
	return nil
}

func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
		p.done <- nil
	case <-time.After(10 * time.Second):
	}
}

// mutate posts a mutation; ok means the server acknowledged it (200, no errors).
func mutate(client *http.Client, url, token, query string, vars map[string]any) (ok bool, body string, err error) {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return false, "", err
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(res.Body)
	if err != nil {
		return false, string(rb), err
	}
	var m map[string]any
	json.Unmarshal(rb, &m)
	return res.StatusCode == 200 && m["errors"] == nil, string(rb), nil
}

// crashFactNQ is one new contractor tasked by the seed's MSS: an entity
// and a fact with its provenance, five quads.
func crashFactNQ(id string) string {
	return fmt.Sprintf(`<https://w3id.org/blurline/id/%[1]s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Contractor> .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#name> "Contractor %[1]s" .
<https://w3id.org/blurline/id/%[1]s> <https://w3id.org/blurline/ns#taskedBy> <https://w3id.org/blurline/id/mss> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#source> <https://example.org/%[1]s> <https://w3id.org/blurline/fact/%[1]s-mss> .
<https://w3id.org/blurline/fact/%[1]s-mss> <https://w3id.org/blurline/ns#confidence> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/blurline/fact/%[1]s-mss> .
`, id)
}

const (
	crashLoad = `mutation($t: String!) { loadNQuads(text: $t, marking: CLEAR) { added } }`
	crashAdd  = `mutation($e: [EntityInput!], $f: [FactInput!]!) { addFacts(entities: $e, facts: $f, marking: CLEAR) { facts { id } } }`
)

// sentMutation is one mutation the test sent: its entity and fact ids and
// whether the server acknowledged it.
type sentMutation struct {
	entity, fact string
	acked        bool
	big          int // quads of a large generated load (0 for a small one)
}

// TestServeCrash sends mutations (loadNQuads and addFacts, and once a
// load large enough for the journal) to `blurline serve` in a loop and
// kills the server with SIGKILL at seeded random moments, restarting it on
// the same data directory each time: every acknowledged mutation must be
// there, every other one there whole or not at all.
func TestServeCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills servers")
	}
	bin := buildBlurline(t)
	dir := filepath.Join(t.TempDir(), "data")
	const token = "crash-token-0123456789abcdef"
	rng := rand.New(rand.NewPCG(*crashSeed, 2))
	t.Logf("kill points from seed %d (-crash.seed)", *crashSeed)

	var bigText string
	bigQuads := 0
	{
		var b strings.Builder
		bigQuads, _ = gen.Write(&b, gen.Config{Quads: 30000, Seed: 3})
		bigText = b.String()
	}

	var sent []*sentMutation
	client := &http.Client{Timeout: 60 * time.Second}
	seq := 0
	base := -1.0 // quads of the seeded store before any mutation
	for round := range *crashKills {
		p := startServeProc(t, bin, dir, token, "--max-body", fmt.Sprint(16<<20))
		if base < 0 {
			base = storeQuads(t, client, p.url)
		}
		killAfter := time.Duration(200+rng.IntN(1200)) * time.Millisecond
		sendBig := round == 1 // one round kills a server during a journaled load
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var mu sync.Mutex
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				seq++
				m := &sentMutation{entity: fmt.Sprintf("crash-%d-%d", round, seq)}
				m.fact = m.entity + "-mss"
				var ok bool
				var err error
				switch {
				case sendBig && i == 2:
					m.entity, m.fact, m.big = "state0", "g1", bigQuads
					mu.Lock()
					sent = append(sent, m)
					mu.Unlock()
					ok, _, err = mutate(client, p.url, token, crashLoad, map[string]any{"t": bigText})
				case i%2 == 0:
					mu.Lock()
					sent = append(sent, m)
					mu.Unlock()
					ok, _, err = mutate(client, p.url, token, crashLoad, map[string]any{"t": crashFactNQ(m.entity)})
				default:
					mu.Lock()
					sent = append(sent, m)
					mu.Unlock()
					ok, _, err = mutate(client, p.url, token, crashAdd, map[string]any{
						"e": []any{map[string]any{"id": m.entity, "kind": "Contractor", "name": "Contractor " + m.entity}},
						"f": []any{map[string]any{"id": m.fact, "subject": m.entity, "predicate": "taskedBy", "object": "mss",
							"confidence": 0.5, "sources": []any{"https://example.org/" + m.entity}}},
					})
				}
				mu.Lock()
				m.acked = ok && err == nil
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		})
		if sendBig {
			// Kill while the big load is being written: once its journal is on disk.
			journal := filepath.Join(dir, "bulk.journal") // the bulk write's undo journal (graph/kvbulk.go)
			deadline := time.Now().Add(120 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := os.Stat(journal); err == nil {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if _, err := os.Stat(journal); err != nil {
				t.Errorf("round %d: the big load's journal never appeared", round)
			}
			killAfter = time.Duration(rng.IntN(300)) * time.Millisecond
		}
		time.Sleep(killAfter)
		p.kill()
		close(stop)
		wg.Wait()
		acked := 0
		for _, m := range sent {
			if m.acked {
				acked++
			}
		}
		t.Logf("round %d: SIGKILL after %v (big load: %v); %d mutations sent so far, %d acknowledged", round, killAfter, sendBig, len(sent), acked)

		// Restart and check every mutation so far, through the server.
		p = startServeProc(t, bin, dir, token)
		checkMutations(t, client, p.url, sent, base)
		p.kill()
	}

	// And through the store itself.
	g, err := graph.Open(context.Background(), nil, "bbolt:"+dir)
	if err != nil {
		t.Fatalf("graph.Open after the last kill: %v", err)
	}
	defer g.Close()
	st, _ := g.Stats(context.Background())
	if st.Facts != st.FactsWithProvenance {
		t.Errorf("%d facts, %d with provenance", st.Facts, st.FactsWithProvenance)
	}
	present := 0
	for _, m := range sent {
		_, nerr := g.Node(context.Background(), m.entity)
		_, ferr := g.Fact(context.Background(), m.fact)
		if m.acked && (nerr != nil || ferr != nil) {
			t.Errorf("acknowledged mutation %s lost: %v %v", m.entity, nerr, ferr)
		}
		if (nerr == nil) != (ferr == nil) {
			t.Errorf("mutation %s is partial: entity %v, fact %v", m.entity, nerr, ferr)
		}
		if nerr == nil {
			present++
		}
	}
	t.Logf("%d mutations sent over %d kills, %d present, all acknowledged ones among them; %d facts, all with provenance", len(sent), *crashKills, present, st.Facts)
}

// storeQuads asks a server how many quads its store holds.
func storeQuads(t *testing.T, client *http.Client, url string) float64 {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": `{ stats { quads facts factsWithProvenance } }`})
	res, err := client.Post(url+"/graphql", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s struct {
		Data struct {
			Stats struct{ Quads, Facts, FactsWithProvenance float64 }
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Data.Stats.Facts != s.Data.Stats.FactsWithProvenance {
		t.Errorf("%v facts, %v with provenance", s.Data.Stats.Facts, s.Data.Stats.FactsWithProvenance)
	}
	return s.Data.Stats.Quads
}

// checkMutations asks the server for each sent mutation's entity and
// fact, and checks that the store holds exactly the seed's quads (base),
// five quads per small mutation present and the big load's if present.
func checkMutations(t *testing.T, client *http.Client, url string, sent []*sentMutation, base float64) {
	t.Helper()
	want := base
	for _, m := range sent {
		q := fmt.Sprintf(`{ entity(id: %q) { id } fact(id: %q) { id sources confidence subject { id } object { id } } }`, m.entity, m.fact)
		b, _ := json.Marshal(map[string]any{"query": q})
		res, err := client.Post(url+"/graphql", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data struct {
				Entity *struct{ ID string } `json:"entity"`
				Fact   *struct {
					ID         string   `json:"id"`
					Sources    []string `json:"sources"`
					Confidence float64  `json:"confidence"`
				} `json:"fact"`
			} `json:"data"`
		}
		json.NewDecoder(bufio.NewReader(res.Body)).Decode(&out)
		res.Body.Close()
		hasE, hasF := out.Data.Entity != nil, out.Data.Fact != nil
		if m.acked && !(hasE && hasF) {
			t.Errorf("acknowledged mutation %s/%s lost after a kill: entity %v, fact %v", m.entity, m.fact, hasE, hasF)
		}
		if hasE != hasF {
			t.Errorf("mutation %s/%s is partial after a kill: entity %v, fact %v", m.entity, m.fact, hasE, hasF)
		}
		if hasF && (len(out.Data.Fact.Sources) == 0 || out.Data.Fact.Confidence == 0) {
			t.Errorf("fact %s lost its provenance", m.fact)
		}
		switch {
		case hasF && m.big > 0:
			want += float64(m.big)
		case hasF:
			want += 5
		}
		if m.big > 0 {
			t.Logf("the big load (%d quads): acknowledged %v, present after the kill %v", m.big, m.acked, hasF)
		}
	}
	if got := storeQuads(t, client, url); got != want {
		t.Errorf("the store holds %v quads, want %v: the seed's %v and those of the mutations present (a partial write?)", got, want, base)
	}
}
