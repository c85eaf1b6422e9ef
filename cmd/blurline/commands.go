package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"text/tabwriter"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/interop"
	"github.com/blurline/blurline/seed"
)

var (
	errUsage  = errors.New("usage")
	errSilent = errors.New("failed") // already reported
)

func exitCode(err error) int {
	if err == errUsage {
		return 2
	}
	return 1
}

// env is what a command runs with.
type env struct {
	cfg    *config
	args   []string
	lg     *slog.Logger
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	args  string
	short string
	long  string
	flags func(c *config) *flag.FlagSet
	run   func(ctx context.Context, e *env) error
	// interrupted says, in plain words, what an interrupt (Ctrl-C)
	// leaves behind; "" for a command that an interrupt ends normally.
	interrupted string
}

// newCommands returns the command table (built on each run, not at package
// initialisation).
func newCommands() map[string]*command {
	return map[string]*command{
		"serve": {
			args:  "[flags]",
			short: "serve the GraphQL API, the GraphiQL playground and the analyst's workbench",
			long: "Serve opens the store (a new store first receives the embedded seed) and serves\n" +
				"GraphQL over HTTP at /graphql, the GraphiQL playground at /, the analyst's\n" +
				"workbench (the blur dashboard at /blur, entity pages at /entity, what changed at\n" +
				"/changes, the graph explorer at /explore), and /healthz, /readyz and /metrics.\n" +
				"Mutations need a token: --token for one operator, or --token-file for a principals\n" +
				"file of named, scoped, hashed tokens (blurline token add); without either the server\n" +
				"is read-only. Reads are open unless --require-read-token (docs/security.md).",
			flags: func(c *config) *flag.FlagSet { return c.serveFlags() },
			run:   serve,
		},
		"load": {
			args:  "[flags] FILE...",
			short: "load N-Quads files into the store, all or nothing",
			long: "Load validates the N-Quads files (- for standard input) strictly and writes them in\n" +
				"one transaction: on any problem nothing is written and each problem is printed as\n" +
				"file:line: message. Loading the same file twice changes nothing.",
			flags: func(c *config) *flag.FlagSet {
				fs := c.plainFlags("load")
				// N-Quads state their markings as quads, and an unmarked
				// quad is CLEAR in the store and in its export: load
				// restores an export as it was.
				c.markingFlag(fs, blurline.TLPClear)
				return fs
			},
			run:         load,
			interrupted: "nothing was written: the store is as it was before the load",
		},
		"check": {
			args:  "[flags] FILE...",
			short: "validate N-Quads files without writing anything",
			long: "Check validates the N-Quads files as load would, in the order given, against a\n" +
				"fresh in-memory store holding the embedded seed (--no-seed: an empty one), and\n" +
				"writes nothing. It also holds them to the rules the seed meets: every source a\n" +
				"fact or entity cites has a source record (rdf:type Source with publisher,\n" +
				"sourceKind, primary and reliability) and every attributedTo fact has an\n" +
				"assertedBy; --lenient checks only what load checks. It exits 1 with\n" +
				"file:line: messages when a file is invalid.",
			flags: func(c *config) *flag.FlagSet {
				fs := flag.NewFlagSet("check", flag.ContinueOnError)
				fs.BoolVar(&c.NoSeed, "no-seed", c.NoSeed, "check against an empty store instead of the seed")
				fs.BoolVar(&c.Lenient, "lenient", c.Lenient, "check only what load checks, not the seed's source and assertedBy rules")
				return fs
			},
			run:         check,
			interrupted: "the check did not finish (check never writes to a store)",
		},
		"export": {
			args:  "[flags]",
			short: "write the whole store as N-Quads to standard output",
			long:  "Export writes every statement of the store as N-Quads with exact literals, sorted.",
			flags: func(c *config) *flag.FlagSet {
				fs := c.plainFlags("export")
				fs.StringVar(&c.Format, "format", c.Format, "output format: nquads or stix (a STIX 2.1 bundle, docs/interop.md)")
				exportSTIXFlags(fs, c)
				return fs
			},
			run:         export,
			interrupted: "the output is incomplete (the store is unchanged)",
		},
		"backup": {
			args:  "[flags] FILE",
			short: "write a consistent copy of the on-disk store to FILE",
			long: "Backup copies the bbolt store in one read transaction to FILE (- for standard\n" +
				"output). To restore, put the copy in a new data directory as indexes.bolt and\n" +
				"start with --data DIR. Without --from the store must not be in use by a running\n" +
				"serve; with --from URL the running server at URL streams the copy (writes go on)\n" +
				"to a token with the admin scope (--token or BLURLINE_TOKEN), and the copy is\n" +
				"checked against the checksum the server sends after it. For a PostgreSQL store\n" +
				"use pg_dump (docs/operations.md).",
			flags: func(c *config) *flag.FlagSet {
				fs := c.plainFlags("backup")
				fs.StringVar(&c.BackupFrom, "from", "", "the URL of a running server to copy the store from (http://HOST:PORT)")
				fs.StringVar(&c.Token, "token", c.Token, "with --from: a token with the admin scope (env BLURLINE_TOKEN, which ps does not show)")
				return fs
			},
			run:         backup,
			interrupted: "no backup was made (the store is unchanged)",
		},
		"token":          tokenCommand(),
		"import":         importCommand(),
		"retract-import": retractImportCommand(),
		"stats": {
			args:  "[flags]",
			short: "print counts of entities and facts by class and predicate",
			long:  "Stats prints how many quads, entities and facts the store holds, by class and predicate.",
			flags: func(c *config) *flag.FlagSet {
				fs := c.plainFlags("stats")
				fs.BoolVar(&c.JSON, "json", false, "print JSON")
				return fs
			},
			run: stats,
		},
	}
}

// markingFlag adds --marking, the marking of what an input does not mark
// itself, to a command that writes; def is its default.
func (c *config) markingFlag(fs *flag.FlagSet, def blurline.Marking) {
	fs.StringVar(&c.Marking, "marking", def.String(),
		"TLP marking (CLEAR, GREEN, AMBER, AMBER+STRICT, RED) of the facts and entities the input does not mark itself")
}

// marking parses --marking.
func (c *config) marking() (blurline.Marking, error) {
	if c.Marking == "" {
		return blurline.DefaultMarking, nil
	}
	m, err := blurline.ParseMarking(c.Marking)
	if err != nil {
		return 0, fmt.Errorf("--marking: %w", err)
	}
	return m, nil
}

func (c *config) plainFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.storeFlags(fs)
	return fs
}

func usage(w io.Writer, commands map[string]*command) {
	fmt.Fprint(w, `Blurline: a knowledge graph of state and criminal cyber actors, with a GraphQL API.

usage: blurline COMMAND [flags] [args]

commands:
`)
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].short)
	}
	fmt.Fprint(w, `
Run "blurline help COMMAND" for its flags. Every flag has an environment fallback
(BLURLINE_DATA, BLURLINE_STORE, BLURLINE_ADDR, BLURLINE_TOKEN, ...).

Quick start:
  blurline serve                 # serve the seeded graph on http://127.0.0.1:8080
  blurline load my-facts.nq      # add facts (validated, all or nothing)
  blurline stats                 # what the store holds
`)
}

// openStore opens the configured store and settles a new store's seed:
// loaded, or with --no-seed declined for good (the store remembers it).
func openStore(ctx context.Context, e *env) (*graph.Store, error) {
	s, err := graph.Open(ctx, e.lg, e.cfg.storeAddr())
	if err != nil {
		return nil, err
	}
	if err := settleSeed(ctx, e, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// A seeder is a store that takes a seed decision (*graph.Store, *graph.Loader).
type seeder interface {
	EnsureSeed(context.Context, fs.FS) (bool, graph.LoadResult, error)
	DeclineSeed(context.Context) (bool, error)
}

// settleSeed seeds a store without a seed decision, or with --no-seed
// records that it has none. A store that has decided is left as it is.
func settleSeed(ctx context.Context, e *env, s seeder) error {
	if e.cfg.NoSeed {
		if _, err := s.DeclineSeed(ctx); err != nil {
			return fmt.Errorf("record that the store has no seed: %w", err)
		}
		return nil
	}
	if _, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil {
		return fmt.Errorf("load the embedded seed: %w", err)
	}
	return nil
}

// sources opens the named files (- is standard input).
func sources(e *env) ([]graph.Source, func(), error) {
	if len(e.args) == 0 {
		return nil, nil, fmt.Errorf("no files given")
	}
	return graph.OpenSources(e.args, func(name string) (string, io.ReadCloser, error) {
		if name == "-" {
			return "<stdin>", io.NopCloser(e.stdin), nil
		}
		f, err := os.Open(name)
		return name, f, err
	})
}

// reportInput prints each problem of an invalid input on its own line.
// An N-Quads file's problems come as a *graph.InputError, a STIX or MISP
// file's as an *interop.FileError.
func reportInput(e *env, err error) error {
	var ie *graph.InputError
	var fe *interop.FileError
	switch {
	case errors.As(err, &ie):
		fmt.Fprintln(e.stderr, ie.Error())
	case errors.As(err, &fe):
		fmt.Fprintln(e.stderr, fe.Error())
	default:
		return err
	}
	return errSilent
}

// loadMemoryLimit and loadGCPercent tune the garbage collector for
// blurline load unless GOMEMLIMIT and GOGC say otherwise: collect rarely
// (the load's heap is mostly garbage once parsed), but as often as needed
// to stay near 400 MiB (a soft limit: a larger input runs, with more
// collection).
const (
	loadMemoryLimit = 400 << 20
	loadGCPercent   = 400
)

func load(ctx context.Context, e *env) error {
	if e.cfg.GOMEMLIMIT == "" {
		debug.SetMemoryLimit(loadMemoryLimit)
		if e.cfg.GOGC == "" {
			debug.SetGCPercent(loadGCPercent)
		}
	}
	m, err := e.cfg.marking()
	if err != nil {
		return err
	}
	srcs, closeAll, err := sources(e)
	if err != nil {
		return err
	}
	defer closeAll()
	for i := range srcs {
		srcs[i].Marking = m
	}
	// A Loader: the store without its read model, which a load that
	// writes and exits does not need.
	s, err := graph.OpenLoader(ctx, e.lg, e.cfg.storeAddr())
	if err != nil {
		return err
	}
	defer s.Close()
	if err := settleSeed(ctx, e, s); err != nil {
		return err
	}
	p := startProgress(e, "load", sourcesSize(e.args))
	p.readSources(srcs, "writing to the store")
	res, err := s.Load(ctx, srcs...)
	p.finish()
	if err != nil {
		return reportInput(e, err)
	}
	fmt.Fprintf(e.stdout, "loaded %d quads (%d new) from %d file(s)\n", res.Read, res.Added, len(srcs))
	return nil
}

func check(ctx context.Context, e *env) error {
	srcs, closeAll, err := sources(e)
	if err != nil {
		return err
	}
	defer closeAll()
	// The scratch store is check's own: what it says about itself (the
	// seed it loads) is no news about the files, so only its warnings and
	// errors are logged.
	s, err := graph.Open(ctx, slog.New(atLeast{e.lg.Handler(), slog.LevelWarn}), "memory:")
	if err != nil {
		return err
	}
	defer s.Close()
	if !e.cfg.NoSeed {
		if _, _, err := s.EnsureSeed(ctx, seed.FS()); err != nil {
			return err
		}
	}
	checkFn := s.CheckCurated
	if e.cfg.Lenient {
		checkFn = s.Check
	}
	p := startProgress(e, "check", sourcesSize(e.args))
	p.readSources(srcs, "checking")
	n, err := checkFn(ctx, srcs...)
	p.finish()
	if err != nil {
		return reportInput(e, err)
	}
	fmt.Fprintf(e.stdout, "ok: %d quads in %d file(s) are valid\n", n, len(srcs))
	return nil
}

func export(ctx context.Context, e *env) error {
	if e.cfg.Format == "stix" {
		return exportSTIX(ctx, e)
	}
	if e.cfg.Format != "nquads" {
		return fmt.Errorf("unknown format %q (want nquads or stix)", e.cfg.Format)
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	p := startProgress(e, "export", -1)
	_, err = s.Export(ctx, p.writer(e.stdout))
	p.finish()
	return err
}

func stats(ctx context.Context, e *env) error {
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Stats(ctx)
	if err != nil {
		return err
	}
	seedState, err := s.Seed()
	if err != nil {
		return err
	}
	if e.cfg.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{
			"store": s.Addr(), "seed": seedState.String(), "quads": st.Quads, "entities": st.Entities, "facts": st.Facts,
			"factsWithProvenance": st.FactsWithProvenance, "byClass": st.ByClass, "byPredicate": st.ByPredicate,
		})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "store\t%s\n", s.Addr())
	fmt.Fprintf(tw, "seed\t%s\n", seedText(seedState))
	fmt.Fprintf(tw, "quads\t%d\n", st.Quads)
	fmt.Fprintf(tw, "entities\t%d\n", st.Entities)
	fmt.Fprintf(tw, "facts\t%d\n", st.Facts)
	fmt.Fprintf(tw, "facts with source and confidence\t%d\n", st.FactsWithProvenance)
	fmt.Fprintln(tw, "\nby class\t")
	for _, kv := range sortedCounts(st.ByClass) {
		fmt.Fprintf(tw, "  %s\t%d\n", kv.k, kv.n)
	}
	fmt.Fprintln(tw, "\nby predicate\t")
	for _, kv := range sortedCounts(st.ByPredicate) {
		fmt.Fprintf(tw, "  %s\t%d\n", kv.k, kv.n)
	}
	return tw.Flush()
}

func seedText(st graph.SeedState) string {
	switch st {
	case graph.SeedLoaded:
		return "loaded (the embedded seed, with what was retracted since)"
	case graph.SeedDeclined:
		return "none (made without the seed: it is never loaded)"
	}
	return "none yet"
}

type kn struct {
	k string
	n int
}

func sortedCounts[K blurline.Class | blurline.Predicate](m map[K]int) []kn {
	out := make([]kn, 0, len(m))
	for k, n := range m {
		out = append(out, kn{string(k), n})
	}
	slices.SortFunc(out, func(a, b kn) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.k, b.k)) })
	return out
}

func backup(ctx context.Context, e *env) error {
	if len(e.args) != 1 {
		return fmt.Errorf("backup needs one FILE (- for standard output)")
	}
	if e.cfg.BackupFrom != "" {
		return backupFrom(ctx, e, e.cfg.BackupFrom, e.args[0])
	}
	// A backup copies what is there and takes no seed decision.
	s, err := graph.Open(ctx, e.lg, e.cfg.storeAddr())
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := writeBackup(e, e.args[0], func(w io.Writer) (int64, error) { return s.Backup(ctx, w) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "backed up %d bytes of %s\n", n, s.Addr())
	return nil
}
