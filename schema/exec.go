package schema

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/blurline/blurline"
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// exec.go executes an operation that Prepare parsed, guarded and
// validated: the specification's ExecuteQuery and ExecuteMutation over the
// schema's graphql-go types, calling the same resolvers graphql-go would.
//
// Why not graphql-go's executor: it builds every object of the response as
// a map (so the fields come back unordered, and gqlgo_order.go had to
// rebuild them in request order), allocates a response path, a resolve info
// and an argument map for every field of every object, recovers every
// field through two deferred closures, and runs each request on a
// goroutine of its own, racing it against the context. On the 2-hop query
// from an entity with 13 facts that was about 25,000 allocations and 4 ms,
// and nearly all of the CPU time of an uncached request (half of it in the
// garbage collector). This executor writes the response as ordered objects
// directly, collects the fields of a selection set (and their arguments)
// once per request for every object it selects, and allocates per object,
// not per field. graphql-go still parses and validates, and its executor
// is kept (gqlgo_exec.go) as the reference that the tests compare this one
// with, response for response.
//
// What it keeps of graphql-go's behaviour, because resolvers rely on it:
//
//   - A resolver may return a thunk, func() (any, error). Thunks run
//     breadth first, after every resolver of their level has run: the
//     batch loaders (loaders.go) make one store call per level because of
//     it.
//   - Resolve params carry the source, the coerced arguments and the
//     context; the resolve info carries the field's name, nodes, types,
//     the schema, the fragments, the operation and the variables. Its Path
//     is nil: no resolver reads it, and an error's path is built from the
//     response when the error happens.
//   - Arguments and variables are coerced as graphql-go coerces them
//     (valueFromAST, coerceVariable), defaults included.
//   - Error messages for values a resolver should not have returned are
//     graphql-go's.
//
// What it does as the specification says, where graphql-go does not: a
// null in a non-null position (an error, or a null value) makes the
// nearest nullable enclosing field or list element null, also when it
// happens in a thunk (graphql-go's executor lost the whole response then);
// the fields of a mutation run one after the other, each with its thunks
// and its whole response resolved before the next begins; a request whose
// context ends stops between thunks and answers the context's error.

// execute runs op over the schema with the request's coerced variables.
// A resolver's panic is that field's error; a panic of the executor itself
// is the request's INTERNAL error, logged, not the server's crash.
func (a *API) execute(ctx context.Context, p *prepared, op *ast.OperationDefinition, vars map[string]any) (res *graphql.Result) {
	defer func() {
		if r := recover(); r != nil {
			a.lg.Error("the executor panicked", "panic", r, "stack", string(debug.Stack()))
			res = &graphql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(
				blurline.Errorf(blurline.ErrInternal, "the request could not be executed"))}}
		}
	}()
	sc := &a.schema // only read: IsPossibleType, which writes, is not called
	e := &execution{ctx: ctx, api: a, sc: sc, p: p, op: op}
	root := rootType(sc, op)
	if root == nil || root.PrivateName == "" {
		return &graphql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(gqlerrors.NewError(
			fmt.Sprintf("Schema is not configured for %ss", op.Operation), []ast.Node{op}, "", nil, []int{}, nil))}}
	}
	e.vars = e.coerceVariables(vars)
	e.selections = &p.selections
	if len(op.VariableDefinitions) > 0 {
		e.selections = &selections{}
	}
	data := e.run(root)
	if err := ctx.Err(); err != nil {
		return &graphql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(err)}}
	}
	res = &graphql.Result{Errors: e.errs}
	if !e.dataNull {
		res.Data = data
	}
	return res
}

// execution is the state of one request's execution.
type execution struct {
	ctx  context.Context
	api  *API
	sc   *graphql.Schema
	p    *prepared
	op   *ast.OperationDefinition
	vars map[string]any

	errs     []gqlerrors.FormattedError
	dataNull bool // a null reached the data itself

	queue []*deferred // thunks waiting for their level, first in first out
	head  int

	selections *selections
}

// slot is a place in the response: element i of vals, which are the fields
// of an object or the elements of a list. up is the slot of that object or
// list (for the data itself, the root slot). A null that may not stand in
// a slot goes up to the nearest slot that may hold it.
type slot struct {
	up      *slot
	vals    []any
	i       int
	key     string // the response key of a field, "" for a list element (i)
	nonNull bool   // the slot's type is non-null
	root    bool   // the data itself
}

// deferred is a thunk a resolver returned, and the slot its value goes in.
type deferred struct {
	fn  func() (any, error)
	f   *selected
	t   graphql.Type // the slot's type, non-null included
	pos slot
}

// selected is a field of a selection set: its response key, its nodes
// (several when the key is selected more than once), its definition and
// arguments, and the resolve info every object's resolver gets.
type selected struct {
	key     string
	nodes   []*ast.Field
	def     *graphql.FieldDefinition
	args    map[string]any
	nonNull bool
	info    graphql.ResolveInfo
}

// selection is the collected fields of a selection set for one object type:
// the same for every object it selects, so collected once per request.
type selection struct {
	nodes  []*ast.Field // the field nodes that select it
	keys   []string     // response keys, in order (shared by the objects)
	fields []selected
}

// selections are the selection sets collected for an operation: for the
// request, or, when the operation has no variables (nothing in a selection
// depends on the request then), for every request of the prepared
// document.
type selections struct {
	mu sync.Mutex
	m  map[selectionKey][]*selection
}

// selectionKey names a selection set by its object type and the first of
// the field nodes that select it (the operation for the root); get
// compares the rest.
type selectionKey struct {
	t     *graphql.Object
	op    *ast.OperationDefinition
	first *ast.Field
	n     int
}

func (ss *selections) get(k selectionKey, nodes []*ast.Field) *selection {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, s := range ss.m[k] {
		if slices.Equal(s.nodes, nodes) {
			return s
		}
	}
	return nil
}

func (ss *selections) put(k selectionKey, s *selection) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[selectionKey][]*selection{}
	}
	ss.m[k] = append(ss.m[k], s)
}

var rootValue = map[string]any{}

// run executes the operation's root selection set.
func (e *execution) run(root *graphql.Object) *orderedObject {
	sel := e.collect(root, nil)
	top := &slot{root: true}
	vals := make([]any, len(sel.fields))
	obj := &orderedObject{keys: sel.keys, vals: vals}
	serial := e.op.Operation == ast.OperationTypeMutation
	for i := range sel.fields {
		if e.ctx.Err() != nil {
			return nil
		}
		f := &sel.fields[i]
		pos := slot{up: top, vals: vals, i: i, key: f.key, nonNull: f.nonNull}
		if failed := e.field(f, rootValue, pos); failed {
			e.dataNull = true
			if !serial {
				break
			}
		}
		if serial {
			e.drain()
		}
	}
	e.drain()
	return obj
}

// drain runs the waiting thunks, level by level, until none is left or
// the request's context ends.
func (e *execution) drain() {
	for e.head < len(e.queue) {
		if e.ctx.Err() != nil {
			return
		}
		d := e.queue[e.head]
		e.queue[e.head] = nil
		e.head++
		res, err := callThunk(d.fn)
		if err != nil {
			e.fieldError(err, d.f, &d.pos)
			if d.pos.nonNull {
				e.fail(&d.pos)
			}
			continue
		}
		v, failed := e.complete(d.f, d.t, res, &d.pos)
		if failed {
			e.fail(&d.pos)
			continue
		}
		d.pos.vals[d.pos.i] = v
	}
	e.queue, e.head = e.queue[:0], 0
}

// fail carries a null that may not stand in slot s up to the nearest slot
// that may hold it, once s's object or list is already in the response.
func (e *execution) fail(s *slot) {
	for c := s.up; c != nil; c = c.up {
		if c.root {
			e.dataNull = true
			return
		}
		if !c.nonNull {
			c.vals[c.i] = nil
			return
		}
	}
}

// field resolves f on source and completes its value into pos. It reports
// whether the field failed: its value is null and its type non-null.
func (e *execution) field(f *selected, source any, pos slot) (failed bool) {
	res, err := e.resolve(f, source)
	if err != nil {
		e.fieldError(err, f, &pos)
		return f.nonNull
	}
	v, failed := e.complete(f, f.def.Type, res, &pos)
	if failed {
		return true
	}
	pos.vals[pos.i] = v
	return false
}

func (e *execution) resolve(f *selected, source any) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, panicError(r)
		}
	}()
	fn := f.def.Resolve
	if fn == nil {
		fn = defaultResolve
	}
	return fn(graphql.ResolveParams{Source: source, Args: f.args, Info: f.info, Context: e.ctx})
}

// defaultResolve is graphql.DefaultResolveFn, the resolver of a field that
// has none (introspection's, mostly), with the struct field it reads looked
// up once per type and field name: graphql-go walks every field of the
// struct and splits its tags on each call, a third of the CPU time of an
// introspection query.
func defaultResolve(p graphql.ResolveParams) (any, error) {
	if _, ok := p.Source.(graphql.FieldResolver); ok {
		return graphql.DefaultResolveFn(p)
	}
	rv := reflect.ValueOf(p.Source)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return graphql.DefaultResolveFn(p)
	}
	k := structField{rv.Type(), p.Info.FieldName}
	i, ok := structFields.Load(k)
	if !ok {
		i = structFieldIndex(k.t, k.name)
		structFields.Store(k, i)
	}
	if i.(int) < 0 {
		return nil, nil
	}
	return rv.Field(i.(int)).Interface(), nil
}

type structField struct {
	t    reflect.Type
	name string
}

// structFields caches structFieldIndex.
var structFields sync.Map // structField -> int

// structFieldIndex is the field of struct type t that DefaultResolveFn
// reads for a GraphQL field name: the first whose name matches without
// regard to case, or whose json or graphql tag names it; -1 for none.
func structFieldIndex(t reflect.Type, name string) int {
	for i := range t.NumField() {
		f := t.Field(i)
		if strings.EqualFold(f.Name, name) {
			return i
		}
		for _, tag := range []string{"json", "graphql"} {
			if v, _, _ := strings.Cut(f.Tag.Get(tag), ","); v == name {
				return i
			}
		}
	}
	return -1
}

func callThunk(fn func() (any, error)) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, panicError(r)
		}
	}()
	return fn()
}

// panicError is the error of a resolver that panicked, as graphql-go
// reports it.
func panicError(r any) error {
	if err, ok := r.(error); ok {
		return err
	}
	if s, ok := r.(string); ok {
		return gqlerrors.NewFormattedError(s)
	}
	return gqlerrors.NewFormattedError("An unknown error occurred.")
}

// complete completes the value res of type t for slot pos (the
// specification's CompleteValue). failed means that the value is null and
// t non-null: the caller carries the null up.
func (e *execution) complete(f *selected, t graphql.Type, res any, pos *slot) (v any, failed bool) {
	if th, ok := res.(func() (any, error)); ok {
		e.queue = append(e.queue, &deferred{fn: th, f: f, t: t, pos: *pos})
		return nil, false
	}
	if nn, ok := t.(*graphql.NonNull); ok {
		v, failed := e.completeNullable(f, nn.OfType, res, pos)
		if !failed && v == nil {
			e.fieldError(fmt.Sprintf("Cannot return null for non-nullable field %v.%v.", f.info.ParentType, f.info.FieldName), f, pos)
		}
		return v, v == nil
	}
	v, _ = e.completeNullable(f, t, res, pos)
	return v, false
}

// completeNullable completes res for a nullable type t; failed means an
// error nulled it.
func (e *execution) completeNullable(f *selected, t graphql.Type, res any, pos *slot) (any, bool) {
	if isNullish(res) {
		return nil, false
	}
	if reflect.TypeOf(res).Kind() == reflect.Func {
		e.fieldError("Error resolving func. Expected `func() (interface{}, error)` signature", f, pos)
		return nil, true
	}
	switch t := t.(type) {
	case *graphql.Scalar:
		if _, ok := res.(string); ok && (t == graphql.String || t == graphql.ID) {
			return res, false // what Serialize returns, without its fmt.Sprintf
		}
		v := t.Serialize(res)
		if isNullish(v) {
			return nil, false
		}
		if x, ok := v.(float64); ok {
			return RoundFloat(x), false
		}
		return v, false
	case *graphql.Enum:
		if reflect.TypeOf(res).Comparable() {
			if name, ok := e.api.enumNames[enumValue{t, res}]; ok {
				return name, false
			}
		}
		v := t.Serialize(res)
		if isNullish(v) {
			return nil, false
		}
		return v, false
	case *graphql.List:
		return e.list(f, t, res, pos)
	case *graphql.Object:
		return e.object(f, t, res, pos)
	case *graphql.Interface:
		return e.abstract(f, t, t.ResolveType, res, pos)
	case *graphql.Union:
		return e.abstract(f, t, t.ResolveType, res, pos)
	}
	e.fieldError(fmt.Sprintf(`Cannot complete value of unexpected type "%v."`, t), f, pos)
	return nil, true
}

func (e *execution) list(f *selected, t *graphql.List, res any, pos *slot) (any, bool) {
	rv := reflect.ValueOf(res)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
		e.fieldError(fmt.Sprintf("User Error: expected iterable, but did not find one for field %v.%v.", f.info.ParentType, f.info.FieldName), f, pos)
		return nil, true
	}
	n := rv.Len()
	lv := &listValue{at: *pos}
	at := &lv.at
	var vals []any
	if n <= len(lv.small) {
		vals = lv.small[:n:n]
	} else {
		vals = make([]any, n)
	}
	_, itemNonNull := t.OfType.(*graphql.NonNull)
	items, _ := res.([]any)
	for i := range n {
		var item any
		if items != nil {
			item = items[i]
		} else {
			item = rv.Index(i).Interface()
		}
		ip := slot{up: at, vals: vals, i: i, nonNull: itemNonNull}
		v, failed := e.complete(f, t.OfType, item, &ip)
		if failed {
			return nil, true
		}
		vals[i] = v
	}
	return vals, false
}

// listValue is the slot of a list of the response, and the elements of a
// short list, in one allocation.
type listValue struct {
	at    slot
	small [2]any
}

// objectValue is an object of the response and its slot, and the values of
// a small object, in one allocation.
type objectValue struct {
	obj   orderedObject
	at    slot
	small [3]any
}

func (e *execution) object(f *selected, t *graphql.Object, res any, pos *slot) (any, bool) {
	if t.IsTypeOf != nil && !t.IsTypeOf(graphql.IsTypeOfParams{Value: res, Info: f.info, Context: e.ctx}) {
		e.fieldError(fmt.Sprintf(`Expected value of type "%v" but got: %T.`, t, res), f, pos)
		return nil, true
	}
	sel := e.collect(t, f.nodes)
	ov := &objectValue{at: *pos}
	var vals []any
	if n := len(sel.fields); n <= len(ov.small) {
		vals = ov.small[:n:n]
	} else {
		vals = make([]any, n)
	}
	ov.obj = orderedObject{keys: sel.keys, vals: vals}
	for i := range sel.fields {
		sf := &sel.fields[i]
		if e.field(sf, res, slot{up: &ov.at, vals: vals, i: i, key: sf.key, nonNull: sf.nonNull}) {
			return nil, true
		}
	}
	return &ov.obj, false
}

func (e *execution) abstract(f *selected, t graphql.Abstract, resolveType graphql.ResolveTypeFn, res any, pos *slot) (any, bool) {
	p := graphql.ResolveTypeParams{Value: res, Info: f.info, Context: e.ctx}
	var rt *graphql.Object
	if resolveType != nil {
		rt = resolveType(p)
	} else {
		for _, pt := range e.sc.PossibleTypes(t) {
			if pt.IsTypeOf != nil && pt.IsTypeOf(graphql.IsTypeOfParams{Value: res, Info: f.info, Context: e.ctx}) {
				rt = pt
				break
			}
		}
	}
	if rt == nil {
		e.fieldError(fmt.Sprintf(`Abstract type %v must resolve to an Object type at runtime for field %v.%v with value "%v", received "%v".`,
			t, f.info.ParentType, f.info.FieldName, res, rt), f, pos)
		return nil, true
	}
	if !e.api.possible[typePair{t.Name(), rt.Name()}] {
		e.fieldError(fmt.Sprintf(`Runtime Object type "%v" is not a possible type for "%v".`, rt, t), f, pos)
		return nil, true
	}
	return e.object(f, rt, res, pos)
}

// fieldError records an error of field f at slot pos.
func (e *execution) fieldError(err any, f *selected, pos *slot) {
	le := graphql.NewLocatedErrorWithPath(err, graphql.FieldASTsToNodeASTs(f.nodes), pathOf(pos))
	e.errs = append(e.errs, gqlerrors.FormatError(le))
}

// pathOf is the response path of slot s.
func pathOf(s *slot) []any {
	n := 0
	for c := s; c != nil && !c.root; c = c.up {
		n++
	}
	path := make([]any, n)
	for c := s; c != nil && !c.root; c = c.up {
		n--
		if c.key != "" {
			path[n] = c.key
		} else {
			path[n] = c.i
		}
	}
	return path
}

// isNullish is graphql-go's test for a null value: nil, a nil pointer, NaN.
func isNullish(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string, bool, int, *orderedObject, []any:
		return false
	case float64:
		return math.IsNaN(v)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return true
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.IsNaN(rv.Float())
	}
	return false
}

// collect is the specification's CollectFields for an object of type t
// selected by the field nodes sel (the operation's selection set when sel
// is nil), with each field's definition, arguments and resolve info.
func (e *execution) collect(t *graphql.Object, sel []*ast.Field) *selection {
	k := selectionKey{t: t, n: len(sel)}
	if len(sel) > 0 {
		k.first = sel[0]
	} else {
		k.op = e.op
	}
	if s := e.selections.get(k, sel); s != nil {
		return s
	}
	var sets []*ast.SelectionSet
	if sel == nil {
		sets = []*ast.SelectionSet{e.op.SelectionSet}
	} else {
		sets = subSets(sel)
	}
	s := &selection{nodes: sel}
	index := map[string]int{}
	var visited map[string]bool
	var walk func(ss *ast.SelectionSet)
	walk = func(ss *ast.SelectionSet) {
		if ss == nil {
			return
		}
		for _, node := range ss.Selections {
			switch n := node.(type) {
			case *ast.Field:
				if !e.included(n.Directives) {
					continue
				}
				key := n.Name.Value
				if n.Alias != nil && n.Alias.Value != "" {
					key = n.Alias.Value
				}
				if key == typenameKey {
					continue // the hidden __typename graphql-go's executor needs (gqlgo_order.go)
				}
				if i, ok := index[key]; ok {
					s.fields[i].nodes = append(s.fields[i].nodes, n)
					continue
				}
				def := fieldDef(e.sc, t, n.Name.Value)
				if def == nil {
					continue
				}
				index[key] = len(s.fields)
				s.fields = append(s.fields, selected{key: key, nodes: []*ast.Field{n}, def: def})
			case *ast.InlineFragment:
				if !e.included(n.Directives) || n.TypeCondition != nil && !e.applies(t, n.TypeCondition.Name.Value) {
					continue
				}
				walk(n.SelectionSet)
			case *ast.FragmentSpread:
				name := n.Name.Value
				if visited[name] || !e.included(n.Directives) {
					continue
				}
				visited[name] = true
				fd := e.p.fragments[name]
				if fd == nil || fd.TypeCondition != nil && !e.applies(t, fd.TypeCondition.Name.Value) {
					continue
				}
				walk(fd.SelectionSet)
			}
		}
	}
	for _, ss := range sets {
		visited = map[string]bool{} // one CollectFields per field node
		walk(ss)
	}
	s.keys = make([]string, len(s.fields))
	for i := range s.fields {
		f := &s.fields[i]
		s.keys[i] = f.key
		_, f.nonNull = f.def.Type.(*graphql.NonNull)
		f.args = e.argumentValues(f.def.Args, f.nodes[0].Arguments)
		f.info = graphql.ResolveInfo{
			FieldName:      f.nodes[0].Name.Value,
			FieldASTs:      f.nodes,
			ReturnType:     f.def.Type,
			ParentType:     t,
			Schema:         *e.sc,
			Fragments:      e.p.definitions,
			RootValue:      nil,
			Operation:      e.op,
			VariableValues: e.vars,
		}
	}
	e.selections.put(k, s)
	return s
}

// rootType is the object type an operation starts from (nil for a
// subscription: the schema has none).
func rootType(sc *graphql.Schema, op *ast.OperationDefinition) *graphql.Object {
	switch op.Operation {
	case ast.OperationTypeMutation:
		return sc.MutationType()
	case ast.OperationTypeSubscription:
		return sc.SubscriptionType()
	}
	return sc.QueryType()
}

func subSets(fields []*ast.Field) []*ast.SelectionSet {
	sets := make([]*ast.SelectionSet, 0, len(fields))
	for _, f := range fields {
		if f.SelectionSet != nil {
			sets = append(sets, f.SelectionSet)
		}
	}
	return sets
}

// fieldDef is field name of t, the introspection fields included (graphql-go's getFieldDef).
func fieldDef(sc *graphql.Schema, t *graphql.Object, name string) *graphql.FieldDefinition {
	switch {
	case name == graphql.SchemaMetaFieldDef.Name && sc.QueryType() == t:
		return graphql.SchemaMetaFieldDef
	case name == graphql.TypeMetaFieldDef.Name && sc.QueryType() == t:
		return graphql.TypeMetaFieldDef
	case name == graphql.TypeNameMetaFieldDef.Name:
		return graphql.TypeNameMetaFieldDef
	}
	return t.Fields()[name]
}

// applies reports whether a fragment on the type named cond applies to an
// object of type t.
func (e *execution) applies(t *graphql.Object, cond string) bool {
	if cond == t.Name() {
		return true
	}
	return e.api.possible[typePair{cond, t.Name()}]
}

// typePair names an interface or union and an object type.
type typePair struct{ abstract, object string }

// enumValue is a value of an enum type.
type enumValue struct {
	t *graphql.Enum
	v any
}

// enumNames maps each value of each enum of sc to its name, boxed once
// (what Serialize returns, without its reflection and allocation).
func enumNames(sc *graphql.Schema) map[enumValue]any {
	names := map[enumValue]any{}
	for _, t := range sc.TypeMap() {
		if en, ok := t.(*graphql.Enum); ok {
			for _, v := range en.Values() {
				if v.Value != nil && reflect.TypeOf(v.Value).Comparable() {
					names[enumValue{en, v.Value}] = v.Name
				}
			}
		}
	}
	return names
}

// possibleTypes is every pair of an abstract type of sc and an object type
// it may be: graphql-go's IsPossibleType fills a map of the schema on
// first use, without a lock, so the executor asks this one.
func possibleTypes(sc *graphql.Schema) map[typePair]bool {
	possible := map[typePair]bool{}
	for _, t := range sc.TypeMap() {
		if abs, ok := t.(graphql.Abstract); ok {
			for _, o := range sc.PossibleTypes(abs) {
				possible[typePair{abs.Name(), o.Name()}] = true
			}
		}
	}
	return possible
}

// included evaluates @skip and @include (skip first).
func (e *execution) included(dirs []*ast.Directive) bool {
	for _, name := range []string{graphql.SkipDirective.Name, graphql.IncludeDirective.Name} {
		for _, d := range dirs {
			if d == nil || d.Name == nil || d.Name.Value != name {
				continue
			}
			def := graphql.SkipDirective
			if name == graphql.IncludeDirective.Name {
				def = graphql.IncludeDirective
			}
			b, ok := e.argumentValues(def.Args, d.Arguments)["if"].(bool)
			if ok && b == (name == graphql.SkipDirective.Name) {
				return false
			}
		}
	}
	return true
}
