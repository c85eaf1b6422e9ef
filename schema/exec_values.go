package schema

import (
	"reflect"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// exec_values.go coerces a request's variables and its fields' arguments
// for the executor (exec.go), as graphql-go v0.8.1's getVariableValues,
// getArgumentValues, valueFromAST and coerceValue do (they are not
// exported): the resolvers get the values graphql-go's executor gave them.
// The variables were checked first, by the specification's rules
// (gqlgo_vars.go).

// coerceVariables returns the operation's variables: each defined
// variable's value coerced to its type, or its default when the request
// gives none.
func (e *execution) coerceVariables(input map[string]any) map[string]any {
	defs := e.op.VariableDefinitions
	if len(defs) == 0 {
		return nil
	}
	vars := make(map[string]any, len(defs))
	for _, d := range defs {
		if d == nil || d.Variable == nil || d.Variable.Name == nil {
			continue
		}
		t, _ := typeOfAST(e.sc, d.Type).(graphql.Input)
		if t == nil {
			continue
		}
		v := input[d.Variable.Name.Value]
		if isNullish(v) && d.DefaultValue != nil {
			vars[d.Variable.Name.Value] = valueFromAST(d.DefaultValue, t, nil)
			continue
		}
		vars[d.Variable.Name.Value] = coerceValue(t, v)
	}
	return vars
}

// typeOfAST is the schema's type for a type reference of the document.
func typeOfAST(sc *graphql.Schema, t ast.Type) graphql.Type {
	switch t := t.(type) {
	case *ast.List:
		if inner := typeOfAST(sc, t.Type); inner != nil {
			return graphql.NewList(inner)
		}
	case *ast.NonNull:
		if inner := typeOfAST(sc, t.Type); inner != nil {
			return graphql.NewNonNull(inner)
		}
	case *ast.Named:
		if t.Name != nil {
			return sc.Type(t.Name.Value)
		}
	}
	return nil
}

// argumentValues are a field's (or directive's) arguments: each given
// argument's value, or its default, and no entry for a null.
func (e *execution) argumentValues(defs []*graphql.Argument, nodes []*ast.Argument) map[string]any {
	args := make(map[string]any, len(defs))
	for _, def := range defs {
		var value ast.Value
		for _, n := range nodes {
			if n.Name != nil && n.Name.Value == def.PrivateName {
				value = n.Value
			}
		}
		v := valueFromAST(value, def.Type, e.vars)
		if isNullish(v) {
			v = def.DefaultValue
		}
		if !isNullish(v) {
			args[def.PrivateName] = v
		}
	}
	return args
}

// valueFromAST is the value of a literal (or a variable) of type t.
func valueFromAST(value ast.Value, t graphql.Input, vars map[string]any) any {
	if value == nil {
		return nil
	}
	if v, ok := value.(*ast.Variable); ok {
		if v.Name == nil || vars == nil {
			return nil
		}
		return vars[v.Name.Value]
	}
	switch t := t.(type) {
	case *graphql.NonNull:
		return valueFromAST(value, t.OfType, vars)
	case *graphql.List:
		values := []any{}
		if l, ok := value.(*ast.ListValue); ok {
			for _, item := range l.Values {
				values = append(values, valueFromAST(item, t.OfType, vars))
			}
			return values
		}
		return append(values, valueFromAST(value, t.OfType, vars))
	case *graphql.InputObject:
		ov, ok := value.(*ast.ObjectValue)
		if !ok {
			return nil
		}
		given := map[string]*ast.ObjectField{}
		for _, of := range ov.Fields {
			if of != nil && of.Name != nil {
				given[of.Name.Value] = of
			}
		}
		obj := map[string]any{}
		for name, field := range t.Fields() {
			var v any
			if of, ok := given[name]; ok {
				v = valueFromAST(of.Value, field.Type, vars)
			} else {
				v = field.DefaultValue
			}
			if !isNullish(v) {
				obj[name] = v
			}
		}
		return obj
	case *graphql.Scalar:
		return t.ParseLiteral(value)
	case *graphql.Enum:
		return t.ParseLiteral(value)
	}
	return nil
}

// coerceValue is a variable's value (decoded JSON) coerced to type t.
func coerceValue(t graphql.Input, value any) any {
	if isNullish(value) {
		return nil
	}
	switch t := t.(type) {
	case *graphql.NonNull:
		return coerceValue(t.OfType, value)
	case *graphql.List:
		values := []any{}
		if rv := reflect.ValueOf(value); rv.Kind() == reflect.Slice {
			for i := range rv.Len() {
				values = append(values, coerceValue(t.OfType, rv.Index(i).Interface()))
			}
			return values
		}
		return append(values, coerceValue(t.OfType, value))
	case *graphql.InputObject:
		m, _ := value.(map[string]any)
		obj := map[string]any{}
		for name, field := range t.Fields() {
			v := coerceValue(field.Type, m[name])
			if isNullish(v) {
				v = field.DefaultValue
			}
			if !isNullish(v) {
				obj[name] = v
			}
		}
		return obj
	case *graphql.Scalar:
		if v := t.ParseValue(value); !isNullish(v) {
			return v
		}
	case *graphql.Enum:
		if v := t.ParseValue(value); !isNullish(v) {
			return v
		}
	}
	return nil
}
