package interop

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// ImportID names the import (Store.RetractImport takes it back). By
	// default it is the bundle id (bundle--...) or, for a MISP galaxy,
	// misp-<galaxy type>-<first 12 hex digits of the file's SHA-256>.
	ImportID string
	// Name is the file name errors mention.
	Name string
	// Source is the source IRI of statements that cite none. By default a
	// bundle's statements fall back to the bundle id as urn:uuid:<uuid>,
	// and a galaxy's to the galaxy's upstream file URL.
	Source string
	// Marking is the TLP marking of what the source does not mark itself
	// (no TLP object_marking_refs, no tlp: tag): see marking.go. The zero
	// value is CLEAR; the servers' and the command line's imports pass
	// blurline.DefaultMarking unless told otherwise.
	Marking blurline.Marking
}

// sobj is one STIX object of a bundle.
type sobj struct {
	jobj
	i        int
	typ, id  string
	version  string
	modified time.Time
	profile  bool // written by Blurline (has x_blurline_id or x_blurline_predicate)
}

// ImportSTIX imports a STIX 2.1 or 2.0 bundle in one write. A broken
// bundle is rejected with a *FileError naming each object and JSON path
// that is wrong, and nothing is written.
func ImportSTIX(ctx context.Context, s Store, data []byte, opt ImportOptions) (*Report, error) {
	pr := &problems{}
	objs, bundleID, version := parseBundle(data, pr)
	if err := pr.err(opt.Name); err != nil {
		return nil, err
	}
	rep := newReport("stix " + version)
	rep.ImportID = opt.ImportID
	if rep.ImportID == "" {
		rep.ImportID = bundleID
		if rep.ImportID == "" {
			h := sha256.Sum256(data)
			rep.ImportID = "stix-" + hex.EncodeToString(h[:6])
		}
	}
	fallback := opt.Source
	if fallback == "" {
		_, u, _ := splitSTIXID(bundleID)
		if u == "" {
			h := sha256.Sum256(data)
			u = hex.EncodeToString(h[:16])
			u = u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
		}
		fallback = "urn:uuid:" + u
	}
	p, err := planImport(ctx, s, rep, fallback)
	if err != nil {
		return nil, err
	}
	m := &stixMapper{p: p, pr: pr, fallback: fallback, marking: opt.Marking, defs: map[string]blurline.Marking{}, byID: map[string]*sobj{}, items: map[string]*item{},
		skipped: map[string]string{}, revoked: map[string]*item{}, context: map[string]*sobj{}, noted: map[string]bool{}}
	m.run(objs)
	if err := pr.err(opt.Name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.source = blurline.ImportSource{ID: rep.ImportID, Format: FormatSTIX, Name: opt.Name, Source: opt.Source,
		Marking: opt.Marking, Clearance: blurline.ClearanceFromContext(ctx), Data: data}
	return p.write(ctx, s, cmp.Or(opt.Name, rep.ImportID))
}

// parseBundle reads what a STIX producer may hand over: a bundle (2.0 or
// 2.1), a TAXII 2.1 envelope ({"objects": [...]}) or one bare object, and
// checks each object's type, id and spec_version.
func parseBundle(data []byte, pr *problems) (objs []*sobj, bundleID, version string) {
	v, err := decodeJSON(data)
	if err != nil {
		pr.add("bundle", "%v", err)
		return nil, "", ""
	}
	top, ok := v.(map[string]any)
	if !ok {
		pr.add("bundle", "must be a STIX bundle, a TAXII envelope or one STIX object (a JSON object), got %s", jsonType(v))
		return nil, "", ""
	}
	b := jobj{m: top, path: "bundle", pr: pr}
	var list []any
	bundleVersion := ""
	switch t := b.str("type"); {
	case t == "bundle":
		bundleID = b.str("id")
		if typ, _, ok := splitSTIXID(bundleID); !ok || typ != "bundle" {
			pr.add("id", "must be a bundle id such as bundle--<uuid>, got %q", bundleID)
		}
		bundleVersion = b.str("spec_version")
		if bundleVersion != "" && bundleVersion != "2.0" && bundleVersion != "2.1" {
			pr.add("spec_version", "must be \"2.0\" (STIX 2.1 bundles have none), got %q", bundleVersion)
		}
		// STIX 2.1 makes objects optional: an empty bundle is valid.
		if raw, ok := top["objects"]; ok && raw != nil {
			if list, ok = raw.([]any); !ok {
				pr.add("objects", "must be a list, got %s", jsonType(raw))
				return nil, bundleID, ""
			}
		}
	case t == "" && b.has("objects"):
		// A TAXII 2.1 envelope: objects, and maybe more and next.
		raw := top["objects"]
		if list, ok = raw.([]any); !ok && raw != nil {
			pr.add("objects", "must be a list, got %s", jsonType(raw))
			return nil, "", ""
		}
	case t != "" && b.has("id"):
		list = []any{top} // one bare object
	default:
		pr.add("bundle", "neither a STIX bundle (\"type\": \"bundle\"), a TAXII envelope (\"objects\": [...]) nor a STIX object (\"type\" and \"id\")")
		return nil, "", ""
	}
	versions := map[string]bool{}
	for i, x := range list {
		path := fmt.Sprintf("objects[%d]", i)
		mm, ok := x.(map[string]any)
		if !ok {
			pr.add(path, "must be an object, got %s", jsonType(x))
			continue
		}
		o := &sobj{i: i, jobj: jobj{m: mm, path: path, pr: pr}}
		o.typ = o.str("type")
		o.id = o.str("id")
		if o.id != "" {
			o.path = fmt.Sprintf("objects[%d] (%s)", i, o.id)
		}
		if o.typ == "" {
			pr.add(o.at("type"), "missing")
		}
		if o.id == "" {
			pr.add(o.at("id"), "missing")
		} else if typ, _, ok := splitSTIXID(o.id); !ok {
			pr.add(o.at("id"), "must be <type>--<uuid>, got %q", o.id)
		} else if o.typ != "" && typ != o.typ {
			pr.add(o.at("id"), "the id says %q but the type is %q", typ, o.typ)
		}
		o.version = cmp.Or(o.str("spec_version"), bundleVersion)
		switch o.version {
		case "2.0", "2.1":
		case "":
			if !specVersionRequired(o.typ) {
				// Cyber-observables (and types STIX does not define, which
				// are reported, not read) need only type and id: 2.1.
				o.version = "2.1"
				break
			}
			pr.add(o.at("spec_version"), "missing: a STIX 2.1 object needs \"spec_version\": \"2.1\" (a STIX 2.0 bundle says \"spec_version\": \"2.0\" on the bundle)")
		default:
			pr.add(o.at("spec_version"), "must be \"2.1\" or \"2.0\", got %q", o.version)
		}
		versions[o.version] = true
		o.profile = o.has(xID) || o.has(xPredicate)
		o.modified = o.timestamp("modified")
		o.check()
		objs = append(objs, o)
	}
	version = "2.1"
	if versions["2.0"] {
		version = "2.0"
		if versions["2.1"] {
			version = "2.0/2.1"
		}
	}
	return objs, bundleID, version
}

// sdoTypes are the STIX 2.1 domain, relationship and meta objects: in a
// STIX 2.1 bundle each carries spec_version (section 3.1). Cyber-observable
// objects need only type and id (section 6), spec_version defaulting to 2.1.
var sdoTypes = map[string]bool{
	"attack-pattern": true, "campaign": true, "course-of-action": true, "grouping": true, "identity": true,
	"incident": true, "indicator": true, "infrastructure": true, "intrusion-set": true, "location": true,
	"malware": true, "malware-analysis": true, "note": true, "observed-data": true, "opinion": true,
	"report": true, "threat-actor": true, "tool": true, "vulnerability": true, "relationship": true,
	"sighting": true, "marking-definition": true, "language-content": true, "extension-definition": true,
}

// specVersionRequired reports whether an object of type typ must state its
// spec_version (in a bundle that states none). Custom objects (x-...) must,
// as SDOs do; but an unknown custom object is reported and skipped, never
// a reason to refuse the rest of the bundle, so only the types the
// import reads are held to it.
func specVersionRequired(typ string) bool { return sdoTypes[typ] }

// check validates the properties the import reads, whatever the object's type.
func (o *sobj) check() {
	o.timestamp("created")
	if ref := o.str("created_by_ref"); ref != "" {
		if _, _, ok := splitSTIXID(ref); !ok {
			o.pr.add(o.at("created_by_ref"), "must be a STIX id, got %q", ref)
		}
	}
	o.confidence("confidence")
	for _, r := range o.objects("external_references") {
		r.str("source_name")
		r.str("url")
		r.str("external_id")
	}
	o.strs("aliases")
	o.str("name")
	o.str("description")
	o.boolean("revoked")
	o.boolean("x_mitre_deprecated")
	switch o.typ {
	case "relationship":
		for _, f := range []string{"relationship_type", "source_ref", "target_ref"} {
			v := o.str(f)
			if v == "" {
				o.pr.add(o.at(f), "missing")
				continue
			}
			if f != "relationship_type" {
				if _, _, ok := splitSTIXID(v); !ok {
					o.pr.add(o.at(f), "must be a STIX id, got %q", v)
				}
			}
		}
		start, stop := o.timestamp("start_time"), o.timestamp("stop_time")
		if !start.IsZero() && !stop.IsZero() && !stop.After(start) {
			o.pr.add(o.at("stop_time"), "must be later than start_time (%s), got %s", start.Format(time.RFC3339), stop.Format(time.RFC3339))
		}
	case "campaign", "intrusion-set", "threat-actor", "malware", "infrastructure":
		first, last := o.timestamp("first_seen"), o.timestamp("last_seen")
		if !first.IsZero() && !last.IsZero() && last.Before(first) {
			o.pr.add(o.at("last_seen"), "must not be before first_seen (%s), got %s", first.Format(time.RFC3339), last.Format(time.RFC3339))
		}
	case "report":
		o.timestamp("published")
		o.strs("object_refs")
	}
	if o.profile {
		if id := o.str(xID); id != "" && !validID(id) {
			o.pr.add(o.at(xID), "%q is not a valid Blurline id", id)
		}
		if c := o.str(xClass); c != "" {
			if _, ok := blurline.LookupClass(blurline.Class(c)); !ok {
				o.pr.add(o.at(xClass), "unknown class %q", c)
			}
		}
	}
}

// validID reports whether id can become part of an IRI.
func validID(id string) bool { return id != "" && !strings.ContainsFunc(id, blurline.IRIForbidden) }

type stixMapper struct {
	p        *plan
	pr       *problems
	fallback string
	marking  blurline.Marking            // of objects that name no TLP marking
	defs     map[string]blurline.Marking // the bundle's TLP marking definitions, by id
	byID     map[string]*sobj            // the newest version of each object
	items    map[string]*item            // STIX id -> entity item
	skipped  map[string]string           // STIX id -> why it was left out
	revoked  map[string]*item            // revoked objects, for their replacements
	context  map[string]*sobj            // relationship id -> a report that contains it
	noted    map[string]bool             // authors already reported missing
}

func (m *stixMapper) rep() *Report { return m.p.rep }

func (m *stixMapper) run(objs []*sobj) {
	rep := m.rep()
	rep.Objects = len(objs)
	// The newest version of each object (STIX versioning by modified).
	for _, o := range objs {
		rep.count(o.typ).Read++
		if old, ok := m.byID[o.id]; ok {
			if o.modified.After(old.modified) {
				m.byID[o.id] = o
				rep.skip(old.id, old.typ, "an older version (modified %s) of an object the bundle holds again", old.modified.Format(time.RFC3339))
			} else {
				rep.skip(o.id, o.typ, "an older or repeated version of an object the bundle holds again")
			}
			continue
		}
		m.byID[o.id] = o
	}
	var current []*sobj
	for _, o := range objs {
		if m.byID[o.id] == o {
			current = append(current, o)
		}
	}
	for _, o := range current {
		if o.typ == "marking-definition" {
			if mk, ok := bundleMarking(o); ok {
				m.defs[o.id] = mk
			}
		}
	}
	// Reports give their relationships a context (sources, date, author).
	for _, o := range current {
		if o.typ != "report" {
			continue
		}
		for _, ref := range o.strs("object_refs") {
			if prev, ok := m.context[ref]; !ok || o.id < prev.id {
				m.context[ref] = o
			}
		}
	}
	// Entities first, then statements.
	for _, o := range current {
		if _, tlp := m.defs[o.id]; tlp {
			rep.count(o.typ).Mapped++ // a TLP marking: read as the marking of the objects that name it
			continue
		}
		switch {
		case o.typ == "relationship", o.typ == "opinion", o.typ == "note" && !isAssessmentNote(o):
			continue
		}
		m.entity(o)
	}
	var notes, opinions []*sobj
	for _, o := range current {
		switch {
		case o.typ == "relationship":
			m.relationship(o)
		case o.typ == "note" && o.has(xPredicate):
			m.note(o)
		case o.typ == "note" && !isAssessmentNote(o):
			notes = append(notes, o)
		case o.typ == "opinion":
			opinions = append(opinions, o)
		}
	}
	// Other producers' assessments, notes before the opinions that may be
	// about them (assessments.go).
	for _, o := range append(notes, opinions...) {
		m.assessment(o)
	}
	m.noteCustom(current)
}

// noteCustom reports the custom properties (x_...) of the objects the
// import read that it does not keep: kept by the source, not by Blurline,
// and never a reason to refuse the bundle.
func (m *stixMapper) noteCustom(objs []*sobj) {
	count := map[string]int{}
	for _, o := range objs {
		if _, skipped := m.skipped[o.id]; skipped {
			continue
		}
		for k := range o.m {
			if strings.HasPrefix(k, "x_") && !strings.HasPrefix(k, "x_blurline_") && !readCustom[k] {
				count[k]++
			}
		}
	}
	if len(count) == 0 {
		return
	}
	names := slices.Sorted(maps.Keys(count))
	var parts []string
	for i, k := range names {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("and %d more", len(names)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", k, count[k]))
	}
	m.rep().note("custom properties not read (objects carrying them): %s", strings.Join(parts, ", "))
}

// readCustom are the custom properties of other producers that the import
// reads.
var readCustom = map[string]bool{"x_mitre_aliases": true, "x_mitre_deprecated": true}

// classify maps an object to a class, or says why it has none.
func (m *stixMapper) classify(o *sobj) (blurline.Class, string) {
	if c := o.str(xClass); c != "" {
		return blurline.Class(c), ""
	}
	if c, ok := stixTypeClass[o.typ]; ok {
		return c, ""
	}
	switch o.typ {
	case "threat-actor":
		types := o.strs("threat_actor_types")
		if o.version == "2.0" || len(types) == 0 {
			types = append(types, o.strs("labels")...)
		}
		roles := o.strs("roles")
		state := slices.Contains(types, "nation-state")
		crime := slices.Contains(types, "crime-syndicate") || slices.Contains(types, "criminal")
		switch {
		case state && crime:
			return blurline.ThreatGroup, "" // a blurred actor: neither the state's own unit nor a mere criminal
		case state && (slices.Contains(roles, "sponsor") || slices.Contains(roles, "director")) && !slices.Contains(roles, "agent"):
			return blurline.GovernmentBody, ""
		case state:
			return blurline.IntelligenceService, ""
		case slices.Contains(roles, "agent") && (slices.Contains(types, "hacker") || crime):
			return blurline.Contractor, ""
		case crime:
			return blurline.CriminalGroup, ""
		}
		return blurline.ThreatGroup, ""
	case "identity":
		switch o.str("identity_class") {
		case "individual":
			return blurline.Person, ""
		case "class":
			return blurline.Sector, ""
		}
		for _, s := range o.strs("sectors") {
			if s == "government" || strings.HasPrefix(s, "government-") {
				return blurline.GovernmentBody, ""
			}
		}
		return blurline.Company, ""
	case "report":
		return blurline.Document, ""
	case "location":
		if o.has("city") || o.has("street_address") || o.has("administrative_area") || o.has("postal_code") || o.has("latitude") {
			return "", "a place below country level has no Blurline class"
		}
		if c := o.str("country"); c != "" {
			if _, ok := lookupCountry(c); ok {
				return blurline.State, ""
			}
			return "", fmt.Sprintf("unknown country code %q", c)
		}
		if _, ok := lookupCountry(o.str("name")); ok {
			return blurline.State, ""
		}
		return "", "a region (not a country) has no Blurline class"
	case "course-of-action":
		return "", "courses of action (mitigations) are not modelled"
	case "marking-definition":
		return "", "markings are not knowledge"
	case "indicator", "observed-data", "sighting", "infrastructure", "malware-analysis", "grouping", "language-content":
		return "", o.typ + " objects are not modelled"
	}
	if strings.HasPrefix(o.typ, "x-") {
		return "", "a custom object type without x_blurline_class"
	}
	return "", "cyber-observable and other object types are not modelled"
}

func (m *stixMapper) entity(o *sobj) {
	rep := m.rep()
	if o.boolean("revoked") || o.boolean("x_mitre_deprecated") {
		why := "revoked"
		if !o.boolean("revoked") {
			why = "deprecated (x_mitre_deprecated)"
		}
		m.skipped[o.id] = why
		rep.skip(o.id, o.typ, "%s", why)
		if c, _ := m.classify(o); c != "" && o.boolean("revoked") {
			if it := m.describe(o, c); it != nil {
				m.revoked[o.id] = it
			}
		}
		return
	}
	c, why := m.classify(o)
	if c == "" {
		m.skipped[o.id] = why
		rep.skip(o.id, o.typ, "%s", why)
		return
	}
	it := m.describe(o, c)
	if it == nil {
		m.skipped[o.id] = "it has no name"
		rep.skip(o.id, o.typ, "it has no name")
		return
	}
	m.items[o.id] = m.p.add(it)
	rep.count(o.typ).Mapped++
}

// describe turns an object into an entity item (nil without a name).
func (m *stixMapper) describe(o *sobj, c blurline.Class) *item {
	name := strings.TrimSpace(o.str("name"))
	if o.typ == "note" {
		name = strings.TrimSpace(o.str("abstract")) // an assessment (assessmentNote)
	}
	n := blurline.Node{ID: o.id, Class: c, Description: strings.TrimSpace(o.str("description")), Marking: objectMarking(o, m.defs, m.marking)}
	n.Aliases = append(append(o.strs("aliases"), o.strs("x_mitre_aliases")...), o.strs(xAliases)...)
	if c == blurline.State && o.typ == "location" {
		ctry, ok := lookupCountry(o.str("country"))
		if !ok {
			ctry, _ = lookupCountry(name)
		}
		if name == "" {
			name = ctry.Name
		}
		n.Aliases = append(n.Aliases, ctry.Name)
		n.Aliases = append(n.Aliases, ctry.Aliases...)
		n.ExternalIDs = append(n.ExternalIDs, countryExternalID(ctry))
	}
	if name == "" {
		return nil
	}
	n.Name = name
	if n.Description == "" {
		n.Description = strings.TrimSpace(o.str(xDescription))
	}
	if o.str(xID) == "" || o.id != mintedID(o.typ, blurline.EntityIRI(o.str(xID))) && o.id != scoID(o.typ, name) {
		n.ExternalIDs = append(n.ExternalIDs, "stix:"+o.id)
	}
	srcs, ids := m.references(o)
	n.Sources = append(n.Sources, srcs...)
	n.ExternalIDs = append(n.ExternalIDs, ids...)
	for _, s := range o.strs(xSources) {
		if u, ok := cleanIRI(s); ok {
			n.Sources = append(n.Sources, u)
		}
	}
	n.ExternalIDs = append(n.ExternalIDs, o.strs(xExternalIDs)...)
	if o.profile && o.str(xID) != "" {
		n.ID = o.str(xID)
		if v, ok := o.number(xNonState); ok {
			n.NonState = &v
		}
		if v, ok := o.number(xMotiveWeight); ok {
			n.MotiveWeight = &v
		}
		n.Record = importSourceRecord(o)
	}
	it := &item{src: o.id, typ: o.typ, node: n, fixedID: o.str(xID) != ""}
	for _, x := range n.ExternalIDs {
		if identifying(x) {
			it.strong = append(it.strong, x)
		}
	}
	return it
}

// references reads external_references: URLs become sources, external ids
// become "source_name:external_id" (source name in lower case).
func (m *stixMapper) references(o *sobj) (sources, ids []string) {
	bad := 0
	for _, r := range o.objects("external_references") {
		if u := r.str("url"); u != "" {
			if iri, ok := cleanIRI(u); ok {
				sources = append(sources, iri)
			} else {
				bad++
			}
		}
		if x := strings.TrimSpace(r.str("external_id")); x != "" {
			scheme := strings.ToLower(strings.TrimSpace(r.str("source_name")))
			if scheme == "" {
				scheme = "external"
			}
			ids = append(ids, scheme+":"+x)
		}
	}
	if bad > 0 {
		m.rep().note("%s: %d external reference URL(s) are not absolute http(s) URLs: left out", o.id, bad)
	}
	return sources, ids
}

// end resolves a relationship end: an item of this bundle, an entity in
// the store (by its STIX id), or a reason it was left out.
func (m *stixMapper) end(o *sobj, field, ref string) (it *item, nodeID, skipped string, ok bool) {
	if it, ok := m.items[ref]; ok {
		return it, "", "", true
	}
	if why, ok := m.skipped[ref]; ok {
		return nil, "", fmt.Sprintf("%s %s was left out (%s)", field, ref, why), false
	}
	if n, ok := m.p.ix.byStixID(ref); ok {
		return nil, n.ID, "", true
	}
	if _, ok := m.byID[ref]; ok { // an object that is not an entity (a relationship...)
		return nil, "", fmt.Sprintf("%s %s is not an entity", field, ref), false
	}
	// STIX lets an object refer to objects the bundle does not hold: the
	// statement is left out (and reported), the rest imports.
	return nil, "", fmt.Sprintf("%s %s is neither in the bundle nor in the store", field, ref), false
}

func classOfEnd(it *item, nodeID string, ix *storeIndex) blurline.Class {
	if it != nil {
		return it.node.Class
	}
	if n, ok := ix.byID[nodeID]; ok {
		return n.Class
	}
	return ""
}

func (m *stixMapper) relationship(o *sobj) {
	rep := m.rep()
	rt := o.str("relationship_type")
	src, tgt := o.str("source_ref"), o.str("target_ref")
	if o.boolean("revoked") || o.boolean("x_mitre_deprecated") {
		rep.skip(o.id, o.typ, "revoked or deprecated")
		return
	}
	if rt == "revoked-by" {
		if old, ok := m.revoked[src]; ok {
			if into, ok := m.items[tgt]; ok {
				m.p.fold(old, into)
				rep.skip(o.id, o.typ, "revoked-by: the revoked object's names and ids were added to its replacement")
				return
			}
		}
	}
	var pred blurline.Predicate
	if o.profile || o.has(xPredicate) {
		p := o.str(xPredicate)
		if _, ok := blurline.LookupPredicate(blurline.Predicate(p)); !ok {
			m.pr.add(o.at(xPredicate), "unknown predicate %q", p)
			return
		}
		pred = blurline.Predicate(p)
		if relationshipType(pred).Inverse {
			src, tgt = tgt, src
		}
	} else if p, ok := stixPredicates[rt]; ok {
		pred = p
	} else if p, ok := kebabPredicates[rt]; ok {
		pred = p
	} else {
		why := skippedRelationships[rt]
		if why == "" {
			why = "no Blurline predicate"
		}
		rep.skip(o.id, o.typ, "%s: %s", rt, why)
		return
	}
	subj, subjNode, whyS, okS := m.end(o, "source_ref", src)
	obj, objNode, whyO, okO := m.end(o, "target_ref", tgt)
	if !okS || !okO {
		if whyS != "" || whyO != "" {
			rep.skip(o.id, o.typ, "%s", cmp.Or(whyS, whyO))
		}
		return
	}
	if pred == blurline.Targeted && !o.profile && classOfEnd(obj, objNode, m.p.ix) == blurline.Vulnerability {
		pred = blurline.Exploited
	}
	f := m.provenance(o, pred)
	f.Predicate = pred
	if subjNode == "" && subj == nil || objNode == "" && obj == nil {
		return
	}
	// A behaviour of a campaign or group without its own dates holds while
	// its subject was active (first_seen .. last_seen).
	if !o.profile && f.ValidFrom.IsZero() && f.ValidUntil.IsZero() && pred.Kind() == blurline.Behaviour && subj != nil {
		if so := m.byID[subj.src]; so != nil {
			first, last := so.timestamp("first_seen"), so.timestamp("last_seen")
			f.ValidFrom = first
			if !last.IsZero() && (first.IsZero() || last.After(first)) {
				f.ValidUntil = last
			}
		}
	}
	m.p.facts = append(m.p.facts, &planFact{src: o.id, typ: o.typ, fact: f, subj: subj, obj: obj, subjNode: subjNode, objNode: objNode,
		by: m.assertorItem(o), byNode: m.assertorNode(o)})
	rep.count(o.typ).Mapped++
}

// note reads a Blurline claim (a statement with a literal object).
func (m *stixMapper) note(o *sobj) {
	rep := m.rep()
	p := blurline.Predicate(o.str(xPredicate))
	if pi, ok := blurline.LookupPredicate(p); !ok || pi.Kind != blurline.Claim {
		m.pr.add(o.at(xPredicate), "%q is not a claim predicate (one with a literal object, such as victimCount)", p)
		return
	}
	refs := o.strs("object_refs")
	if len(refs) != 1 {
		m.pr.add(o.at("object_refs"), "a claim note refers to exactly one object, got %d", len(refs))
		return
	}
	subj, subjNode, why, ok := m.end(o, "object_refs[0]", refs[0])
	if !ok {
		if why != "" {
			rep.skip(o.id, o.typ, "%s", why)
		}
		return
	}
	v, ok := o.object(xValue)
	if !ok {
		m.pr.add(o.at(xValue), "missing: a claim needs its literal value")
		return
	}
	lit := &blurline.Literal{Lexical: v.str("lexical"), Datatype: v.str("datatype"), Lang: v.str("lang")}
	f := m.provenance(o, p)
	f.Predicate = p
	f.Value = lit
	f.ValidFrom = m.dateProp(o, xValidFrom)
	f.ValidUntil = m.dateProp(o, xValidUntil)
	m.p.facts = append(m.p.facts, &planFact{src: o.id, typ: o.typ, fact: f, subj: subj, subjNode: subjNode,
		by: m.assertorItem(o), byNode: m.assertorNode(o)})
	rep.count(o.typ).Mapped++
}

// provenance reads what a statement object says about itself.
func (m *stixMapper) provenance(o *sobj, pred blurline.Predicate) blurline.Fact {
	rep := m.rep()
	f := blurline.Fact{ID: o.id}
	if o.profile {
		f.ID = cmp.Or(o.str(xID), o.id)
	}
	ctx := m.context[o.id]
	// A statement a report holds is marked as the report is, unless it
	// says otherwise.
	f.Marking = m.marking
	if ctx != nil {
		f.Marking = objectMarking(ctx, m.defs, m.marking)
	}
	f.Marking = objectMarking(o, m.defs, f.Marking)
	if c, ok := o.number(xConfidence); ok && o.profile {
		if c < 0 || c > 1 {
			m.pr.add(o.at(xConfidence), "must be between 0 and 1, got %v", c)
		}
		f.Confidence = c
	} else if c, ok := o.confidence("confidence"); ok {
		f.Confidence = c
	} else {
		f.Confidence = DefaultConfidence
		rep.DefaultConfidence++
	}
	srcs, _ := m.references(o)
	if len(srcs) == 0 && ctx != nil {
		srcs, _ = m.references(ctx)
	}
	if len(srcs) == 0 {
		srcs = []string{m.fallback}
	}
	f.Sources = slices.Sorted(slices.Values(dedupe(srcs)))
	f.ValidFrom, f.ValidUntil = o.timestamp("start_time"), o.timestamp("stop_time")
	if o.profile {
		f.PublishedOn = m.dateProp(o, xPublishedOn)
		if h := o.str(xHealeyLevel); h != "" {
			lvl, ok := blurline.ParseHealey(h)
			switch {
			case !ok:
				m.pr.add(o.at(xHealeyLevel), "unknown Healey level %q", h)
			case pred.Kind() != blurline.Control:
				m.pr.add(o.at(xHealeyLevel), "a Healey level belongs on a control statement (taskedBy, sponsoredBy), not on %s", pred)
			default:
				f.Healey, f.HasHealey = lvl, true
			}
		}
		if k := o.str(xAttributionKind); k != "" {
			switch {
			case !slices.Contains(blurline.AttributionKinds, k):
				m.pr.add(o.at(xAttributionKind), "must be one of %s, got %q", strings.Join(blurline.AttributionKinds, ", "), k)
			case pred.Kind() != blurline.Attribution:
				m.pr.add(o.at(xAttributionKind), "an attribution kind belongs on attributedTo, not on %s", pred)
			default:
				f.AttributionKind = k
			}
		}
		f.Quote = o.str(xQuote)
		f.Note = o.str(xNote)
		f.Alleged = o.boolean(xAlleged)
	} else {
		switch {
		case ctx != nil && !ctx.timestamp("published").IsZero():
			f.PublishedOn = ctx.timestamp("published")
		default:
			f.PublishedOn = o.timestamp("created")
		}
		f.Note = strings.TrimSpace(o.str("description"))
	}
	return f
}

// dateProp reads a date (2021-07-19) or an RFC 3339 timestamp.
func (m *stixMapper) dateProp(o *sobj, field string) time.Time {
	s := o.str(field)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	m.pr.add(o.at(field), "must be a date (2021-07-19) or an RFC 3339 timestamp, got %q", s)
	return time.Time{}
}

// assertor: x_blurline_asserted_by, created_by_ref, or the created_by_ref
// of a report that holds the statement. An assertor that is neither in the
// bundle nor in the store is dropped (and noted).
func (m *stixMapper) assertorRef(o *sobj) string {
	if ref := o.str(xAssertedBy); ref != "" {
		return ref
	}
	if ref := o.str("created_by_ref"); ref != "" {
		return ref
	}
	if ctx := m.context[o.id]; ctx != nil {
		return ctx.str("created_by_ref")
	}
	return ""
}

func (m *stixMapper) assertorItem(o *sobj) *item {
	return m.items[m.assertorRef(o)]
}

func (m *stixMapper) assertorNode(o *sobj) string {
	ref := m.assertorRef(o)
	if ref == "" || m.items[ref] != nil {
		return ""
	}
	if n, ok := m.p.ix.byStixID(ref); ok {
		return n.ID
	}
	if !m.noted[ref] {
		m.noted[ref] = true
		m.rep().note("%s (the author of %s and maybe more): neither an entity of the bundle nor in the store: no assertedBy", ref, o.id)
	}
	return ""
}

// importSourceRecord reads the x_blurline_source_record property
// (exportSourceRecord); nil when the object has none.
func importSourceRecord(o *sobj) *blurline.SourceRecord {
	j, ok := o.object(xSourceRecord)
	if !ok {
		return nil
	}
	r := &blurline.SourceRecord{Publisher: j.str("publisher"), Kind: blurline.SourceKind(j.str("source_kind")), Primary: j.boolean("primary"),
		Reliability: blurline.Reliability(j.str("reliability")), CopyOf: j.str("copy_of")}
	if t, err := time.Parse("2006-01-02", j.str("published_on")); err == nil {
		r.PublishedOn = t
	}
	return r
}

// isAssessmentNote reports whether a note is an assessment written by
// Blurline (assessmentNote): it is read as an entity, and its facts come
// as relationships. Other notes are claims (x_blurline_predicate) or other
// producers' assessments (assessments.go).
func isAssessmentNote(o *sobj) bool {
	return o.typ == "note" && o.str(xClass) == string(blurline.Assessment) && o.str(xID) != ""
}
