package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// POST /import takes a STIX bundle (or envelope, or object) or a MISP
// galaxy file of any size up to Config.MaxUploadBytes as the request body
// and imports it, all or nothing, as the CLI's `blurline import` does. It
// needs the write token. The body is spooled to a temporary file as it
// arrives (progress in the log every few seconds) and checked there before
// the import reads it (readUpload), its deadline is Config.UploadTimeout
// rather than RequestTimeout, and imports run one at a time, so memory
// stays bounded by one accepted file and its import.
//
//	curl -H 'Authorization: Bearer TOKEN' -H 'Content-Type: application/json' \
//	     --data-binary @enterprise-attack.json 'http://127.0.0.1:8080/import?id=attack'
//
// Parameters: format (auto, stix, misp-galaxy), id (the import id), source
// (the source URL of statements that cite none). The answer is JSON: the
// import report and how long receiving and importing took.

// isUpload reports whether r is a request that carries a large body:
// its deadline is UploadTimeout.
func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	return r.URL.Path == "/import" || isTAXIIObjectsPath(r.URL.Path)
}

func isTAXIIObjectsPath(p string) bool {
	const pre = taxiiRoot + "collections/"
	if len(p) <= len(pre) || p[:len(pre)] != pre {
		return false
	}
	rest := p[len(pre):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			return rest[i:] == "/objects/"
		}
	}
	return false
}

func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { s.refuse(w, r, mediaJSON, err) }
	if r = s.withPrincipal(w, r, mediaJSON); r == nil {
		return
	}
	if err := s.allow(blurline.PrincipalFromContext(r.Context()), blurline.ScopeImport, "uploads"); err != nil {
		fail(err)
		return
	}
	st, ok := s.store.(interop.Store)
	if !ok {
		fail(blurline.Errorf(blurline.ErrUnavailable, "this store takes no imports"))
		return
	}
	q := r.URL.Query()
	opt := interop.ImportOptions{Name: "upload", ImportID: q.Get("id"), Source: q.Get("source"), Marking: blurline.DefaultMarkingFromContext(r.Context())}
	if t := q.Get("marking"); t != "" {
		m, err := blurline.ParseMarking(t)
		if err != nil {
			fail(blurline.Errorf(blurline.ErrBadRequest, "marking: %v", err))
			return
		}
		opt.Marking = m
	}
	format := q.Get("format")
	if format == "" {
		format = interop.FormatAuto
	}
	switch format {
	case interop.FormatAuto, interop.FormatSTIX, interop.FormatMISPGalaxy:
	default:
		fail(blurline.Errorf(blurline.ErrBadRequest, "format must be auto, stix or misp-galaxy, got %q", format))
		return
	}
	started := time.Now()
	data, err := s.readUpload(w, r)
	if err != nil {
		fail(err)
		return
	}
	received := time.Since(started)
	rep, err := s.runImport(blurline.WithAction(r.Context(), "POST /import", ""), func(ctx context.Context) (*interop.Report, error) {
		return interop.Import(ctx, st, data, format, opt)
	})
	var fe *interop.FileError
	switch {
	case errors.As(err, &fe):
		// Every problem, with its JSON path, beside the usual error.
		problems := make([]map[string]string, len(fe.Problems))
		for i, p := range fe.Problems {
			problems[i] = map[string]string{"path": p.Path, "message": p.Msg}
		}
		writeJSONBody(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{
			"message": "the file was refused, nothing was written", "extensions": map[string]any{"code": codeOf(err)}}},
			"problems": problems, "moreProblems": fe.More})
		return
	case errors.Is(err, context.DeadlineExceeded):
		fail(blurline.Errorf(blurline.ErrTimeout, "the import did not finish within the upload timeout (%v): nothing was written", s.cfg.UploadTimeout))
		return
	case err != nil:
		fail(err) // the formatter logs an internal error
		return
	}
	imported := time.Since(started) - received
	s.lg.Info("upload imported", "import", rep.ImportID, "bytes", len(data), "objects", rep.Objects,
		"receive_s", received.Seconds(), "import_s", imported.Seconds())
	writeJSONBody(w, http.StatusOK, map[string]any{"report": rep, "bytes": len(data),
		"receiveSeconds": received.Seconds(), "importSeconds": imported.Seconds()})
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// readUpload receives a large request body into a temporary file, at most
// MaxUploadBytes (progress in the log every few seconds; the connection's
// deadlines become the upload's), checks while reading it back that it is
// one well-formed JSON value, and only then reads it into memory for the
// import. A body that is too large, cut short or not JSON is refused
// having cost a fixed buffer, whatever its size; an accepted one is held
// once, at its exact size (not a growing buffer and its copies).
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(s.cfg.UploadTimeout)
	rc.SetReadDeadline(deadline)
	rc.SetWriteDeadline(deadline.Add(5 * time.Second))
	limit := s.cfg.MaxUploadBytes
	if r.ContentLength > limit {
		return nil, blurline.Errorf(blurline.ErrPayloadTooLarge, "the body is %d bytes; this server takes at most %d (--max-upload-bytes)", r.ContentLength, limit)
	}
	f, err := os.CreateTemp("", "blurline-upload-*.json")
	if err != nil {
		return nil, blurline.Errorf(blurline.ErrInternal, "spool the upload: %v", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.CopyBuffer(f, &uploadProgress{r: io.LimitReader(r.Body, limit+1), s: s, path: r.URL.Path, total: r.ContentLength, last: time.Now()}, make([]byte, 256<<10))
	switch {
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, blurline.Errorf(blurline.ErrInternal, "spool the upload: %v", err)
		}
		return nil, blurline.Errorf(blurline.ErrBadRequest, "reading the body: %v", err)
	case n > limit:
		return nil, blurline.Errorf(blurline.ErrPayloadTooLarge, "the body is more than %d bytes, this server's limit (--max-upload-bytes)", limit)
	}
	s.lg.Info("upload received", "path", r.URL.Path, "bytes", n)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, blurline.Errorf(blurline.ErrInternal, "read the spooled upload: %v", err)
	}
	if err := checkJSON(bufio.NewReaderSize(f, 64<<10)); err != nil {
		return nil, err
	}
	data := make([]byte, n)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, blurline.Errorf(blurline.ErrInternal, "read the spooled upload: %v", err)
	}
	return data, nil
}

// uploadProgress is a body being received: it logs the bytes so far
// every two seconds.
type uploadProgress struct {
	r     io.Reader
	s     *Server
	path  string
	total int64
	n     int64
	last  time.Time
}

func (u *uploadProgress) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.n += int64(n)
	if time.Since(u.last) > 2*time.Second {
		u.last = time.Now()
		u.s.lg.Info("upload receiving", "path", u.path, "bytes", u.n, "of", u.total)
	}
	return n, err
}

// checkJSON reads r as a stream of tokens and reports whether it holds
// exactly one well-formed JSON value, without holding more of it than the
// token being read.
func checkJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	bad := func(why string) error {
		return blurline.Errorf(blurline.ErrInvalid, "the body is not one well-formed JSON value (near byte %d): %s: nothing was written", dec.InputOffset(), why)
	}
	depth, values := 0, 0
	for {
		t, err := dec.Token()
		switch {
		case err == io.EOF && values == 1 && depth == 0:
			return nil
		case err == io.EOF && values == 0:
			return bad("it is empty")
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return bad("it is cut short")
		case err != nil:
			return bad(err.Error())
		}
		if d, ok := t.(json.Delim); ok && (d == '}' || d == ']') {
			depth--
		} else if depth == 0 {
			if values++; values > 1 {
				return bad("a second value follows the first")
			}
		}
		if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
			depth++
		}
	}
}

// runImport runs one import at a time: an import holds its file and its
// plan in memory, so two at once would double the peak.
func (s *Server) runImport(ctx context.Context, f func(context.Context) (*interop.Report, error)) (*interop.Report, error) {
	select {
	case s.importSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.importSlot }()
	return f(ctx)
}

// importSTIX is runImport of interop.ImportSTIX.
func (s *Server) importSTIX(ctx context.Context, st interop.Store, data []byte, opt interop.ImportOptions) (*interop.Report, error) {
	return s.runImport(ctx, func(ctx context.Context) (*interop.Report, error) {
		return interop.ImportSTIX(ctx, st, data, opt)
	})
}
