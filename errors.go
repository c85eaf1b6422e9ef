package blurline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Kind is what went wrong, as a client needs to know it: whether to fix
// the request, look elsewhere, ask for less, try again later or report a
// fault. Every error a client may see has a kind; the server's one error
// formatter turns a kind into an extensions.code and an HTTP status, and
// nothing else does.
//
// A Kind is itself an error, so that errors.Is(err, ErrNotFound) holds for
// an [Error] of that kind and for any error that wraps the kind with %w.
type Kind uint8

// The kinds. The zero Kind is ErrInternal: an error nobody classified is
// a fault of the server, logged and shown to the client as "internal error".
const (
	ErrInternal    Kind = iota // a fault of the server
	ErrInvalid                 // a value the client sent is wrong
	ErrNotFound                // the thing asked for does not exist
	ErrForbidden               // the client may not do this
	ErrLimit                   // the request asks for more than a limit allows
	ErrUnavailable             // the server cannot serve it now: try again
	ErrTimeout                 // the request's time ran out
	ErrCanceled                // the client went away

	// Kinds of a request refused before anything ran.
	ErrBadRequest       // the HTTP request is malformed
	ErrParse            // the GraphQL document does not parse
	ErrValidation       // the document is not valid against the schema
	ErrDepth            // the document nests too deep
	ErrAliases          // the document has too many aliases
	ErrCost             // the document would touch too many items
	ErrPayloadTooLarge  // the request body is over its limit
	ErrResponseTooLarge // the response would be over its limit
	ErrMethod           // the HTTP method is not served for this request
	ErrMediaType        // the request's Content-Type is not served
	ErrNotAcceptable    // no response media type the client accepts

	ErrPersistedQueryNotFound // a query sent by hash alone is not known: send it whole
	ErrPersistedQueryMismatch // a persisted query's hash is not the query's

	ErrUnauthenticated // the request has no valid credentials: a token would help
	numKinds
)

var kindText = [numKinds]string{
	ErrInternal:         "internal error",
	ErrInvalid:          "invalid input",
	ErrNotFound:         "not found",
	ErrForbidden:        "forbidden",
	ErrLimit:            "limit exceeded",
	ErrUnavailable:      "unavailable",
	ErrTimeout:          "time limit exceeded",
	ErrCanceled:         "request cancelled",
	ErrBadRequest:       "bad request",
	ErrParse:            "syntax error",
	ErrValidation:       "invalid document",
	ErrDepth:            "document too deep",
	ErrAliases:          "too many aliases",
	ErrCost:             "query too costly",
	ErrPayloadTooLarge:  "request too large",
	ErrResponseTooLarge: "response too large",
	ErrMethod:           "method not allowed",
	ErrMediaType:        "unsupported media type",
	ErrNotAcceptable:    "not acceptable",

	ErrPersistedQueryNotFound: "persisted query not found",
	ErrPersistedQueryMismatch: "persisted query hash mismatch",

	ErrUnauthenticated: "unauthenticated",
}

// Error returns a short description of the kind ("not found").
func (k Kind) Error() string {
	if k < numKinds {
		return kindText[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// Kinds returns every kind, for tables that must cover them all.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Error is an error a client may be shown: a kind, a public message and,
// where the error is about one part of the input, the path of the input
// field and the index of the item in it. Err is the underlying cause, for
// the log only: it never reaches a client.
type Error struct {
	Kind    Kind
	Field   string // path of the input field ("input.entities"); "" when none
	Index   int    // index of the item within Field; -1 when none
	Message string // for the client: no internal names
	Err     error  // the cause, logged and never shown
}

// Errorf makes an [Error] of kind with a formatted public message. A
// string argument quoted with %q, which is how messages quote a client's
// input, is cut to its first MaxQuoted bytes: an error cannot multiply the
// size of the input it is about.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Index: -1, Message: sprintf(format, args)}
}

// ItemErrorf makes an [Error] about item index of the input field.
func ItemErrorf(kind Kind, field string, index int, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Index: index, Message: sprintf(format, args)}
}

// MaxQuoted is how much of a quoted string an error message shows.
const MaxQuoted = 64

func sprintf(format string, args []any) string {
	args = slices.Clone(args)
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > MaxQuoted {
			args[i] = quoted(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

// quoted is a string that %q prints cut to MaxQuoted bytes.
type quoted string

func (q quoted) Format(f fmt.State, verb rune) {
	s := string(q)
	if verb != 'q' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), s)
		return
	}
	i := MaxQuoted
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	fmt.Fprintf(f, "%q… (%d bytes)", s[:i], len(s))
}

// Error returns the public message, prefixed with the field and item it
// is about ("entities[2]: entity "x" has no class").
func (e *Error) Error() string {
	if where := e.Where(); where != "" {
		return where + ": " + e.Message
	}
	return e.Message
}

// Where returns "field[index]", "field" or "".
func (e *Error) Where() string {
	switch {
	case e.Field == "":
		return ""
	case e.Index >= 0:
		return e.Field + "[" + strconv.Itoa(e.Index) + "]"
	}
	return e.Field
}

// Unwrap returns the kind and the cause, so that errors.Is(err, ErrNotFound)
// and errors.Is(err, someCause) both hold.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// KindOf returns the kind of err: that of the outermost [Error] in its
// chain, else a Kind it wraps, else ErrTimeout or ErrCanceled for the
// context's errors, else ErrInternal. Classified reports whether any of
// those was found (ErrInternal is then a deliberate kind, not a default).
func KindOf(err error) (kind Kind, classified bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	var k Kind
	switch {
	case err == nil:
		return ErrInternal, false
	case errors.As(err, &k):
		return k, true
	case errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout, true
	case errors.Is(err, context.Canceled):
		return ErrCanceled, true
	}
	return ErrInternal, false
}

// Public returns what a client may read of err: the message of its
// outermost [Error] (without the call-site prefixes wrapped around it),
// else the text of the Kind it wraps. It returns "internal error" for an
// error of kind ErrInternal or of no kind.
func Public(err error) string {
	kind, ok := KindOf(err)
	if !ok || kind == ErrInternal {
		return ErrInternal.Error()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	var k Kind
	if errors.As(err, &k) {
		return err.Error() // a message wrapped around a kind with %w, written for clients
	}
	return kind.Error()
}

// Items returns the problems that err lists one by one: the items of an
// error in its chain with an Items() []*Error method (a store's list of
// problems with a write's nodes and facts, each with its Field and Index
// when it is about one item). It is nil when err lists none.
func Items(err error) []*Error {
	var it interface{ Items() []*Error }
	if errors.As(err, &it) {
		return it.Items()
	}
	return nil
}
