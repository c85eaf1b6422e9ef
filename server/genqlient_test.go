package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
)

// TestGenqlientGenerated runs genqlient's code generator (the go.mod tool
// github.com/Khan/genqlient, with the configuration `genqlient --init`
// writes, unchanged) on the SDL the server serves at /schema.graphql, then
// builds and runs a program that calls the server through the generated
// functions and checks their answers.
func TestGenqlientGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping genqlient's code generation")
	}
	ts := startServer(t, server.Config{})
	res, err := http.Get(ts.URL + "/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sdl, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /schema.graphql: %d", res.StatusCode)
	}
	// The program lives inside the module (so that it builds with the
	// module's genqlient) in a directory of its own.
	if err := os.MkdirAll("testdata/genqlient", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata/genqlient", "run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	files := map[string]string{
		"schema.graphql": string(sdl),
		// What `genqlient --init` writes.
		"genqlient.yaml": "schema: schema.graphql\noperations:\n- genqlient.graphql\ngenerated: generated.go\n",
		"genqlient.graphql": `query Entity($id: ID!) {
  entity(id: $id) { id name kind }
}

query Relationships($id: ID!, $direction: Direction, $last: Int) {
  entity(id: $id) {
    relationships(direction: $direction, last: $last) {
      totalCount
      pageInfo { hasPreviousPage hasNextPage }
      edges { node { id predicate } }
    }
  }
}
`,
		"main.go": mainGo,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	gen := exec.CommandContext(ctx, "go", "tool", "github.com/Khan/genqlient")
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("genqlient: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, "go", "run", ".", ts.URL+"/graphql")
	run.Dir = dir
	out, err := run.CombinedOutput()
	t.Logf("generated client:\n%s", out)
	if err != nil {
		t.Fatalf("the generated client failed: %v", err)
	}
	if !strings.Contains(string(out), "ok: genqlient") {
		t.Errorf("the generated client did not report success")
	}
}

// mainGo calls the server through genqlient's generated functions.
const mainGo = `package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func check(ok bool, format string, args ...any) {
	if !ok {
		fmt.Printf("FAIL: "+format+"\n", args...)
		os.Exit(1)
	}
}

func main() {
	ctx := context.Background()
	c := graphql.NewClient(os.Args[1], http.DefaultClient)

	e, err := Entity(ctx, c, "apt40")
	check(err == nil, "Entity: %v", err)
	// entity is an interface: genqlient gives it getters and a type per class.
	check(e.Entity.GetName() == "APT40" && e.Entity.GetKind() == EntityKindThreatgroup && e.Entity.GetTypename() == "ThreatGroup", "Entity = %+v", e.Entity)
	fmt.Println("Entity:", e.Entity.GetId(), e.Entity.GetName(), e.Entity.GetKind())

	// The last two relationships of APT40 as seen from it.
	r, err := Relationships(ctx, c, "apt40", DirectionOut, 2)
	check(err == nil, "Relationships: %v", err)
	rel := r.Entity.GetRelationships()
	check(len(rel.Edges) == 2 && rel.TotalCount > 2 && rel.PageInfo.HasPreviousPage && !rel.PageInfo.HasNextPage, "last 2 = %+v", rel)
	fmt.Println("Relationships: last 2 of", rel.TotalCount)

	// genqlient's default configuration sends "" for an enum it was not
	// given: a clear BAD_USER_INPUT naming the variable.
	_, err = Relationships(ctx, c, "apt40", "", 2)
	var gl gqlerror.List
	check(errors.As(err, &gl) && len(gl) == 1, "empty enum: err = %v", err)
	check(gl[0].Extensions["code"] == "BAD_USER_INPUT" && strings.Contains(gl[0].Message, "$direction"), "empty enum: %+v", gl[0])
	fmt.Println("empty enum:", gl[0].Extensions["code"], gl[0].Message)
	fmt.Println("ok: genqlient")
}
`
