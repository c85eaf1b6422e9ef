package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/blurline/blurline/internal/strictjson"
	"github.com/blurline/blurline/schema"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/location"
)

// The response media types of the GraphQL over HTTP specification.
const (
	mediaGQL  = "application/graphql-response+json"
	mediaJSON = "application/json"
)

// wireError is one GraphQL error as it goes on the wire.
type wireError struct {
	Message    string                    `json:"message"`
	Locations  []location.SourceLocation `json:"locations,omitempty"`
	Path       []any                     `json:"path,omitempty"`
	Extensions map[string]any            `json:"extensions,omitempty"`
}

// gqlRequest holds the parameters of a GraphQL-over-HTTP request.
type gqlRequest struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// httpError is a request the server refuses before GraphQL sees it.
type httpError struct {
	status  int
	code    string
	message string
}

func badRequest(format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf(format, args...)}
}

// serveGraphQL is the GraphQL endpoint, written to the GraphQL over HTTP
// specification; docs/server.md lists its status codes.
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		s.refuse(w, r, mediaJSON, &httpError{http.StatusNotAcceptable, "NOT_ACCEPTABLE",
			"none of the media types in Accept can be served: ask for application/graphql-response+json or application/json"})
		return
	}
	var req gqlRequest
	var herr *httpError
	switch r.Method {
	case http.MethodGet:
		req, herr = parseGET(r)
	case http.MethodPost:
		req, herr = s.parsePOST(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		herr = &httpError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use POST (or GET for queries)"}
	}
	if herr != nil {
		s.refuse(w, r, media, herr)
		return
	}

	if !s.acquire(r) {
		w.Header().Set("Retry-After", "1")
		s.refuse(w, r, media, &httpError{http.StatusServiceUnavailable, "UNAVAILABLE",
			fmt.Sprintf("the server is busy (%d requests running): try again", s.cfg.MaxConcurrent)})
		return
	}
	defer s.release()
	op, errs := s.api.Prepare(req.Query, req.OperationName)
	if errs != nil {
		// A GraphQL request error: nothing ran, no data entry.
		s.respond(w, r, media, statusFor(media, http.StatusBadRequest), nil, false, errs)
		return
	}
	ri := infoFrom(r.Context())
	if ri != nil {
		ri.opType, ri.opName = op.Type, op.Name
	}
	s.metrics.operations.WithLabelValues(op.Type).Inc()
	ctx := r.Context()
	switch op.Type {
	case "query":
	case "mutation":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.refuse(w, r, media, &httpError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				"mutations are not allowed over GET: use POST"})
			return
		}
		if msg := s.writeRefusal(r); msg != "" {
			s.respond(w, r, media, statusFor(media, http.StatusForbidden), nil, false,
				[]gqlerrors.FormattedError{coded("FORBIDDEN", "%s", msg)})
			return
		}
		ctx = schema.WithWriteAccess(ctx)
	default:
		s.respond(w, r, media, statusFor(media, http.StatusBadRequest), nil, false,
			[]gqlerrors.FormattedError{coded("BAD_REQUEST", "%s operations are not served over HTTP", op.Type)})
		return
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.ExecTimeout)
	defer cancel()
	if op.Type == "query" && s.cache != nil {
		s.serveQuery(ctx, w, r, media, op, req)
		return
	}
	s.execute(ctx, w, r, media, op, req.Variables)
}

// execute runs a prepared operation and writes its response.
func (s *Server) execute(ctx context.Context, w http.ResponseWriter, r *http.Request, media string, op *schema.Operation, variables map[string]any) {
	res := s.api.Execute(ctx, op, variables)

	s.writeResult(w, r, media, res)
}

// writeResult writes the response of an executed operation.
func (s *Server) writeResult(w http.ResponseWriter, r *http.Request, media string, res *graphql.Result) {
	// The data entry is present once execution started: there is data, or
	// an error sits on a field path. Otherwise the errors are request errors
	// (variable coercion, cost, timeout before any field).
	executed := res.Data != nil
	for _, e := range res.Errors {
		if len(e.Path) > 0 {
			executed = true
		}
	}
	status := http.StatusOK
	if !executed {
		status = statusFor(media, noDataStatus(res.Errors))
	}
	s.respond(w, r, media, status, res.Data, executed, res.Errors)
}

// serveQuery answers a query from the response cache, or executes it and
// keeps a successful response for the next time. The store's version is
// read before execution (after the store caught up with other servers)
// and again after it: a response is kept only if no write came between,
// under that version.
func (s *Server) serveQuery(ctx context.Context, w http.ResponseWriter, r *http.Request, media string, op *schema.Operation, req gqlRequest) {
	ctx, version, err := s.api.Sync(ctx)
	if err != nil {
		s.execute(ctx, w, r, media, op, req.Variables) // it syncs again and reports the error
		return
	}
	vars, err := json.Marshal(req.Variables) // map keys sorted: a canonical form
	if err != nil {
		s.execute(ctx, w, r, media, op, req.Variables)
		return
	}
	key := cacheKey{query: req.Query, operationName: req.OperationName, variables: string(vars),
		write: r.Header.Get("Authorization") != "" && s.writeRefusal(r) == ""}
	ri := infoFrom(r.Context())
	if body := s.cache.get(version, key); body != nil {
		if ri != nil {
			ri.cache = "hit"
		}
		writeBody(w, media, http.StatusOK, body)
		return
	}
	if ri != nil {
		ri.cache = "miss"
	}
	res := s.api.Execute(ctx, op, req.Variables)
	if len(res.Errors) > 0 || res.Data == nil {
		s.writeResult(w, r, media, res)
		return
	}
	body, err := s.encode(r, res.Data, true, nil)
	if err != nil {
		s.encodeFailed(w, r, media, err)
		return
	}
	writeBody(w, media, http.StatusOK, body)
	if s.api.Version() == version {
		s.cache.put(version, key, body)
	}
}

// statusFor returns the status for a GraphQL response with media type
// media: application/json answers 200 to every well-formed request;
// application/graphql-response+json tells the outcome through the status.
func statusFor(media string, gqlStatus int) int {
	if media == mediaJSON {
		return http.StatusOK
	}
	return gqlStatus
}

// noDataStatus is the status of a response without data, from its codes.
func noDataStatus(errs []gqlerrors.FormattedError) int {
	status := http.StatusBadRequest
	for _, e := range errs {
		switch codeOf(e.Extensions) {
		case "INTERNAL":
			return http.StatusInternalServerError
		case "TIMEOUT":
			status = http.StatusGatewayTimeout
		case "UNAVAILABLE":
			status = http.StatusServiceUnavailable
		case "FORBIDDEN":
			if status == http.StatusBadRequest {
				status = http.StatusForbidden
			}
		}
	}
	return status
}

func codeOf(ext map[string]any) string {
	c, _ := ext["code"].(string)
	return c
}

// writeRefusal returns why r may not run a mutation, or "" if it may.
// The token is compared in constant time (of hashes, so its length is not
// told either).
func (s *Server) writeRefusal(r *http.Request) string {
	if s.cfg.Token == "" {
		return "this server is read-only: it was started without a write token"
	}
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if auth == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return "mutations need the server's write token: send Authorization: Bearer <token>"
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) != 1 {
		return "the bearer token is not the server's write token"
	}
	return ""
}

// parseGET reads the parameters of a GET request from its query string.
func parseGET(r *http.Request) (gqlRequest, *httpError) {
	var req gqlRequest
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return req, badRequest("malformed query string: %v", err)
	}
	one := func(name string) (string, *httpError) {
		v := vals[name]
		if len(v) > 1 {
			return "", badRequest("parameter %q is given %d times", name, len(v))
		}
		if len(v) == 0 {
			return "", nil
		}
		return v[0], nil
	}
	var herr *httpError
	if req.Query, herr = one("query"); herr != nil {
		return req, herr
	}
	if req.Query == "" {
		return req, badRequest("no query: put the GraphQL document in the query parameter")
	}
	if req.OperationName, herr = one("operationName"); herr != nil {
		return req, herr
	}
	v, herr := one("variables")
	if herr != nil {
		return req, herr
	}
	if v != "" {
		if req.Variables, herr = decodeObject("variables", []byte(v)); herr != nil {
			return req, herr
		}
	}
	e, herr := one("extensions")
	if herr != nil {
		return req, herr
	}
	if e != "" {
		if _, herr = decodeObject("extensions", []byte(e)); herr != nil {
			return req, herr
		}
	}
	return req, nil
}

// parsePOST reads the JSON body of a POST request.
func (s *Server) parsePOST(w http.ResponseWriter, r *http.Request) (gqlRequest, *httpError) {
	var req gqlRequest
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return req, &httpError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
			"no Content-Type: send the request as application/json"}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		// text/plain, application/x-www-form-urlencoded and multipart/form-data
		// are what a cross-site form may send: never read them.
		return req, &httpError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
			fmt.Sprintf("Content-Type %q is not served: send the request as application/json", ct)}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return req, &httpError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
			fmt.Sprintf("charset %q is not served: send UTF-8", cs)}
	}
	tooLarge := &httpError{http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
		fmt.Sprintf("the request body is larger than %d bytes", s.cfg.MaxBodyBytes)}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return req, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return req, tooLarge
		}
		return req, badRequest("could not read the request body: %v", err)
	}
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return req, badRequest("empty body: send a JSON object with a \"query\"")
	case body[0] == '[':
		return req, badRequest("batched requests (a JSON array) are not served: send one request object per POST")
	case body[0] != '{':
		return req, badRequest("the body must be a JSON object with a \"query\"")
	}
	var fields map[string]json.RawMessage
	if err := strictjson.Decode(body, &fields); err != nil {
		return req, badRequest("malformed JSON body: %v", err)
	}
	str := func(name string) (string, *httpError) {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", badRequest("%q must be a string", name)
		}
		return v, nil
	}
	var herr *httpError
	if req.Query, herr = str("query"); herr != nil {
		return req, herr
	}
	if req.Query == "" {
		return req, badRequest("no query: put the GraphQL document in \"query\"")
	}
	if req.OperationName, herr = str("operationName"); herr != nil {
		return req, herr
	}
	if raw, ok := fields["variables"]; ok {
		if req.Variables, herr = decodeObject("variables", raw); herr != nil {
			return req, herr
		}
	}
	if raw, ok := fields["extensions"]; ok {
		if _, herr = decodeObject("extensions", raw); herr != nil {
			return req, herr
		}
	}
	return req, nil
}

// decodeObject decodes a JSON object or null.
func decodeObject(name string, raw []byte) (map[string]any, *httpError) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, badRequest("%q must be a JSON object (or null)", name)
	}
	var m map[string]any
	if err := strictjson.Decode(raw, &m); err != nil {
		return nil, badRequest("%q is not valid JSON: %v", name, err)
	}
	return m, nil
}

// coded makes a GraphQL error with a code.
func coded(code, format string, args ...any) gqlerrors.FormattedError {
	return gqlerrors.FormattedError{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// refuse answers a request the server will not hand to GraphQL.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, media string, e *httpError) {
	s.metrics.gqlErrors.WithLabelValues(e.code).Inc()
	writeHTTPError(w, r, media, e.status, e.code, e.message)
}

// respond writes a GraphQL response. The data entry is written only when
// hasData (it may then be null); errors are counted by code.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, media string, status int, data any, hasData bool, errs []gqlerrors.FormattedError) {
	buf, err := s.encode(r, data, hasData, errs)
	if err != nil {
		s.encodeFailed(w, r, media, err)
		return
	}
	writeBody(w, media, status, buf)
}

func (s *Server) encodeFailed(w http.ResponseWriter, r *http.Request, media string, err error) {
	s.lg.Error("encode GraphQL response", "err", err, "request_id", requestID(r.Context()))
	writeHTTPError(w, r, media, http.StatusInternalServerError, "INTERNAL", "internal error")
}

// encode returns the JSON body of a GraphQL response, newline included.
// The data entry is there only when hasData (it may then be null); errors
// are counted by code.
func (s *Server) encode(r *http.Request, data any, hasData bool, errs []gqlerrors.FormattedError) ([]byte, error) {
	body := map[string]any{}
	if hasData {
		body["data"] = data
	}
	if len(errs) > 0 {
		we := make([]wireError, len(errs))
		for i, e := range errs {
			// Copy the extensions: prepared request errors are cached and shared.
			ext := make(map[string]any, len(e.Extensions)+1)
			for k, v := range e.Extensions {
				ext[k] = v
			}
			code := codeOf(ext)
			if code == "" {
				code = "INTERNAL"
				ext["code"] = code
			}
			if code == "INTERNAL" {
				ext["requestId"] = requestID(r.Context())
			}
			s.metrics.gqlErrors.WithLabelValues(code).Inc()
			we[i] = wireError{Message: e.Message, Locations: e.Locations, Path: e.Path, Extensions: ext}
		}
		body["errors"] = we
		if ri := infoFrom(r.Context()); ri != nil {
			ri.errors = len(errs)
		}
	}
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return append(buf, '\n'), nil
}

// writeHTTPError writes {"errors":[{"message":..., "extensions":{"code":...}}]}.
func writeHTTPError(w http.ResponseWriter, r *http.Request, media string, status int, code, msg string) {
	ext := map[string]any{"code": code}
	if status >= 500 {
		ext["requestId"] = requestID(r.Context())
	}
	buf, _ := json.Marshal(map[string]any{"errors": []wireError{{Message: msg, Extensions: ext}}})
	writeBody(w, media, status, append(buf, '\n'))
}

// writeBody writes a JSON body as it is; it never modifies body (which
// may be the response cache's).
func writeBody(w http.ResponseWriter, media string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept")
	w.WriteHeader(status)
	w.Write(body)
}

// negotiate picks the response media type from the Accept header values,
// following RFC 9110: the most specific matching range gives a type its
// q-value; the highest q wins. On a tie, a type the client named wins over
// one it reached only through a wildcard, and
// application/graphql-response+json wins when it named both. A client
// that names neither (no Accept, or only */* or application/*) gets
// application/json, which every client reads: the current GraphQL over HTTP
// draft's rule for legacy clients. It reports false when neither type is
// acceptable.
func negotiate(accept []string) (string, bool) {
	header := strings.TrimSpace(strings.Join(accept, ","))
	if header == "" {
		return mediaJSON, true
	}
	type rng struct {
		typ, sub string
		q        float64
	}
	var ranges []rng
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, _ := strings.Cut(part, ";")
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(mt)), "/")
		if !ok || typ == "" || sub == "" || typ == "*" && sub != "*" {
			continue // not a media range
		}
		q, ok := 1.0, true
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "q":
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					ok = false
				}
				q = f
			case "charset":
				if !strings.EqualFold(v, "utf-8") && !strings.EqualFold(v, "utf8") {
					ok = false // we only speak UTF-8
				}
			}
		}
		if ok {
			ranges = append(ranges, rng{typ, sub, q})
		}
	}
	qOf := func(media string) (float64, int) {
		typ, sub, _ := strings.Cut(media, "/")
		best, q := 0, 0.0
		for _, r := range ranges {
			spec := 0
			switch {
			case r.typ == typ && r.sub == sub:
				spec = 3
			case r.typ == typ && r.sub == "*":
				spec = 2
			case r.typ == "*" && r.sub == "*":
				spec = 1
			}
			if spec > best || spec == best && spec > 0 && r.q > q {
				best, q = spec, r.q
			}
		}
		return q, best
	}
	gq, gspec := qOf(mediaGQL)
	jq, _ := qOf(mediaJSON)
	switch {
	case gq <= 0 && jq <= 0:
		return "", false
	case jq > gq:
		return mediaJSON, true
	case gq > jq:
		return mediaGQL, true
	case gspec == 3:
		return mediaGQL, true
	}
	return mediaJSON, true
}
