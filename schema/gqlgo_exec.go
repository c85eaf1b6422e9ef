package schema

import (
	"context"
	"maps"
	"slices"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/kinds"
)

// gqlgo_exec.go executes with graphql-go v0.8.1's executor: the reference
// that the tests compare Blurline's executor (exec.go) with, response for
// response, and the baseline of the benchmarks. It is not used to serve.
//
// graphql-go returns each object of the data as a map[string]any,
// so encoding/json would write its fields in alphabetical order (graphql-go
// issue #127), while the specification's serialisation rules ask for the
// order in which the selection sets, fragments expanded, name them.
// orderData rebuilds the data as ordered objects by walking the operation's
// selection sets beside the result, following the specification's
// CollectFields: aliases, fragment spreads and inline fragments (with
// their type conditions), @skip and @include, __typename.
//
// A type condition needs the object's runtime type, which the data of an
// interface-typed field does not carry. So that it need not be guessed,
// prepare adds a hidden `__typename` under the alias typenameKey to every
// selection set on an interface or union; ordering reads it and leaves it
// out of the response (and exec.go does not resolve it).

// typenameKey is the alias of the hidden __typename field.
const typenameKey = "__blurline_typename"

// executeReference runs op with graphql-go's executor and orders the data.
func (a *API) executeReference(ctx context.Context, op *Operation, variables map[string]any) *graphql.Result {
	res := graphql.Execute(graphql.ExecuteParams{
		Schema:        a.schema,
		AST:           op.doc,
		OperationName: op.Name,
		Args:          variables,
		Context:       ctx,
	})
	if err := ctx.Err(); err != nil && res.Data == nil && len(res.Errors) == 0 {
		res.Errors = []gqlerrors.FormattedError{gqlerrors.FormatError(err)}
	}
	res.Data = a.orderData(op, variables, res.Data)
	return res
}

// orderer rebuilds the data of one executed operation in request order.
type orderer struct {
	sc        *graphql.Schema
	doc       *ast.Document
	vars      map[string]any
	varDefs   []*ast.VariableDefinition
	fragments map[string]*ast.FragmentDefinition
	memo      map[memoKey]collected // the objects of a list share their field nodes
}

// memoKey names the field nodes an object was selected by (the parent's
// collected slice, shared by every element of a list) and its type.
type memoKey struct {
	t     *graphql.Object
	first **ast.Field
	n     int
}

type collected struct {
	keys   []string
	fields map[string][]*ast.Field
}

// orderData returns data (graphql-go's maps) as ordered objects.
func (a *API) orderData(op *Operation, vars map[string]any, data any) any {
	m, ok := data.(map[string]any)
	if !ok {
		return data
	}
	sc := a.schema
	o := &orderer{sc: &sc, doc: op.doc, vars: vars, varDefs: op.def.VariableDefinitions, fragments: map[string]*ast.FragmentDefinition{}}
	for _, d := range op.doc.Definitions {
		if f, ok := d.(*ast.FragmentDefinition); ok {
			o.fragments[f.Name.Value] = f
		}
	}
	root := sc.QueryType()
	if op.Type == "mutation" {
		root = sc.MutationType()
	}
	o.memo = map[memoKey]collected{}
	keys, fields := o.collect(root, []*ast.SelectionSet{op.def.SelectionSet})
	return o.object(m, root, keys, fields)
}

// objectOf orders one object of runtime type t selected by the field nodes
// sel, collecting its fields once for all the objects sel selects.
func (o *orderer) objectOf(m map[string]any, t *graphql.Object, sel []*ast.Field) *orderedObject {
	if len(sel) == 0 {
		return o.object(m, t, nil, nil)
	}
	k := memoKey{t: t, first: &sel[0], n: len(sel)}
	c, ok := o.memo[k]
	if !ok {
		c.keys, c.fields = o.collect(t, subSets(sel))
		o.memo[k] = c
	}
	return o.object(m, t, c.keys, c.fields)
}

// object orders one object of runtime type t whose response keys, in
// order, and their field nodes are keys and fields.
func (o *orderer) object(m map[string]any, t *graphql.Object, keys []string, fields map[string][]*ast.Field) *orderedObject {
	out := &orderedObject{keys: make([]string, 0, len(keys)), vals: make([]any, 0, len(keys))}
	seen := 0 // keys of m the walk named, the hidden __typename too
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		seen++
		if k == typenameKey {
			continue
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, o.value(v, fieldType(t, fields[k][0].Name.Value), fields[k]))
	}
	// Anything graphql-go returned that the walk did not name (it should
	// not happen) is kept, at the end, rather than lost. (Counting the
	// hidden __typename as named matters: it is in the map of every
	// object of an interface or union, and counted as missing it sent
	// each of them through this sort.)
	if seen < len(m) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == typenameKey {
				continue
			}
			if _, ok := out.Get(k); !ok {
				out.keys = append(out.keys, k)
				out.vals = append(out.vals, m[k])
			}
		}
	}
	return out
}

// value orders the value of a field of type t selected by fields.
func (o *orderer) value(v any, t graphql.Type, fields []*ast.Field) any {
	if v == nil || t == nil {
		return v
	}
	if nn, ok := t.(*graphql.NonNull); ok {
		t = nn.OfType
	}
	switch t := t.(type) {
	case *graphql.List:
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = o.value(e, t.OfType, fields)
		}
		return out
	case *graphql.Object:
		if m, ok := v.(map[string]any); ok {
			return o.objectOf(m, t, fields)
		}
	case *graphql.Interface, *graphql.Union:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		name, _ := m[typenameKey].(string)
		if obj, ok := o.sc.Type(name).(*graphql.Object); ok {
			return o.objectOf(m, obj, fields)
		}
	case *graphql.Scalar:
		if f, ok := v.(float64); ok {
			return RoundFloat(f)
		}
	}
	return v
}

func subSets(fields []*ast.Field) []*ast.SelectionSet {
	sets := make([]*ast.SelectionSet, 0, len(fields))
	for _, f := range fields {
		if f.SelectionSet != nil {
			sets = append(sets, f.SelectionSet)
		}
	}
	return sets
}

// collect is the specification's CollectFields for an object of type t:
// the response keys in order, and the field nodes of each.
func (o *orderer) collect(t *graphql.Object, sets []*ast.SelectionSet) ([]string, map[string][]*ast.Field) {
	var keys []string
	fields := map[string][]*ast.Field{}
	var visited map[string]bool
	var walk func(ss *ast.SelectionSet)
	walk = func(ss *ast.SelectionSet) {
		if ss == nil {
			return
		}
		for _, sel := range ss.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				if !o.included(s.Directives) {
					continue
				}
				k := s.Name.Value
				if s.Alias != nil && s.Alias.Value != "" {
					k = s.Alias.Value
				}
				if _, seen := fields[k]; !seen {
					keys = append(keys, k)
				}
				fields[k] = append(fields[k], s)
			case *ast.InlineFragment:
				if !o.included(s.Directives) || s.TypeCondition != nil && !o.applies(t, s.TypeCondition.Name.Value) {
					continue
				}
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				name := s.Name.Value
				if visited[name] || !o.included(s.Directives) {
					continue
				}
				visited[name] = true
				f := o.fragments[name]
				if f == nil || f.TypeCondition != nil && !o.applies(t, f.TypeCondition.Name.Value) {
					continue
				}
				walk(f.SelectionSet)
			}
		}
	}
	for _, ss := range sets {
		visited = map[string]bool{} // one CollectFields per field node
		walk(ss)
	}
	return keys, fields
}

// applies reports whether a fragment on cond applies to an object of type t.
func (o *orderer) applies(t *graphql.Object, cond string) bool {
	if cond == t.Name() {
		return true
	}
	abs, ok := o.sc.Type(cond).(graphql.Abstract)
	if !ok {
		return false
	}
	for _, p := range o.sc.PossibleTypes(abs) {
		if p.Name() == t.Name() {
			return true
		}
	}
	return false
}

// included evaluates @skip and @include.
func (o *orderer) included(dirs []*ast.Directive) bool {
	for _, d := range dirs {
		switch d.Name.Value {
		case "skip":
			if o.ifArg(d) {
				return false
			}
		case "include":
			if !o.ifArg(d) {
				return false
			}
		}
	}
	return true
}

func (o *orderer) ifArg(d *ast.Directive) bool {
	for _, a := range d.Arguments {
		if a.Name.Value != "if" {
			continue
		}
		switch v := a.Value.(type) {
		case *ast.BooleanValue:
			return v.Value
		case *ast.Variable:
			name := v.Name.Value
			if b, ok := o.vars[name].(bool); ok {
				return b
			}
			for _, vd := range o.varDefs {
				if vd.Variable.Name.Value == name {
					if dv, ok := vd.DefaultValue.(*ast.BooleanValue); ok {
						return dv.Value
					}
				}
			}
		}
	}
	return false
}

// fieldType is the type of field name of t, introspection's included.
func fieldType(t *graphql.Object, name string) graphql.Type {
	switch name {
	case "__typename":
		return graphql.String
	case "__schema":
		return graphql.SchemaMetaFieldDef.Type
	case "__type":
		return graphql.TypeMetaFieldDef.Type
	}
	if f, ok := t.Fields()[name]; ok {
		return f.Type
	}
	return nil
}

// addTypenames adds the hidden __typename to each selection set of doc on
// an interface or union type (see typenameKey). doc has been validated.
func addTypenames(sc *graphql.Schema, doc *ast.Document) {
	done := map[*ast.SelectionSet]bool{}
	fragments := map[string]*ast.FragmentDefinition{}
	for _, d := range doc.Definitions {
		if f, ok := d.(*ast.FragmentDefinition); ok {
			fragments[f.Name.Value] = f
		}
	}
	var walk func(ss *ast.SelectionSet, parent graphql.Type)
	walk = func(ss *ast.SelectionSet, parent graphql.Type) {
		if ss == nil || parent == nil {
			return
		}
		for _, sel := range ss.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				ft := fieldOf(parent, s.Name.Value)
				if ft == nil || s.SelectionSet == nil {
					continue
				}
				nt := graphql.GetNamed(ft)
				if _, ok := nt.(graphql.Abstract); ok && !done[s.SelectionSet] {
					done[s.SelectionSet] = true
					s.SelectionSet.Selections = append(s.SelectionSet.Selections, &ast.Field{
						Kind:  kinds.Field,
						Alias: &ast.Name{Kind: kinds.Name, Value: typenameKey},
						Name:  &ast.Name{Kind: kinds.Name, Value: "__typename"},
					})
				}
				walk(s.SelectionSet, nt.(graphql.Type))
			case *ast.InlineFragment:
				t := parent
				if s.TypeCondition != nil {
					t = sc.Type(s.TypeCondition.Name.Value)
				}
				walk(s.SelectionSet, t)
			}
		}
	}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			var root graphql.Type = sc.QueryType()
			if d.Operation == ast.OperationTypeMutation {
				root = sc.MutationType()
			}
			walk(d.SelectionSet, root)
		case *ast.FragmentDefinition:
			walk(d.SelectionSet, sc.Type(d.TypeCondition.Name.Value))
		}
	}
}

// fieldOf is the type of field name on an object or interface type.
func fieldOf(t graphql.Type, name string) graphql.Type {
	switch name {
	case "__schema":
		return graphql.SchemaMetaFieldDef.Type
	case "__type":
		return graphql.TypeMetaFieldDef.Type
	case "__typename":
		return graphql.String
	}
	switch t := t.(type) {
	case *graphql.Object:
		if f, ok := t.Fields()[name]; ok {
			return f.Type
		}
	case *graphql.Interface:
		if f, ok := t.Fields()[name]; ok {
			return f.Type
		}
	}
	return nil
}
