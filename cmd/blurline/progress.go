package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/blurline/blurline/graph"
)

// progressEvery is how often a long command logs how far it is when its
// standard error is not a terminal.
var progressEvery = 5 * time.Second

// A progress says how far a long command (load, check, import, export) is:
// on a terminal a progress bar (bytes and lines, rate, time left), else one
// log line every progressEvery. Lines stand for quads: an N-Quads file has
// one statement a line, besides comments and blank lines.
type progress struct {
	what  string
	total int64 // bytes expected, -1 when unknown
	bytes atomic.Int64
	lines atomic.Int64
	start time.Time

	bar  *progressbar.ProgressBar // on a terminal
	stop chan struct{}            // ends the log loop
	done sync.WaitGroup
	e    *env
}

// startProgress starts reporting on the work of a command; total is the
// number of bytes it will read or write, or -1.
func startProgress(e *env, what string, total int64) *progress {
	p := &progress{what: what, total: total, start: time.Now(), e: e}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionUseIECUnits(true),
		)
		return p
	}
	p.stop = make(chan struct{})
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.log()
			}
		}
	}()
	return p
}

func (p *progress) log() {
	n, secs := p.bytes.Load(), time.Since(p.start).Seconds()
	attrs := []any{"mib", mib(n), "lines", p.lines.Load(), "mib_per_s", mib(int64(float64(n) / max(secs, 1e-3)))}
	if p.total > 0 {
		attrs = append(attrs, "of_mib", mib(p.total), "percent", 100*n/p.total)
	}
	p.e.lg.Info(p.what, attrs...)
}

func mib(n int64) float64 { return float64(n*10>>20) / 10 }

// add counts n bytes holding lines newlines.
func (p *progress) add(n int, lines int) {
	p.bytes.Add(int64(n))
	p.lines.Add(int64(lines))
	if p.bar != nil {
		p.bar.Add(n)
		if lines > 0 {
			p.bar.Describe(fmt.Sprintf("%s: %d lines", p.what, p.lines.Load()))
		}
	}
}

// finish ends the report: the bar is cleared, the log loop stopped.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		return
	}
	close(p.stop)
	p.done.Wait()
}

// reader counts what r reads.
func (p *progress) reader(r io.Reader) io.Reader { return &countingReader{r: r, p: p} }

type countingReader struct {
	r     io.Reader
	p     *progress
	atEOF func() // called once, at the end of r
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(n, bytes.Count(b[:n], []byte{'\n'}))
	if err == io.EOF && c.atEOF != nil {
		c.atEOF()
		c.atEOF = nil
	}
	return n, err
}

// writer counts what is written to w.
func (p *progress) writer(w io.Writer) io.Writer { return &countingWriter{w: w, p: p} }

type countingWriter struct {
	w io.Writer
	p *progress
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.p.add(n, bytes.Count(b[:n], []byte{'\n'}))
	return n, err
}

// readSources has p count what srcs read; once all are read to the end,
// the bar says then (for example "writing").
func (p *progress) readSources(srcs []graph.Source, then string) {
	left := atomic.Int64{}
	left.Store(int64(len(srcs)))
	for i := range srcs {
		srcs[i].R = &countingReader{r: srcs[i].R, p: p, atEOF: func() {
			if left.Add(-1) == 0 && p.bar != nil {
				p.bar.Describe(fmt.Sprintf("%s: %d lines read, %s", p.what, p.lines.Load(), then))
			}
		}}
	}
}

// sourcesSize is the total size of the named files, or -1 when one has no
// size known in advance (standard input, a pipe).
func sourcesSize(names []string) int64 {
	var total int64
	for _, name := range names {
		fi, err := os.Stat(name)
		if name == "-" || err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		total += fi.Size()
	}
	return total
}
