package schema

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/blurline/blurline"
)

// blurOf asks for one actor's score against the PRC and the facts on its path.
func blurOf(t *testing.T, a *API, actor string) (score float64, path []string) {
	t.Helper()
	var got struct {
		Blur struct {
			Score float64
			Path  *struct {
				Hops []struct{ Statement struct{ ID string } }
			}
		}
	}
	q := `query($a: ID!) { blur(actor: $a, state: "prc") { score path { hops { statement { id } } } } }`
	if err := json.Unmarshal([]byte(mustData(t, context.Background(), a, q, map[string]any{"a": actor})), &got); err != nil {
		t.Fatal(err)
	}
	if got.Blur.Path != nil {
		for _, h := range got.Blur.Path.Hops {
			path = append(path, h.Statement.ID)
		}
	}
	return got.Blur.Score, path
}

// TestBlurMovesWithWrites: through GraphQL, more evidence never lowers a
// score, and retracting the fact on the explaining path lowers the score or
// changes the path. The API's one Analyzer must see every write.
func TestBlurMovesWithWrites(t *testing.T) {
	store := seededStore(t)
	a := newAPI(t, store, Limits{})
	ctx := asOperator(context.Background())

	hafnium, hafniumPath := blurOf(t, a, "hafnium")
	apt31, _ := blurOf(t, a, "apt31")
	if hafnium <= 0 || !reflect.DeepEqual(hafniumPath, []string{"microsoft-hafnium-sponsored-by-prc"}) {
		t.Fatalf("hafnium: score %v, path %v; want the direct Microsoft statement", hafnium, hafniumPath)
	}
	// A supporting fact on the path's own terms (a tighter control fact)
	// and one that adds criminal conduct.
	mustData(t, ctx, a, `mutation { addFacts(facts: [
		{id: "test-hafnium-tasked-by-mss", subject: "hafnium", predicate: taskedBy, object: "mss", confidence: 0.9,
		 healeyLevel: STATE_ORDERED, sources: ["https://example.org/hafnium-mss"]},
		{id: "test-apt31-conducts-ransomware", subject: "apt31", predicate: conducts, object: "activity-ransomware", confidence: 0.8,
		 sources: ["https://example.org/apt31-ransomware"]}
	]) { facts { id } } }`, nil)
	hafnium2, hafniumPath2 := blurOf(t, a, "hafnium")
	apt312, _ := blurOf(t, a, "apt31")
	if hafnium2 <= hafnium || !strings.Contains(strings.Join(hafniumPath2, " "), "test-hafnium-tasked-by-mss") {
		t.Errorf("hafnium after a state-ordered taskedBy: score %v (was %v), path %v; want higher, through the new fact", hafnium2, hafnium, hafniumPath2)
	}
	if apt312 < apt31 {
		t.Errorf("apt31 after adding ransomware: score %v, was %v; more evidence must not lower it", apt312, apt31)
	}
	// Adding a weaker, longer supporting chain keeps the score.
	mustData(t, ctx, a, `mutation { addFacts(facts: [
		{id: "test-hafnium-sponsored-by-shanghai-ssb", subject: "hafnium", predicate: sponsoredBy, object: "shanghai-ssb", confidence: 0.3,
		 healeyLevel: STATE_ENCOURAGED, sources: ["https://example.org/weak"]}
	]) { facts { id } } }`, nil)
	if h, _ := blurOf(t, a, "hafnium"); h < hafnium2 {
		t.Errorf("hafnium after a weaker supporting fact: %v, was %v", h, hafnium2)
	}

	// Retracting the fact on APT40's explaining path.
	apt40, apt40Path := blurOf(t, a, "apt40")
	if !reflect.DeepEqual(apt40Path, []string{"mss-part-of-prc", "hssd-regional-bureau-of-mss", "uk-ncsc-apt40-sponsored-by-hssd"}) {
		t.Fatalf("apt40 path = %v", apt40Path)
	}
	mustData(t, ctx, a, `mutation { retractFact(id: "uk-ncsc-apt40-sponsored-by-hssd") { id } }`, nil)
	apt40b, apt40Pathb := blurOf(t, a, "apt40")
	if apt40b >= apt40 && reflect.DeepEqual(apt40Pathb, apt40Path) {
		t.Errorf("apt40 after retracting its path's control fact: score %v (was %v), path %v unchanged", apt40b, apt40, apt40Pathb)
	}
	if strings.Contains(strings.Join(apt40Pathb, " "), "uk-ncsc-apt40-sponsored-by-hssd") {
		t.Errorf("apt40's path %v still uses the retracted fact", apt40Pathb)
	}
	// The ranking sees the writes too.
	var ranking struct {
		BlurRanking []struct {
			Actor struct{ ID string }
			Score float64
		}
	}
	if err := json.Unmarshal([]byte(mustData(t, context.Background(), a, `{ blurRanking(state: "prc") { actor { id } score } }`, nil)), &ranking); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range ranking.BlurRanking {
		if s.Actor.ID == "hafnium" {
			found = true
			if s.Score != hafnium2 {
				t.Errorf("blurRanking gives hafnium %v, blur gives %v", s.Score, hafnium2)
			}
		}
		if s.Actor.ID == "apt40" && s.Score != apt40b {
			t.Errorf("blurRanking gives apt40 %v, blur gives %v", s.Score, apt40b)
		}
	}
	if !found {
		t.Errorf("hafnium is not in the ranking: %+v", ranking)
	}
}

// TestBlurRankingCost: blurRanking counts as a list of first scores, and
// a blur path, which no maxHops bounds, as MaxPathHops hops.
func TestBlurRankingCost(t *testing.T) {
	a := newAPI(t, seededStore(t), Limits{})
	const deep = `path { hops { from { id name } to { id name } statement { id confidence sources healeyLevel { name } } } }`
	for _, c := range []struct {
		query string
		ok    bool
	}{
		{`{ blurRanking(state: "prc", first: 10) { actor { id name kind } score } }`, true}, // the playground's example
		{`{ blurRanking(state: "prc") { actor { id } score ` + deep + ` } }`, true},
		{`{ blurRanking(first: 1000) { actor { id } score ` + deep + ` } }`, false},
	} {
		res := do(t, context.Background(), a, c.query, nil)
		refused := reflect.DeepEqual(codes(res), []blurline.Kind{blurline.ErrCost})
		if refused == c.ok || c.ok && len(res.Errors) > 0 {
			t.Errorf("%s: errors %v, want ok %v", c.query, res.Errors, c.ok)
		}
	}
}
