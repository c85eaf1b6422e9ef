package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// registry holds the child processes still running, so that every exit
// path (an error, Ctrl-C, a panic in main's goroutine) can kill them.
type registry struct {
	mu   sync.Mutex
	live map[*exec.Cmd]struct{}
}

var children = &registry{live: map[*exec.Cmd]struct{}{}}

func (r *registry) add(c *exec.Cmd) {
	r.mu.Lock()
	r.live[c] = struct{}{}
	r.mu.Unlock()
}

func (r *registry) remove(c *exec.Cmd) {
	r.mu.Lock()
	delete(r.live, c)
	r.mu.Unlock()
}

// killAll kills every child still running, with its process group.
func (r *registry) killAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.live {
		if c.Process != nil {
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
}

// command makes a child process in a process group of its own, killed with
// that group when ctx ends, and sent SIGKILL by the kernel if this process
// dies first.
func command(ctx context.Context, logPath, name string, args ...string) (*exec.Cmd, *os.File, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	f, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	return cmd, f, nil
}

// measured is the cost of one child process.
type measured struct {
	Wall   time.Duration
	MaxRSS int64 // bytes
	User   time.Duration
	Sys    time.Duration
}

// runMeasured runs a child to its end and reports its wall time and peak RSS.
func runMeasured(ctx context.Context, logPath, name string, args ...string) (measured, error) {
	cmd, f, err := command(ctx, logPath, name, args...)
	if err != nil {
		return measured{}, err
	}
	defer f.Close()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measured{}, err
	}
	children.add(cmd)
	hwm := watchHWM(cmd.Process.Pid)
	err = cmd.Wait()
	wall := time.Since(start)
	children.remove(cmd)
	peak := hwm()
	if err != nil {
		return measured{}, fmt.Errorf("%s %v: %v\n%s", filepath.Base(name), args, err, tail(logPath))
	}
	m := usage(cmd, wall)
	if peak > 0 {
		m.MaxRSS = peak
	}
	return m, nil
}

// watchHWM polls the child's VmHWM (its own peak RSS) every 20 ms until
// the returned function is called, which returns the last value read.
// A child's ru_maxrss cannot be used once the suite's process is large:
// Linux starts an exec'd child's maxrss at its parent's peak RSS (the child
// is cloned from the parent's memory), so after the in-process phases every
// child "used" as much memory as the suite had.
func watchHWM(pid int) func() int64 {
	var mu sync.Mutex
	var peak int64
	stop := make(chan struct{})
	done := make(chan struct{})
	read := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == "VmHWM:" {
				if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
					mu.Lock()
					peak = max(peak, kb*1024)
					mu.Unlock()
				}
			}
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func usage(cmd *exec.Cmd, wall time.Duration) measured {
	m := measured{Wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
		m.User = time.Duration(ru.Utime.Nano())
		m.Sys = time.Duration(ru.Stime.Nano())
	}
	return m
}

// tail returns the end of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// server is a running HTTP server child.
type server struct {
	name    string
	cmd     *exec.Cmd
	log     *os.File
	logPath string
	base    string // http://127.0.0.1:PORT
	done    chan error
}

// startServer starts a server child and waits until ready answers true,
// returning the time from exec to ready.
func startServer(ctx context.Context, name, logPath, base string, ready func(ctx context.Context, c *http.Client, base string) bool, timeout time.Duration, bin string, args ...string) (*server, time.Duration, error) {
	cmd, f, err := command(ctx, logPath, bin, args...)
	if err != nil {
		return nil, 0, err
	}
	s := &server{name: name, cmd: cmd, log: f, logPath: logPath, base: base, done: make(chan error, 1)}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, 0, err
	}
	children.add(cmd)
	go func() { s.done <- cmd.Wait() }()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.After(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(ctx, c, base) {
			return s, time.Since(start), nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			s.stop()
			return nil, 0, fmt.Errorf("%s exited before it was ready: %v\n%s", name, err, tail(logPath))
		case <-deadline:
			s.stop()
			return nil, 0, fmt.Errorf("%s not ready after %s\n%s", name, timeout, tail(logPath))
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// stop ends the server (SIGTERM, then SIGKILL after 15 s) and reports its
// resource use over its whole life.
func (s *server) stop() measured {
	defer s.log.Close()
	defer children.remove(s.cmd)
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	if s.cmd.ProcessState == nil {
		return measured{}
	}
	return usage(s.cmd, 0)
}

// get reports whether GET base+path answers 200.
func get(ctx context.Context, c *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func loopback(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// binaries are the programs under test.
type binaries struct {
	blurline, cayley string
	buildTimes       map[string]time.Duration
}

// buildBinaries builds blurline from the repository and cayley's CLI from
// the module pinned by bench/go.mod.
func buildBinaries(ctx context.Context, cfg *config, work string) (*binaries, error) {
	bin := filepath.Join(work, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	b := &binaries{blurline: filepath.Join(bin, "blurline"), cayley: cfg.Cayley, buildTimes: map[string]time.Duration{}}
	build := func(name, dir, out, pkg string) error {
		logf("building %s", name)
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
		b.buildTimes[name] = time.Since(start)
		return nil
	}
	if cfg.Blurline != "" {
		if _, err := os.Stat(cfg.Blurline); err != nil {
			return nil, errors.New("BENCH_BLURLINE: " + err.Error())
		}
		b.blurline = cfg.Blurline
	} else if err := build("blurline", cfg.Root, b.blurline, "./cmd/blurline"); err != nil {
		return nil, err
	}
	if b.cayley == "" {
		b.cayley = filepath.Join(bin, "cayley")
		// From bench/, whose go.mod pins cayley (a `go install pkg@version`
		// fails on cayley's replace directive).
		if err := build("cayley", filepath.Join(cfg.Root, "bench"), b.cayley, "github.com/cayleygraph/cayley/cmd/cayley"); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(b.cayley); err != nil {
		return nil, errors.New("BENCH_CAYLEY: " + err.Error())
	}
	return b, nil
}
