package rules

import (
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// object and array present a decoded JSON object and array to CEL without
// copying them or allocating: a map or a slice header boxes into a ref.Val
// for free, where CEL's own wrappers cost an allocation each time a rule
// reads an element (every item of every rule over Items). They answer
// what the rules do on every request themselves (a member, presence, an
// element, a fold over the elements) and leave the rest (equality,
// conversion, `in`, iteration) to CEL's own wrappers, made on demand.
type (
	object map[string]any
	array  []any
)

var (
	_ traits.Mapper   = object(nil)
	_ traits.Lister   = array(nil)
	_ traits.Foldable = array(nil)
)

func (o object) generic() traits.Mapper {
	return types.NewStringInterfaceMap(adapter, map[string]any(o))
}

// FindStringKey is how CEL's attribute resolution reads a member (self.X)
// and tests its presence (has(self.X)): the member as decoded, which CEL
// adapts only if the rule uses it as a value.
func (o object) FindStringKey(key string) (any, bool) {
	v, ok := o[key]
	return v, ok
}

func (o object) Find(key ref.Val) (ref.Val, bool) {
	if k, ok := key.(types.String); ok {
		v, found := o[string(k)]
		if !found {
			return nil, false
		}
		return adapter.NativeToValue(v), true
	}
	return o.generic().Find(key)
}

func (o object) Get(key ref.Val) ref.Val {
	if v, found := o.Find(key); found {
		return v
	}
	return o.generic().Get(key)
}

func (o object) Contains(key ref.Val) ref.Val                { return o.generic().Contains(key) }
func (o object) Iterator() traits.Iterator                   { return o.generic().Iterator() }
func (o object) Size() ref.Val                               { return types.Int(len(o)) }
func (o object) Equal(other ref.Val) ref.Val                 { return o.generic().Equal(other) }
func (o object) Type() ref.Type                              { return types.MapType }
func (o object) Value() any                                  { return map[string]any(o) }
func (o object) ConvertToType(t ref.Type) ref.Val            { return o.generic().ConvertToType(t) }
func (o object) ConvertToNative(t reflect.Type) (any, error) { return o.generic().ConvertToNative(t) }

func (a array) generic() traits.Lister { return types.NewDynamicList(adapter, []any(a)) }

// Fold is how CEL's comprehensions (all, exists, map, filter, sum) walk a
// list. Each element goes as decoded: CEL reads the members of a
// map[string]any directly, and adapts an element only if the rule uses it
// as a value.
func (a array) Fold(f traits.Folder) {
	for i, v := range a {
		if !f.FoldEntry(types.Int(i), v) {
			return
		}
	}
}

func (a array) Get(index ref.Val) ref.Val {
	if i, ok := index.(types.Int); ok && i >= 0 && int(i) < len(a) {
		return adapter.NativeToValue(a[i])
	}
	return a.generic().Get(index)
}

func (a array) Size() ref.Val                               { return types.Int(len(a)) }
func (a array) Add(other ref.Val) ref.Val                   { return a.generic().Add(other) }
func (a array) Contains(v ref.Val) ref.Val                  { return a.generic().Contains(v) }
func (a array) Iterator() traits.Iterator                   { return a.generic().Iterator() }
func (a array) Equal(other ref.Val) ref.Val                 { return a.generic().Equal(other) }
func (a array) Type() ref.Type                              { return types.ListType }
func (a array) Value() any                                  { return []any(a) }
func (a array) ConvertToType(t ref.Type) ref.Val            { return a.generic().ConvertToType(t) }
func (a array) ConvertToNative(t reflect.Type) (any, error) { return a.generic().ConvertToNative(t) }
