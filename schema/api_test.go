package schema

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blurline/blurline"
)

// TestConcurrentRequests runs queries in parallel with writes through the
// API (go test -race): one schema, one document cache, per-request loaders.
func TestConcurrentRequests(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	queries := []string{
		`{ entity(id: "hafnium") { name ... on ThreatGroup { sponsors { other { name } healeyLevel { level } } } } }`,
		`{ attributions(incident: "exchange-compromise-2021", asOf: "2021-07-20") { attributedBy { name } kind } }`,
		`{ paths(from: "mss", to: "wu-shurong") { hops { predicate } } }`,
		`{ entities(kind: [ThreatGroup, CriminalGroup], first: 5) { edges { node { kind } } } }`,
		`{ neighbourhood(id: "mss", hops: 2, first: 50) { nodes { id } edges { predicate } } }`,
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				q := queries[(w+i)%len(queries)]
				if res := a.Do(context.Background(), Request{Query: q}); len(res.Errors) > 0 {
					errs <- fmt.Errorf("%s: %v", q, res.Errors)
				}
			}
		})
	}
	wg.Go(func() {
		ctx := asOperator(context.Background())
		for i := range 10 {
			q := fmt.Sprintf(`mutation { addFacts(facts: [{id: "c%d", subject: "apt40", predicate: targeted, object: "us", confidence: 0.5, sources: ["https://example.org/%d"]}]) { facts { id } } }`, i, i)
			if res := a.Do(ctx, Request{Query: q}); len(res.Errors) > 0 {
				errs <- fmt.Errorf("%s: %v", q, res.Errors)
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDocumentCache(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{CacheSize: 2})
	q := `{ stats { facts } }`
	op1, errs := a.Prepare(context.Background(), q, "")
	if errs != nil {
		t.Fatal(errs)
	}
	op2, _ := a.Prepare(context.Background(), q, "")
	if op1.doc != op2.doc {
		t.Errorf("Prepare twice: documents differ, want the cached one")
	}
	// Rejected documents are cached too, with their errors.
	bad := `{ entity(id: "x") { colour } }`
	_, e1 := a.Prepare(context.Background(), bad, "")
	_, e2 := a.Prepare(context.Background(), bad, "")
	if len(e1) != 1 || len(e2) != 1 || e1[0].Message != e2[0].Message {
		t.Errorf("Prepare(bad) twice: %v and %v, want the same one error", e1, e2)
	}
	// The cache holds CacheSize documents, least recently used out first.
	a.Prepare(context.Background(), `{ stats { quads } }`, "")
	if len(a.cache) != 2 {
		t.Errorf("cache holds %d documents, want 2", len(a.cache))
	}
	if _, ok := a.cache[q]; ok {
		t.Errorf("the least recently used document is still cached")
	}
}

func TestPrepareOperations(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	doc := `query A { stats { facts } } mutation B { retractFact(id: "x") { id } }`
	for _, tc := range []struct {
		doc, name, wantType string
		wantCode            blurline.Kind
	}{
		{doc, "A", "query", 0},
		{doc, "B", "mutation", 0},
		{doc, "", "", blurline.ErrBadRequest},
		{doc, "C", "", blurline.ErrBadRequest},
		{"", "", "", blurline.ErrBadRequest},
		{strings.Repeat(" ", DefaultLimits.MaxQueryBytes) + "{ stats { facts } }", "", "", blurline.ErrLimit},
		{`fragment F on Query { stats { facts } }`, "", "", blurline.ErrValidation},
	} {
		op, errs := a.Prepare(context.Background(), tc.doc, tc.name)
		switch {
		case tc.wantType == "":
			if len(errs) == 0 || kindOf(errs[0]) != tc.wantCode {
				t.Errorf("Prepare(%.40q, %q): errors %v, want kind %v", tc.doc, tc.name, errs, tc.wantCode)
			}
		case errs != nil:
			t.Errorf("Prepare(%.40q, %q): %v", tc.doc, tc.name, errs)
		case op.Type != tc.wantType:
			t.Errorf("Prepare(%.40q, %q).Type = %q, want %q", tc.doc, tc.name, op.Type, tc.wantType)
		}
	}
}

func TestDate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		instant string // of an asOf, RFC 3339
		err     bool
	}{
		{"2021-07-19", "2021-07-19T23:59:59.999999999Z", false},
		{" 2021-07-19 ", "2021-07-19T23:59:59.999999999Z", false},
		{"2021-07-19T10:00:00Z", "2021-07-19T10:00:00Z", false},
		{"2021-07-19T12:00:00+02:00", "2021-07-19T10:00:00Z", false},
		{"2021-02-30", "", true},
		{"19 July 2021", "", true},
		{"2021-07", "", true},
		{"", "", true},
	} {
		d := parseDate(tc.in)
		if (d.err != nil) != tc.err {
			t.Errorf("parseDate(%q) err = %v, want error %v", tc.in, d.err, tc.err)
			continue
		}
		if !tc.err {
			if got := d.instant().Format(time.RFC3339Nano); got != tc.instant {
				t.Errorf("parseDate(%q).instant() = %s, want %s", tc.in, got, tc.instant)
			}
		}
	}
	for _, tc := range []struct {
		t    time.Time
		want any
	}{
		{time.Time{}, nil},
		{time.Date(2021, 7, 19, 0, 0, 0, 0, time.UTC), "2021-07-19"},
		{time.Date(2021, 7, 19, 10, 0, 0, 0, time.UTC), "2021-07-19T10:00:00Z"},
		{time.Date(2021, 7, 19, 12, 0, 0, 0, time.FixedZone("", 7200)), "2021-07-19T10:00:00Z"},
	} {
		if got := formatDate(tc.t); got != tc.want {
			t.Errorf("formatDate(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	// A statement made at 10:00 on 19 July counts as of the day 2021-07-19,
	// and not as of an instant before 10:00.
	f := &blurline.Fact{PublishedOn: time.Date(2021, 7, 19, 10, 0, 0, 0, time.UTC)}
	if !f.HoldsAt(parseDate("2021-07-19").instant()) || f.HoldsAt(parseDate("2021-07-19T09:00:00Z").instant()) {
		t.Errorf("HoldsAt: a day means its end, an instant itself")
	}
}

func TestCursors(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	key := func(s string) string { return s }
	c, err := paginate(items, "x", key, forward(2, ""))
	if err != nil || len(c.edges) != 2 || c.hasPrev || !c.hasNext || c.total != 5 {
		t.Fatalf("first page = %+v, %v", c, err)
	}
	c, err = paginate(items, "x", key, forward(2, c.edges[1].cursor()))
	if err != nil || c.edges[0].node != "c" || !c.hasPrev || !c.hasNext {
		t.Fatalf("second page = %+v, %v", c, err)
	}
	// A cursor outlives its item: the next page starts after its key.
	c, err = paginate([]string{"a", "c", "d", "e"}, "x", key, forward(2, encodeCursor("x", "b")))
	if err != nil || c.edges[0].node != "c" {
		t.Fatalf("page after a removed item = %+v, %v", c, err)
	}
	for _, bad := range []string{"nonsense", encodeCursor("y", "b"), "!!!"} {
		if _, err := paginate(items, "x", key, forward(2, bad)); !errors.Is(err, blurline.ErrInvalid) {
			t.Errorf("paginate(after %q): err %v, want BAD_USER_INPUT", bad, err)
		}
		if _, err := paginate(items, "x", key, page{first: -1, last: 2, before: bad}); !errors.Is(err, blurline.ErrInvalid) {
			t.Errorf("paginate(before %q): err %v, want BAD_USER_INPUT", bad, err)
		}
	}
	// Backward: the last two, then the two before them, then the rest.
	back := page{first: -1, last: 2}
	c, err = paginate(items, "x", key, back)
	if err != nil || len(c.edges) != 2 || c.edges[0].node != "d" || !c.hasPrev || c.hasNext {
		t.Fatalf("last page = %+v, %v", c, err)
	}
	back.before = c.edges[0].cursor()
	c, err = paginate(items, "x", key, back)
	if err != nil || len(c.edges) != 2 || c.edges[0].node != "b" || c.edges[1].node != "c" || !c.hasPrev || !c.hasNext {
		t.Fatalf("page before d = %+v, %v", c, err)
	}
	back.before = c.edges[0].cursor()
	c, err = paginate(items, "x", key, back)
	if err != nil || len(c.edges) != 1 || c.edges[0].node != "a" || c.hasPrev || !c.hasNext {
		t.Fatalf("page before b = %+v, %v", c, err)
	}
	// after and before together: the items between.
	c, err = paginate(items, "x", key, page{first: -1, last: -1, after: encodeCursor("x", "a"), before: encodeCursor("x", "e")})
	if err != nil || len(c.edges) != 3 || c.edges[0].node != "b" || c.edges[2].node != "d" {
		t.Fatalf("between a and e = %+v, %v", c, err)
	}
}

func TestVariablesStrict(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	const q = `query($id: ID!, $n: Int, $d: Date, $k: [EntityKind!], $x: Float) {
		entities(kind: $k, first: $n) { totalCount }
		entity(id: $id) { id }
		attributions(asOf: $d, minConfidence: $x) { id }
	}`
	for _, tc := range []struct {
		vars map[string]any
		want string // "" for success, else part of the message
	}{
		{map[string]any{"id": "mss", "n": 5.0, "k": "ThreatGroup", "d": "2021-07-19", "x": 0.5}, ""},
		{map[string]any{"id": "mss", "n": 5, "k": []any{"ThreatGroup", "State"}, "x": 1.0}, ""},
		{map[string]any{}, "variable $id of type ID! was not provided"},
		{map[string]any{"id": nil}, "ID must not be null"},
		{map[string]any{"id": true}, "expected a string or an integer"},
		{map[string]any{"id": map[string]any{"x": 1.0}}, "expected a string or an integer"},
		{map[string]any{"id": "mss", "n": 5.5}, "expected a 32-bit integer"},
		{map[string]any{"id": "mss", "n": "5"}, "expected a 32-bit integer"},
		{map[string]any{"id": "mss", "n": 1e12}, "expected a 32-bit integer"},
		{map[string]any{"id": "mss", "x": "high"}, "expected a number"},
		{map[string]any{"id": "mss", "k": "Dragon"}, "expected one of the EntityKind values"},
		{map[string]any{"id": "mss", "k": []any{"State", 3.0}}, "item 1: expected one of the EntityKind values"},
		{map[string]any{"id": "mss", "d": 20210719.0}, "expected a date string"},
	} {
		res := a.Do(context.Background(), Request{Query: q, Variables: tc.vars})
		if tc.want == "" {
			if len(res.Errors) > 0 {
				t.Errorf("variables %v: errors %v, want none", tc.vars, res.Errors)
			}
			continue
		}
		if len(res.Errors) != 1 || kindOf(res.Errors[0]) != blurline.ErrInvalid || !strings.Contains(res.Errors[0].Message, tc.want) || res.Data != nil {
			t.Errorf("variables %v: data %v, errors %v; want no data and one BAD_USER_INPUT containing %q", tc.vars, res.Data, res.Errors, tc.want)
		}
	}
	// An integer ID is allowed (the spec's ID coercion): the entity is not found.
	res := a.Do(context.Background(), Request{Query: `query($id: ID!) { entity(id: $id) { id } }`, Variables: map[string]any{"id": 42.0}})
	if got, want := codes(res), []blurline.Kind{blurline.ErrNotFound}; !reflect.DeepEqual(got, want) {
		t.Errorf("integer id: codes %v, want %v", got, want)
	}
	// Input objects: unknown and missing fields, wrong types inside.
	const m = `mutation($f: [FactInput!]!) { addFacts(facts: $f) { facts { id } } }`
	ctx := asOperator(context.Background())
	for _, tc := range []struct {
		f    any
		want string
	}{
		{map[string]any{"subject": "apt40", "predicate": "memberOf", "object": "nato", "confidence": 0.5, "sources": []any{"https://example.org/x"}, "colour": "red"}, `FactInput has no field "colour"`},
		{map[string]any{"subject": "apt40", "predicate": "memberOf", "object": "nato", "sources": []any{"https://example.org/x"}}, "field confidence of FactInput is required"},
		{map[string]any{"subject": "apt40", "predicate": "likes", "object": "nato", "confidence": 0.5, "sources": []any{"https://example.org/x"}}, "field predicate: expected one of the Predicate values"},
		{[]any{"not an object"}, "item 0: expected an object (FactInput)"},
	} {
		res := a.Do(ctx, Request{Query: m, Variables: map[string]any{"f": tc.f}})
		if len(res.Errors) != 1 || kindOf(res.Errors[0]) != blurline.ErrInvalid || !strings.Contains(res.Errors[0].Message, tc.want) {
			t.Errorf("$f = %v: errors %v, want one BAD_USER_INPUT containing %q", tc.f, res.Errors, tc.want)
		}
	}
}
