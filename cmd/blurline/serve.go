package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
)

func (c *config) serveFlags() *flag.FlagSet {
	fs := c.plainFlags("serve")
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (env BLURLINE_ADDR)")
	fs.StringVar(&c.Token, "token", c.Token, "bearer token that allows mutations; none: read-only (env BLURLINE_TOKEN)")
	fs.StringVar(&c.TokenFile, "token-file", c.TokenFile, "file holding the token (env BLURLINE_TOKEN_FILE)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", c.CORSOrigins, "comma-separated origins allowed by CORS; empty: CORS off (env BLURLINE_CORS_ORIGINS)")
	fs.Int64Var(&c.BodyLimit, "max-body", c.BodyLimit, "largest request body in bytes")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of one request")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-grace", c.ShutdownTimeout, "time in-flight requests get to finish on shutdown")
	fs.IntVar(&c.MaxConcurrent, "max-concurrent", 0, "GraphQL requests running at once; more wait up to 1 s, then get 503 (0: 4 per CPU)")
	return fs
}

// serve opens the store and serves it until ctx is cancelled (SIGINT, SIGTERM).
func serve(ctx context.Context, e *env) error {
	token, err := e.cfg.token()
	if err != nil {
		return err
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
		Token:          token,
		MaxBodyBytes:   e.cfg.BodyLimit,
		RequestTimeout: e.cfg.RequestTimeout,
		ShutdownGrace:  e.cfg.ShutdownTimeout,
		CORSOrigins:    origins,
		MaxConcurrent:  e.cfg.MaxConcurrent,
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
	fmt.Fprintf(e.stderr, "\n  Blurline is serving %d facts on %d entities.\n  Playground: http://%s/   Explorer: http://%s/explore   GraphQL: http://%s/graphql\n\n",
		st.Facts, st.Entities, ln.Addr(), ln.Addr(), ln.Addr())
	return server.New(e.lg, cfg, api, store).Serve(ctx, ln)
}
