package schema

import (
	"github.com/graphql-go/graphql"
)

// buildSchema builds the GraphQL schema.
func (a *API) buildSchema() (graphql.Schema, error) {
	query := graphql.NewObject(graphql.ObjectConfig{
		Name: "Query",
		Fields: graphql.Fields{
			"stats": &graphql.Field{
				Type: graphql.Int,
				Resolve: func(p graphql.ResolveParams) (any, error) {
					st, err := a.g.Stats(p.Context)
					return st.Facts, err
				},
			},
		},
	})
	return graphql.NewSchema(graphql.SchemaConfig{Query: query})
}
