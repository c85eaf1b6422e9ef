package interop

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/blurline/blurline"
)

// Other producers' notes and opinions are read as assessments: a claim
// made by an analyst about what the file holds.
//
//   - The Assessment entity keeps the object's STIX id. A note is named by
//     its abstract, an opinion by its opinion and the start of its
//     explanation.
//   - Each name in authors becomes a Person (matched by name like any
//     entity, so an author the store knows is that person) and an
//     authoredBy fact carries the text as its quote (a note's content, else
//     its abstract; an opinion's explanation), created as its publishedOn,
//     the object's confidence and sources, and created_by_ref as assertedBy.
//     Without authors the producer (created_by_ref) is the author; with
//     neither, the object is skipped.
//   - Each of object_refs becomes an assesses fact: an entity directly, a
//     relationship of the bundle through both of its ends (the note says
//     which statement). An opinion's value is the confidence of its
//     assesses facts: how likely its author holds what it is about to be
//     correct (opinionConfidence); a note's assesses facts take the note's
//     confidence.
//
// Blurline's own notes (isAssessmentNote, claim notes) are read from their
// x_blurline_ properties instead, so a round trip stays exact.

// assessment reads a note or opinion of another producer.
func (m *stixMapper) assessment(o *sobj) {
	rep := m.rep()
	text, name := "", ""
	value := ""
	switch o.typ {
	case "note":
		text = cmp.Or(strings.TrimSpace(o.str("content")), strings.TrimSpace(o.str("abstract")))
		name = cmp.Or(strings.TrimSpace(o.str("abstract")), clip(text, 80))
	case "opinion":
		value = o.str("opinion")
		if _, ok := opinionConfidence[value]; !ok {
			m.pr.add(o.at("opinion"), "must be one of strongly-disagree, disagree, neutral, agree, strongly-agree, got %q", value)
			return
		}
		text = strings.TrimSpace(o.str("explanation"))
		name = "Opinion (" + value + ")"
		if text != "" {
			name += ": " + clip(text, 80)
		}
		text = cmp.Or(text, "opinion: "+value)
	}
	if text == "" {
		rep.skip(o.id, o.typ, "it says nothing (no abstract or content)")
		return
	}
	var authors []*item
	for i, a := range o.strs("authors") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		authors = append(authors, m.p.add(&item{src: fmt.Sprintf("%s authors[%d]", o.id, i), typ: "author",
			node: blurline.Node{ID: mintedID("identity", "author:"+a), Class: blurline.Person, Name: a}}))
	}
	byNode := m.assertorNode(o)
	by := m.assertorItem(o)
	if len(authors) == 0 && by == nil && byNode == "" {
		rep.skip(o.id, o.typ, "neither authors nor a producer (created_by_ref) Blurline holds: nobody to attribute it to")
		return
	}
	a := m.p.add(&item{src: o.id, typ: o.typ, node: blurline.Node{ID: o.id, Class: blurline.Assessment, Name: name,
		ExternalIDs: []string{"stix:" + o.id}}, strong: []string{"stix:" + o.id}})
	m.items[o.id] = a
	base := m.provenance(o, blurline.AuthoredBy)
	base.Note = ""
	authored := func(f blurline.Fact, auth *item, authNode string) {
		f.Predicate = blurline.AuthoredBy
		f.Quote = text
		m.p.facts = append(m.p.facts, &planFact{src: o.id, typ: o.typ, fact: f, subj: a, obj: auth, objNode: authNode, by: by, byNode: byNode})
	}
	for i, auth := range authors {
		f := base
		f.ID = fmt.Sprintf("%s-authored-by-%d", base.ID, i)
		authored(f, auth, "")
	}
	if len(authors) == 0 {
		f := base
		f.ID = base.ID + "-authored-by"
		authored(f, by, byNode)
	}
	about := base
	if value != "" {
		about.Confidence = opinionConfidence[value]
		about.Note = fmt.Sprintf("opinion %q: its author holds it %s that this is correct", value, opinionWords[value])
	}
	n := 0
	for i, ref := range o.strs("object_refs") {
		ends := []string{ref}
		note := about.Note
		if r := m.byID[ref]; r != nil && r.typ == "relationship" {
			ends = []string{r.str("source_ref"), r.str("target_ref")}
			note = strings.TrimPrefix(cmp.Or(note, "")+"; about the statement "+ref+" ("+r.str("relationship_type")+")", "; ")
		}
		for j, end := range ends {
			it, node, why, ok := m.end(o, fmt.Sprintf("object_refs[%d]", i), end)
			if !ok {
				if why != "" {
					rep.note("%s: %s", o.id, why)
				}
				continue
			}
			f := about
			f.ID = fmt.Sprintf("%s-assesses-%d-%d", base.ID, i, j)
			f.Predicate = blurline.Assesses
			f.Note = note
			m.p.facts = append(m.p.facts, &planFact{src: o.id, typ: o.typ, fact: f, subj: a, obj: it, objNode: node, by: by, byNode: byNode})
			n++
		}
	}
	if n == 0 {
		rep.note("%s: none of its object_refs is an entity Blurline holds: an assessment about nothing here", o.id)
	}
	rep.count(o.typ).Mapped++
}

// clip shortens s to at most n runes at a word boundary, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "\u2026"
}
