package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/blurline/blurline/server"
)

// config is every setting, from flags with environment fallbacks.
type config struct {
	Store     string // store address; from --data when empty
	Data      string // data directory of the bbolt store
	Memory    bool
	NoSeed    bool
	Lenient   bool // check: only load's rules, not the seed's
	LogLevel  slog.LevelVar
	LogFormat string

	// serve
	Addr            string
	Token           string
	TokenFile       string // the principals file (or a file of one token)
	RequireRead     bool   // queries need a token with the read scope
	AnonMarking     string // the highest marking a request without a token reads
	DefaultMarking  string // serve: the marking of what a write or import brings unmarked
	CORSOrigins     string
	BodyLimit       int64
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	MaxConcurrent   int
	PprofAddr       string // serve net/http/pprof here; empty: off
	ResponseCache   string // bytes, with an optional KiB, MiB or GiB; 0: off
	MaxUpload       string // bytes, as ResponseCache
	UploadTimeout   time.Duration

	MaxConcurrentWrites int
	ExecTimeout         time.Duration
	MaxResponse         string // bytes, with an optional KiB, MiB or GiB
	WriteTimeout        time.Duration
	MaxConns            int
	IdleTimeout         time.Duration

	// export / stats
	Format string
	JSON   bool

	TokenCmd   tokenConfig // token add
	BackupFrom string      // backup --from: the URL of a running server

	Interop interopConfig // import, retract-import, export --format stix (interop.go)

	// import, load: the TLP marking of what the input does not mark itself
	// (markingFlag); "" is blurline.DefaultMarking.
	Marking string

	// The Go runtime's own GOGC and GOMEMLIMIT: when set, they win over
	// the collector tuning of serve and load (gc.go).
	GOGC, GOMEMLIMIT string
}

func newConfig(getenv func(string) string) *config {
	c := &config{
		Store:           getenv("BLURLINE_STORE"),
		Data:            or(getenv("BLURLINE_DATA"), "data"),
		Addr:            or(getenv("BLURLINE_ADDR"), "127.0.0.1:8080"),
		Token:           getenv("BLURLINE_TOKEN"),
		TokenFile:       getenv("BLURLINE_TOKEN_FILE"),
		AnonMarking:     or(getenv("BLURLINE_ANONYMOUS_MARKING"), "CLEAR"),
		DefaultMarking:  or(getenv("BLURLINE_DEFAULT_MARKING"), "CLEAR"),
		CORSOrigins:     getenv("BLURLINE_CORS_ORIGINS"),
		PprofAddr:       getenv("BLURLINE_PPROF_ADDR"),
		ResponseCache:   or(getenv("BLURLINE_RESPONSE_CACHE"), "64MiB"),
		MaxUpload:       or(getenv("BLURLINE_MAX_UPLOAD"), "256MiB"),
		UploadTimeout:   10 * time.Minute,
		LogFormat:       or(getenv("BLURLINE_LOG_FORMAT"), "text"),
		BodyLimit:       1 << 20,
		RequestTimeout:  30 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		Format:          "nquads",
		GOGC:            getenv("GOGC"),
		GOMEMLIMIT:      getenv("GOMEMLIMIT"),
	}
	c.Memory = getenv("BLURLINE_MEMORY") == "1" || getenv("BLURLINE_MEMORY") == "true"
	c.Interop.TAXIIToken = getenv("BLURLINE_TAXII_TOKEN")
	c.NoSeed = getenv("BLURLINE_NO_SEED") == "1" || getenv("BLURLINE_NO_SEED") == "true"
	c.RequireRead = getenv("BLURLINE_REQUIRE_READ_TOKEN") == "1" || getenv("BLURLINE_REQUIRE_READ_TOKEN") == "true"
	if lvl := getenv("BLURLINE_LOG_LEVEL"); lvl != "" {
		_ = c.LogLevel.UnmarshalText([]byte(lvl))
	}
	return c
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// storeFlags are the flags every store-using command takes.
func (c *config) storeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", c.Data, "data directory of the on-disk (bbolt) store (env BLURLINE_DATA)")
	fs.StringVar(&c.Store, "store", c.Store, "store address: bbolt:PATH, memory: or postgres://USER@HOST:PORT/DB (env BLURLINE_STORE; overrides --data)")
	fs.BoolVar(&c.Memory, "memory", c.Memory, "use an in-memory store: nothing is kept after exit (env BLURLINE_MEMORY=1)")
	fs.BoolVar(&c.NoSeed, "no-seed", c.NoSeed, "make a new store without the embedded seed, for good: the store remembers it (env BLURLINE_NO_SEED=1)")
	fs.TextVar(&c.LogLevel, "log-level", &c.LogLevel, "log level: debug, info, warn, error (env BLURLINE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env BLURLINE_LOG_FORMAT)")
}

// storeAddr is the address of the store to open.
func (c *config) storeAddr() string {
	switch {
	case c.Memory:
		return "memory:"
	case c.Store != "":
		return c.Store
	}
	return "bbolt:" + c.Data
}

func (c *config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: &c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// principals returns the principals the server accepts: those of
// --token-file (read again whenever it changes), or the one principal of
// --token, or nil for a read-only server.
func (c *config) principals(lg *slog.Logger) (*server.Principals, error) {
	switch {
	case c.Token != "" && c.TokenFile != "":
		return nil, errors.New("give --token or --token-file, not both")
	case c.Token != "":
		return server.SinglePrincipal(c.Token), nil
	case c.TokenFile != "":
		return server.LoadPrincipals(lg, filepath.Clean(c.TokenFile))
	}
	return nil, nil
}

// atLeast is a handler that drops records below min.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{h.Handler.WithAttrs(as), h.min}
}

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{h.Handler.WithGroup(name), h.min}
}
