package interop

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// ExportFilter selects what ExportSTIX writes.
type ExportFilter struct {
	// IDs are the entities at the centre of a subgraph; none means the whole store.
	IDs []string
	// Hops is the radius of the neighbourhood around IDs (0 means 1).
	Hops int
	// FactFilter selects the statements (predicates, confidence, as-of...).
	blurline.FactFilter
	// Timestamp is the created/modified time of objects that have no date of
	// their own (entities, undated statements). Zero means the Unix epoch,
	// so that the same store always exports the same bundle.
	Timestamp time.Time
}

// Bundle is a STIX 2.1 bundle.
type Bundle struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Objects []Object `json:"objects"`
}

// Object is a STIX object (its JSON keys come out sorted).
type Object map[string]any

// JSON returns the bundle as indented JSON.
func (b *Bundle) JSON() ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	return []byte(sb.String()), nil
}

// ExportSTIX writes the store, or the subgraph the filter selects, as a
// STIX 2.1 bundle (see docs/interop.md for the profile).
func ExportSTIX(ctx context.Context, r Reader, f ExportFilter) (*Bundle, error) {
	nodes, facts, err := selectSubgraph(ctx, r, f)
	if err != nil {
		return nil, err
	}
	ts := f.Timestamp
	if ts.IsZero() {
		ts = time.Unix(0, 0)
	}
	x := &exporter{ts: ts.UTC(), ids: map[string]string{}, typ: map[string]string{}, used: map[string]bool{}}
	slices.SortFunc(nodes, func(a, b *blurline.Node) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(facts, func(a, b *blurline.Fact) int { return cmp.Compare(a.ID, b.ID) })
	for _, n := range nodes {
		x.assignID(n)
	}
	touching := map[string][]*blurline.Fact{}
	for _, fc := range facts {
		touching[fc.Subject] = append(touching[fc.Subject], fc)
		if fc.Object != "" && fc.Object != fc.Subject {
			touching[fc.Object] = append(touching[fc.Object], fc)
		}
	}
	var objs []Object
	// Every object carries its TLP marking (object_marking_refs, CLEAR
	// too, so that an import elsewhere does not take it for unmarked) and
	// the bundle the TLP 2.0 definitions it names.
	var used [blurline.TLPRed + 1]bool
	marked := func(o Object, m blurline.Marking) Object {
		o["object_marking_refs"] = []string{tlp2IDs[m]}
		used[m] = true
		return o
	}
	for _, n := range nodes {
		if n.Class == blurline.Assessment {
			objs = append(objs, marked(x.assessmentNote(n, touching[n.ID], nodes), n.Marking))
			continue
		}
		objs = append(objs, marked(x.entity(n, touching[n.ID]), n.Marking))
	}
	for _, fc := range facts {
		objs = append(objs, marked(x.statement(fc), fc.Marking))
	}
	for m, ok := range used {
		if ok {
			objs = append(objs, markingDefinition(blurline.Marking(m)))
		}
	}
	slices.SortFunc(objs, func(a, b Object) int { return cmp.Compare(a["id"].(string), b["id"].(string)) })
	var ids strings.Builder
	for _, o := range objs {
		ids.WriteString(o["id"].(string))
		ids.WriteByte('\n')
	}
	if len(objs) == 0 {
		return nil, blurline.Errorf(blurline.ErrNotFound, "nothing to export")
	}
	return &Bundle{Type: "bundle", ID: mintedID("bundle", ids.String()+stamp(x.ts)), Objects: objs}, nil
}

// selectSubgraph returns the entities and facts to export: everything, or
// the neighbourhood of f.IDs; plus the assertors of the chosen facts.
func selectSubgraph(ctx context.Context, r Reader, f ExportFilter) ([]*blurline.Node, []*blurline.Fact, error) {
	if len(f.IDs) == 0 {
		nodes, err := r.FindNodes(ctx, blurline.NodeQuery{})
		if err != nil {
			return nil, nil, err
		}
		facts, err := r.Facts(ctx, blurline.FactQuery{FactFilter: f.FactFilter})
		return nodes, facts, err
	}
	hops := cmp.Or(f.Hops, 1)
	in := map[string]bool{}
	frontier := slices.Clone(f.IDs)
	for _, id := range f.IDs {
		in[id] = true
	}
	for h := 0; h < hops && len(frontier) > 0; h++ {
		fs, err := r.Facts(ctx, blurline.FactQuery{From: frontier, FactFilter: f.FactFilter})
		if err != nil {
			return nil, nil, err
		}
		frontier = nil
		for _, fc := range fs {
			for _, e := range []string{fc.Subject, fc.Object} {
				if e != "" && !in[e] {
					in[e] = true
					frontier = append(frontier, e)
				}
			}
		}
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range in {
			if !yield(id) {
				return
			}
		}
	})
	all, err := r.Facts(ctx, blurline.FactQuery{From: ids, FactFilter: f.FactFilter})
	if err != nil {
		return nil, nil, err
	}
	var facts []*blurline.Fact
	for _, fc := range all {
		if in[fc.Subject] && (fc.Object == "" || in[fc.Object]) {
			facts = append(facts, fc)
		}
	}
	for _, fc := range facts {
		if fc.AssertedBy != "" && !in[fc.AssertedBy] {
			in[fc.AssertedBy] = true
			ids = append(ids, fc.AssertedBy)
		}
	}
	nodes, err := r.Nodes(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var out []*blurline.Node
	for i, n := range nodes {
		if n == nil {
			if slices.Contains(f.IDs, ids[i]) {
				return nil, nil, blurline.Errorf(blurline.ErrNotFound, "no entity %q", ids[i])
			}
			continue
		}
		out = append(out, n)
	}
	return out, facts, nil
}

type exporter struct {
	ts   time.Time
	ids  map[string]string // entity id -> STIX id
	typ  map[string]string // entity id -> STIX type
	used map[string]bool
}

// assignID gives an entity its STIX id: its own STIX id of the right type
// when it has one (the smallest, if several) and no other entity took it,
// else uuidv5 of its IRI (for software, STIX's deterministic SCO id).
func (x *exporter) assignID(n *blurline.Node) {
	typ := stixClass(n.Class).Type
	id := ""
	for _, e := range n.ExternalIDs {
		s, ok := strings.CutPrefix(e, "stix:")
		if t, _, valid := splitSTIXID(s); ok && valid && t == typ && !x.used[s] && (id == "" || s < id) {
			id = s
		}
	}
	if id == "" {
		if typeIsSCO(typ) {
			id = scoID(typ, n.Name)
		} else {
			id = mintedID(typ, blurline.EntityIRI(n.ID))
		}
		if x.used[id] {
			id = mintedID(typ, blurline.EntityIRI(n.ID))
		}
	}
	x.used[id] = true
	x.ids[n.ID] = id
	x.typ[n.ID] = typ
}

// stamp formats a STIX timestamp with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// dateText writes a date as Blurline holds it: a day, or an instant.
func dateText(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

func (x *exporter) entity(n *blurline.Node, facts []*blurline.Fact) Object {
	cm := stixClass(n.Class)
	id := x.ids[n.ID]
	sco := typeIsSCO(cm.Type)
	o := Object{"type": cm.Type, "id": id, "spec_version": "2.1", "name": n.Name, xID: n.ID, xClass: string(n.Class)}
	if !sco {
		o["created"], o["modified"] = stamp(x.ts), stamp(x.ts)
	}
	if len(n.Aliases) > 0 {
		if typeHasAliases(cm.Type) {
			o["aliases"] = n.Aliases
		} else {
			o[xAliases] = n.Aliases
		}
	}
	if n.Description != "" {
		if sco {
			o[xDescription] = n.Description
		} else {
			o["description"] = n.Description
		}
	}
	var refs []Object
	var extIDs []string
	for _, s := range n.Sources {
		refs = append(refs, sourceRef(s))
	}
	for _, e := range n.ExternalIDs {
		scheme, value, _ := strings.Cut(e, ":")
		if scheme == "stix" && value == id {
			continue
		}
		extIDs = append(extIDs, e)
		refs = append(refs, Object{"source_name": scheme, "external_id": value})
	}
	switch {
	case sco:
		if len(n.Sources) > 0 {
			o[xSources] = n.Sources
		}
		if len(extIDs) > 0 {
			o[xExternalIDs] = extIDs
		}
	case len(refs) > 0:
		o["external_references"] = refs
	}
	if n.NonState != nil {
		o[xNonState] = *n.NonState
	}
	if n.MotiveWeight != nil {
		o[xMotiveWeight] = *n.MotiveWeight
	}
	exportSourceRecord(o, n.Record)
	switch cm.Type {
	case "identity":
		o["identity_class"] = cm.IdentityClass
		if len(cm.Sectors) > 0 {
			o["sectors"] = cm.Sectors
		}
	case "malware":
		o["is_family"] = true
	case "threat-actor":
		if n.Class == blurline.Contractor {
			o["threat_actor_types"] = []string{"hacker"}
			o["roles"] = []string{"agent"}
		} else {
			o["threat_actor_types"] = []string{"crime-syndicate"}
		}
	case "report":
		o["published"], o["object_refs"] = x.reportFields(n, id, facts)
		switch n.Class {
		case blurline.PublicAttribution:
			o["report_types"] = []string{"threat-actor"}
		case blurline.Advisory:
			o["report_types"] = []string{"attack-pattern", "indicator"}
		}
	}
	return o
}

// reportFields: a report is published on the earliest date of the
// statements it makes, and refers to the entities they name (itself when
// it names none in the bundle).
func (x *exporter) reportFields(n *blurline.Node, id string, facts []*blurline.Fact) (string, []string) {
	var first time.Time
	var refs []string
	for _, f := range facts {
		for _, t := range []time.Time{f.PublishedOn, f.ValidFrom} {
			if !t.IsZero() && f.Subject == n.ID && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
		if other := f.Other(n.ID); other != "" && other != n.ID {
			if sid, ok := x.ids[other]; ok {
				refs = append(refs, sid)
			}
		}
	}
	if first.IsZero() {
		first = x.ts
	}
	refs = dedupe(slices.Sorted(slices.Values(refs)))
	if len(refs) == 0 {
		refs = []string{id}
	}
	return stamp(first), refs
}

var stixRelID = regexp.MustCompile(`(?:^|/)(relationship--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

func (x *exporter) statement(f *blurline.Fact) Object {
	typ := "relationship"
	if f.Value != nil {
		typ = "note"
	}
	// An imported statement's id is minted from its id within the import
	// (what follows "<import id>/"), so that a statement passed from one
	// store to another (a bundle, a TAXII pull) keeps its STIX id.
	id := ""
	_, inner, imported := strings.Cut(f.ID, "/")
	switch m := stixRelID.FindStringSubmatch(f.ID); {
	case m != nil && typ == "relationship" && !x.used[m[1]]:
		id = m[1]
	case imported && !x.used[mintedID(typ, blurline.FactIRI(inner))]:
		id = mintedID(typ, blurline.FactIRI(inner))
	default:
		id = mintedID(typ, blurline.FactIRI(f.ID))
	}
	x.used[id] = true
	created := x.ts
	if !f.PublishedOn.IsZero() {
		created = f.PublishedOn
	} else if !f.ValidFrom.IsZero() {
		created = f.ValidFrom
	}
	o := Object{"type": typ, "id": id, "spec_version": "2.1", "created": stamp(created), "modified": stamp(created),
		xID: f.ID, xPredicate: string(f.Predicate)}
	conf := int(math.Round(f.Confidence * 100))
	o["confidence"] = conf
	if float64(conf)/100 != f.Confidence {
		o[xConfidence] = f.Confidence
	}
	if len(f.Sources) > 0 {
		refs := make([]Object, len(f.Sources))
		for i, s := range f.Sources {
			refs[i] = sourceRef(s)
		}
		o["external_references"] = refs
	}
	if typ == "relationship" {
		rm := relationshipType(f.Predicate)
		src, tgt := x.ids[f.Subject], x.ids[f.Object]
		if rm.Inverse {
			src, tgt = tgt, src
		}
		o["relationship_type"], o["source_ref"], o["target_ref"] = rm.Type, src, tgt
		if !f.ValidFrom.IsZero() {
			o["start_time"] = stampExact(f.ValidFrom)
		}
		if !f.ValidUntil.IsZero() {
			o["stop_time"] = stampExact(f.ValidUntil)
		}
	} else {
		o["object_refs"] = []string{x.ids[f.Subject]}
		o["content"] = fmt.Sprintf("%s: %s", f.Predicate, f.Value.Lexical)
		v := Object{"lexical": f.Value.Lexical}
		if f.Value.Datatype != "" {
			v["datatype"] = f.Value.Datatype
		}
		if f.Value.Lang != "" {
			v["lang"] = f.Value.Lang
		}
		o[xValue] = v
		if !f.ValidFrom.IsZero() {
			o[xValidFrom] = dateText(f.ValidFrom)
		}
		if !f.ValidUntil.IsZero() {
			o[xValidUntil] = dateText(f.ValidUntil)
		}
	}
	if !f.PublishedOn.IsZero() {
		o[xPublishedOn] = dateText(f.PublishedOn)
	}
	if f.AssertedBy != "" {
		if x.typ[f.AssertedBy] == "identity" {
			o["created_by_ref"] = x.ids[f.AssertedBy]
		} else if sid, ok := x.ids[f.AssertedBy]; ok {
			o[xAssertedBy] = sid
		}
	}
	if f.HasHealey {
		o[xHealeyLevel] = f.Healey.String()
		if m := f.Healey.Maurer(); m != "" {
			o[xMaurer] = m
		}
	}
	if f.AttributionKind != "" {
		o[xAttributionKind] = f.AttributionKind
	}
	if f.Alleged {
		o[xAlleged] = true
	}
	if f.Quote != "" {
		o[xQuote] = f.Quote
	}
	if f.Note != "" {
		o[xNote] = f.Note
	}
	if d := cmp.Or(f.Quote, f.Note); d != "" {
		o["description"] = d
	}
	return o
}

// stampExact writes an RFC 3339 timestamp keeping sub-second digits.
func stampExact(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func sourceRef(s string) Object {
	name := "source"
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		name = u.Host
	}
	return Object{"source_name": name, "url": s}
}

// exportSourceRecord writes what a source record says of its document
// (publisher, kind, primary, Admiralty reliability, date, copy of) as
// x_blurline_ properties; importSourceRecord reads them back.
func exportSourceRecord(o Object, r *blurline.SourceRecord) {
	if r == nil {
		return
	}
	rec := Object{"publisher": r.Publisher, "source_kind": string(r.Kind), "primary": r.Primary, "reliability": string(r.Reliability)}
	if !r.PublishedOn.IsZero() {
		rec["published_on"] = r.PublishedOn.UTC().Format("2006-01-02")
	}
	if r.CopyOf != "" {
		rec["copy_of"] = r.CopyOf
	}
	o[xSourceRecord] = rec
}

// assessmentNote writes an assessment as a STIX 2.1 note: abstract its
// name, content the author's quote (its authoredBy fact), authors the
// author's name, object_refs what it assesses and recommends among the
// exported objects (the author when none of them is exported). Its facts
// are exported as relationships beside it, as any entity's are.
func (x *exporter) assessmentNote(n *blurline.Node, facts []*blurline.Fact, nodes []*blurline.Node) Object {
	o := Object{"type": "note", "id": x.ids[n.ID], "spec_version": "2.1", "created": stamp(x.ts), "modified": stamp(x.ts),
		"abstract": n.Name, xID: n.ID, xClass: string(n.Class)}
	names := map[string]string{}
	for _, m := range nodes {
		names[m.ID] = m.Name
	}
	content := n.Description
	var authors, refs []string
	for _, f := range facts {
		if f.Subject != n.ID {
			continue
		}
		switch f.Predicate {
		case blurline.AuthoredBy:
			if f.Quote != "" {
				content = f.Quote
			}
			if name, ok := names[f.Object]; ok {
				authors = append(authors, name)
			}
			if !f.PublishedOn.IsZero() {
				o["created"] = stamp(f.PublishedOn)
			}
		case blurline.Assesses, blurline.Recommends:
			if id, ok := x.ids[f.Object]; ok && !slices.Contains(refs, id) {
				refs = append(refs, id)
			}
		}
	}
	if len(refs) == 0 {
		for _, f := range facts {
			if id, ok := x.ids[f.Object]; ok && f.Subject == n.ID && f.Predicate == blurline.AuthoredBy {
				refs = append(refs, id)
			}
		}
	}
	o["content"] = cmp.Or(content, n.Name)
	if len(authors) > 0 {
		o["authors"] = authors
	}
	if len(refs) > 0 {
		slices.Sort(refs)
		o["object_refs"] = refs
	}
	if n.Description != "" {
		o[xDescription] = n.Description
	}
	var srcRefs []Object
	for _, s := range n.Sources {
		srcRefs = append(srcRefs, sourceRef(s))
	}
	if len(srcRefs) > 0 {
		o["external_references"] = srcRefs
	}
	if len(n.Aliases) > 0 {
		o[xAliases] = n.Aliases
	}
	return o
}
