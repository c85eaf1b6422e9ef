package interop

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Report says what an import did.
type Report struct {
	ImportID string
	Format   string // "stix 2.1", "stix 2.0", "misp-galaxy threat-actor"...
	Objects  int    // objects (STIX) or clusters (MISP) read
	// Types counts, by STIX type or "cluster", what was read, mapped and skipped.
	Types   map[string]*TypeCount
	Created []Created // new entities
	Merged  []Merge   // objects merged into entities the store already had
	Facts   int       // statements written
	// DefaultConfidence counts statements whose source gave no confidence.
	DefaultConfidence int
	Skipped           []Skip
	Notes             []string // ambiguous or contested matches, dropped values

	// The sources the import cites (sources.go): with the store's records
	// (restated), newly recorded, and of those, graded as their host's
	// records (the rest are of unknown kind, graded F).
	SourcesKnown  int
	SourcesNew    int
	SourcesGraded int
}

// TypeCount counts the objects of one type.
type TypeCount struct{ Read, Mapped, Skipped int }

// Created is a new entity.
type Created struct {
	Object string // source id (STIX id, MISP cluster uuid, ISO country code)
	Entity string // Blurline entity id
	Class  string
	Name   string
}

// Merge is an object that became part of an existing entity.
type Merge struct {
	Object string // source id
	Name   string // the object's name
	Entity string // the existing entity's id
	Key    string // what matched: `external id "mitre-attack:G0125"`, `alias "APT40"`...
}

// Skip is an object or statement left out.
type Skip struct {
	Object string
	Type   string
	Reason string
}

func newReport(format string) *Report {
	return &Report{Format: format, Types: map[string]*TypeCount{}}
}

func (r *Report) count(typ string) *TypeCount {
	c := r.Types[typ]
	if c == nil {
		c = &TypeCount{}
		r.Types[typ] = c
	}
	return c
}

func (r *Report) skip(obj, typ, format string, args ...any) {
	r.Skipped = append(r.Skipped, Skip{Object: obj, Type: typ, Reason: fmt.Sprintf(format, args...)})
	r.count(typ).Skipped++
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// MergedInto returns the merges into entity id.
func (r *Report) MergedInto(id string) []Merge {
	var out []Merge
	for _, m := range r.Merged {
		if m.Entity == id {
			out = append(out, m)
		}
	}
	return out
}

// EntityOf returns the entity a source object became part of ("" if none).
func (r *Report) EntityOf(object string) string {
	for _, c := range r.Created {
		if c.Object == object {
			return c.Entity
		}
	}
	for _, m := range r.Merged {
		if m.Object == object {
			return m.Entity
		}
	}
	return ""
}

// String is the report for a person: counts, every merge, skip reasons
// grouped with a few examples, and notes.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %s (%s): %d objects read; %d entities created, %d merged; %d statements written",
		r.ImportID, r.Format, r.Objects, len(r.Created), len(r.Merged), r.Facts)
	if r.DefaultConfidence > 0 {
		fmt.Fprintf(&b, " (%d without a stated confidence got %v)", r.DefaultConfidence, DefaultConfidence)
	}
	if n := r.SourcesKnown + r.SourcesNew; n > 0 {
		fmt.Fprintf(&b, "; %d sources cited: %d with the store's records, %d newly recorded (%d graded as their host's records, %d of unknown kind and reliability F)",
			n, r.SourcesKnown, r.SourcesNew, r.SourcesGraded, r.SourcesNew-r.SourcesGraded)
	}
	b.WriteString("\n\nby type (read / mapped / skipped):\n")
	for _, t := range slices.Sorted(maps.Keys(r.Types)) {
		c := r.Types[t]
		fmt.Fprintf(&b, "  %-28s %6d %6d %6d\n", t, c.Read, c.Mapped, c.Skipped)
	}
	if len(r.Merged) > 0 {
		b.WriteString("\nmerged into existing entities:\n")
		for _, m := range r.Merged {
			fmt.Fprintf(&b, "  %s %q -> %s (%s)\n", m.Object, m.Name, m.Entity, m.Key)
		}
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\nskipped:\n")
		type group struct {
			reason string
			objs   []string
		}
		byReason := map[string]*group{}
		for _, s := range r.Skipped {
			k := s.Type + ": " + s.Reason
			g := byReason[k]
			if g == nil {
				g = &group{reason: k}
				byReason[k] = g
			}
			g.objs = append(g.objs, s.Object)
		}
		groups := slices.Collect(maps.Values(byReason))
		slices.SortFunc(groups, func(a, b *group) int {
			return cmp.Or(cmp.Compare(len(b.objs), len(a.objs)), cmp.Compare(a.reason, b.reason))
		})
		for _, g := range groups {
			ex := g.objs
			more := ""
			if len(ex) > 3 {
				more = fmt.Sprintf(", ... (%d more)", len(ex)-3)
				ex = ex[:3]
			}
			fmt.Fprintf(&b, "  %5d  %s  [%s%s]\n", len(g.objs), g.reason, strings.Join(ex, ", "), more)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	return b.String()
}

// FileError lists what is wrong with an input file; it is an invalid-input
// error (errors.Is(err, blurline.ErrInvalid)). Nothing was written.
type FileError struct {
	File     string
	Problems []Problem
	More     int // problems beyond those listed
}

// Problem is one thing wrong, at a JSON path such as
// `objects[12] (relationship--...).confidence`.
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }

func (e *FileError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File + ": ")
		}
		b.WriteString(p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n... and %d more problems", e.More)
	}
	return b.String()
}

// Unwrap marks a FileError as invalid input.
func (e *FileError) Unwrap() error { return errInvalid }

const maxProblems = 20

type problems struct {
	list []Problem
	more int
}

func (p *problems) add(path, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.more++
		return
	}
	p.list = append(p.list, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err(file string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &FileError{File: file, Problems: p.list, More: p.more}
}
