package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/blurline/blurline"
)

// auth.go: the HTTP side of principals. Every endpoint that reads or
// changes the store authenticates its request once, with withPrincipal,
// and checks the scope it needs with allow; the principal then travels in
// the request's context (blurline.NewContextWithPrincipal) down to the
// resolvers, which check each mutation's own scope.

// authenticate returns the principal r acts for: the holder of its bearer
// token, or the anonymous principal when it sends no Authorization header.
// A header that is not a bearer token, or a token that matches no
// principal, is ErrUnauthenticated (401), and the token is never repeated.
func (s *Server) authenticate(r *http.Request) (*blurline.Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" || s.principals == nil {
		// A read-only server has no tokens to check: whatever a request
		// sends, it reads as anyone does, and its mutations are refused as
		// the server's.
		return s.anonymous(), nil
	}
	scheme, token, ok := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, blurline.Errorf(blurline.ErrUnauthenticated, "the Authorization header must be Bearer <token>")
	}
	p, ok := s.principals.Authenticate(token)
	if !ok {
		return nil, blurline.Errorf(blurline.ErrUnauthenticated, "the bearer token is not one this server accepts (revoked, mistyped, or for another server)")
	}
	return p, nil
}

// anonymous is the principal of a request without a token: a reader
// cleared for OpenReadMarking, or nobody when reads need a token.
func (s *Server) anonymous() *blurline.Principal {
	if s.cfg.RequireReadToken {
		return &blurline.Principal{Name: "anonymous", Anonymous: true}
	}
	return &blurline.Principal{Name: "anonymous", Anonymous: true,
		Scopes: blurline.Scopes(blurline.ScopeRead), MaxMarking: s.cfg.OpenReadMarking}
}

// allow returns why p may not do what needs scope (what names it, as in
// "queries"), or nil: ErrUnauthenticated for the anonymous principal (a
// token would help), ErrForbidden for a principal without the scope and on
// a read-only server.
func (s *Server) allow(p *blurline.Principal, scope blurline.Scope, what string) error {
	if p.Can(scope) {
		return nil
	}
	if s.principals == nil && scope != blurline.ScopeRead {
		return blurline.Errorf(blurline.ErrForbidden, "this server is read-only: it was started without tokens")
	}
	err := blurline.Require(blurline.NewContextWithPrincipal(context.Background(), p), scope, what)
	if p.Anonymous {
		return blurline.Errorf(blurline.ErrUnauthenticated, "%s", blurline.Public(err))
	}
	return err
}

// withPrincipal authenticates r and returns it with its principal in its
// context, or writes the refusal (401 with WWW-Authenticate) and returns
// nil.
func (s *Server) withPrincipal(w http.ResponseWriter, r *http.Request, media string) *http.Request {
	p, err := s.authenticate(r)
	if err != nil {
		s.refuse(w, r, media, err)
		return nil
	}
	return s.identified(r, p)
}

// identified returns r with its principal, its origin (the client's
// address, for the audit trail) and the server's default marking in its
// context, and notes the principal for the access log.
func (s *Server) identified(r *http.Request, p *blurline.Principal) *http.Request {
	if ri := infoFrom(r.Context()); ri != nil {
		ri.principal = p.Name
	}
	ctx := blurline.NewContextWithPrincipal(r.Context(), p)
	ctx = blurline.NewContextWithDefaultMarking(ctx, s.cfg.DefaultMarking)
	return r.WithContext(blurline.NewContextWithOrigin(ctx, blurline.Origin{From: r.RemoteAddr}))
}

// view names what a principal may see: its scopes and marking. Responses
// are shared in the response cache only between principals of one view.
func view(p *blurline.Principal) string {
	if p == nil {
		return ""
	}
	return p.Scopes.String() + "/" + p.MaxMarking.String()
}
