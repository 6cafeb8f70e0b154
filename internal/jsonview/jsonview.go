// Package jsonview reads a Go value in place as encoding/json would encode
// it and decode it back into a map[string]any: which members an object
// has (omitempty, nil pointers), which are null, and each value as the
// decode would give it (every number a float64). It lets the request's
// schema and business rules be checked on the typed request itself,
// without marshalling it and decoding it into a map for every call, and
// Append writes it as json.Marshal would, faster.
//
// Only types whose encoding it knows exactly are viewed (Of says which);
// a value it cannot present as the decode would (a string that is not
// UTF-8, a number that does not encode) is for the caller to treat as
// unknown.
package jsonview

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// Kind is what JSON makes of a Go type.
type Kind uint8

const (
	// Unsupported is a type whose encoding the view does not follow.
	Unsupported Kind = iota
	String
	// Number is a float64 or an integer type (a float32 encodes with
	// float32's shortest form, which decodes to another float64).
	Number
	Bool
	Object
	Array
)

// ObjectType is a struct type as encoding/json encodes it.
type ObjectType struct {
	Members []Member
	byName  map[string]int
	// plainNames says that every member's name is one encoding/json
	// writes as it is (see plainName), which Append needs.
	plainNames bool
}

// Member is a struct field as encoding/json encodes it.
type Member struct {
	Name      string
	Index     int  // the struct field
	OmitEmpty bool // omitempty: an empty value is left out
	Pointer   bool // *T: nil is left out (omitempty) or null
	Kind      Kind // T's
	// Object is T's when Kind is Object, and its elements' when Kind is
	// Array of objects.
	Object *ObjectType
	// Elem is the elements' Kind when Kind is Array.
	Elem Kind
}

// Index returns the index in Members of the member named name (the JSON
// name, exactly).
func (o *ObjectType) Index(name string) (int, bool) {
	i, ok := o.byName[name]
	return i, ok
}

var (
	mu      sync.Mutex
	objects = map[reflect.Type]*ObjectType{}
	// failed holds the struct types that are not viewed.
	failed = map[reflect.Type]bool{}
	// added are the types objectOf added to objects in this call of Of.
	added []reflect.Type
)

// Of returns the view of t, a struct type, and false when encoding/json
// would encode it (or a type in it) in a way the view does not follow: a
// json.Marshaler or encoding.TextMarshaler, an embedded field, the
// ",string" option, a map, an interface, a float32, a []byte, a pointer
// in a slice.
func Of(t reflect.Type) (*ObjectType, bool) {
	mu.Lock()
	defer mu.Unlock()
	added = added[:0]
	o := objectOf(t)
	if o == nil {
		// A type in t that is not viewed fails every type that holds it,
		// up to t; the types built meanwhile may hold one that failed
		// through a cycle: none of them is kept.
		for _, k := range added {
			delete(objects, k)
		}
	}
	added = added[:0]
	return o, o != nil
}

// objectOf builds t's view; the caller holds mu. A type being built is in
// objects already, so that a recursive type ends.
func objectOf(t reflect.Type) *ObjectType {
	if o, ok := objects[t]; ok {
		return o
	}
	if failed[t] || t.Kind() != reflect.Struct || marshals(t) {
		return nil
	}
	o := &ObjectType{byName: map[string]int{}, plainNames: true}
	objects[t] = o
	added = append(added, t)
	fail := func() *ObjectType {
		failed[t] = true
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return fail()
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		m := Member{Name: name, Index: i}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				m.OmitEmpty = true
			case "":
			default:
				return fail() // ",string", and omitzero, whose test may be a method
			}
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			m.Pointer, ft = true, ft.Elem()
		}
		m.Kind, m.Object = kindOf(ft)
		if m.Kind == Array {
			m.Elem, m.Object = kindOf(ft.Elem())
			if m.Elem == Unsupported || m.Elem == Array {
				return fail()
			}
		}
		if m.Kind == Unsupported {
			return fail()
		}
		if _, dup := o.byName[name]; dup {
			return fail() // encoding/json drops both
		}
		o.plainNames = o.plainNames && plainName(name)
		o.byName[name] = len(o.Members)
		o.Members = append(o.Members, m)
	}
	return o
}

// kindOf is t's Kind, with its view when t is a struct.
func kindOf(t reflect.Type) (Kind, *ObjectType) {
	if marshals(t) {
		return Unsupported, nil
	}
	switch t.Kind() {
	case reflect.String:
		return String, nil
	case reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Number, nil
	case reflect.Bool:
		return Bool, nil
	case reflect.Struct:
		if o := objectOf(t); o != nil {
			return Object, o
		}
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 && t.Elem().Kind() != reflect.Pointer {
			return Array, nil
		}
	}
	return Unsupported, nil
}

var (
	marshaler     = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func marshals(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(marshaler) || p.Implements(marshaler) || t.Implements(textMarshaler) || p.Implements(textMarshaler)
}

// Read returns member m of s, a struct value of m's object type: the value
// (through the pointer, for a pointer member), whether the encoding has the
// member, and whether it has it as null.
func (m *Member) Read(s reflect.Value) (v reflect.Value, present, null bool) {
	v = s.Field(m.Index)
	if m.Pointer {
		if v.IsNil() {
			return v, !m.OmitEmpty, !m.OmitEmpty
		}
		return v.Elem(), true, false
	}
	if m.Kind == Array && v.IsNil() {
		return v, !m.OmitEmpty, !m.OmitEmpty
	}
	if m.OmitEmpty && empty(m.Kind, v) {
		return v, false, false
	}
	return v, true, false
}

func empty(k Kind, v reflect.Value) bool {
	switch k {
	case String, Array:
		return v.Len() == 0
	case Number:
		return v.IsZero() || v.Kind() == reflect.Float64 && v.Float() == 0
	case Bool:
		return !v.Bool()
	}
	return false
}

// Str returns the string v (of Kind String) as the decode gives it, and
// false when the encoding would change it (bytes that are not UTF-8).
func Str(v reflect.Value) (string, bool) {
	s := v.String()
	return s, utf8.ValidString(s)
}

// StrPointer is Str through a pointer into the Go value, so that a caller
// can hold the string in an interface without copying it there: v must be
// addressable.
func StrPointer(v reflect.Value) (*string, bool) {
	p := (*string)(v.Addr().UnsafePointer()) // v's kind is string: the same layout
	return p, utf8.ValidString(*p)
}

// Num returns the number v (of Kind Number) as the decode gives it, a
// float64, and false when it does not encode (NaN, ±Inf).
func Num(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Float64:
		f := v.Float()
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		// Both the conversion and the decode of its decimal round to nearest even.
		return float64(v.Uint()), true
	}
	return float64(v.Int()), true
}
