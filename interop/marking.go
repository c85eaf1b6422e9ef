package interop

import (
	"strings"

	"github.com/blurline/blurline"
)

// marking.go: TLP markings in and out. STIX marks an object with
// object_marking_refs, the ids of marking-definition objects; the TLP ones
// have fixed ids: TLP 1.0's four in the STIX 2.1 specification (section
// 7.2.1.4, WHITE read as CLEAR), and TLP 2.0's five in the OASIS TLP 2.0
// marking definitions (an extension, 60a3c5c5-...). A bundle may also
// define a TLP marking of its own (definition_type "tlp" with definition.tlp,
// a TLP name, or the TLP 2.0 extension's tlp_2_0). MISP marks with tags
// (tlp:amber, tlp:amber+strict, tlp:white...). An object that names no TLP
// marking gets the import's (ImportOptions.Marking); one that names
// several, the most restrictive.

// tlpIDs are the STIX ids of the standard TLP marking definitions.
var tlpIDs = map[string]blurline.Marking{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": blurline.TLPClear, // TLP 1.0 WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": blurline.TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": blurline.TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": blurline.TLPRed,
	tlp2IDs[blurline.TLPClear]:                                 blurline.TLPClear,
	tlp2IDs[blurline.TLPGreen]:                                 blurline.TLPGreen,
	tlp2IDs[blurline.TLPAmber]:                                 blurline.TLPAmber,
	tlp2IDs[blurline.TLPAmberStrict]:                           blurline.TLPAmberStrict,
	tlp2IDs[blurline.TLPRed]:                                   blurline.TLPRed,
}

// tlp2IDs are the ids of the TLP 2.0 marking definitions, which an export
// uses.
var tlp2IDs = [...]string{
	blurline.TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	blurline.TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	blurline.TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	blurline.TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	blurline.TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

const tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// markingDefinition is the TLP 2.0 marking-definition object of m: its
// id, date and extension as OASIS publishes them, and the definition_type
// and definition that the STIX 2.1 schema asks of a marking definition that
// is not one of TLP 1.0's, in the form OpenCTI writes ("TLP",
// {"TLP": "TLP:AMBER"}).
func markingDefinition(m blurline.Marking) Object {
	return Object{
		"type": "marking-definition", "spec_version": "2.1", "id": tlp2IDs[m], "created": "2022-10-01T00:00:00.000Z",
		"name": "TLP:" + m.String(), "definition_type": "TLP", "definition": map[string]any{"TLP": "TLP:" + m.String()},
		"extensions": map[string]any{
			tlp2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": strings.ToLower(m.String())},
		},
	}
}

// bundleMarking reads a marking-definition object of a bundle: the TLP
// marking it defines, if it defines one.
func bundleMarking(o *sobj) (blurline.Marking, bool) {
	if m, ok := tlpIDs[o.id]; ok {
		return m, true
	}
	var names []string
	if def, ok := o.m["definition"].(map[string]any); ok && strings.EqualFold(o.str("definition_type"), "tlp") {
		for k, v := range def {
			if s, ok := v.(string); ok && strings.EqualFold(k, "tlp") {
				names = append(names, s)
			}
		}
	}
	if ext, ok := o.m["extensions"].(map[string]any); ok {
		if e, ok := ext[tlp2Extension].(map[string]any); ok {
			if s, ok := e["tlp_2_0"].(string); ok {
				names = append(names, s)
			}
		}
	}
	if n := o.str("name"); strings.HasPrefix(strings.ToUpper(n), "TLP:") {
		names = append(names, n)
	}
	for _, n := range names {
		if m, err := blurline.ParseMarking(n); err == nil {
			return m, true
		}
	}
	return 0, false
}

// objectMarking returns the marking of a STIX object: the most restrictive
// TLP marking its object_marking_refs name, known ids or the bundle's own
// definitions (defs), else def.
func objectMarking(o *sobj, defs map[string]blurline.Marking, def blurline.Marking) blurline.Marking {
	m, found := blurline.TLPClear, false
	for _, ref := range o.strs("object_marking_refs") {
		x, ok := tlpIDs[ref]
		if !ok {
			x, ok = defs[ref]
		}
		if ok {
			m, found = max(m, x), true
		}
	}
	if !found {
		return def
	}
	return m
}

// tagMarking returns the most restrictive TLP marking among MISP tags
// ("tlp:amber"; other tags are ignored), else def.
func tagMarking(tags []string, def blurline.Marking) blurline.Marking {
	m, found := blurline.TLPClear, false
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if len(t) < 4 || !strings.EqualFold(t[:4], "tlp:") {
			continue
		}
		if x, err := blurline.ParseMarking(t); err == nil {
			m, found = max(m, x), true
		}
	}
	if !found {
		return def
	}
	return m
}

// mispTags returns the tags of a MISP object: "tags" (strings) or "Tag"
// (objects with a name), as MISP writes them.
func mispTags(o jobj) []string {
	var tags []string
	for _, f := range []string{"tags", "Tag"} {
		list, _ := o.m[f].([]any)
		for _, t := range list {
			switch t := t.(type) {
			case string:
				tags = append(tags, t)
			case map[string]any:
				if n, ok := t["name"].(string); ok {
					tags = append(tags, n)
				}
			}
		}
	}
	return tags
}
