// Package contract checks both sides of a CancelDelayIssue exchange against
// the spec embedded in package generated (ECPay's spec with our overlay):
// the request and response envelopes with kin-openapi's openapi3filter, and
// the decrypted inner Data against the component schemas requestBody.Data
// and responses.Data. The simulator validates every exchange with it, and
// the tests of the client and the CLI check what they send and receive with
// it, so that the contract is checked, not hand-written assertions.
//
// # Which validator
//
// The spec is OpenAPI 3.1, for which openapi3filter switches to kin-openapi's
// JSON Schema 2020-12 engine; kin-openapi v0.153.0 compiles that engine's
// validator anew on every call (170-400 µs each, four per exchange), which
// caps a validating server below 1,000 requests/s on two cores. The spec
// uses no keyword whose meaning differs between OpenAPI 3.0 and 3.1
// (type, required, minLength, maxLength, properties), so the checker routes
// a copy of the document marked 3.0.3, and kin-openapi validates with its
// native validator, which needs no compilation. New refuses a spec that
// uses 3.1-only features, and a test runs a corpus of valid and invalid
// envelopes and Data through both engines and requires the same verdicts.
package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ecpay-go/einvoice/generated"
)

// Names of the component schemas that describe the plaintext inside the
// envelopes' Data strings, as ECPay's spec names them.
const (
	RequestDataSchema  = "requestBody.Data"
	ResponseDataSchema = "responses.Data"
)

// ErrNotJSON is returned by RequestData and ResponseData for plaintext that
// is not JSON.
var ErrNotJSON = errors.New("it is not JSON")

// Checker validates exchanges. It is safe for concurrent use.
type Checker struct {
	router       routers.Router
	requestData  *openapi3.Schema
	responseData *openapi3.Schema
	options      *openapi3filter.Options
	dataOptions  []openapi3.SchemaValidationOption
}

// New returns the Checker of the embedded spec, built once per process.
var New = sync.OnceValues(func() (*Checker, error) {
	doc, err := generated.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("contract: loading the embedded spec: %w", err)
	}
	if err := rejectJSONSchema2020Features(doc); err != nil {
		return nil, err
	}
	doc.OpenAPI = "3.0.3" // see "Which validator" in the package doc
	return newChecker(doc)
})

// newChecker builds a Checker over doc as it is.
func newChecker(doc *openapi3.T) (*Checker, error) {
	// The spec lists ECPay's https hosts, which a local server never
	// matches: route on the path alone. GetSpec returns a new document on
	// every call, so the change stays here.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: routing the embedded spec: %w", err)
	}
	c := &Checker{
		router: router,
		options: &openapi3filter.Options{
			// An answer with a status the spec does not declare is a violation.
			IncludeResponseStatus: true,
			// The envelope has no defaults; never rewrite the body.
			SkipSettingDefaults: true,
			// The spec declares no security schemes.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	if doc.IsOpenAPI31OrLater() {
		c.dataOptions = []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}
	}
	for name, dst := range map[string]**openapi3.Schema{
		RequestDataSchema:  &c.requestData,
		ResponseDataSchema: &c.responseData,
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("contract: the embedded spec has no component schema %q", name)
		}
		*dst = ref.Value
	}
	return c, nil
}

// rejectJSONSchema2020Features fails when a schema of doc uses a keyword
// whose validation differs between OpenAPI 3.0 and 3.1, so that validating
// with the 3.0 engine would be wrong.
func rejectJSONSchema2020Features(doc *openapi3.T) error {
	var found string
	var visit func(where string, s *openapi3.SchemaRef)
	visit = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || found != "" {
			return
		}
		v := s.Value
		switch {
		case len(v.Type.Slice()) > 1:
			found = where + ": a list of types"
		case v.Const != nil:
			found = where + ": const"
		case v.ExclusiveMin.Value != nil || v.ExclusiveMax.Value != nil:
			found = where + ": numeric exclusiveMinimum/exclusiveMaximum"
		case len(v.PrefixItems) > 0 || v.Contains != nil || v.If != nil || v.PatternProperties != nil ||
			v.DependentSchemas != nil || v.UnevaluatedProperties.Has != nil || v.UnevaluatedProperties.Schema != nil ||
			v.UnevaluatedItems.Has != nil || v.UnevaluatedItems.Schema != nil || v.PropertyNames != nil:
			found = where + ": a JSON Schema 2020-12 keyword"
		}
		for name, p := range v.Properties {
			visit(where+"/"+name, p)
		}
		visit(where+"/items", v.Items)
		for _, group := range [][]*openapi3.SchemaRef{v.AllOf, v.AnyOf, v.OneOf} {
			for _, sub := range group {
				visit(where, sub)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		visit("components/schemas/"+name, s)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					visit(method+" "+path+" request "+ct, mt.Schema)
				}
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for ct, mt := range resp.Value.Content {
						visit(method+" "+path+" response "+status+" "+ct, mt.Schema)
					}
				}
			}
		}
	}
	if found != "" {
		return fmt.Errorf("contract: the spec uses a JSON Schema 2020-12 feature (%s); validate with EnableJSONSchema2020 instead of the 3.0 engine", found)
	}
	return nil
}

// AllViolations returns a Checker that reports every violation it finds, as
// kin-openapi's MultiError, instead of stopping at the first: for tools that
// show a captured exchange's every problem at once.
func (c *Checker) AllViolations() *Checker {
	all := *c
	opts := *c.options
	opts.MultiError = true
	all.options = &opts
	all.dataOptions = append(slices.Clone(c.dataOptions), openapi3.MultiErrors())
	return &all
}

// Route finds the operation of r and returns the validation input Response
// needs; Request returns it too.
func (c *Checker) Route(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: %w", r.Method, r.URL.Path, err)
	}
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: c.options}, nil
}

// Request validates r, a request envelope, against the spec. r's body is
// read and put back (openapi3filter restores it). The returned input is for
// Response, even when the request is invalid (but routed).
func (c *Checker) Request(ctx context.Context, r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	input, err := c.Route(r)
	if err != nil {
		return nil, err
	}
	return input, openapi3filter.ValidateRequest(ctx, input)
}

// Response validates an answer (status, header, body) to the request of
// input against the spec; an undeclared status is a violation.
func (c *Checker) Response(ctx context.Context, input *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	if input == nil {
		return errors.New("contract: Response needs the input of Route or Request")
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 status,
		Header:                 header,
		Options:                c.options,
	}
	return openapi3filter.ValidateResponse(ctx, out.SetBodyBytes(body))
}

// RequestData validates the decrypted plaintext of a request's Data against
// requestBody.Data.
func (c *Checker) RequestData(plaintext []byte) error {
	return c.visit(c.requestData, plaintext)
}

// ResponseData validates the decrypted plaintext of a response's Data
// against responses.Data, strictly: ECPay's documented "RtnCode": "1" fails
// here, by design.
func (c *Checker) ResponseData(plaintext []byte) error {
	return c.visit(c.responseData, plaintext)
}

func (c *Checker) visit(schema *openapi3.Schema, plaintext []byte) error {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return ErrNotJSON
	}
	return schema.VisitJSON(value, c.dataOptions...)
}
