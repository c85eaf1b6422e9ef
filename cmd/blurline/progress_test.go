package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// stallingReader yields data, then blocks until ctx ends, as a slow file
// or pipe does when the user presses Ctrl-C.
type stallingReader struct {
	ctx  context.Context
	data *strings.Reader
}

func (r *stallingReader) Read(b []byte) (int, error) {
	if r.data.Len() > 0 {
		return r.data.Read(b)
	}
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// TestLoadInterruptedAndProgress: without a terminal a long load logs how
// far it is every few seconds (here: milliseconds), and an interrupt says
// in plain words that nothing was written, and writes nothing.
func TestLoadInterruptedAndProgress(t *testing.T) {
	old := progressEvery
	progressEvery = 20 * time.Millisecond
	t.Cleanup(func() { progressEvery = old })

	dir := t.TempDir()
	env := map[string]string{"BLURLINE_DATA": dir, "BLURLINE_NO_SEED": "1"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	stdin := &stallingReader{ctx: ctx, data: strings.NewReader(goodNQ)}
	go func() {
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	err := run(ctx, []string{"load", "-"}, getenv, stdin, &stdout, &stderr)
	if err == nil || err.Error() != "interrupted: nothing was written: the store is as it was before the load" {
		t.Fatalf("load = %v, want the plain interrupt message", err)
	}
	if !strings.Contains(stderr.String(), "msg=load") || !strings.Contains(stderr.String(), "lines=6") {
		t.Errorf("no progress line with lines=6 in the log:\n%s", stderr.String())
	}
	out, _, err := runCLI(t, env, "", "stats", "--json")
	if err != nil || !strings.Contains(out, `"quads": 0`) {
		t.Errorf("after the interrupted load: stats = %v\n%s; want an empty store", err, out)
	}
}
