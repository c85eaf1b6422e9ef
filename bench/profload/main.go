// Command profload profiles what `blurline load` does, in-process: it
// generates a graph (internal/gen), opens a new bbolt store and loads the
// file into it under a CPU profile, then writes a heap profile.
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
	flag.Parse()
	if err := run(*size, *seed, *out); err != nil {
		log.Fatal(err)
	}
}

func run(size int, seed uint64, out string) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "profload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	file := filepath.Join(work, "gen.nq")
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	n, err := gen.Write(f, gen.Config{Quads: size, Seed: seed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
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
	st, err := graph.Open(ctx, nil, "bbolt:"+filepath.Join(work, "data"))
	if err != nil {
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
	fmt.Printf("generated %d quads; loaded %d (%d new) in %s; peak RSS %d MB (generator included)\n",
		n, res.Read, res.Added, took.Round(time.Millisecond), ru.Maxrss*1024/1e6)
	return nil
}
