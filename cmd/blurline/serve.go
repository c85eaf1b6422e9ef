package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
)

func (c *config) serveFlags() *flag.FlagSet {
	fs := c.plainFlags("serve")
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (env BLURLINE_ADDR)")
	fs.StringVar(&c.Token, "token", c.Token, "the one bearer token of a single operator, with every scope; none: read-only (env BLURLINE_TOKEN). An argument shows in the process list: prefer --token-file or the environment")
	fs.StringVar(&c.TokenFile, "token-file", c.TokenFile, "principals file: hashed tokens with names, scopes and markings (blurline token add), read again when it changes; or a file of one token (env BLURLINE_TOKEN_FILE)")
	fs.BoolVar(&c.RequireRead, "require-read-token", c.RequireRead, "queries need a token with the read scope too; default: reads are open (env BLURLINE_REQUIRE_READ_TOKEN=1)")
	fs.StringVar(&c.AnonMarking, "anonymous-marking", c.AnonMarking, "the highest TLP marking a request without a token reads when reads are open (env BLURLINE_ANONYMOUS_MARKING)")
	fs.StringVar(&c.DefaultMarking, "default-marking", c.DefaultMarking, "the TLP marking of what a write or import brings without a marking of its own; raise it on a shared network (env BLURLINE_DEFAULT_MARKING)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", c.CORSOrigins, "comma-separated origins allowed by CORS; empty: CORS off (env BLURLINE_CORS_ORIGINS)")
	fs.Int64Var(&c.BodyLimit, "max-body", c.BodyLimit, "largest request body in bytes")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of one request")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-grace", c.ShutdownTimeout, "time in-flight requests get to finish on shutdown")
	fs.IntVar(&c.MaxConcurrent, "max-concurrent", 0, "GraphQL requests running at once; more wait up to 1 s, then get 503 (0: 4 per CPU)")
	fs.IntVar(&c.MaxConcurrentWrites, "max-concurrent-writes", 0, "requests with the write token running at once, apart from --max-concurrent (0: a quarter of it, at least 2)")
	fs.DurationVar(&c.ExecTimeout, "exec-timeout", 0, "time limit of preparing and executing one GraphQL operation (0: 10s)")
	fs.StringVar(&c.MaxResponse, "max-response", "32MiB", "largest GraphQL response body: bytes, or with KiB, MiB or GiB; larger gets RESPONSE_TOO_LARGE")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 0, "time a client gets to read its response (0: 10s)")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "open connections; more are answered 503 and closed (0: three quarters of the file-descriptor limit, at most 4096)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 0, "time a keep-alive connection may wait for its next request (0: 30s)")
	fs.StringVar(&c.ResponseCache, "response-cache", c.ResponseCache, "size of the cache of query responses, kept until the next write: bytes, or with KiB, MiB or GiB; 0: off (env BLURLINE_RESPONSE_CACHE)")
	fs.StringVar(&c.MaxUpload, "max-upload-bytes", c.MaxUpload, "largest upload (POST /import, TAXII POST of objects): bytes, or with KiB, MiB or GiB (env BLURLINE_MAX_UPLOAD)")
	fs.DurationVar(&c.UploadTimeout, "upload-timeout", c.UploadTimeout, "time limit of an upload, receiving and importing")
	fs.StringVar(&c.PprofAddr, "pprof-addr", c.PprofAddr, "serve Go's profiler (/debug/pprof/) on this address, apart from the API; empty: off (env BLURLINE_PPROF_ADDR)")
	return fs
}

// serve opens the store and serves it until ctx is cancelled (SIGINT, SIGTERM).
func serve(ctx context.Context, e *env) error {
	principals, err := e.cfg.principals(e.lg)
	if err != nil {
		return err
	}
	maxResponse, err := parseBytes(e.cfg.MaxResponse)
	if err != nil || maxResponse <= 0 && e.cfg.MaxResponse != "" {
		return fmt.Errorf("--max-response: %q is not a size in bytes", e.cfg.MaxResponse)
	}
	anonMarking, err := blurline.ParseMarking(e.cfg.AnonMarking)
	if err != nil {
		return fmt.Errorf("--anonymous-marking: %w", err)
	}
	defaultMarking, err := blurline.ParseMarking(e.cfg.DefaultMarking)
	if err != nil {
		return fmt.Errorf("--default-marking: %w", err)
	}
	if e.cfg.RequireRead && principals == nil {
		return errors.New("--require-read-token needs tokens: give --token-file (or --token)")
	}
	cacheBytes, err := parseBytes(e.cfg.ResponseCache)
	if err != nil {
		return fmt.Errorf("--response-cache: %w", err)
	}
	if cacheBytes == 0 {
		cacheBytes = -1 // off
	}
	uploadBytes, err := parseBytes(e.cfg.MaxUpload)
	if err != nil {
		return fmt.Errorf("--max-upload-bytes: %w", err)
	}
	tuneGC(e.lg, e.cfg)
	if e.cfg.PprofAddr != "" {
		stop, err := servePprof(e, e.cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer stop()
	}
	store, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			e.lg.Error("close store", "err", err)
		}
		e.lg.Info("store closed")
	}()
	api, err := schema.New(e.lg, store, schema.Limits{})
	if err != nil {
		return err
	}
	var origins []string
	for _, o := range strings.Split(e.cfg.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	cfg := server.Config{
		Principals:       principals,
		RequireReadToken: e.cfg.RequireRead,
		OpenReadMarking:  anonMarking,
		DefaultMarking:   defaultMarking,
		MaxBodyBytes:     e.cfg.BodyLimit,
		RequestTimeout:   e.cfg.RequestTimeout,
		ShutdownGrace:    e.cfg.ShutdownTimeout,
		CORSOrigins:      origins,
		MaxConcurrent:    e.cfg.MaxConcurrent,

		MaxConcurrentWrites: e.cfg.MaxConcurrentWrites,
		ExecTimeout:         e.cfg.ExecTimeout,
		MaxResponseBytes:    maxResponse,
		WriteTimeout:        e.cfg.WriteTimeout,
		MaxConns:            e.cfg.MaxConns,
		IdleTimeout:         e.cfg.IdleTimeout,

		ResponseCacheBytes: cacheBytes,
		MaxUploadBytes:     uploadBytes,
		UploadTimeout:      e.cfg.UploadTimeout,
	}
	st, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	e.lg.Info("blurline serving", "url", "http://"+ln.Addr().String()+"/", "store", store.Addr(),
		"facts", st.Facts, "entities", st.Entities, "config", cfg)
	fmt.Fprintf(e.stderr, "\n  Blurline is serving %d facts on %d entities.\n  Blur dashboard: http://%s/blur   Explorer: http://%s/explore   Playground: http://%s/   GraphQL: http://%s/graphql\n  %s\n\n",
		st.Facts, st.Entities, ln.Addr(), ln.Addr(), ln.Addr(), ln.Addr(), accessLine(cfg))
	return server.New(e.lg, cfg, api, store).Serve(ctx, ln)
}

// accessLine says at start-up who may read and write: above all that
// reads are open when they are (docs/security.md).
func accessLine(cfg server.Config) string {
	var reads, writes string
	if cfg.RequireReadToken {
		reads = "Reads need a token with the read scope."
	} else {
		reads = fmt.Sprintf("Reads are OPEN: anyone who reaches this address reads what is marked up to TLP:%s (--require-read-token closes them).", cfg.OpenReadMarking)
	}
	switch {
	case cfg.Principals == nil:
		writes = "Read-only: started without tokens."
	default:
		writes = fmt.Sprintf("Writes need a token: %d principals; what they bring unmarked is TLP:%s (--default-marking).", cfg.Principals.Len(), cfg.DefaultMarking)
	}
	return reads + "\n  " + writes
}

// servePprof serves Go's profiler on addr, a listener of its own so that
// the profiles are never reachable through the API's address. It is off
// unless asked for: profiles tell a lot about the process. The returned
// function stops it.
func servePprof(e *env, addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(e.lg.Handler(), slog.LevelWarn)}
	e.lg.Info("profiler serving", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.lg.Warn("profiler stopped", "err", err)
		}
	}()
	return func() { hs.Close() }, nil
}

// parseBytes reads a size: a whole number of bytes, optionally followed by
// KiB, MiB or GiB (or KB, MB, GB, also powers of 1024).
func parseBytes(s string) (int64, error) {
	num := strings.TrimSpace(s)
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if len(num) > len(u.suffix) && strings.EqualFold(num[len(num)-len(u.suffix):], u.suffix) {
			num, unit = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("%q is not a size: give bytes, or a whole number with KiB, MiB or GiB", s)
	}
	return n * unit, nil
}
