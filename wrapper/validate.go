package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated"
)

// schemas holds the schemas of the embedded (overlaid) spec that requests
// are checked against before anything is sent. They are loaded once per
// process: the rules come from the spec, not from limits copied into Go.
type schemas struct {
	envelope *openapi3.Schema // the request envelope (MerchantID, PlatformID, …)
	data     *openapi3.Schema // requestBody.Data, the plaintext inside Data
	plan     dataPlan         // data compiled against CancelDelayIssueRequest
}

var loadSchemas = sync.OnceValues(func() (*schemas, error) {
	doc, err := generated.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("ecpay: loading the embedded spec: %w", err)
	}
	s := &schemas{}
	if ref := doc.Components.Schemas["requestBody.Data"]; ref != nil {
		s.data = ref.Value
	}
	if item := doc.Paths.Find("/B2CInvoice/CancelDelayIssue"); item != nil && item.Post != nil && item.Post.RequestBody != nil {
		if mt := item.Post.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			s.envelope = mt.Schema.Value
		}
	}
	if s.data == nil || s.envelope == nil {
		return nil, errors.New("ecpay: the embedded spec lacks the CancelDelayIssue request schemas; regenerate package generated")
	}
	s.plan = compileDataPlan(s.data, reflect.TypeFor[CancelDelayIssueRequest]())
	return s, nil
})

// dataPlan is requestBody.Data matched, once, to the fields of the
// generated request type, so that a request is checked field by field with
// each property's own schema instead of being marshalled and decoded into a
// map for every call. When the schema has object-level rules beyond
// properties and required, or a field is not a plain string or number, the
// plan is not usable and the whole decoded object is validated instead.
type dataPlan struct {
	usable bool
	fields []fieldRule
}

type fieldRule struct {
	name     string // the JSON name, e.g. "Tsr"
	index    int    // the struct field carrying it
	pointer  bool   // an optional field: nil means absent
	required bool
	schema   *openapi3.Schema
	// length is set when schema is a string with no rule but minLength
	// and maxLength: a value within them passes without calling
	// kin-openapi, which is still asked for the error otherwise.
	length *lengthRule
}

// lengthRule is a string schema's minLength and maxLength (max < 0: none).
type lengthRule struct{ min, max int64 }

// lengthOnly returns the lengthRule of s when s is a string schema whose
// only validation keywords are minLength and maxLength.
func lengthOnly(s *openapi3.Schema) *lengthRule {
	if !s.Type.Is(openapi3.TypeString) {
		return nil
	}
	rest := *s
	rest.Type, rest.MinLength, rest.MaxLength = nil, 0, nil
	rest.Description, rest.Extensions = "", nil
	if !rest.IsEmpty() {
		return nil
	}
	r := &lengthRule{min: int64(s.MinLength), max: -1}
	if s.MaxLength != nil {
		r.max = int64(*s.MaxLength)
	}
	return r
}

// holds reports whether v's length is within r, counted as kin-openapi
// counts it.
func (r *lengthRule) holds(v string) bool {
	var n int64
	for _, c := range v {
		if utf16.IsSurrogate(c) {
			n += 2
		} else {
			n++
		}
	}
	return n >= r.min && (r.max < 0 || n <= r.max)
}

func compileDataPlan(schema *openapi3.Schema, t reflect.Type) dataPlan {
	objectOnly := *schema
	objectOnly.Properties, objectOnly.Required, objectOnly.Type = nil, nil, nil
	objectOnly.Description, objectOnly.Extensions = "", nil
	if !objectOnly.IsEmpty() || !schema.Type.Is(openapi3.TypeObject) {
		return dataPlan{}
	}
	byName := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		byName[name] = i
	}
	var plan dataPlan
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		i, ok := byName[name]
		prop := schema.Properties[name]
		if !ok || prop == nil || prop.Value == nil {
			return dataPlan{}
		}
		ft := t.Field(i).Type
		rule := fieldRule{name: name, index: i, required: slices.Contains(schema.Required, name), schema: prop.Value}
		if ft.Kind() == reflect.Pointer {
			rule.pointer, ft = true, ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			rule.length = lengthOnly(prop.Value)
		case reflect.Int, reflect.Int64, reflect.Int32:
		default:
			return dataPlan{}
		}
		plan.fields = append(plan.fields, rule)
		delete(byName, name)
	}
	plan.usable = true
	return plan
}

// validateRequest checks req against requestBody.Data; plaintext is req
// marshalled, used when the plan is not usable.
func (s *schemas) validateRequest(req *CancelDelayIssueRequest, plaintext []byte) error {
	if !s.plan.usable {
		return s.validateData(plaintext)
	}
	v := reflect.ValueOf(req).Elem()
	for _, f := range s.plan.fields {
		fv := v.Field(f.index)
		if f.pointer {
			if fv.IsNil() {
				if f.required {
					return &ValidationError{Field: f.name, Rule: "required", Reason: fmt.Sprintf("property %q is missing", f.name)}
				}
				continue
			}
			fv = fv.Elem()
		}
		var value any
		if fv.Kind() == reflect.String {
			if f.length != nil && f.length.holds(fv.String()) {
				continue
			}
			value = fv.String()
		} else {
			value = fv.Int()
		}
		if err := f.schema.VisitJSON(value); err != nil {
			return toValidationError(f.name, err)
		}
	}
	return nil
}

// validateData checks inner request JSON against requestBody.Data.
func (s *schemas) validateData(plaintext []byte) error {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return &ValidationError{Field: "Data", Rule: "type", Reason: "the inner request is not JSON"}
	}
	return toValidationError("", s.data.VisitJSON(value))
}

// validateEnvelopeField checks one string member of the request envelope,
// such as MerchantID or PlatformID, against its schema.
func (s *schemas) validateEnvelopeField(name, value string) error {
	prop := s.envelope.Properties[name]
	if prop == nil || prop.Value == nil {
		return fmt.Errorf("ecpay: the spec has no request field %s", name)
	}
	return toValidationError(name, prop.Value.VisitJSON(value))
}

// toValidationError turns kin-openapi's error into a *ValidationError naming
// the field and the rule. The value itself is left out: it may be the
// plaintext of the encrypted Data.
func toValidationError(field string, err error) error {
	if err == nil {
		return nil
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return &ValidationError{Field: field, Rule: "schema", Reason: "does not match the spec"}
	}
	if p := strings.Join(se.JSONPointer(), "/"); p != "" {
		field = p
	}
	if field == "" {
		field = "Data"
	}
	reason := se.Reason
	if reason == "" {
		reason = "does not match the spec"
	}
	return &ValidationError{Field: field, Rule: se.SchemaField, Reason: reason}
}
