package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/strictjson"
	"github.com/blurline/blurline/schema"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
)

// The response media types of the GraphQL over HTTP specification.
const (
	mediaGQL  = "application/graphql-response+json"
	mediaJSON = "application/json"
)

// gqlRequest holds the parameters of a GraphQL-over-HTTP request.
type gqlRequest struct {
	Query         string
	OperationName string
	Variables     map[string]any
	Extensions    map[string]any
}

func badRequest(format string, args ...any) error {
	return blurline.Errorf(blurline.ErrBadRequest, format, args...)
}

// reply is the answer to one GraphQL request, before it is written: a
// batch gathers the bodies of its operations' replies.
type reply struct {
	status int
	body   []byte // JSON, newline included
	allow  string // the Allow header of a 405
	public bool   // an HTTP cache may keep it (a persisted query's GET)
	// challenge asks for a token: WWW-Authenticate (RFC 6750), on a 401
	// and on a 200 application/json answer saying UNAUTHENTICATED.
	challenge bool
}

// serveGraphQL is the GraphQL endpoint, written to the GraphQL over HTTP
// specification; docs/server.md lists its status codes. A POST whose body
// is a JSON array is a batch (batch.go); a request may name its query by
// hash (automatic persisted queries, apq.go).
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		s.write(w, r, mediaJSON, s.refusal(r, blurline.Errorf(blurline.ErrNotAcceptable,
			"none of the media types in Accept can be served: ask for application/graphql-response+json or application/json")))
		return
	}
	if r = s.withPrincipal(w, r, media); r == nil {
		return
	}
	var reqs []gqlRequest
	batch := false
	var herr error
	switch r.Method {
	case http.MethodGet:
		var req gqlRequest
		req, herr = parseGET(r)
		reqs = []gqlRequest{req}
	case http.MethodPost:
		reqs, batch, herr = s.parsePOST(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		herr = blurline.Errorf(blurline.ErrMethod, "use POST (or GET for queries)")
	}
	if herr != nil {
		s.write(w, r, media, s.refusal(r, herr))
		return
	}

	pool := s.pool(r)
	if !s.acquire(r, pool) {
		w.Header().Set("Retry-After", "1")
		s.write(w, r, media, s.refusal(r, blurline.Errorf(blurline.ErrUnavailable,
			"the server is busy (%d requests running): try again", cap(pool))))
		return
	}
	// The slot is held for the work, not for the writing: a client that
	// reads its answer slowly holds its connection, until WriteTimeout,
	// and nothing else.
	var rp reply
	if batch {
		rp = s.serveBatch(r, media, reqs)
	} else {
		rp = s.answer(r.Context(), r, media, reqs[0], nil)
	}
	<-pool
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.lg.Warn("set write deadline", "err", err)
	}
	s.write(w, r, media, rp)
}

// write writes a reply.
func (s *Server) write(w http.ResponseWriter, r *http.Request, media string, rp reply) {
	if rp.allow != "" {
		w.Header().Set("Allow", rp.allow)
	}
	if rp.challenge {
		w.Header().Set("WWW-Authenticate", `Bearer realm="blurline"`)
	}
	cc := "no-store"
	if rp.public && rp.status == http.StatusOK {
		cc = fmt.Sprintf("public, max-age=%d", int(s.cfg.PersistedMaxAge.Seconds()))
		if r.Header.Get("Authorization") != "" {
			cc = fmt.Sprintf("private, max-age=%d", int(s.cfg.PersistedMaxAge.Seconds()))
		}
	}
	writeBody(w, media, rp.status, cc, rp.body)
}

// answer prepares and executes one GraphQL request. budget, when not nil,
// is a batch's cost budget: the operation's cost is taken from it, and an
// operation that would overdraw it is refused.
func (s *Server) answer(ctx context.Context, r *http.Request, media string, req gqlRequest, budget *int) reply {
	// ExecTimeout covers preparing (parsing, guards, validation) and
	// executing; the request's own deadline covers reading it too.
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ExecTimeout)
	defer cancel()
	apq, rp, ok := s.apq.resolve(s, r, media, &req)
	if !ok {
		return rp
	}
	if req.Query == "" {
		return s.refusal(r, badRequest("no query: send the GraphQL document in \"query\" (or the hash of a persisted one in extensions.persistedQuery)"))
	}
	op, errs := s.api.Prepare(ctx, req.Query, req.OperationName)
	if errs != nil {
		// A GraphQL request error: nothing ran, no data entry.
		return s.respond(r, media, statusFor(media, statusOf(gqlErrors(errs))), nil, false, errs)
	}
	if apq.hash != "" {
		s.apq.store(apq.hash, req.Query)
	}
	ri := infoFrom(r.Context())
	if ri != nil {
		ri.opType, ri.opName = op.Type, op.Name
	}
	s.metrics.operations.WithLabelValues(op.Type).Inc()
	p := blurline.PrincipalFromContext(ctx)
	switch op.Type {
	case "query":
		if err := s.allow(p, blurline.ScopeRead, "queries"); err != nil {
			return s.respondError(r, media, err)
		}
	case "mutation":
		if r.Method != http.MethodPost {
			rp := s.refusal(r, blurline.Errorf(blurline.ErrMethod, "mutations are not allowed over GET: use POST"))
			rp.allow = "POST"
			return rp
		}
		// A principal without write or import can run no mutation: refused
		// here, before anything runs. Each mutation checks its own scope.
		if err := s.allow(p, blurline.ScopeWrite, "mutations"); err != nil && !p.Can(blurline.ScopeImport) {
			return s.respondError(r, media, err)
		}
	default:
		return s.respondError(r, media, blurline.Errorf(blurline.ErrBadRequest, "%s operations are not served over HTTP", op.Type))
	}
	if budget != nil {
		c := s.api.Cost(op, req.Variables)
		if c > *budget {
			return s.respondError(r, media, blurline.Errorf(blurline.ErrCost,
				"the batch's operations cost more than the limit of %d together: this one (cost %d) was not run; send fewer or smaller operations", s.api.Limits().MaxCost, c))
		}
		*budget -= c
	}

	var out reply
	if op.Type == "query" && s.cache != nil {
		out = s.serveQuery(ctx, r, media, op, req)
	} else {
		out = s.execute(ctx, r, media, op, req.Variables)
	}
	out.public = apq.hashOnly && r.Method == http.MethodGet
	return out
}

// execute runs a prepared operation.
func (s *Server) execute(ctx context.Context, r *http.Request, media string, op *schema.Operation, variables map[string]any) reply {
	return s.result(r, media, s.api.Execute(ctx, op, variables))
}

// result is the reply of an executed operation.
func (s *Server) result(r *http.Request, media string, res *graphql.Result) reply {
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
		status = statusFor(media, statusOf(gqlErrors(res.Errors)))
	}
	return s.respond(r, media, status, res.Data, executed, res.Errors)
}

// serveQuery answers a query from the response cache, or executes it and
// keeps a successful response for the next time. The store's version is
// read before execution (after the store caught up with other servers)
// and again after it: a response is kept only if no write came between,
// under that version.
func (s *Server) serveQuery(ctx context.Context, r *http.Request, media string, op *schema.Operation, req gqlRequest) reply {
	ctx, version, err := s.api.Sync(ctx)
	if err != nil {
		return s.execute(ctx, r, media, op, req.Variables) // it syncs again and reports the error
	}
	vars, err := json.Marshal(req.Variables) // map keys sorted: a canonical form
	if err != nil {
		return s.execute(ctx, r, media, op, req.Variables)
	}
	key := cacheKey{query: req.Query, operationName: req.OperationName, variables: string(vars),
		view: view(blurline.PrincipalFromContext(ctx))}
	ri := infoFrom(r.Context())
	if body := s.cache.get(version, key); body != nil {
		if ri != nil {
			ri.cache = "hit"
		}
		return reply{status: http.StatusOK, body: body}
	}
	if ri != nil {
		ri.cache = "miss"
	}
	res := s.api.Execute(ctx, op, req.Variables)
	if len(res.Errors) > 0 || res.Data == nil {
		return s.result(r, media, res)
	}
	body, err := s.encode(r, res.Data, true, nil)
	if err != nil {
		return s.encodeFailed(r, media, err)
	}
	if s.api.Version() == version {
		s.cache.put(version, key, body)
	}
	return reply{status: http.StatusOK, body: body}
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

// parseGET reads the parameters of a GET request from its query string.
func parseGET(r *http.Request) (gqlRequest, error) {
	var req gqlRequest
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return req, badRequest("malformed query string: %v", err)
	}
	one := func(name string) (string, error) {
		v := vals[name]
		if len(v) > 1 {
			return "", badRequest("parameter %q is given %d times", name, len(v))
		}
		if len(v) == 0 {
			return "", nil
		}
		return v[0], nil
	}
	var herr error
	if req.Query, herr = one("query"); herr != nil {
		return req, herr
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
		if req.Extensions, herr = decodeObject("extensions", []byte(e)); herr != nil {
			return req, herr
		}
	}
	return req, nil
}

// parsePOST reads the JSON body of a POST request: one request object,
// or a batch of them (a JSON array).
func (s *Server) parsePOST(w http.ResponseWriter, r *http.Request) (reqs []gqlRequest, batch bool, herr error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, false, blurline.Errorf(blurline.ErrMediaType, "no Content-Type: send the request as application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		// text/plain, application/x-www-form-urlencoded and multipart/form-data
		// are what a cross-site form may send: never read them.
		return nil, false, blurline.Errorf(blurline.ErrMediaType, "Content-Type %q is not served: send the request as application/json", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, false, blurline.Errorf(blurline.ErrMediaType, "charset %q is not served: send UTF-8", cs)
	}
	tooLarge := func() error {
		return blurline.Errorf(blurline.ErrPayloadTooLarge, "the request body is larger than %d bytes", s.cfg.MaxBodyBytes)
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, false, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, false, tooLarge()
		}
		return nil, false, badRequest("could not read the request body: %v", err)
	}
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, false, badRequest("empty body: send a JSON object with a \"query\"")
	case body[0] == '[':
		reqs, herr := s.parseBatch(body)
		return reqs, true, herr
	case body[0] != '{':
		return nil, false, badRequest("the body must be a JSON object with a \"query\" (or a JSON array of them: a batch)")
	}
	req, herr := parseRequestObject(body)
	return []gqlRequest{req}, false, herr
}

// parseRequestObject reads one request object of a POST body.
func parseRequestObject(body []byte) (gqlRequest, error) {
	if req, ok := scanRequestObject(body); ok {
		return req, nil
	}
	return decodeRequestObject(body)
}

// decodeRequestObject is parseRequestObject through encoding/json: it
// reads any request object, and words what is wrong with a bad one.
func decodeRequestObject(body []byte) (gqlRequest, error) {
	var req gqlRequest
	var fields map[string]json.RawMessage
	if err := strictjson.Decode(body, &fields); err != nil {
		return req, badRequest("malformed JSON body: %v", err)
	}
	if k, dup := duplicateKey(body); dup {
		// encoding/json keeps the last; a proxy that reads the first would
		// see another request.
		return req, badRequest("the request object gives %q more than once", k)
	}
	str := func(name string) (string, error) {
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
	var herr error
	if req.Query, herr = str("query"); herr != nil {
		return req, herr
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
		if req.Extensions, herr = decodeObject("extensions", raw); herr != nil {
			return req, herr
		}
	}
	return req, nil
}

// scanRequestObject reads the request object of nearly every POST in one
// pass over the body: its members are "query", "operationName",
// "variables" and "extensions", each at most once, the first two a string
// or null, the others an object or null. It reports false for anything
// else, well-formed or not, which decodeRequestObject then reads (so that
// a bad body gets its error from one place); when it reports true, the
// request is the one decodeRequestObject reads from the body.
func scanRequestObject(body []byte) (gqlRequest, bool) {
	var req gqlRequest
	var seen [4]bool
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return req, false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return req, skipSpace(body, i+1) == len(body)
	}
	for {
		// A member name: one of the four, as it is (no escapes).
		if i >= len(body) || body[i] != '"' {
			return req, false
		}
		end := bytes.IndexByte(body[i+1:], '"')
		if end < 0 {
			return req, false
		}
		member := memberIndex(body[i+1 : i+1+end])
		if member < 0 || seen[member] {
			return req, false
		}
		seen[member] = true
		i = skipSpace(body, i+end+2)
		if i >= len(body) || body[i] != ':' {
			return req, false
		}
		i = skipSpace(body, i+1)
		var ok bool
		if i, ok = scanMember(body, i, member, &req); !ok {
			return req, false
		}
		i = skipSpace(body, i)
		if i >= len(body) {
			return req, false
		}
		switch body[i] {
		case ',':
			i = skipSpace(body, i+1)
		case '}':
			return req, skipSpace(body, i+1) == len(body)
		default:
			return req, false
		}
	}
}

// scanMember reads the value at body[i:] of member (an index into
// scanRequestObject's names) into req and returns the offset after it.
func scanMember(body []byte, i, member int, req *gqlRequest) (int, bool) {
	if bytes.HasPrefix(body[i:], []byte("null")) {
		return i + len("null"), true
	}
	if member >= 2 { // variables, extensions
		end, ok := objectEnd(body, i)
		if !ok {
			return i, false
		}
		m, err := decodeObject(memberNames[member], body[i:end])
		if err != nil || m == nil {
			return i, false
		}
		if member == 2 {
			req.Variables = m
		} else {
			req.Extensions = m
		}
		return end, true
	}
	if i >= len(body) || body[i] != '"' {
		return i, false
	}
	end, plain := stringEnd(body, i)
	if end < 0 {
		return i, false
	}
	var v string
	if plain {
		v = string(body[i+1 : end-1])
	} else if err := json.Unmarshal(body[i:end], &v); err != nil {
		return i, false
	}
	if member == 0 {
		req.Query = v
	} else {
		req.OperationName = v
	}
	return end, true
}

// memberNames are the members scanRequestObject reads, in its order.
var memberNames = [...]string{"query", "operationName", "variables", "extensions"}

// memberIndex returns the index of name in memberNames, or -1.
func memberIndex(name []byte) int {
	switch string(name) {
	case "query":
		return 0
	case "operationName":
		return 1
	case "variables":
		return 2
	case "extensions":
		return 3
	}
	return -1
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the offset after the JSON string whose quote is at
// b[i] (-1 if it does not end), and whether its text is its bytes as they
// are: no escape, no control character, valid UTF-8.
func stringEnd(b []byte, i int) (int, bool) {
	plain, ascii := true, true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, plain && (ascii || utf8.Valid(b[i+1:j]))
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			plain = false
		case c >= 0x80:
			ascii = false
		}
	}
	return -1, false
}

// objectEnd returns the offset after the object (or array) that starts at
// b[i], matching brackets outside strings; it does not check what is
// between them.
func objectEnd(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '{' {
		return i, false
	}
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return j + 1, true
			}
		case '"':
			end, _ := stringEnd(b, j)
			if end < 0 {
				return i, false
			}
			j = end - 1
		}
	}
	return i, false
}

// duplicateKey reports a key that the JSON object body (already known to
// be well-formed) gives twice at its top level.
func duplicateKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := t.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// decodeObject decodes a JSON object or null.
func decodeObject(name string, raw []byte) (map[string]any, error) {
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

// respond is the reply of a GraphQL response. The data entry is written
// only when hasData (it may then be null); errors are counted by code.
func (s *Server) respond(r *http.Request, media string, status int, data any, hasData bool, errs []gqlerrors.FormattedError) reply {
	buf, err := s.encode(r, data, hasData, errs)
	if err != nil {
		return s.encodeFailed(r, media, err)
	}
	return reply{status: status, body: buf}
}

// encodeFailed is the reply when a response could not be encoded: too
// large (a request error, its status by the media type's rules), or an
// internal error.
func (s *Server) encodeFailed(r *http.Request, media string, err error) reply {
	if kind, _ := kindOf(err); kind == blurline.ErrResponseTooLarge {
		return s.respondError(r, media, err)
	}
	return s.refusal(r, fmt.Errorf("encode GraphQL response: %w", err))
}

// encode returns the JSON body of a GraphQL response, newline included.
// The data entry is there only when hasData (it may then be null); errors
// are counted by code.
func (s *Server) encode(r *http.Request, data any, hasData bool, errs []gqlerrors.FormattedError) ([]byte, error) {
	// The object json.Marshal writes for {"data": data, "errors": errors}
	// (its keys in that order), each value through appendJSON.
	var we []wireError
	if len(errs) > 0 {
		we = s.wireErrors(r, errs)
		if ri := infoFrom(r.Context()); ri != nil {
			ri.errors = len(errs)
		}
	}
	buf := []byte{'{'}
	var err error
	if hasData {
		buf = append(buf, `"data":`...)
		if buf, err = appendJSON(buf, data); err != nil {
			return nil, err
		}
	}
	if len(errs) > 0 {
		if hasData {
			buf = append(buf, ',')
		}
		buf = append(buf, `"errors":`...)
		if buf, err = appendJSON(buf, we); err != nil {
			return nil, err
		}
	}
	buf = append(buf, '}')
	if int64(len(buf)) >= s.cfg.MaxResponseBytes {
		return nil, blurline.Errorf(blurline.ErrResponseTooLarge,
			"the response would be %d bytes, over the limit of %d: ask for smaller pages (first), fewer fields or fewer hops", len(buf), s.cfg.MaxResponseBytes)
	}
	return append(buf, '\n'), nil
}

// writeBody writes a JSON body as it is; it never modifies body (which
// may be the response cache's).
func writeBody(w http.ResponseWriter, media string, status int, cacheControl string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", cacheControl)
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
