package schema

import (
	"fmt"
	"strconv"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/kinds"
	"github.com/graphql-go/graphql/language/visitor"
)

// Guard rules. They run as graphql.ValidationRuleFns in a first validation
// pass of their own, before graphql-go's specified rules, so that a hostile
// document never reaches those (a fragment cycle sends v0.8.1's
// OverlappingFieldsCanBeMerged into endless recursion: a fatal stack
// overflow that recover cannot catch).
//
//   - fragment cycles: rejected (blurline.ErrValidation);
//   - depth: nesting of selection sets with fragments expanded (ErrDepth);
//   - aliases: aliased fields in the document (ErrAliases);
//   - cost: each field costs the number of times it may be resolved, the
//     product of the page sizes above it: a field's `first` (or `limit`),
//     given or else the argument's default, times its `maxHops` (each path
//     has up to maxHops hops); a list field without a `first` argument
//     counts DefaultPageSize, except the lists whose length the parent's
//     first already bounds (a connection's edges, a path's hops, a
//     subgraph's nodes and edges). A blur score's path, which no maxHops
//     bounds, counts MaxPathHops hops; blurRanking is a list of its first
//     scores; a list of cited sources (sourceRecords) counts SourceListCost.
//     ErrCost above MaxCost;
//   - repeated fields: more than MaxFieldPairs pairs of fields at the same
//     response path, which graphql-go's overlapping-fields rule compares
//     pair by pair (ErrCost).

// MaxFieldPairs bounds the pairs of fields that share a response path, the
// work of graphql-go's quadratic overlapping-fields rule (see mergePairs).
// A query that asks for each field once has none.
const MaxFieldPairs = 2000

// boundedLists are list fields whose length a page size above them already
// counts: they do not multiply the cost again.
var boundedLists = map[string]bool{
	"EntityConnection.edges":       true,
	"RelationshipConnection.edges": true,
	"AuditConnection.edges":        true,
	"Path.hops":                    true,
	"Path.nodes":                   true,
	"Subgraph.nodes":               true,
	"Subgraph.edges":               true,
	"Changes.began":                true,
	"Changes.ended":                true,
	"Changes.attributions":         true,
	"Changes.blurMoves":            true,
}

// sourceLists are the lists of the sources a fact, entity or score cites.
// They cost what sources (the list of their URLs) costs: their fields once,
// not DefaultPageSize times: a fact cites a handful of sources (the seed's
// 1 to 5), each resolved from the request's one batch of records.
var sourceLists = map[string]bool{"sourceRecords": true}

// SourceListCost is what a list of cited sources multiplies its fields by.
const SourceListCost = 1

// unboundedPaths are Path fields whose length no maxHops bounds (a blur
// path is as long as its strongest evidence): their Path.hops and
// Path.nodes count as MaxPathHops each.
var unboundedPaths = map[string]bool{
	"BlurScore.path": true,
}

// report reports a guard's error of kind at nodes.
func report(ctx *graphql.ValidationContext, kind blurline.Kind, nodes []ast.Node, format string, args ...any) {
	ctx.ReportError(located(kind, nodes, format, args...))
}

// onDocument makes a rule that looks at the whole document once.
func onDocument(check func(ctx *graphql.ValidationContext, doc *ast.Document)) graphql.ValidationRuleFn {
	return func(ctx *graphql.ValidationContext) *graphql.ValidationRuleInstance {
		return &graphql.ValidationRuleInstance{VisitorOpts: &visitor.VisitorOptions{
			KindFuncMap: map[string]visitor.NamedVisitFuncs{
				kinds.Document: {Kind: func(p visitor.VisitFuncParams) (string, interface{}) {
					if doc, ok := p.Node.(*ast.Document); ok {
						check(ctx, doc)
					}
					return visitor.ActionSkip, nil
				}},
			},
		}}
	}
}

func guardRules(l Limits) []graphql.ValidationRuleFn {
	return []graphql.ValidationRuleFn{
		onDocument(noFragmentCycles),
		onDocument(func(ctx *graphql.ValidationContext, doc *ast.Document) { maxAliases(ctx, doc, l.MaxAliases) }),
		onDocument(func(ctx *graphql.ValidationContext, doc *ast.Document) { maxDepth(ctx, doc, l.MaxDepth) }),
		onDocument(func(ctx *graphql.ValidationContext, doc *ast.Document) {
			for _, op := range operations(doc) {
				if c := queryCost(ctx.Schema(), doc, op, nil, l); c > l.MaxCost {
					report(ctx, blurline.ErrCost, []ast.Node{op},
						"query cost %d is over the limit of %d: ask for smaller pages (first) or fewer hops", c, l.MaxCost)
				}
			}
		}),
		directivesPerLocation,
		onDocument(func(ctx *graphql.ValidationContext, doc *ast.Document) {
			if n := mergePairs(doc, MaxFieldPairs); n > MaxFieldPairs {
				report(ctx, blurline.ErrCost, nil,
					"the document repeats fields: over %d pairs of fields share a response path (fragments expanded); ask for each field once", MaxFieldPairs)
			}
		}),
	}
}

// MaxDirectivesPerLocation bounds the directives on one field, fragment
// or operation: graphql-go's directive rules compare them with each other.
const MaxDirectivesPerLocation = 20

// directivesPerLocation refuses a location with more than
// MaxDirectivesPerLocation directives.
func directivesPerLocation(ctx *graphql.ValidationContext) *graphql.ValidationRuleInstance {
	check := func(p visitor.VisitFuncParams) (string, interface{}) {
		var ds []*ast.Directive
		switch n := p.Node.(type) {
		case *ast.Field:
			ds = n.Directives
		case *ast.FragmentSpread:
			ds = n.Directives
		case *ast.InlineFragment:
			ds = n.Directives
		case *ast.OperationDefinition:
			ds = n.Directives
		case *ast.FragmentDefinition:
			ds = n.Directives
		}
		if len(ds) > MaxDirectivesPerLocation {
			report(ctx, blurline.ErrLimit, []ast.Node{ds[0]}, "%d directives in one place, over the limit of %d", len(ds), MaxDirectivesPerLocation)
			return visitor.ActionBreak, nil
		}
		return visitor.ActionNoChange, nil
	}
	m := map[string]visitor.NamedVisitFuncs{}
	for _, k := range []string{kinds.Field, kinds.FragmentSpread, kinds.InlineFragment, kinds.OperationDefinition, kinds.FragmentDefinition} {
		m[k] = visitor.NamedVisitFuncs{Kind: check}
	}
	return &graphql.ValidationRuleInstance{VisitorOpts: &visitor.VisitorOptions{KindFuncMap: m}}
}

func operations(doc *ast.Document) []*ast.OperationDefinition {
	var ops []*ast.OperationDefinition
	for _, d := range doc.Definitions {
		if op, ok := d.(*ast.OperationDefinition); ok {
			ops = append(ops, op)
		}
	}
	return ops
}

func fragments(doc *ast.Document) map[string]*ast.FragmentDefinition {
	m := map[string]*ast.FragmentDefinition{}
	for _, d := range doc.Definitions {
		if f, ok := d.(*ast.FragmentDefinition); ok && f.Name != nil {
			m[f.Name.Value] = f
		}
	}
	return m
}

// spreads lists the fragment names a selection set spreads, at any depth.
func spreads(ss *ast.SelectionSet, out *[]string) {
	if ss == nil {
		return
	}
	for _, s := range ss.Selections {
		switch s := s.(type) {
		case *ast.Field:
			spreads(s.SelectionSet, out)
		case *ast.InlineFragment:
			spreads(s.SelectionSet, out)
		case *ast.FragmentSpread:
			if s.Name != nil {
				*out = append(*out, s.Name.Value)
			}
		}
	}
}

func noFragmentCycles(ctx *graphql.ValidationContext, doc *ast.Document) {
	frags := fragments(doc)
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(name string) bool
	visit = func(name string) bool {
		switch state[name] {
		case active:
			return true
		case done:
			return false
		}
		state[name] = active
		if f, ok := frags[name]; ok {
			var next []string
			spreads(f.SelectionSet, &next)
			for _, n := range next {
				if visit(n) {
					return true
				}
			}
		}
		state[name] = done
		return false
	}
	for name, f := range frags {
		if state[name] == unseen && visit(name) {
			report(ctx, blurline.ErrValidation, []ast.Node{f}, "fragment %q spreads itself (a fragment cycle)", name)
			return
		}
	}
}

func maxAliases(ctx *graphql.ValidationContext, doc *ast.Document, limit int) {
	n := 0
	var walk func(ss *ast.SelectionSet)
	walk = func(ss *ast.SelectionSet) {
		if ss == nil {
			return
		}
		for _, s := range ss.Selections {
			switch s := s.(type) {
			case *ast.Field:
				if s.Alias != nil {
					n++
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			walk(d.SelectionSet)
		case *ast.FragmentDefinition:
			walk(d.SelectionSet)
		}
	}
	if n > limit {
		report(ctx, blurline.ErrAliases, nil, "the document has %d aliases, over the limit of %d", n, limit)
	}
}

// Fragments are expanded with a memo: a fragment spread many times (or a
// chain of fragments each spreading the next twice) is walked once, so the
// guards stay linear in the size of the document where a naive expansion is
// exponential.

func maxDepth(ctx *graphql.ValidationContext, doc *ast.Document, limit int) {
	frags := fragments(doc)
	memo := map[string]int{}
	stack := map[string]bool{} // fragments being expanded (a cycle counts 0)
	var depth func(ss *ast.SelectionSet) int
	depth = func(ss *ast.SelectionSet) int {
		if ss == nil {
			return 0
		}
		most := 0
		for _, s := range ss.Selections {
			d := 0
			switch s := s.(type) {
			case *ast.Field:
				if s.SelectionSet != nil {
					d = 1 + depth(s.SelectionSet)
				}
			case *ast.InlineFragment:
				d = depth(s.SelectionSet)
			case *ast.FragmentSpread:
				name := s.Name.Value
				f, ok := frags[name]
				if !ok || stack[name] {
					break
				}
				if fd, ok := memo[name]; ok {
					d = fd
					break
				}
				stack[name] = true
				d = depth(f.SelectionSet)
				delete(stack, name)
				memo[name] = d
			}
			most = max(most, d)
			if most > limit {
				return most
			}
		}
		return most
	}
	for _, op := range operations(doc) {
		if d := 1 + depth(op.SelectionSet); d > limit {
			report(ctx, blurline.ErrDepth, []ast.Node{op}, "query depth %d is over the limit of %d", d, limit)
		}
	}
}

// costCeiling bounds cost arithmetic: any cost this high is refused anyway.
const costCeiling = 1 << 40

// satMul multiplies without passing costCeiling.
func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > costCeiling/b {
		return costCeiling
	}
	return a * b
}

// queryCost estimates how many field resolutions an operation may cause.
// vars, when given, supply the values of variables; otherwise a variable
// page size counts as its argument's default (Execute checks again with
// values). The cost of a fragment is linear in the multiplier it is spread
// under, so each fragment is costed once and multiplied.
func queryCost(s *graphql.Schema, doc *ast.Document, op *ast.OperationDefinition, vars map[string]any, l Limits) int {
	frags := fragments(doc)
	root := rootType(s, op)
	if root == nil {
		return 0
	}
	fieldsOf := func(t graphql.Type) graphql.FieldDefinitionMap {
		switch t := t.(type) {
		case *graphql.Object:
			return t.Fields()
		case *graphql.Interface:
			return t.Fields()
		}
		return nil
	}
	memo := map[string]int{} // cost of a fragment spread under a multiplier of 1
	stack := map[string]bool{}
	// walk returns the cost of a selection set resolved once.
	var walk func(t graphql.Type, ss *ast.SelectionSet) int
	walk = func(t graphql.Type, ss *ast.SelectionSet) int {
		if ss == nil {
			return 0
		}
		total := 0
		for _, sel := range ss.Selections {
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Alias != nil && sel.Alias.Value == typenameKey {
					continue // added by addTypenames, not asked for
				}
				var ft graphql.Type
				fd := fieldsOf(t)[sel.Name.Value]
				if fd != nil {
					ft = fd.Type
				}
				m := fieldMultiplier(sel, fd, t, vars, l)
				total += 1 + satMul(m, walk(namedType(ft), sel.SelectionSet))
			case *ast.InlineFragment:
				it := t
				if sel.TypeCondition != nil {
					if nt := s.Type(sel.TypeCondition.Name.Value); nt != nil {
						it = nt
					}
				}
				total += walk(it, sel.SelectionSet)
			case *ast.FragmentSpread:
				name := sel.Name.Value
				f, ok := frags[name]
				if !ok || stack[name] {
					continue
				}
				c, ok := memo[name]
				if !ok {
					ft := t
					if f.TypeCondition != nil {
						if nt := s.Type(f.TypeCondition.Name.Value); nt != nil {
							ft = nt
						}
					}
					stack[name] = true
					c = walk(ft, f.SelectionSet)
					delete(stack, name)
					memo[name] = c
				}
				total += c
			}
			if total >= costCeiling {
				return costCeiling
			}
		}
		return total
	}
	return walk(root, op.SelectionSet)
}

// mergePairs estimates the work of graphql-go's OverlappingFieldsCanBeMerged
// rule, which compares every pair of fields that share a response path
// (fragments expanded) and so is quadratic: 2000 copies of one field take
// it tens of seconds. It counts those pairs in every operation and every
// fragment definition (the rule checks each), expanding each fragment once
// per selection set as the rule does, and stops at limit or after maxSteps
// selections (returning more than limit).
func mergePairs(doc *ast.Document, limit int) int {
	const maxSteps = 1 << 20
	frags := fragments(doc)
	pairs, steps := 0, 0
	counts := map[string]int{}
	stack := map[string]bool{}
	var walk func(ss *ast.SelectionSet, path string)
	walk = func(ss *ast.SelectionSet, path string) {
		if ss == nil {
			return
		}
		expanded := map[string]bool{}
		for _, sel := range ss.Selections {
			if pairs > limit || steps > maxSteps {
				return
			}
			steps++
			switch sel := sel.(type) {
			case *ast.Field:
				name := sel.Name.Value
				if sel.Alias != nil {
					name = sel.Alias.Value
				}
				key := path + "\x00" + name
				pairs += counts[key]
				counts[key]++
				walk(sel.SelectionSet, key)
			case *ast.InlineFragment:
				walk(sel.SelectionSet, path)
			case *ast.FragmentSpread:
				name := sel.Name.Value
				f, ok := frags[name]
				if !ok || stack[name] || expanded[name] {
					continue
				}
				expanded[name] = true
				stack[name] = true
				walk(f.SelectionSet, path)
				delete(stack, name)
			}
		}
	}
	for i, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			walk(d.SelectionSet, fmt.Sprintf("op%d", i))
		case *ast.FragmentDefinition:
			walk(d.SelectionSet, fmt.Sprintf("fragment%d", i))
		}
	}
	if steps > maxSteps {
		return limit + 1
	}
	return pairs
}

// fieldMultiplier is how many times a field's children may be resolved per
// resolution of the field.
func fieldMultiplier(f *ast.Field, fd *graphql.FieldDefinition, parent graphql.Type, vars map[string]any, l Limits) int {
	if fd == nil {
		return 1
	}
	given := make(map[string]ast.Value, len(f.Arguments))
	for _, a := range f.Arguments {
		if a.Name != nil {
			given[a.Name.Value] = a.Value
		}
	}
	m := 1
	hasPage := false
	for _, arg := range fd.Args {
		name := arg.Name()
		if name != "first" && name != "limit" && name != "maxHops" {
			continue
		}
		v, ok := 0, false
		if av, isGiven := given[name]; isGiven {
			v, ok = intArg(av, vars)
		} else if av, isGiven := given["last"]; name == "first" && isGiven {
			v, ok = intArg(av, vars) // a backward page: last counts as first does
		}
		if !ok {
			v, ok = arg.DefaultValue.(int)
		}
		switch name {
		case "first", "limit":
			hasPage = true
			if !ok {
				v = DefaultPageSize
			}
			m *= max(min(v, l.MaxPageSize), 1)
		case "maxHops":
			if !ok {
				v = 2
			}
			m *= max(min(v, l.MaxPathHops), 1)
		}
	}
	switch {
	case !hasPage && isList(fd.Type) && sourceLists[fd.Name]:
		m *= SourceListCost
	case !hasPage && isList(fd.Type) && (parent == nil || !boundedLists[parent.Name()+"."+fd.Name]):
		m *= DefaultPageSize
	}
	if parent != nil && unboundedPaths[parent.Name()+"."+fd.Name] {
		m *= l.MaxPathHops
	}
	return m
}

func intArg(v ast.Value, vars map[string]any) (int, bool) {
	switch v := v.(type) {
	case *ast.IntValue:
		n, err := strconv.Atoi(v.Value)
		return n, err == nil
	case *ast.Variable:
		if vars == nil || v.Name == nil {
			return 0, false
		}
		switch x := vars[v.Name.Value].(type) {
		case int:
			return x, true
		case float64:
			return int(x), true
		case int64:
			return int(x), true
		}
	}
	return 0, false
}

func isList(t graphql.Type) bool {
	for {
		switch x := t.(type) {
		case *graphql.NonNull:
			t = x.OfType
		case *graphql.List:
			return true
		default:
			return false
		}
	}
}

func namedType(t graphql.Type) graphql.Type {
	for {
		switch x := t.(type) {
		case *graphql.NonNull:
			t = x.OfType
		case *graphql.List:
			t = x.OfType
		default:
			return t
		}
	}
}
