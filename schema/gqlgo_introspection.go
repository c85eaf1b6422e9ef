package schema

import (
	"reflect"
	"sort"
	"sync"

	"github.com/graphql-go/graphql"
)

// gqlgo_introspection.go brings graphql-go v0.8.1's introspection, which
// follows the 2018 specification, up to the one graphql-js 16 asks for
// with every option of getIntrospectionQuery on: __Schema.description,
// __Type.specifiedByURL and isOneOf, __Directive.isRepeatable,
// includeDeprecated on the arguments of fields and directives and on
// input fields, and __InputValue.isDeprecated and deprecationReason.
// graphql-go's introspection types are package variables shared by every
// schema in the process; extendIntrospection adds the fields to them once,
// before the first schema is built.

// schemaDescription is the schema's own description (__Schema.description).
const schemaDescription = "Blurline: a knowledge graph of who did what for whom in state and criminal cyber operations, " +
	"who attributed it (or only acknowledged it), with what confidence and on what evidence, and an explainable " +
	"state-criminal blurring score. Every fact carries its sources, confidence and time of validity. " +
	"Queries read; mutations need the server's write token. docs/api.md is the guide."

// specifiedBy maps a custom scalar to the URL of its specification
// (@specifiedBy and __Type.specifiedByURL).
var specifiedBy = map[string]string{
	"Date": "https://www.rfc-editor.org/rfc/rfc3339",
}

// specifiedByDirective is @specifiedBy(url:), which graphql-go lacks.
var specifiedByDirective = graphql.NewDirective(graphql.DirectiveConfig{
	Name:        "specifiedBy",
	Description: "Exposes a URL that specifies the behaviour of this scalar.",
	Locations:   []string{graphql.DirectiveLocationScalar},
	Args: graphql.FieldConfigArgument{
		"url": {Type: graphql.NewNonNull(graphql.String), Description: "The URL that specifies the behaviour of this scalar."},
	},
})

// directives are the directives the schema declares.
func directives() []*graphql.Directive {
	return append(append([]*graphql.Directive{}, graphql.SpecifiedDirectives...), specifiedByDirective)
}

var extendOnce sync.Once

func extendIntrospection() {
	extendOnce.Do(func() {
		includeDeprecated := graphql.FieldConfigArgument{
			"includeDeprecated": {Type: graphql.Boolean, DefaultValue: false,
				Description: "Include deprecated ones too (none of Blurline's arguments or input fields is deprecated)."},
		}
		graphql.SchemaType.AddFieldConfig("description", &graphql.Field{
			Type: graphql.String,
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return schemaDescription, nil
			},
		})
		graphql.TypeType.AddFieldConfig("specifiedByURL", &graphql.Field{
			Type: graphql.String,
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if s, ok := p.Source.(*graphql.Scalar); ok {
					if u, ok := specifiedBy[s.Name()]; ok {
						return u, nil
					}
				}
				return nil, nil
			},
		})
		graphql.TypeType.AddFieldConfig("isOneOf", &graphql.Field{
			Type: graphql.Boolean,
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if _, ok := p.Source.(*graphql.InputObject); ok {
					return false, nil
				}
				return nil, nil
			},
		})
		// inputFields and the args lists keep their resolvers and gain the
		// argument (no input value is deprecated, so it changes nothing).
		withIncludeDeprecated := func(t *graphql.Object, name string) {
			f := t.Fields()[name]
			t.AddFieldConfig(name, &graphql.Field{Type: f.Type, Args: includeDeprecated, Resolve: f.Resolve})
		}
		withIncludeDeprecated(graphql.TypeType, "inputFields")
		graphql.DirectiveType.AddFieldConfig("isRepeatable", &graphql.Field{
			Type:    graphql.NewNonNull(graphql.Boolean),
			Resolve: func(p graphql.ResolveParams) (any, error) { return false, nil },
		})
		withIncludeDeprecated(graphql.DirectiveType, "args")
		withIncludeDeprecated(graphql.FieldType, "args")
		graphql.InputValueType.AddFieldConfig("isDeprecated", &graphql.Field{
			Type:    graphql.NewNonNull(graphql.Boolean),
			Resolve: func(p graphql.ResolveParams) (any, error) { return false, nil },
		})
		graphql.InputValueType.AddFieldConfig("deprecationReason", &graphql.Field{
			Type:    graphql.String,
			Resolve: func(p graphql.ResolveParams) (any, error) { return nil, nil },
		})
		// Descriptions: null, not "", where there is none (graphql-go
		// returns the empty string, which clients print as a description).
		desc := &graphql.Field{Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) {
			var d string
			switch s := p.Source.(type) {
			case *graphql.FieldDefinition:
				d = s.Description
			case *graphql.Argument: // before graphql.Type, which it satisfies
				d = s.Description()
			case *graphql.InputObjectField: // likewise
				d = s.Description()
			case graphql.Type:
				d = s.Description()
			case *graphql.EnumValueDefinition:
				d = s.Description
			case *graphql.Directive:
				d = s.Description
			}
			return nilIfEmpty(d), nil
		}}
		for _, o := range []*graphql.Object{graphql.TypeType, graphql.FieldType, graphql.InputValueType, graphql.EnumValueType, graphql.DirectiveType} {
			o.AddFieldConfig("description", desc)
		}
		// Default values printed by the SDL printer: graphql-go's printer
		// drops an enum default whose Go value is not its name.
		graphql.InputValueType.AddFieldConfig("defaultValue", &graphql.Field{
			Type:        graphql.String,
			Description: "A GraphQL-formatted string representing the default value for this input value.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				switch s := p.Source.(type) {
				case *graphql.Argument:
					if s.DefaultValue != nil {
						return printValue(s.DefaultValue, s.Type), nil
					}
				case *graphql.InputObjectField:
					if s.DefaultValue != nil {
						return printValue(s.DefaultValue, s.Type), nil
					}
				}
				return nil, nil
			},
		})
		// Fill the field caches now, while nothing runs concurrently.
		for _, o := range []*graphql.Object{graphql.SchemaType, graphql.TypeType, graphql.DirectiveType, graphql.FieldType, graphql.InputValueType, graphql.EnumValueType} {
			o.Fields()
		}
		// Lists in name order: graphql-go builds types, interface fields,
		// enum values, input fields and arguments from maps, so they came
		// in a different order in every response (types) or every process
		// (the others), and a client's schema dump or docs pane reshuffled
		// itself. (Object fields it already sorts.) After the field caches
		// are filled: the definitions are changed in place.
		for _, l := range []struct {
			t    *graphql.Object
			name string
		}{
			{graphql.SchemaType, "types"}, {graphql.TypeType, "fields"}, {graphql.TypeType, "interfaces"},
			{graphql.TypeType, "possibleTypes"}, {graphql.TypeType, "enumValues"}, {graphql.TypeType, "inputFields"},
			{graphql.FieldType, "args"}, {graphql.DirectiveType, "args"},
		} {
			f := l.t.Fields()[l.name]
			f.Resolve = sortedByName(f.Resolve)
		}
	})
}

// sortedByName wraps an introspection resolver that returns a list so that
// it returns a sorted copy.
func sortedByName(resolve graphql.FieldResolveFn) graphql.FieldResolveFn {
	if resolve == nil {
		resolve = graphql.DefaultResolveFn
	}
	return func(p graphql.ResolveParams) (any, error) {
		res, err := resolve(p)
		rv := reflect.ValueOf(res)
		if err != nil || rv.Kind() != reflect.Slice {
			return res, err
		}
		sorted := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		reflect.Copy(sorted, rv)
		names := make([]string, sorted.Len())
		for i := range names {
			names[i] = introspectionName(sorted.Index(i).Interface())
		}
		swap := reflect.Swapper(sorted.Interface())
		sort.Stable(byName{names, swap})
		return sorted.Interface(), nil
	}
}

type byName struct {
	names []string
	swap  func(i, j int)
}

func (b byName) Len() int           { return len(b.names) }
func (b byName) Less(i, j int) bool { return b.names[i] < b.names[j] }
func (b byName) Swap(i, j int) {
	b.names[i], b.names[j] = b.names[j], b.names[i]
	b.swap(i, j)
}

// introspectionName is the name of a type, field, argument, input field
// or enum value.
func introspectionName(v any) string {
	switch v := v.(type) {
	case *graphql.FieldDefinition:
		return v.Name
	case *graphql.EnumValueDefinition:
		return v.Name
	case interface{ Name() string }:
		return v.Name()
	}
	return ""
}
