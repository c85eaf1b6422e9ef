package interop

import (
	"encoding/json"
	"strings"
	"unicode"

	"github.com/blurline/blurline"
)

// The Blurline STIX profile: custom properties that carry what STIX has no
// property for. An object with x_blurline_id came from a Blurline export and
// is read back exactly from these properties.
const (
	xID              = "x_blurline_id"               // entity or statement id
	xClass           = "x_blurline_class"            // the entity's class
	xAliases         = "x_blurline_aliases"          // aliases, for types without "aliases"
	xDescription     = "x_blurline_description"      // description, for types without one
	xSources         = "x_blurline_sources"          // source URLs, for types without external_references
	xExternalIDs     = "x_blurline_external_ids"     // external ids, for types without external_references
	xNonState        = "x_blurline_non_state"        // nu override
	xMotiveWeight    = "x_blurline_motive_weight"    // motive weight
	xSourceRecord    = "x_blurline_source_record"    // a source record's publisher, kind, primary, reliability, date
	xPredicate       = "x_blurline_predicate"        // the statement's predicate
	xConfidence      = "x_blurline_confidence"       // exact confidence when confidence/100 loses digits
	xPublishedOn     = "x_blurline_published_on"     // publishedOn (date or date-time)
	xValidFrom       = "x_blurline_valid_from"       // validity, on notes (relationships use start_time)
	xValidUntil      = "x_blurline_valid_until"      //
	xAssertedBy      = "x_blurline_asserted_by"      // STIX id of an assertor that is not an identity
	xHealeyLevel     = "x_blurline_healey_level"     // e.g. "state-ordered"
	xMaurer          = "x_blurline_maurer_type"      // derived from the Healey level, informative only
	xAttributionKind = "x_blurline_attribution_kind" // technical, political, legal, unofficial, self
	xAlleged         = "x_blurline_alleged"          // true for allegations
	xQuote           = "x_blurline_quote"            // exact wording
	xNote            = "x_blurline_note"             // a note
	xValue           = "x_blurline_value"            // literal object of a claim: {lexical, datatype, lang}
)

// relationshipType is how a predicate is written as a STIX relationship:
// the vocabulary's mapping, or the predicate's own name in kebab case.
func relationshipType(p blurline.Predicate) blurline.STIXRelationship {
	if pi, ok := blurline.LookupPredicate(p); ok && pi.STIX.Type != "" {
		return pi.STIX
	}
	return blurline.STIXRelationship{Type: kebab(string(p))}
}

// stixPredicates reads the relationship types of other producers (the
// vocabulary says how Blurline writes its own); "targets" becomes
// exploited when its target is a vulnerability.
var stixPredicates = map[string]blurline.Predicate{
	"attributed-to":   blurline.AttributedTo,
	"targets":         blurline.Targeted,
	"uses":            blurline.Uses,
	"located-at":      blurline.LocatedAt,
	"originates-from": blurline.OriginatesFrom,
	"related-to":      blurline.RelatedTo,
	"exploits":        blurline.Exploited,
	"variant-of":      blurline.RelatedTo,
	"derived-from":    blurline.RelatedTo,
	"authored-by":     blurline.RelatedTo,
	"impersonates":    blurline.RelatedTo,
}

// skippedRelationships are STIX relationship types with no Blurline
// predicate, and why.
var skippedRelationships = map[string]string{
	"mitigates":           "mitigations are not modelled",
	"remediates":          "remediations are not modelled",
	"detects":             "detection analytics are not modelled",
	"subtechnique-of":     "the ATT&CK technique hierarchy is not modelled",
	"revoked-by":          "revocations are not statements (the revoked object's names and ids go to its replacement)",
	"indicates":           "indicators are not modelled",
	"based-on":            "indicators are not modelled",
	"duplicate-of":        "duplicates are not merged on a producer's say-so",
	"consists-of":         "infrastructure is not modelled",
	"controls":            "infrastructure is not modelled",
	"compromises":         "infrastructure is not modelled",
	"hosts":               "infrastructure is not modelled",
	"owns":                "infrastructure is not modelled",
	"has":                 "infrastructure is not modelled",
	"belongs-to":          "observables are not modelled",
	"communicates-with":   "observables are not modelled",
	"beacons-to":          "observables are not modelled",
	"exfiltrates-to":      "observables are not modelled",
	"downloads":           "observables are not modelled",
	"drops":               "observables are not modelled",
	"delivers":            "malware delivery chains are not modelled",
	"characterizes":       "malware analyses are not modelled",
	"av-analysis-of":      "malware analyses are not modelled",
	"static-analysis-of":  "malware analyses are not modelled",
	"dynamic-analysis-of": "malware analyses are not modelled",
	"investigates":        "investigations are not modelled",
}

var kebabPredicates = func() map[string]blurline.Predicate {
	m := map[string]blurline.Predicate{}
	for _, pi := range blurline.Predicates {
		m[kebab(string(pi.Predicate))] = pi.Predicate
	}
	return m
}()

// kebab turns attributedTo into attributed-to.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stixClass is how a class is written: the vocabulary's mapping, or a
// custom x-blurline- type for a class the vocabulary does not list.
func stixClass(c blurline.Class) blurline.STIXType {
	if ci, ok := blurline.LookupClass(c); ok && ci.STIX.Type != "" {
		return ci.STIX
	}
	return blurline.STIXType{Type: "x-blurline-" + kebab(string(c))}
}

// stixTypeClass maps each STIX type that exactly one class is written as
// back to that class. Types several classes share (identity, threat-actor,
// report, course-of-action) are read by the rules of stixMapper.classify.
var stixTypeClass = func() map[string]blurline.Class {
	m := map[string]blurline.Class{}
	shared := map[string]bool{}
	for _, ci := range blurline.Classes {
		if _, dup := m[ci.STIX.Type]; dup {
			shared[ci.STIX.Type] = true
		}
		m[ci.STIX.Type] = ci.Class
	}
	for t := range shared {
		delete(m, t)
	}
	return m
}()

// typeHasAliases says whether a STIX type has the standard aliases property
// (elsewhere aliases go in an x_blurline_ property).
func typeHasAliases(typ string) bool {
	switch typ {
	case "intrusion-set", "threat-actor", "campaign", "malware", "tool":
		return true
	}
	return false
}

func typeIsSCO(typ string) bool { return typ == "software" }

// mintedID is the deterministic STIX id Blurline gives an entity or
// statement that has none of its own: uuidv5 of its IRI.
func mintedID(typ, iri string) string { return typ + "--" + uuidV5(nsBlurline, iri) }

// scoID is STIX 2.1's deterministic id of a software object named name
// (uuidv5 in the SCO namespace of its canonical id-contributing properties).
func scoID(typ, name string) string {
	b, _ := json.Marshal(map[string]string{"name": name})
	return typ + "--" + uuidV5(nsSCO, string(b))
}
