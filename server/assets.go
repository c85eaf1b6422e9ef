package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/blurline/blurline"
)

// The front-end: our pages and scripts, and the libraries of
// assets/vendor fetched from npm by assets/fetch.sh (versions and
// checksums in assets/VERSIONS, checked by TestVendorChecksums).
//
//go:embed assets/vendor assets/*.html assets/*.tmpl assets/*.js assets/*.css assets/VERSIONS assets/examples
var assetFS embed.FS

// asset is one file ready to serve.
type asset struct {
	name  string // path under assets/
	data  []byte
	gz    []byte // nil when gzip does not pay
	etag  string // quoted sha256 prefix
	hash  string // sha256 prefix, for immutable URLs
	ctype string
}

// assets holds every embedded file, hashed and compressed once per process.
var assets = sync.OnceValue(func() map[string]*asset {
	m := map[string]*asset{}
	fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		m[name] = newAsset(name, data)
		return nil
	})
	return m
})

func newAsset(name string, data []byte) *asset {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])[:16]
	a := &asset{name: name, data: data, hash: h, etag: `"` + h + `"`, ctype: contentType(name)}
	if len(data) > 1024 && !strings.HasPrefix(a.ctype, "image/") {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		if b.Len() < len(data)*9/10 {
			a.gz = b.Bytes()
		}
	}
	return a
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "text/plain; charset=utf-8"
}

// assetURL is the immutable URL of an asset: /assets/<hash>/<name>.
func assetURL(name string) (string, error) {
	a, ok := assets()[name]
	if !ok {
		return "", fs.ErrNotExist
	}
	return "/assets/" + a.hash + "/" + name, nil
}

// pages are the HTML pages, rendered once with the immutable URLs of the
// assets they load.
var pages = sync.OnceValue(func() map[string]*asset {
	m := map[string]*asset{}
	for name, a := range assets() {
		if path.Ext(name) != ".html" || strings.HasPrefix(name, "vendor/") {
			continue
		}
		t, err := template.New(name).Funcs(template.FuncMap{"asset": assetURL, "examples": examples}).Parse(string(a.data))
		if err == nil {
			// The pages' shared parts (the navigation bar).
			_, err = t.ParseFS(assetFS, "assets/*.tmpl")
		}
		if err != nil {
			panic("server: bad page template " + name + ": " + err.Error())
		}
		var b bytes.Buffer
		if err := t.Execute(&b, nil); err != nil {
			panic("server: page " + name + ": " + err.Error())
		}
		m[name] = newAsset(name, b.Bytes())
	}
	return m
})

// examples are the playground's opening tabs: assets/examples/*.graphql,
// in name order.
func examples() []map[string]string {
	var tabs []map[string]string
	names, _ := fs.Glob(assetFS, "assets/examples/*.graphql")
	for _, n := range names { // fs.Glob sorts
		b, _ := assetFS.ReadFile(n)
		tabs = append(tabs, map[string]string{"query": string(b)})
	}
	return tabs
}

// contentSecurityPolicy keeps the pages to this origin: scripts, styles,
// fonts and fetches all come from the server itself. (GraphiQL's editors
// set inline styles; images may be data: URIs.)
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// page serves an HTML page.
func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := pages()[name]
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		serveBytes(w, r, a)
	}
}

// serveAsset serves /assets/<name> (revalidated by ETag) and
// /assets/<hash>/<name> (immutable, cached for a year).
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	immutable := false
	if h, rest, ok := strings.Cut(p, "/"); ok && len(h) == 16 && isHex(h) {
		a, found := assets()[rest]
		if !found || a.hash != h {
			// An old hash: the page that asked for it is stale.
			s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrNotFound, "no such asset version: reload the page"))
			return
		}
		p, immutable = rest, true
	}
	a, ok := assets()[p]
	if !ok || path.Ext(p) == ".html" || path.Ext(p) == ".tmpl" {
		s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrNotFound, "no such asset"))
		return
	}
	if immutable {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	serveBytes(w, r, a)
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// serveBytes writes an asset with its ETag, gzipped when the client takes it.
func serveBytes(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.data
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = a.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
				return false
			}
		}
		return true
	}
	return false
}
