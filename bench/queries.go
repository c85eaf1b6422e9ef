package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/blurline/blurline"
)

// The 2-hop relationship query, as Blurline's GraphQL and as cayley's
// Gizmo. Both walk every relationship predicate of the vocabulary in either
// direction, twice, and return the entity at the end of every 2-hop route
// (once per route). Blurline also returns each fact's id and predicate.

// twoHopGraphQL is the GraphQL query from id.
func twoHopGraphQL(id string) string {
	return fmt.Sprintf(`{ entity(id: %q) { relationships { edges { node { other { id relationships { edges { node { id predicate other { id } } } } } } } } } }`, id)
}

// relPredicates are the IRIs of every relationship predicate.
func relPredicates() []string {
	var out []string
	for _, p := range blurline.Predicates {
		out = append(out, p.Predicate.IRI())
	}
	return out
}

// twoHopGizmo is the Gizmo query from id.
func twoHopGizmo(id string) string {
	var preds []string
	for _, p := range relPredicates() {
		preds = append(preds, "<"+p+">")
	}
	list, _ := json.Marshal(preds)
	return fmt.Sprintf(`g.V("<%s>").both(%s).both(%s).all()`, blurline.EntityIRI(id), list, list)
}

func graphQLBody(query string) []byte {
	b, _ := json.Marshal(map[string]string{"query": query})
	return b
}

// graphQLOK accepts a 200 answer with data and no errors.
func graphQLOK(status int, body []byte) bool {
	return status == 200 && bytes.HasPrefix(body, []byte(`{"data"`)) && !bytes.Contains(body, []byte(`"errors"`))
}

// gizmoOK accepts a 200 answer with results and no error.
func gizmoOK(status int, body []byte) bool {
	return status == 200 && bytes.HasPrefix(body, []byte(`{"result"`)) && !bytes.Contains(body, []byte(`"error"`))
}

// multiset counts the entities at the end of the 2-hop routes.
type multiset map[string]int

func (m multiset) String() string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s×%d", k, m[k])
	}
	return b.String()
}

func (m multiset) total() int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// graphQLEnds reads a Blurline answer.
func graphQLEnds(body []byte) (multiset, error) {
	type ref struct {
		ID string `json:"id"`
	}
	var r struct {
		Data struct {
			Entity *struct {
				Relationships struct {
					Edges []struct {
						Node struct {
							Other *struct {
								Relationships struct {
									Edges []struct {
										Node struct {
											Other *ref `json:"other"`
										} `json:"node"`
									} `json:"edges"`
								} `json:"relationships"`
							} `json:"other"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"relationships"`
			} `json:"entity"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if len(r.Errors) > 0 || r.Data.Entity == nil {
		return nil, fmt.Errorf("errors: %.300s", body)
	}
	m := multiset{}
	for _, e := range r.Data.Entity.Relationships.Edges {
		if e.Node.Other == nil {
			continue
		}
		for _, f := range e.Node.Other.Relationships.Edges {
			if f.Node.Other != nil {
				m[f.Node.Other.ID]++
			}
		}
	}
	return m, nil
}

// gizmoEnds reads a cayley answer.
func gizmoEnds(body []byte) (multiset, error) {
	var r struct {
		Result []map[string]any `json:"result"`
		Error  string           `json:"error"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if r.Error != "" {
		return nil, fmt.Errorf("gizmo: %s", r.Error)
	}
	m := multiset{}
	for _, x := range r.Result {
		id, ok := x["id"].(string)
		if !ok {
			return nil, fmt.Errorf("gizmo result without a string id: %v", x)
		}
		m[blurline.EntityID(strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"))]++
	}
	return m, nil
}

// startIDs are the entities the HTTP load starts from: one regional bureau
// in each of 16 states spread over the graph. A generated graph of n quads
// has more than n/400 states.
func startIDs(n int) []string {
	states := max(1, n/400)
	var out []string
	for i := range 16 {
		out = append(out, fmt.Sprintf("s%d-bureau%d", i*states/16, i%3))
	}
	return out
}

// sampleIDs are the entities whose 2-hop answers are compared between the
// two systems: the start bureaus, and contractors and persons. (Hubs such
// as states and activities are left out: Blurline pages relationships by
// 20 and cayley's HTTP API caps an answer at 100 results.)
func sampleIDs(n int) []string {
	states := max(1, n/400)
	out := startIDs(n)
	for i := range 8 {
		st := (i*states/8 + 1) % states
		out = append(out, fmt.Sprintf("s%d-b%d-contractor%d", st, i%3, i%2), fmt.Sprintf("s%d-b%d-c%d-person%d", st, (i+1)%3, (i+1)%2, i%2))
	}
	return out
}
