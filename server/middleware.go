package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// reqInfo is what the handlers tell the middleware about a request.
type reqInfo struct {
	id     string
	route  string
	opType string
	opName string
	errors int
	cache  string // "hit" or "miss" for a query that looked in the response cache
	// principal is the name of the principal the request acts for.
	principal string
	started   time.Time
}

type infoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(infoKey{}).(*reqInfo)
	return ri
}

// requestID returns the request id of ctx ("" outside a request).
func requestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps every route: request id, deadline, panic recovery,
// security headers, CORS, metrics and the access log.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := &reqInfo{id: incomingID(r.Header.Get("X-Request-Id")), route: "other", started: time.Now()}
		if ri.id == "" {
			ri.id = newID()
		}
		timeout := s.cfg.RequestTimeout
		if isUpload(r) {
			timeout = s.cfg.UploadTimeout
		}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), infoKey{}, ri), timeout)
		defer cancel()
		r = r.WithContext(ctx)

		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", ri.id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")

		s.metrics.inFlight.Inc()
		defer func() {
			v := recover()
			if v != nil && v != http.ErrAbortHandler {
				s.lg.Error("panic serving request", "request_id", ri.id, "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.refuse(sw, r, mediaJSON, fmt.Errorf("panic: %v", v))
				}
			}
			s.metrics.inFlight.Dec()
			s.logAndCount(r, ri, sw)
			if v == http.ErrAbortHandler {
				panic(v) // net/http's way to abort a response: let it through
			}
		}()

		if s.cors(sw, r) {
			return // a preflight request, answered
		}
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) logAndCount(r *http.Request, ri *reqInfo, sw *statusWriter) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	d := time.Since(ri.started)
	s.metrics.requests.WithLabelValues(ri.route, r.Method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(ri.route).Observe(d.Seconds())
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case ri.route == "/healthz" || ri.route == "/readyz" || ri.route == "/metrics" || ri.route == "/assets/{path...}":
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("request_id", ri.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", ri.route),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("remote", r.RemoteAddr),
	}
	if ri.opType != "" {
		attrs = append(attrs, slog.String("op_type", ri.opType), slog.String("op_name", ri.opName), slog.Int("gql_errors", ri.errors))
	}
	if ri.principal != "" {
		attrs = append(attrs, slog.String("principal", ri.principal))
	}
	if ri.cache != "" {
		attrs = append(attrs, slog.String("cache", ri.cache))
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, slog.String("user_agent", ua))
	}
	s.lg.LogAttrs(r.Context(), level, "http request", attrs...)
}

// incomingID returns a client's X-Request-Id if it is short and plain, else "".
func incomingID(id string) string {
	if id == "" || len(id) > 128 {
		return ""
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:/+=", c)
		if !ok {
			return ""
		}
	}
	return id
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// cors sets the CORS headers for an allowed origin and answers preflight
// requests. It reports whether it answered the request.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	if len(s.cfg.CORSOrigins) == 0 {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := slices.Contains(s.cfg.CORSOrigins, "*") || slices.Contains(s.cfg.CORSOrigins, origin)
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if !allowed {
		if preflight {
			s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrForbidden, "origin not allowed"))
			return true
		}
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "X-Request-Id")
	if preflight {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, X-Request-Id")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}
