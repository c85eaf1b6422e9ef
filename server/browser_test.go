package server_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// artifactsDir is where the browser tests write their screenshots:
// $BLURLINE_ARTIFACTS, or testdata/artifacts (gitignored).
func artifactsDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("BLURLINE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// browser is a headless Chromium tab that fails every request to a host
// other than loopback and records it.
type browser struct {
	ctx     context.Context
	mu      sync.Mutex
	blocked []string
	console []string
}

func (b *browser) offLoopback() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.blocked...)
}

func (b *browser) consoleLog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.console, "\n")
}

// newBrowser starts headless Chromium (Debian's chromium) with the flags of
// ../shared/NOTES.md, or skips the test when it is not installed.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := os.Getenv("BLURLINE_CHROMIUM")
	if exe == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				exe = p
				break
			}
		}
	}
	required := os.Getenv("BLURLINE_REQUIRE_BROWSER") != ""
	switch {
	case exe == "" && required:
		t.Fatal("BLURLINE_REQUIRE_BROWSER is set but chromium is not installed (apt-get install -y chromium)")
	case exe == "":
		t.Skip("chromium is not installed (apt-get install -y chromium): skipping the browser test; CI installs it")
	case testing.Short() && !required:
		t.Skip("-short: skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		// Belt and braces: no name resolves but loopback's.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{ctx: ctx}

	// Start the browser, then pause every request and let through only
	// those to loopback.
	if err := chromedp.Do(ctx, chromedp.Sleep(0)); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	console := chromedp.Console(ctx)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		t.Fatalf("Fetch.enable: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if loopback(ev.Request.URL) {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			b.mu.Lock()
			b.blocked = append(b.blocked, ev.Request.URL)
			b.mu.Unlock()
			chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m))
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if bl := b.offLoopback(); len(bl) > 0 {
			t.Errorf("the page asked for hosts other than loopback: %v", bl)
		}
		if t.Failed() {
			t.Logf("browser console:\n%s", b.consoleLog())
		}
	})
	return b
}

func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "localhost" || h == "::1"
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	p := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(buf))
}

// eval runs JavaScript in the page with a timeout.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v\nconsole:\n%s", js, err, b.consoleLog())
	}
	return v
}

func poll(t *testing.T, b *browser, what, js string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void]("!!("+js+")", chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v\nconsole:\n%s", what, js, err, b.consoleLog())
	}
}

// queryFields returns the fields of the schema's Query type.
func queryFields(ts *testServer) map[string]bool {
	sch := ts.API.Schema()
	m := map[string]bool{}
	for name := range sch.QueryType().Fields() {
		m[name] = true
	}
	return m
}

// TestBrowser loads the playground in headless Chromium,
// runs a query in GraphiQL, opens the docs, and keeps screenshots.
func TestBrowser(t *testing.T) {
	ts := startServer(t, server.Config{})
	b := newBrowser(t)

	t.Run("guard", func(t *testing.T) {
		// The guard works: a request to another host fails and is seen.
		if err := chromedp.Do(b.ctx, chromedp.Navigate(ts.URL+"/healthz")); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		r, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("http://192.0.2.1/x").then(() => "reached", () => "failed")`, chromedp.EvalAwaitPromise))
		if err != nil || r != "failed" {
			t.Errorf("fetch of another host = %q, %v; want failed", r, err)
		}
		if bl := b.offLoopback(); len(bl) == 0 {
			t.Errorf("the off-loopback request was not intercepted")
		}
		b.mu.Lock()
		b.blocked = nil // that one was on purpose
		b.mu.Unlock()
	})

	t.Run("playground", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
			t.Fatal(err)
		}
		poll(t, b, "GraphiQL's editors", `document.querySelector(".graphiql-query-editor .CodeMirror") && document.querySelector(".graphiql-execute-button")`)
		tabs := eval[int](t, b, `document.querySelectorAll(".graphiql-tab").length`)
		if tabs < 4 {
			t.Errorf("GraphiQL opened with %d tabs, want the example queries (at least 4)", tabs)
		}
		first := eval[string](t, b, `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue()`)
		if !strings.Contains(first, "blurRanking") {
			t.Errorf("the first tab does not hold the blur ranking example:\n%s", first)
		}
		b.screenshot(t, "playground-examples.png")

		query, want := `query BrowserCheck { __schema { queryType { name } } }`, `"Query"`
		if queryFields(ts)["entity"] {
			query, want = `query BrowserCheck { entity(id: "apt40") { id name } }`, `"APT40"`
		}
		eval[chromedp.Void](t, b, fmt.Sprintf(`void document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(%q)`, query))
		// GraphiQL takes the operation name from the editor after a debounce:
		// wait until the tab is named after the new operation.
		poll(t, b, "GraphiQL to read the new query", `[...document.querySelectorAll(".graphiql-tab")].some(t => t.textContent.includes("BrowserCheck"))`)
		eval[chromedp.Void](t, b, `void document.querySelector(".graphiql-execute-button").click()`)
		poll(t, b, "the result", fmt.Sprintf(`(document.querySelector(".graphiql-response .CodeMirror")?.CodeMirror.getValue() || "").includes(%q)`, want))
		res := eval[string](t, b, `document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue()`)
		t.Logf("GraphiQL ran %s:\n%s", query, res)
		b.screenshot(t, "playground-result.png")

		// The docs explorer loads from the schema (introspection through the server).
		eval[chromedp.Void](t, b, `void document.querySelector('[aria-label="Show Documentation Explorer"]')?.click()`)
		poll(t, b, "the docs explorer", `document.querySelector(".graphiql-doc-explorer")`)
	})
	// The explorer and the other views of the workbench: TestWorkbench.
}
