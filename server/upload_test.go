package server_test

import (
	"strings"
	"testing"

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
