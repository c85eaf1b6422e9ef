package server_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
)

// underLoad runs load in clients goroutines for at most d and meanwhile
// asks an ordinary query of its own every 100 ms: each must be answered,
// 200 without errors, within a generous bound (seconds: a failure here is
// minutes, or a refusal).
func underLoad(t *testing.T, base string, clients int, d time.Duration, load func(i int)) {
	t.Helper()
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for time.Now().Before(stop) {
				load(i)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	n := 0
	for time.Now().Before(stop) {
		start := time.Now()
		r, err := hdo("POST", base+"/graphql", post4(nil), []byte(`{"query":"{ stats { facts } }"}`))
		switch {
		case err != nil:
			t.Fatalf("an ordinary query during the load: %v", err)
		case r.Status != 200 || r.JSON["errors"] != nil:
			t.Fatalf("an ordinary query during the load: %d %.300s", r.Status, r.Body)
		case time.Since(start) > 5*time.Second:
			t.Fatalf("an ordinary query during the load took %v", time.Since(start))
		}
		n++
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	t.Logf("%d ordinary queries answered during the load", n)
}

// TestFloodsWithinBudget sends, from several clients at once, documents
// that graphql-go would validate in time quadratic in their size, each
// text new (so that no cache helps): each is refused with a 400 and a
// code, fast, while another client is served.
func TestFloodsWithinBudget(t *testing.T) {
	ts := startServer(t, server.Config{})
	var mu sync.Mutex
	seq := 0
	next := func() int { mu.Lock(); defer mu.Unlock(); seq++; return seq }
	for _, c := range []struct {
		name string
		doc  func(n int) string
		code string
	}{
		{"directives", func(n int) string { return fmt.Sprintf("{ a%d: __typename %s}", n, strings.Repeat("@a ", 20000)) }, "LIMIT_EXCEEDED"},
		{"directives under the bound", func(n int) string {
			var b strings.Builder
			for i := range 95 {
				fmt.Fprintf(&b, "f%d_%d @a @b ", n, i)
			}
			return "{ " + b.String() + "}"
		}, "GRAPHQL_VALIDATION_FAILED"},
		{"operations", func(n int) string { return fmt.Sprintf("query Q%d { a }", n) + strings.Repeat("{a}", 9000) }, "LIMIT_EXCEEDED"},
		{"operations under the bound", func(n int) string { return fmt.Sprintf("query Q%d { a }", n) + strings.Repeat("{a}", 99) }, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown fields", func(n int) string {
			var b strings.Builder
			for i := range 2000 {
				fmt.Fprintf(&b, "f%d_%d ", n, i)
			}
			return "{ " + b.String() + "}"
		}, "GRAPHQL_VALIDATION_FAILED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var worst time.Duration
			var wmu sync.Mutex
			// Half of the request slots, as in TestHostileRequests: with
			// all of them busy, another client would rightly wait or be shed.
			underLoad(t, ts.URL, 4, 3*time.Second, func(int) {
				start := time.Now()
				r, err := hdo("POST", ts.URL+"/graphql", post4(nil), gqlBody(c.doc(next()), nil))
				if err != nil {
					t.Errorf("no answer: %v", err)
					return
				}
				// Refused, or stopped at the deadline (under the race
				// detector, validating 6000 fields takes seconds).
				if (r.Status != 400 || r.code() != c.code) && (r.Status != 504 || r.code() != "TIMEOUT") {
					t.Errorf("%d %s, want 400 %s (or 504 TIMEOUT): %.200s", r.Status, r.code(), c.code, r.Body)
				}
				if errs, _ := r.JSON["errors"].([]any); len(errs) > server.MaxErrors+1 {
					t.Errorf("%d errors, over %d", len(errs), server.MaxErrors+1)
				}
				wmu.Lock()
				worst = max(worst, time.Since(start))
				wmu.Unlock()
			})
			t.Logf("slowest refusal %v", worst)
			if worst > server.DefaultExecTimeout+5*time.Second {
				t.Errorf("the slowest refusal took %v, over the budget of %v", worst, server.DefaultExecTimeout)
			}
		})
	}
}

// TestErrorAmplification: errors that quote a large input do not multiply
// it: 50 lookups of a 900 KB id answer in a few KB, and many such requests
// at once leave the heap where it was.
func TestErrorAmplification(t *testing.T) {
	ts := startServer(t, server.Config{})
	var q strings.Builder
	q.WriteString("query($s: ID!) {")
	for i := range 50 {
		fmt.Fprintf(&q, " a%d: entity(id: $s) { id }", i)
	}
	q.WriteString(" }")
	body := gqlBody(q.String(), map[string]any{"s": strings.Repeat("x", 900_000)})
	base := heapAfterGC()
	watch := watchHeap()
	var largest int
	var mu sync.Mutex
	underLoad(t, ts.URL, 4, 4*time.Second, func(int) {
		r, err := hdo("POST", ts.URL+"/graphql", post4(nil), body)
		if err != nil {
			t.Errorf("no answer: %v", err)
			return
		}
		mu.Lock()
		largest = max(largest, len(r.Body))
		mu.Unlock()
	})
	peak := watch.Stop()
	after := heapAfterGC()
	t.Logf("largest answer %d bytes; heap %d MiB before, peak %d MiB, %d MiB after", largest, base>>20, peak>>20, after>>20)
	if largest > 64<<10 {
		t.Errorf("an answer of %d bytes to a request of %d: the errors echo the input", largest, len(body))
	}
	if after > base+hostileHeapGrowth {
		t.Errorf("heap grew from %d MiB to %d MiB", base>>20, after>>20)
	}
}

// TestResponseTooLarge: a response over MaxResponseBytes is replaced by a
// RESPONSE_TOO_LARGE error.
func TestResponseTooLarge(t *testing.T) {
	ts := startServer(t, server.Config{MaxResponseBytes: 4 << 10})
	r, err := hdo("POST", ts.URL+"/graphql", post4(nil), gqlBody(`{ entities(first: 200) { edges { node { id name } } } }`, nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 400 || r.code() != "RESPONSE_TOO_LARGE" || r.hasData() || len(r.Body) > 1<<10 {
		t.Errorf("a response over the limit: %d %s %.300s", r.Status, r.code(), r.Body)
	}
	alive(t, ts.URL, "a response too large")
}

// TestSlowReaders: clients that ask for large answers and never read them
// hold their connections, not the request slots: with twice the slots'
// worth of such clients connected, others are served, and the writes to
// the slow clients end at WriteTimeout.
func TestSlowReaders(t *testing.T) {
	ts := startServer(t, server.Config{MaxConcurrent: 4, WriteTimeout: 2 * time.Second, ResponseCacheBytes: 256 << 20, ExecTimeout: time.Minute})
	var q strings.Builder
	q.WriteString("{")
	for i := range 12 { // about 8 MB, more than the kernel's socket buffers
		fmt.Fprintf(&q, " b%d: stixBundle", i)
	}
	q.WriteString(" }")
	big := gqlBody(q.String(), nil)
	r, err := hdo("POST", ts.URL+"/graphql", post4(nil), big)
	if err != nil || r.Status != 200 {
		t.Fatalf("the large query: %v %v", err, r)
	}
	t.Logf("the large answer is %d bytes (kept in the response cache: cheap to answer again)", len(r.Body))
	addr := strings.TrimPrefix(ts.URL, "http://")
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	var conns []net.Conn
	for range 8 {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(big), big)
		conns = append(conns, c)
	}
	underLoad(t, ts.URL, 0, 4*time.Second, nil)
	// The server gave up writing to them: reading now ends (EOF or reset)
	// before the whole answer.
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("slow client %d: the server still writes after %d bytes", i, n)
		}
		if n >= int64(len(r.Body)) {
			t.Errorf("slow client %d: got all %d bytes, want the write cut off", i, n)
		}
	}
}

// TestReadFloodSparesWrites: with every shared slot busy with reads,
// requests with the write token run in their own slots and are not shed.
func TestReadFloodSparesWrites(t *testing.T) {
	ts := startServer(t, server.Config{Token: hostileToken, MaxConcurrent: 2, QueueTimeout: 50 * time.Millisecond})
	read := gqlBody(`{ entities(first: 500) { edges { node { id relationships(first: 20) { totalCount } } } } }`, nil)
	stop := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	shedReads := 0
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				r, err := hdo("POST", ts.URL+"/graphql", post4(nil), read)
				if err == nil && r.Status == 503 {
					mu.Lock()
					shedReads++
					mu.Unlock()
				}
			}
		})
	}
	auth := map[string]string{"Content-Type": appJSON, "Accept": gqlResp, "Authorization": "Bearer " + hostileToken}
	writes, shed := 0, 0
	for i := 0; time.Now().Before(stop); i++ {
		doc := fmt.Sprintf(`mutation { addFacts(facts: [], entities: [{id: "flood-%d", name: "Flood %d", kind: State}]) { facts { id } } }`, i, i)
		r, err := hdo("POST", ts.URL+"/graphql", auth, gqlBody(doc, nil))
		if err != nil {
			t.Fatal(err)
		}
		writes++
		if r.Status == 503 {
			shed++
		} else if r.Status != 200 || r.JSON["errors"] != nil {
			t.Errorf("write %d: %d %.200s", i, r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	t.Logf("%d writes during the read flood (%d reads shed with 503)", writes, shedReads)
	if shed > 0 {
		t.Errorf("%d of %d writes were shed with 503 by the read flood", shed, writes)
	}
	if shedReads == 0 {
		t.Logf("the read flood never filled the slots: the test did not load the server")
	}
}
