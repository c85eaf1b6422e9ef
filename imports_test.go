package blurline_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules checks the arrows of the layout (doc.go), in the manner
// of oscar's and Tailscale's dependency tests: only graph imports cayley
// (its tests included); server and schema never depend on graph, directly
// or through another package; the root package imports only the standard
// library. A break names the package and the import.
func TestImportRules(t *testing.T) {
	pkgs := goList(t)
	const mod = "github.com/blurline/blurline"
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		inGraph := rel == "graph" || strings.HasPrefix(rel, "graph/")
		for _, imp := range p.allImports() {
			if strings.HasPrefix(imp, "github.com/cayleygraph/") && !inGraph {
				t.Errorf("%s imports %s: only graph may import cayley", p.ImportPath, imp)
			}
		}
		if rel == "server" || rel == "schema" {
			for _, dep := range p.Deps {
				if dep == mod+"/graph" || strings.HasPrefix(dep, "github.com/cayleygraph/") {
					t.Errorf("%s depends on %s: server and schema reach the store through their own interfaces", p.ImportPath, dep)
				}
			}
		}
		if rel == "" {
			for _, imp := range p.Imports {
				if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
					t.Errorf("the root package imports %s: it imports only the standard library", imp)
				}
			}
		}
	}
}

type listedPackage struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
	Deps                               []string
}

func (p listedPackage) allImports() []string {
	return append(append(append([]string(nil), p.Imports...), p.TestImports...), p.XTestImports...)
}

// goList lists the module's packages with their imports (go list -json).
func goList(t *testing.T) []listedPackage {
	t.Helper()
	go_, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not installed")
	}
	cmd := exec.Command(go_, "list", "-json", "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(out)
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list -json: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	if len(pkgs) < 8 {
		t.Fatalf("go list found %d packages, want the whole module", len(pkgs))
	}
	return pkgs
}
