package rules

import (
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// object and array present a decoded JSON object and array to CEL without
// copying them. They are pointers, which a map of CEL values can hold (cel-go
// looks a value up in one for `x in [constants]`: a map or a slice there
// would panic), and are made only where a rule uses a whole object or array
// as a value: CEL reads the members of an object, and folds over the elements
// of an array, in the decoded Data itself. They answer
// what the rules do on every request themselves (a member, presence, an
// element, a fold over the elements) and leave the rest (equality,
// conversion, `in`, iteration) to CEL's own wrappers, made on demand.
type (
	object struct{ m map[string]any }
	array  struct{ elems []any }
)

var (
	_ traits.Mapper   = (*object)(nil)
	_ traits.Lister   = (*array)(nil)
	_ traits.Foldable = (*array)(nil)
)

func (o *object) generic() traits.Mapper {
	return types.NewStringInterfaceMap(adapter, o.m)
}

// FindStringKey is how CEL's attribute resolution reads a member (self.X)
// and tests its presence (has(self.X)): the member as decoded, which CEL
// adapts only if the rule uses it as a value.
func (o *object) FindStringKey(key string) (any, bool) {
	v, ok := o.m[key]
	return v, ok
}

func (o *object) Find(key ref.Val) (ref.Val, bool) {
	if k, ok := key.(types.String); ok {
		v, found := o.m[string(k)]
		if !found {
			return nil, false
		}
		return adapter.NativeToValue(v), true
	}
	return o.generic().Find(key)
}

func (o *object) Get(key ref.Val) ref.Val {
	if v, found := o.Find(key); found {
		return v
	}
	return o.generic().Get(key)
}

func (o *object) Contains(key ref.Val) ref.Val                { return o.generic().Contains(key) }
func (o *object) Iterator() traits.Iterator                   { return o.generic().Iterator() }
func (o *object) Size() ref.Val                               { return types.Int(len(o.m)) }
func (o *object) Equal(other ref.Val) ref.Val                 { return o.generic().Equal(other) }
func (o *object) Type() ref.Type                              { return types.MapType }
func (o *object) Value() any                                  { return o.m }
func (o *object) ConvertToType(t ref.Type) ref.Val            { return o.generic().ConvertToType(t) }
func (o *object) ConvertToNative(t reflect.Type) (any, error) { return o.generic().ConvertToNative(t) }

func (a *array) generic() traits.Lister { return types.NewDynamicList(adapter, a.elems) }

// Fold is how CEL's comprehensions (all, exists, map, filter, sum) walk a
// list. Each element goes as decoded: CEL reads the members of a
// map[string]any directly, and adapts an element only if the rule uses it
// as a value.
func (a *array) Fold(f traits.Folder) {
	for i, v := range a.elems {
		if !f.FoldEntry(types.Int(i), v) {
			return
		}
	}
}

func (a *array) Get(index ref.Val) ref.Val {
	if i, ok := index.(types.Int); ok && i >= 0 && int(i) < len(a.elems) {
		return adapter.NativeToValue(a.elems[i])
	}
	return a.generic().Get(index)
}

func (a *array) Size() ref.Val                               { return types.Int(len(a.elems)) }
func (a *array) Add(other ref.Val) ref.Val                   { return a.generic().Add(other) }
func (a *array) Contains(v ref.Val) ref.Val                  { return a.generic().Contains(v) }
func (a *array) Iterator() traits.Iterator                   { return a.generic().Iterator() }
func (a *array) Equal(other ref.Val) ref.Val                 { return a.generic().Equal(other) }
func (a *array) Type() ref.Type                              { return types.ListType }
func (a *array) Value() any                                  { return a.elems }
func (a *array) ConvertToType(t ref.Type) ref.Val            { return a.generic().ConvertToType(t) }
func (a *array) ConvertToNative(t reflect.Type) (any, error) { return a.generic().ConvertToNative(t) }
