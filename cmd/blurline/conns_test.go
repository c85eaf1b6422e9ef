package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline/internal/testlog"
)

// TestConnectionExhaustion runs the real binary at a file-descriptor limit
// of 96 and holds more keep-alive connections open than it has
// descriptors for: the connections over its cap get an immediate 503 with
// a JSON error instead of hanging, a new client is answered (served or
// refused, never left waiting), and once the idle connections time out an
// ordinary query is served.
func TestConnectionExhaustion(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command("sh", "-c", `ulimit -n 96 && exec "$0" "$@"`, bin, "serve", "--memory", "--addr", addr, "--idle-timeout", "2s", "--log-level", "warn")
	logs := &testlog.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	url := "http://" + addr
	ready := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
	}
	if !ready {
		t.Fatal("the server did not become ready")
	}
	http.DefaultClient.CloseIdleConnections()

	// 150 keep-alive connections, each with one answered request.
	served, refused := 0, 0
	for i := range 150 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: no answer within 5 s: %v", i, err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case 200:
			served++
		case 503:
			refused++
		default:
			t.Fatalf("connection %d: status %d", i, resp.StatusCode)
		}
	}
	t.Logf("of 150 connections held open: %d served, %d refused with 503", served, refused)
	if refused == 0 {
		t.Fatalf("no connection was refused at a limit of 96 descriptors")
	}

	// A new client meanwhile: answered at once (here: refused, clearly).
	body := `{"query":"{ stats { facts } }"}`
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(url+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("a new client while the connections are held: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && (resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "") {
		t.Errorf("a new client while the connections are held: status %d", resp.StatusCode)
	}

	// The idle connections time out; then clients are served.
	time.Sleep(3 * time.Second)
	resp, err = client.Post(url+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("after the idle timeout: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the idle timeout: status %d, want 200", resp.StatusCode)
	}
}
