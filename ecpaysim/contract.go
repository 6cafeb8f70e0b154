package ecpaysim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/generated"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Names of the component schemas that describe the plaintext inside the
// envelopes' Data strings, as ECPay's spec names them.
const (
	requestDataSchema  = "requestBody.Data"
	responseDataSchema = "responses.Data"
)

// contract is the embedded spec made ready for validation: loaded, routed and
// looked up once per Server, then only read, so it is safe for concurrent use.
type contract struct {
	router       routers.Router
	requestData  *openapi3.Schema
	responseData *openapi3.Schema
	options      *openapi3filter.Options
}

// loadContract loads the overlaid spec embedded in package generated and
// builds a router over it. The spec lists ECPay's https servers, which a local
// server never matches, so the router is built with the servers cleared and
// matches on the path alone; GetSpec returns a new document on every call, so
// the change is local to this Server.
func loadContract() (*contract, error) {
	doc, err := generated.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: loading the embedded spec: %w", err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: routing the embedded spec: %w", err)
	}
	c := &contract{
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
	for name, dst := range map[string]**openapi3.Schema{
		requestDataSchema:  &c.requestData,
		responseDataSchema: &c.responseData,
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("ecpaysim: the embedded spec has no component schema %q", name)
		}
		*dst = ref.Value
	}
	return c, nil
}

// checkRequest validates r, whose body has been read into memory, against
// the operation the router finds for it. It returns the validation input,
// which checkResponse needs, and a nil error for a valid request.
func (c *contract) checkRequest(ctx context.Context, r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		return nil, err
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    c.options,
	}
	return input, openapi3filter.ValidateRequest(ctx, input)
}

// checkResponse validates an answer to the request described by input.
func (c *contract) checkResponse(ctx context.Context, input *openapi3filter.RequestValidationInput, a *answer) error {
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 a.status,
		Header:                 a.header,
		Body:                   io.NopCloser(bytes.NewReader(a.body.Bytes())),
		Options:                c.options,
	})
}

// checkData validates JSON text against one of the inner Data schemas with
// JSON Schema 2020-12 semantics, as the OpenAPI 3.1 document requires.
func checkData(schema *openapi3.Schema, plaintext []byte) error {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return errNotJSON
	}
	return schema.VisitJSON(value, openapi3.EnableJSONSchema2020())
}

var errNotJSON = errors.New("it is not JSON")

// detail turns a validation error into a short, single-line message that fits
// after prefix within the 200 characters the spec allows a TransMsg: the
// failing location and rule, e.g. "at '/Tsr': maxLength: got 31, want 30",
// without the schema and value kin-openapi appends. The simulator never
// validates anything that holds key material.
func detail(prefix string, err error) string {
	if reqErr, ok := errors.AsType[*openapi3filter.RequestError](err); ok && reqErr.Err != nil {
		err = reqErr.Err
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	msg, _, _ = strings.Cut(msg, " Schema:")
	msg = strings.TrimPrefix(msg, "validation failed due to: ")
	if strings.HasPrefix(msg, `error at "`) {
		if _, rest, ok := strings.Cut(msg, `": `); ok {
			msg = rest
		}
	}
	return truncate(prefix+msg, maxMessageRunes)
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
