// Package server serves Blurline over HTTP.
//
// It owns the HTTP side of GraphQL: a handler written to the GraphQL over
// HTTP specification (graphql.github.io/graphql-over-http) at /graphql, the
// offline GraphiQL playground at /, a node-link picture of the graph at
// /explore (both built from front-end libraries embedded in the binary, see
// assets/VERSIONS), and the operations endpoints /healthz, /readyz and
// /metrics. Every request gets a request id, an access log line and
// Prometheus counters. Successful queries are kept in a response cache
// until the next write to the store (cache.go).
//
// The server reaches the knowledge store only through the small [Store]
// interface and the GraphQL API through [schema.API]; it never imports the
// graph package. docs/server.md describes the endpoints, status codes,
// authentication, configuration and limits.
package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/schema"
)

// Store is what the server needs of the knowledge store: its size, for
// /metrics and /readyz. *graph.Store satisfies it. If the store also has a
// Ready(ctx) error method, /readyz calls that instead of Stats.
type Store interface {
	Stats(ctx context.Context) (blurline.Stats, error)
}

// readier is the optional readiness probe of a Store.
type readier interface {
	Ready(ctx context.Context) error
}

// Config configures a Server. Zero fields take the defaults below.
type Config struct {
	// Principals are the token holders the server accepts (principals.go);
	// nil for none. Token, when set instead, is the one token of a server
	// with one operator (SinglePrincipal). With neither, the server is
	// read-only.
	Principals *Principals
	Token      string
	// RequireReadToken makes queries need a token with the read scope too.
	// Otherwise reads are open: a request without a token reads as the
	// anonymous principal, cleared for OpenReadMarking.
	RequireReadToken bool
	OpenReadMarking  blurline.Marking
	// DefaultMarking marks what a write or import brings without a
	// marking of its own (the zero value: CLEAR, blurline.DefaultMarking).
	// A server on a shared network raises it.
	DefaultMarking blurline.Marking
	// MaxBodyBytes bounds a request body (default 1 MiB); larger gets 413.
	MaxBodyBytes int64
	// ExecTimeout bounds the execution of one GraphQL operation (default 10s).
	ExecTimeout time.Duration
	// RequestTimeout bounds a whole request: reading it, handling it and
	// writing the response (default 30s).
	RequestTimeout time.Duration
	// ShutdownGrace is how long Serve lets in-flight requests finish after
	// its context is cancelled (default 10s).
	ShutdownGrace time.Duration
	// CORSOrigins lists the origins allowed to call the API from a browser
	// on another origin ("*" for any). Empty: CORS is off.
	CORSOrigins []string
	// NoPlayground turns off the GraphiQL playground and the explorer.
	NoPlayground bool
	// MaxConcurrent bounds the GraphQL requests prepared and executed at
	// once (default 4 per CPU); a request that cannot start within
	// QueueTimeout (default 1 s, or less if its deadline is nearer) gets
	// 503 UNAVAILABLE with Retry-After.
	MaxConcurrent int
	QueueTimeout  time.Duration
	// ResponseCacheBytes bounds the response cache: complete responses of
	// successful queries, kept until the next write to the store (see
	// cache.go). Default 64 MiB; negative turns the cache off.
	ResponseCacheBytes int64
	// MaxBatch bounds the operations of a batched request (default 10);
	// their costs together stay within the API's MaxCost (batch.go).
	MaxBatch int
	// PersistedQueryBytes bounds the store of automatic persisted queries
	// (default 8 MiB; apq.go). PersistedMaxAge is the max-age of a
	// successful answer to a GET that names its query by hash alone
	// (default 60s), for HTTP caches.
	PersistedQueryBytes int64
	PersistedMaxAge     time.Duration
	// MaxUploadBytes bounds the body of an upload (POST /import) and of a
	// TAXII POST of objects (default 256 MiB); larger gets 413.
	MaxUploadBytes int64
	// UploadTimeout bounds such a request, receiving and importing
	// (default 10 minutes), instead of RequestTimeout.
	UploadTimeout time.Duration

	// MaxConcurrentWrites is the capacity kept apart for requests of
	// principals that may write or import (default a quarter of MaxConcurrent, at least
	// 2): a flood of reads never sheds an authenticated write. Slots are
	// held while a request is prepared and executed, not while its answer
	// is written.
	MaxConcurrentWrites int
	// MaxResponseBytes bounds the body of one GraphQL response (default
	// 32 MiB): a larger one is replaced by a RESPONSE_TOO_LARGE error.
	MaxResponseBytes int64
	// WriteTimeout bounds the writing of a response to the client, from
	// when it is ready (default 10s): a client that does not read is cut off.
	WriteTimeout time.Duration
	// MaxConns bounds the open connections (default three quarters of the
	// process's file-descriptor limit, at most 4096): a connection beyond
	// it is answered 503 UNAVAILABLE and closed. IdleTimeout is how long a
	// keep-alive connection may wait for its next request (default 30s);
	// ReadHeaderTimeout bounds the reading of a request's headers (default
	// 10s), RequestTimeout the reading of its body.
	MaxConns          int
	IdleTimeout       time.Duration
	ReadHeaderTimeout time.Duration
}

// Defaults for the zero fields of Config.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultExecTimeout    = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultShutdownGrace  = 10 * time.Second
	DefaultQueueTimeout   = time.Second

	DefaultResponseCacheBytes = 64 << 20

	DefaultMaxResponseBytes  = 32 << 20
	DefaultWriteTimeout      = 10 * time.Second
	DefaultIdleTimeout       = 30 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second

	DefaultMaxBatch            = 10
	DefaultPersistedQueryBytes = 8 << 20
	DefaultPersistedMaxAge     = 60 * time.Second
	DefaultMaxUploadBytes      = 256 << 20
	DefaultUploadTimeout       = 10 * time.Minute
)

func (c Config) withDefaults() Config {
	unset(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	unset(&c.ExecTimeout, DefaultExecTimeout)
	unset(&c.RequestTimeout, DefaultRequestTimeout)
	unset(&c.ShutdownGrace, DefaultShutdownGrace)
	unset(&c.MaxConcurrent, 4*runtime.GOMAXPROCS(0))
	unset(&c.QueueTimeout, DefaultQueueTimeout)
	if c.ResponseCacheBytes == 0 {
		c.ResponseCacheBytes = DefaultResponseCacheBytes
	}
	unset(&c.MaxBatch, DefaultMaxBatch)
	unset(&c.PersistedQueryBytes, DefaultPersistedQueryBytes)
	unset(&c.PersistedMaxAge, DefaultPersistedMaxAge)
	unset(&c.MaxUploadBytes, DefaultMaxUploadBytes)
	unset(&c.UploadTimeout, DefaultUploadTimeout)
	unset(&c.MaxConcurrentWrites, max(2, c.MaxConcurrent/4))
	unset(&c.MaxResponseBytes, DefaultMaxResponseBytes)
	unset(&c.WriteTimeout, DefaultWriteTimeout)
	unset(&c.MaxConns, defaultMaxConns())
	unset(&c.IdleTimeout, DefaultIdleTimeout)
	unset(&c.ReadHeaderTimeout, min(DefaultReadHeaderTimeout, c.RequestTimeout))
	return c
}

// unset gives a setting its default when it is zero or negative (not set).
func unset[T ~int | ~int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// LogValue prints the configuration without its secrets: the tokens show
// only how many principals there are.
func (c Config) LogValue() slog.Value {
	c = c.withDefaults()
	auth := "no tokens (read-only)"
	switch {
	case c.Principals != nil:
		auth = fmt.Sprintf("%d principals", c.Principals.Len())
		if c.Principals.path != "" {
			auth += " from " + c.Principals.path
		}
	case c.Token != "":
		auth = "one token (every scope)"
	}
	reads := "open to anyone up to TLP:" + c.OpenReadMarking.String()
	if c.RequireReadToken {
		reads = "need a token with the read scope"
	}
	cors := "off"
	if len(c.CORSOrigins) > 0 {
		cors = strings.Join(c.CORSOrigins, ",")
	}
	return slog.GroupValue(
		slog.String("auth", auth),
		slog.String("reads", reads),
		slog.String("default_marking", c.DefaultMarking.String()),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Duration("exec_timeout", c.ExecTimeout),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Duration("shutdown_grace", c.ShutdownGrace),
		slog.String("cors_origins", cors),
		slog.Int("max_concurrent", c.MaxConcurrent),
		slog.Int("max_concurrent_writes", c.MaxConcurrentWrites),
		slog.Int64("max_response_bytes", c.MaxResponseBytes),
		slog.Duration("write_timeout", c.WriteTimeout),
		slog.Int("max_conns", c.MaxConns),
		slog.Duration("idle_timeout", c.IdleTimeout),
		slog.Duration("read_header_timeout", c.ReadHeaderTimeout),
		slog.Duration("queue_timeout", c.QueueTimeout),
		slog.Bool("playground", !c.NoPlayground),
		slog.Int64("response_cache_bytes", max(0, c.ResponseCacheBytes)),
		slog.Int64("max_upload_bytes", c.MaxUploadBytes),
		slog.Duration("upload_timeout", c.UploadTimeout),
	)
}

// String is LogValue for fmt: it never prints a token.
func (c Config) String() string { return c.LogValue().String() }

// Server is Blurline's HTTP server.
type Server struct {
	lg         *slog.Logger
	cfg        Config
	api        *schema.API
	store      Store
	principals *Principals // nil: no token is accepted
	metrics    *metrics
	handler    http.Handler
	reads      chan struct{}  // one per GraphQL request running
	writes     chan struct{}  // one per request of a principal that may write running
	cache      *responseCache // nil when off
	apq        *persistedQueries
	taxii      *taxii // nil when the store takes no imports
	// importSlot lets one import (upload, TAXII POST) run at a time.
	importSlot chan struct{}
}

// New builds a server for api over store.
func New(lg *slog.Logger, cfg Config, api *schema.API, store Store) *Server {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	s := &Server{lg: lg, cfg: cfg.withDefaults(), api: api, store: store}
	s.importSlot = make(chan struct{}, 1)
	s.reads = make(chan struct{}, s.cfg.MaxConcurrent)
	s.writes = make(chan struct{}, s.cfg.MaxConcurrentWrites)
	switch {
	case s.cfg.Principals != nil:
		s.principals = s.cfg.Principals
		s.principals.adopt(lg)
	case s.cfg.Token != "":
		s.principals = SinglePrincipal(s.cfg.Token)
		if len(s.cfg.Token) < 16 {
			lg.Warn("the token is shorter than 16 characters: use a long random one (blurline token add makes one)")
		}
	}
	s.metrics = newMetrics(store)
	s.apq = newPersistedQueries(s.cfg.PersistedQueryBytes)
	s.metrics.reg.MustRegister(s.apq.collectors()...)
	if s.cfg.ResponseCacheBytes > 0 {
		s.cache = newResponseCache(s.cfg.ResponseCacheBytes)
		s.metrics.reg.MustRegister(s.cache.collectors()...)
	}
	s.handler = s.routes()
	return s
}

// Handler returns the server's HTTP handler, with its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		route := pattern
		if i := strings.IndexByte(route, ' '); i >= 0 {
			route = route[i+1:]
		}
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ri := infoFrom(r.Context()); ri != nil {
				ri.route = route
			}
			h(w, r)
		}))
	}
	handle("/graphql", s.serveGraphQL)
	handle("GET /schema.graphql", s.serveSDL())
	handle("GET /admin/backup", s.serveBackup)
	handle("POST /import", s.serveUpload)
	s.taxiiRoutes(handle)
	handle("GET /healthz", s.healthz)
	handle("GET /readyz", s.readyz)
	handle("GET /metrics", s.metrics.handler().ServeHTTP)
	handle("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent) // no icon, and no 404 in every browser console
	})
	if !s.cfg.NoPlayground {
		handle("GET /{$}", s.page("playground.html"))
		handle("GET /explore", s.page("explore.html"))
		handle("GET /blur", s.page("blur.html"))
		handle("GET /entity", s.page("entity.html"))
		handle("GET /changes", s.page("changes.html"))
		handle("GET /assets/{path...}", s.serveAsset)
	}
	handle("/", func(w http.ResponseWriter, r *http.Request) { s.notFound(mux, w, r) })
	return s.middleware(mux)
}

// serveSDL serves the schema in the schema definition language, for code
// generators; it changes only with the server's version, so it may be
// cached and revalidated by its ETag.
func (s *Server) serveSDL() http.HandlerFunc {
	sdl := []byte(s.api.SDL())
	sum := sha256.Sum256(sdl)
	etag := fmt.Sprintf(`"%x"`, sum[:12])
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(sdl)))
		w.Write(sdl)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var err error
	if rd, ok := s.store.(readier); ok {
		err = rd.Ready(ctx)
	} else {
		_, err = s.store.Stats(ctx)
	}
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		s.lg.Warn("not ready", "err", err, "request_id", requestID(r.Context()))
		s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrUnavailable, "the store is not reachable"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ready")
}

// notFound answers what no route took: 405 when the path exists for GET
// (so POST /healthz is told to use GET), else 404.
func (s *Server) notFound(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	if ri := infoFrom(r.Context()); ri != nil {
		ri.route = "other"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		g := r.Clone(r.Context())
		g.Method = http.MethodGet
		if _, pattern := mux.Handler(g); pattern != "/" {
			w.Header().Set("Allow", "GET, HEAD")
			s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrMethod, "use GET"))
			return
		}
	}
	s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrNotFound, "no such endpoint: %s (the API is at /graphql)", clip(r.URL.Path, 200)))
}

// Run listens on addr (host:port) and serves until ctx is cancelled; see Serve.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled. Then it stops accepting
// connections, lets in-flight requests finish within Config.ShutdownGrace,
// closes what is left and returns: nil after a clean shutdown. The caller
// closes the store after Serve returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + s.cfg.WriteTimeout, // the handler's own deadlines fire first
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.lg.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.lg.Info("serving", "addr", "http://"+ln.Addr().String(), "config", s.cfg)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(s.limitConns(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.lg.Info("shutting down: finishing in-flight requests", "grace", s.cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		s.lg.Warn("grace period over: closing open connections", "err", err)
		hs.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	s.lg.Info("server stopped")
	return nil
}

// pool returns the slots r runs in: those kept for writes when its
// principal (authenticated already) may write or import, else the shared
// ones.
func (s *Server) pool(r *http.Request) chan struct{} {
	if p := blurline.PrincipalFromContext(r.Context()); p != nil && !p.Anonymous && (p.Can(blurline.ScopeWrite) || p.Can(blurline.ScopeImport)) {
		return s.writes
	}
	return s.reads
}

// acquire waits for a free slot of pool, at most QueueTimeout or until the
// request's deadline, whichever is nearer; it reports whether it got one.
func (s *Server) acquire(r *http.Request, pool chan struct{}) bool {
	select {
	case pool <- struct{}{}:
		return true
	default:
	}
	wait := s.cfg.QueueTimeout
	if d, ok := r.Context().Deadline(); ok && time.Until(d) < wait {
		wait = time.Until(d)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case pool <- struct{}{}:
		return true
	case <-t.C:
	case <-r.Context().Done():
	}
	return false
}
