package server_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
)

// TestUpload: POST /import imports a file of any size up to the upload
// limit, all or nothing, with the write token.
func TestUpload(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{Token: testToken, MaxBodyBytes: 100, MaxUploadBytes: 64 << 10})
	bundle := `{"type":"bundle","id":"bundle--11111111-2222-4333-8444-555555555550",` + strings.TrimPrefix(taxiiEnvelope, "{")
	auth := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}
	before := dumpStore(t, ts)
	if r := do(t, "POST", ts.URL+"/import", map[string]string{"Content-Type": "application/json"}, bundle); r.Status != 401 || r.code() != "UNAUTHENTICATED" {
		t.Errorf("without a token: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", ts.URL+"/import", map[string]string{"Authorization": "Bearer nope-nope-nope-nope"}, bundle); r.Status != 401 {
		t.Errorf("wrong token: %d %s", r.Status, r.Body)
	}
	big := bundle[:len(bundle)-2] + `,{"type":"x-padding","id":"x-padding--11111111-2222-4333-8444-555555555551","pad":"` + strings.Repeat("x", 70<<10) + `"}]}`
	if r := do(t, "POST", ts.URL+"/import", auth, big); r.Status != 413 {
		t.Errorf("over the upload limit: %d %s", r.Status, r.Body)
	}
	broken := strings.Replace(bundle, `"confidence":70`, `"confidence":700`, 1)
	r := do(t, "POST", ts.URL+"/import", auth, broken)
	if r.Status != 400 || r.code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Body), "must be an integer 0..100, got 700") {
		t.Errorf("broken bundle: %d %s", r.Status, r.Body)
	}
	if r := do(t, "POST", ts.URL+"/import?format=pdf", auth, bundle); r.Status != 400 {
		t.Errorf("format=pdf: %d %s", r.Status, r.Body)
	}
	if dumpStore(t, ts) != before {
		t.Fatal("a refused upload changed the store")
	}
	// Larger than the GraphQL body limit (100 bytes here), within the upload limit.
	r = do(t, "POST", ts.URL+"/import?id=posted", auth, bundle)
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	rep, _ := r.JSON["report"].(map[string]any)
	if rep["ImportID"] != "posted" || r.JSON["bytes"] != float64(len(bundle)) || rep["Facts"] != float64(1) {
		t.Errorf("upload answer: %s", r.Body)
	}
	if n, err := ts.Store.Node(t.Context(), "intrusion-set--11111111-2222-4333-8444-555555555555"); err != nil || n == nil || n.Name != "Posted Group" {
		t.Errorf("the uploaded group is not in the store: %v, %v", n, err)
	}
	if !strings.Contains(ts.Logs.String(), `"msg":"upload imported"`) {
		t.Errorf("no log line for the upload")
	}
}

// TestUploadRefusesBadJSON: a body that is not one well-formed JSON value
// is refused before the import reads it, and changes nothing.
func TestUploadRefusesBadJSON(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{Token: testToken})
	auth := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}
	before := dumpStore(t, ts)
	for name, body := range map[string]string{
		"cut short":    `{"type":"bundle","id":"bundle--11111111-2222-4333-8444-555555555550","objects":[{"type":"x-a"`,
		"two values":   `{"type":"bundle"} {"type":"bundle"}`,
		"not JSON":     `<bundle/>`,
		"only a space": ` `,
	} {
		r := do(t, "POST", ts.URL+"/import", auth, body)
		if r.Status != 400 || r.code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Body), "not one well-formed JSON value") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if dumpStore(t, ts) != before {
		t.Fatal("a refused upload changed the store")
	}
}

// padReader is a STIX bundle of n padding objects of 64 KiB each, cut
// short before its end when cut is set: a large body made as it is read.
type padReader struct {
	n, i int
	cut  bool
	buf  []byte
}

func (p *padReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		switch {
		case p.i == 0:
			p.buf = []byte(`{"type":"bundle","id":"bundle--11111111-2222-4333-8444-555555555550","objects":[`)
		case p.i <= p.n:
			p.buf = fmt.Appendf(nil, `{"type":"x-padding","id":"x-padding--11111111-2222-4333-8444-%012d","pad":"%s"},`, p.i, strings.Repeat("x", 64<<10))
		case p.i == p.n+1 && !p.cut:
			p.buf = []byte(`{"type":"x-padding","id":"x-padding--11111111-2222-4333-8444-555555555551"}]}`)
		default:
			return 0, io.EOF
		}
		p.i++
	}
	k := copy(b, p.buf)
	p.buf = p.buf[k:]
	return k, nil
}

// TestUploadMemoryBounded: receiving and checking an upload holds a fixed
// buffer, not the body: a 64 MiB body that turns out to be cut short
// raises the server's live heap by far less than its size (the bound is
// generous: a quarter of the body). The heap is sampled every millisecond
// with the collector running often, so that the sample follows the live
// heap.
func TestUploadMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 64 MiB (-short)")
	}
	ts := startServer(t, server.Config{Token: testToken, MaxUploadBytes: 256 << 20})
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: sample[0].Name}}
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
	}()
	const objects = 1024 // 64 MiB of padding
	req, err := http.NewRequest("POST", ts.URL+"/import", &padReader{n: objects, cut: true})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	close(stop)
	<-done
	if res.StatusCode != 400 || !strings.Contains(string(body), "cut short") {
		t.Errorf("a cut-short 64 MiB body: %d %s", res.StatusCode, body)
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("live heap before %d MiB, peak %d MiB (+%d MiB) for a 64 MiB body", base>>20, peak.Load()>>20, grew>>20)
	if grew > 16<<20 {
		t.Errorf("receiving a 64 MiB body raised the heap by %d MiB, want at most 16 MiB", grew>>20)
	}
	if !strings.Contains(ts.Logs.String(), `"msg":"upload received"`) {
		t.Errorf("no log line for the received upload")
	}
}
