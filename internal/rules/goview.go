package rules

import (
	"reflect"
	"sync"

	"github.com/ecpay-go/einvoice/internal/jsonview"
)

// goView lets the quick path read a Go value in place as the Data it
// encodes to (internal/jsonview): its object types, each with an id (a
// value's id), and its lists' element types.
type goView struct {
	objects []*jsonview.ObjectType
	// refs[id][i] is, for member i of objects[id], the id of its object
	// type (Kind Object) or of its list (Kind Array).
	refs  [][]uint16
	lists []listType
}

// listType is the element type of a list member.
type listType struct {
	elem   jsonview.Kind
	object uint16 // the elements' object id, for a list of objects
}

// goViews caches a goView by the Go value's root type; a type jsonview
// does not view maps to nil.
var goViews sync.Map // reflect.Type → *goView

// viewOf returns the goView of t, a struct type, or nil when jsonview does
// not view it (or it has more types than an id can count).
func viewOf(t reflect.Type) *goView {
	if v, ok := goViews.Load(t); ok {
		return v.(*goView)
	}
	var view *goView
	if root, ok := jsonview.Of(t); ok {
		view = &goView{}
		ids := map[*jsonview.ObjectType]uint16{}
		var add func(o *jsonview.ObjectType) uint16
		add = func(o *jsonview.ObjectType) uint16 {
			if id, ok := ids[o]; ok {
				return id
			}
			id := uint16(len(view.objects))
			ids[o] = id
			view.objects = append(view.objects, o)
			view.refs = append(view.refs, make([]uint16, len(o.Members)))
			for i, m := range o.Members {
				switch {
				case m.Kind == jsonview.Object:
					view.refs[id][i] = add(m.Object)
				case m.Kind == jsonview.Array:
					lt := listType{elem: m.Elem}
					if m.Elem == jsonview.Object {
						lt.object = add(m.Object)
					}
					view.refs[id][i] = uint16(len(view.lists))
					view.lists = append(view.lists, lt)
				}
			}
			return id
		}
		add(root)
		if len(view.objects) > 1<<15 || len(view.lists) > 1<<15 {
			view = nil
		}
	}
	v, _ := goViews.LoadOrStore(t, view)
	return v.(*goView)
}

// member is lookup on an object of the Go value: the member as the
// decoded Data would have it (absent, null, or its value), unknown where
// the decode would not give back the Go value (a string that is not UTF-8,
// a number that does not encode).
func (g *goView) member(o value, field string) (v value, found, isMap bool) {
	id := o.id()
	obj := g.objects[id]
	i, ok := obj.Index(field)
	if !ok {
		return unknownValue, false, true
	}
	m := &obj.Members[i]
	fv, present, null := m.Read(reflect.ValueOf(o.x).Elem())
	switch {
	case !present:
		return unknownValue, false, true
	case null:
		return value{kind: nullKind}, true, true
	}
	return g.value(m.Kind, g.refs[id][i], fv), true, true
}

// value is the quick value of fv, addressable, of kind k; ref is its object
// or list id.
func (g *goView) value(k jsonview.Kind, ref uint16, fv reflect.Value) value {
	switch k {
	case jsonview.String:
		if p, ok := jsonview.StrPointer(fv); ok {
			return value{kind: stringKind, x: p}
		}
	case jsonview.Number:
		if f, ok := jsonview.Num(fv); ok {
			return value{kind: doubleKind, f: f}
		}
	case jsonview.Bool:
		return boolValue(fv.Bool())
	case jsonview.Object:
		return value{kind: mapKind, f: float64(ref), x: fv.Addr().Interface()}
	case jsonview.Array:
		return value{kind: listKind, f: float64(ref), x: fv.Addr().Interface()}
	}
	return unknownValue
}

// length returns the number of elements of list, a listKind value.
func (fr *frame) length(list value) int {
	if l, ok := list.x.([]any); ok {
		return len(l)
	}
	return reflect.ValueOf(list.x).Elem().Len()
}

// at returns element i of list, a listKind value.
func (fr *frame) at(list value, i int) value {
	if l, ok := list.x.([]any); ok {
		return dataValue(l[i])
	}
	lt := fr.view.lists[list.id()]
	return fr.view.value(lt.elem, lt.object, reflect.ValueOf(list.x).Elem().Index(i))
}
