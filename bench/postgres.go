package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/blur"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/pgtest"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/seed"
)

// PostgreSQL beside bbolt (issue 9).
//
// A throwaway cluster (internal/pgtest: initdb in a temporary directory,
// pg_ctl on a loopback port, fsync off as in the tests) holds one database
// per size. At each size the suite times `blurline load --store
// postgres://...` of the same generated file as the bbolt load, then, in
// process, the store's 2-hop and the GraphQL 2-hop (schema.API.Do, which
// syncs with the database once per request, as a server does) on a
// graph.Open of that database, after checking that the GraphQL answers
// are the bbolt store's. Once per run it ranks every state of the seed
// (blur.Ranking, a new Analyzer each time) on bbolt and on PostgreSQL.

// Keys of the PostgreSQL in-process rows.
const (
	keyStorePG   = "blurline-store-postgres"
	keyGraphQLPG = "blurline-graphql-postgres"
	keySeedBbolt = "seed-ranking-bbolt"
	keySeedPG    = "seed-ranking-postgres"
)

// pgSize is what PostgreSQL measured at one size.
type pgSize struct {
	Skipped     string // why nothing was measured
	Load        measured
	OpenTime    time.Duration // with this process's local snapshot file
	RebuildTime time.Duration // without it
	Store       row
	GraphQL     row
}

// pgRun is the run's PostgreSQL cluster and the seed ranking.
type pgRun struct {
	Skipped string // why PostgreSQL was not measured at all
	cluster *pgtest.Cluster
	Version string

	SeedQuads        int
	SeedBbolt        row
	SeedPG           row
	SeedActors       int
	SeedLoadBbolt    time.Duration
	SeedLoadPostgres time.Duration
}

// startPostgres starts the throwaway cluster, or says why not.
func startPostgres(ctx context.Context, cfg *config) *pgRun {
	p := &pgRun{}
	if !cfg.Postgres {
		p.Skipped = "not asked for (-postgres=false)"
		return p
	}
	logf("starting a throwaway PostgreSQL cluster")
	c, err := pgtest.Start()
	if err != nil {
		if errors.Is(err, pgtest.ErrUnavailable) {
			p.Skipped = err.Error()
		} else {
			p.Skipped = "the throwaway cluster did not start: " + err.Error()
		}
		logf("PostgreSQL skipped: %s", p.Skipped)
		return p
	}
	p.cluster = c
	p.Version = postgresVersion(ctx, c)
	logf("PostgreSQL %s on port %d", p.Version, c.Port)
	return p
}

func postgresVersion(ctx context.Context, c *pgtest.Cluster) string {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return "unknown"
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

func (p *pgRun) stop() {
	if p != nil && p.cluster != nil {
		p.cluster.Stop()
	}
}

// postgresSize loads the size's file into a new database and measures the
// in-process 2-hops there. answers are the bbolt store's GraphQL answers,
// by start entity.
func postgresSize(ctx context.Context, cfg *config, p *pgRun, bins *binaries, r *sizeResult, file, logs string) error {
	r.PG = &pgSize{}
	switch {
	case p.cluster == nil:
		r.PG.Skipped = p.Skipped
		return nil
	case r.Quads > cfg.PGMax:
		r.PG.Skipped = fmt.Sprintf("above -postgres-max=%d", cfg.PGMax)
		logf("[%d] PostgreSQL skipped: %s", r.Quads, r.PG.Skipped)
		return nil
	}
	dsn, err := p.cluster.NewDatabase(fmt.Sprintf("bench%d", r.Quads))
	if err != nil {
		return err
	}
	logf("[%d] blurline load --store postgres", r.Quads)
	r.LoadAvg["blurline load postgres"] = loadavg()
	r.PG.Load, err = runMeasured(ctx, filepath.Join(logs, "blurline-load-postgres.log"), bins.blurline, "load", "--no-seed", "--store", dsn, file)
	if err != nil {
		return err
	}
	logf("[%d] blurline load into PostgreSQL: %s (%.0f quads/s), peak RSS %s", r.Quads, secs(r.PG.Load.Wall), float64(r.Written)/r.PG.Load.Wall.Seconds(), mb(r.PG.Load.MaxRSS))

	// This process's local snapshot files of the database, in a directory
	// of its own: the first open rebuilds the read model (and Close writes
	// the file), the second reads the file.
	snapDir, err := os.MkdirTemp("", "bench-pgsnap-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(snapDir)
	graph.PGSnapshotDir = snapDir
	t0 := time.Now()
	st, err := graph.Open(ctx, nil, dsn)
	if err != nil {
		return err
	}
	r.PG.RebuildTime = time.Since(t0)
	if err := st.Close(); err != nil {
		return err
	}
	t0 = time.Now()
	st, err = graph.Open(ctx, nil, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	r.PG.OpenTime = time.Since(t0)
	logf("[%d] graph.Open of the PostgreSQL store: %s with its local snapshot file, %s rebuilding", r.Quads, secs(r.PG.OpenTime), secs(r.PG.RebuildTime))
	api, err := schema.New(nil, st, schema.Limits{})
	if err != nil {
		return err
	}
	queries := make([]string, len(r.Start))
	for i, id := range r.Start {
		queries[i] = twoHopGraphQL(id)
		res := api.Do(ctx, schema.Request{Query: queries[i]})
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if string(b) != r.answers[id] {
			return fmt.Errorf("the GraphQL 2-hop from %s differs between PostgreSQL and bbolt:\npostgres: %.500s\nbbolt:    %.500s", id, b, r.answers[id])
		}
	}
	logf("[%d] PostgreSQL answers the %d 2-hop queries as bbolt does", r.Quads, len(queries))
	if err := r.measure(ctx, cfg, keyStorePG, "Blurline store 2-hop (FactsOf twice), PostgreSQL", cfg.InProc, cfg.InProcT, func(i int) error {
		return storeTwoHop(ctx, st, r.Start[i%len(r.Start)])
	}); err != nil {
		return err
	}
	r.PG.Store, _ = r.row(keyStorePG)
	if err := r.measure(ctx, cfg, keyGraphQLPG, "Blurline GraphQL 2-hop (schema.API.Do), PostgreSQL", cfg.InProc, cfg.InProcT, func(i int) error {
		res := api.Do(ctx, schema.Request{Query: queries[i%len(queries)]})
		if len(res.Errors) > 0 {
			return fmt.Errorf("GraphQL errors: %v", res.Errors)
		}
		return nil
	}); err != nil {
		return err
	}
	r.PG.GraphQL, _ = r.row(keyGraphQLPG)
	return nil
}

// storeTwoHop is the store's 2-hop: the facts of id, then the facts of
// every entity at their other ends.
func storeTwoHop(ctx context.Context, st *graph.Store, id string) error {
	first, err := st.FactsOf(ctx, []string{id}, blurline.Both, blurline.FactFilter{})
	if err != nil {
		return err
	}
	var others []string
	for _, f := range first[0] {
		if o := f.Other(id); o != "" && f.Object != "" {
			others = append(others, o)
		}
	}
	_, err = st.FactsOf(ctx, others, blurline.Both, blurline.FactFilter{})
	return err
}

// seedRanking ranks every state of the seed on bbolt and on PostgreSQL.
func seedRanking(ctx context.Context, cfg *config, p *pgRun, work string) error {
	if p.cluster == nil {
		return nil
	}
	dsn, err := p.cluster.NewDatabase("benchseed")
	if err != nil {
		return err
	}
	dir := filepath.Join(work, "seed-bbolt")
	defer os.RemoveAll(dir)
	var ranked [][]blur.Score
	r := &sizeResult{Quads: 0}
	for _, x := range []struct{ key, addr, name string }{
		{keySeedBbolt, "bbolt:" + dir, "bbolt"},
		{keySeedPG, dsn, "PostgreSQL"},
	} {
		st, err := graph.Open(ctx, nil, x.addr)
		if err != nil {
			return err
		}
		t0 := time.Now()
		_, res, err := st.EnsureSeed(ctx, seed.FS())
		if err != nil {
			st.Close()
			return err
		}
		d := time.Since(t0)
		p.SeedQuads, r.Quads = res.Added, res.Added
		if x.key == keySeedPG {
			p.SeedLoadPostgres = d
		} else {
			p.SeedLoadBbolt = d
		}
		scores, err := blur.Ranking(ctx, st, "", time.Time{}, 0)
		if err == nil {
			ranked = append(ranked, scores)
			err = r.measure(ctx, cfg, x.key, "blur ranking of every state of the seed, new Analyzer, "+x.name, cfg.InProc, cfg.InProcT, func(int) error {
				_, err := blur.Ranking(ctx, st, "", time.Time{}, 0)
				return err
			})
		}
		st.Close()
		if err != nil {
			return err
		}
	}
	if !slices.EqualFunc(ranked[0], ranked[1], func(a, b blur.Score) bool {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return string(ja) == string(jb)
	}) {
		return errors.New("the seed ranking differs between bbolt and PostgreSQL")
	}
	p.SeedActors = len(ranked[0])
	p.SeedBbolt, _ = r.row(keySeedBbolt)
	p.SeedPG, _ = r.row(keySeedPG)
	return nil
}

// pgJudged is the largest size measured on PostgreSQL.
func (rep *report) pgJudged() *sizeResult {
	var best *sizeResult
	for _, r := range rep.Sizes {
		if r.PG != nil && r.PG.Skipped == "" && (best == nil || r.Quads > best.Quads) {
			best = r
		}
	}
	return best
}

// pgTargets are issue 9's targets: PostgreSQL against bbolt.
func (rep *report) pgTargets() []targetRow {
	const (
		tLoad = "Bulk load into PostgreSQL ≥ 30k quads/s (issue 9)"
		t2hop = "GraphQL 2-hop on PostgreSQL within 10x of bbolt (issue 9)"
		tRank = "Blur ranking on the seed on PostgreSQL within 10x of bbolt (issue 9)"
	)
	if rep.PG == nil || rep.PG.Skipped != "" {
		why := "not measured"
		if rep.PG != nil {
			why = "not measured: " + rep.PG.Skipped
		}
		return []targetRow{{tLoad, why, "–"}, {t2hop, why, "–"}, {tRank, why, "–"}}
	}
	var out []targetRow
	if r := rep.pgJudged(); r != nil {
		qps := float64(r.Written) / r.PG.Load.Wall.Seconds()
		bq := float64(r.Written) / r.BlurlineLoad.Wall.Seconds()
		out = append(out, targetRow{tLoad,
			fmt.Sprintf("`blurline load --store postgres://…` of %s quads: %s, **%.0f quads/s** (bbolt: %s, %.0f quads/s; PostgreSQL takes %s bbolt's time)",
				quads(r.Quads), secs(r.PG.Load.Wall), qps, secs(r.BlurlineLoad.Wall), bq, ratio(r.PG.Load.Wall.Seconds()/r.BlurlineLoad.Wall.Seconds())),
			status(qps >= 30000)})
		if g, ok := r.row(keyGraphQL); ok && r.PG.GraphQL.N > 0 {
			x := float64(r.PG.GraphQL.P50) / float64(g.P50)
			s, _ := r.row(keyStore)
			out = append(out, targetRow{t2hop,
				fmt.Sprintf("at %s quads, p50 %s vs bbolt %s: **%s** (the store's own 2-hop: %s vs %s)", quads(r.Quads), ms(r.PG.GraphQL.P50), ms(g.P50), ratio(x), ms(r.PG.Store.P50), ms(s.P50)),
				status(x <= 10)})
		}
	} else {
		out = append(out, targetRow{tLoad, "no size was loaded into PostgreSQL", "–"}, targetRow{t2hop, "no size was loaded into PostgreSQL", "–"})
	}
	if p := rep.PG; p.SeedPG.N > 0 {
		x := float64(p.SeedPG.P50) / float64(p.SeedBbolt.P50)
		out = append(out, targetRow{tRank,
			fmt.Sprintf("every state of the seed (%d actors), p50 %s vs bbolt %s: **%s**", p.SeedActors, ms(p.SeedPG.P50), ms(p.SeedBbolt.P50), ratio(x)),
			status(x <= 10)})
	}
	return out
}

// pgSection is the report's PostgreSQL section.
func (rep *report) pgSection(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## PostgreSQL beside bbolt\n\n")
	if rep.PG == nil || rep.PG.Skipped != "" {
		why := "not run"
		if rep.PG != nil {
			why = rep.PG.Skipped
		}
		p("Skipped: %s.\n\n", why)
		return
	}
	p("PostgreSQL %s in a throwaway cluster on this machine (`internal/pgtest`: `initdb`, `pg_ctl` on a loopback port; fsync, synchronous_commit and full_page_writes off, as in the tests), one new database per size. "+
		"Load: `blurline load --no-seed --store postgres://postgres@127.0.0.1:PORT/DB gen.nq`, the same file as the bbolt load (`--data DIR`). "+
		"In-process: `graph.Open` of that database, the store's 2-hop (FactsOf twice) and the GraphQL 2-hop (`schema.API.Do`, which asks the database for its data version once per request, as a server does) from the same start entities, "+
		"after checking that every GraphQL answer is byte for byte the bbolt store's. The 2-hop over HTTP is not measured on PostgreSQL.\n\n", rep.PG.Version)
	p("| quads | load bbolt | load PostgreSQL | quads/s bbolt / PostgreSQL | peak RSS PostgreSQL load | graph.Open bbolt / PostgreSQL | store 2-hop p50 bbolt / PostgreSQL | GraphQL 2-hop p50 bbolt / PostgreSQL | ratio |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Sizes {
		if r.PG == nil || r.PG.Skipped != "" {
			why := "not run"
			if r.PG != nil {
				why = r.PG.Skipped
			}
			p("| %s | %s | skipped: %s | | | | | | |\n", quads(r.Quads), secs(r.BlurlineLoad.Wall), why)
			continue
		}
		s, _ := r.row(keyStore)
		g, _ := r.row(keyGraphQL)
		p("| %s | %s | %s | %.0f / %.0f | %s | %s / %s | %s / %s | %s / %s | **%s** |\n", quads(r.Quads), secs(r.BlurlineLoad.Wall), secs(r.PG.Load.Wall),
			float64(r.Written)/r.BlurlineLoad.Wall.Seconds(), float64(r.Written)/r.PG.Load.Wall.Seconds(), mb(r.PG.Load.MaxRSS),
			secs(r.OpenTime), secs(r.PG.OpenTime), ms(s.P50), ms(r.PG.Store.P50), ms(g.P50), ms(r.PG.GraphQL.P50), ratio(float64(r.PG.GraphQL.P50)/float64(g.P50)))
	}
	if pg := rep.PG; pg.SeedPG.N > 0 {
		p("\nThe seed (%d quads; `EnsureSeed` took %s on bbolt, %s on PostgreSQL): `blur.Ranking(ctx, store, \"\", time.Time{}, 0)` over every state (%d actors), a new Analyzer each run, identical rankings on both: "+
			"p50 %s (p99 %s) on bbolt, %s (p99 %s) on PostgreSQL, **%s**.\n",
			pg.SeedQuads, ms(pg.SeedLoadBbolt), ms(pg.SeedLoadPostgres), pg.SeedActors, ms(pg.SeedBbolt.P50), ms(pg.SeedBbolt.P99), ms(pg.SeedPG.P50), ms(pg.SeedPG.P99), ratio(float64(pg.SeedPG.P50)/float64(pg.SeedBbolt.P50)))
	}
	p("\nReads are answered from each server's in-memory read model on both stores; what PostgreSQL adds per GraphQL request is one `SELECT` of the data version. Loads of more than 1000 quads go through the bulk path (`graph/pgbulk.go`: into empty tables, COPY straight into them with their secondary indexes and foreign keys rebuilt after; otherwise COPY into temporary tables, then one merge per table).\n\n")
}
