package schema

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden runs every testdata/<name>.graphql (with <name>.vars.json when
// present) against the seed and compares the response with
// <name>.golden.json. Each query starts with a comment that says which
// analyst question it answers and what the right answer is. Every query
// runs twice, with and without the document cache and the batch loaders:
// both must give the golden response.
func TestGolden(t *testing.T) {
	store := seededStore(t)
	fast := newAPI(t, store, Limits{})
	slow := newAPI(t, store, Limits{})
	slow.noCache, slow.noBatch = true, true
	files, err := filepath.Glob("testdata/*.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Errorf("%d golden queries, want at least 25", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			query := readFile(t, file)
			var vars map[string]any
			if b, err := os.ReadFile(filepath.Join("testdata", name+".vars.json")); err == nil {
				if err := json.Unmarshal(b, &vars); err != nil {
					t.Fatalf("%s.vars.json: %v", name, err)
				}
			}
			golden := filepath.Join("testdata", name+".golden.json")
			got := toJSON(t, withKinds(fast.Do(context.Background(), Request{Query: query, Variables: vars})))
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readFile(t, golden)
			if got != want {
				t.Errorf("%s: response differs from %s:\n%s", name, golden, lineDiff(got, want))
			}
			if got2 := toJSON(t, withKinds(slow.Do(context.Background(), Request{Query: query, Variables: vars}))); got2 != want {
				t.Errorf("%s without cache and batching: response differs from %s:\n%s", name, golden, lineDiff(got2, want))
			}
		})
	}
}

func readFile(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// lineDiff shows the first lines where got and want differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var sb strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 10; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			sb.WriteString("line " + itoa(i+1) + ":\n  got:  " + gl + "\n  want: " + wl + "\n")
			shown++
		}
	}
	return sb.String()
}

// withKinds shows each error's kind in its extensions (the server's
// formatter puts the code there).
func withKinds(res *graphql.Result) *graphql.Result {
	for i := range res.Errors {
		res.Errors[i].Extensions = map[string]any{"kind": kindOf(res.Errors[i]).Error()}
	}
	return res
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
