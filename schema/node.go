package schema

import (
	"errors"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
)

// node.go is the Relay object identification: the Node interface, which
// every entity class and Statement (a fact) implement, and node(id:) and
// nodes(ids:), which fetch any of them again by id. An id is an entity's
// short id or a fact's id, or either's IRI. Entities and facts live under
// different IRI bases, and the seed's and the loaders' id schemes keep
// their short ids apart; should a short id name both, it names the entity
// and the fact's IRI names the fact. Relationship and Attribution
// carry their fact's id but are views of it, not objects of their own: they
// do not implement Node, and their statement field is the fact's Node.

func (b *builder) nodeInterface() {
	b.nodeIface = graphql.NewInterface(graphql.InterfaceConfig{
		Name: "Node",
		Description: "An object with an id that node(id:) fetches again (Relay's object identification): " +
			"every entity and every fact (Statement).",
		Fields: graphql.Fields{
			"id": {Type: nonNull(graphql.ID), Description: "The object's id, unique over entities and facts."},
		},
		ResolveType: func(p graphql.ResolveTypeParams) *graphql.Object {
			switch v := p.Value.(type) {
			case *blurline.Node:
				return b.classes[v.Class]
			case *blurline.Fact:
				return b.statement
			}
			return nil
		},
	})
}

func (b *builder) nodeQueries() graphql.Fields {
	a := b.a
	return graphql.Fields{
		"node": {
			Type:        b.nodeIface,
			Description: "The entity or fact with this id (or IRI); null when there is none.",
			Args:        graphql.FieldConfigArgument{"id": {Type: nonNull(graphql.ID), Description: "An entity's or a fact's id, or its IRI."}},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return a.lookupNode(p, argString(p.Args, "id"))
			},
		},
		"nodes": {
			Type:        nonNull(graphql.NewList(b.nodeIface)),
			Description: "The entities and facts with these ids (or IRIs), in the order asked, null for each id that names nothing. At most the MaxPageSize limit of ids.",
			Args:        graphql.FieldConfigArgument{"ids": {Type: nonNull(listIn(graphql.ID)), Description: "Entity and fact ids, or their IRIs."}},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				ids := argIDs(p.Args, "ids")
				if len(ids) > a.limits.MaxPageSize {
					return nil, blurline.Errorf(blurline.ErrLimit, "nodes: %d ids is over the limit of %d", len(ids), a.limits.MaxPageSize)
				}
				out := make([]any, len(ids))
				for i, id := range ids {
					n, err := a.lookupNode(p, id)
					if err != nil {
						return nil, err
					}
					out[i] = n
				}
				return out, nil
			},
		},
	}
}

// lookupNode finds the entity or the fact id names; nil when neither.
func (a *API) lookupNode(p graphql.ResolveParams, id string) (any, error) {
	n, err := a.g.Node(p.Context, shortID(id))
	switch {
	case err == nil && n != nil:
		a.loaders(p.Context).prime(n)
		return n, nil
	case err != nil && !errors.Is(err, blurline.ErrNotFound):
		return nil, err
	}
	f, err := a.g.Fact(p.Context, id)
	switch {
	case err == nil && f != nil:
		return f, nil
	case err != nil && !errors.Is(err, blurline.ErrNotFound):
		return nil, err
	}
	return nil, nil
}
