package interop

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/blurline/blurline"
)

var errInvalid = blurline.ErrInvalid

// An item is an entity a source describes, on its way into the store.
type item struct {
	src  string        // source id for the report (STIX id, MISP uuid, country code)
	typ  string        // source type for the report
	node blurline.Node // as described, with a minted id
	// strong are the identifying external ids (stix:, mitre-attack:, misp:,
	// cve:, iso3166-1:) that match an existing entity on their own.
	strong []string
	// fixedID marks an id the source chose (x_blurline_id): it wins over a
	// name match, as the same id in another Blurline store means the same entity.
	fixedID bool

	target *blurline.Node // the existing entity it merges into, nil if new
	key    string         // what matched
	rank   int            // how strongly
	id     string         // the entity id it ends up as
}

// names returns the item's name and aliases.
func (it *item) names() []string {
	return append([]string{it.node.Name}, it.node.Aliases...)
}

// A planned fact refers to items for its ends; ids are filled in once
// every item is resolved. subjNode/objNode/byNode name existing entities
// a statement points at directly (a ref resolved in the store).
type planFact struct {
	src                       string
	typ                       string // source type, for the report
	fact                      blurline.Fact
	subj, obj, by             *item
	subjNode, objNode, byNode string
}

// A plan is one import: items, facts and the report.
type plan struct {
	items []*item
	facts []*planFact
	rep   *Report
	ix    *storeIndex
	// renames are existing entities that take another id with this
	// import (old id to new id): see canonicalID.
	renames   map[string]string
	canRename bool // the store renames entities (renamer)
	// source is what the import read, for a store that keeps it (see
	// together.go).
	source blurline.ImportSource
}

// planImport starts the plan of one import against the store's index;
// fallback is the source of statements that cite none.
func planImport(ctx context.Context, s Reader, rep *Report, fallback string) (*plan, error) {
	if _, ok := cleanIRI(fallback); !ok {
		return nil, blurline.Errorf(errInvalid, "source %q is not an absolute http(s) URL", fallback)
	}
	ix, err := indexStore(ctx, s)
	if err != nil {
		return nil, err
	}
	p := newPlan(rep)
	p.ix = ix
	return p, nil
}

func newPlan(rep *Report) *plan { return &plan{rep: rep} }

func (p *plan) add(it *item) *item {
	it.node.Aliases = dedupeFold(it.node.Name, it.node.Aliases)
	it.node.Sources = dedupe(it.node.Sources)
	it.node.ExternalIDs = dedupe(it.node.ExternalIDs)
	it.strong = dedupe(it.strong)
	p.items = append(p.items, it)
	return it
}

// fold adds what a revoked object was known by to the object replacing it.
func (p *plan) fold(revoked, into *item) {
	into.node.Aliases = dedupeFold(into.node.Name, append(into.node.Aliases, revoked.names()...))
	into.node.ExternalIDs = dedupe(append(into.node.ExternalIDs, revoked.node.ExternalIDs...))
	into.strong = dedupe(append(into.strong, revoked.strong...))
}

// ---- the store, indexed for matching

type nameHit struct {
	node   *blurline.Node
	isName bool // the entity's name (not an alias)
}

type storeIndex struct {
	byID   map[string]*blurline.Node
	byExt  map[string][]*blurline.Node // lower-case external id
	byName map[string][]nameHit        // lower-case name or alias
	byUUID map[string][]*blurline.Node // uuid of a stix:/misp: external id
}

func indexStore(ctx context.Context, s Reader) (*storeIndex, error) {
	nodes, err := s.FindNodes(ctx, blurline.NodeQuery{})
	if err != nil {
		return nil, err
	}
	ix := &storeIndex{byID: map[string]*blurline.Node{}, byExt: map[string][]*blurline.Node{},
		byName: map[string][]nameHit{}, byUUID: map[string][]*blurline.Node{}}
	for _, n := range nodes {
		ix.byID[n.ID] = n
		for _, x := range n.ExternalIDs {
			k := strings.ToLower(x)
			ix.byExt[k] = appendNode(ix.byExt[k], n)
			if u := uuidOf(x); u != "" {
				ix.byUUID[u] = appendNode(ix.byUUID[u], n)
			}
		}
		ix.byName[fold(n.Name)] = append(ix.byName[fold(n.Name)], nameHit{n, true})
		for _, a := range n.Aliases {
			if fold(a) != fold(n.Name) {
				ix.byName[fold(a)] = append(ix.byName[fold(a)], nameHit{n, false})
			}
		}
	}
	return ix, nil
}

func appendNode(list []*blurline.Node, n *blurline.Node) []*blurline.Node {
	if slices.Contains(list, n) {
		return list
	}
	return append(list, n)
}

var trailingUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// uuidOf returns the uuid of a stix: or misp: external id.
func uuidOf(extID string) string {
	if !strings.HasPrefix(extID, "stix:") && !strings.HasPrefix(extID, "misp:") {
		return ""
	}
	return strings.ToLower(trailingUUID.FindString(extID))
}

// byStixID returns the one entity that has a STIX id as an external id.
func (ix *storeIndex) byStixID(id string) (*blurline.Node, bool) {
	ns := ix.byExt[strings.ToLower("stix:"+id)]
	if len(ns) == 1 {
		return ns[0], true
	}
	return nil, false
}

// ---- matching

// identifying reports whether an external id scheme identifies an entity
// on its own.
func identifying(extID string) bool {
	scheme, _, _ := strings.Cut(extID, ":")
	switch scheme {
	case "stix", "mitre-attack", "mitre-ics-attack", "mitre-mobile-attack", "misp", "cve", "iso3166-1":
		return true
	}
	return false
}

// conflictKey is the namespace within which an entity has at most one id:
// two entities with different ATT&CK group ids, MISP clusters of the same
// galaxy, CVE or country codes are different entities whatever their names.
// STIX ids are not in it: producers mint their own ids for the same actor.
func conflictKey(extID string) string {
	scheme, rest, _ := strings.Cut(extID, ":")
	switch scheme {
	case "mitre-attack", "mitre-ics-attack", "mitre-mobile-attack":
		if rest != "" {
			return "mitre-attack:" + rest[:1] // G groups, S software, T techniques, C campaigns
		}
	case "misp":
		if g, _, ok := strings.Cut(rest, ":"); ok {
			return "misp:" + g
		}
	case "cve", "iso3166-1":
		return scheme
	}
	return ""
}

// conflicts reports whether an item and an entity hold different ids in
// the same namespace (and no shared one there).
func conflicts(it *item, n *blurline.Node) (string, bool) {
	mine := map[string][]string{}
	for _, x := range it.node.ExternalIDs {
		if k := conflictKey(x); k != "" {
			mine[k] = append(mine[k], strings.ToLower(x))
		}
	}
	theirs := map[string][]string{}
	for _, x := range n.ExternalIDs {
		if k := conflictKey(x); k != "" {
			theirs[k] = append(theirs[k], strings.ToLower(x))
		}
	}
	for k, a := range mine {
		b, ok := theirs[k]
		if !ok {
			continue
		}
		shared := false
		for _, x := range a {
			if slices.Contains(b, x) {
				shared = true
			}
		}
		if !shared {
			return fmt.Sprintf("%s vs %s", a[0], b[0]), true
		}
	}
	return "", false
}

// compatGroups are the classes a name match may cross: sources classify the
// same actor differently (an ATT&CK intrusion set, a MISP threat actor and
// Blurline's CriminalGroup Evil Corp are one actor).
var compatGroups = [][]blurline.Class{
	{blurline.ThreatGroup, blurline.CriminalGroup, blurline.Contractor},
	{blurline.IntelligenceService, blurline.GovernmentBody, blurline.RegionalBureau},
	{blurline.State, blurline.GovernmentBody},
	{blurline.Company, blurline.FrontCompany, blurline.Contractor, blurline.GovernmentBody, blurline.IntelligenceService,
		blurline.RegionalBureau, blurline.Alliance, blurline.InternationalOrganization},
	{blurline.Incident, blurline.Campaign},
	{blurline.Malware, blurline.Tool},
	{blurline.Document, blurline.PublicAttribution, blurline.Indictment, blurline.Advisory},
	{blurline.Patch, blurline.Operation},
}

func compatible(a, b blurline.Class) bool {
	if a == b {
		return true
	}
	for _, g := range compatGroups {
		if slices.Contains(g, a) && slices.Contains(g, b) {
			return true
		}
	}
	return false
}

// Match ranks, strongest first.
const (
	rankOwn      = 6 // the entity this source wrote before (same id and external id)
	rankFixedID  = 5 // the same Blurline id
	rankExternal = 4 // a shared identifying external id
	rankName     = 3 // name = name
	rankNameAlt  = 2 // name = alias or alias = name
	rankAlias    = 1 // alias = alias
)

// match finds the existing entity an item describes, if any.
func (p *plan) match(it *item) {
	ix := p.ix
	// A fixed (Blurline) id already in the store.
	if n, ok := ix.byID[it.node.ID]; ok && it.fixedID {
		if compatible(it.node.Class, n.Class) {
			it.target, it.key, it.rank = n, fmt.Sprintf("Blurline id %q", n.ID), rankFixedID
			return
		}
	}
	// External ids.
	var cands []*blurline.Node
	keys := map[*blurline.Node]string{}
	for _, x := range it.strong {
		for _, n := range ix.byExt[strings.ToLower(x)] {
			if _, seen := keys[n]; !seen {
				keys[n] = x
				cands = append(cands, n)
			}
		}
	}
	for _, n := range cands {
		if n.ID == it.node.ID {
			it.target, it.key, it.rank = n, fmt.Sprintf("external id %q (the entity of that id)", keys[n]), rankOwn
			return
		}
	}
	switch {
	case len(cands) == 1:
		n := cands[0]
		it.target, it.key, it.rank = n, fmt.Sprintf("external id %q", keys[n]), rankExternal
		return
	case len(cands) > 1:
		p.rep.note("%s %q: its external ids match %d entities (%s): not merged", it.src, it.node.Name, len(cands), nodeList(cands, keys))
		return
	}
	// Names, tier by tier; the first tier with candidates decides.
	type tier struct {
		rank  int
		label string
		test  func(key string, h nameHit, isItemName bool) bool
	}
	tiers := []tier{
		{rankName, "name", func(_ string, h nameHit, isItemName bool) bool { return h.isName && isItemName }},
		{rankNameAlt, "name/alias", func(_ string, h nameHit, isItemName bool) bool { return h.isName != isItemName }},
		{rankAlias, "alias", func(_ string, h nameHit, isItemName bool) bool { return !h.isName && !isItemName }},
	}
	itemNames := it.names()
	for _, t := range tiers {
		var cands []*blurline.Node
		keys := map[*blurline.Node]string{}
		for i, name := range itemNames {
			for _, h := range ix.byName[fold(name)] {
				if !t.test(name, h, i == 0) || !compatible(it.node.Class, h.node.Class) {
					continue
				}
				if why, bad := conflicts(it, h.node); bad {
					if _, seen := keys[h.node]; !seen {
						keys[h.node] = ""
						p.rep.note("%s %q: %s %q matches entity %s, but their ids differ (%s): not merged", it.src, it.node.Name, t.label, name, h.node.ID, why)
					}
					continue
				}
				if _, seen := keys[h.node]; !seen {
					keys[h.node] = name
					cands = append(cands, h.node)
				}
			}
		}
		switch {
		case len(cands) == 1:
			n := cands[0]
			it.target, it.key, it.rank = n, fmt.Sprintf("%s %q", t.label, keys[n]), t.rank
			return
		case len(cands) > 1:
			p.rep.note("%s %q: ambiguous %s match with %d entities (%s): not merged", it.src, it.node.Name, t.label, len(cands), nodeList(cands, keys))
			return
		}
	}
}

func nodeList(ns []*blurline.Node, keys map[*blurline.Node]string) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%s by %q", n.ID, keys[n]))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// resolve matches every item against the store, settles contests (two
// items of this source claiming one entity: the strongest unique claim
// wins, the others become entities of their own) and gives every item its
// final id.
func (p *plan) resolve(ctx context.Context, s Reader) error {
	ix, err := indexStore(ctx, s)
	if err != nil {
		return err
	}
	p.ix = ix
	claims := map[string][]*item{}
	for _, it := range p.items {
		p.match(it)
		if it.target != nil {
			claims[it.target.ID] = append(claims[it.target.ID], it)
		}
	}
	for id, its := range claims {
		if len(its) < 2 {
			continue
		}
		slices.SortFunc(its, func(a, b *item) int { return b.rank - a.rank })
		winner := its[0]
		if its[1].rank == winner.rank {
			winner = nil
		}
		for _, it := range its {
			if it == winner {
				continue
			}
			p.rep.note("%s %q: %d objects of this source match entity %s (this one by %s): not merged", it.src, it.node.Name, len(its), id, it.key)
			it.target, it.key, it.rank = nil, "", 0
		}
	}
	used := map[string]bool{}
	p.renames = map[string]string{}
	for _, it := range p.items {
		if it.target != nil {
			it.id = it.target.ID
			// An entity's id is a function of what describes it, not of
			// which description came first: the best minted id wins.
			if nu := it.node.ID; p.canRename && betterID(nu, it.target.ID) && ix.byID[nu] == nil && !used[nu] {
				p.renames[it.target.ID] = nu
				it.id = nu
				p.rep.note("%s %q: entity %s takes the id %s (ids do not depend on the order of imports)", it.src, it.node.Name, it.target.ID, nu)
			}
			used[it.id] = true
			continue
		}
		id := it.node.ID
		if _, taken := ix.byID[id]; taken || used[id] {
			h := sha1.Sum([]byte(it.src))
			id = id + "-" + hex.EncodeToString(h[:4])
			p.rep.note("%s %q: id %q is taken by another entity: created as %q", it.src, it.node.Name, it.node.ID, id)
		}
		used[id] = true
		it.id = id
	}
	return nil
}

// build turns the resolved plan into the nodes and facts to write.
func (p *plan) build() ([]blurline.Node, []blurline.Fact) {
	var nodes []blurline.Node
	for _, it := range p.items {
		if it.target == nil {
			n := it.node
			n.ID = it.id
			nodes = append(nodes, n)
			p.rep.Created = append(p.rep.Created, Created{Object: it.src, Entity: it.id, Class: string(n.Class), Name: n.Name})
			continue
		}
		n := mergeNode(it, it.target)
		if it.id != it.target.ID && it.node.Description != "" {
			// The description that gives the entity its id describes it
			// (the store drops the earlier description).
			n.Description = it.node.Description
		}
		n.ID = it.id
		nodes = append(nodes, n)
		p.rep.Merged = append(p.rep.Merged, Merge{Object: it.src, Name: it.node.Name, Entity: it.id, Key: it.key})
	}
	var facts []blurline.Fact
	seen := map[string]int{}
	for _, pf := range p.facts {
		f := pf.fact
		f.Subject = p.pick(pf.subj, pf.subjNode)
		if pf.obj != nil || pf.objNode != "" {
			f.Object = p.pick(pf.obj, pf.objNode)
		}
		f.AssertedBy = p.pick(pf.by, pf.byNode)
		if f.Value == nil && f.Subject == f.Object {
			p.rep.count(pf.typ).Mapped--
			p.rep.skip(pf.src, pf.typ, "both ends are one entity here (%s): the source relates two descriptions of one actor", f.Subject)
			continue
		}
		if i, dup := seen[f.ID]; dup {
			if facts[i].Equal(&f) {
				continue
			}
			f.ID = fmt.Sprintf("%s-%d", f.ID, len(facts))
		}
		seen[f.ID] = len(facts)
		facts = append(facts, f)
	}
	p.rep.Facts = len(facts)
	return append(nodes, p.sourceRecords(nodes, facts)...), facts
}

func (p *plan) pick(it *item, id string) string {
	if it != nil {
		return it.id
	}
	if nu, ok := p.renames[id]; ok {
		return nu
	}
	return id
}

// mintedRank orders the ids imports mint for entities, best first: a STIX
// id (the source's own, or ATT&CK's through a MISP galaxy), a MISP cluster
// id, a country. 0: not minted (the seed's curated ids, Blurline ids from
// x_blurline_id), which are never replaced.
func mintedRank(id string) int {
	switch {
	case stixIDPrefix.MatchString(id):
		return 1
	case strings.HasPrefix(id, "misp-"):
		return 2
	case strings.HasPrefix(id, "country-") && len(id) == len("country-")+2:
		return 3
	}
	return 0
}

var stixIDPrefix = regexp.MustCompile(`^[a-z][a-z0-9-]*--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// betterID reports whether minted id a should replace the id b of the
// entity it merges into: b is minted too, and a ranks before it (by kind,
// then as a string). Whatever order descriptions arrive in, the entity
// ends with the best id among them.
func betterID(a, b string) bool {
	ra, rb := mintedRank(a), mintedRank(b)
	if ra == 0 || rb == 0 || a == b {
		return false
	}
	return ra < rb || ra == rb && a < b
}

// mergeNode is what an item adds to an existing entity: every name (the
// item's name becomes an alias unless it is the entity's name), source and
// external id, restated in the import's graph so that the import holds all
// it says; the class and name only where they agree with the entity (a
// merge never reclassifies); the description only where the entity has
// none. Every spelling of a name is kept (GADOLINIUM and Gadolinium), so
// that the names an entity ends with do not depend on which description
// came first.
func mergeNode(it *item, t *blurline.Node) blurline.Node {
	n := blurline.Node{ID: t.ID, Sources: it.node.Sources, ExternalIDs: it.node.ExternalIDs, Marking: it.node.Marking}
	if it.node.Class == t.Class {
		n.Class = t.Class
	}
	name := t.Name
	if it.id != t.ID {
		// The description that gives the entity its id names it (the
		// store makes the earlier name an alias).
		name = it.node.Name
	}
	if it.node.Name == name {
		n.Name = name
	}
	for _, a := range it.names() {
		if a != name {
			n.Aliases = append(n.Aliases, a)
		}
	}
	n.Aliases = dedupe(n.Aliases)
	if t.Description == "" || t.Description == it.node.Description {
		n.Description = it.node.Description
	}
	if it.node.NonState != nil && (t.NonState == nil || *t.NonState == *it.node.NonState) {
		n.NonState = it.node.NonState
	}
	if it.node.MotiveWeight != nil && (t.MotiveWeight == nil || *t.MotiveWeight == *it.node.MotiveWeight) {
		n.MotiveWeight = it.node.MotiveWeight
	}
	// A source record is restated as the store holds it: a merge never
	// regrades a source (sources.go).
	switch {
	case t.Record != nil:
		r := *t.Record
		n.Record = &r
	case it.node.Record != nil && n.Class == blurline.Source:
		n.Record = it.node.Record
	}
	return n
}

// write writes the plan as one import: decided together with the
// store's other imports if it keeps them (writeTogether), else at once.
func (p *plan) write(ctx context.Context, s Store, file string) (*Report, error) {
	if r, ok := s.(rebuilder); ok {
		return p.writeTogether(ctx, s, r, file)
	}
	return p.writeNow(ctx, s, file)
}

// writeNow resolves the plan against the store as it is and writes it.
func (p *plan) writeNow(ctx context.Context, s Store, file string) (*Report, error) {
	_, p.canRename = s.(renamer)
	if err := p.resolve(ctx, s); err != nil {
		return nil, err
	}
	nodes, facts := p.build()
	if len(nodes) == 0 && len(facts) == 0 {
		return p.rep, nil
	}
	if err := p.writeStore(blurline.WithInputName(ctx, file), s, nodes, facts); err != nil {
		return nil, p.explain(err, file, nodes, facts)
	}
	return p.rep, nil
}

// renamer is a Store that renames entities in the write of an import
// (*graph.Store).
type renamer interface {
	WriteImportRenaming(ctx context.Context, id string, renames map[string]string, nodes []blurline.Node, facts []blurline.Fact) ([]*blurline.Fact, error)
}

func (p *plan) writeStore(ctx context.Context, s Store, nodes []blurline.Node, facts []blurline.Fact) error {
	if len(p.renames) > 0 {
		if r, ok := s.(renamer); ok {
			_, err := r.WriteImportRenaming(ctx, p.rep.ImportID, p.renames, nodes, facts)
			return err
		}
	}
	_, err := s.WriteImport(ctx, p.rep.ImportID, nodes, facts)
	return err
}

// explain names the source objects behind the store's problems with a
// write's items (nodes[i], facts[i]).
func (p *plan) explain(err error, file string, nodes []blurline.Node, facts []blurline.Fact) error {
	items := blurline.Items(err)
	if len(items) == 0 {
		if kind, _ := blurline.KindOf(err); kind == blurline.ErrInvalid {
			return blurline.Errorf(errInvalid, "%s: the store refused the import: %s", file, blurline.Public(err))
		}
		return fmt.Errorf("%s: import %s: %w", file, p.rep.ImportID, err)
	}
	msgs := make([]string, len(items))
	for k, it := range items {
		switch i := it.Index; {
		case it.Field == "nodes" && i >= 0 && i < len(nodes):
			msgs[k] = fmt.Sprintf("%s (entity %s): %s", it.Where(), nodes[i].ID, it.Message)
		case it.Field == "facts" && i >= 0 && i < len(facts):
			msgs[k] = fmt.Sprintf("%s (statement %s): %s", it.Where(), facts[i].ID, it.Message)
		default:
			msgs[k] = it.Error()
		}
	}
	return blurline.Errorf(errInvalid, "%s: the store refused the import: %s", file, strings.Join(msgs, "\n"))
}

// ---- small helpers

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// dedupeFold drops empty aliases, the name itself and case variants.
func dedupeFold(name string, aliases []string) []string {
	seen := map[string]bool{fold(name): true}
	var out []string
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		if a == "" || seen[fold(a)] {
			continue
		}
		seen[fold(a)] = true
		out = append(out, a)
	}
	return out
}

// cleanIRI returns s if it is an absolute http(s) URL that can be written as
// an N-Quads IRI.
func cleanIRI(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if blurline.CheckIRI(s) != nil {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "urn") || (u.Scheme != "urn" && u.Host == "") {
		return "", false
	}
	return s, true
}
