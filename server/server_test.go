package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/internal/testlog"
	"github.com/blurline/blurline/schema"
	"github.com/blurline/blurline/server"
)

// testServer is a real server on 127.0.0.1:0 over a real memory store.
type testServer struct {
	URL   string
	Store *graph.Store
	API   *schema.API
	Logs  *testlog.Buffer
	Stop  func() error
}

// seedFS is the seed (seed/*.nq) and its name.
func seedFS(tb testing.TB) (fs.FS, string) {
	tb.Helper()
	return os.DirFS("../seed"), "seed"
}

// startServer starts a server with cfg and stops it (gracefully) at the end of the test.
func startServer(tb testing.TB, cfg server.Config) *testServer {
	tb.Helper()
	return startServerWith(tb, cfg, nil)
}

// startServerWith is startServer with the store seen by the server
// wrapped by wrap (for failure injection).
func startServerWith(tb testing.TB, cfg server.Config, wrap func(server.Store) server.Store) *testServer {
	tb.Helper()
	return startServerAt(tb, "memory:", cfg, wrap)
}

// startServerAt is startServerWith over the store at addr.
func startServerAt(tb testing.TB, addr string, cfg server.Config, wrap func(server.Store) server.Store) *testServer {
	tb.Helper()
	ctx := context.Background()
	logs := &testlog.Buffer{}
	lg := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := graph.Open(ctx, nil, addr)
	if err != nil {
		tb.Fatal(err)
	}
	fsys, _ := seedFS(tb)
	if _, _, err := st.EnsureSeed(ctx, fsys); err != nil {
		tb.Fatalf("EnsureSeed: %v", err)
	}
	api, err := schema.New(lg, st, schema.Limits{})
	if err != nil {
		tb.Fatalf("schema.New: %v", err)
	}
	var ss server.Store = st
	if wrap != nil {
		ss = wrap(st)
	}
	srv := server.New(lg, cfg, api, ss)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	ts := &testServer{URL: "http://" + ln.Addr().String(), Store: st, API: api, Logs: logs}
	var once sync.Once
	var stopErr error
	stopped := false
	ts.Stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
			st.Close()
		})
		stopped = true
		return stopErr
	}
	tb.Cleanup(func() {
		if !stopped {
			if err := ts.Stop(); err != nil {
				tb.Errorf("Serve: %v", err)
			}
		}
		if tb.Failed() {
			tb.Logf("server log:\n%s", logs.String())
		}
	})
	return ts
}

// response is what a test reads back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r *response) code() string {
	errs, _ := r.JSON["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func (r *response) hasData() bool {
	_, ok := r.JSON["data"]
	return ok
}

func do(tb testing.TB, method, u string, header map[string]string, body string) *response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	r := &response{Status: res.StatusCode, Header: res.Header, Body: b}
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(b, &r.JSON); err != nil {
			tb.Fatalf("%s %s: body is not JSON: %v\n%s", method, u, err, b)
		}
	}
	return r
}

func post(tb testing.TB, ts *testServer, accept, body string) *response {
	tb.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if accept != "" {
		h["Accept"] = accept
	}
	return do(tb, "POST", ts.URL+"/graphql", h, body)
}

func get(tb testing.TB, ts *testServer, accept string, params url.Values) *response {
	tb.Helper()
	h := map[string]string{}
	if accept != "" {
		h["Accept"] = accept
	}
	return do(tb, "GET", ts.URL+"/graphql?"+params.Encode(), h, "")
}

const (
	gqlResp = "application/graphql-response+json"
	appJSON = "application/json"
)

// mutationName returns a mutation field of the schema ("" if it has none)
// and a harmless document that calls it.
func mutation(tb testing.TB, api *schema.API) string {
	tb.Helper()
	sch := api.Schema()
	if mt := sch.MutationType(); mt == nil || mt.Fields()["loadNQuads"] == nil {
		tb.Fatal("the schema has no loadNQuads mutation")
	}
	return `mutation Load($text: String!) { loadNQuads(text: $text, marking: CLEAR) { __typename } }`
}

// TestSpec runs the GraphQL over HTTP specification's cases against the
// real server: methods, media types, Accept negotiation, status codes and
// malformed requests.
func TestSpec(t *testing.T) {
	ts := startServer(t, server.Config{MaxBodyBytes: 4096})
	const q = `{"query":"{ __typename }"}`
	tests := []struct {
		name       string
		method     string
		ctype      string
		accept     string
		body       string
		query      string // raw query string for GET
		wantStatus int
		wantMedia  string // "" when no JSON body is checked
		wantCode   string // extensions.code of the first error, "" for none
		wantData   bool
	}{
		// Media types and Accept.
		{"post json, accept graphql-response", "POST", appJSON, gqlResp, q, "", 200, gqlResp, "", true},
		{"post json, accept json", "POST", appJSON, appJSON, q, "", 200, appJSON, "", true},
		{"post json, no accept", "POST", appJSON, "", q, "", 200, appJSON, "", true},
		{"accept */*", "POST", appJSON, "*/*", q, "", 200, appJSON, "", true},
		{"accept application/*", "POST", appJSON, "application/*", q, "", 200, appJSON, "", true},
		{"graphiql's accept", "POST", appJSON, "application/json, multipart/mixed", q, "", 200, appJSON, "", true},
		{"json preferred by q", "POST", appJSON, "application/graphql-response+json;q=0.5, application/json", q, "", 200, appJSON, "", true},
		{"recommended client accept", "POST", appJSON, "application/graphql-response+json, application/json;q=0.9", q, "", 200, gqlResp, "", true},
		{"browser accept", "POST", appJSON, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", q, "", 200, appJSON, "", true},
		{"json with charset", "POST", appJSON, "application/json; charset=utf-8", q, "", 200, appJSON, "", true},
		{"json refused by q=0", "POST", appJSON, "application/json;q=0, */*;q=0.1", q, "", 200, gqlResp, "", true},
		{"nothing acceptable", "POST", appJSON, "text/html", q, "", 406, appJSON, "NOT_ACCEPTABLE", false},
		{"all refused", "POST", appJSON, "application/json;q=0, application/graphql-response+json;q=0", q, "", 406, appJSON, "NOT_ACCEPTABLE", false},
		{"latin-1 only", "POST", appJSON, "application/json; charset=iso-8859-1", q, "", 406, appJSON, "NOT_ACCEPTABLE", false},
		{"content-type with charset", "POST", "application/json; charset=utf-8", gqlResp, q, "", 200, gqlResp, "", true},
		{"content-type upper case", "POST", "Application/JSON", gqlResp, q, "", 200, gqlResp, "", true},

		// Content types that a cross-site form can send are refused.
		{"text/plain", "POST", "text/plain", gqlResp, q, "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"text/plain json charset", "POST", "text/plain;charset=UTF-8", gqlResp, q, "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"form", "POST", "application/x-www-form-urlencoded", gqlResp, "query=%7B__typename%7D", "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"multipart", "POST", "multipart/form-data; boundary=x", gqlResp, "--x\r\n\r\n--x--", "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"application/graphql", "POST", "application/graphql", gqlResp, "{ __typename }", "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"no content-type", "POST", "", gqlResp, q, "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},
		{"utf-16", "POST", "application/json; charset=utf-16", gqlResp, q, "", 415, gqlResp, "UNSUPPORTED_MEDIA_TYPE", false},

		// Malformed requests: not well-formed, so 400 for either media type.
		{"malformed json", "POST", appJSON, gqlResp, `{"query": "{ __typename }"`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"malformed json, app/json", "POST", appJSON, appJSON, `{"query": `, "", 400, appJSON, "BAD_REQUEST", false},
		{"trailing data", "POST", appJSON, gqlResp, q + `{}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"empty body", "POST", appJSON, gqlResp, "", "", 400, gqlResp, "BAD_REQUEST", false},
		{"body not an object", "POST", appJSON, gqlResp, `"{ __typename }"`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"empty batch", "POST", appJSON, gqlResp, `[]`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"batch of a string", "POST", appJSON, gqlResp, `["{ __typename }"]`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"no query", "POST", appJSON, gqlResp, `{}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"null query", "POST", appJSON, gqlResp, `{"query": null}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"query a number", "POST", appJSON, appJSON, `{"query": 42}`, "", 400, appJSON, "BAD_REQUEST", false},
		{"query an object", "POST", appJSON, gqlResp, `{"query": {"q": 1}}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"operationName a number", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "operationName": 1}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"variables a string", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "variables": "{}"}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"variables an array", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "variables": [1]}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"variables a number", "POST", appJSON, appJSON, `{"query": "{ __typename }", "variables": 7}`, "", 400, appJSON, "BAD_REQUEST", false},
		{"extensions a string", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "extensions": "x"}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"nulls allowed", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "operationName": null, "variables": null, "extensions": null}`, "", 200, gqlResp, "", true},
		{"map variables and extensions", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "variables": {}, "extensions": {"x": 1}}`, "", 200, gqlResp, "", true},

		// GraphQL request errors: 400 with graphql-response+json, 200 with json.
		{"parse error", "POST", appJSON, gqlResp, `{"query": "{ __typename"}`, "", 400, gqlResp, "GRAPHQL_PARSE_FAILED", false},
		{"parse error, json", "POST", appJSON, appJSON, `{"query": "{ __typename"}`, "", 200, appJSON, "GRAPHQL_PARSE_FAILED", false},
		{"validation error", "POST", appJSON, gqlResp, `{"query": "{ noSuchField }"}`, "", 400, gqlResp, "GRAPHQL_VALIDATION_FAILED", false},
		{"validation error, json", "POST", appJSON, appJSON, `{"query": "{ noSuchField }"}`, "", 200, appJSON, "GRAPHQL_VALIDATION_FAILED", false},
		{"unknown operationName", "POST", appJSON, gqlResp, `{"query": "query A { __typename }", "operationName": "B"}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"unknown operationName, json", "POST", appJSON, appJSON, `{"query": "query A { __typename }", "operationName": "B"}`, "", 200, appJSON, "BAD_REQUEST", false},
		{"operation must be named", "POST", appJSON, gqlResp, `{"query": "query A { __typename } query B { __typename }"}`, "", 400, gqlResp, "BAD_REQUEST", false},
		{"operationName picks", "POST", appJSON, gqlResp, `{"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}`, "", 200, gqlResp, "", true},
		{"null for a non-null variable", "POST", appJSON, gqlResp, `{"query": "query($s: Boolean!) { __typename @include(if: $s) }", "variables": {"s": null}}`, "", 400, gqlResp, "BAD_USER_INPUT", false},
		{"null for a non-null variable, json", "POST", appJSON, appJSON, `{"query": "query($s: Boolean!) { __typename @include(if: $s) }", "variables": {"s": null}}`, "", 200, appJSON, "BAD_USER_INPUT", false},
		{"missing variable", "POST", appJSON, gqlResp, `{"query": "query($s: Boolean!) { __typename @include(if: $s) }"}`, "", 400, gqlResp, "BAD_USER_INPUT", false},
		{"variables used", "POST", appJSON, gqlResp, `{"query": "query($s: Boolean!) { __typename @include(if: $s) }", "variables": {"s": true}}`, "", 200, gqlResp, "", true},
		{"subscription", "POST", appJSON, gqlResp, `{"query": "subscription { x }"}`, "", 400, gqlResp, "BAD_REQUEST", false},

		// Size.
		{"oversize body", "POST", appJSON, gqlResp, `{"query": "{ __typename }", "x": "` + strings.Repeat("a", 5000) + `"}`, "", 413, gqlResp, "PAYLOAD_TOO_LARGE", false},

		// Methods.
		{"get", "GET", "", gqlResp, "", "query=" + url.QueryEscape("{ __typename }"), 200, gqlResp, "", true},
		{"get, json", "GET", "", appJSON, "", "query=" + url.QueryEscape("{ __typename }"), 200, appJSON, "", true},
		{"get with variables", "GET", "", gqlResp, "", "query=" + url.QueryEscape("query($s: Boolean!) { __typename @include(if: $s) }") + "&variables=" + url.QueryEscape(`{"s":true}`), 200, gqlResp, "", true},
		{"get, malformed variables", "GET", "", gqlResp, "", "query=" + url.QueryEscape("{ __typename }") + "&variables=" + url.QueryEscape(`{"s":`), 400, gqlResp, "BAD_REQUEST", false},
		{"get, variables not an object", "GET", "", gqlResp, "", "query=" + url.QueryEscape("{ __typename }") + "&variables=" + url.QueryEscape(`[1]`), 400, gqlResp, "BAD_REQUEST", false},
		{"get, two queries", "GET", "", gqlResp, "", "query=a&query=b", 400, gqlResp, "BAD_REQUEST", false},
		{"get, no query", "GET", "", gqlResp, "", "", 400, gqlResp, "BAD_REQUEST", false},
		{"get, bad escape", "GET", "", gqlResp, "", "query=%zz", 400, gqlResp, "BAD_REQUEST", false},
		{"get, operationName", "GET", "", gqlResp, "", "query=" + url.QueryEscape("query A { a: __typename } query B { b: __typename }") + "&operationName=A", 200, gqlResp, "", true},
		{"put", "PUT", appJSON, gqlResp, q, "", 405, gqlResp, "METHOD_NOT_ALLOWED", false},
		{"delete", "DELETE", "", gqlResp, "", "", 405, gqlResp, "METHOD_NOT_ALLOWED", false},
		{"patch", "PATCH", appJSON, gqlResp, q, "", 405, gqlResp, "METHOD_NOT_ALLOWED", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.ctype != "" {
				h["Content-Type"] = tt.ctype
			}
			if tt.accept != "" {
				h["Accept"] = tt.accept
			}
			u := ts.URL + "/graphql"
			if tt.query != "" {
				u += "?" + tt.query
			}
			r := do(t, tt.method, u, h, tt.body)
			if r.Status != tt.wantStatus {
				t.Errorf("status = %d, want %d\n%s", r.Status, tt.wantStatus, r.Body)
			}
			if tt.wantMedia != "" {
				if got := r.Header.Get("Content-Type"); got != tt.wantMedia+"; charset=utf-8" {
					t.Errorf("Content-Type = %q, want %q", got, tt.wantMedia+"; charset=utf-8")
				}
				if r.JSON == nil {
					t.Fatalf("no JSON body: %s", r.Body)
				}
			}
			if got := r.code(); got != tt.wantCode {
				t.Errorf("extensions.code = %q, want %q\n%s", got, tt.wantCode, r.Body)
			}
			if got := r.hasData(); got != tt.wantData {
				t.Errorf("data entry present = %v, want %v\n%s", got, tt.wantData, r.Body)
			}
			if tt.wantStatus == 405 && r.Header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q, want %q", r.Header.Get("Allow"), "GET, POST")
			}
			if r.Header.Get("X-Request-Id") == "" {
				t.Errorf("no X-Request-Id")
			}
		})
	}
}

// TestVariableTypes: a variable of the wrong type is a request error
// (variable coercion failure): 400 with graphql-response+json, no data.
func TestVariableTypes(t *testing.T) {
	ts := startServer(t, server.Config{})
	for _, v := range []string{`{"n": 5}`, `{"n": {"x": 1}}`, `{"n": [1]}`, `{"n": true}`} {
		r := post(t, ts, gqlResp, `{"query": "query($n: String!) { __type(name: $n) { name } }", "variables": `+v+`}`)
		if r.hasData() {
			t.Errorf("variables %s: answered with data, want a request error (graphql-go v0.8.1 alone coerces a wrongly typed variable to null)\n%s", v, r.Body)
		}
		if r.Status != 400 || r.code() != "BAD_USER_INPUT" {
			t.Errorf("variables %s = %d %q, want 400 BAD_USER_INPUT\n%s", v, r.Status, r.code(), r.Body)
		}
	}
}

// TestErrorShape checks that every error body is spec-shaped: errors is a
// list of objects with a string message and an extensions.code, and no
// data entry when nothing ran.
func TestErrorShape(t *testing.T) {
	ts := startServer(t, server.Config{})
	r := post(t, ts, gqlResp, `{"query": "{ nope }"}`)
	var body struct {
		Data   *json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Locations  []any          `json:"locations"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) == 0 || body.Errors[0].Message == "" || body.Errors[0].Extensions["code"] == nil {
		t.Errorf("errors = %s, want a message and extensions.code", r.Body)
	}
	if len(body.Errors[0].Locations) == 0 {
		t.Errorf("validation error without locations: %s", r.Body)
	}
	if strings.Contains(string(r.Body), `"data"`) {
		t.Errorf("request error has a data entry: %s", r.Body)
	}
}

// TestMutationOverGET: a mutation over GET gets 405 with Allow: POST and
// does not run, even with the right token.
func TestMutationOverGET(t *testing.T) {
	const token = "test-token-0123456789abcdef"
	ts := startServer(t, server.Config{Token: token})
	doc := mutation(t, ts.API)
	before := ts.Store.Version()
	vars := `{"text": "<https://w3id.org/blurline/id/x-get> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n<https://w3id.org/blurline/id/x-get> <https://w3id.org/blurline/ns#name> \"X\" .\n"}`
	for _, accept := range []string{gqlResp, appJSON} {
		r := do(t, "GET", ts.URL+"/graphql?"+url.Values{"query": {doc}, "variables": {vars}}.Encode(),
			map[string]string{"Accept": accept, "Authorization": "Bearer " + token}, "")
		if r.Status != 405 || r.Header.Get("Allow") != "POST" || r.code() != "METHOD_NOT_ALLOWED" {
			t.Errorf("GET mutation (Accept %s) = %d Allow %q code %q, want 405 Allow POST METHOD_NOT_ALLOWED\n%s",
				accept, r.Status, r.Header.Get("Allow"), r.code(), r.Body)
		}
	}
	if after := ts.Store.Version(); after != before {
		t.Errorf("store version %d -> %d: the GET mutation ran", before, after)
	}
}

// TestToken: without a token the server is read-only; with one, a
// mutation needs it as a bearer token.
func TestToken(t *testing.T) {
	const token = "s3cret-token-0123456789abcdef"
	quads := `<https://w3id.org/blurline/id/x-token-test> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .
<https://w3id.org/blurline/id/x-token-test> <https://w3id.org/blurline/ns#name> "Token Test" .
`
	vars, _ := json.Marshal(map[string]any{"text": quads})
	body := func(doc string) string {
		b, _ := json.Marshal(map[string]any{"query": doc, "variables": json.RawMessage(vars)})
		return string(b)
	}
	cases := []struct {
		name   string
		cfg    server.Config
		auth   string
		accept string
		status int
		code   string
		apply  bool
	}{
		{"read-only server", server.Config{}, "Bearer " + token, gqlResp, 403, "FORBIDDEN", false},
		{"read-only server, json", server.Config{}, "Bearer " + token, appJSON, 200, "FORBIDDEN", false},
		{"no token", server.Config{Token: token}, "", gqlResp, 401, "UNAUTHENTICATED", false},
		{"wrong token", server.Config{Token: token}, "Bearer " + token + "x", gqlResp, 401, "UNAUTHENTICATED", false},
		{"prefix of the token", server.Config{Token: token}, "Bearer " + token[:10], gqlResp, 401, "UNAUTHENTICATED", false},
		{"wrong scheme", server.Config{Token: token}, "Basic " + token, appJSON, 401, "UNAUTHENTICATED", false},
		{"right token", server.Config{Token: token}, "Bearer " + token, gqlResp, 200, "", true},
		{"right token, lower-case scheme", server.Config{Token: token}, "bearer " + token, appJSON, 200, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.cfg)
			doc := mutation(t, ts.API)
			before := ts.Store.Version()
			h := map[string]string{"Content-Type": appJSON, "Accept": tc.accept}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			r := do(t, "POST", ts.URL+"/graphql", h, body(doc))
			if r.Status != tc.status || r.code() != tc.code {
				t.Errorf("mutation = %d %q, want %d %q\n%s", r.Status, r.code(), tc.status, tc.code, r.Body)
			}
			changed := ts.Store.Version() != before
			if changed != tc.apply {
				t.Errorf("store changed = %v, want %v", changed, tc.apply)
			}
			q := post(t, ts, gqlResp, `{"query": "{ entity(id: \"x-token-test\") { id } }"}`)
			found := strings.Contains(string(q.Body), `"x-token-test"`)
			if q.Status == 200 && found != tc.apply {
				t.Errorf("entity written = %v, want %v: %s", found, tc.apply, q.Body)
			}
		})
	}
}

// TestTimeout: an execution that outlives ExecTimeout answers TIMEOUT.
func TestTimeout(t *testing.T) {
	ts := startServer(t, server.Config{ExecTimeout: time.Nanosecond})
	r := post(t, ts, gqlResp, `{"query": "{ __schema { types { name fields { name } } } }"}`)
	if r.code() != "TIMEOUT" || r.Status != 504 {
		t.Errorf("= %d %q, want 504 TIMEOUT\n%s", r.Status, r.code(), r.Body)
	}
	r = post(t, ts, appJSON, `{"query": "{ __schema { types { name fields { name } } } }"}`)
	if r.code() != "TIMEOUT" || r.Status != 200 {
		t.Errorf("application/json: = %d %q, want 200 TIMEOUT\n%s", r.Status, r.code(), r.Body)
	}
}

// TestOversizeStreamed: a body larger than the limit without a
// Content-Length (chunked) is cut off with 413 too.
func TestOversizeStreamed(t *testing.T) {
	ts := startServer(t, server.Config{MaxBodyBytes: 1024})
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"query": "{ __typename }", "pad": "`))
		for range 100 {
			if _, err := pw.Write(bytes.Repeat([]byte("a"), 1024)); err != nil {
				return
			}
		}
		pw.Write([]byte(`"}`))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", ts.URL+"/graphql", pr)
	req.Header.Set("Content-Type", appJSON)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 413 {
		t.Errorf("status = %d, want 413", res.StatusCode)
	}
	pr.CloseWithError(errors.New("done"))
}

// TestDefaultBodyLimit: the default limit is 1 MiB.
func TestDefaultBodyLimit(t *testing.T) {
	ts := startServer(t, server.Config{})
	pad := strings.Repeat(" ", 1<<20)
	r := post(t, ts, gqlResp, `{"query": "{ __typename }"`+pad+`}`)
	if r.Status != 413 {
		t.Errorf("1 MiB + 27 bytes: status = %d, want 413", r.Status)
	}
	r = post(t, ts, gqlResp, `{"query": "{ __typename }"`+pad[:1<<19]+`}`)
	if r.Status != 200 {
		t.Errorf("512 KiB: status = %d, want 200", r.Status)
	}
}
