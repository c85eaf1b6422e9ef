package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/blurline/blurline/server"
)

func sha(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

func pqExt(hash string) string {
	return `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
}

// TestPersistedQueries follows Apollo's automatic persisted query protocol
// over POST and GET.
func TestPersistedQueries(t *testing.T) {
	ts := startServer(t, server.Config{})
	const q = `query Name { entity(id: "apt40") { name id } }`
	h := sha(q)
	body := func(withQuery bool, hash string) string {
		m := map[string]any{"extensions": json.RawMessage(pqExt(hash))}
		if withQuery {
			m["query"] = q
		}
		b, _ := json.Marshal(m)
		return string(b)
	}

	// The hash alone, before the server knows it: PERSISTED_QUERY_NOT_FOUND,
	// 200 for application/json (what Apollo Client reads), 400 with
	// application/graphql-response+json (a request error: nothing ran).
	if r := post(t, ts, appJSON, body(false, h)); r.Status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.hasData() {
		t.Fatalf("hash unknown, json: %d %s", r.Status, r.Body)
	}
	if r := post(t, ts, gqlResp, body(false, h)); r.Status != 400 || r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash unknown, graphql-response+json: %d %s", r.Status, r.Body)
	}
	// A wrong hash with the query is refused and keeps nothing.
	if r := post(t, ts, gqlResp, body(true, sha("something else"))); r.Status != 400 || r.code() != "PERSISTED_QUERY_HASH_MISMATCH" {
		t.Fatalf("hash mismatch: %d %s", r.Status, r.Body)
	}
	// An invalid document with its hash is answered and not kept.
	bad := `{ noSuchField }`
	b, _ := json.Marshal(map[string]any{"query": bad, "extensions": json.RawMessage(pqExt(sha(bad)))})
	if r := post(t, ts, gqlResp, string(b)); r.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("invalid document: %d %s", r.Status, r.Body)
	}
	b, _ = json.Marshal(map[string]any{"extensions": json.RawMessage(pqExt(sha(bad)))})
	if r := post(t, ts, gqlResp, string(b)); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("an invalid document was kept: %d %s", r.Status, r.Body)
	}
	// Bad persistedQuery objects.
	for _, ext := range []string{`{"persistedQuery":{"version":2,"sha256Hash":"` + h + `"}}`, `{"persistedQuery":{"version":1,"sha256Hash":"xyz"}}`, `{"persistedQuery":"x"}`} {
		if r := post(t, ts, gqlResp, `{"extensions":`+ext+`}`); r.Status != 400 || r.code() != "BAD_REQUEST" {
			t.Errorf("extensions %s: %d %s", ext, r.Status, r.Body)
		}
	}

	// The query with its hash: answered and kept.
	want := `{"data":{"entity":{"name":"APT40","id":"apt40"}}}` + "\n"
	if r := post(t, ts, gqlResp, body(true, h)); r.Status != 200 || string(r.Body) != want {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	// Then the hash alone, over POST and GET.
	if r := post(t, ts, gqlResp, body(false, h)); r.Status != 200 || string(r.Body) != want {
		t.Fatalf("hash alone, POST: %d %s", r.Status, r.Body)
	}
	if cc := post(t, ts, gqlResp, body(false, h)).Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST Cache-Control = %q, want no-store", cc)
	}
	params := url.Values{"operationName": {"Name"}, "extensions": {pqExt(h)}}
	r := get(t, ts, gqlResp, params)
	if r.Status != 200 || string(r.Body) != want {
		t.Fatalf("hash alone, GET: %d %s", r.Status, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("GET by hash: Cache-Control = %q, want public, max-age=60 (an HTTP cache may keep it)", cc)
	}
	// A GET with the query text is not the cacheable form.
	if cc := get(t, ts, gqlResp, url.Values{"query": {q}}).Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET with query: Cache-Control = %q, want no-store", cc)
	}
	// A hash-only GET that is not found is not cacheable either.
	if r := get(t, ts, appJSON, url.Values{"extensions": {pqExt(sha("{ __typename }"))}}); r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET unknown hash: %d %q %s", r.Status, r.Header.Get("Cache-Control"), r.Body)
	}
	metrics := string(do(t, "GET", ts.URL+"/metrics", nil, "").Body)
	for _, m := range []string{`blurline_persisted_queries_total{result="hit"} 3`, `blurline_persisted_queries_total{result="miss"} 4`,
		`blurline_persisted_queries_total{result="registered"} 1`, `blurline_persisted_queries_total{result="mismatch"} 1`, "blurline_persisted_queries 1"} {
		if !strings.Contains(metrics, m+"\n") {
			t.Errorf("metrics lack %q", m)
		}
	}
}

// TestPersistedQueryStoreBounded registers more queries than the store
// holds: it keeps the most recent within its bound.
func TestPersistedQueryStoreBounded(t *testing.T) {
	ts := startServer(t, server.Config{PersistedQueryBytes: 4096})
	var qs []string
	for i := range 40 {
		q := fmt.Sprintf(`query Q%d { entity(id: "apt40") { id } }`, i)
		qs = append(qs, q)
		b, _ := json.Marshal(map[string]any{"query": q, "extensions": json.RawMessage(pqExt(sha(q)))})
		if r := post(t, ts, gqlResp, string(b)); r.Status != 200 {
			t.Fatalf("register %d: %d %s", i, r.Status, r.Body)
		}
	}
	kept := 0
	for i, q := range qs {
		r := post(t, ts, appJSON, `{"extensions":`+pqExt(sha(q))+`}`)
		switch r.code() {
		case "":
			kept++
		case "PERSISTED_QUERY_NOT_FOUND":
			if i == len(qs)-1 {
				t.Errorf("the most recent query was evicted")
			}
		default:
			t.Fatalf("query %d: %s", i, r.Body)
		}
	}
	if kept == 0 || kept == len(qs) {
		t.Errorf("%d of %d queries kept, want some but not all within 4096 bytes", kept, len(qs))
	}
}

// postBatch posts a batch and returns the status and the decoded array.
func postBatch(t *testing.T, ts *testServer, auth string, body string) (int, []map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", gqlResp)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out []map[string]any
	if bytes.HasPrefix(b, []byte("[")) {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("batch answer: %v\n%s", err, b)
		}
	}
	return res.StatusCode, out, string(b)
}

func codeOf(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

// TestBatch sends JSON arrays of operations.
func TestBatch(t *testing.T) {
	const token = "batch-token-0123456789abcdef"
	ts := startServer(t, server.Config{Token: token, MaxBatch: 4})
	status, out, raw := postBatch(t, ts, "", `[
		{"query": "{ entity(id: \"apt40\") { name } }"},
		{"query": "query($id: ID!) { entity(id: $id) { id } }", "variables": {"id": "mss"}},
		{"query": "{ nope }"}
	]`)
	if status != 200 || len(out) != 3 {
		t.Fatalf("batch: %d %s", status, raw)
	}
	if !strings.Contains(raw, `[{"data":{"entity":{"name":"APT40"}}},{"data":{"entity":{"id":"mss"}}},{"errors":`) || codeOf(out[2]) != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("batch answers, in order: %s", raw)
	}

	// Over MaxBatch: refused whole.
	four := strings.Repeat(`{"query": "{ __typename }"},`, 5)
	if status, _, raw := postBatch(t, ts, "", "["+strings.TrimSuffix(four, ",")+"]"); status != 400 || !strings.Contains(raw, "LIMIT_EXCEEDED") {
		t.Errorf("5 operations with MaxBatch 4: %d %s", status, raw)
	}

	// A mutation in a batch follows the token rule, and the rest still run.
	{
		doc := mutation(t, ts.API)
		text := "<https://w3id.org/blurline/id/x-batch> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n" +
			"<https://w3id.org/blurline/id/x-batch> <https://w3id.org/blurline/ns#name> \"Batch\" .\n"
		m, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"text": text}})
		batch := `[` + string(m) + `, {"query": "{ entity(id: \"x-batch\") { name } }"}]`
		_, out, raw := postBatch(t, ts, "", batch)
		if len(out) != 2 || codeOf(out[0]) != "UNAUTHENTICATED" || codeOf(out[1]) != "NOT_FOUND" {
			t.Errorf("mutation without token in a batch: %s", raw)
		}
		_, out, raw = postBatch(t, ts, "Bearer "+token, batch)
		if len(out) != 2 || codeOf(out[0]) != "" || !strings.Contains(raw, `{"data":{"entity":{"name":"Batch"}}}`) {
			t.Errorf("mutation with token in a batch (the query after it sees its write): %s", raw)
		}
	}

	// The batch's operations share one cost budget.
	heavy := `{"query": "{ entities(first: 1000) { edges { node { relationships(first: 30) { totalCount } } } } }"}`
	_, out, raw = postBatch(t, ts, "", "["+heavy+","+heavy+"]")
	if len(out) != 2 || codeOf(out[0]) != "" || codeOf(out[1]) != "COST_LIMIT_EXCEEDED" {
		t.Errorf("two operations over the cost limit together: %s", raw[:min(len(raw), 300)])
	}
	// A persisted query in a batch.
	q := `{ entity(id: "apt40") { id } }`
	b, _ := json.Marshal(map[string]any{"query": q, "extensions": json.RawMessage(pqExt(sha(q)))})
	_, out, raw = postBatch(t, ts, "", `[{"extensions":`+pqExt(sha(q))+`},`+string(b)+`,{"extensions":`+pqExt(sha(q))+`}]`)
	if len(out) != 3 || codeOf(out[0]) != "PERSISTED_QUERY_NOT_FOUND" || codeOf(out[1]) != "" || codeOf(out[2]) != "" {
		t.Errorf("persisted queries in a batch: %s", raw)
	}
}
