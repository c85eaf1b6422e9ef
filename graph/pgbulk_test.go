package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/gen"
	"github.com/blurline/blurline/seed"
	cgraph "github.com/cayleygraph/cayley/graph"
	"github.com/cayleygraph/quad"
)

// bulkTestQuads is the seed, a generated graph and tricky values, without
// repeats (cayley's writer counts a repeated quad's references twice, so
// the comparison needs none).
func bulkTestQuads(t *testing.T, generated int) []quad.Quad {
	t.Helper()
	var all []quad.Quad
	read := func(r io.Reader) {
		nr := newNQuadsReader(r)
		for {
			lq, err := nr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, lq.Quad)
		}
	}
	names, err := fs.Glob(seed.FS(), "*.nq")
	if err != nil || len(names) == 0 {
		t.Fatalf("seed files: %v %v", names, err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(seed.FS(), n)
		if err != nil {
			t.Fatal(err)
		}
		read(bytes.NewReader(b))
	}
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Quads: generated, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	read(&buf)
	s, p, g := quad.IRI("https://example.org/tricky"), quad.IRI("https://example.org/p"), quad.IRI("https://example.org/g")
	// Not `\x00` as text: cayley stores NUL as those four characters and
	// reads them back as NUL, whichever way they were written.
	tricky := []quad.Value{
		quad.String(""), quad.String("tab\there"), quad.String("new\nline\r\n"), quad.String(`back\slash \N \\`),
		quad.String("nul\x00byte"), quad.String("émigré 北京 Москва 🙂 e\u0301"), quad.String(strings.Repeat("long ", 200_000)),
		quad.LangString{Value: "chat", Lang: "fr"}, quad.LangString{Value: "colour", Lang: "en-GB"},
		quad.TypedString{Value: "0.75", Type: "http://www.w3.org/2001/XMLSchema#decimal"},
		quad.TypedString{Value: "2021-07-19", Type: "http://www.w3.org/2001/XMLSchema#date"},
		quad.TypedString{Value: "x\x00y", Type: "https://example.org/odd type"},
		quad.IRI("https://example.org/ünïcode?q=1#frag"), quad.BNode("b1"),
		quad.Int(-42), quad.Int(1 << 62), quad.Bool(true), quad.Bool(false), quad.Float(3.25), quad.Float(-1e-300),
		quad.Time(time.Date(2021, 7, 19, 12, 30, 45, 123456000, time.UTC)),
		quad.Time(time.Date(1999, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 5*3600))),
	}
	for i, o := range tricky {
		all = append(all, quad.Quad{Subject: s, Predicate: p, Object: o, Label: g})
		all = append(all, quad.Quad{Subject: quad.BNode(fmt.Sprintf("n%d", i)), Predicate: p, Object: o}) // no label
	}
	seen := map[string]bool{}
	out := all[:0]
	for _, q := range all {
		k := q.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, q)
		}
	}
	return out
}

// pgTables dumps cayley's tables (every column but quads' horizon and ts),
// sorted, and checks that each node's refs is exactly the number of quad
// directions pointing at it, with no node unreferenced.
func pgTables(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{
		`SELECT row(hash, refs, value, value_string, datatype, language, iri, bnode, value_int, value_bool, value_float, value_time)::text FROM nodes ORDER BY hash`,
		`SELECT row(subject_hash, predicate_hash, object_hash, label_hash)::text AS r FROM quads ORDER BY r`,
	} {
		rows, err := s.pg.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			b.WriteString(r)
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	var wrong int
	if err := s.pg.db.QueryRowContext(ctx, `SELECT count(*) FROM nodes n FULL JOIN (
		SELECT h, count(*) AS c FROM (SELECT subject_hash FROM quads UNION ALL SELECT predicate_hash FROM quads
			UNION ALL SELECT object_hash FROM quads UNION ALL SELECT label_hash FROM quads WHERE label_hash IS NOT NULL) AS x(h)
		GROUP BY h) r ON r.h = n.hash WHERE n.refs IS DISTINCT FROM r.c`).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Errorf("%d nodes whose refs are not the number of references to them", wrong)
	}
	return b.String()
}

// pgSchema lists the indexes, constraints and triggers of cayley's tables.
func pgSchema(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.pg.db.Query(`SELECT indexdef FROM pg_indexes WHERE tablename IN ('nodes', 'quads')
		UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint WHERE conrelid IN ('nodes'::regclass, 'quads'::regclass)
		UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('nodes'::regclass, 'quads'::regclass)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		b.WriteString(l + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// cayleyReadBack reads every quad through a fresh cayley QuadStore on dsn.
func cayleyReadBack(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	qs, err := cgraph.NewQuadStore("postgres", dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close()
	it := qs.QuadsAllIterator().Iterate()
	defer it.Close()
	var out []string
	for it.Next(ctx) {
		q, err := qs.Quad(it.Result())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, quadText(q))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// quadText is q in a form that tells every value apart (a time by its
// instant).
func quadText(q quad.Quad) string {
	var b strings.Builder
	for _, v := range []quad.Value{q.Subject, q.Predicate, q.Object, q.Label} {
		if t, ok := v.(quad.Time); ok {
			v = quad.Time(time.Time(t).UTC())
		}
		fmt.Fprintf(&b, "%T %#v\t", v, v)
	}
	return b.String()
}

func pgVersion(t *testing.T, s *Store) int64 {
	t.Helper()
	v, err := s.pg.version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPostgresBulkEquivalent loads the same quads through cayley's writer
// into one database and through the bulk path into another: cayley's
// tables must come out identical (but for quads' horizon and ts), cayley's
// QuadStore must read back the same quads, and cayley's deletes afterwards
// must keep them identical with exact refs. Loading twice changes nothing;
// a failing load leaves nothing.
func TestPostgresBulkEquivalent(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := newPostgresDSN(t), newPostgresDSN(t)
	a, b := mustOpen(t, dsnA), mustOpen(t, dsnB)
	quads := bulkTestQuads(t, 5000)
	t.Logf("%d quads", len(quads))

	if err := a.qs.ApplyDeltas(deltasOf(quads, cgraph.Add), cgraph.IgnoreOpts{IgnoreDup: true}); err != nil {
		t.Fatalf("cayley's writer: %v", err)
	}
	v0 := pgVersion(t, b)
	if err := b.pg.pgBulkAdd(ctx, quads); err != nil {
		t.Fatalf("bulk: %v", err)
	}
	if pgVersion(t, b) == v0 {
		t.Error("the bulk load did not move the data version: other servers would not see it")
	}
	ta, tb := pgTables(t, a), pgTables(t, b)
	if ta != tb {
		t.Fatalf("tables differ:\n%s", firstDiff(ta, tb))
	}
	if sa, sb := pgSchema(t, a), pgSchema(t, b); sa != sb {
		t.Fatalf("the bulk load (indexes and foreign keys dropped and rebuilt) changed the schema:\n%s", firstDiff(sa, sb))
	}
	want := make([]string, len(quads))
	for i, q := range quads {
		want[i] = quadText(q)
	}
	slices.Sort(want)
	for name, dsn := range map[string]string{"writer": dsnA, "bulk": dsnB} {
		if got := cayleyReadBack(t, dsn); !slices.Equal(got, want) {
			t.Errorf("cayley reads back from the %s database:\n%s", name, firstDiff(strings.Join(got, "\n"), strings.Join(want, "\n")))
		}
	}

	// Loading again (and again in pieces, with repeats) changes nothing.
	if err := b.pg.pgBulkAdd(ctx, append(slices.Clone(quads[:100]), quads...)); err != nil {
		t.Fatal(err)
	}
	if got := pgTables(t, b); got != tb {
		t.Fatalf("loading twice changed the tables:\n%s", firstDiff(tb, got))
	}

	// cayley's deletes keep refs right on both.
	var dels []quad.Quad
	for i := 0; i < len(quads); i += 3 {
		dels = append(dels, quads[i])
	}
	for _, s := range []*Store{a, b} {
		if err := s.qs.ApplyDeltas(deltasOf(dels, cgraph.Delete), cgraph.IgnoreOpts{}); err != nil {
			t.Fatalf("cayley's delete: %v", err)
		}
	}
	ta, tb = pgTables(t, a), pgTables(t, b)
	if ta != tb {
		t.Fatalf("tables differ after deletes:\n%s", firstDiff(ta, tb))
	}

	// A failing load (a value PostgreSQL refuses, at the very end; a
	// cancelled context) leaves nothing and does not move the version.
	v1 := pgVersion(t, b)
	bad := append(slices.Clone(dels), quad.Quad{Subject: quad.IRI("https://example.org/x"), Predicate: quad.IRI("https://example.org/p"), Object: quad.String("bad \xff utf-8")})
	if err := b.pg.pgBulkAdd(ctx, bad); err == nil {
		t.Fatal("a load with invalid UTF-8 succeeded")
	}
	noObject := append(slices.Clone(dels), quad.Quad{Subject: quad.IRI("https://example.org/x"), Predicate: quad.IRI("https://example.org/p")})
	if err := b.pg.pgBulkAdd(ctx, noObject); err == nil {
		t.Fatal("a load with a quad without object succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.pg.pgBulkAdd(cctx, dels); err == nil {
		t.Fatal("a cancelled load succeeded")
	}
	if got := pgTables(t, b); got != tb {
		t.Fatalf("a failed load changed the tables:\n%s", firstDiff(tb, got))
	}
	if v := pgVersion(t, b); v != v1 {
		t.Errorf("a failed load moved the version from %d to %d", v1, v)
	}
}

// TestPostgresBulkFreshEqualsMerge loads the same input, with repeated
// quads and values, into empty tables through pgBulkAddFresh and through
// pgBulkAddMerge: the tables and the schema must come out identical, with
// exact refs; failing loads into the empty tables leave nothing.
func TestPostgresBulkFreshEqualsMerge(t *testing.T) {
	ctx := context.Background()
	quads := bulkTestQuads(t, 3000)
	in := append(slices.Clone(quads[len(quads)/2:]), quads...) // repeats, in another order
	var tables, schemas []string
	for _, fresh := range []bool{true, false} {
		s := mustOpen(t, newPostgresDSN(t))
		func() {
			defer func(f bool) { pgBulkFresh = f }(pgBulkFresh)
			pgBulkFresh = fresh
			// Failing loads into the empty tables leave them empty, with
			// their indexes and keys.
			schema := pgSchema(t, s)
			x, p := quad.IRI("https://example.org/x"), quad.IRI("https://example.org/p")
			for _, bad := range [][]quad.Quad{
				append(slices.Clone(in), quad.Quad{Subject: x, Predicate: p, Object: quad.String("bad \xff utf-8")}),
				append(slices.Clone(in), quad.Quad{Subject: x, Predicate: p}),
			} {
				if err := s.pg.pgBulkAdd(ctx, bad); err == nil {
					t.Fatalf("fresh=%v: a bad load succeeded", fresh)
				}
			}
			if got := pgTables(t, s); got != "--\n--\n" {
				t.Fatalf("fresh=%v: failed loads left rows:\n%.300s", fresh, got)
			}
			if got := pgSchema(t, s); got != schema {
				t.Fatalf("fresh=%v: failed loads changed the schema:\n%s", fresh, firstDiff(schema, got))
			}
			if err := s.pg.pgBulkAdd(ctx, in); err != nil {
				t.Fatalf("fresh=%v: %v", fresh, err)
			}
		}()
		var n int
		if err := s.pg.db.QueryRow(`SELECT count(*) FROM quads`).Scan(&n); err != nil || n != len(quads) {
			t.Fatalf("fresh=%v: %d quads stored (%v), want %d", fresh, n, err, len(quads))
		}
		tables = append(tables, pgTables(t, s))
		schemas = append(schemas, pgSchema(t, s))
	}
	if tables[0] != tables[1] {
		t.Fatalf("tables differ (fresh, merge):\n%s", firstDiff(tables[0], tables[1]))
	}
	if schemas[0] != schemas[1] {
		t.Fatalf("schemas differ (fresh, merge):\n%s", firstDiff(schemas[0], schemas[1]))
	}
}

// TestPostgresBulkLoadThroughStore: a load large enough for the bulk path
// gives the same store as on memory, a second server on the database sees
// it, reopening reads it back, loading again adds nothing, and retracting
// afterwards (cayley's deletes) keeps refs exact.
func TestPostgresBulkLoadThroughStore(t *testing.T) {
	ctx := context.Background()
	dsn := newPostgresDSN(t)
	pgs, other, mem := mustOpen(t, dsn), mustOpen(t, dsn), mustOpen(t, "memory:")
	var buf bytes.Buffer
	n, err := gen.Write(&buf, gen.Config{Quads: 20_000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if n < pgBulkMin {
		t.Fatalf("%d quads do not take the bulk path (%d)", n, pgBulkMin)
	}
	for _, s := range []*Store{pgs, mem} {
		res, err := s.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
		if err != nil || res.Added != n {
			t.Fatalf("%s: Load = %+v, %v; want %d added", s.Backend(), res, err, n)
		}
	}
	var inserted int
	if err := pgs.pg.db.QueryRow(`SELECT count(*) FROM quads`).Scan(&inserted); err != nil || inserted != n {
		t.Fatalf("quads table holds %d (%v), want %d", inserted, err, n)
	}
	want := export(t, mem)
	if got := export(t, pgs); got != want {
		t.Fatalf("postgres export differs from memory:\n%s", firstDiff(got, want))
	}
	if err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := export(t, other); got != want {
		t.Fatalf("the other server's export differs:\n%s", firstDiff(got, want))
	}
	if got := export(t, mustOpen(t, dsn)); got != want {
		t.Fatalf("reopened export differs:\n%s", firstDiff(got, want))
	}
	tables := pgTables(t, pgs)
	res, err := pgs.Load(ctx, Source{Name: "gen.nq", R: bytes.NewReader(data)})
	if err != nil || res.Added != 0 {
		t.Fatalf("second Load = %+v, %v; want nothing added", res, err)
	}
	if got := pgTables(t, pgs); got != tables {
		t.Fatalf("loading twice changed the tables:\n%s", firstDiff(tables, got))
	}
	facts, err := pgs.Facts(ctx, blurline.FactQuery{})
	if err != nil || len(facts) < 20 {
		t.Fatalf("Facts = %d, %v", len(facts), err)
	}
	for _, f := range facts[:20] {
		if _, err := other.Retract(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
	}
	pgTables(t, pgs) // checks refs
	checkNoDangling(t, other)
}

// firstDiff shows where two dumps first differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %.300s\n  %.300s", i+1, x, y)
		}
	}
	return "(same)"
}

// BenchmarkLoadPostgres loads a generated file into a new database through
// Store.Load: "writer" is cayley's writer (the path before the bulk load;
// a smaller file, it is slow), "bulk" the bulk path (into the new
// database's empty tables: pgBulkAddFresh), "merge" the bulk path as it
// loads into tables that hold data (pgBulkAddMerge); bbolt beside them.
//
//	BLURLINE_REQUIRE_POSTGRES=1 go test -run='^$' -bench=LoadPostgres -benchtime=2x ./graph
func BenchmarkLoadPostgres(b *testing.B) {
	c := postgresCluster(b)
	if c == nil {
		b.Skip("PostgreSQL is not installed")
	}
	for _, tc := range []struct {
		name  string
		quads int
		bulk  bool
	}{{"writer", 10_000, false}, {"merge", 100_000, true}, {"bulk", 100_000, true}, {"bbolt", 100_000, false}} {
		b.Run(tc.name, func(b *testing.B) {
			var buf bytes.Buffer
			n, err := gen.Write(&buf, gen.Config{Quads: tc.quads, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			if !tc.bulk {
				defer func(m int) { pgBulkMin = m }(pgBulkMin)
				pgBulkMin = 1 << 30
			}
			if tc.name == "merge" {
				defer func(f bool) { pgBulkFresh = f }(pgBulkFresh)
				pgBulkFresh = false
			}
			for b.Loop() {
				addr := "bbolt:" + b.TempDir()
				if tc.name != "bbolt" {
					if addr, err = c.NewDatabase("bench"); err != nil {
						b.Fatal(err)
					}
				}
				s := mustOpen(b, addr)
				if _, err := s.Load(context.Background(), Source{Name: "gen.nq", R: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "quads/s")
		})
	}
}
