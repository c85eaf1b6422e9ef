package blurline

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// access.go: who is asking. A Principal is a named holder of a token with
// a set of scopes and the highest TLP marking it may see; the server puts
// the request's principal in its context (NewContextWithPrincipal) and
// every layer reads it from there (PrincipalFromContext).

// Scope is one kind of access a principal may hold.
type Scope uint8

// The scopes. They do not imply one another, but ScopeAdmin implies every
// scope.
const (
	ScopeRead   Scope = 1 << iota // run queries (when the server requires a token for them)
	ScopeWrite                    // addFacts, retractFact, loadNQuads
	ScopeImport                   // importStix, retractImport and the server's import endpoints
	ScopeAdmin                    // everything, plus the audit trail and the online backup
)

// Scopes is a set of scopes.
type Scopes uint8

var scopeNames = []struct {
	s    Scope
	name string
}{{ScopeRead, "read"}, {ScopeWrite, "write"}, {ScopeImport, "import"}, {ScopeAdmin, "admin"}}

// AllScopes holds every scope.
const AllScopes = Scopes(ScopeRead | ScopeWrite | ScopeImport | ScopeAdmin)

func (s Scope) String() string {
	for _, n := range scopeNames {
		if n.s == s {
			return n.name
		}
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// Has reports whether the set grants s: it holds s, or it holds admin.
func (ss Scopes) Has(s Scope) bool { return ss&Scopes(s) != 0 || ss&Scopes(ScopeAdmin) != 0 }

// String lists the scopes, comma-separated, in the order read, write,
// import, admin ("" for none).
func (ss Scopes) String() string {
	var names []string
	for _, n := range scopeNames {
		if ss&Scopes(n.s) != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// ParseScopes reads a comma-separated list of scope names.
func ParseScopes(text string) (Scopes, error) {
	var ss Scopes
	for name := range strings.SplitSeq(text, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(scopeNames, func(n struct {
			s    Scope
			name string
		}) bool {
			return strings.EqualFold(n.name, name)
		})
		if i < 0 {
			return 0, Errorf(ErrInvalid, "unknown scope %q (the scopes are read, write, import, admin)", name)
		}
		ss |= Scopes(scopeNames[i].s)
	}
	return ss, nil
}

// Marking is a Traffic Light Protocol 2.0 marking, in order of restriction:
// a principal cleared for a marking may see everything marked at or below
// it.
type Marking uint8

// The TLP 2.0 markings (first.org/tlp), least restrictive first.
const (
	TLPClear Marking = iota
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
)

var markingNames = [...]string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}

// String returns the marking's TLP name without the prefix ("AMBER+STRICT").
func (m Marking) String() string {
	if int(m) < len(markingNames) {
		return markingNames[m]
	}
	return fmt.Sprintf("Marking(%d)", uint8(m))
}

// ParseMarking reads a TLP marking: its name in any case, with or without
// a "TLP:" prefix ("amber+strict", "TLP:RED"). TLP 1.0's WHITE is CLEAR.
func ParseMarking(text string) (Marking, error) {
	name := strings.ToUpper(strings.TrimSpace(text))
	name = strings.TrimPrefix(name, "TLP:")
	if name == "WHITE" {
		return TLPClear, nil
	}
	if i := slices.Index(markingNames[:], name); i >= 0 {
		return Marking(i), nil
	}
	return 0, Errorf(ErrInvalid, "unknown TLP marking %q (the markings are CLEAR, GREEN, AMBER, AMBER+STRICT, RED)", text)
}

// MarkingGraph is the named graph of the entity descriptions a write at
// marking m (not CLEAR) makes outside an import.
func MarkingGraph(m Marking) string { return MarkedBase + strings.ToLower(m.String()) }

// Principal is who a request acts for: a named token holder, or the
// anonymous reader of a server whose reads are open.
type Principal struct {
	Name   string
	Scopes Scopes
	// MaxMarking is the most restrictive marking the principal may see.
	MaxMarking Marking
	// Anonymous is true for the caller who sent no token.
	Anonymous bool
}

// Can reports whether p holds scope s; a nil principal holds none.
func (p *Principal) Can(s Scope) bool { return p != nil && p.Scopes.Has(s) }

// String names the principal, its scopes and marking, for logs.
func (p *Principal) String() string {
	if p == nil {
		return "nobody"
	}
	return fmt.Sprintf("%s (%s; up to TLP:%s)", p.Name, p.Scopes, p.MaxMarking)
}

type principalKey struct{}

// NewContextWithPrincipal returns ctx carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal ctx carries, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// DefaultMarking is the marking of what a write brings without a marking
// of its own (an unmarked STIX object or MISP cluster, a fact added or
// loaded without one) when neither the write nor its context says
// otherwise (NewContextWithDefaultMarking: a server's --default-marking).
// It is CLEAR, as data without a marking is everywhere else in the store
// (the seed, every store older than markings, an N-Quads file without
// marking quads): one rule for unmarked data, whichever way it came in.
// A server on a shared network raises it, so that what arrives unmarked
// is kept from the anonymous reader (docs/security.md).
const DefaultMarking = TLPClear

type defaultMarkingKey struct{}

// NewContextWithDefaultMarking returns ctx carrying m as the marking of
// what writes through it bring without one.
func NewContextWithDefaultMarking(ctx context.Context, m Marking) context.Context {
	return context.WithValue(ctx, defaultMarkingKey{}, m)
}

// DefaultMarkingFromContext returns the marking ctx's writes give what
// they bring without one: the one NewContextWithDefaultMarking put there,
// else DefaultMarking.
func DefaultMarkingFromContext(ctx context.Context) Marking {
	if m, ok := ctx.Value(defaultMarkingKey{}).(Marking); ok {
		return m
	}
	return DefaultMarking
}

// WriteMarking returns the marking a write through ctx gives what it
// brings without one: m when given, which may not be above the
// principal's clearance (ErrForbidden: a writer sees what it wrote);
// otherwise ctx's default (DefaultMarkingFromContext), or the clearance
// when it is lower.
func WriteMarking(ctx context.Context, m Marking, given bool) (Marking, error) {
	c := ClearanceFromContext(ctx)
	if !given {
		return min(DefaultMarkingFromContext(ctx), c), nil
	}
	if m > c {
		return 0, Errorf(ErrForbidden, "TLP:%s is above the TLP:%s this principal is cleared for: it could not see what it wrote", m, c)
	}
	return m, nil
}

// ClearanceFromContext returns the most restrictive marking ctx's reader
// may see: its principal's MaxMarking, or TLPRed when ctx carries no
// principal (the owner of the store: the command line, a test).
func ClearanceFromContext(ctx context.Context) Marking {
	if p := PrincipalFromContext(ctx); p != nil {
		return p.MaxMarking
	}
	return TLPRed
}

// Require returns an ErrForbidden error unless ctx's principal holds scope s.
// what names the refused action ("mutations", "the audit trail").
func Require(ctx context.Context, s Scope, what string) error {
	p := PrincipalFromContext(ctx)
	if p.Can(s) {
		return nil
	}
	if p == nil || p.Anonymous {
		return Errorf(ErrForbidden, "%s need a token with the %s scope: send it as Authorization: Bearer <token>", what, s)
	}
	return Errorf(ErrForbidden, "%s need the %s scope, which %s does not hold", what, s, p.Name)
}
