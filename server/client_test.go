package server_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/blurline/blurline/server"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestGenqlient talks to the server with github.com/Khan/genqlient's
// client, unmodified, over POST and GET.
func TestGenqlient(t *testing.T) {
	ts := startServer(t, server.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		name   string
		client graphql.Client
	}{
		{"POST", graphql.NewClient(ts.URL+"/graphql", http.DefaultClient)},
		{"GET", graphql.NewClientUsingGet(ts.URL+"/graphql", http.DefaultClient)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var data struct {
				Type struct {
					Name   string `json:"name"`
					Fields []struct {
						Name string `json:"name"`
					} `json:"fields"`
				} `json:"__type"`
			}
			err := c.client.MakeRequest(ctx, &graphql.Request{
				OpName:    "QueryType",
				Query:     `query QueryType($n: String!) { __type(name: $n) { name fields { name } } }`,
				Variables: map[string]any{"n": "Query"},
			}, &graphql.Response{Data: &data})
			if err != nil {
				t.Fatalf("MakeRequest: %v", err)
			}
			if data.Type.Name != "Query" || len(data.Type.Fields) == 0 {
				t.Errorf("__type(Query) = %+v", data.Type)
			}

			// A validation error reaches the client as GraphQL errors with
			// their code. genqlient sends no Accept, so it gets
			// application/json: status 200, the errors in the body.
			err = c.client.MakeRequest(ctx, &graphql.Request{Query: `{ noSuchField }`}, &graphql.Response{Data: &data})
			var gl gqlerror.List
			if !errors.As(err, &gl) || len(gl) == 0 || gl[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("invalid query: err = %#v, want GraphQL errors with GRAPHQL_VALIDATION_FAILED", err)
			}
		})
	}
}

// nodeClient returns node and the directory of the Node clients
// (testdata/node-client), installing its packages with npm ci when
// node_modules is missing. Without node or npm it skips, unless
// BLURLINE_REQUIRE_NODE is set (CI), where it fails.
func nodeClient(t *testing.T) (node, dir string) {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("BLURLINE_REQUIRE_NODE") != "" {
		skip = t.Fatalf
	} else if testing.Short() {
		t.Skip("-short: skipping the node client test")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: skipping the Node client test (CI installs node)")
	}
	dir, _ = filepath.Abs("testdata/node-client")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			skip("npm is not installed and testdata/node-client/node_modules is missing: skipping")
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			skip("npm ci in %s failed (no registry?): %v\n%s", dir, err, out)
		}
	}
	return node, dir
}

// runNode runs a script of testdata/node-client with args and env and
// returns its output; the test fails if the script fails.
func runNode(t *testing.T, script string, env []string, args ...string) string {
	t.Helper()
	node, dir := nodeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	if err != nil {
		t.Fatalf("node %s failed: %v", script, err)
	}
	return string(out)
}

// TestGraphQLRequestNode runs npm's graphql-request, unmodified, from node
// against the server (testdata/node-client/client.mjs).
func TestGraphQLRequestNode(t *testing.T) {
	nodeClient(t)
	const token = "node-client-token-0123456789"
	ts := startServer(t, server.Config{Token: token})
	mutation(t, ts.API) // the client sends it
	env := []string{"BLURLINE_TOKEN=" + token}
	out := runNode(t, "client.mjs", env, ts.URL+"/graphql")
	if !strings.Contains(out, "ok: graphql-request") {
		t.Errorf("the client did not report success")
	}
}

// TestGraphQLHTTPAudit runs the graphql-http audit suite (npm
// graphql-http, unmodified: every MUST, SHOULD and MAY of the GraphQL over
// HTTP specification it checks) against the server: all must pass.
func TestGraphQLHTTPAudit(t *testing.T) {
	nodeClient(t)
	ts := startServer(t, server.Config{})
	out := runNode(t, "audit.mjs", nil, ts.URL+"/graphql")
	m := regexp.MustCompile(`audits: (\d+)/(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the audit printed no count")
	}
	if m[1] != m[2] || m[2] != "61" {
		t.Errorf("graphql-http audits: %s of %s passed, want 61 of 61", m[1], m[2])
	}
}

// TestSchemaNode checks with graphql-js that the SDL at /schema.graphql
// and the full graphql-js 16 introspection describe the same schema
// (testdata/node-client/schema.mjs).
func TestSchemaNode(t *testing.T) {
	nodeClient(t)
	ts := startServer(t, server.Config{})
	if out := runNode(t, "schema.mjs", nil, ts.URL); !strings.Contains(out, "ok: schema") {
		t.Errorf("the schema check did not report success")
	}
}

// TestApolloAndUrqlNode runs Apollo Client (HttpLink, BatchHttpLink,
// PersistedQueryLink) and urql, unmodified, from node against the server
// (testdata/node-client/clients.mjs).
func TestApolloAndUrqlNode(t *testing.T) {
	nodeClient(t)
	const token = "node-client-token-0123456789"
	ts := startServer(t, server.Config{Token: token})
	mutation(t, ts.API) // the clients send it
	env := []string{"BLURLINE_TOKEN=" + token, "BLURLINE_HAS_LOADNQUADS=1"}
	out := runNode(t, "clients.mjs", env, ts.URL+"/graphql")
	for _, want := range []string{"ok: apollo", "ok: urql"} {
		if !strings.Contains(out, want) {
			t.Errorf("the clients did not report %q", want)
		}
	}
}

// TestCodegenNode runs GraphQL Code Generator on the schema the server
// serves (testdata/node-client/codegen.mjs).
func TestCodegenNode(t *testing.T) {
	nodeClient(t)
	ts := startServer(t, server.Config{})
	if out := runNode(t, "codegen.mjs", nil, ts.URL+"/graphql"); !strings.Contains(out, "ok: codegen") {
		t.Errorf("codegen did not report success")
	}
}
