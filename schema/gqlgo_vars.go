package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/internal/strictjson"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// checkVariables checks the variables of a request against the types the
// operation declares, by the GraphQL specification's input coercion rules.
// graphql-go v0.8.1 is lenient here: its String turns any value into text
// (5 becomes "5", an object "map[x:1]") and a value it cannot coerce may
// become null without an error. A request whose variables do not fit is
// refused whole, with blurline.ErrInvalid and no data.
func (a *API) checkVariables(def *ast.OperationDefinition, vars map[string]any) []gqlerrors.FormattedError {
	var errs []gqlerrors.FormattedError
	for _, vd := range def.VariableDefinitions {
		if vd.Variable == nil || vd.Variable.Name == nil {
			continue
		}
		name := vd.Variable.Name.Value
		t := a.typeOf(vd.Type)
		if t == nil {
			continue // an unknown type: validation has reported it
		}
		v, given := vars[name]
		if !given {
			if _, nn := t.(*graphql.NonNull); nn && vd.DefaultValue == nil {
				errs = append(errs, varError(vd, "variable $%s of type %s was not provided", name, t))
			}
			continue
		}
		if msg := checkInput(v, t); msg != "" {
			errs = append(errs, varError(vd, "variable $%s got an invalid value %s: %s", name, strictjson.Snippet(v), msg))
		}
	}
	return errs
}

func varError(vd *ast.VariableDefinition, format string, args ...any) gqlerrors.FormattedError {
	return gqlerrors.FormatError(located(blurline.ErrInvalid, []ast.Node{vd}, format, args...))
}

// typeOf turns a type reference of the document into a schema type.
func (a *API) typeOf(t ast.Type) graphql.Input {
	switch t := t.(type) {
	case *ast.NonNull:
		if in := a.typeOf(t.Type); in != nil {
			return graphql.NewNonNull(in)
		}
	case *ast.List:
		if in := a.typeOf(t.Type); in != nil {
			return graphql.NewList(in)
		}
	case *ast.Named:
		if t.Name != nil {
			if in, ok := a.schema.Type(t.Name.Value).(graphql.Input); ok {
				return in
			}
		}
	}
	return nil
}

// checkInput returns why v does not fit the input type t, or "".
func checkInput(v any, t graphql.Input) string {
	if nn, ok := t.(*graphql.NonNull); ok {
		if v == nil {
			return fmt.Sprintf("%s must not be null", nn.OfType)
		}
		return checkInput(v, nn.OfType)
	}
	if v == nil {
		return ""
	}
	switch t := t.(type) {
	case *graphql.List:
		items, ok := v.([]any)
		if !ok {
			return checkInput(v, t.OfType) // a single value stands for a list of one
		}
		for i, it := range items {
			if msg := checkInput(it, t.OfType); msg != "" {
				return fmt.Sprintf("item %d: %s", i, msg)
			}
		}
		return ""
	case *graphql.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("expected an object (%s)", t.Name())
		}
		fields := t.Fields()
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, ok := fields[k]; !ok {
				return fmt.Sprintf("%s has no field %q", t.Name(), k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			f := fields[k]
			fv, given := m[k]
			if !given {
				if _, nn := f.Type.(*graphql.NonNull); nn && f.DefaultValue == nil {
					return fmt.Sprintf("field %s of %s is required", k, t.Name())
				}
				continue
			}
			if msg := checkInput(fv, f.Type); msg != "" {
				return fmt.Sprintf("field %s: %s", k, msg)
			}
		}
		return ""
	case *graphql.Enum:
		s, ok := v.(string)
		if ok && slices.ContainsFunc(t.Values(), func(ev *graphql.EnumValueDefinition) bool { return ev.Name == s }) {
			return ""
		}
		names := make([]string, 0, len(t.Values()))
		for _, ev := range t.Values() {
			names = append(names, ev.Name)
		}
		slices.Sort(names)
		if ok && s == "" {
			// genqlient's default configuration sends "" for an optional enum it was not given.
			return fmt.Sprintf("an empty string is not a %s value: for none, send null or leave the value out; else one of %s", t.Name(), strings.Join(names, ", "))
		}
		return fmt.Sprintf("expected one of the %s values (%s)", t.Name(), strings.Join(names, ", "))
	case *graphql.Scalar:
		return checkScalar(v, t.Name())
	}
	return ""
}

func checkScalar(v any, name string) string {
	num, isNum := number(v)
	switch name {
	case "String":
		if _, ok := v.(string); ok {
			return ""
		}
		return "expected a string"
	case "ID":
		if _, ok := v.(string); ok || isNum && num == math.Trunc(num) {
			return ""
		}
		return "expected a string or an integer"
	case "Boolean":
		if _, ok := v.(bool); ok {
			return ""
		}
		return "expected true or false"
	case "Int":
		if isNum && num == math.Trunc(num) && num >= math.MinInt32 && num <= math.MaxInt32 {
			return ""
		}
		return "expected a 32-bit integer"
	case "Float":
		if isNum && !math.IsNaN(num) && !math.IsInf(num, 0) {
			return ""
		}
		return "expected a number"
	case "Date":
		switch v.(type) {
		case string, time.Time:
			return "" // the resolver reports an unreadable date with its argument's name
		}
		return "expected a date string (YYYY-MM-DD or RFC 3339)"
	}
	return ""
}

// number reads a JSON number (float64, json.Number) or a Go integer.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
