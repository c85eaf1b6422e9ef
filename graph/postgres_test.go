package graph

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/pgtest"
	"github.com/lib/pq"
)

func newPostgresDSN(t *testing.T) string {
	t.Helper()
	c := postgresCluster(t)
	if c == nil {
		t.Skip("PostgreSQL is not installed")
	}
	dsn, err := c.NewDatabase(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// TestPostgresTwoStores opens two stores on one database, as two servers
// would: a write through one is visible through the other after Sync, and
// concurrent writes through both keep every invariant.
func TestPostgresTwoStores(t *testing.T) {
	ctx := context.Background()
	dsn := newPostgresDSN(t)
	a := mustOpen(t, dsn)
	b := mustOpen(t, dsn)
	mustLoadFile(t, a, "testdata/small.nq")
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Node(ctx, "apt40"); err != nil {
		t.Fatalf("b does not see a's load: %v", err)
	}
	if _, err := b.Retract(ctx, "uk-apt40-hssd"); err != nil {
		t.Fatal(err)
	}
	a.Sync(ctx)
	if _, err := a.Fact(ctx, "uk-apt40-hssd"); !errors.Is(err, blurline.ErrNotFound) {
		t.Fatalf("a still sees the fact b retracted: %v", err)
	}

	// Concurrent writers through both stores.
	const perStore = 15
	var wg sync.WaitGroup
	for si, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perStore; i++ {
				f := blurline.Fact{ID: fmt.Sprintf("w%d-%d", si, i), Subject: "apt40", Predicate: blurline.TaskedBy, Object: "mss",
					Confidence: 0.5, Sources: []string{"https://example.org/w"}}
				if _, err := s.Write(ctx, nil, []blurline.Fact{f}); err != nil {
					t.Errorf("store %d write %d: %v", si, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range []*Store{a, b} {
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		st, _ := s.Stats(ctx)
		if st.Facts != 2+2*perStore || st.FactsWithProvenance != st.Facts {
			t.Errorf("facts = %d (%d with provenance), want %d", st.Facts, st.FactsWithProvenance, 2+2*perStore)
		}
		checkNoDangling(t, s)
	}
	if ea, eb := export(t, a), export(t, b); ea != eb {
		t.Errorf("the two stores export different data")
	}
	// A third store opened now reads the same.
	c := mustOpen(t, dsn)
	if export(t, c) != export(t, a) {
		t.Errorf("a new store on the same database differs")
	}
}

func TestPostgresLiteralsAndBadAddress(t *testing.T) {
	ctx := context.Background()
	dsn := newPostgresDSN(t)
	s := mustOpen(t, dsn)
	mustLoadFile(t, s, "testdata/literals.nq")
	in, _ := os.ReadFile("testdata/literals.nq")
	out := export(t, mustOpen(t, dsn))
	for _, l := range strings.Split(string(in), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.Contains(out, l) {
			t.Errorf("postgres export lacks %s", l)
		}
	}
	bad := regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(dsn, "127.0.0.1:1") // nothing listens there
	if _, err := Open(ctx, nil, bad); !errors.Is(err, blurline.ErrUnavailable) {
		t.Errorf("Open(refused) err = %v, want ErrUnavailable", err)
	} else {
		t.Logf("refused connection: %v", err)
	}
}

// TestPostgresLostConnection stops the database under an open store: Ready
// fails with ErrUnavailable, and recovers by itself when the database is back.
func TestPostgresLostConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own cluster")
	}
	if postgresCluster(t) == nil {
		t.Skip("PostgreSQL is not installed")
	}
	c, err := pgtest.Start() // a cluster of its own: this test stops it
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	dsn, err := c.NewDatabase("lost")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := mustOpen(t, dsn)
	mustLoadFile(t, s, "testdata/small.nq")
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := c.StopServer(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); !errors.Is(err, blurline.ErrUnavailable) {
		t.Errorf("Ready with the database down = %v, want ErrUnavailable", err)
	}
	if err := s.Sync(ctx); !errors.Is(err, blurline.ErrUnavailable) {
		t.Errorf("Sync with the database down = %v, want ErrUnavailable", err)
	}
	if _, err := s.Retract(ctx, "uk-apt40-hssd"); !errors.Is(err, blurline.ErrUnavailable) {
		t.Errorf("Retract with the database down = %v, want ErrUnavailable", err)
	}
	if err := c.StartServer(); err != nil {
		t.Fatal(err)
	}
	var rerr error
	for i := 0; i < 50; i++ {
		if rerr = s.Ready(ctx); rerr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rerr != nil {
		t.Fatalf("Ready after the database came back: %v", rerr)
	}
	if _, err := s.Retract(ctx, "uk-apt40-hssd"); err != nil {
		t.Errorf("Retract after recovery: %v", err)
	}
}

// TestPGErrorKinds: connection trouble, however the driver reports it, is
// ErrUnavailable; any other database error is ErrInternal; a cancelled
// request stays a cancelled request. No kind is decided from message text.
func TestPGErrorKinds(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want error
	}{
		{refused, blurline.ErrUnavailable},
		{&net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}, blurline.ErrUnavailable},
		{fmt.Errorf("query: %w", driver.ErrBadConn), blurline.ErrUnavailable},
		{io.EOF, blurline.ErrUnavailable},
		{io.ErrUnexpectedEOF, blurline.ErrUnavailable},
		{sql.ErrConnDone, blurline.ErrUnavailable},
		{&pq.Error{Code: "08006"}, blurline.ErrUnavailable}, // connection_failure
		{&pq.Error{Code: "57P01"}, blurline.ErrUnavailable}, // admin_shutdown
		{&pq.Error{Code: "28P01"}, blurline.ErrUnavailable}, // invalid_password
		{&pq.Error{Code: "23505"}, blurline.ErrInternal},    // unique_violation
		{errors.New("connection refused, said the message"), blurline.ErrInternal},
		{context.Canceled, context.Canceled},
	} {
		if got := pgError("op", tc.err); !errors.Is(got, tc.want) {
			t.Errorf("pgError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
