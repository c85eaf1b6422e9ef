package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
)

// TestConcurrencyLimit: with one slot and a short queue, a burst of
// expensive queries gets some 503 UNAVAILABLE answers with Retry-After,
// every other answer is a 200, and the server answers normally after.
func TestConcurrencyLimit(t *testing.T) {
	ts := startServer(t, server.Config{MaxConcurrent: 1, QueueTimeout: time.Millisecond})
	introspection := `{"query":"{ __schema { types { name fields { name args { name type { name kind ofType { name kind } } } } } } }"}`
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(introspection))
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == http.StatusServiceUnavailable {
				var out struct {
					Errors []struct {
						Extensions map[string]any `json:"extensions"`
					} `json:"errors"`
				}
				if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "UNAVAILABLE" {
					t.Errorf("503 body = %s, want a JSON error with code UNAVAILABLE", body)
				}
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
			}
		}()
	}
	wg.Wait()
	if counts[http.StatusServiceUnavailable] == 0 || counts[200] == 0 || counts[200]+counts[503] != 16 {
		t.Errorf("status counts = %v, want some 200 and some 503 only", counts)
	}
	resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ stats { facts } }"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the burst: %v %v", resp, err)
	}
	resp.Body.Close()
}
