package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/graphql-go/graphql"
)

// sdl.go prints the schema in the GraphQL schema definition language, as
// the server serves it at /schema.graphql for code generators (graphql-go
// has no printer). Types, fields, arguments and enum values are sorted by
// name; built-in scalars, introspection types and the specified
// directives are left out, as graphql-js's printSchema does.

// SDL returns the schema in the schema definition language.
func (a *API) SDL() string {
	sc := a.schema
	var b strings.Builder
	description(&b, "", schemaDescription)
	b.WriteString("schema {\n  query: " + sc.QueryType().Name() + "\n")
	if m := sc.MutationType(); m != nil {
		b.WriteString("  mutation: " + m.Name() + "\n")
	}
	b.WriteString("}\n")
	for _, d := range sc.Directives() {
		if isSpecifiedDirective(d.Name) {
			continue
		}
		b.WriteString("\n")
		description(&b, "", d.Description)
		b.WriteString("directive @" + d.Name + printArgs(d.Args, "") + " on " + strings.Join(d.Locations, " | ") + "\n")
	}
	tm := sc.TypeMap()
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range tm {
			if !yield(k) {
				return
			}
		}
	}) {
		if strings.HasPrefix(name, "__") || isBuiltinScalar(name) {
			continue
		}
		b.WriteString("\n")
		printType(&b, tm[name])
	}
	return b.String()
}

func isSpecifiedDirective(name string) bool {
	switch name {
	case "skip", "include", "deprecated", "specifiedBy", "oneOf":
		return true
	}
	return false
}

func isBuiltinScalar(name string) bool {
	switch name {
	case "String", "Int", "Float", "Boolean", "ID":
		return true
	}
	return false
}

func printType(b *strings.Builder, t graphql.Type) {
	description(b, "", t.Description())
	switch t := t.(type) {
	case *graphql.Scalar:
		b.WriteString("scalar " + t.Name())
		if u, ok := specifiedBy[t.Name()]; ok {
			b.WriteString(" @specifiedBy(url: " + quote(u) + ")")
		}
		b.WriteString("\n")
	case *graphql.Object:
		b.WriteString("type " + t.Name())
		if ifs := t.Interfaces(); len(ifs) > 0 {
			names := make([]string, len(ifs))
			for i, it := range ifs {
				names[i] = it.Name()
			}
			b.WriteString(" implements " + strings.Join(names, " & "))
		}
		printFields(b, t.Fields())
	case *graphql.Interface:
		b.WriteString("interface " + t.Name())
		printFields(b, t.Fields())
	case *graphql.Union:
		names := make([]string, 0, len(t.Types()))
		for _, o := range t.Types() {
			names = append(names, o.Name())
		}
		b.WriteString("union " + t.Name() + " = " + strings.Join(names, " | ") + "\n")
	case *graphql.Enum:
		b.WriteString("enum " + t.Name() + " {\n")
		vals := slices.Clone(t.Values())
		slices.SortFunc(vals, func(x, y *graphql.EnumValueDefinition) int { return strings.Compare(x.Name, y.Name) })
		for _, v := range vals {
			description(b, "  ", v.Description)
			b.WriteString("  " + v.Name + deprecated(v.DeprecationReason) + "\n")
		}
		b.WriteString("}\n")
	case *graphql.InputObject:
		b.WriteString("input " + t.Name() + " {\n")
		fs := t.Fields()
		for _, name := range slices.Sorted(maps.Keys(fs)) {
			f := fs[name]
			description(b, "  ", f.PrivateDescription)
			b.WriteString("  " + name + ": " + f.Type.String() + defaultValue(f.DefaultValue, f.Type) + "\n")
		}
		b.WriteString("}\n")
	}
}

func printFields(b *strings.Builder, fs graphql.FieldDefinitionMap) {
	b.WriteString(" {\n")
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		f := fs[name]
		description(b, "  ", f.Description)
		b.WriteString("  " + name + printArgs(f.Args, "  ") + ": " + f.Type.String() + deprecated(f.DeprecationReason) + "\n")
	}
	b.WriteString("}\n")
}

// printArgs prints an argument list, one argument a line when any has a
// description.
func printArgs(args []*graphql.Argument, indent string) string {
	if len(args) == 0 {
		return ""
	}
	args = slices.Clone(args)
	slices.SortFunc(args, func(x, y *graphql.Argument) int { return strings.Compare(x.Name(), y.Name()) })
	var b strings.Builder
	b.WriteString("(\n")
	for _, a := range args {
		description(&b, indent+"  ", a.Description())
		b.WriteString(indent + "  " + a.Name() + ": " + a.Type.String() + defaultValue(a.DefaultValue, a.Type) + "\n")
	}
	b.WriteString(indent + ")")
	return b.String()
}

func deprecated(reason string) string {
	if reason == "" {
		return ""
	}
	return " @deprecated(reason: " + quote(reason) + ")"
}

func defaultValue(v any, t graphql.Input) string {
	if v == nil {
		return ""
	}
	return " = " + printValue(v, t)
}

// printValue prints a Go value of input type t as a GraphQL literal.
func printValue(v any, t graphql.Input) string {
	if nn, ok := t.(*graphql.NonNull); ok {
		t = nn.OfType.(graphql.Input)
	}
	if v == nil {
		return "null"
	}
	switch t := t.(type) {
	case *graphql.List:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			return "[" + printValue(v, t.OfType.(graphql.Input)) + "]"
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = printValue(rv.Index(i).Interface(), t.OfType.(graphql.Input))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *graphql.Enum:
		return fmt.Sprint(t.Serialize(v))
	case *graphql.InputObject:
		m, _ := v.(map[string]any)
		fs := t.Fields()
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if f, ok := fs[k]; ok {
				parts = append(parts, k+": "+printValue(m[k], f.Type))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *graphql.Scalar:
		switch t.Name() {
		case "Int", "Float", "Boolean":
			s := t.Serialize(v)
			if f, ok := s.(float64); ok {
				return strconv.FormatFloat(f, 'g', -1, 64)
			}
			return fmt.Sprint(s)
		}
		return quote(fmt.Sprint(t.Serialize(v)))
	}
	return quote(fmt.Sprint(v))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// description writes a description as a block string.
func description(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	text = strings.ReplaceAll(text, `"""`, `\"""`)
	if !strings.Contains(text, "\n") && !strings.HasSuffix(text, `"`) && !strings.HasSuffix(text, `\`) {
		b.WriteString(indent + `"""` + text + `"""` + "\n")
		return
	}
	b.WriteString(indent + `"""` + "\n")
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(indent + line + "\n")
	}
	b.WriteString(indent + `"""` + "\n")
}
