package schema

import (
	"slices"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

// TestEverythingDescribed fails for each type, field, argument, enum value
// and input field of the schema that has no description: clients show
// them in their documentation panes, and an undocumented field is a
// question for the analyst.
func TestEverythingDescribed(t *testing.T) {
	a := newAPI(t, openStore(t), Limits{})
	var missing []string
	sc := a.Schema()
	for name, ty := range sc.TypeMap() {
		if strings.HasPrefix(name, "__") || isBuiltinScalar(name) {
			continue
		}
		if strings.TrimSpace(ty.Description()) == "" {
			missing = append(missing, "type "+name)
		}
		args := func(owner string, as []*graphql.Argument) {
			for _, arg := range as {
				if strings.TrimSpace(arg.Description()) == "" {
					missing = append(missing, "argument "+owner+"("+arg.Name()+":)")
				}
			}
		}
		fields := func(fs graphql.FieldDefinitionMap) {
			for fn, f := range fs {
				if strings.TrimSpace(f.Description) == "" {
					missing = append(missing, "field "+name+"."+fn)
				}
				args(name+"."+fn, f.Args)
			}
		}
		switch ty := ty.(type) {
		case *graphql.Object:
			fields(ty.Fields())
		case *graphql.Interface:
			fields(ty.Fields())
		case *graphql.Enum:
			for _, v := range ty.Values() {
				if strings.TrimSpace(v.Description) == "" {
					missing = append(missing, "enum value "+name+"."+v.Name)
				}
			}
		case *graphql.InputObject:
			for fn, f := range ty.Fields() {
				if strings.TrimSpace(f.Description()) == "" {
					missing = append(missing, "input field "+name+"."+fn)
				}
			}
		}
	}
	for _, d := range sc.Directives() {
		if strings.TrimSpace(d.Description) == "" {
			missing = append(missing, "directive @"+d.Name)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("%s has no description", m)
	}
}
