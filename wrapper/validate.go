package wrapper

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// dataPlan is a page's requestBody.Data matched, once, to the fields of the
// generated request type, so that a request is checked field by field with
// each property's own schema instead of being marshalled and decoded into a
// map for every call. When the schema has object-level rules beyond
// properties and required, names a required member it does not declare, or
// has a property whose field is missing or is not a string or an integer, the
// plan is not usable and the whole decoded object is validated instead; its
// required strings are still checked for "" first, so that the error is the
// same either way.
type dataPlan struct {
	usable bool
	fields []fieldRule
	// required are the required string fields, checked for "" whether or
	// not the plan is usable.
	required []fieldRule
	// defaults are the fields the page gives a value when they are left
	// empty (registry.RequestDefaults), filled whether or not the plan is
	// usable.
	defaults []defaultFill
	// pass, when the plan is not usable, answers in place whether a
	// request passes the whole schema (see passNode); nil when it cannot,
	// and the request's JSON is always validated then.
	pass *passNode
}

// defaultFill is a field of the request type and the value its page gives
// it when it is empty.
type defaultFill struct {
	index   int           // the struct field
	pointer bool          // an optional field: nil means absent
	value   reflect.Value // of the field's type, or of its element's
	// shared points to value, for a pointer field: every call's request
	// gets this one pointer, not a new one. The request the core fills is
	// its own copy, which no caller sees, and the core never writes
	// through a request's pointers.
	shared reflect.Value
}

// compileDefaults matches the page's defaults to the fields of t, the
// request type. A default whose field is missing, or is not a string or an
// optional integer, or whose value is not of the field's kind, is not
// filled: the request is checked as the caller left it. (An integer that is
// not a pointer cannot tell an absent member from 0.)
func compileDefaults(schema *openapi3.Schema, t reflect.Type) []defaultFill {
	var out []defaultFill
	for _, d := range registry.RequestDefaults(schema) {
		f, ok := registry.FieldByJSONName(t, d.Name)
		if !ok {
			continue
		}
		fill := defaultFill{index: f.Index[0]}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			fill.pointer, ft = true, ft.Elem()
		}
		v := reflect.New(ft).Elem()
		switch value := d.Value.(type) {
		case string:
			if ft.Kind() != reflect.String {
				continue
			}
			v.SetString(value)
		case float64:
			if !fill.pointer || !v.CanInt() || value != float64(int64(value)) || v.OverflowInt(int64(value)) {
				continue
			}
			v.SetInt(int64(value))
		default:
			continue
		}
		fill.value = v
		if fill.pointer {
			fill.shared = reflect.New(ft)
			fill.shared.Elem().Set(v)
		}
		out = append(out, fill)
	}
	return out
}

// fillDefaults sets each field of req (a pointer to the request type) that
// the page gives a value to that value when it is empty: "", or an absent
// (nil) optional member. A value the caller gave is never changed.
func (p *dataPlan) fillDefaults(req any) {
	v := reflect.ValueOf(req).Elem()
	for _, d := range p.defaults {
		fv := v.Field(d.index)
		switch {
		case d.pointer && (fv.IsNil() || fv.Elem().Kind() == reflect.String && fv.Elem().String() == ""):
			fv.Set(d.shared) // another pointer: the caller's value is not written through
		case !d.pointer && fv.String() == "":
			fv.Set(d.value)
		}
	}
}

type fieldRule struct {
	name     string // the JSON name, e.g. "Tsr"
	index    int    // the struct field carrying it
	pointer  bool   // an optional field: nil means absent
	required bool
	schema   *openapi3.Schema
	// length is set when schema is a string with no rule but minLength,
	// maxLength and an enum of strings: a value within them passes without
	// calling kin-openapi, which is still asked for the error otherwise.
	length *lengthRule
}

// lengthRule is a string schema's minLength and maxLength (max < 0: none)
// and its enum (nil: any value).
type lengthRule struct {
	min, max int64
	enum     []string
}

// lengthOnly returns the lengthRule of s when s is a string schema whose
// only validation keywords are minLength, maxLength and an enum of strings
// (a default does not validate).
func lengthOnly(s *openapi3.Schema) *lengthRule {
	if !s.Type.Is(openapi3.TypeString) {
		return nil
	}
	r := &lengthRule{min: int64(s.MinLength), max: -1}
	for _, v := range s.Enum {
		str, ok := v.(string)
		if !ok {
			return nil
		}
		r.enum = append(r.enum, str)
	}
	rest := *s
	rest.Type, rest.MinLength, rest.MaxLength, rest.Enum, rest.Default = nil, 0, nil, nil, nil
	rest.Description, rest.Extensions = "", nil
	if !rest.IsEmpty() {
		return nil
	}
	if s.MaxLength != nil {
		r.max = int64(*s.MaxLength)
	}
	return r
}

// holds reports whether v's length is within r, counted as kin-openapi
// counts it, and v one of r's enum.
func (r *lengthRule) holds(v string) bool {
	if r.enum != nil && !slices.Contains(r.enum, v) {
		return false
	}
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
	usable := objectOnly.IsEmpty() && schema.Type.Is(openapi3.TypeObject)
	for _, name := range schema.Required {
		if schema.Properties[name] == nil {
			usable = false
		}
	}
	var plan dataPlan
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		f, ok := registry.FieldByJSONName(t, name)
		if !ok {
			usable = false
			continue
		}
		rule := fieldRule{name: name, index: f.Index[0], required: slices.Contains(schema.Required, name)}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			rule.pointer, ft = true, ft.Elem()
		}
		if rule.required && ft.Kind() == reflect.String {
			plan.required = append(plan.required, rule) // no schema: present and not ""
		}
		prop := schema.Properties[name]
		if prop == nil || prop.Value == nil {
			usable = false
			continue
		}
		rule.schema = prop.Value
		switch ft.Kind() {
		case reflect.String:
			rule.length = lengthOnly(prop.Value)
		case reflect.Int, reflect.Int64, reflect.Int32:
		default:
			usable = false
		}
		plan.fields = append(plan.fields, rule)
	}
	plan.defaults = compileDefaults(schema, t)
	if !usable {
		return dataPlan{required: plan.required, defaults: plan.defaults, pass: compileRequestPass(schema, t)}
	}
	plan.usable = true
	return plan
}

// validate checks req, a pointer to the request type, against the plan.
// When the plan is not usable it checks only the required strings
// (validateData then checks the JSON). A required string left empty is
// reported as missing: ECPay's 必填 means non-empty, for fields a spec update
// adds too.
func (p *dataPlan) validate(req any) error {
	v := reflect.ValueOf(req).Elem()
	if !p.usable {
		for i := range p.required {
			f := &p.required[i]
			if err := f.check(v.Field(f.index)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range p.fields {
		f := &p.fields[i]
		if err := f.check(v.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

// check checks the value fv of f's field; without a schema, only that a
// required field is present and not "".
func (f *fieldRule) check(fv reflect.Value) error {
	if f.pointer {
		if fv.IsNil() {
			if f.required {
				return &ValidationError{Field: f.name, Rule: "required", Reason: fmt.Sprintf("%s is required (必填) but missing; give it", f.name)}
			}
			return nil
		}
		fv = fv.Elem()
	}
	var value any
	if fv.Kind() == reflect.String {
		s := fv.String()
		if f.required && s == "" {
			what := "missing or empty" // a string that is not a pointer cannot tell
			if f.pointer {
				what = "empty"
			}
			return &ValidationError{Field: f.name, Rule: "required", Reason: fmt.Sprintf("%s is required (必填) but %s; give it a value", f.name, what)}
		}
		if f.schema == nil || f.length != nil && f.length.holds(s) {
			return nil
		}
		value = s
	} else {
		if f.schema == nil {
			return nil
		}
		value = fv.Int()
	}
	return toValidationError(f.name, f.schema.VisitJSON(value))
}

// validateData checks inner request JSON against requestBody.Data as a
// whole, for request types the plan cannot check field by field, and
// returns it decoded, for the rules.
func (st *opState) validateData(plaintext []byte) (any, error) {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return nil, &ValidationError{Field: "Data", Rule: "type", Reason: "Data, the request's inner JSON, is not valid JSON"}
	}
	return value, toValidationError("", st.data.VisitJSON(value))
}

// passes reports whether req, a pointer to the request type, is known to
// pass requestBody.Data without validating its JSON (see passNode).
func (p *dataPlan) passes(req any) bool {
	return p.pass != nil && p.pass.passes(reflect.ValueOf(req).Elem())
}

// checkRules evaluates the page's business rules (registry.Operation.Rules)
// on the request's Data, which has passed the schema: req (a pointer to the
// request type) encoded as plaintext, or decoded when validateData decoded
// it already. The first rule broken, in the overlay's order, is the error.
func (st *opState) checkRules(req any, plaintext []byte, decoded any) error {
	set, err := st.rules()
	if err != nil {
		return fmt.Errorf("ecpay: %s: nothing was sent: %w", st.op.Name, err)
	}
	if set == nil {
		return nil
	}
	var vs []rules.Violation
	if data, ok := decoded.(map[string]any); ok {
		vs = set.Check(data)
	} else if vs, err = set.CheckEncoded(req, plaintext); err != nil {
		return &ValidationError{Field: "Data", Rule: "type", Reason: "Data, the request's inner JSON, is not a JSON object"}
	}
	if len(vs) == 0 {
		return nil
	}
	return ruleError(vs[0])
}

// ruleError is the *ValidationError of a broken business rule: its first
// field, the rule's message with its fields (and, for a rule that could not
// be evaluated, why), its fields and quote.
func ruleError(v rules.Violation) *ValidationError {
	field := "Data"
	if len(v.Fields) > 0 {
		field = v.Fields[0]
	}
	return &ValidationError{Field: field, Rule: rules.Extension, Reason: v.String(), Fields: v.Fields, Quote: v.Quote}
}

// pageRules returns op's rules (registry.Operation.Rules), nil when the
// page has none, so that a request of such a page is not decoded for them.
func pageRules(op *registry.Operation) func() (*rules.Set, error) {
	return sync.OnceValues(func() (*rules.Set, error) {
		set, err := op.Rules()
		if err != nil || len(set.Rules()) == 0 {
			return nil, err
		}
		return set, nil
	})
}

// toValidationError turns kin-openapi's error into a *ValidationError naming
// the field and the rule, its Reason a sentence in plain English (see
// violation.Violation.Sentence). The value itself is left out: it may be the
// plaintext of the encrypted Data.
func toValidationError(field string, err error) error {
	if err == nil {
		return nil
	}
	v := violation.First(err)
	if p := strings.TrimPrefix(v.Pointer, "/"); p != "" {
		field = p
	}
	if field == "" {
		field = "Data"
	}
	rule := v.Rule
	if rule == "" {
		rule = "schema"
	}
	return &ValidationError{Field: field, Rule: rule, Reason: v.Sentence(field)}
}
