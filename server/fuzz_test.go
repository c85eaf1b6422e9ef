package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/testlog"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
)

// fuzzToken is the write token of the fuzzed server: seeds send it, so
// mutations run, and the fuzzer mutates it, so wrong tokens are tried.
const fuzzToken = "fuzz-token-0123456789abcdef"

// fuzzHangAfter is how long one request may take before the fuzz target
// gives up on it: the panic crashes the fuzz worker, which records the
// input as a failure (a hang is a finding, like a crash).
const fuzzHangAfter = 30 * time.Second

type fuzzServer struct {
	h     http.Handler
	store *graph.Store
	logs  *testlog.Buffer
}

// fuzzTarget is one server over a seeded memory store per process: the
// fuzz target reuses it (building it costs more than a request), so a
// mutation the fuzzer gets through stays for the next inputs.
var fuzzTarget = sync.OnceValues(func() (*fuzzServer, error) {
	ctx := context.Background()
	logs := &testlog.Buffer{}
	lg := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := graph.Open(ctx, nil, "memory:")
	if err != nil {
		return nil, err
	}
	if _, _, err := st.EnsureSeed(ctx, os.DirFS("../seed")); err != nil {
		return nil, err
	}
	api, err := schema.New(lg, st, schema.Limits{})
	if err != nil {
		return nil, err
	}
	srv := server.New(lg, server.Config{Token: fuzzToken, MaxBodyBytes: 64 << 10}, api, st)
	return &fuzzServer{h: srv.Handler(), store: st, logs: logs}, nil
})

// fuzzSeeds are GraphQL documents worth starting from: the playground's
// examples and the schema's golden queries, and a few written here for
// what they reach (dates, variables, mutations, introspection, guards).
func fuzzSeeds(f *testing.F) []string {
	docs := []string{
		`{ __typename }`,
		`query($d: Date) { attributions(asOf: $d, first: 2) { date confidence } }`,
		`{ attributions(asOf: "2021-07-19T10:00:00+02:00", since: "2020-01-01") { date } }`,
		`{ attributions(asOf: "2021-13-45") { id } }`,
		`{ entity(id: "apt40") { relationships(asOf: "2021-07-19", first: 3) { edges { node { validFrom validUntil publishedOn } } } } }`,
		`query($id: ID!, $n: Int) { entity(id: $id) { id name relationships(first: $n) { totalCount pageInfo { endCursor hasNextPage } } } }`,
		`{ entities(first: 1000000) { totalCount } }`,
		`{ paths(from: "mss", to: "apt40", maxHops: 99) { length } }`,
		`{ neighbourhood(id: "mss", hops: 2, first: 5) { nodes { id } edges { id } truncated } }`,
		`{ a: __typename b: __typename c: __typename }`,
		`query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
		`{ __schema { types { name fields { name args { name type { name ofType { name } } } } } } }`,
		`{ __type(name: "Date") { name description } }`,
		`mutation($t: String!) { loadNQuads(text: $t) { added } }`,
		`mutation { retractFact(id: "no-such-fact") { id } }`,
		`mutation($f: [FactInput!]!) { addFacts(facts: $f) { facts { id } } }`,
		`subscription { x }`,
		`query A { __typename } query B { __typename }`,
		`{ stats { quads byKind { kind count } } }`,
		`{ entities(first: 2, after: "not a cursor") { edges { cursor } } }`,
		`{ entities(first: 2, after: "ZW50aXR5OnByYw==") { edges { cursor node { id } } pageInfo { endCursor } } }`,
		`{ entity(id: "mss") { relationships(first: 1, after: "cmVsYXRpb25zaGlwOng=") { edges { cursor } } } }`,
		"{ \"\\u0000\" }",
		`{ entity(id: "\uD800") { id } }`,
	}
	for _, glob := range []string{"assets/examples/*.graphql", "../schema/testdata/*.graphql"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			docs = append(docs, string(b))
		}
	}
	return docs
}

// FuzzGraphQLHandler sends any method, query string, Content-Type, Accept,
// Authorization and body to the GraphQL endpoint of a server over a memory
// store (in-process, no network), and checks what every client relies on:
//
//   - no panic, and no 5xx (the store is in memory: there is no real
//     internal fault to report; a 504 TIMEOUT is tolerated);
//   - every answer is a JSON object in application/json or
//     application/graphql-response+json; every non-200 answer has a
//     non-empty errors list of {message, extensions.code} and no data;
//   - a 405 says what is allowed;
//   - the store changes only for a POST carrying the write token;
//   - no request takes longer than fuzzHangAfter.
//
// The seeds run in every go test; to fuzz:
//
//	go test -run='^$' -fuzz=FuzzGraphQLHandler -fuzztime=60s -fuzzminimizetime=5s ./server
func FuzzGraphQLHandler(f *testing.F) {
	vars := []string{
		``,
		`{"d": "2021-07-01"}`,
		`{"d": "not a date"}`,
		`{"d": 20210701}`,
		`{"id": "mss", "n": 2}`,
		`{"id": ["mss"], "n": 1e300}`,
		`{"t": "<https://w3id.org/blurline/id/fz> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n<https://w3id.org/blurline/id/fz> <https://w3id.org/blurline/ns#name> \"Fuzz\" .\n"}`,
		`{"t": "<a> <b c> <d> ."}`,
		`{"f": [{"subject": "mss", "predicate": "partOf", "object": "prc", "confidence": 0.5, "sources": ["https://example.org/x"], "validFrom": "2020-02-30"}]}`,
	}
	auth := []string{"", "Bearer " + fuzzToken, "bearer  " + fuzzToken + " ", "Bearer wrong", "Basic " + fuzzToken}
	for i, doc := range fuzzSeeds(f) {
		v := vars[i%len(vars)]
		a := auth[i%len(auth)]
		body := map[string]any{"query": doc}
		if v != "" {
			body["variables"] = json.RawMessage(v)
		}
		b, _ := json.Marshal(body)
		f.Add("POST", "", "application/json", "application/graphql-response+json", a, b)
		f.Add("POST", "", "application/json; charset=utf-8", "application/json", "Bearer "+fuzzToken, b)
		q := url.Values{"query": {doc}}
		if v != "" {
			q.Set("variables", v)
		}
		f.Add("GET", q.Encode(), "", "*/*", a, []byte(nil))
	}
	for _, v := range vars[1:] {
		doc := `mutation($t: String!) { loadNQuads(text: $t) { added } }`
		if strings.Contains(v, `"f"`) {
			doc = `mutation($f: [FactInput!]!) { addFacts(facts: $f) { facts { id validFrom } } }`
		}
		b, _ := json.Marshal(map[string]any{"query": doc, "variables": json.RawMessage(v)})
		for _, a := range auth {
			f.Add("POST", "", "application/json", "", a, b)
		}
	}
	// Transport-level oddities.
	f.Add("POST", "", "text/plain", "", "", []byte(`{"query":"{ __typename }"}`))
	f.Add("POST", "", "application/json", "text/html", "", []byte(`{"query":"{ __typename }"}`))
	f.Add("POST", "", "application/json", "", "", []byte(`[{"query":"{ __typename }"}]`))
	f.Add("POST", "", "application/json", "", "", []byte("{\"query\": \"{ __typename }\"\xff}"))
	f.Add("POST", "", "application/json", "", "", []byte("\xef\xbb\xbf{\"query\": \"{ __typename }\"}"))
	f.Add("POST", "", "application/json", "", "", []byte(`{"query": "{ __typename }", "variables": {"a": `+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}}`))
	f.Add("PUT", "", "application/json", "", "", []byte(`{"query":"{ __typename }"}`))
	// The shapes of the round-two hostile classes (bounds_test.go), within
	// the fuzz server's 64 KiB body limit.
	flood := func(doc string, vars map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
		return b
	}
	var unknown, aliases strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&unknown, "f%d ", i)
	}
	for i := range 50 {
		fmt.Fprintf(&aliases, " a%d: entity(id: $s) { id }", i)
	}
	f.Add("POST", "", "application/json", gqlResp, "", flood("{ __typename "+strings.Repeat("@a ", 20000)+"}", nil))
	f.Add("POST", "", "application/json", gqlResp, "", flood("{ __typename "+strings.Repeat("@a ", 190)+"}", nil))
	f.Add("POST", "", "application/json", gqlResp, "", flood(strings.Repeat("{a}", 9000), nil))
	f.Add("POST", "", "application/json", gqlResp, "", flood(strings.Repeat("{a}", 99), nil))
	f.Add("POST", "", "application/json", gqlResp, "", flood("{ "+unknown.String()+"}", nil))
	f.Add("POST", "", "application/json", gqlResp, "", flood("query($s: ID!) {"+aliases.String()+" }", map[string]any{"s": strings.Repeat("x", 60000)}))
	f.Add("POST", "", "application/json", gqlResp, "", []byte(`{"query": "{ __typename }", "query": "mutation { retractFact(id: \"x\") { id } }"}`))
	f.Add("GET", "query="+url.QueryEscape("{ __typename "+strings.Repeat("@a ", 5000)+"}"), "", gqlResp, "", []byte(nil))
	f.Add("OPTIONS", "", "", "", "", []byte(nil))
	f.Add("HEAD", "query=%7B__typename%7D", "", "", "", []byte(nil))
	f.Add("GET", "query=%zz", "", "", "", []byte(nil))
	f.Add("GET", "query=mutation%7BretractFact(id%3A%22x%22)%7Bid%7D%7D", "", "", "Bearer "+fuzzToken, []byte(nil))
	f.Add("POST", "", "application/json;charset=utf-16", "application/json;q=0, */*;q=0.1", "", []byte(`{"query":"{ __typename }"}`))

	fs, err := fuzzTarget()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, rawQuery, ctype, accept, auth string, body []byte) {
		if !validMethod(method) {
			t.Skip("not an HTTP method token: net/http refuses the request line")
		}
		req := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: "/graphql", RawQuery: rawQuery},
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Host:          "127.0.0.1",
			RemoteAddr:    "127.0.0.1:1",
			RequestURI:    "/graphql?" + rawQuery,
		}
		for k, v := range map[string]string{"Content-Type": ctype, "Accept": accept, "Authorization": auth} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		before := fs.store.Version()
		logsBefore := len(fs.logs.String())
		hang := time.AfterFunc(fuzzHangAfter, func() {
			panic(fmt.Sprintf("FuzzGraphQLHandler: a request took over %v: %s %q %q %q %q %q", fuzzHangAfter, method, rawQuery, ctype, accept, auth, body))
		})
		rec := httptest.NewRecorder()
		fs.h.ServeHTTP(rec, req)
		hang.Stop()
		res := rec.Result()
		got, _ := io.ReadAll(res.Body)
		logs := fs.logs.String()[logsBefore:]
		if strings.Contains(logs, "panic serving request") {
			t.Fatalf("the handler panicked (recovered by the middleware):\n%s", logs)
		}
		checkGraphQLAnswer(t, req, res, got)
		if after := fs.store.Version(); after != before && !writeAllowed(method, auth) {
			t.Fatalf("the store changed (version %d -> %d) for %s with Authorization %q: %s", before, after, method, auth, got)
		}
	})
}

// checkGraphQLAnswer checks that a response of the GraphQL endpoint is
// spec-shaped (see FuzzGraphQLHandler).
func checkGraphQLAnswer(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	status := res.StatusCode
	code := ""
	if status >= 500 {
		var m map[string]any
		json.Unmarshal(body, &m)
		code = firstCode(m)
		if !(status == http.StatusGatewayTimeout && code == "TIMEOUT") {
			t.Fatalf("%s: status %d: %s", req.Method, status, body)
		}
	}
	if req.Method == http.MethodOptions && status == http.StatusNoContent {
		return // a CORS preflight (CORS is off here, so this does not happen)
	}
	ct := res.Header.Get("Content-Type")
	if ct != "application/json; charset=utf-8" && ct != "application/graphql-response+json; charset=utf-8" {
		t.Fatalf("%s: status %d with Content-Type %q: %s", req.Method, status, ct, body)
	}
	if trimmed := bytes.TrimSpace(body); status == http.StatusOK && len(trimmed) > 0 && trimmed[0] == '[' {
		// A batch: each element is a GraphQL response.
		var list []json.RawMessage
		if err := json.Unmarshal(body, &list); err != nil || len(list) == 0 {
			t.Fatalf("%s: a batch's answer is not a non-empty JSON array: %v\n%s", req.Method, err, body)
		}
		for _, e := range list {
			checkResponseObject(t, status, e)
		}
		return
	}
	checkResponseObject(t, status, body)
	if status == http.StatusMethodNotAllowed && res.Header.Get("Allow") == "" {
		t.Fatalf("405 without Allow: %s", body)
	}
}

// checkResponseObject checks one GraphQL response object.
func checkResponseObject(t *testing.T, status int, body []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("status %d: the body is not a JSON object: %v\n%s", status, err, body)
	}
	errs, hasErrs := m["errors"]
	_, hasData := m["data"]
	if status != http.StatusOK && hasData {
		t.Fatalf("status %d with a data entry: %s", status, body)
	}
	if !hasErrs && !hasData {
		t.Fatalf("status %d: neither data nor errors: %s", status, body)
	}
	if status != http.StatusOK && !hasErrs {
		t.Fatalf("status %d without errors: %s", status, body)
	}
	if hasErrs {
		list, ok := errs.([]any)
		if !ok || len(list) == 0 {
			t.Fatalf("errors is not a non-empty list: %s", body)
		}
		for _, e := range list {
			em, ok := e.(map[string]any)
			msg, _ := em["message"].(string)
			ext, _ := em["extensions"].(map[string]any)
			c, _ := ext["code"].(string)
			if !ok || msg == "" || c == "" {
				t.Fatalf("an error without a message or extensions.code: %s", body)
			}
			if c == "INTERNAL" {
				t.Fatalf("INTERNAL error over a memory store: %s", body)
			}
		}
	}
}

func firstCode(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

// writeAllowed reports whether a request may change the store: a POST
// with the server's token as a bearer token (the scheme in any case).
func writeAllowed(method, auth string) bool {
	scheme, tok, ok := strings.Cut(auth, " ")
	return method == http.MethodPost && ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(tok) == fuzzToken
}

// validMethod reports whether m is an RFC 9110 token, as net/http requires.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
