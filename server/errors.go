package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/location"
)

// The one error formatter: the only place where an error's kind becomes
// an extensions.code and an HTTP status, and where internal errors are
// logged and hidden. docs/operations.md and docs/server.md list the codes.

// kindWire is the code and status of each kind.
var kindWire = map[blurline.Kind]struct {
	code   string
	status int
}{
	blurline.ErrInternal:         {"INTERNAL", http.StatusInternalServerError},
	blurline.ErrInvalid:          {"BAD_USER_INPUT", http.StatusBadRequest},
	blurline.ErrNotFound:         {"NOT_FOUND", http.StatusNotFound},
	blurline.ErrForbidden:        {"FORBIDDEN", http.StatusForbidden},
	blurline.ErrLimit:            {"LIMIT_EXCEEDED", http.StatusBadRequest},
	blurline.ErrUnavailable:      {"UNAVAILABLE", http.StatusServiceUnavailable},
	blurline.ErrTimeout:          {"TIMEOUT", http.StatusGatewayTimeout},
	blurline.ErrCanceled:         {"CANCELLED", http.StatusBadRequest},
	blurline.ErrBadRequest:       {"BAD_REQUEST", http.StatusBadRequest},
	blurline.ErrParse:            {"GRAPHQL_PARSE_FAILED", http.StatusBadRequest},
	blurline.ErrValidation:       {"GRAPHQL_VALIDATION_FAILED", http.StatusBadRequest},
	blurline.ErrDepth:            {"DEPTH_LIMIT_EXCEEDED", http.StatusBadRequest},
	blurline.ErrAliases:          {"ALIAS_LIMIT_EXCEEDED", http.StatusBadRequest},
	blurline.ErrCost:             {"COST_LIMIT_EXCEEDED", http.StatusBadRequest},
	blurline.ErrPayloadTooLarge:  {"PAYLOAD_TOO_LARGE", http.StatusRequestEntityTooLarge},
	blurline.ErrResponseTooLarge: {"RESPONSE_TOO_LARGE", http.StatusBadRequest},
	blurline.ErrMethod:           {"METHOD_NOT_ALLOWED", http.StatusMethodNotAllowed},
	blurline.ErrMediaType:        {"UNSUPPORTED_MEDIA_TYPE", http.StatusUnsupportedMediaType},
	blurline.ErrNotAcceptable:    {"NOT_ACCEPTABLE", http.StatusNotAcceptable},

	blurline.ErrPersistedQueryNotFound: {"PERSISTED_QUERY_NOT_FOUND", http.StatusBadRequest},
	blurline.ErrPersistedQueryMismatch: {"PERSISTED_QUERY_HASH_MISMATCH", http.StatusBadRequest},

	blurline.ErrUnauthenticated: {"UNAUTHENTICATED", http.StatusUnauthorized},
}

// Bounds on the errors of one response.
const (
	// MaxErrors is the most errors one response lists (graphql-js's
	// maxErrors); the rest are counted in a last error.
	MaxErrors = 100
	// maxMessageBytes bounds one error's message: a message that quotes
	// a client's input is cut, so that errors cannot multiply a request's
	// size.
	maxMessageBytes = 4 << 10
)

// wireError is one GraphQL error as it goes on the wire.
type wireError struct {
	Message    string                    `json:"message"`
	Locations  []location.SourceLocation `json:"locations,omitempty"`
	Path       []any                     `json:"path,omitempty"`
	Extensions map[string]any            `json:"extensions,omitempty"`
}

// kindOf returns the kind of an error and the *blurline.Error it carries
// (nil if none). An error of no kind is internal.
func kindOf(err error) (blurline.Kind, *blurline.Error) {
	kind, _ := blurline.KindOf(err)
	var e *blurline.Error
	errors.As(err, &e)
	return kind, e
}

// codeOf returns the extensions.code of err.
func codeOf(err error) string {
	kind, _ := kindOf(err)
	return wire(kind).code
}

func wire(kind blurline.Kind) struct {
	code   string
	status int
} {
	if w, ok := kindWire[kind]; ok {
		return w
	}
	return kindWire[blurline.ErrInternal]
}

// statusOf is the HTTP status of a response without data: that of its
// errors' kinds, an internal error first, else the highest.
func statusOf(errs []error) int {
	status := http.StatusBadRequest
	for _, err := range errs {
		kind, _ := kindOf(err)
		if kind == blurline.ErrInternal {
			return http.StatusInternalServerError
		}
		status = max(status, wire(kind).status)
	}
	return status
}

// gqlErrors returns the original errors of GraphQL errors (schema gives
// each a *blurline.Error).
func gqlErrors(errs []gqlerrors.FormattedError) []error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e.OriginalError()
		if out[i] == nil {
			out[i] = e
		}
	}
	return out
}

// wireErrors formats errors for the wire: each error's code from its kind,
// its field and item index for an error about one input item, internal
// messages logged and replaced, long messages cut, and at most MaxErrors.
func (s *Server) wireErrors(r *http.Request, errs []gqlerrors.FormattedError) []wireError {
	n := min(len(errs), MaxErrors)
	out := make([]wireError, 0, n+1)
	for _, fe := range errs[:n] {
		err := fe.OriginalError()
		if err == nil {
			err = fe
		}
		we := s.wireError(r, err, fe.Message)
		we.Locations, we.Path = fe.Locations, fe.Path
		out = append(out, we)
	}
	if more := len(errs) - n; more > 0 {
		out = append(out, s.wireError(r, blurline.Errorf(blurline.ErrLimit, "%d more errors are not listed", more), ""))
	}
	return out
}

// wireError formats one error; msg, if not empty, is the message a
// GraphQL error already carries.
func (s *Server) wireError(r *http.Request, err error, msg string) wireError {
	kind, be := kindOf(err)
	w := wire(kind)
	ext := map[string]any{"code": w.code}
	switch {
	case kind == blurline.ErrInternal:
		s.lg.Error("internal error", "err", err, "request_id", requestID(r.Context()))
		msg = "internal error"
	case be != nil:
		msg = be.Error() // where it is about, and the message
		if be.Field != "" {
			ext["field"] = be.Field
			if be.Index >= 0 {
				ext["index"] = be.Index
			}
		}
	case msg == "":
		msg = blurline.Public(err)
	}
	if w.status >= 500 {
		ext["requestId"] = requestID(r.Context())
	}
	s.metrics.gqlErrors.WithLabelValues(w.code).Inc()
	return wireError{Message: clip(msg, maxMessageBytes), Extensions: ext}
}

// clip cuts s to at most n bytes, on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "… (cut)"
}

// refusal is the reply to a request the server will not hand to GraphQL
// (or whose operation it will not run), with the status of err's kind.
func (s *Server) refusal(r *http.Request, err error) reply {
	kind, _ := kindOf(err)
	return reply{status: wire(kind).status, body: s.errorBody(r, err), challenge: kind == blurline.ErrUnauthenticated}
}

// refuse writes a refusal.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, media string, err error) {
	s.write(w, r, media, s.refusal(r, err))
}

// respondError is the reply of a GraphQL response of one request error,
// its status by the media type's rules.
func (s *Server) respondError(r *http.Request, media string, err error) reply {
	kind, _ := kindOf(err)
	return reply{status: statusFor(media, statusOf([]error{err})), body: s.errorBody(r, err), challenge: kind == blurline.ErrUnauthenticated}
}

// connRefusalBody is the body of the answer to a connection over MaxConns.
func (s *Server) connRefusalBody() []byte {
	w := wire(blurline.ErrUnavailable)
	buf, _ := json.Marshal(map[string]any{"errors": []wireError{{
		Message:    fmt.Sprintf("the server has too many open connections (%d): try again", s.cfg.MaxConns),
		Extensions: map[string]any{"code": w.code},
	}}})
	return append(buf, '\n')
}

func (s *Server) errorBody(r *http.Request, err error) []byte {
	buf, _ := json.Marshal(map[string]any{"errors": []wireError{s.wireError(r, err, "")}})
	return append(buf, '\n')
}
