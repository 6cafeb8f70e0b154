package ecpayop

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/rules"
)

// Model is an operation compiled once from its embedded page: the facts the
// client, the simulator, the contract checker and the CLI read of it, so
// that none of them digs them out of Spec again. Its schemas are the page's
// and shared by every reader: read them, never change them (Spec gives a
// copy to change).
type Model struct {
	// Op is the operation.
	Op *Operation
	// RequestEnvelope and ResponseEnvelope are the schemas of the request's
	// and the answer's JSON body (MerchantID, RqHeader, Data, …; TransCode,
	// TransMsg, …).
	RequestEnvelope, ResponseEnvelope *openapi3.Schema
	// RequestData and ResponseData are the schemas of the plaintext inside
	// the request's and the answer's Data (Op.RequestDataSchema and
	// Op.ResponseDataSchema).
	RequestData, ResponseData *openapi3.Schema
	// Members are the JSON names of Op.RequestType's fields, sorted.
	Members []string
	// Required are the members RequestData requires, as the page lists
	// them.
	Required []string
	// Defaults are the values the page gives members of RequestData left
	// empty (RequestDefaults), by name.
	Defaults []Default

	requestFields, responseFields map[string]reflect.StructField
}

// Model returns the operation's Model, compiled at the first call from the
// embedded page (Spec) and shared by every later call. The generator checks
// every page, so the error means a binary built from pages that were not
// regenerated; an Operation not of the registry has no page and gets an
// error too.
func (op *Operation) Model() (*Model, error) {
	if op.model == nil {
		return nil, fmt.Errorf("%s is not an operation of the registry: it has no embedded page to compile", op.Name)
	}
	return op.model()
}

// Compile returns the Model of op read from doc, a page document of op (its
// embedded one, or another such as a frozen copy, which the contract checker
// reads this way); Model calls it once per operation. The Model's schemas
// are doc's.
func Compile(op *Operation, doc *openapi3.T) (*Model, error) {
	m := &Model{
		Op:             op,
		requestFields:  jsonFields(op.RequestType),
		responseFields: jsonFields(op.ResponseType),
	}
	for name, dst := range map[string]**openapi3.Schema{
		op.RequestDataSchema:  &m.RequestData,
		op.ResponseDataSchema: &m.ResponseData,
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("the page has no component schema %q", name)
		}
		*dst = ref.Value
	}
	if item := doc.Paths.Find(op.Path); item != nil && item.Post != nil {
		if rb := item.Post.RequestBody; rb != nil && rb.Value != nil {
			m.RequestEnvelope = jsonSchema(rb.Value.Content)
		}
		if r := item.Post.Responses.Status(200); r != nil && r.Value != nil {
			m.ResponseEnvelope = jsonSchema(r.Value.Content)
		}
	}
	if m.RequestEnvelope == nil || m.ResponseEnvelope == nil {
		return nil, fmt.Errorf("the page has no application/json schema of POST %s's request body or 200 answer", op.Path)
	}
	for name := range m.requestFields {
		m.Members = append(m.Members, name)
	}
	slices.Sort(m.Members)
	m.Required = m.RequestData.Required
	m.Defaults = RequestDefaults(m.RequestData)
	return m, nil
}

// jsonSchema is the schema of content's application/json, nil without one.
func jsonSchema(content openapi3.Content) *openapi3.Schema {
	if mt := content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// jsonFields indexes the fields of the struct type t by JSON name.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	if t == nil {
		return out
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for f := range t.Fields() {
		if name, ok := JSONName(f); ok {
			out[name] = f
		}
	}
	return out
}

// RequestField returns the field of Op.RequestType whose JSON name is name.
func (m *Model) RequestField(name string) (reflect.StructField, bool) {
	f, ok := m.requestFields[name]
	return f, ok
}

// ResponseField returns the field of Op.ResponseType whose JSON name is name.
func (m *Model) ResponseField(name string) (reflect.StructField, bool) {
	f, ok := m.responseFields[name]
	return f, ok
}

// Rules returns the operation's business rules (Operation.Rules).
func (m *Model) Rules() (*rules.Set, error) { return m.Op.Rules() }

// Successes returns the operation's success codes.
func (m *Model) Successes() []Code { return Successes(m.Op.Codes) }

// Refusals returns the operation's refusal codes.
func (m *Model) Refusals() []int { return Refusals(m.Op.Codes) }

// MaxLength returns the maxLength the schema s gives its member name; ok is
// false when s has no such member or the member no maxLength.
func MaxLength(s *openapi3.Schema, name string) (n int, ok bool) {
	if s == nil {
		return 0, false
	}
	p := s.Properties[name]
	if p == nil || p.Value == nil || p.Value.MaxLength == nil {
		return 0, false
	}
	return int(*p.Value.MaxLength), true
}
