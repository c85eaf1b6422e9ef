package interop_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/graph"
	"github.com/blurline/blurline/interop"
)

func importSTIX(tb testing.TB, s interop.Store, name string) *interop.Report {
	tb.Helper()
	rep, err := interop.ImportSTIX(context.Background(), s, readData(tb, name), interop.ImportOptions{Name: name})
	if err != nil {
		tb.Fatalf("ImportSTIX(%s): %v", name, err)
	}
	return rep
}

func importGalaxy(tb testing.TB, s interop.Store, name string) *interop.Report {
	tb.Helper()
	rep, err := interop.ImportMISPGalaxy(context.Background(), s, readData(tb, name), interop.ImportOptions{Name: name})
	if err != nil {
		tb.Fatalf("ImportMISPGalaxy(%s): %v", name, err)
	}
	return rep
}

func node(tb testing.TB, s *graph.Store, id string) *blurline.Node {
	tb.Helper()
	n, err := s.Node(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestImportATTACKForICS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, true)
	rep := importSTIX(t, s, "ics-attack-18.1.json")
	if rep.Format != "stix 2.1" || rep.Objects != 1826 || rep.ImportID != "bundle--e4f0febd-b8cf-4272-b892-71049d272c40" {
		t.Errorf("report: format %q, %d objects, import %q", rep.Format, rep.Objects, rep.ImportID)
	}
	if got := *rep.Types["intrusion-set"]; got != (interop.TypeCount{Read: 16, Mapped: 14, Skipped: 2}) {
		t.Errorf("intrusion sets = %+v, want 16 read, 14 mapped, 2 revoked", got)
	}
	// Each intrusion set is an entity: 14 of their own (Lazarus merges into
	// the seed's lazarus) and the two revoked ones folded into their replacements.
	for _, c := range rep.Created {
		if strings.HasPrefix(c.Object, "intrusion-set--") && c.Class != "ThreatGroup" {
			t.Errorf("%s became a %s", c.Object, c.Class)
		}
	}
	if m := rep.MergedInto("lazarus"); len(m) != 1 || !strings.Contains(m[0].Key, "stix:intrusion-set--c93fccb1") {
		t.Errorf("Lazarus Group merges = %+v, want one by its ATT&CK STIX id", m)
	}
	oilrig := node(t, s, "intrusion-set--4ca1929c-7d64-4aab-b849-badbfc0c760d")
	if !slices.Contains(oilrig.Aliases, "APT34") || !slices.Contains(oilrig.ExternalIDs, "stix:intrusion-set--68ba94ab-78b8-43e7-83e2-aed3466882c6") {
		t.Errorf("OilRig lacks the revoked APT34's name and id: %+v", oilrig)
	}

	facts, err := s.Facts(ctx, blurline.FactQuery{FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.AttributedTo}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range facts {
		if !strings.HasPrefix(f.ID, rep.ImportID+"/") {
			continue
		}
		subj, obj := node(t, s, f.Subject), node(t, s, f.Object)
		got = append(got, subj.Name+" -> "+obj.Name)
		if f.AssertedBy != "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5" || f.Confidence != interop.DefaultConfidence || len(f.Sources) == 0 {
			t.Errorf("%s: assertedBy %q, confidence %v, sources %v", f.ID, f.AssertedBy, f.Confidence, f.Sources)
		}
	}
	slices.Sort(got)
	want := []string{
		"2015 Ukraine Electric Power Attack -> Sandworm Team",
		"2016 Ukraine Electric Power Attack -> Sandworm Team",
		"2022 Ukraine Electric Power Attack -> Sandworm Team",
		"Triton Safety Instrumented System Attack -> TEMP.Veles",
		"Unitronics Defacement Campaign -> CyberAv3ngers",
	}
	if !slices.Equal(got, want) {
		t.Errorf("attributed-to statements:\n got %q\nwant %q", got, want)
	}
	if mitre := node(t, s, "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"); mitre.Name != "The MITRE Corporation" || mitre.Class != blurline.Company {
		t.Errorf("the bundle's author = %+v", mitre)
	}
	// A campaign's behaviour holds while the campaign ran (first_seen .. last_seen).
	uses, _ := s.Facts(ctx, blurline.FactQuery{From: []string{"campaign--46421788-b6e1-4256-b351-f8beffd1afba"}, Direction: blurline.Out,
		FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.Uses}}})
	if len(uses) == 0 || uses[0].ValidFrom.Format("2006-01-02") != "2015-12-01" || uses[0].ValidUntil.Format("2006-01-02") != "2016-01-01" {
		t.Errorf("2015 Ukraine campaign uses: %+v", uses)
	}
}

func TestImportMITREIntrusionSetGalaxy(t *testing.T) {
	t.Parallel()
	s := openStore(t, true)
	rep := importGalaxy(t, s, "misp-mitre-intrusion-set.json")
	if got := *rep.Types["cluster"]; got != (interop.TypeCount{Read: 191, Mapped: 185, Skipped: 6}) {
		t.Errorf("clusters = %+v, want 191 read, 185 mapped, 6 revoked", got)
	}
	for _, c := range []struct{ group, stix, entity string }{
		{"G0125", "intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87", "hafnium"},
		{"G0065", "intrusion-set--7113eaa5-ba79-4fb3-b68a-398ee9cd698e", "apt40"},
	} {
		uuid := strings.TrimPrefix(c.stix, "intrusion-set--")
		if got := rep.EntityOf(uuid); got != c.entity {
			t.Errorf("%s (cluster %s) became %q, want the seed's %s", c.group, uuid, got, c.entity)
		}
		m := rep.MergedInto(c.entity)
		if len(m) != 1 || m[0].Key != `external id "stix:`+c.stix+`"` {
			t.Errorf("%s merges = %+v, want one by its STIX id", c.entity, m)
		}
		n := node(t, s, c.entity)
		for _, x := range []string{"stix:" + c.stix, "mitre-attack:" + c.group, "misp:mitre-intrusion-set:" + uuid} {
			if !slices.Contains(n.ExternalIDs, x) {
				t.Errorf("%s lacks external id %s: %v", c.entity, x, n.ExternalIDs)
			}
		}
	}
	if n := node(t, s, "apt40"); !slices.Contains(n.Sources, "https://attack.mitre.org/groups/G0065") || n.Name != "APT40" {
		t.Errorf("apt40 after the galaxy: name %q, sources %v", n.Name, n.Sources)
	}
}

func TestImportThreatActorGalaxy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, true)
	rep := importGalaxy(t, s, "misp-threat-actor.json")
	if got := *rep.Types["cluster"]; got != (interop.TypeCount{Read: 1041, Mapped: 1041}) {
		t.Errorf("clusters = %+v, want all 1,041 mapped", got)
	}
	clusters := 0
	for _, c := range rep.Created {
		if c.Class == "ThreatGroup" {
			clusters++
		}
	}
	for _, m := range rep.Merged {
		if len(m.Object) == 36 {
			clusters++
		}
	}
	if clusters != 1041 {
		t.Errorf("%d clusters became entities, want 1,041", clusters)
	}
	for uuid, id := range map[string]string{"4f05d6c1-3fc1-4567-91cd-dd4637cc38b5": "hafnium", "5b4b6980-3bc7-11e8-84d6-879aaac37dd9": "apt40"} {
		if got := rep.EntityOf(uuid); got != id {
			t.Errorf("cluster %s became %q, want %s", uuid, got, id)
		}
	}
	if n := node(t, s, "hafnium"); n.Name != "HAFNIUM" || n.Class != blurline.ThreatGroup {
		t.Errorf("hafnium was renamed or reclassified: %+v", n)
	}
	// APT40: sponsor China (a low-confidence suspicion, no Healey level),
	// attribution-confidence 50 on the country statement.
	facts, _ := s.Facts(ctx, blurline.FactQuery{From: []string{"apt40"}, Direction: blurline.Out})
	var sponsor, origin *blurline.Fact
	for _, f := range facts {
		if !strings.HasPrefix(f.ID, rep.ImportID+"/") {
			continue
		}
		switch f.Predicate {
		case blurline.SponsoredBy:
			sponsor = f
		case blurline.OriginatesFrom:
			origin = f
		}
	}
	if sponsor == nil || sponsor.Object != "prc" || sponsor.Confidence != interop.SponsorConfidence || sponsor.HasHealey {
		t.Errorf("APT40 sponsor statement = %+v, want prc at %v without a Healey level", sponsor, interop.SponsorConfidence)
	}
	if origin == nil || origin.Object != "prc" || origin.Confidence != 0.5 {
		t.Errorf("APT40 origin statement = %+v, want prc at 0.5 (attribution-confidence 50)", origin)
	}
	// Iran is not in the seed: created once, with its ISO code.
	iran, err := s.Node(ctx, "country-ir")
	if err != nil || iran.Class != blurline.State || iran.Name != "Iran" || !slices.Contains(iran.ExternalIDs, "iso3166-1:IR") {
		t.Errorf("Iran = %+v, %v", iran, err)
	}
	// Estimative language: 397 "likely" relations become 0.675 (when both ends exist).
	all, _ := s.Facts(ctx, blurline.FactQuery{})
	byConf := map[float64]int{}
	for _, f := range all {
		if strings.HasPrefix(f.ID, rep.ImportID+"/") && strings.Contains(f.ID, "-related-") {
			byConf[f.Confidence]++
		}
	}
	if byConf[0.675] == 0 || byConf[0.875] == 0 || byConf[0.97] == 0 {
		t.Errorf("related confidences = %v, want likely 0.675, very-likely 0.875, almost-certain 0.97", byConf)
	}
}

func TestImportPoisonIvySTIX20(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, true)
	rep := importSTIX(t, s, "stixview-poisonivy-bundle.json")
	if rep.Format != "stix 2.0" || rep.Objects != 155 {
		t.Errorf("format %q, %d objects", rep.Format, rep.Objects)
	}
	if got := rep.Types["malware"].Mapped; got != 25 {
		t.Errorf("%d malware mapped, want 25", got)
	}
	exploited, _ := s.Facts(ctx, blurline.FactQuery{FactFilter: blurline.FactFilter{Predicates: []blurline.Predicate{blurline.Exploited}}})
	n := 0
	for _, f := range exploited {
		if strings.HasPrefix(f.ID, rep.ImportID+"/") {
			n++
			// The report holding the statement gives its date and author.
			if f.PublishedOn.Format("2006-01-02") != "2013-08-21" || f.AssertedBy != "identity--81cade27-7df8-4730-836b-62d880e6d9d3" {
				t.Errorf("%s: publishedOn %v, assertedBy %q; want the report's", f.ID, f.PublishedOn, f.AssertedBy)
			}
		}
	}
	if n != 9 {
		t.Errorf("%d exploited statements (targets a vulnerability), want 9", n)
	}
}

// TestOneEntityPerActor: the seed's HAFNIUM, ATT&CK's G0125 (as the MISP
// intrusion-set galaxy carries it) and MISP's HAFNIUM threat actor are one
// entity with every alias, source and id; retracting the imports, newest
// first, gives the seed back exactly.
func TestOneEntityPerActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, true)
	seedDump := dump(t, s)
	var reps []*interop.Report
	reps = append(reps, importSTIX(t, s, "ics-attack-18.1.json"))
	reps = append(reps, importGalaxy(t, s, "misp-mitre-intrusion-set.json"))
	reps = append(reps, importGalaxy(t, s, "misp-threat-actor.json"))
	reps = append(reps, importSTIX(t, s, "stixview-poisonivy-bundle.json"))

	var named []string
	nodes, _ := s.FindNodes(ctx, blurline.NodeQuery{Text: "hafnium"})
	for _, n := range nodes {
		if strings.EqualFold(n.Name, "HAFNIUM") || slices.ContainsFunc(n.Aliases, func(a string) bool { return strings.EqualFold(a, "HAFNIUM") }) {
			named = append(named, n.ID)
		}
	}
	if !slices.Equal(named, []string{"hafnium"}) {
		t.Fatalf("entities named HAFNIUM: %v, want only the seed's hafnium", named)
	}
	h := node(t, s, "hafnium")
	for _, a := range []string{"Silk Typhoon", "Operation Exchange Marauder", "MURKY PANDA", "ATK233", "G0125"} {
		if !slices.Contains(h.Aliases, a) {
			t.Errorf("hafnium lacks alias %q: %v", a, h.Aliases)
		}
	}
	for _, src := range []string{"https://attack.mitre.org/groups/G0125", "https://attack.mitre.org/groups/G0125/", "https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/"} {
		if !slices.Contains(h.Sources, src) {
			t.Errorf("hafnium lacks source %s", src)
		}
	}
	for _, x := range []string{"stix:intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87", "mitre-attack:G0125",
		"misp:threat-actor:4f05d6c1-3fc1-4567-91cd-dd4637cc38b5", "misp:mitre-intrusion-set:2688b13e-8e71-405a-9c40-0dee94bddf87"} {
		if !slices.Contains(h.ExternalIDs, x) {
			t.Errorf("hafnium lacks external id %s", x)
		}
	}
	// HAFNIUM is not APT40 nor APT31: no import joined them.
	for _, id := range []string{"apt40", "apt31"} {
		if n := node(t, s, id); slices.Contains(n.Aliases, "HAFNIUM") || slices.Contains(n.Aliases, "Silk Typhoon") {
			t.Errorf("%s took HAFNIUM's names: %v", id, n.Aliases)
		}
	}
	for i := len(reps) - 1; i >= 0; i-- {
		if _, err := s.RetractImport(ctx, reps[i].ImportID); err != nil {
			t.Fatalf("RetractImport(%s): %v", reps[i].ImportID, err)
		}
	}
	if got := dump(t, s); got != seedDump {
		t.Error("retracting every import did not give the seed back exactly")
	}
}

// TestImportTwiceChangesNothing and RetractImport restores the store.
func TestImportTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, f := range []struct {
		name string
		misp bool
	}{{"ics-attack-18.1.json", false}, {"misp-threat-actor.json", true}, {"misp-mitre-intrusion-set.json", true}, {"stixview-poisonivy-bundle.json", false}} {
		t.Run(f.name, func(t *testing.T) {
			s := openStore(t, true)
			before := dump(t, s)
			imp := func() *interop.Report {
				if f.misp {
					return importGalaxy(t, s, f.name)
				}
				return importSTIX(t, s, f.name)
			}
			first := imp()
			once := dump(t, s)
			if once == before {
				t.Fatal("the import changed nothing")
			}
			second := imp()
			if dump(t, s) != once {
				t.Error("importing the same file twice changed the store")
			}
			if second.ImportID != first.ImportID || second.Facts != first.Facts || len(second.Created)+len(second.Merged) != len(first.Created)+len(first.Merged) {
				t.Errorf("second import: %s, %d facts, %d+%d entities; first: %s, %d facts, %d+%d", second.ImportID, second.Facts,
					len(second.Created), len(second.Merged), first.ImportID, first.Facts, len(first.Created), len(first.Merged))
			}
			if _, err := s.RetractImport(ctx, first.ImportID); err != nil {
				t.Fatal(err)
			}
			if dump(t, s) != before {
				t.Error("RetractImport did not restore the store exactly")
			}
		})
	}
}

func TestMatchingNeverByLuck(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, true)
	bundle := `{"type":"bundle","id":"bundle--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a01","objects":[
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a02","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
	  "name":"Two Names","aliases":["APT31","APT41"]},
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a03","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
	  "name":"apt40","external_references":[{"source_name":"mitre-attack","external_id":"G9999"}]},
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a04","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
	  "name":"Kryptonite Panda"},
	 {"type":"identity","spec_version":"2.1","id":"identity--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a05","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
	  "name":"HAFNIUM","identity_class":"organization"}
	]}`
	rep, err := interop.ImportSTIX(ctx, s, []byte(bundle), interop.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a02": "intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a02", // APT31 and APT41: ambiguous
		"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a03": "intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a03", // apt40 by name, but G9999 is not G0065
		"intrusion-set--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a04": "apt40",                                               // an alias of APT40 only
		"identity--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a05":      "identity--0b5b8c37-1fd5-4f36-8ad3-0c7b3f1a1a05",      // a company is not a threat group
	}
	for obj, id := range want {
		if got := rep.EntityOf(obj); got != id {
			t.Errorf("%s became %q, want %q", obj, got, id)
		}
	}
	if m := rep.MergedInto("apt40"); len(m) != 1 || m[0].Key != `name/alias "Kryptonite Panda"` {
		t.Errorf("apt40 merges = %+v", m)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, w := range []string{"ambiguous", "mitre-attack:g9999 vs mitre-attack:g0065"} {
		if !strings.Contains(notes, w) {
			t.Errorf("the report's notes do not explain %q:\n%s", w, notes)
		}
	}
}

func TestBrokenBundleChangesNothing(t *testing.T) {
	t.Parallel()
	s := openStore(t, true) // every rejected bundle must leave it as it is
	before := dump(t, s)
	const (
		head = `{"type":"bundle","id":"bundle--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a01","objects":[`
		is   = `{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a02","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"Test Group"}`
		rel  = `{"type":"relationship","spec_version":"2.1","id":"relationship--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a03","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","relationship_type":"attributed-to","source_ref":"intrusion-set--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a02","target_ref":"intrusion-set--2688b13e-8e71-405a-9c40-0dee94bddf87"`
	)
	for _, c := range []struct{ name, input, want string }{
		{"bad JSON", head + is + `,`, "bundle: line 1, column"},
		{"not STIX", `{"name":"x","values":[]}`, `bundle: neither a STIX bundle`},
		{"not an object", `[1]`, `bundle: must be a STIX bundle, a TAXII envelope or one STIX object`},
		{"bare object without spec_version", `{"type":"report","id":"report--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a01","objects":[]}`, `objects[0] (report--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a01).spec_version: missing`},
		{"objects not a list", `{"type":"bundle","id":"bundle--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a01","objects":{}}`, "objects: must be a list"},
		{"missing type", head + is + `,{"spec_version":"2.1","id":"malware--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a09","name":"X"}]}`, "objects[1] (malware--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a09).type: missing"},
		{"missing id", head + `{"type":"malware","spec_version":"2.1","name":"X"}]}`, "objects[0].id: missing"},
		{"id of another type", head + `{"type":"malware","spec_version":"2.1","id":"tool--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a09","name":"X"}]}`, `objects[0] (tool--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a09).id: the id says "tool" but the type is "malware"`},
		{"bad confidence", head + is + `,` + rel + `,"confidence":120}]}`, "objects[1] (relationship--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a03).confidence: must be an integer 0..100, got 120"},
		{"fractional confidence", head + is + `,` + rel + `,"confidence":0.8}]}`, ".confidence: must be an integer 0..100, got 0.8"},
		{"wrong spec_version", head + strings.Replace(is, `"2.1"`, `"2.2"`, 1) + `]}`, `objects[0] (intrusion-set--6c1d1b4e-6f0e-4e43-9d7e-0f0e7c0b2a02).spec_version: must be "2.1" or "2.0", got "2.2"`},
		{"no spec_version", head + strings.Replace(is, `"spec_version":"2.1",`, ``, 1) + `]}`, ".spec_version: missing"},
		{"stop before start", head + is + `,` + rel + `,"start_time":"2021-07-19T00:00:00Z","stop_time":"2021-01-01T00:00:00Z"}]}`, ".stop_time: must be later than start_time"},
		{"bad timestamp", head + is + `,` + rel + `,"start_time":"19 July 2021"}]}`, `.start_time: must be an RFC 3339 timestamp`},
		{"bad Healey level", head + is + `,` + rel + `,"x_blurline_predicate":"sponsoredBy","x_blurline_healey_level":"state-sponsored"}]}`, `.x_blurline_healey_level: unknown Healey level "state-sponsored"`},
		{"Healey level off control", head + is + `,` + rel + `,"x_blurline_predicate":"attributedTo","x_blurline_healey_level":"state-ordered"}]}`, `.x_blurline_healey_level: a Healey level belongs on a control statement`},
		{"aliases not a list", head + strings.Replace(is, `"name"`, `"aliases":7,"name"`, 1) + `]}`, ".aliases: must be a list of strings, got a number"},
		{"bad external reference", head + strings.Replace(is, `"name"`, `"external_references":["x"],"name"`, 1) + `]}`, ".external_references[0]: must be an object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := interop.ImportSTIX(context.Background(), s, []byte(c.input), interop.ImportOptions{Name: "broken.json"})
			if err == nil {
				t.Fatal("the broken bundle was accepted")
			}
			if !errors.Is(err, blurline.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			var fe *interop.FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FileError", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "broken.json: ") {
				t.Errorf("error:\n%v\nwant it to contain %q", err, c.want)
			}
			if dump(t, s) != before {
				t.Error("a rejected bundle changed the store")
			}
		})
	}
}

func TestBrokenGalaxyChangesNothing(t *testing.T) {
	t.Parallel()
	s := openStore(t, true) // every rejected galaxy must leave it as it is
	before := dump(t, s)
	const cluster = `{"value":"Test Actor","uuid":"11111111-2222-4333-8444-555555555555","meta":{%s}}`
	for _, c := range []struct{ name, input, want string }{
		{"bad JSON", `{"type":"threat-actor","values":[`, "galaxy: line 1, column 34: invalid JSON: unexpected end of input"},
		{"unknown galaxy", `{"type":"mitre-data-source","category":"data-source","values":[]}`, `type: galaxy "mitre-data-source" is not supported`},
		{"confidence out of range", `{"type":"threat-actor","values":[` + strings.Replace(cluster, "%s", `"attribution-confidence":"150","country":"CN"`, 1) + `]}`,
			"values[0] (11111111-2222-4333-8444-555555555555).meta.attribution-confidence: must be 0..100, got 150"},
		{"confidence not a number", `{"type":"threat-actor","values":[` + strings.Replace(cluster, "%s", `"attribution-confidence":"high"`, 1) + `]}`,
			`meta.attribution-confidence: must be a number, got "high"`},
		{"bad uuid", `{"type":"threat-actor","values":[{"value":"X","uuid":"not-a-uuid"}]}`, `values[0] (not-a-uuid).uuid: must be a UUID`},
		{"no name", `{"type":"threat-actor","values":[{"uuid":"11111111-2222-4333-8444-555555555555"}]}`, "values[0] (11111111-2222-4333-8444-555555555555).value: missing"},
		{"bad related", `{"type":"threat-actor","values":[{"value":"X","uuid":"11111111-2222-4333-8444-555555555555","related":[{"dest-uuid":"x","type":"similar"}]}]}`,
			"values[0] (11111111-2222-4333-8444-555555555555).related[0].dest-uuid: must be a UUID"},
		{"unknown likelihood", `{"type":"threat-actor","values":[{"value":"X","uuid":"11111111-2222-4333-8444-555555555555","related":[{"dest-uuid":"4f05d6c1-3fc1-4567-91cd-dd4637cc38b5","type":"similar","tags":["estimative-language:likelihood-probability=\"perhaps\""]}]}]}`,
			`related[0].tags: unknown estimative-language likelihood "perhaps"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := interop.ImportMISPGalaxy(context.Background(), s, []byte(c.input), interop.ImportOptions{Name: "galaxy.json"})
			if err == nil || !errors.Is(err, blurline.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant ErrInvalid containing %q", err, c.want)
			}
			if dump(t, s) != before {
				t.Error("a rejected galaxy changed the store")
			}
		})
	}
}
