// Command profload profiles what `blurline load --no-seed` does,
// in-process and on the command's own path: it generates a graph
// (internal/gen) unless given a file, opens a Loader on a new bbolt store
// under the command's garbage-collector settings, records that the store
// has no seed and loads the file into it under a CPU profile, then writes
// a heap profile.
//
//	cd bench && go run ./profload -size 1000000 -out /tmp/prof
//	go tool pprof -top /tmp/prof/load-1000000.cpu.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/gen"
)

func main() {
	size := flag.Int("size", 1000000, "quads to generate")
	seed := flag.Uint64("seed", 1, "generator seed")
	out := flag.String("out", ".", "directory for the profiles")
	input := flag.String("in", "", "an N-Quads file to load instead of a generated one")
	flag.Parse()
	if err := run(*size, *seed, *input, *out); err != nil {
		log.Fatal(err)
	}
}

// The settings blurline load runs under when GOMEMLIMIT and GOGC are
// not set (cmd/blurline).
const (
	loadMemoryLimit = 400 << 20
	loadGCPercent   = 400
)

func run(size int, seed uint64, file, out string) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "profload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	n := 0
	if file == "" {
		file = filepath.Join(work, "gen.nq")
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		n, err = gen.Write(f, gen.Config{Quads: size, Seed: seed})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		runtime.GC()
	}
	debug.SetMemoryLimit(loadMemoryLimit)
	debug.SetGCPercent(loadGCPercent)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	cpu, err := os.Create(filepath.Join(out, fmt.Sprintf("load-%d.cpu.pprof", size)))
	if err != nil {
		return err
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return err
	}
	start := time.Now()
	st, err := graph.OpenLoader(ctx, nil, "bbolt:"+filepath.Join(work, "data"))
	if err != nil {
		pprof.StopCPUProfile()
		return err
	}
	if _, err := st.DeclineSeed(ctx); err != nil {
		pprof.StopCPUProfile()
		return err
	}
	in, err := os.Open(file)
	if err != nil {
		pprof.StopCPUProfile()
		return err
	}
	res, err := st.Load(ctx, graph.Source{Name: file, R: in})
	in.Close()
	if err == nil {
		err = st.Close()
	}
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	took := time.Since(start)
	heap, err := os.Create(filepath.Join(out, fmt.Sprintf("load-%d.heap.pprof", size)))
	if err != nil {
		return err
	}
	defer heap.Close()
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(heap, 0); err != nil {
		return err
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("generated %d quads (0: given a file); loaded %d (%d new) in %s; peak RSS %d MB (generator included)\n",
		n, res.Read, res.Added, took.Round(time.Millisecond), ru.Maxrss*1024/1e6)
	return nil
}
