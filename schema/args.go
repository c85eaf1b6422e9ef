package schema

import (
	"context"
	"encoding/base64"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// Page sizes where first is not given (docs/api.md).
const (
	// DefaultPageSize is the default first of a connection (entities,
	// relationships) and of a typed relationship list (sponsors,
	// attributions...); the cost guard counts it for a list field without
	// a first argument.
	DefaultPageSize = 20
	// DefaultPaths is the default first of paths.
	DefaultPaths = 10
	// DefaultAttributions is the default first of attributions.
	DefaultAttributions = 100
	// DefaultSubgraph is the default first (most facts) of neighbourhood.
	DefaultSubgraph = 200
	// DefaultMaxHops is the default maxHops of paths.
	DefaultMaxHops = 4
)

func invalid(format string, args ...any) error {
	return blurline.Errorf(blurline.ErrInvalid, format, args...)
}

// first reads and checks a page size: negative is BAD_USER_INPUT, over
// MaxPageSize is LIMIT_EXCEEDED (nothing is clamped silently).
func (a *API) first(args map[string]any, def int) (int, error) {
	n := def
	if v, ok := args["first"].(int); ok {
		n = v
	}
	if n < 0 {
		return 0, invalid("first must not be negative, got %d", n)
	}
	if n > a.limits.MaxPageSize {
		return 0, blurline.Errorf(blurline.ErrLimit, "first %d is over the limit of %d", n, a.limits.MaxPageSize)
	}
	return n, nil
}

// hops reads and checks a hop count (hops or maxHops) in [lo, MaxPathHops].
func (a *API) hops(args map[string]any, name string, def, lo int) (int, error) {
	n := def
	if v, ok := args[name].(int); ok {
		n = v
	}
	if n < lo {
		return 0, invalid("%s must be at least %d, got %d", name, lo, n)
	}
	if n > a.limits.MaxPathHops {
		return 0, blurline.Errorf(blurline.ErrLimit, "%s %d is over the limit of %d", name, n, a.limits.MaxPathHops)
	}
	return n, nil
}

func argString(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

// argIDs reads a list of ids (a single value is coerced to a list by graphql-go).
func argIDs(args map[string]any, name string) []string {
	var out []string
	for _, v := range asList(args[name]) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func asList(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	}
	return []any{v}
}

// argDate reads a Date argument or input field: ok is false when absent.
func argDate(args map[string]any, name string) (d dateValue, ok bool, err error) {
	switch v := args[name].(type) {
	case dateValue:
		if v.err != nil {
			return d, false, invalid("%s: %v", name, v.err)
		}
		return v, true, nil
	case string: // an input object field given as a variable is not parsed by graphql-go
		d = parseDate(v)
		if d.err != nil {
			return d, false, invalid("%s: %v", name, d.err)
		}
		return d, true, nil
	case time.Time:
		return dateValue{t: v}, true, nil
	}
	return d, false, nil
}

// argFilter reads the fact filter arguments: predicates, kinds,
// minConfidence, asOf and assertedBy.
func argFilter(args map[string]any) (blurline.FactFilter, error) {
	var f blurline.FactFilter
	for _, v := range asList(args["predicates"]) {
		if p, ok := v.(blurline.Predicate); ok {
			f.Predicates = append(f.Predicates, p)
		}
	}
	for _, v := range asList(args["kinds"]) {
		if k, ok := v.(blurline.PredicateKind); ok {
			f.Kinds = append(f.Kinds, k)
		}
	}
	if v, ok := args["minConfidence"].(float64); ok {
		if v < 0 || v > 1 || math.IsNaN(v) {
			return f, invalid("minConfidence must be between 0 and 1, got %v", v)
		}
		f.MinConfidence = v
	}
	d, ok, err := argDate(args, "asOf")
	if err != nil {
		return f, err
	}
	if ok {
		f.AsOf = d.instant()
	}
	f.AssertedBy = argString(args, "assertedBy")
	return f, nil
}

func argDirection(args map[string]any) blurline.Direction {
	if d, ok := args["direction"].(blurline.Direction); ok {
		return d
	}
	return blurline.Both
}

// checkEntities returns NOT_FOUND for the first id that names no entity,
// in one store call.
func (a *API) checkEntities(ctx context.Context, ids ...string) error {
	want := ids
	if len(want) == 0 {
		return nil
	}
	nodes, err := a.g.Nodes(ctx, want)
	if err != nil {
		return err
	}
	for i, n := range nodes {
		if n == nil {
			return blurline.Errorf(blurline.ErrNotFound, "no entity %q", want[i])
		}
	}
	a.loaders(ctx).prime(nodes...)
	return nil
}

// existingNodes returns the entities among ids, in their order, leaving
// out the ids that name none; an empty list, not nil, when there are none.
func (a *API) existingNodes(ctx context.Context, ids []string) ([]*blurline.Node, error) {
	nodes, err := a.g.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []*blurline.Node{}
	for _, n := range nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// ids lists the ids of several arguments; optional single ids count only when given.
func ids(lists [][]string, optional ...string) []string {
	out := slices.Concat(lists...)
	for _, id := range optional {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// shortID turns an id or an entity IRI into the short id facts carry.
func shortID(id string) string { return blurline.EntityID(blurline.EntityIRI(id)) }

// Cursors are opaque to clients: base64url of "kind:key", where key is the
// item's position in the connection's sort order (entity: lower-case name
// and id; relationship: fact id). A cursor stays valid across writes: the
// next page starts after the key, wherever it now falls.

func encodeCursor(kind, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + key))
}

func decodeCursor(arg, kind, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if key, ok := strings.CutPrefix(string(b), kind+":"); ok {
			return key, nil
		}
	}
	return "", invalid("%s: %q is not a cursor of this connection (use pageInfo.endCursor or startCursor)", arg, cursor)
}

// connection is a Relay connection page.
type connection struct {
	edges            []edge
	total            int
	hasNext, hasPrev bool
}

// edge is an item of a page and its key; its cursor is encoded when asked
// for.
type edge struct {
	node      any
	kind, key string
}

func (e *edge) cursor() string { return encodeCursor(e.kind, e.key) }

// list is the page's edges as the response's list: pointers into edges,
// one allocation for the page rather than one per edge.
func (c *connection) list() []any {
	l := make([]any, len(c.edges))
	for i := range c.edges {
		l[i] = &c.edges[i]
	}
	return l
}

// page is where a connection is cut: first/after page forward, last/before
// backward (the Relay algorithm: after and before narrow the items, then
// first keeps the first n of them and last the last n). first and last
// are -1 when not given.
type page struct {
	first, last   int
	after, before string
}

// page reads and checks the paging arguments of a connection. Without
// first and last, first is def.
func (a *API) page(args map[string]any, def int) (page, error) {
	pg := page{first: -1, last: -1, after: argString(args, "after"), before: argString(args, "before")}
	for _, name := range []string{"first", "last"} {
		v, ok := args[name].(int)
		if !ok {
			continue
		}
		if v < 0 {
			return pg, invalid("%s must not be negative, got %d", name, v)
		}
		if v > a.limits.MaxPageSize {
			return pg, blurline.Errorf(blurline.ErrLimit, "%s %d is over the limit of %d", name, v, a.limits.MaxPageSize)
		}
		if name == "first" {
			pg.first = v
		} else {
			pg.last = v
		}
	}
	if pg.first < 0 && pg.last < 0 {
		pg.first = def
	}
	return pg, nil
}

// forward returns a first/after page (for tests and internal callers).
func forward(first int, after string) page { return page{first: first, last: -1, after: after} }

// paginate cuts one page out of items, which are sorted by key.
// hasPreviousPage and hasNextPage tell whether any item lies before or
// after the page, whichever way it was asked for.
func paginate[T any](items []T, kind string, key func(T) string, pg page) (*connection, error) {
	start, end := 0, len(items)
	if pg.after != "" {
		k, err := decodeCursor("after", kind, pg.after)
		if err != nil {
			return nil, err
		}
		for start < end && key(items[start]) <= k {
			start++
		}
	}
	if pg.before != "" {
		k, err := decodeCursor("before", kind, pg.before)
		if err != nil {
			return nil, err
		}
		for end > start && key(items[end-1]) >= k {
			end--
		}
	}
	if pg.first >= 0 {
		end = min(start+pg.first, end)
	}
	if pg.last >= 0 {
		start = max(end-pg.last, start)
	}
	c := &connection{total: len(items), hasPrev: start > 0, hasNext: end < len(items), edges: make([]edge, 0, end-start)}
	for _, it := range items[start:end] {
		c.edges = append(c.edges, edge{node: it, kind: kind, key: key(it)})
	}
	return c, nil
}

func nodeKey(n *blurline.Node) string { return strings.ToLower(n.Name) + "\x00" + n.ID }

func relKey(r rel) string { return r.f.ID }
