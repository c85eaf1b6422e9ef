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

// orderer rebuilds the data of one executed operation in request order,
// with the executor's CollectFields (execution.collect): the objects of a
// list share their field nodes, so each selection set is collected once.
type orderer struct {
	e *execution
}

// orderData returns data (graphql-go's maps) as ordered objects.
func (a *API) orderData(op *Operation, vars map[string]any, data any) any {
	m, ok := data.(map[string]any)
	if !ok {
		return data
	}
	e := &execution{api: a, sc: &a.schema, p: op.p, op: op.def, selections: &selections{}}
	e.vars = e.coerceVariables(vars)
	o := &orderer{e: e}
	return o.object(m, e.collect(rootType(e.sc, op.def), nil))
}

// object orders one object whose fields, in order, sel collected.
func (o *orderer) object(m map[string]any, sel *selection) *orderedObject {
	out := &orderedObject{keys: make([]string, 0, len(sel.fields)), vals: make([]any, 0, len(sel.fields))}
	seen := 0 // keys of m the walk named, the hidden __typename too
	if _, ok := m[typenameKey]; ok {
		seen++
	}
	for i := range sel.fields {
		f := &sel.fields[i]
		v, ok := m[f.key]
		if !ok {
			continue
		}
		seen++
		out.keys = append(out.keys, f.key)
		out.vals = append(out.vals, o.value(v, f.def.Type, f.nodes))
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
			return o.object(m, o.e.collect(t, fields))
		}
	case *graphql.Interface, *graphql.Union:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		name, _ := m[typenameKey].(string)
		if obj, ok := o.e.sc.Type(name).(*graphql.Object); ok {
			return o.object(m, o.e.collect(obj, fields))
		}
	case *graphql.Scalar:
		if f, ok := v.(float64); ok {
			return RoundFloat(f)
		}
	}
	return v
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
