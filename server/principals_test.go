package server_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/server"
)

// principal is a test principal and its token.
type principal struct {
	name    string
	scopes  string
	marking string
	token   string
}

func (p principal) line(t *testing.T) string {
	t.Helper()
	ss, err := blurline.ParseScopes(p.scopes)
	if err != nil {
		t.Fatal(err)
	}
	m, err := blurline.ParseMarking(p.marking)
	if err != nil {
		t.Fatal(err)
	}
	return server.PrincipalLine(&blurline.Principal{Name: p.name, Scopes: ss, MaxMarking: m}, p.token)
}

// writePrincipals writes a principals file of ps and returns its path.
func writePrincipals(t *testing.T, path string, ps ...principal) string {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "principals")
	}
	lines := []string{"# test principals"}
	for _, p := range ps {
		lines = append(lines, p.line(t))
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	reader   = principal{"reader", "read", "GREEN", server.NewToken()}
	writer   = principal{"writer", "read,write", "AMBER", server.NewToken()}
	importer = principal{"importer", "import", "CLEAR", server.NewToken()}
	admin    = principal{"admin", "admin", "RED", server.NewToken()}
)

func loadPrincipals(t *testing.T, path string) *server.Principals {
	t.Helper()
	ps, err := server.LoadPrincipals(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestPrincipalsFile(t *testing.T) {
	ps := loadPrincipals(t, writePrincipals(t, "", reader, writer, importer, admin))
	for _, p := range []principal{reader, writer, importer, admin} {
		got, ok := ps.Authenticate(p.token)
		if !ok || got.Name != p.name || got.Scopes.String() != p.scopes || got.MaxMarking.String() != p.marking {
			t.Errorf("Authenticate(%s's token) = %v, %v", p.name, got, ok)
		}
	}
	if got, ok := ps.Authenticate(reader.token + "x"); ok {
		t.Errorf("a wrong token authenticates as %v", got)
	}
	if got, ok := admin.Authenticate(ps); !ok || !got.Can(blurline.ScopeWrite) || !got.Can(blurline.ScopeImport) {
		t.Errorf("admin = %v: admin implies every scope", got)
	}

	// A file of one bare token is the one-principal case.
	bare := filepath.Join(t.TempDir(), "token")
	os.WriteFile(bare, []byte("  s3cret-token-of-the-operator\n"), 0o600)
	if got, ok := loadPrincipals(t, bare).Authenticate("s3cret-token-of-the-operator"); !ok || got.Scopes != blurline.AllScopes || got.MaxMarking != blurline.TLPRed {
		t.Errorf("bare token file: %v, %v; want every scope, up to RED", got, ok)
	}
}

func (p principal) Authenticate(ps *server.Principals) (*blurline.Principal, bool) {
	return ps.Authenticate(p.token)
}

// TestPrincipalsFileErrors: a broken file is refused with its line, and
// no error repeats a token.
func TestPrincipalsFileErrors(t *testing.T) {
	secret := "blt_this-must-never-be-printed"
	good := reader.line(t)
	for _, tc := range []struct{ name, text, want string }{
		{"three fields", good + "\nbob read CLEAR\n", "line 2: want 4 fields"},
		{"bad scope", "bob read,fly CLEAR " + server.HashToken(secret) + "\n", `line 1: unknown scope "fly"`},
		{"bad marking", "bob read PURPLE " + server.HashToken(secret), `line 1: unknown TLP marking "PURPLE"`},
		{"token in clear", "bob read CLEAR " + secret, "line 1: the fourth field must be sha256:"},
		{"duplicate", good + "\n# again\n" + good, `line 3: principal "reader" is already on line 1`},
		{"bare token among principals", good + "\n" + secret + "\n", "line 2: one word alone is a bare token"},
		{"bad name", "bo<b> read CLEAR " + server.HashToken(secret), "line 1: a principal's name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p")
			os.WriteFile(path, []byte(tc.text), 0o600)
			_, err := server.LoadPrincipals(nil, path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadPrincipals = %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
}

// waitFor polls cond for up to 5 s (the file is read again after a second).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 5 s", what)
}

// TestRevocationWithoutRestart: a token removed from the principals file
// stops working on the running server, one added starts working, the
// others go on, and a broken file accepts no token until it is mended.
func TestRevocationWithoutRestart(t *testing.T) {
	path := writePrincipals(t, "", reader, writer)
	ts := startServer(t, server.Config{Principals: loadPrincipals(t, path)})
	mut := func(p principal, id string) *response {
		return gqlPost(t, ts, p.token, loadNQuads, map[string]any{"t": entityNQ(id, id)}, "")
	}
	if r := mut(writer, "rev-a"); r.Status != 200 || r.JSON["errors"] != nil {
		t.Fatalf("writer's mutation = %d %s", r.Status, r.Body)
	}
	if r := mut(reader, "rev-b"); r.Status != 403 || r.code() != "FORBIDDEN" {
		t.Fatalf("reader's mutation = %d %s, want 403 FORBIDDEN", r.Status, r.Body)
	}

	writePrincipals(t, path, reader, admin) // writer revoked, admin issued
	waitFor(t, "revoked token refused", func() bool { return mut(writer, "rev-c").Status == 401 })
	if r := mut(writer, "rev-c"); r.code() != "UNAUTHENTICATED" || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("revoked token: %d %s (WWW-Authenticate %q)", r.Status, r.Body, r.Header.Get("WWW-Authenticate"))
	}
	if r := mut(admin, "rev-d"); r.Status != 200 || r.JSON["errors"] != nil {
		t.Errorf("new admin token = %d %s", r.Status, r.Body)
	}
	if r := gqlPost(t, ts, reader.token, `{ __typename }`, nil, ""); r.Status != 200 {
		t.Errorf("reader's query after the change = %d %s", r.Status, r.Body)
	}

	os.WriteFile(path, []byte(admin.line(t)+"\nhalf a line\n"), 0o600)
	waitFor(t, "broken file refuses every token", func() bool { return mut(admin, "rev-e").Status == 401 })
	writePrincipals(t, path, admin)
	waitFor(t, "mended file accepted", func() bool { return mut(admin, "rev-f").Status == 200 })
	if !strings.Contains(ts.Logs.String(), "principals file refused") {
		t.Errorf("the broken file is not in the log")
	}
}

// TestRequireReadToken: with --require-read-token a query without a token
// is 401 with WWW-Authenticate, one with a token lacking the read scope
// 403, and one with it answered; without it, reads are open.
func TestRequireReadToken(t *testing.T) {
	ps := loadPrincipals(t, writePrincipals(t, "", reader, importer, admin))
	q := `{ stats { facts } }`
	closed := startServer(t, server.Config{Principals: ps, RequireReadToken: true})
	open := startServer(t, server.Config{Principals: ps})
	for _, tc := range []struct {
		ts     *testServer
		who    principal
		status int
		code   string
	}{
		{closed, principal{}, 401, "UNAUTHENTICATED"},
		{closed, importer, 403, "FORBIDDEN"},
		{closed, reader, 200, ""},
		{closed, admin, 200, ""},
		{open, principal{}, 200, ""},
		{open, importer, 403, "FORBIDDEN"},
	} {
		r := gqlPost(t, tc.ts, tc.who.token, q, nil, "")
		if r.Status != tc.status || r.code() != tc.code {
			t.Errorf("%s on the %s server: %d %q, want %d %q (%s)", or(tc.who.name, "no token"), map[bool]string{true: "closed", false: "open"}[tc.ts == closed], r.Status, r.code(), tc.status, tc.code, r.Body)
		}
		if tc.status == 401 && r.Header.Get("WWW-Authenticate") != `Bearer realm="blurline"` {
			t.Errorf("401 without WWW-Authenticate: %v", r.Header)
		}
	}
	// GET too, in the application/json form (200, as every answer of it).
	r := do(t, "GET", closed.URL+"/graphql?query="+urlEscape(q), map[string]string{"Accept": appJSON}, "")
	if r.Status != 200 || r.code() != "UNAUTHENTICATED" || r.JSON["data"] != nil || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("GET without a token = %d %s", r.Status, r.Body)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestScopesOverHTTP runs each mutation as each principal: it is applied
// exactly when the principal holds its scope.
func TestScopesOverHTTP(t *testing.T) {
	ps := loadPrincipals(t, writePrincipals(t, "", reader, writer, importer, admin))
	ts := startServer(t, server.Config{Principals: ps})
	bundle := `{"type":"bundle","id":"bundle--6a1c2f3e-0b5d-4c7e-9f8a-1b2c3d4e5f60","objects":[{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--7b2d3e4f-1c6e-4d8f-a09b-2c3d4e5f6071","created":"2021-07-19T00:00:00Z","modified":"2021-07-19T00:00:00Z","name":"Scope Test Set"}]}`
	n := 0
	for _, p := range []principal{reader, writer, importer, admin} {
		n++
		load := gqlPost(t, ts, p.token, loadNQuads, map[string]any{"t": entityNQ(fmt.Sprintf("scope-%d", n), "S")}, "")
		imp := gqlPost(t, ts, p.token, `mutation($b: String!) { importStix(bundle: $b) { importId } }`, map[string]any{"b": bundle}, "")
		canWrite := strings.Contains(p.scopes, "write") || p.scopes == "admin"
		canImport := strings.Contains(p.scopes, "import") || p.scopes == "admin"
		if got := load.Status == 200 && load.JSON["errors"] == nil; got != canWrite {
			t.Errorf("%s: loadNQuads applied = %v, want %v: %d %s", p.name, got, canWrite, load.Status, load.Body)
		}
		if got := imp.Status == 200 && imp.JSON["errors"] == nil; got != canImport {
			t.Errorf("%s: importStix applied = %v, want %v: %d %s", p.name, got, canImport, imp.Status, imp.Body)
		}
		for _, r := range []*response{load, imp} {
			if r.JSON["errors"] != nil && r.code() != "FORBIDDEN" {
				t.Errorf("%s: refused with %d %s, want FORBIDDEN", p.name, r.Status, r.Body)
			}
		}
	}
}

// TestNoTokenInLogs: after requests with right, wrong and revoked tokens,
// neither the log nor any response holds a token or its hash.
func TestNoTokenInLogs(t *testing.T) {
	path := writePrincipals(t, "", reader, writer)
	ts := startServer(t, server.Config{Principals: loadPrincipals(t, path)})
	wrong := server.NewToken()
	var bodies []string
	for _, tok := range []string{reader.token, writer.token, wrong, "", writer.token[:20]} {
		for _, q := range []string{`{ stats { facts } }`, loadNQuads, `{ nope }`} {
			r := gqlPost(t, ts, tok, q, map[string]any{"t": entityNQ("log-x", "X")}, "")
			bodies = append(bodies, string(r.Body))
		}
	}
	h := map[string]string{"Authorization": "Bearer " + wrong}
	bodies = append(bodies, string(do(t, "GET", ts.URL+"/nowhere", h, "").Body))
	logs := ts.Logs.String()
	for _, tok := range []string{reader.token, writer.token, wrong} {
		for _, s := range []string{tok, server.HashToken(tok)[len("sha256:"):], tok[4:24]} {
			if strings.Contains(logs, s) {
				t.Errorf("the log holds a token (or its hash): %q", s)
			}
			for _, b := range bodies {
				if strings.Contains(b, s) {
					t.Errorf("a response holds a token (or its hash): %s", b)
				}
			}
		}
	}
	if !strings.Contains(logs, `"principal":"writer"`) {
		t.Errorf("the access log does not name the principal")
	}
}

// TestCacheNotSharedAcrossViews: one query asked by principals of
// different scopes or markings is executed for each; asked again by one of
// the same view, it is a hit.
func TestCacheNotSharedAcrossViews(t *testing.T) {
	twin := principal{"reader-twin", "read", "GREEN", server.NewToken()}
	ps := loadPrincipals(t, writePrincipals(t, "", reader, twin, writer, admin))
	ts := startServer(t, server.Config{Principals: ps})
	q := `{ stats { facts } }`
	_, m0 := cacheCounts(t, ts)
	for _, p := range []principal{reader, writer, admin, {}} {
		if r := gqlPost(t, ts, p.token, q, nil, ""); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", p.name, r.Status, r.Body)
		}
	}
	h1, m1 := cacheCounts(t, ts)
	if m1-m0 != 4 {
		t.Errorf("4 views: %d misses, want 4 (a response was shared)", m1-m0)
	}
	gqlPost(t, ts, twin.token, q, nil, "")
	if h2, _ := cacheCounts(t, ts); h2 != h1+1 {
		t.Errorf("a principal of the same view: hits %d -> %d, want one more", h1, h2)
	}
}

// TestTAXIIAndUploadScopes: TAXII reads need what queries need, adding
// objects and uploads need import; can_write tells each principal the
// truth.
func TestTAXIIAndUploadScopes(t *testing.T) {
	ps := loadPrincipals(t, writePrincipals(t, "", reader, writer, importer, admin))
	closed := startServer(t, server.Config{Principals: ps, RequireReadToken: true})
	acc := "application/taxii+json;version=2.1"
	get := func(ts *testServer, p principal, path string) *response {
		h := map[string]string{"Accept": acc}
		if p.token != "" {
			h["Authorization"] = "Bearer " + p.token
		}
		return do(t, "GET", ts.URL+path, h, "")
	}
	if r := get(closed, principal{}, "/taxii2/blurline/collections/"); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("TAXII without a token on a closed server = %d %s", r.Status, r.Body)
	}
	if r := get(closed, importer, "/taxii2/blurline/collections/"); r.Status != 403 {
		t.Errorf("TAXII as importer (no read) = %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		p        principal
		canWrite bool
	}{{reader, false}, {writer, false}, {admin, true}} {
		r := get(closed, tc.p, "/taxii2/blurline/collections/")
		if r.Status != 200 {
			t.Fatalf("TAXII collections as %s = %d %s", tc.p.name, r.Status, r.Body)
		}
		cs, _ := r.JSON["collections"].([]any)
		if len(cs) == 0 {
			t.Fatalf("no collections: %s", r.Body)
		}
		if got := cs[0].(map[string]any)["can_write"]; got != tc.canWrite {
			t.Errorf("%s: can_write = %v, want %v", tc.p.name, got, tc.canWrite)
		}
	}
	open := startServer(t, server.Config{Principals: ps})
	path := open.URL + "/taxii2/blurline/collections/" + allCollection(t, open) + "/objects/"
	env := `{"objects":[{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--8c3e4f5a-2d7f-4e9a-b1ac-3d4e5f607182","created":"2021-07-19T00:00:00Z","modified":"2021-07-19T00:00:00Z","name":"TAXII Scope Set"}]}`
	for _, tc := range []struct {
		p      principal
		status int
	}{{principal{}, 401}, {reader, 403}, {writer, 403}, {importer, 202}} {
		h := map[string]string{"Accept": acc, "Content-Type": acc}
		if tc.p.token != "" {
			h["Authorization"] = "Bearer " + tc.p.token
		}
		if r := do(t, "POST", path, h, env); r.Status != tc.status {
			t.Errorf("TAXII POST as %q = %d %s, want %d", tc.p.name, r.Status, r.Body, tc.status)
		}
		h["Content-Type"] = "application/json"
		bundle := `{"type":"bundle","id":"bundle--9d4f5a6b-3e8a-4fab-82bd-4e5f60718293",` + strings.TrimPrefix(env, "{")
		want := tc.status
		if want == 202 {
			want = 200
		}
		if r := do(t, "POST", open.URL+"/import", h, bundle); r.Status != want {
			t.Errorf("upload as %q = %d %s, want %d", tc.p.name, r.Status, r.Body, want)
		}
	}
}

// allCollection returns the id of the TAXII collection of the whole store
// (the first listed).
func allCollection(t *testing.T, ts *testServer) string {
	t.Helper()
	r := do(t, "GET", ts.URL+"/taxii2/blurline/collections/", map[string]string{"Accept": "application/taxii+json;version=2.1"}, "")
	cs := r.JSON["collections"].([]any)
	return cs[0].(map[string]any)["id"].(string)
}

// TestDefaultMarking: what writes and imports bring without a marking is
// CLEAR on a server of the default configuration, so its anonymous reader
// sees it, and Config.DefaultMarking (serve --default-marking) when set:
// at AMBER the anonymous reader sees none of it, and the writer sees it
// marked AMBER. Each path a write takes (loadNQuads, importStix, POST
// /import) reads the same default.
func TestDefaultMarking(t *testing.T) {
	ps := loadPrincipals(t, writePrincipals(t, "", admin))
	bundle := func(n int, name string) string {
		return fmt.Sprintf(`{"type":"bundle","id":"bundle--6a1c2f3e-0b5d-4c7e-9f8a-1b2c3d4e5f6%[1]d","objects":[{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--7b2d3e4f-1c6e-4d8f-a09b-2c3d4e5f607%[1]d","created":"2021-07-19T00:00:00Z","modified":"2021-07-19T00:00:00Z","name":%[2]q}]}`, n, name)
	}
	for _, tc := range []struct {
		name string
		def  blurline.Marking
		want string // the marking of what was written
	}{{"default", blurline.TLPClear, "CLEAR"}, {"amber", blurline.TLPAmber, "AMBER"}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, server.Config{Principals: ps, DefaultMarking: tc.def})
			if r := gqlPost(t, ts, admin.token, `mutation($t: String!) { loadNQuads(text: $t) { added } }`, map[string]any{"t": entityNQ("dm-load", "DM Load")}, ""); r.Status != 200 || r.JSON["errors"] != nil {
				t.Fatalf("loadNQuads = %d %s", r.Status, r.Body)
			}
			if r := gqlPost(t, ts, admin.token, `mutation($b: String!) { importStix(bundle: $b) { importId } }`, map[string]any{"b": bundle(1, "DM Import")}, ""); r.Status != 200 || r.JSON["errors"] != nil {
				t.Fatalf("importStix = %d %s", r.Status, r.Body)
			}
			if r := do(t, "POST", ts.URL+"/import", map[string]string{"Authorization": "Bearer " + admin.token, "Content-Type": "application/json"}, bundle(2, "DM Upload")); r.Status != 200 {
				t.Fatalf("POST /import = %d %s", r.Status, r.Body)
			}
			q := `{ entities(search: "DM ") { totalCount edges { node { name marking } } } }`
			seen := func(token string) (int, []string) {
				r := gqlPost(t, ts, token, q, nil, "")
				if r.Status != 200 || r.JSON["errors"] != nil {
					t.Fatalf("entities = %d %s", r.Status, r.Body)
				}
				conn := r.JSON["data"].(map[string]any)["entities"].(map[string]any)
				var marks []string
				for _, e := range conn["edges"].([]any) {
					marks = append(marks, e.(map[string]any)["node"].(map[string]any)["marking"].(string))
				}
				return int(conn["totalCount"].(float64)), marks
			}
			n, marks := seen(admin.token)
			if n != 3 {
				t.Fatalf("the admin sees %d of the 3 entities written: %v", n, marks)
			}
			for _, m := range marks {
				if m != tc.want {
					t.Errorf("an entity written without a marking is %s, want %s (%v)", m, tc.want, marks)
				}
			}
			anon, _ := seen("")
			if want := map[bool]int{true: 3, false: 0}[tc.def == blurline.TLPClear]; anon != want {
				t.Errorf("the anonymous reader sees %d of them, want %d", anon, want)
			}
		})
	}
}
