package wrapper

import (
	"math"
	"reflect"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/jsonview"
)

// passNode is a schema of requestBody.Data compiled against the request
// type as encoding/json encodes it (internal/jsonview), to answer in
// place, for a request type the field-by-field dataPlan cannot check
// (arrays, objects, numbers), the question every correct call asks: does
// the request pass the schema? It answers only "it passes" or "not known";
// on "not known" the request's JSON is decoded and validated by
// kin-openapi as before (validateData), which gives the error, so the
// error is the same either way. It follows kin-openapi's VisitJSON for the
// keywords it compiles, and a schema with any other is not compiled.
type passNode struct {
	kind    jsonview.Kind
	integer bool // type integer: a number with no fraction

	length  *lengthRule    // a string's minLength, maxLength and enum
	pattern *regexp.Regexp // compiled once, as kin-openapi compiles it

	min, max *float64 // a number's minimum and maximum

	minItems uint64
	maxItems *uint64
	items    *passNode
	elem     jsonview.Kind // the elements' kind, for an array

	// members are the object's members' nodes, by the view's member
	// index; nil for a member the schema does not declare (any value).
	members  []*passNode
	required []int // the members the schema requires
	object   *jsonview.ObjectType
}

// compilePass compiles schema for a value of kind k (obj is its view for
// an object, or its elements' for an array of objects; elem the elements'
// kind), or returns false when schema has a keyword it does not follow or
// does not fit the type.
func compilePass(schema *openapi3.Schema, k jsonview.Kind, obj *jsonview.ObjectType, elem jsonview.Kind) (*passNode, bool) {
	if schema == nil || schema.Always != nil || schema.Not != nil || len(schema.OneOf)+len(schema.AnyOf)+len(schema.AllOf) != 0 {
		return nil, false
	}
	n := &passNode{kind: k}
	rest := *schema
	rest.Type, rest.Format, rest.Enum = nil, "", nil
	rest.MinLength, rest.MaxLength, rest.Pattern = 0, nil, ""
	rest.Min, rest.Max = nil, nil
	rest.MinItems, rest.MaxItems, rest.Items = 0, nil, nil
	rest.Properties, rest.Required = nil, nil
	if !rest.IsEmpty() || rest.AdditionalProperties.Schema != nil {
		return nil, false
	}
	var want jsonview.Kind
	switch {
	case schema.Type.Is(openapi3.TypeString):
		want = jsonview.String
	case schema.Type.Is(openapi3.TypeNumber):
		want = jsonview.Number
	case schema.Type.Is(openapi3.TypeInteger):
		want, n.integer = jsonview.Number, true
	case schema.Type.Is(openapi3.TypeBoolean):
		want = jsonview.Bool
	case schema.Type.Is(openapi3.TypeObject):
		want = jsonview.Object
	case schema.Type.Is(openapi3.TypeArray):
		want = jsonview.Array
	}
	if want != k || !formatUnchecked(schema.Format, want, n.integer) {
		return nil, false
	}
	if len(schema.Enum) > 0 && k != jsonview.String {
		return nil, false
	}
	switch k {
	case jsonview.String:
		r := &lengthRule{min: int64(schema.MinLength), max: -1}
		if schema.MaxLength != nil {
			r.max = int64(*schema.MaxLength)
		}
		for _, v := range schema.Enum {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			r.enum = append(r.enum, s)
		}
		n.length = r
		if p := schema.Pattern; p != "" {
			// kin-openapi rewrites \uXXXX before compiling; such a
			// pattern is left to it.
			re, err := regexp.Compile(p)
			if err != nil || strings.Contains(p, `\u`) {
				return nil, false
			}
			n.pattern = re
		}
	case jsonview.Number:
		n.min, n.max = schema.Min, schema.Max
	case jsonview.Array:
		n.minItems, n.maxItems, n.elem = schema.MinItems, schema.MaxItems, elem
		if schema.Items != nil {
			items, ok := compilePass(schema.Items.Value, elem, obj, jsonview.Unsupported)
			if !ok {
				return nil, false
			}
			n.items = items
		}
	case jsonview.Object:
		n.object = obj
		n.members = make([]*passNode, len(obj.Members))
		for name, prop := range schema.Properties {
			i, ok := obj.Index(name)
			if !ok {
				continue // never in the encoding
			}
			m := &obj.Members[i]
			if prop == nil {
				return nil, false
			}
			if n.members[i], ok = compilePass(prop.Value, m.Kind, m.Object, m.Elem); !ok {
				return nil, false
			}
		}
		for _, name := range schema.Required {
			i, ok := obj.Index(name)
			if !ok {
				return nil, false
			}
			n.required = append(n.required, i)
		}
	}
	return n, true
}

// formatUnchecked reports whether kin-openapi checks nothing for format f
// on a value of kind k: no format, or one no validator is registered for.
func formatUnchecked(f string, k jsonview.Kind, integer bool) bool {
	if f == "" {
		return true
	}
	var ok bool
	switch {
	case k == jsonview.String:
		_, ok = openapi3.SchemaStringFormats[f]
	case integer:
		_, ok = openapi3.SchemaIntegerFormats[f]
	case k == jsonview.Number:
		_, ok = openapi3.SchemaNumberFormats[f]
	default:
		return false
	}
	return !ok
}

// passes reports whether v, the value of a member present and not null in
// the encoding (a struct for an object, a slice for an array), is known to
// pass the node's schema.
func (n *passNode) passes(v reflect.Value) bool {
	switch n.kind {
	case jsonview.String:
		s, ok := jsonview.Str(v)
		return ok && n.length.holds(s) && (n.pattern == nil || n.pattern.MatchString(s))
	case jsonview.Number:
		f, ok := jsonview.Num(v)
		return ok && (!n.integer || f == math.Trunc(f)) && (n.min == nil || *n.min <= f) && (n.max == nil || *n.max >= f)
	case jsonview.Bool:
		return true
	case jsonview.Array:
		l := uint64(v.Len())
		if l < n.minItems || n.maxItems != nil && l > *n.maxItems {
			return false
		}
		if n.items != nil {
			for i := range v.Len() {
				if !n.items.passes(v.Index(i)) {
					return false
				}
			}
		}
		return true
	case jsonview.Object:
		for _, i := range n.required {
			if _, present, _ := n.object.Members[i].Read(v); !present {
				return false
			}
		}
		for i := range n.object.Members {
			m := &n.object.Members[i]
			fv, present, null := m.Read(v)
			if !present {
				continue
			}
			if null || n.members[i] != nil && !n.members[i].passes(fv) {
				return false
			}
		}
		return true
	}
	return false
}

// compileRequestPass compiles requestBody.Data for the request type t, or
// returns nil when it cannot.
func compileRequestPass(schema *openapi3.Schema, t reflect.Type) *passNode {
	obj, ok := jsonview.Of(t)
	if !ok {
		return nil
	}
	n, ok := compilePass(schema, jsonview.Object, obj, jsonview.Unsupported)
	if !ok {
		return nil
	}
	return n
}
