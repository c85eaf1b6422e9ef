package server

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/interop"
)

// The TAXII feed is the store's STIX 2.1 export (interop.ExportSTIX), cut
// into collections: the whole store, and one per import (the import's
// statements and the objects they refer to). It is built once per version
// of the store and clearance (the export shows a reader what it may see),
// and kept until the next write.

// taxiiObject is one STIX object of the feed.
type taxiiObject struct {
	id, typ     string
	version     string    // its modified (else created) timestamp, as written
	versionT    time.Time // the same, parsed
	dateAdded   time.Time
	specVersion string
	raw         json.RawMessage
}

// taxiiCollection is a collection's objects, sorted by (date_added, id).
type taxiiCollection struct {
	id, title, description string
	importID               string // "" for the whole store
	objects                []*taxiiObject
}

type taxiiFeed struct {
	version     uint64
	collections []*taxiiCollection // the whole store first, then imports by id
	byID        map[string]*taxiiCollection
}

// taxiiFeedCache keeps the feeds of the newest version built, one for
// each clearance asked: readers of different clearances share none.
type taxiiFeedCache struct {
	mu   sync.Mutex
	feed [blurline.TLPRed + 1]*taxiiFeed
}

func (c *taxiiFeedCache) get(ctx context.Context, store interop.Reader, version uint64) (*taxiiFeed, error) {
	m := blurline.ClearanceFromContext(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.feed[m]; f != nil && f.version == version {
		return f, nil
	}
	f, err := buildFeed(ctx, store, version)
	if err != nil {
		return nil, err
	}
	for i, old := range c.feed {
		if old != nil && old.version != version {
			c.feed[i] = nil
		}
	}
	c.feed[m] = f
	return f, nil
}

// allCollectionID is the id of the collection of the whole store.
var allCollectionID = collectionUUID("store")

// collectionUUID is a stable UUID (v5-shaped, from SHA-1) for a collection name.
func collectionUUID(name string) string {
	h := sha1.Sum([]byte("https://w3id.org/blurline/taxii/collection/" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// buildFeed exports the store and files each object under its collections.
//
// Blurline does not record when each statement arrived, so an object's
// date_added is its own version time (modified, else created): added_after
// selects by version time, and the order of a collection (date_added,
// then id) is the same for every request of one version.
func buildFeed(ctx context.Context, store interop.Reader, version uint64) (*taxiiFeed, error) {
	b, err := interop.ExportSTIX(ctx, store, interop.ExportFilter{})
	if err != nil {
		return nil, err
	}
	all := &taxiiCollection{id: allCollectionID, title: "Blurline: the whole store",
		description: "Every entity and statement of the store as STIX 2.1 (Blurline's export profile)."}
	byID := map[string]*taxiiObject{}
	members := map[string]map[string]bool{} // import -> object ids
	for _, o := range b.Objects {
		raw, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		id, _ := o["id"].(string)
		typ, _ := o["type"].(string)
		ver, _ := o["modified"].(string)
		if ver == "" {
			ver, _ = o["created"].(string)
		}
		t, _ := time.Parse(time.RFC3339Nano, ver)
		if ver == "" {
			t = time.Unix(0, 0).UTC()
		}
		sv, _ := o["spec_version"].(string)
		to := &taxiiObject{id: id, typ: typ, version: ver, versionT: t, dateAdded: t.UTC(), specVersion: cmp.Or(sv, "2.1"), raw: raw}
		byID[id] = to
		all.objects = append(all.objects, to)
		// A statement of an import carries the import id in its fact id.
		if typ != "relationship" && typ != "note" {
			continue
		}
		fid, _ := o["x_blurline_id"].(string)
		imp, _, ok := strings.Cut(fid, "/")
		if !ok || imp == "" {
			continue
		}
		m := members[imp]
		if m == nil {
			m = map[string]bool{}
			members[imp] = m
		}
		m[id] = true
		for _, k := range []string{"source_ref", "target_ref", "created_by_ref"} {
			if r, _ := o[k].(string); r != "" {
				m[r] = true
			}
		}
		if refs, ok := o["object_refs"].([]string); ok {
			for _, r := range refs {
				m[r] = true
			}
		}
		if refs, ok := o["object_refs"].([]any); ok {
			for _, r := range refs {
				if s, ok := r.(string); ok {
					m[s] = true
				}
			}
		}
	}
	f := &taxiiFeed{version: version, collections: []*taxiiCollection{all}, byID: map[string]*taxiiCollection{all.id: all}}
	for _, imp := range slices.Sorted(maps.Keys(members)) {
		c := &taxiiCollection{id: collectionUUID("import/" + imp), importID: imp, title: "Import " + imp,
			description: "The statements of import " + imp + " and the objects they refer to."}
		for id := range members[imp] {
			if o := byID[id]; o != nil {
				c.objects = append(c.objects, o)
			}
		}
		f.collections = append(f.collections, c)
		f.byID[c.id] = c
	}
	for _, c := range f.collections {
		slices.SortFunc(c.objects, func(a, b *taxiiObject) int {
			return cmp.Or(a.dateAdded.Compare(b.dateAdded), strings.Compare(a.id, b.id))
		})
	}
	return f, nil
}
