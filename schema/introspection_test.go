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
