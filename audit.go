package blurline

import (
	"context"
	"time"
)

// audit.go: the audit trail. Every write made on behalf of someone (a
// GraphQL mutation, an upload, a TAXII POST, the command line's load and
// import) is recorded in the store, in the same transaction as the write:
// who (the principal), when, from where, what operation, and which facts
// and entities it changed. The records are quads in the named graph
// AuditGraph (docs/security.md); the store never removes them, so a
// fact's history outlives the fact.

// Origin is where a write comes from, beside the principal the context
// carries: what the audit trail records of it. A write is recorded when
// its context carries an Origin (NewContextWithOrigin); the store's own
// writes (the seed) carry none.
type Origin struct {
	// From is the client's network address ("127.0.0.1:53422"), or "cli"
	// for the command line.
	From string
	// Action names the operation: the GraphQL field ("addFacts",
	// "createFacts"), the endpoint ("POST /import") or the command
	// ("load"). Empty, the store names the kind of write ("write",
	// "retract", "load", "import", "retractImport").
	Action string
	// Name is the input's name when it has one: a file, an upload, a
	// TAXII collection.
	Name string
	// Restore lets a load bring audit records of its own, as an export
	// holds them: only the command line, which holds the store's files
	// anyway, sets it. Any other write that carries audit quads is refused.
	Restore bool
}

type originKey struct{}

// NewContextWithOrigin returns ctx carrying o: writes through it are
// recorded in the audit trail.
func NewContextWithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFromContext returns the origin ctx carries.
func OriginFromContext(ctx context.Context) (Origin, bool) {
	o, ok := ctx.Value(originKey{}).(Origin)
	return o, ok
}

// WithAction returns ctx whose origin (if it has one) names action and
// the input's name (when name is not empty).
func WithAction(ctx context.Context, action, name string) context.Context {
	o, ok := OriginFromContext(ctx)
	if !ok {
		return ctx
	}
	o.Action = action
	if name != "" {
		o.Name = name
	}
	return NewContextWithOrigin(ctx, o)
}

// WithInputName returns ctx whose origin (if it has one) names the input
// name, unless it names one already (the caller who knows better, such as
// the server naming a TAXII collection, came first).
func WithInputName(ctx context.Context, name string) context.Context {
	o, ok := OriginFromContext(ctx)
	if !ok || o.Name != "" || name == "" {
		return ctx
	}
	o.Name = name
	return NewContextWithOrigin(ctx, o)
}

// AuditRecord is one write as the audit trail has it.
type AuditRecord struct {
	ID        string    // sorts as the records were written: the time, then a random part
	At        time.Time // when the write committed (UTC)
	Principal string    // who: the principal's name ("anonymous" without a token)
	From      string    // where from: a network address, or "cli"
	Action    string    // what operation
	Import    string    // the import's id, for an import or its retraction
	Name      string    // the input's name, when it has one
	// The facts the write added, changed (a fact that was there and now
	// reads otherwise) and retracted, by id, and the entities it touched
	// (described, or at an end of one of those facts), each sorted.
	Added, Changed, Retracted []string
	Entities                  []string
	// Marking is the most restrictive marking of what the record names:
	// its facts (before and after the write) and entities' descriptions.
	// A reader cleared for less does not see the record at all.
	Marking Marking
}

// AuditQuery selects and pages audit records, newest first. Each filter
// is ignored when empty.
type AuditQuery struct {
	Entity string    // records that touched this entity
	Fact   string    // records that added, changed or retracted this fact
	By     string    // records of this principal
	Since  time.Time // records at or after this instant
	// After and Before are record ids: only records older than After,
	// newer than Before. First keeps the newest n of what is left, Last
	// the oldest n (-1: not given; First wins when both are).
	After, Before string
	First, Last   int
}

// AuditPage is one page of audit records, newest first.
type AuditPage struct {
	Records []*AuditRecord
	// HasOlder and HasNewer say whether records matching the filters lie
	// beyond the page's oldest and newest.
	HasOlder, HasNewer bool
}
