package schema

import (
	"context"
	"encoding/json"
	"testing"
)

// TestFullIntrospection runs graphql-js 16's introspection query with every
// option on (testdata/introspection/full.graphql, printed by graphql-js
// 16.11.0's getIntrospectionQuery) and checks the parts graphql-go lacks.
func TestFullIntrospection(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	res := a.Do(context.Background(), Request{Query: readFile(t, "testdata/introspection/full.graphql")})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	var got struct {
		Schema struct {
			Description string
			Types       []struct {
				Kind, Name     string
				SpecifiedByURL *string
				IsOneOf        *bool
				InputFields    []struct{ IsDeprecated bool }
			}
			Directives []struct {
				Name         string
				IsRepeatable *bool
				Locations    []string
				Args         []struct{ Name string }
			}
		} `json:"__schema"`
	}
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema.Description != schemaDescription {
		t.Errorf("__schema.description = %q", got.Schema.Description)
	}
	seen := map[string]bool{}
	for _, ty := range got.Schema.Types {
		switch {
		case ty.Name == "Date":
			if ty.SpecifiedByURL == nil || *ty.SpecifiedByURL != specifiedBy["Date"] {
				t.Errorf("Date.specifiedByURL = %v, want %s", ty.SpecifiedByURL, specifiedBy["Date"])
			}
		case ty.Kind == "SCALAR" && ty.SpecifiedByURL != nil:
			t.Errorf("%s.specifiedByURL = %s, want null", ty.Name, *ty.SpecifiedByURL)
		}
		if ty.Kind == "INPUT_OBJECT" {
			seen["input"] = true
			if ty.IsOneOf == nil || *ty.IsOneOf {
				t.Errorf("%s.isOneOf = %v, want false", ty.Name, ty.IsOneOf)
			}
		} else if ty.IsOneOf != nil {
			t.Errorf("%s (%s).isOneOf = %v, want null", ty.Name, ty.Kind, *ty.IsOneOf)
		}
	}
	for _, d := range got.Schema.Directives {
		seen["@"+d.Name] = true
		if d.IsRepeatable == nil || *d.IsRepeatable {
			t.Errorf("@%s.isRepeatable = %v, want false", d.Name, d.IsRepeatable)
		}
	}
	for _, want := range []string{"@skip", "@include", "@deprecated", "@specifiedBy"} {
		if !seen[want] {
			t.Errorf("directive %s missing", want)
		}
	}
}

// TestIntrospectionOrder checks that introspection lists types, fields,
// arguments, input fields, enum values, interfaces and possible types in
// name order, the same in every response (graphql-go builds them from maps).
func TestIntrospectionOrder(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	query := readFile(t, "testdata/introspection/full.graphql")
	first := toJSON(t, a.Do(context.Background(), Request{Query: query}))
	for range 5 {
		if got := toJSON(t, a.Do(context.Background(), Request{Query: query})); got != first {
			t.Fatalf("two introspection responses differ:\n%s", lineDiff(got, first))
		}
	}
	type named struct{ Name string }
	var got struct {
		Schema struct {
			Types []struct {
				Name          string
				Fields        []struct{ Args []named }
				InputFields   []named
				EnumValues    []named
				Interfaces    []named
				PossibleTypes []named
			}
			Directives []struct{ Args []named }
		} `json:"__schema"`
	}
	res := a.Do(context.Background(), Request{Query: query})
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	sorted := func(what string, l []named) {
		t.Helper()
		for i := 1; i < len(l); i++ {
			if l[i-1].Name > l[i].Name {
				t.Errorf("%s: %q before %q", what, l[i-1].Name, l[i].Name)
				return
			}
		}
	}
	var types []named
	enums := 0
	for _, ty := range got.Schema.Types {
		types = append(types, named{ty.Name})
		sorted(ty.Name+".inputFields", ty.InputFields)
		sorted(ty.Name+".enumValues", ty.EnumValues)
		sorted(ty.Name+".interfaces", ty.Interfaces)
		sorted(ty.Name+".possibleTypes", ty.PossibleTypes)
		for _, f := range ty.Fields {
			sorted(ty.Name+" field args", f.Args)
		}
		if len(ty.EnumValues) > 2 {
			enums++
		}
	}
	sorted("types", types)
	for _, d := range got.Schema.Directives {
		sorted("directive args", d.Args)
	}
	if len(types) < 50 || enums < 5 {
		t.Errorf("%d types, %d enums with more than two values: the query did not reach them", len(types), enums)
	}
}
