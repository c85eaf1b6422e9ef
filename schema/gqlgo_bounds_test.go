package schema

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// floods are documents whose validation graphql-go does in time that
// grows with the square of their size, at sizes the lexical guard lets
// through: unknown directives and fields, and anonymous operations.
func floods(n int) map[string]string {
	return map[string]string{
		"unknown directives":   "{ " + strings.Repeat("a: __typename @nope ", n) + "}",
		"unknown fields":       "{ " + strings.Repeat("nope ", n) + "}",
		"anonymous operations": strings.Repeat("{ __typename } ", min(n, maxOperations)),
		"unknown arguments":    "{ " + strings.Repeat("stats(x: 1) { facts } ", n) + "}",
	}
}

// TestValidationErrorCap checks that validation stops at MaxErrors: the
// answer lists MaxErrors errors and one that says it stopped.
func TestValidationErrorCap(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{MaxAliases: 1 << 20})
	for name, q := range floods(1000) {
		_, errs := a.Prepare(context.Background(), q, "")
		if len(errs) == 0 || len(errs) > MaxErrors+1 {
			t.Errorf("%s: %d errors, want 1..%d", name, len(errs), MaxErrors+1)
		}
		for _, e := range errs {
			if k := kindOf(e); k != blurline.ErrValidation && k != blurline.ErrLimit && k != blurline.ErrCost {
				t.Errorf("%s: error of kind %v: %v", name, k, e)
			}
		}
	}
}

// TestValidationDeadline checks that validation ends with the request's
// context: a TIMEOUT error, not kept in the document cache.
func TestValidationDeadline(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{MaxAliases: 1 << 20})
	q := floods(1000)["unknown fields"]
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, errs := a.Prepare(ctx, q, "")
	if len(errs) != 1 || kindOf(errs[0]) != blurline.ErrTimeout {
		t.Fatalf("Prepare after the deadline: %v, want one TIMEOUT", errs)
	}
	if _, errs := a.Prepare(context.Background(), q, ""); len(errs) == 0 || kindOf(errs[0]) == blurline.ErrTimeout {
		t.Errorf("the timed-out validation was cached: %v", errs)
	}
}

// BenchmarkValidationFlood measures parsing and validating floods of n
// and 2n unknown directives or anonymous operations, past the lexical
// guard (which refuses them at a few hundred): with the error cap the work
// grows about linearly (2x from n to 2n); without it, it grew with the
// square (1000/2000/4000/8000 directives took 0.6/1.3/3.0/15.7 s).
// Compare the ns/op of the n= lines.
func BenchmarkValidationFlood(b *testing.B) {
	a := newAPI(b, openStore(b), Limits{})
	for _, n := range []int{2000, 4000, 8000} {
		for name, q := range map[string]string{
			"directives": "{ __typename " + strings.Repeat("@a ", n) + "}",
			"operations": strings.Repeat("{a}", n),
		} {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				for b.Loop() {
					a.parse(context.Background(), q)
				}
			})
		}
	}
}
