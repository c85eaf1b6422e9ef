// Command bench runs Blurline and cayley's own tools side by side on the
// same generated data and writes docs/performance.md.
//
// It generates a domain-shaped graph (internal/gen, deterministic from a
// seed), then measures, for each size:
//
//   - load: `blurline load` against `cayley load` into bolt, wall time and
//     peak RSS of each child process;
//   - query over HTTP: `blurline serve` (GraphQL) against `cayley http`
//     (Gizmo), the same 2-hop relationship query from a bounded loopback
//     load generator at 1, 4 and 16 clients;
//   - in-process floors: cayley's path package on the bbolt store against
//     Blurline's GraphQL execution of the same query;
//   - a 6-hop shortest path and a full blur ranking;
//   - PostgreSQL beside bbolt (postgres.go): `blurline load --store
//     postgres://...` of the same file and the in-process 2-hops on that
//     database, in a throwaway cluster (skipped where PostgreSQL is not
//     installed, or above -postgres-max);
//   - and, once, the start-up time of `blurline serve` with the seed, and a
//     blur ranking of the seed on bbolt and on PostgreSQL.
//
// cayley's CLI is built from the pinned module by this module (bench/ is a
// module of its own, so that its many dependencies stay out of Blurline's
// go.mod).
//
// Usage, from bench/:
//
//	go run .                          # 1M quads; writes ../docs/performance.md
//	BENCH_SIZE=100000 go run .        # a quick run
//	BENCH_SIZE=100000,1000000 go run .
//
// Every knob is a flag with an environment fallback: run `go run . -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv)
	stop()
	children.killAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is every knob of a run.
type config struct {
	Sizes    []int
	Seed     uint64
	Out      string
	Clients  []int
	Requests int           // most requests per client level
	Duration time.Duration // longest time per client level
	InProc   int           // most iterations of an in-process measurement
	InProcT  time.Duration // longest time of an in-process measurement
	Work     string        // working directory; a temporary one when empty
	Keep     bool          // keep the working directory
	Cayley   string        // a prebuilt cayley binary; built when empty
	Blurline string        // a prebuilt blurline binary; built when empty
	Postgres bool          // measure PostgreSQL beside bbolt
	PGMax    int           // largest size measured on PostgreSQL
	Profile  string        // directory for CPU profiles of the in-process phases
	Root     string        // the Blurline repository
}

func parseConfig(args []string, getenv func(string) string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	sizes := fs.String("size", env("BENCH_SIZE", "1000000"), "quads to generate, comma-separated for several sizes (env BENCH_SIZE)")
	seed := fs.Uint64("seed", 1, "generator seed (env BENCH_SEED)")
	fs.StringVar(&c.Out, "out", getenv("BENCH_OUT"), "report to write (env BENCH_OUT; default docs/performance.md of the repository; - for none)")
	clients := fs.String("clients", env("BENCH_CLIENTS", "1,4,16"), "concurrent HTTP clients per level (env BENCH_CLIENTS)")
	fs.IntVar(&c.Requests, "requests", 2000, "most requests per client level (env BENCH_REQUESTS)")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "longest time per client level (env BENCH_DURATION)")
	fs.IntVar(&c.InProc, "inproc", 2000, "most iterations of an in-process measurement (env BENCH_INPROC)")
	fs.DurationVar(&c.InProcT, "inproc-time", 5*time.Second, "longest time of an in-process measurement (env BENCH_INPROC_TIME)")
	fs.StringVar(&c.Work, "work", getenv("BENCH_WORK"), "working directory (env BENCH_WORK; default a temporary one, removed)")
	fs.BoolVar(&c.Keep, "keep", getenv("BENCH_KEEP") == "1", "keep the working directory (env BENCH_KEEP=1)")
	fs.StringVar(&c.Cayley, "cayley", getenv("BENCH_CAYLEY"), "prebuilt cayley binary (env BENCH_CAYLEY; default: build it)")
	fs.StringVar(&c.Blurline, "blurline", getenv("BENCH_BLURLINE"), "prebuilt blurline binary (env BENCH_BLURLINE; default: build it from the repository)")
	fs.BoolVar(&c.Postgres, "postgres", getenv("BENCH_POSTGRES") != "0", "measure PostgreSQL beside bbolt in a throwaway cluster (env BENCH_POSTGRES=0 to skip)")
	fs.IntVar(&c.PGMax, "postgres-max", 1000000, "largest size loaded into PostgreSQL (env BENCH_POSTGRES_MAX)")
	fs.StringVar(&c.Profile, "profile", getenv("BENCH_PROFILE"), "directory for CPU profiles of the in-process phases (env BENCH_PROFILE)")
	// Environment fallbacks for the numeric flags.
	for k, name := range map[string]string{"BENCH_SEED": "seed", "BENCH_REQUESTS": "requests", "BENCH_DURATION": "duration",
		"BENCH_INPROC": "inproc", "BENCH_INPROC_TIME": "inproc-time", "BENCH_POSTGRES_MAX": "postgres-max"} {
		if v := getenv(k); v != "" {
			if err := fs.Set(name, v); err != nil {
				return nil, fmt.Errorf("%s=%q: %v", k, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.Seed = *seed
	var err error
	if c.Sizes, err = ints(*sizes); err != nil {
		return nil, fmt.Errorf("size: %v", err)
	}
	if c.Clients, err = ints(*clients); err != nil {
		return nil, fmt.Errorf("clients: %v", err)
	}
	if c.Requests < 1 || c.Duration <= 0 || c.InProc < 1 || c.InProcT <= 0 {
		return nil, errors.New("requests, duration, inproc and inproc-time must be positive")
	}
	if c.Root, err = repoRoot(); err != nil {
		return nil, err
	}
	if c.Out == "" {
		c.Out = filepath.Join(c.Root, "docs", "performance.md")
	}
	return c, nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		if f == "" {
			continue
		}
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "M"):
			mult, f = 1000000, strings.TrimSuffix(f, "M")
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n*mult)
	}
	if len(out) == 0 {
		return nil, errors.New("no number given")
	}
	return out, nil
}

// repoRoot finds the Blurline repository above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/blurline/blurline\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Blurline repository (go.mod of github.com/blurline/blurline) above %s", dir)
		}
	}
}

// run is the whole program.
func run(ctx context.Context, args []string, getenv func(string) string) (err error) {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	start := time.Now()
	work := cfg.Work
	if work == "" {
		if work, err = os.MkdirTemp("", "blurline-bench-"); err != nil {
			return err
		}
		if !cfg.Keep {
			defer os.RemoveAll(work)
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	logf("working directory %s", work)
	if cfg.Profile != "" {
		if err := os.MkdirAll(cfg.Profile, 0o755); err != nil {
			return err
		}
	}

	rep := &report{Started: start, Config: cfg, Machine: machine(ctx)}
	bins, err := buildBinaries(ctx, cfg, work)
	if err != nil {
		return err
	}
	rep.Build = bins.buildTimes

	rep.Startup, err = measureStartup(ctx, cfg, bins, work)
	if err != nil {
		return fmt.Errorf("start-up: %w", err)
	}
	pg := startPostgres(ctx, cfg)
	defer pg.stop()
	rep.PG = pg
	for _, n := range cfg.Sizes {
		r, err := runSize(ctx, cfg, bins, pg, work, n)
		if err != nil {
			return fmt.Errorf("%d quads: %w", n, err)
		}
		rep.Sizes = append(rep.Sizes, r)
		if !cfg.Keep {
			if err := os.RemoveAll(filepath.Join(work, fmt.Sprintf("size-%d", n))); err != nil {
				logf("remove the data of size %d: %v", n, err)
			}
		}
	}
	if err := seedRanking(ctx, cfg, pg, work); err != nil {
		return fmt.Errorf("seed ranking: %w", err)
	}
	rep.Elapsed = time.Since(start)
	rep.EndLoad = loadavg()
	rep.print(os.Stdout)
	if cfg.Out != "-" {
		if err := rep.write(cfg.Out); err != nil {
			return err
		}
		logf("wrote %s", cfg.Out)
	}
	logf("done in %s", rep.Elapsed.Round(time.Second))
	return nil
}

// logf prints progress to standard error.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
