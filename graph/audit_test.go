package graph

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// as returns a context whose writes are recorded as name's from addr.
func as(name, addr string) context.Context {
	ctx := blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: name, Scopes: blurline.AllScopes, MaxMarking: blurline.TLPRed})
	return blurline.NewContextWithOrigin(ctx, blurline.Origin{From: addr})
}

// trail is a record without its id and time, for comparing.
type trail struct {
	By, From, Action, Import, Name string
	Added, Changed, Retracted      []string
	Entities                       []string
}

func trailOf(recs []*blurline.AuditRecord) []trail {
	out := make([]trail, len(recs))
	for i, r := range recs {
		out[i] = trail{r.Principal, r.From, r.Action, r.Import, r.Name, r.Added, r.Changed, r.Retracted, r.Entities}
	}
	return out
}

func history(tb testing.TB, s *Store, q blurline.AuditQuery) blurline.AuditPage {
	tb.Helper()
	if q.First == 0 && q.Last == 0 {
		q.First, q.Last = 100, -1
	}
	pg, err := s.History(context.Background(), q)
	if err != nil {
		tb.Fatalf("History(%+v): %v", q, err)
	}
	return pg
}

// TestAuditTrail writes, retracts and imports as two principals and
// reads the trail back exactly, on every backend; then it reopens the
// store (the trail survives a restart) and restores an export of it
// into a new store.
func TestAuditTrail(t *testing.T) {
	smallFacts := []string{"hssd-bureau-of-mss", "mss-part-of-prc", "uk-apt40-hssd"}
	want := []trail{ // newest first
		{By: "bob", From: "198.51.100.2:4000", Action: "retractImport", Import: "feed",
			Retracted: []string{"feed/f-apt40-hssd"}, Entities: []string{"apt40", "hssd"}},
		{By: "bob", From: "198.51.100.2:4000", Action: "import", Import: "feed",
			Added: []string{"feed/f-apt40-hssd"}, Entities: []string{"apt40", "hssd"}},
		{By: "alice", From: "192.0.2.1:1234", Action: "retract",
			Retracted: []string{"mss-part-of-prc"}, Entities: []string{"mss", "prc"}},
		{By: "bob", From: "198.51.100.2:4000", Action: "write",
			Added: []string{"f-bob"}, Entities: []string{"apt40", "prc"}},
		{By: "alice", From: "192.0.2.1:1234", Action: "load", Name: "small.nq",
			Added: smallFacts, Entities: []string{"apt40", "hssd", "mss", "prc", "uk"}},
	}
	fact := blurline.Fact{ID: "f-bob", Subject: "apt40", Predicate: blurline.SponsoredBy, Object: "prc", Confidence: 0.5, Sources: []string{"https://example.org/bob"}}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			alice, bob := as("alice", "192.0.2.1:1234"), as("bob", "198.51.100.2:4000")
			f, err := os.Open("testdata/small.nq")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := s.Load(alice, Source{Name: "small.nq", R: f}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(bob, nil, []blurline.Fact{fact}); err != nil {
				t.Fatal(err)
			}
			// A failed write and a write without an origin leave nothing.
			bad := fact
			bad.ID, bad.Object = "f-bad", "nobody"
			if _, err := s.Write(bob, nil, []blurline.Fact{bad}); !errors.Is(err, blurline.ErrInvalid) {
				t.Fatalf("Write(unknown entity) = %v, want ErrInvalid", err)
			}
			if _, err := s.Retract(bob, "no-such-fact"); !errors.Is(err, blurline.ErrNotFound) {
				t.Fatalf("Retract(no-such-fact) = %v, want ErrNotFound", err)
			}
			quiet := fact
			quiet.ID = "f-quiet"
			if _, err := s.Write(context.Background(), nil, []blurline.Fact{quiet}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Retract(context.Background(), "f-quiet"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Retract(alice, "mss-part-of-prc"); err != nil {
				t.Fatal(err)
			}
			imp := fact
			imp.ID = "f-apt40-hssd"
			imp.Object = "hssd"
			if _, err := s.WriteImport(bob, "feed", nil, []blurline.Fact{imp}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RetractImport(bob, "feed"); err != nil {
				t.Fatal(err)
			}
			check := func(t *testing.T, s *Store) {
				t.Helper()
				pg := history(t, s, blurline.AuditQuery{})
				if got := trailOf(pg.Records); !reflect.DeepEqual(got, want) {
					t.Fatalf("history:\n got %+v\nwant %+v", got, want)
				}
				for i := 1; i < len(pg.Records); i++ {
					if pg.Records[i].At.After(pg.Records[i-1].At) {
						t.Errorf("record %d (%v) is newer than record %d (%v)", i, pg.Records[i].At, i-1, pg.Records[i-1].At)
					}
				}
				for _, c := range []struct {
					name string
					q    blurline.AuditQuery
					want []trail
				}{
					{"by bob", blurline.AuditQuery{By: "bob"}, []trail{want[0], want[1], want[3]}},
					{"retracted fact", blurline.AuditQuery{Fact: "mss-part-of-prc"}, []trail{want[2], want[4]}},
					{"entity", blurline.AuditQuery{Entity: "prc"}, []trail{want[2], want[3], want[4]}},
					{"since", blurline.AuditQuery{Since: pg.Records[1].At}, want[:2]},
					{"nobody", blurline.AuditQuery{By: "carol"}, []trail{}},
				} {
					if got := trailOf(history(t, s, c.q).Records); !reflect.DeepEqual(got, c.want) {
						t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
					}
				}
				// Pages of two, forward and backward, cover the trail once.
				var ids []string
				for after := ""; ; {
					p := history(t, s, blurline.AuditQuery{First: 2, Last: -1, After: after})
					for _, r := range p.Records {
						ids = append(ids, r.ID)
					}
					if p.HasNewer != (after != "") {
						t.Errorf("page after %q: HasNewer = %v", after, p.HasNewer)
					}
					if !p.HasOlder {
						break
					}
					after = p.Records[len(p.Records)-1].ID
				}
				var back []string
				for before := ""; ; {
					p := history(t, s, blurline.AuditQuery{First: -1, Last: 2, Before: before})
					for i := len(p.Records) - 1; i >= 0; i-- {
						back = append([]string{p.Records[i].ID}, back...)
					}
					if !p.HasNewer {
						break
					}
					before = p.Records[0].ID
				}
				if len(ids) != len(want) || !reflect.DeepEqual(ids, back) {
					t.Errorf("pages forward %v, backward %v: want %d records once each", ids, back, len(want))
				}
			}
			check(t, s)

			// The trail is exported; a restoring load brings it back, and
			// records itself; a load that is not a restore refuses it.
			text := export(t, s)
			if n := strings.Count(text, "<"+blurline.AuditGraph+"> .\n"); n == 0 {
				t.Fatalf("export has no audit quads:\n%s", text)
			}
			if _, err := mustOpen(t, "memory:").LoadNQuads(bob, "export.nq", text, blurline.WriteOptions{}); !errors.Is(err, blurline.ErrInvalid) || !strings.Contains(err.Error(), "audit trail") {
				t.Errorf("load of an export without restore = %v, want the audit trail refused", err)
			}
			restored := mustOpen(t, "memory:")
			ctx := blurline.NewContextWithOrigin(blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "root"}), blurline.Origin{From: "cli", Restore: true})
			if _, err := restored.LoadNQuads(ctx, "export.nq", text, blurline.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			got := history(t, restored, blurline.AuditQuery{})
			if len(got.Records) != len(want)+1 || got.Records[0].Principal != "root" || got.Records[0].Name != "export.nq" {
				t.Fatalf("restored trail = %+v, want the restore's record and then the %d exported", trailOf(got.Records), len(want))
			}
			if tr := trailOf(got.Records[1:]); !reflect.DeepEqual(tr, want) {
				t.Errorf("restored trail:\n got %+v\nwant %+v", tr, want)
			}
			if again := export(t, restored); !strings.Contains(again, text[strings.Index(text, "<"+blurline.AuditBase):][:200]) {
				t.Errorf("the restored store's export lacks the exported records")
			}

			// The trail survives a restart (bbolt: from the snapshot file and
			// from a rebuild; postgres: a second server).
			if name == "memory" {
				return
			}
			addr := s.addr
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2 := mustOpen(t, addr)
			t.Run("reopened", func(t *testing.T) { check(t, s2) })
			if s2.bolt != nil {
				s2.Close()
				if err := os.Remove(s2.snapPath()); err != nil {
					t.Fatal(err)
				}
				s3 := mustOpen(t, addr)
				if s3.fromFile {
					t.Fatal("reopened from the snapshot file after removing it")
				}
				t.Run("rebuilt", func(t *testing.T) { check(t, s3) })
			}
		})
	}
}

// TestAuditTwoServers: two stores on one PostgreSQL database (two
// servers) each see the records of the other's writes once they catch up
// through the change log, in one order.
func TestAuditTwoServers(t *testing.T) {
	dsn := newPostgresDSN(t)
	a, b := mustOpen(t, dsn), mustOpen(t, dsn)
	fact := func(id string) []blurline.Fact {
		return []blurline.Fact{{ID: id, Subject: "x", Predicate: blurline.PartOf, Object: "y", Confidence: 0.5, Sources: []string{"https://example.org/" + id}}}
	}
	nodes := []blurline.Node{{ID: "x", Class: blurline.ThreatGroup, Name: "X"}, {ID: "y", Class: blurline.State, Name: "Y"}}
	if _, err := a.Write(as("alice", "192.0.2.1:1"), nodes, fact("f-a")); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(as("bob", "192.0.2.2:2"), nil, fact("f-b")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Retract(as("bob", "192.0.2.2:2"), "f-a"); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []trail{
		{By: "bob", From: "192.0.2.2:2", Action: "retract", Retracted: []string{"f-a"}, Entities: []string{"x", "y"}},
		{By: "bob", From: "192.0.2.2:2", Action: "write", Added: []string{"f-b"}, Entities: []string{"x", "y"}},
		{By: "alice", From: "192.0.2.1:1", Action: "write", Added: []string{"f-a"}, Entities: []string{"x", "y"}},
	}
	for name, s := range map[string]*Store{"a": a, "b": b} {
		if got := trailOf(history(t, s, blurline.AuditQuery{}).Records); !reflect.DeepEqual(got, want) {
			t.Errorf("store %s:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

// TestAuditMarkings: a record is marked as the most restrictive of what
// it names, before and after, and a reader cleared for less sees neither
// the record nor a hint of it; the retraction of a marked fact stays as
// marked as the fact was.
func TestAuditMarkings(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := as("alice", "192.0.2.1:1")
			nodes := []blurline.Node{{ID: "x", Class: blurline.ThreatGroup, Name: "X"}, {ID: "y", Class: blurline.State, Name: "Y"}}
			fact := func(id string, m blurline.Marking) []blurline.Fact {
				return []blurline.Fact{{ID: id, Subject: "x", Predicate: blurline.PartOf, Object: "y", Confidence: 0.5, Sources: []string{"https://example.org/" + id}, Marking: m}}
			}
			if _, err := s.Write(ctx, nodes, fact("f-clear", blurline.TLPClear)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(ctx, nil, fact("f-amber", blurline.TLPAmber)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Retract(ctx, "f-amber"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(ctx, []blurline.Node{{ID: "z", Class: blurline.ThreatGroup, Name: "Z", Marking: blurline.TLPRed}}, nil); err != nil {
				t.Fatal(err)
			}
			reader := func(m blurline.Marking) context.Context {
				return blurline.NewContextWithPrincipal(context.Background(), &blurline.Principal{Name: "admin", Scopes: blurline.AllScopes, MaxMarking: m})
			}
			for _, c := range []struct {
				m    blurline.Marking
				want []blurline.Marking
			}{
				{blurline.TLPRed, []blurline.Marking{blurline.TLPRed, blurline.TLPAmber, blurline.TLPAmber, blurline.TLPClear}},
				{blurline.TLPAmber, []blurline.Marking{blurline.TLPAmber, blurline.TLPAmber, blurline.TLPClear}},
				{blurline.TLPGreen, []blurline.Marking{blurline.TLPClear}},
			} {
				pg, err := s.History(reader(c.m), blurline.AuditQuery{First: 100, Last: -1})
				if err != nil {
					t.Fatal(err)
				}
				var got []blurline.Marking
				for _, r := range pg.Records {
					got = append(got, r.Marking)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("cleared for %s: records marked %v, want %v", c.m, got, c.want)
				}
				// Paging shows no hint of what is hidden: one page of one,
				// then nothing older when only one is visible.
				one, _ := s.History(reader(c.m), blurline.AuditQuery{First: 1, Last: -1})
				if one.HasOlder != (len(c.want) > 1) {
					t.Errorf("cleared for %s: HasOlder = %v with %d visible", c.m, one.HasOlder, len(c.want))
				}
				var buf strings.Builder
				if _, err := s.Export(reader(c.m), &buf); err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(buf.String(), "<"+blurline.AuditNS+"at>"); n != len(c.want) {
					t.Errorf("cleared for %s: the export holds %d records, want %d", c.m, n, len(c.want))
				}
				// stats counts data, not the trail, in every view.
				st, _ := s.Stats(reader(c.m))
				if data := strings.Count(buf.String(), "\n") - strings.Count(buf.String(), "<"+blurline.AuditGraph+"> .\n"); st.Quads != data {
					t.Errorf("cleared for %s: stats.quads = %d, want the export's %d data quads", c.m, st.Quads, data)
				}
			}
		})
	}
}
