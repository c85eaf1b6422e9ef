package blur

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// flight is one computation shared by every caller that asks for the same
// key while it runs, and its result afterwards.
type flight[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// do returns the value filed under k in m (guarded by mu), computing it
// with f if no caller has. A failed computation is not kept; a caller
// whose wait ends with another caller's cancellation tries again itself.
func do[K comparable, V any](ctx context.Context, mu *sync.Mutex, m map[K]*flight[V], k K, f func() (V, error)) (V, error) {
	for {
		mu.Lock()
		fl, ok := m[k]
		if !ok {
			fl = &flight[V]{done: make(chan struct{})}
			m[k] = fl
			mu.Unlock()
			func() {
				defer close(fl.done)
				fl.val, fl.err = f()
			}()
			if fl.err != nil {
				mu.Lock()
				if m[k] == fl {
					delete(m, k)
				}
				mu.Unlock()
			}
			return fl.val, fl.err
		}
		mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if fl.err != nil && ctx.Err() == nil &&
			(errors.Is(fl.err, context.Canceled) || errors.Is(fl.err, context.DeadlineExceeded)) {
			continue
		}
		return fl.val, fl.err
	}
}

// wrap prefixes an error with its call site, keeping its kind.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
