package interop

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/blurline/blurline"
)

// galaxyClasses gives the class of a galaxy's clusters; for the galaxies
// MISP derives from ATT&CK, the STIX type whose id the cluster uuid is.
var galaxyClasses = map[string]struct {
	class blurline.Class
	stix  string
}{
	"threat-actor":         {blurline.ThreatGroup, ""},
	"mitre-intrusion-set":  {blurline.ThreatGroup, "intrusion-set"},
	"mitre-campaign":       {blurline.Campaign, "campaign"},
	"mitre-malware":        {blurline.Malware, "malware"},
	"mitre-tool":           {blurline.Tool, "tool"},
	"mitre-attack-pattern": {blurline.AttackPattern, "attack-pattern"},
	"malpedia":             {blurline.Malware, ""},
	"ransomware":           {blurline.Malware, ""},
	"rat":                  {blurline.Malware, ""},
	"backdoor":             {blurline.Malware, ""},
	"botnet":               {blurline.Malware, ""},
	"stealer":              {blurline.Malware, ""},
	"tool":                 {blurline.Tool, ""},
	"exploit-kit":          {blurline.Tool, ""},
	"sector":               {blurline.Sector, ""},
}

// mispPredicates maps galaxy relation types.
var mispPredicates = map[string]blurline.Predicate{
	"similar":         blurline.RelatedTo,
	"uses":            blurline.Uses,
	"targets":         blurline.Targeted,
	"part-of":         blurline.PartOf,
	"linked-to":       blurline.RelatedTo,
	"overlaps":        blurline.RelatedTo,
	"associated-with": blurline.RelatedTo,
	"related-to":      blurline.RelatedTo,
	"variant-of":      blurline.RelatedTo,
	"successor-of":    blurline.RelatedTo,
	"predecessor-of":  blurline.RelatedTo,
	"deploys":         blurline.Uses,
	"delivers":        blurline.Uses,
	"attributed-to":   blurline.AttributedTo,
	"affiliated-with": blurline.AffiliatedWith,
	"member-of":       blurline.MemberOf,
}

var (
	galaxyType   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	attackSuffix = regexp.MustCompile(` - ([GSTCM]\d{4}(\.\d{3})?)$`)
	estimative   = regexp.MustCompile(`^estimative-language:likelihood-probability="([a-z-]+)"$`)
)

// ImportMISPGalaxy imports a MISP galaxy cluster file (such as
// clusters/threat-actor.json) in one write.
func ImportMISPGalaxy(ctx context.Context, s Store, data []byte, opt ImportOptions) (*Report, error) {
	pr := &problems{}
	v, err := decodeJSON(data)
	if err != nil {
		pr.add("galaxy", "%v", err)
		return nil, pr.err(opt.Name)
	}
	top, ok := v.(map[string]any)
	if !ok {
		pr.add("galaxy", "must be a JSON object with \"type\" and \"values\", got %s", jsonType(v))
		return nil, pr.err(opt.Name)
	}
	g := jobj{m: top, path: "galaxy", pr: pr}
	typ := g.str("type")
	gc, known := galaxyClasses[typ]
	switch {
	case typ == "":
		pr.add("type", "missing: a galaxy cluster file names its galaxy type")
	case !galaxyType.MatchString(typ):
		pr.add("type", "%q is not a galaxy type", typ)
	case !known:
		if c := g.str("category"); c == "actor" {
			gc.class = blurline.ThreatGroup
		} else {
			pr.add("type", "galaxy %q is not supported (its clusters have no Blurline class; supported: threat-actor, mitre-intrusion-set, mitre-malware, mitre-tool, malpedia, ... or any galaxy of category \"actor\")", typ)
		}
	}
	if !g.has("values") {
		pr.add("values", "missing: a galaxy cluster file lists its clusters in values")
	}
	values := g.objects("values")
	if err := pr.err(opt.Name); err != nil {
		return nil, err
	}
	rep := newReport("misp-galaxy " + typ)
	h := sha256.Sum256(data)
	rep.ImportID = cmp.Or(opt.ImportID, "misp-"+typ+"-"+hex.EncodeToString(h[:6]))
	fallback := cmp.Or(opt.Source, "https://github.com/MISP/misp-galaxy/blob/main/clusters/"+typ+".json")
	p, err := planImport(ctx, s, rep, fallback)
	if err != nil {
		return nil, err
	}
	gm := &galaxyMapper{p: p, pr: pr, typ: typ, class: gc.class, stix: gc.stix, fallback: fallback, marking: tagMarking(mispTags(g), opt.Marking),
		byUUID: map[string]*item{}, revoked: map[string]*item{}, countries: map[string]*item{}, seen: map[string]int{}}
	gm.run(values)
	if err := pr.err(opt.Name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.source = blurline.ImportSource{ID: rep.ImportID, Format: FormatMISPGalaxy, Name: opt.Name, Source: opt.Source,
		Marking: opt.Marking, Clearance: blurline.ClearanceFromContext(ctx), Data: data}
	return p.write(ctx, s, cmp.Or(opt.Name, rep.ImportID))
}

type galaxyMapper struct {
	p         *plan
	pr        *problems
	typ       string
	class     blurline.Class
	stix      string
	fallback  string
	marking   blurline.Marking // of clusters without a tlp: tag (the file's tags, or the import's)
	byUUID    map[string]*item
	revoked   map[string]*item
	countries map[string]*item
	seen      map[string]int // uuid -> index of its first cluster
}

type cluster struct {
	jobj
	uuid string
	meta jobj
	it   *item
}

func (g *galaxyMapper) run(values []jobj) {
	rep := g.p.rep
	rep.Objects = len(values)
	var clusters []*cluster
	for i, v := range values {
		c := &cluster{jobj: v, uuid: strings.ToLower(v.str("uuid"))}
		if c.uuid != "" {
			c.path = fmt.Sprintf("values[%d] (%s)", i, c.uuid)
		}
		rep.count("cluster").Read++
		if !uuidPattern.MatchString(c.uuid) {
			g.pr.add(c.at("uuid"), "must be a UUID, got %q", v.str("uuid"))
			continue
		}
		if j, dup := g.seen[c.uuid]; dup {
			g.pr.add(c.at("uuid"), "repeats the uuid of values[%d]", j)
			continue
		}
		g.seen[c.uuid] = i
		if strings.TrimSpace(c.str("value")) == "" {
			g.pr.add(c.at("value"), "missing: a cluster needs a name")
			continue
		}
		c.meta, _ = c.object("meta")
		if c.meta.m == nil {
			c.meta = jobj{m: map[string]any{}, path: c.at("meta"), pr: g.pr}
		}
		c.it = g.describe(c)
		if c.boolean("revoked") {
			g.revoked[c.uuid] = c.it
			rep.skip(c.uuid, "cluster", "revoked")
		} else {
			g.byUUID[c.uuid] = g.p.add(c.it)
			rep.count("cluster").Mapped++
		}
		clusters = append(clusters, c)
	}
	for _, c := range clusters {
		if _, live := g.byUUID[c.uuid]; live {
			g.statements(c)
		}
	}
	for _, c := range clusters {
		g.relations(c)
	}
}

func (g *galaxyMapper) describe(c *cluster) *item {
	name := strings.TrimSpace(c.str("value"))
	n := blurline.Node{ID: "misp-" + g.typ + "-" + c.uuid, Class: g.class, Description: strings.TrimSpace(c.str("description"))}
	n.ExternalIDs = []string{"misp:" + g.typ + ":" + c.uuid}
	if g.stix != "" {
		n.ID = g.stix + "--" + c.uuid
		n.ExternalIDs = append(n.ExternalIDs, "stix:"+n.ID)
		ext := strings.TrimSpace(c.meta.str("external_id"))
		if m := attackSuffix.FindStringSubmatch(name); m != nil {
			name = strings.TrimSuffix(name, m[0])
			ext = cmp.Or(ext, m[1])
		}
		if ext != "" {
			n.ExternalIDs = append(n.ExternalIDs, "mitre-attack:"+ext)
		}
	}
	n.Name = name
	n.Marking = tagMarking(append(mispTags(c.jobj), mispTags(c.meta)...), g.marking)
	n.Aliases = c.meta.strs("synonyms")
	bad := 0
	for _, r := range c.meta.strs("refs") {
		if u, ok := cleanIRI(r); ok {
			n.Sources = append(n.Sources, u)
		} else {
			bad++
		}
	}
	if bad > 0 {
		g.p.rep.note("%s %q: %d ref(s) are not absolute http(s) URLs: left out", c.uuid, name, bad)
	}
	it := &item{src: c.uuid, typ: "cluster", node: n}
	for _, x := range n.ExternalIDs {
		if identifying(x) {
			it.strong = append(it.strong, x)
		}
	}
	return it
}

// country returns the State item for a country, made once per import.
func (g *galaxyMapper) country(c *country) *item {
	if it, ok := g.countries[c.Code]; ok {
		return it
	}
	it := g.p.add(&item{src: c.Code, typ: "country", node: blurline.Node{
		ID: "country-" + strings.ToLower(c.Code), Class: blurline.State, Name: c.Name, Marking: g.marking,
		Aliases: c.Aliases, ExternalIDs: []string{countryExternalID(c)},
	}, strong: []string{countryExternalID(c)}})
	g.countries[c.Code] = it
	g.p.rep.count("country").Read++
	g.p.rep.count("country").Mapped++
	return it
}

// statements turns meta.country and cfr-suspected-state-sponsor into facts.
func (g *galaxyMapper) statements(c *cluster) {
	rep := g.p.rep
	conf, hasConf := c.meta.number("attribution-confidence")
	if hasConf && (conf < 0 || conf > 100) {
		g.pr.add(c.meta.at("attribution-confidence"), "must be 0..100, got %v", conf)
		return
	}
	conf /= 100
	pred := blurline.OriginatesFrom
	if g.class != blurline.ThreatGroup && g.class != blurline.Campaign {
		pred = blurline.LocatedAt
	}
	for _, code := range c.meta.strs("country") {
		if strings.TrimSpace(code) == "" {
			continue
		}
		ctry, ok := lookupCountry(code)
		if !ok {
			rep.skip(c.uuid, "country", "unknown country code %q", code)
			continue
		}
		f := blurline.Fact{Marking: c.it.node.Marking, ID: c.uuid + "-country-" + strings.ToLower(ctry.Code), Predicate: pred, Sources: []string{g.fallback},
			Note: fmt.Sprintf("MISP %s galaxy: country %q", g.typ, code)}
		if hasConf {
			f.Confidence = conf
			f.Note += fmt.Sprintf(", attribution-confidence %v", conf*100)
		} else {
			f.Confidence = DefaultConfidence
			rep.DefaultConfidence++
		}
		g.p.facts = append(g.p.facts, &planFact{src: c.uuid, typ: "country statement", fact: f, subj: c.it, obj: g.country(ctry)})
		rep.count("country statement").Read++
		rep.count("country statement").Mapped++
	}
	sponsor := strings.TrimSpace(c.meta.str("cfr-suspected-state-sponsor"))
	if sponsor == "" {
		return
	}
	rep.count("sponsor statement").Read++
	ctry, ok := lookupCountry(sponsor)
	if !ok {
		rep.skip(c.uuid, "sponsor statement", "cfr-suspected-state-sponsor %q is not a known state", sponsor)
		return
	}
	var srcs []string
	for _, s := range c.it.node.Sources {
		if strings.Contains(s, "cfr.org/") {
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		srcs = []string{g.fallback}
	}
	f := blurline.Fact{Marking: c.it.node.Marking, ID: c.uuid + "-sponsor-" + strings.ToLower(ctry.Code), Predicate: blurline.SponsoredBy,
		Sources:    slices.Sorted(slices.Values(srcs)),
		Confidence: SponsorConfidence,
		Note:       fmt.Sprintf("MISP %s galaxy: cfr-suspected-state-sponsor %q (CFR Cyber Operations Tracker); a suspicion, Healey level unknown", g.typ, sponsor)}
	if hasConf && conf < f.Confidence {
		f.Confidence = conf
	}
	g.p.facts = append(g.p.facts, &planFact{src: c.uuid, typ: "sponsor statement", fact: f, subj: c.it, obj: g.country(ctry)})
	rep.count("sponsor statement").Mapped++
}

// relations turns related entries into facts (revoked-by folds the revoked
// cluster's names into its replacement).
func (g *galaxyMapper) relations(c *cluster) {
	rep := g.p.rep
	for i, r := range c.objects("related") {
		rep.count("related").Read++
		dest := strings.ToLower(r.str("dest-uuid"))
		rt := r.str("type")
		if !uuidPattern.MatchString(dest) {
			g.pr.add(r.at("dest-uuid"), "must be a UUID, got %q", r.str("dest-uuid"))
			continue
		}
		tags := r.strs("tags")
		subj, live := g.byUUID[c.uuid]
		if rt == "revoked-by" {
			if old, ok := g.revoked[c.uuid]; ok {
				if into, ok := g.byUUID[dest]; ok {
					g.p.fold(old, into)
				}
			}
			rep.skip(c.uuid, "related", "revoked-by: the revoked cluster's names and ids go to its replacement")
			continue
		}
		if !live {
			rep.skip(c.uuid, "related", "its cluster is revoked")
			continue
		}
		pred, ok := mispPredicates[rt]
		if !ok {
			rep.skip(c.uuid, "related", "relation type %q has no Blurline predicate", rt)
			continue
		}
		obj, objNode := g.byUUID[dest], ""
		if obj == nil {
			if _, rev := g.revoked[dest]; rev {
				rep.skip(c.uuid, "related", "%s %s: the destination is revoked", rt, dest)
				continue
			}
			ns := g.p.ix.byUUID[dest]
			if len(ns) != 1 {
				rep.skip(c.uuid, "related", "%s: the destination is in neither this galaxy nor the store", rt)
				continue
			}
			objNode = ns[0].ID
		}
		if pred == blurline.Targeted && classOfEnd(obj, objNode, g.p.ix) == blurline.Vulnerability {
			pred = blurline.Exploited
		}
		f := blurline.Fact{Marking: c.it.node.Marking, ID: fmt.Sprintf("%s-related-%d", c.uuid, i), Predicate: pred, Sources: []string{g.fallback},
			Note: fmt.Sprintf("MISP %s galaxy: %s", g.typ, rt)}
		f.Confidence = -1
		for _, t := range tags {
			m := estimative.FindStringSubmatch(t)
			if m == nil {
				continue
			}
			if v, ok := likelihood[m[1]]; ok {
				f.Confidence = v
				f.Note += fmt.Sprintf(" (%s)", m[1])
				break
			}
			g.pr.add(r.at("tags"), "unknown estimative-language likelihood %q", m[1])
		}
		if f.Confidence < 0 {
			f.Confidence = DefaultConfidence
			rep.DefaultConfidence++
		}
		g.p.facts = append(g.p.facts, &planFact{src: c.uuid, typ: "related", fact: f, subj: subj, obj: obj, objNode: objNode})
		rep.count("related").Mapped++
	}
}
