package interop

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/blurline/blurline"
)

// Source records for what an import cites.
//
// Every URL an imported entity or statement cites has a source record in
// the import, so that blurline check and the evidence filters
// (minReliability, sourceKinds) weigh imported knowledge as they weigh the
// seed's:
//
//   - a URL the file itself describes (a Blurline export's source records)
//     keeps that record;
//   - a URL the store has a record of is cited with it, restated in the
//     import's graph, so that the import holds every record it needs (taking
//     back another import does not leave its sources unrecorded) and a merge
//     never regrades a source;
//   - any other URL gets a new record by a conservative rule. Its title is
//     the URL without its scheme and its publisher the host (without
//     "www."), or the publisher every graded record of that host names.
//     When every graded record of the host (graded A to E, of a known kind)
//     is a primary text, the host publishes its own texts (whitehouse.gov,
//     justice.gov, attack.mitre.org): the new record is primary, graded as
//     the worst of those records and of their kind when they share one
//     (else unknown). Otherwise it is of unknown kind, not primary, and
//     graded F: reliability cannot be judged. A record an import made is
//     never itself the ground of another's grade beyond what it copied, so
//     the rule gives the same record whatever order files come in.

// hostGrade is what the store's graded records say of one host.
type hostGrade struct {
	publishers []string
	kinds      []blurline.SourceKind
	worst      blurline.Reliability
	primary    bool // every graded record of the host is a primary text
	records    int
}

// hostOf is the host a source is filed under: lower case, without "www.".
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}

// hostGrades reads the store's graded source records by host.
func (ix *storeIndex) hostGrades() map[string]*hostGrade {
	out := map[string]*hostGrade{}
	for _, n := range ix.byID {
		r := n.Record
		if n.Class != blurline.Source || r == nil || r.Kind == blurline.UnknownKind || r.Reliability == "F" || r.Reliability == "" {
			continue
		}
		h := hostOf(blurline.EntityIRI(n.ID))
		if h == "" {
			continue
		}
		g := out[h]
		if g == nil {
			g = &hostGrade{primary: true, worst: r.Reliability}
			out[h] = g
		}
		g.records++
		if !slices.Contains(g.publishers, r.Publisher) {
			g.publishers = append(g.publishers, r.Publisher)
		}
		if !slices.Contains(g.kinds, r.Kind) {
			g.kinds = append(g.kinds, r.Kind)
		}
		if r.Reliability > g.worst {
			g.worst = r.Reliability // "A" < "B" < ... < "E"
		}
		g.primary = g.primary && r.Primary
	}
	return out
}

// sourceRecords returns the source records an import writes beside nodes
// and facts: one for every URL they cite that nodes do not describe.
func (p *plan) sourceRecords(nodes []blurline.Node, facts []blurline.Fact) []blurline.Node {
	described := map[string]bool{}
	for _, n := range nodes {
		if n.Class == blurline.Source && n.Record != nil {
			described[blurline.EntityIRI(n.ID)] = true
		}
	}
	var cited []string
	// A record is marked as the least restrictive of what cites it: a
	// reader who sees a citing fact sees the URL, and may see its record.
	marking := map[string]blurline.Marking{}
	cite := func(list []string, m blurline.Marking) {
		for _, u := range list {
			if !described[u] {
				described[u] = true
				cited = append(cited, u)
				marking[u] = m
			}
			if old, ok := marking[u]; ok {
				marking[u] = min(old, m)
			}
		}
	}
	for _, n := range nodes {
		cite(n.Sources, n.Marking)
	}
	for _, f := range facts {
		cite(f.Sources, f.Marking)
	}
	slices.Sort(cited)
	var hosts map[string]*hostGrade
	var out []blurline.Node
	for _, u := range cited {
		if n, ok := p.ix.byID[blurline.EntityID(u)]; ok && n.Class == blurline.Source && n.Record != nil {
			r := restateRecord(n)
			r.Marking = marking[u]
			out = append(out, r)
			p.rep.SourcesKnown++
			continue
		}
		if hosts == nil {
			hosts = p.ix.hostGrades()
		}
		n := newRecord(u, hosts[hostOf(u)])
		if n.Record.Reliability != "F" {
			p.rep.SourcesGraded++
		}
		p.rep.SourcesNew++
		n.Marking = marking[u]
		out = append(out, n)
	}
	return out
}

// restateRecord is a store's source record as an import restates it.
func restateRecord(n *blurline.Node) blurline.Node {
	r := *n.Record
	return blurline.Node{ID: n.ID, Class: blurline.Source, Name: n.Name, Record: &r}
}

// newRecord makes the record of a source nobody has described, by the rule
// above; g is what the store's graded records say of its host (nil: none).
func newRecord(u string, g *hostGrade) blurline.Node {
	host := hostOf(u)
	title, ok := strings.CutPrefix(u, "https://")
	if !ok {
		title = strings.TrimPrefix(u, "http://")
	}
	r := &blurline.SourceRecord{Publisher: host, Kind: blurline.UnknownKind, Reliability: "F"}
	desc := "A source an imported file cites, recorded by the import: no record of it existed. Title derived from the URL; publisher from the host; kind unknown and reliability F (cannot be judged) until an analyst grades it."
	switch {
	case host == "":
		// The fallback of a bundle that cites nothing: urn:uuid:<bundle uuid>.
		title = "STIX bundle " + strings.TrimPrefix(u, "urn:uuid:")
		r.Publisher = "not stated (the imported bundle cites no source)"
		desc = "The imported STIX bundle itself, cited by the statements that cite no source of their own. Its producer and reliability are not stated: kind unknown, reliability F (cannot be judged)."
	case g != nil && g.primary:
		r.Primary = true
		r.Reliability = g.worst
		if len(g.kinds) == 1 {
			r.Kind = g.kinds[0]
		}
		desc = fmt.Sprintf("A source an imported file cites, recorded by the import: no record of it existed. Its host publishes its own texts: the %d graded record(s) of %s are all primary, so this one is taken as primary too, graded as the worst of them (%s), of their kind where they share one. Title derived from the URL, not verified.", g.records, host, g.worst)
	}
	if g != nil && len(g.publishers) == 1 {
		r.Publisher = g.publishers[0]
	}
	return blurline.Node{ID: blurline.EntityID(u), Class: blurline.Source, Name: title, Description: desc, Record: r}
}
