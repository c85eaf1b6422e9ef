package server_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// TestGraphQLRequestNode runs npm's graphql-request@7.4.0, unmodified, from
// node against the server (testdata/node-client). It needs node and npm;
// the package is installed into testdata/node-client/node_modules by
// `npm ci` (which .ci/run does), or by this test when npm can reach the
// registry.
func TestGraphQLRequestNode(t *testing.T) {
	// BLURLINE_REQUIRE_NODE=1 (CI) turns every skip below into a failure.
	skip := t.Skipf
	if os.Getenv("BLURLINE_REQUIRE_NODE") != "" {
		skip = t.Fatalf
	} else if testing.Short() {
		t.Skip("-short: skipping the node client test")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: skipping the graphql-request client test (CI installs node)")
	}
	dir, _ := filepath.Abs("testdata/node-client")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-request")); err != nil {
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
	const token = "node-client-token-0123456789"
	ts := startServer(t, server.Config{Token: token})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", ts.URL+"/graphql")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BLURLINE_TOKEN="+token)
	_, hasMutation := mutation(t, ts.API)
	if hasMutation {
		cmd.Env = append(cmd.Env, "BLURLINE_HAS_LOADNQUADS=1")
	}
	out, err := cmd.CombinedOutput()
	t.Logf("node client.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("graphql-request client failed: %v", err)
	}
	if !strings.Contains(string(out), "ok: graphql-request") {
		t.Errorf("the client did not report success")
	}
}
