package schema

import (
	"strings"

	"github.com/graphql-go/graphql"
)

// relay.go gives each mutation the form Relay, OpenCTI and most public
// GraphQL APIs use: one argument, input, of an input type of its own, and
// a payload type that echoes the input's clientMutationId. Each is built
// from the mutation it replaces (same input fields, same checks, same
// resolver); the old ones keep working, deprecated (docs/api.md):
//
//	addFacts(facts:, entities:)  -> createFacts(input: CreateFactsInput!): CreateFactsPayload
//	retractFact(id:)             -> deleteFact(input: DeleteFactInput!): DeleteFactPayload
//	loadNQuads(text:, name:)     -> importNQuads(input: ImportNQuadsInput!): ImportNQuadsPayload
//	importStix(bundle:)          -> importStixBundle(input: ImportStixBundleInput!): ImportStixBundlePayload
//	retractImport(id:)           -> deleteImport(input: DeleteImportInput!): DeleteImportPayload

// relayResult is a payload's source: the replaced mutation's result and
// the clientMutationId to echo.
type relayResult struct {
	clientMutationID any
	v                any
}

// relayMutations adds the Relay-style mutations to fields and deprecates
// the ones they replace.
func (b *builder) relayMutations(fields graphql.Fields) {
	self := func(doc string, t graphql.Output) *graphql.Field {
		return &graphql.Field{Type: t, Description: doc, Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source, nil }}
	}
	b.relayFrom(fields, "addFacts", "createFacts", fieldsOf(fields["addFacts"].Type))
	b.relayFrom(fields, "retractFact", "deleteFact", graphql.Fields{
		"fact": self("The fact removed, as it was.", b.statement),
	})
	b.relayFrom(fields, "loadNQuads", "importNQuads", fieldsOf(fields["loadNQuads"].Type))
	b.relayFrom(fields, "importStix", "importStixBundle", graphql.Fields{
		"report": self("What the import did.", fields["importStix"].Type),
	})
	b.relayFrom(fields, "retractImport", "deleteImport", fieldsOf(fields["retractImport"].Type))
}

// fieldsOf copies the field definitions of an object type as field
// configurations, resolvers included.
func fieldsOf(t graphql.Output) graphql.Fields {
	o, ok := t.(*graphql.Object)
	if !ok {
		return graphql.Fields{}
	}
	out := graphql.Fields{}
	for name, f := range o.Fields() {
		out[name] = &graphql.Field{Type: f.Type, Description: f.Description, Resolve: f.Resolve}
	}
	return out
}

// relayFrom adds mutation name with one input argument holding the
// arguments of mutation old, and a payload of payload's fields (which
// resolve against old's result) and clientMutationId; old is deprecated.
func (b *builder) relayFrom(fields graphql.Fields, old, name string, payload graphql.Fields) {
	of := fields[old]
	typeName := strings.ToUpper(name[:1]) + name[1:]
	in := graphql.InputObjectConfigFieldMap{
		"clientMutationId": {Type: graphql.String, Description: "Any string; the payload returns it unchanged (Relay)."},
	}
	for argName, arg := range of.Args {
		in[argName] = &graphql.InputObjectFieldConfig{Type: arg.Type, DefaultValue: arg.DefaultValue, Description: arg.Description}
	}
	input := graphql.NewInputObject(graphql.InputObjectConfig{
		Name:        typeName + "Input",
		Description: "The input of " + name + ".",
		Fields:      in,
	})
	out := graphql.Fields{
		"clientMutationId": {Type: graphql.String, Description: "The input's clientMutationId.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(relayResult).clientMutationID, nil }},
	}
	for fname, f := range payload {
		inner := f.Resolve
		out[fname] = &graphql.Field{Type: f.Type, Description: f.Description, Resolve: func(p graphql.ResolveParams) (any, error) {
			p.Source = p.Source.(relayResult).v
			if inner == nil {
				return p.Source, nil
			}
			return inner(p)
		}}
	}
	payloadType := graphql.NewObject(graphql.ObjectConfig{
		Name:        typeName + "Payload",
		Description: "The result of " + name + ".",
		Fields:      out,
	})
	run := of.Resolve
	fields[name] = &graphql.Field{
		Type:        payloadType,
		Description: of.Description,
		Args: graphql.FieldConfigArgument{
			"input": {Type: nonNull(input), Description: "What to do: the fields of " + typeName + "Input."},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			args, _ := p.Args["input"].(map[string]any)
			if args == nil {
				args = map[string]any{}
			}
			q := p
			q.Args = args
			v, err := run(q)
			if err != nil || v == nil {
				return nil, err
			}
			return relayResult{clientMutationID: args["clientMutationId"], v: v}, nil
		},
	}
	of.DeprecationReason = "Use " + name + "(input: " + typeName + "Input!), which returns " + typeName + "Payload."
}
