package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated"
)

// schemas holds the schemas of the embedded (overlaid) spec that requests
// are checked against before anything is sent. They are loaded once per
// process: the rules come from the spec, not from limits copied into Go.
type schemas struct {
	envelope *openapi3.Schema // the request envelope (MerchantID, PlatformID, …)
	data     *openapi3.Schema // requestBody.Data, the plaintext inside Data
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
	return s, nil
})

// validateData checks the inner request JSON against requestBody.Data.
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
