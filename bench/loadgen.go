package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one HTTP endpoint under load: it sends body i%len(bodies).
type target struct {
	url         string
	contentType string
	bodies      [][]byte
	ok          func(status int, body []byte) bool
}

// latencies are the durations of a set of operations.
type latencies []time.Duration

// quantile returns the q-quantile (nearest rank) of sorted latencies.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(q*float64(len(l))+0.5) - 1
	return l[max(0, min(i, len(l)-1))]
}

// level is the outcome of one load level.
type level struct {
	Clients  int
	Requests int // completed, counted
	Errors   int
	Elapsed  time.Duration
	RPS      float64
	P50, P99 time.Duration
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only, never a proxy
			MaxIdleConns:        conns * 2,
			MaxIdleConnsPerHost: conns * 2,
			DisableCompression:  true,
		},
	}
}

// do sends body number i to t and reads the whole answer.
func (t *target) do(ctx context.Context, c *http.Client, i int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.bodies[i%len(t.bodies)]))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", t.contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if !t.ok(resp.StatusCode, b) {
		return b, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return b, nil
}

// load runs clients concurrent loops against t until maxReq requests are
// done or maxDur has passed, whichever comes first. It is bounded in both.
func load(ctx context.Context, t *target, clients, maxReq int, maxDur time.Duration) (level, error) {
	c := newClient(clients)
	defer c.CloseIdleConnections()
	// Warm up: open the connections and fill the caches on both sides.
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			for i := range 10 {
				_, _ = t.do(ctx, c, w*10+i)
			}
		})
	}
	wg.Wait()

	ctx, cancel := context.WithTimeout(ctx, maxDur)
	defer cancel()
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Value
	per := make([]latencies, clients)
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= maxReq || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				_, err := t.do(ctx, c, i)
				d := time.Since(t0)
				if ctx.Err() != nil {
					return // cut off by the time bound: not counted
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				per[w] = append(per[w], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all latencies
	for _, l := range per {
		all = append(all, l...)
	}
	slices.Sort(all)
	lv := level{Clients: clients, Requests: len(all), Errors: int(errs.Load()), Elapsed: elapsed,
		RPS: float64(len(all)) / elapsed.Seconds(), P50: all.quantile(0.50), P99: all.quantile(0.99)}
	if lv.Errors > 0 {
		return lv, fmt.Errorf("%d of %d requests failed; first: %v", lv.Errors, lv.Errors+lv.Requests, firstErr.Load())
	}
	return lv, nil
}

// timeOp runs op repeatedly after a short warm-up (up to 20 runs or d/5),
// then at most n times or for d, but at least 5 times unless that takes
// over 12*d, and returns the sorted latencies.
func timeOp(ctx context.Context, n int, d time.Duration, op func(i int) error) (latencies, error) {
	warm := time.Now().Add(d / 5)
	for i := 0; i < min(n, 20) && (i == 0 || time.Now().Before(warm)); i++ {
		if err := op(i); err != nil {
			return nil, err
		}
	}
	var l latencies
	start := time.Now()
	deadline, hard := start.Add(d), start.Add(12*d)
	for i := 0; i < n; i++ {
		if now := time.Now(); now.After(hard) || now.After(deadline) && len(l) >= 5 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := op(i); err != nil {
			return nil, err
		}
		l = append(l, time.Since(t0))
	}
	slices.Sort(l)
	return l, nil
}
