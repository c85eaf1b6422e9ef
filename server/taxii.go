package server

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// A TAXII 2.1 server (OASIS TAXII Version 2.1, Committee Specification 01)
// on Blurline's HTTP server, over the store's STIX 2.1 export:
//
//	GET  /taxii2/                                        discovery (4.1)
//	GET  /taxii2/blurline/                               API root (4.2)
//	GET  /taxii2/blurline/status/{id}/                   status of a POST (4.3)
//	GET  /taxii2/blurline/collections/                   collections (5.1)
//	GET  /taxii2/blurline/collections/{id}/              one collection (5.2)
//	GET  /taxii2/blurline/collections/{id}/manifest/     manifest (5.3)
//	GET  /taxii2/blurline/collections/{id}/objects/      objects (5.4)
//	POST /taxii2/blurline/collections/{id}/objects/      add objects: an import (5.5)
//	GET  /taxii2/blurline/collections/{id}/objects/{o}/  one object (5.6)
//	GET  /taxii2/blurline/collections/{id}/objects/{o}/versions/  its versions (5.8)
//
// Reading needs what a GraphQL query needs (the read scope, which the
// anonymous principal holds while reads are open); adding objects needs
// the import scope (auth.go). docs/interop.md describes it.

const (
	taxiiMedia    = "application/taxii+json;version=2.1"
	stixMedia     = "application/stix+json;version=2.1"
	taxiiRoot     = "/taxii2/blurline/"
	taxiiMaxLimit = 1000 // objects per page, at most and by default
)

// taxii is the TAXII part of a Server.
type taxii struct {
	s     *Server
	store interop.Store
	feed  taxiiFeedCache

	mu       sync.Mutex
	statuses map[string]*taxiiStatus // by id, the newest taxiiKeepStatuses
	order    []string
}

const taxiiKeepStatuses = 1000

func (s *Server) taxiiRoutes(handle func(string, http.HandlerFunc)) {
	st, ok := s.store.(interop.Store)
	if !ok {
		return
	}
	t := &taxii{s: s, store: st, statuses: map[string]*taxiiStatus{}}
	s.taxii = t
	handle("GET /taxii2/{$}", t.wrap(t.discovery))
	handle("GET "+taxiiRoot+"{$}", t.wrap(t.apiRoot))
	handle("GET "+taxiiRoot+"status/{status}/{$}", t.wrap(t.status))
	handle("GET "+taxiiRoot+"collections/{$}", t.wrap(t.collections))
	handle("GET "+taxiiRoot+"collections/{coll}/{$}", t.wrap(t.collection))
	handle("GET "+taxiiRoot+"collections/{coll}/manifest/{$}", t.wrap(t.manifest))
	handle("GET "+taxiiRoot+"collections/{coll}/objects/{$}", t.wrap(t.objects))
	handle("POST "+taxiiRoot+"collections/{coll}/objects/{$}", t.wrap(t.addObjects))
	handle("GET "+taxiiRoot+"collections/{coll}/objects/{obj}/{$}", t.wrap(t.object))
	handle("GET "+taxiiRoot+"collections/{coll}/objects/{obj}/versions/{$}", t.wrap(t.versions))
	handle("/taxii2/", func(w http.ResponseWriter, r *http.Request) {
		taxiiError(w, http.StatusNotFound, "Not found", "no TAXII resource at "+r.URL.Path+" (discovery is at /taxii2/, the API root at "+taxiiRoot+")")
	})
	// Other methods on TAXII resources: 405 with Allow.
	for path, allow := range map[string]string{
		"/taxii2/{$}": "GET", taxiiRoot + "{$}": "GET", taxiiRoot + "status/{status}/{$}": "GET",
		taxiiRoot + "collections/{$}": "GET", taxiiRoot + "collections/{coll}/{$}": "GET",
		taxiiRoot + "collections/{coll}/manifest/{$}": "GET", taxiiRoot + "collections/{coll}/objects/{$}": "GET, POST",
		taxiiRoot + "collections/{coll}/objects/{obj}/{$}": "GET", taxiiRoot + "collections/{coll}/objects/{obj}/versions/{$}": "GET",
	} {
		handle(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			taxiiError(w, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not supported here; allowed: "+allow)
		})
	}
}

// taxiiErr is an error with its TAXII error message (section 3.6.1).
type taxiiErr struct {
	status             int
	title, description string
}

func (e *taxiiErr) Error() string { return e.title + ": " + e.description }

func terr(status int, title, format string, args ...any) *taxiiErr {
	return &taxiiErr{status, title, fmt.Sprintf(format, args...)}
}

// taxiiError writes a TAXII error message.
func taxiiError(w http.ResponseWriter, status int, title, description string) {
	writeTAXII(w, status, map[string]any{"title": title, "description": description, "http_status": strconv.Itoa(status)})
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"title":"Internal error","http_status":"500"}`)
	}
	w.Header().Set("Content-Type", taxiiMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// wrap checks the Accept header (section 1.6.8.1: a request must accept
// application/taxii+json;version=2.1, else 406) and turns errors into
// TAXII error messages.
func (t *taxii) wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !acceptsTAXII(r.Header.Values("Accept")) {
			taxiiError(w, http.StatusNotAcceptable, "Not acceptable", "this TAXII server answers in "+taxiiMedia+": send it in Accept")
			return
		}
		p, err := t.s.authenticate(r)
		if err == nil {
			r = t.s.identified(r, p)
			// Reading needs read; adding objects needs import alone
			// (addObjects checks it), so a feed may hold only that.
			if r.Method != http.MethodPost {
				err = t.s.allow(p, blurline.ScopeRead, "TAXII requests")
			}
		}
		if err == nil {
			err = h(w, r)
		}
		if err == nil {
			return
		}
		var te *taxiiErr
		if errors.As(err, &te) {
			taxiiError(w, te.status, te.title, te.description)
			return
		}
		// Other errors take the status of their kind, as everywhere
		// (errors.go), in TAXII's error message.
		kind, e := kindOf(err)
		if kind == blurline.ErrUnauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="blurline"`)
		}
		if kind == blurline.ErrInternal {
			t.s.lg.Error("taxii", "path", r.URL.Path, "err", err)
			taxiiError(w, http.StatusInternalServerError, "Internal error", "the request failed; the server log has the details")
			return
		}
		msg := kind.Error()
		if e != nil && e.Message != "" {
			msg = e.Message
		}
		taxiiError(w, wire(kind).status, kind.Error(), msg)
	}
}

// acceptsTAXII reports whether an Accept header admits TAXII 2.1 JSON.
// No Accept header admits anything.
func acceptsTAXII(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok && (q == "0" || q == "0.0" || q == "0.00" || q == "0.000") {
				continue
			}
			switch mt {
			case "*/*", "application/*":
				return true
			case "application/taxii+json":
				if v, ok := params["version"]; !ok || v == "2.1" {
					return true
				}
			}
		}
	}
	return false
}

func (t *taxii) discovery(w http.ResponseWriter, r *http.Request) error {
	writeTAXII(w, http.StatusOK, map[string]any{
		"title":       "Blurline",
		"description": "Blurline's knowledge graph of state and criminal cyber actors, as STIX 2.1.",
		"default":     taxiiRoot,
		"api_roots":   []string{taxiiRoot},
	})
	return nil
}

func (t *taxii) apiRoot(w http.ResponseWriter, r *http.Request) error {
	writeTAXII(w, http.StatusOK, map[string]any{
		"title":              "Blurline",
		"description":        "The store: one collection for all of it, one per import.",
		"versions":           []string{taxiiMedia},
		"max_content_length": t.s.cfg.MaxUploadBytes,
	})
	return nil
}

// feedFor returns the feed at the store's current version.
func (t *taxii) feedFor(r *http.Request) (*taxiiFeed, error) {
	pool := t.s.pool(r)
	if !t.s.acquire(r, pool) {
		return nil, terr(http.StatusServiceUnavailable, "Busy", "the server is at its limit of concurrent requests: retry later")
	}
	defer func() { <-pool }()
	ctx, version, err := t.s.api.Sync(r.Context())
	if err != nil {
		return nil, err
	}
	return t.feed.get(ctx, t.store, version)
}

func (t *taxii) coll(r *http.Request) (*taxiiFeed, *taxiiCollection, error) {
	f, err := t.feedFor(r)
	if err != nil {
		return nil, nil, err
	}
	c := f.byID[r.PathValue("coll")]
	if c == nil {
		return nil, nil, terr(http.StatusNotFound, "Collection not found", "no collection %q on this API root", r.PathValue("coll"))
	}
	return f, c, nil
}

// collectionInfo describes c to p: can_write says whether p may add to it.
func (t *taxii) collectionInfo(c *taxiiCollection, p *blurline.Principal) map[string]any {
	return map[string]any{
		"id": c.id, "title": c.title, "description": c.description,
		"can_read": p.Can(blurline.ScopeRead), "can_write": c.importID == "" && p.Can(blurline.ScopeImport),
		"media_types": []string{stixMedia},
	}
}

func (t *taxii) collections(w http.ResponseWriter, r *http.Request) error {
	f, err := t.feedFor(r)
	if err != nil {
		return err
	}
	list := make([]map[string]any, len(f.collections))
	for i, c := range f.collections {
		list[i] = t.collectionInfo(c, blurline.PrincipalFromContext(r.Context()))
	}
	writeTAXII(w, http.StatusOK, map[string]any{"collections": list})
	return nil
}

func (t *taxii) collection(w http.ResponseWriter, r *http.Request) error {
	_, c, err := t.coll(r)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, t.collectionInfo(c, blurline.PrincipalFromContext(r.Context())))
	return nil
}

// ---- filtering and paging (section 3.4 and 3.5)

type taxiiQuery struct {
	addedAfter  time.Time
	limit       int
	after       *pageKey // from next
	ids, types  map[string]bool
	versions    []string // first, last, all, or timestamps
	specVersion map[string]bool
}

// pageKey is where a page ends: the next page starts after it. As a next
// token it is opaque to clients (base64 of date_added and id).
type pageKey struct {
	added time.Time
	id    string
}

func (k pageKey) token() string {
	return base64.RawURLEncoding.EncodeToString([]byte(k.added.Format(time.RFC3339Nano) + " " + k.id))
}

func parsePageKey(s string) (*pageKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	ts, id, ok := strings.Cut(string(b), " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" {
		return nil, false
	}
	return &pageKey{t, id}, true
}

func (k *pageKey) before(o *taxiiObject) bool {
	if c := k.added.Compare(o.dateAdded); c != 0 {
		return c < 0
	}
	return k.id < o.id
}

// parseQuery reads the URL parameters that endpoint allows.
func parseQuery(r *http.Request, allowed ...string) (*taxiiQuery, error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, terr(http.StatusBadRequest, "Bad query", "malformed query string: %v", err)
	}
	q := &taxiiQuery{limit: taxiiMaxLimit}
	for k, vs := range vals {
		if !contains(allowed, k) {
			return nil, terr(http.StatusBadRequest, "Bad query", "unknown parameter %q here (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		v := strings.Join(vs, ",")
		switch k {
		case "added_after":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, terr(http.StatusBadRequest, "Bad query", "added_after must be a timestamp such as 2021-07-19T00:00:00.000Z, got %q", v)
			}
			q.addedAfter = t
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, terr(http.StatusBadRequest, "Bad query", "limit must be a positive integer, got %q", v)
			}
			q.limit = min(n, taxiiMaxLimit)
		case "next":
			k, ok := parsePageKey(v)
			if !ok {
				return nil, terr(http.StatusBadRequest, "Bad query", "next %q is not a token this server gave", v)
			}
			q.after = k
		case "match[id]":
			q.ids = set(v)
		case "match[type]":
			q.types = set(v)
		case "match[spec_version]":
			q.specVersion = set(v)
		case "match[version]":
			for _, x := range strings.Split(v, ",") {
				x = strings.TrimSpace(x)
				if x != "first" && x != "last" && x != "all" {
					if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
						return nil, terr(http.StatusBadRequest, "Bad query", "match[version] must be first, last, all or a timestamp, got %q", x)
					}
				}
				q.versions = append(q.versions, x)
			}
		}
	}
	return q, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func set(v string) map[string]bool {
	m := map[string]bool{}
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			m[x] = true
		}
	}
	return m
}

// match reports whether an object passes the filters (not the paging).
// Each object has one version in Blurline's feed: first, last and all
// select it, a timestamp selects it when it is that version.
func (q *taxiiQuery) match(o *taxiiObject) bool {
	if !q.addedAfter.IsZero() && !o.dateAdded.After(q.addedAfter) {
		return false
	}
	if q.ids != nil && !q.ids[o.id] || q.types != nil && !q.types[o.typ] {
		return false
	}
	if q.specVersion != nil && !q.specVersion[o.specVersion] {
		return false
	}
	if len(q.versions) > 0 {
		ok := false
		for _, v := range q.versions {
			switch v {
			case "first", "last", "all":
				ok = true
			default:
				if t, _ := time.Parse(time.RFC3339Nano, v); t.Equal(o.versionT) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// page selects a page of a collection's objects.
func (q *taxiiQuery) page(objs []*taxiiObject) (page []*taxiiObject, more bool) {
	for _, o := range objs {
		if q.after != nil && !q.after.before(o) || !q.match(o) {
			continue
		}
		if len(page) == q.limit {
			return page, true
		}
		page = append(page, o)
	}
	return page, false
}

const taxiiTime = "2006-01-02T15:04:05.000000Z"

// pageHeaders sets X-TAXII-Date-Added-First and -Last (section 3.4.2).
func pageHeaders(w http.ResponseWriter, page []*taxiiObject) {
	if len(page) == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", page[0].dateAdded.Format(taxiiTime))
	w.Header().Set("X-TAXII-Date-Added-Last", page[len(page)-1].dateAdded.Format(taxiiTime))
}

// writeEnvelope writes an envelope (section 3.7) of page.
func writeEnvelope(w http.ResponseWriter, page []*taxiiObject, more bool) {
	var b bytes.Buffer
	b.WriteString(`{"more":`)
	b.WriteString(strconv.FormatBool(more))
	if more {
		next, _ := json.Marshal(nextToken(page))
		b.WriteString(`,"next":`)
		b.Write(next)
	}
	if len(page) > 0 {
		b.WriteString(`,"objects":[`)
		for i, o := range page {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(o.raw)
		}
		b.WriteByte(']')
	}
	b.WriteString("}")
	pageHeaders(w, page)
	w.Header().Set("Content-Type", taxiiMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// queryPage reads the query parameters allowed of r, then the objects
// list finds for r, and returns the page of them the query asks for.
func (t *taxii) queryPage(r *http.Request, list func(*http.Request) ([]*taxiiObject, error), allowed ...string) (page []*taxiiObject, more bool, err error) {
	q, err := parseQuery(r, allowed...)
	if err != nil {
		return nil, false, err
	}
	objs, err := list(r)
	if err != nil {
		return nil, false, err
	}
	page, more = q.page(objs)
	return page, more, nil
}

// collObjects returns the objects of collection {coll}, or a 404.
func (t *taxii) collObjects(r *http.Request) ([]*taxiiObject, error) {
	_, c, err := t.coll(r)
	if err != nil {
		return nil, err
	}
	return c.objects, nil
}

// nextToken is the next of a page that has more after it.
func nextToken(page []*taxiiObject) string {
	return pageKey{page[len(page)-1].dateAdded, page[len(page)-1].id}.token()
}

func (t *taxii) objects(w http.ResponseWriter, r *http.Request) error {
	page, more, err := t.queryPage(r, t.collObjects, "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	writeEnvelope(w, page, more)
	return nil
}

func (t *taxii) manifest(w http.ResponseWriter, r *http.Request) error {
	page, more, err := t.queryPage(r, t.collObjects, "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	writeList(w, page, more, "objects", func(o *taxiiObject) map[string]any {
		return map[string]any{"id": o.id, "date_added": o.dateAdded.Format(taxiiTime), "version": o.version, "media_type": stixMedia}
	})
	return nil
}

// writeList writes a manifest (section 5.3) or a versions resource
// (section 5.8) of page: more, next, and under key an item for each object.
func writeList[T any](w http.ResponseWriter, page []*taxiiObject, more bool, key string, item func(*taxiiObject) T) {
	out := map[string]any{"more": more}
	if more {
		out["next"] = nextToken(page)
	}
	if len(page) > 0 {
		items := make([]T, len(page))
		for i, o := range page {
			items[i] = item(o)
		}
		out[key] = items
	}
	pageHeaders(w, page)
	writeTAXII(w, http.StatusOK, out)
}

// oneObject returns the versions of object {obj} in the collection (one in
// Blurline's feed), or a 404.
func (t *taxii) oneObject(r *http.Request) ([]*taxiiObject, error) {
	_, c, err := t.coll(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("obj")
	for _, o := range c.objects {
		if o.id == id {
			return []*taxiiObject{o}, nil
		}
	}
	return nil, terr(http.StatusNotFound, "Object not found", "no object %q in collection %s", id, c.id)
}

func (t *taxii) object(w http.ResponseWriter, r *http.Request) error {
	page, more, err := t.queryPage(r, t.oneObject, "added_after", "limit", "next", "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	writeEnvelope(w, page, more)
	return nil
}

func (t *taxii) versions(w http.ResponseWriter, r *http.Request) error {
	page, more, err := t.queryPage(r, t.oneObject, "added_after", "limit", "next", "match[spec_version]")
	if err != nil {
		return err
	}
	writeList(w, page, more, "versions", func(o *taxiiObject) string { return o.version })
	return nil
}

// ---- adding objects (section 5.5) and their status (section 4.3)

type taxiiStatus struct {
	ID               string           `json:"id"`
	Status           string           `json:"status"`
	RequestTimestamp string           `json:"request_timestamp"`
	TotalCount       int              `json:"total_count"`
	SuccessCount     int              `json:"success_count"`
	Successes        []map[string]any `json:"successes,omitempty"`
	FailureCount     int              `json:"failure_count"`
	Failures         []map[string]any `json:"failures,omitempty"`
	PendingCount     int              `json:"pending_count"`
	// ImportID is Blurline's import (retract it with retract-import).
	ImportID string `json:"x_blurline_import_id,omitempty"`
}

// addObjects imports an envelope into the store as one import, all or
// nothing, and answers 202 with the finished status resource.
func (t *taxii) addObjects(w http.ResponseWriter, r *http.Request) error {
	if err := t.s.allow(blurline.PrincipalFromContext(r.Context()), blurline.ScopeImport, "adding TAXII objects"); err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/taxii+json" || params["version"] != "" && params["version"] != "2.1" {
		return terr(http.StatusUnsupportedMediaType, "Unsupported media type", "send an envelope as %s", taxiiMedia)
	}
	_, c, err := t.coll(r)
	if err != nil {
		return err
	}
	if c.importID != "" {
		return terr(http.StatusForbidden, "Collection not writable", "collection %s is one import's: add objects to the store's collection %s", c.id, allCollectionID)
	}
	started := time.Now().UTC()
	data, err := t.s.readUpload(w, r)
	if err != nil {
		return err
	}
	st := &taxiiStatus{ID: newStatusID(), RequestTimestamp: started.Format(taxiiTime), Status: "complete"}
	var env struct {
		Objects []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return terr(http.StatusBadRequest, "Bad envelope", "the body is not a TAXII envelope: %v", err)
	}
	st.TotalCount = len(env.Objects)
	ctx := blurline.WithAction(r.Context(), "TAXII POST", "collection "+c.id)
	rep, err := t.s.importSTIX(ctx, t.store, data, interop.ImportOptions{Name: "envelope", Marking: blurline.DefaultMarkingFromContext(ctx)})
	var fe *interop.FileError
	switch {
	case errors.As(err, &fe) || errors.Is(err, blurline.ErrInvalid):
		st.FailureCount = st.TotalCount
		for _, o := range env.Objects {
			st.Failures = append(st.Failures, map[string]any{"id": o.ID, "version": o.Modified, "message": "the envelope was refused as a whole: " + err.Error()})
		}
		if len(env.Objects) == 0 {
			st.Failures = []map[string]any{{"message": err.Error()}}
		}
	case err != nil:
		return err
	default:
		st.SuccessCount = st.TotalCount
		st.ImportID = rep.ImportID
		for _, o := range env.Objects {
			st.Successes = append(st.Successes, map[string]any{"id": o.ID, "version": o.Modified})
		}
	}
	t.keep(st)
	writeTAXII(w, http.StatusAccepted, st)
	return nil
}

func newStatusID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func (t *taxii) keep(st *taxiiStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.statuses[st.ID] = st
	t.order = append(t.order, st.ID)
	if len(t.order) > taxiiKeepStatuses {
		delete(t.statuses, t.order[0])
		t.order = t.order[1:]
	}
}

func (t *taxii) status(w http.ResponseWriter, r *http.Request) error {
	t.mu.Lock()
	st := t.statuses[r.PathValue("status")]
	t.mu.Unlock()
	if st == nil {
		return terr(http.StatusNotFound, "Status not found", "no status %q (this server keeps the last %d, until it restarts)", r.PathValue("status"), taxiiKeepStatuses)
	}
	writeTAXII(w, http.StatusOK, st)
	return nil
}
