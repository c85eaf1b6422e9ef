package interop

import (
	"context"
	"fmt"
	"slices"

	"github.com/blurline/blurline"
)

// Imports decided together.
//
// An import is decided against the store as it finds it: which entity a
// description merges into, which id the merged entity keeps, whether the
// other end of a relation is there yet. Decided file by file, the store
// would depend on the order the files arrived in. A store that keeps what
// each import read (a rebuilder, *graph.Store) is instead always the
// replay of its imports in one canonical order, by import id: an import
// whose id sorts after every recorded one is written at once (the replay
// would write the same); any other import, and every retraction, replays
// the recorded imports into a scratch store and writes the difference in
// one transaction. So an entity's id, names and statements are a function
// of the files imported, and retracting an import gives back the store as
// it would be had that import never happened (the ids it renamed
// included).

// rebuilder is a Store that keeps what its imports read and can replay
// them (*graph.Store; see graph/imports.go).
type rebuilder interface {
	LockImports(ctx context.Context) (unlock func(), err error)
	ImportIDs(ctx context.Context) ([]string, error)
	RecordImport(ctx context.Context, src blurline.ImportSource) error
	RebuildImports(ctx context.Context, add *blurline.ImportSource, drop string, replay func(ctx context.Context, scratch any, srcs []blurline.ImportSource) error) (int, error)
}

// scratchStore is the store a replay writes into: a Store and renamer
// that does not replay again.
type scratchStore struct {
	Store
	renamer
}

// writeTogether writes the planned import p into s, which keeps its
// imports: at once when p's import comes last in the canonical order,
// else by replaying every recorded import with it. It returns p's report.
func (p *plan) writeTogether(ctx context.Context, s Store, r rebuilder, file string) (*Report, error) {
	unlock, err := r.LockImports(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	src := p.source
	others, err := importIDs(ctx, r, src.ID)
	if err != nil {
		return nil, err
	}
	if len(others) == 0 || others[len(others)-1] < src.ID {
		// The write keeps its record in its own transaction; an import that
		// writes nothing is recorded on its own.
		rep, err := p.writeNow(blurline.NewContextWithImportSource(ctx, src), s, file)
		if err != nil {
			return nil, err
		}
		if ids, err := r.ImportIDs(ctx); err != nil || slices.Contains(ids, src.ID) {
			return rep, err
		}
		return rep, r.RecordImport(ctx, src)
	}
	var rep *Report
	n := 0
	_, err = r.RebuildImports(blurline.WithInputName(ctx, file), &src, "", func(ctx context.Context, scratch any, srcs []blurline.ImportSource) error {
		reps, err := replay(ctx, scratch, srcs)
		if err == nil {
			rep, n = reps[src.ID], len(srcs)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.note("import %s does not come last in the canonical order (by import id): the store was rebuilt from all %d imports", src.ID, n)
	return rep, nil
}

// importIDs returns the ids of the recorded imports but one, sorted.
func importIDs(ctx context.Context, r rebuilder, but string) ([]string, error) {
	ids, err := r.ImportIDs(ctx)
	return slices.DeleteFunc(ids, func(id string) bool { return id == but }), err
}

// replay imports srcs, in order, into a scratch store that a rebuilder
// handed over, and returns their reports by import id.
func replay(ctx context.Context, scratch any, srcs []blurline.ImportSource) (map[string]*Report, error) {
	st, ok := scratch.(Store)
	rn, ok2 := scratch.(renamer)
	if !ok || !ok2 {
		return nil, fmt.Errorf("interop: replay: a scratch store of type %T is not an import store", scratch)
	}
	s := scratchStore{st, rn}
	reps := map[string]*Report{}
	for _, src := range srcs {
		// Each import is decided in its writer's view, as it was when it
		// arrived.
		p := blurline.Principal{Name: "replay", MaxMarking: src.Clearance}
		if w := blurline.PrincipalFromContext(ctx); w != nil {
			p.Name, p.Scopes = w.Name, w.Scopes
		}
		rctx := blurline.NewContextWithPrincipal(ctx, &p)
		rep, err := Import(rctx, s, src.Data, src.Format, ImportOptions{ImportID: src.ID, Name: src.Name, Source: src.Source, Marking: src.Marking})
		if err != nil {
			return nil, fmt.Errorf("replay of import %s: %w", src.ID, err)
		}
		reps[src.ID] = rep
	}
	return reps, nil
}

// RetractImport takes back import id. In a store that keeps its imports,
// the others are replayed without it, so that the store is what it would
// be had the import never happened: the entities it renamed get their
// earlier ids back, and the statements and names it brought go. Otherwise
// (or for an import the store holds no record of) it is the store's own
// RetractImport, which removes what the import wrote and leaves renames as
// they are. It returns how many quads went.
func RetractImport(ctx context.Context, s Store, id string) (int, error) {
	r, ok := s.(rebuilder)
	if !ok {
		return s.RetractImport(ctx, id)
	}
	unlock, err := r.LockImports(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	ids, err := importIDs(ctx, r, "")
	if err != nil {
		return 0, err
	}
	if !slices.Contains(ids, id) {
		return s.RetractImport(ctx, id)
	}
	return r.RebuildImports(ctx, nil, id, func(ctx context.Context, scratch any, srcs []blurline.ImportSource) error {
		_, err := replay(ctx, scratch, srcs)
		return err
	})
}
