package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/blurline/blurline/interop"
	"github.com/blurline/blurline/server"
)

// TAXII 2.1 (OASIS Committee Specification 01): one test per endpoint's
// required behaviour, section by section.

const (
	taxiiAccept = "application/taxii+json;version=2.1"
	taxiiRoot   = "/taxii2/blurline/"
	testToken   = "taxii-test-token-0123456789"
)

func taxiiGet(tb testing.TB, ts *testServer, path string) *response {
	tb.Helper()
	return do(tb, "GET", ts.URL+path, map[string]string{"Accept": taxiiAccept}, "")
}

func wantTAXII(tb testing.TB, r *response, status int) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != taxiiAccept {
		tb.Errorf("Content-Type %q, want %q", ct, taxiiAccept)
	}
}

// wantTAXIIError: section 3.6.1, an error message with title and http_status.
func wantTAXIIError(tb testing.TB, r *response, status int) {
	tb.Helper()
	wantTAXII(tb, r, status)
	if r.JSON["title"] == nil || r.JSON["http_status"] != fmt.Sprint(status) {
		tb.Errorf("not a TAXII error message: %s", r.Body)
	}
}

// storeCollection is the id of the whole store's collection.
func storeCollection(tb testing.TB, ts *testServer) string {
	tb.Helper()
	r := taxiiGet(tb, ts, taxiiRoot+"collections/")
	wantTAXII(tb, r, 200)
	list, _ := r.JSON["collections"].([]any)
	if len(list) == 0 {
		tb.Fatalf("no collections: %s", r.Body)
	}
	return list[0].(map[string]any)["id"].(string)
}

// Section 1.6.8.1 (content negotiation) and 4.1 (discovery).
func TestTAXIIDiscovery(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	r := taxiiGet(t, ts, "/taxii2/")
	wantTAXII(t, r, 200)
	if r.JSON["title"] == nil || r.JSON["default"] != taxiiRoot || fmt.Sprint(r.JSON["api_roots"]) != "["+taxiiRoot+"]" {
		t.Errorf("discovery: %s", r.Body)
	}
	for _, accept := range []string{"application/taxii+json", "application/taxii+json;version=2.1, text/html;q=0.5", "*/*"} {
		if r := do(t, "GET", ts.URL+"/taxii2/", map[string]string{"Accept": accept}, ""); r.Status != 200 {
			t.Errorf("Accept %q: %d", accept, r.Status)
		}
	}
	for _, accept := range []string{"text/html", "application/taxii+json;version=2.0", "application/json"} {
		wantTAXIIError(t, do(t, "GET", ts.URL+"/taxii2/", map[string]string{"Accept": accept}, ""), 406)
	}
	r = do(t, "DELETE", ts.URL+"/taxii2/", map[string]string{"Accept": taxiiAccept}, "")
	wantTAXIIError(t, r, 405)
	if r.Header.Get("Allow") != "GET" {
		t.Errorf("405 without Allow: GET: %v", r.Header)
	}
}

// Section 4.2: API root information.
func TestTAXIIAPIRoot(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{MaxUploadBytes: 12345})
	r := taxiiGet(t, ts, taxiiRoot)
	wantTAXII(t, r, 200)
	if fmt.Sprint(r.JSON["versions"]) != "["+taxiiAccept+"]" || r.JSON["max_content_length"] != float64(12345) || r.JSON["title"] == nil {
		t.Errorf("API root: %s", r.Body)
	}
	wantTAXIIError(t, taxiiGet(t, ts, "/taxii2/other/"), 404)
}

// Sections 5.1 and 5.2: collections, and one collection.
func TestTAXIICollections(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{Token: testToken})
	id := storeCollection(t, ts)
	r := taxiiGet(t, ts, taxiiRoot+"collections/"+id+"/")
	wantTAXII(t, r, 200)
	// can_write is the asker's: false without a token (TestTAXIIAndUploadScopes
	// has the principals that may write).
	if r.JSON["id"] != id || r.JSON["can_read"] != true || r.JSON["can_write"] != false || r.JSON["title"] == nil ||
		fmt.Sprint(r.JSON["media_types"]) != "[application/stix+json;version=2.1]" {
		t.Errorf("collection: %s", r.Body)
	}
	wantTAXIIError(t, taxiiGet(t, ts, taxiiRoot+"collections/no-such/"), 404)

	// Without a token nothing can be written.
	ro := startServer(t, server.Config{})
	if r := taxiiGet(t, ro, taxiiRoot+"collections/"+storeCollection(t, ro)+"/"); r.JSON["can_write"] != false {
		t.Errorf("read-only server: can_write %v", r.JSON["can_write"])
	}
}

// taxiiPage is one page of objects, manifest records or versions.
type taxiiPage struct {
	items []map[string]any
	more  bool
	next  string
	first string // X-TAXII-Date-Added-First
	last  string
}

func getPage(tb testing.TB, ts *testServer, path, key string, params url.Values) taxiiPage {
	tb.Helper()
	u := path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	r := taxiiGet(tb, ts, u)
	wantTAXII(tb, r, 200)
	p := taxiiPage{more: r.JSON["more"] == true, first: r.Header.Get("X-TAXII-Date-Added-First"), last: r.Header.Get("X-TAXII-Date-Added-Last")}
	p.next, _ = r.JSON["next"].(string)
	list, _ := r.JSON[key].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		if m == nil {
			m = map[string]any{"value": x}
		}
		p.items = append(p.items, m)
	}
	if p.more && p.next == "" {
		tb.Errorf("more without next: %s", r.Body)
	}
	if len(p.items) > 0 && (p.first == "" || p.last == "") {
		tb.Errorf("no X-TAXII-Date-Added-First/Last headers: %v", r.Header)
	}
	return p
}

// allPages follows next to the end.
func allPages(tb testing.TB, ts *testServer, path, key string, params url.Values) (items []map[string]any, pages int) {
	tb.Helper()
	for {
		p := getPage(tb, ts, path, key, params)
		items = append(items, p.items...)
		pages++
		if !p.more {
			return items, pages
		}
		params = cloneValues(params)
		params.Set("next", p.next)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Sections 5.4 (objects), 3.4 (pagination) and 3.5 (filtering).
func TestTAXIIObjects(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	b, err := interop.ExportSTIX(context.Background(), ts.Store, interop.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	path := taxiiRoot + "collections/" + storeCollection(t, ts) + "/objects/"
	objs, pages := allPages(t, ts, path, "objects", url.Values{"limit": {"100"}})
	if len(objs) != len(b.Objects) || pages != (len(b.Objects)+99)/100 {
		t.Fatalf("%d objects in %d pages, want the %d of the export in pages of 100", len(objs), pages, len(b.Objects))
	}
	seen := map[string]bool{}
	for _, o := range objs {
		id := o["id"].(string)
		if seen[id] {
			t.Fatalf("%s served twice", id)
		}
		seen[id] = true
	}
	for _, o := range b.Objects {
		if !seen[o["id"].(string)] {
			t.Errorf("%s is not served", o["id"])
		}
	}
	// match[type], match[id], match[spec_version], match[version].
	sets, _ := allPages(t, ts, path, "objects", url.Values{"match[type]": {"intrusion-set,campaign"}})
	for _, o := range sets {
		if o["type"] != "intrusion-set" && o["type"] != "campaign" {
			t.Errorf("match[type] let %s through", o["id"])
		}
	}
	if len(sets) == 0 {
		t.Errorf("match[type]=intrusion-set,campaign: nothing")
	}
	one := sets[0]
	id, version := one["id"].(string), one["modified"].(string)
	for _, c := range []struct {
		params url.Values
		n      int
	}{
		{url.Values{"match[id]": {id}}, 1},
		{url.Values{"match[id]": {id}, "match[version]": {"last"}}, 1},
		{url.Values{"match[id]": {id}, "match[version]": {"first"}}, 1},
		{url.Values{"match[id]": {id}, "match[version]": {"all"}}, 1},
		{url.Values{"match[id]": {id}, "match[version]": {version}}, 1},
		{url.Values{"match[id]": {id}, "match[version]": {"2000-01-01T00:00:00.000Z"}}, 0},
		{url.Values{"match[id]": {id}, "match[spec_version]": {"2.1"}}, 1},
		{url.Values{"match[id]": {id}, "match[spec_version]": {"2.0"}}, 0},
		{url.Values{"match[id]": {id + ",no-such--x"}}, 1},
	} {
		if got, _ := allPages(t, ts, path, "objects", c.params); len(got) != c.n {
			t.Errorf("%v: %d objects, want %d", c.params, len(got), c.n)
		}
	}
	// added_after: only objects added later than the time.
	p := getPage(t, ts, path, "objects", url.Values{"limit": {"1"}})
	later, _ := allPages(t, ts, path, "objects", url.Values{"added_after": {p.last}})
	if len(later) >= len(objs) || len(later) == 0 {
		t.Errorf("added_after=%s: %d of %d objects", p.last, len(later), len(objs))
	}
	manifest, _ := allPages(t, ts, strings.TrimSuffix(path, "objects/")+"manifest/", "objects", url.Values{"added_after": {p.last}})
	for _, m := range manifest {
		if m["date_added"].(string) <= p.last {
			t.Errorf("added_after=%s served %v", p.last, m)
		}
	}
	// Bad parameters: 400 with a TAXII error.
	for _, q := range []string{"added_after=yesterday", "limit=0", "limit=x", "next=garbage", "match[version]=newest", "colour=red"} {
		wantTAXIIError(t, taxiiGet(t, ts, path+"?"+q), 400)
	}
	wantTAXIIError(t, taxiiGet(t, ts, taxiiRoot+"collections/no-such/objects/"), 404)
}

// Section 5.3: the manifest lists what objects lists, with date_added,
// version and media type.
func TestTAXIIManifest(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	base := taxiiRoot + "collections/" + storeCollection(t, ts) + "/"
	objs, _ := allPages(t, ts, base+"objects/", "objects", nil)
	recs, _ := allPages(t, ts, base+"manifest/", "objects", url.Values{"limit": {"250"}})
	if len(recs) != len(objs) {
		t.Fatalf("manifest has %d records, objects %d", len(recs), len(objs))
	}
	for i, m := range recs {
		o := objs[i]
		if m["id"] != o["id"] || m["media_type"] != "application/stix+json;version=2.1" || m["date_added"] == nil {
			t.Fatalf("manifest record %d = %v for object %v", i, m, o["id"])
		}
		want := o["modified"]
		if want == nil {
			want = o["created"]
		}
		if want != nil && m["version"] != want {
			t.Fatalf("manifest version %v, object modified %v", m["version"], want)
		}
	}
	sets, _ := allPages(t, ts, base+"manifest/", "objects", url.Values{"match[type]": {"intrusion-set"}})
	for _, m := range sets {
		if !strings.HasPrefix(m["id"].(string), "intrusion-set--") {
			t.Errorf("manifest match[type] let %v through", m["id"])
		}
	}
}

// Sections 5.6 (one object) and 5.8 (its versions).
func TestTAXIIObjectAndVersions(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	base := taxiiRoot + "collections/" + storeCollection(t, ts) + "/objects/"
	p := getPage(t, ts, base, "objects", url.Values{"limit": {"1"}, "match[type]": {"intrusion-set"}})
	id := p.items[0]["id"].(string)
	o := getPage(t, ts, base+id+"/", "objects", nil)
	if len(o.items) != 1 || o.items[0]["id"] != id {
		t.Fatalf("object %s: %v", id, o.items)
	}
	v := getPage(t, ts, base+id+"/versions/", "versions", nil)
	if len(v.items) != 1 || v.items[0]["value"] != p.items[0]["modified"] {
		t.Errorf("versions of %s: %v, want [%v]", id, v.items, p.items[0]["modified"])
	}
	if o := getPage(t, ts, base+id+"/", "objects", url.Values{"match[version]": {"2000-01-01T00:00:00Z"}}); len(o.items) != 0 {
		t.Errorf("match[version] of another time gave %v", o.items)
	}
	wantTAXIIError(t, taxiiGet(t, ts, base+"intrusion-set--00000000-0000-4000-8000-000000000000/"), 404)
	wantTAXIIError(t, taxiiGet(t, ts, base+"intrusion-set--00000000-0000-4000-8000-000000000000/versions/"), 404)
	wantTAXIIError(t, taxiiGet(t, ts, base+id+"/versions/?match[type]=tool"), 400)
}

// taxiiEnvelope's objects are marked TLP:WHITE (STIX 2.1's TLP 1.0
// definition), read as CLEAR: the anonymous reader sees them.
const taxiiEnvelope = `{"objects":[
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--11111111-2222-4333-8444-555555555555","created":"2024-01-01T00:00:00.000Z","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],"modified":"2024-01-02T00:00:00.000Z","name":"Posted Group"},
{"type":"relationship","spec_version":"2.1","id":"relationship--11111111-2222-4333-8444-555555555556","created":"2024-01-01T00:00:00.000Z","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],"modified":"2024-01-01T00:00:00.000Z","relationship_type":"attributed-to","source_ref":"intrusion-set--11111111-2222-4333-8444-555555555555","target_ref":"intrusion-set--11111111-2222-4333-8444-555555555557","confidence":70,"external_references":[{"source_name":"example","url":"https://example.org/posted"}]},
{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--11111111-2222-4333-8444-555555555557","created":"2024-01-01T00:00:00.000Z","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],"modified":"2024-01-01T00:00:00.000Z","name":"Posted Sponsor Group"}
]}`

// Sections 5.5 (add objects) and 4.3 (status).
func TestTAXIIAddObjects(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{Token: testToken})
	coll := storeCollection(t, ts)
	path := ts.URL + taxiiRoot + "collections/" + coll + "/objects/"
	hdr := func(token, ct string) map[string]string {
		h := map[string]string{"Accept": taxiiAccept, "Content-Type": ct}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		return h
	}
	before := dumpStore(t, ts)
	wantTAXIIError(t, do(t, "POST", path, hdr("", taxiiAccept), taxiiEnvelope), 401)
	wantTAXIIError(t, do(t, "POST", path, hdr("wrong-token-wrong-token", taxiiAccept), taxiiEnvelope), 401)
	wantTAXIIError(t, do(t, "POST", path, hdr(testToken, "application/json"), taxiiEnvelope), 415)
	// A broken envelope: the status says every object failed, nothing is written.
	r := do(t, "POST", path, hdr(testToken, taxiiAccept), strings.Replace(taxiiEnvelope, `"confidence":70`, `"confidence":700`, 1))
	wantTAXII(t, r, 202)
	if r.JSON["status"] != "complete" || r.JSON["failure_count"] != float64(3) || r.JSON["success_count"] != float64(0) {
		t.Errorf("broken envelope: status %s", r.Body)
	}
	if dumpStore(t, ts) != before {
		t.Fatalf("a refused envelope changed the store")
	}
	r = do(t, "POST", path, hdr(testToken, taxiiAccept), taxiiEnvelope)
	wantTAXII(t, r, 202)
	if r.JSON["status"] != "complete" || r.JSON["total_count"] != float64(3) || r.JSON["success_count"] != float64(3) ||
		r.JSON["pending_count"] != float64(0) || r.JSON["id"] == nil || r.JSON["request_timestamp"] == nil {
		t.Fatalf("status: %s", r.Body)
	}
	statusID := r.JSON["id"].(string)
	s := taxiiGet(t, ts, taxiiRoot+"status/"+statusID+"/")
	wantTAXII(t, s, 200)
	if s.JSON["id"] != statusID || s.JSON["success_count"] != float64(3) {
		t.Errorf("GET status: %s", s.Body)
	}
	wantTAXIIError(t, taxiiGet(t, ts, taxiiRoot+"status/00000000-0000-4000-8000-000000000000/"), 404)
	// The objects are served, and the import has a collection of its own,
	// which cannot be written to.
	got, _ := allPages(t, ts, taxiiRoot+"collections/"+coll+"/objects/", "objects", url.Values{"match[type]": {"intrusion-set"}})
	found := false
	for _, o := range got {
		found = found || o["name"] == "Posted Group"
	}
	if !found {
		t.Errorf("the posted intrusion set is not served")
	}
	cr := taxiiGet(t, ts, taxiiRoot+"collections/")
	list := cr.JSON["collections"].([]any)
	var imp map[string]any
	for _, c := range list[1:] {
		if m := c.(map[string]any); strings.Contains(m["title"].(string), s.JSON["x_blurline_import_id"].(string)) {
			imp = m
		}
	}
	if imp == nil || imp["can_write"] != false {
		t.Fatalf("no read-only collection for the import: %s", cr.Body)
	}
	objs, _ := allPages(t, ts, taxiiRoot+"collections/"+imp["id"].(string)+"/objects/", "objects", nil)
	if len(objs) != 3 {
		t.Errorf("the import's collection has %d objects, want the relationship and its two ends", len(objs))
	}
	wantTAXIIError(t, do(t, "POST", ts.URL+taxiiRoot+"collections/"+imp["id"].(string)+"/objects/", hdr(testToken, taxiiAccept), taxiiEnvelope), 403)
}

func dumpStore(tb testing.TB, ts *testServer) string {
	tb.Helper()
	var b strings.Builder
	if _, err := ts.Store.Export(context.Background(), &b); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
