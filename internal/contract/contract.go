// Package contract checks both sides of a CancelDelayIssue exchange against
// the spec embedded in package generated (ECPay's spec with our overlay):
// the request and response envelopes with kin-openapi's openapi3filter, and
// the decrypted inner Data against requestBody.Data and responses.Data. The
// tests of the client, the simulator and the CLI use it so that every
// exchange they make is a contract check, not a hand-written assertion.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ecpay-go/einvoice/generated"
)

// Checker validates exchanges. It is safe for concurrent use.
type Checker struct {
	router       routers.Router
	requestData  *openapi3.Schema
	responseData *openapi3.Schema
}

// New builds a Checker from the embedded spec. The spec's servers are
// ECPay's hosts; they are dropped so that requests to any host (a local
// simulator, an httptest server) are routed by path alone.
var New = sync.OnceValues(func() (*Checker, error) {
	doc, err := generated.GetSpec()
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	c := &Checker{router: router}
	for name, dst := range map[string]**openapi3.Schema{
		"requestBody.Data": &c.requestData,
		"responses.Data":   &c.responseData,
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("contract: the embedded spec has no components.schemas[%q]", name)
		}
		*dst = ref.Value
	}
	return c, nil
})

var options = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// Request validates r, an incoming or outgoing request envelope, against
// the spec. r's body is read and put back.
func (c *Checker) Request(ctx context.Context, r *http.Request) error {
	input, err := c.requestInput(r)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(ctx, input)
}

func (c *Checker) requestInput(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: %w", r.Method, r.URL.Path, err)
	}
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options}, nil
}

// Response validates an answer (status, header, body) to request r against
// the spec; an undeclared status is a violation.
func (c *Checker) Response(ctx context.Context, r *http.Request, status int, header http.Header, body []byte) error {
	in, err := c.requestInput(r)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                options,
	}
	return openapi3filter.ValidateResponse(ctx, out.SetBodyBytes(body))
}

// RequestData validates the decrypted plaintext of a request's Data.
func (c *Checker) RequestData(plaintext []byte) error {
	return visit(c.requestData, "request Data", plaintext)
}

// ResponseData validates the decrypted plaintext of a response's Data
// strictly: ECPay's documented "RtnCode": "1" fails here, by design.
func (c *Checker) ResponseData(plaintext []byte) error {
	return visit(c.responseData, "response Data", plaintext)
}

func visit(schema *openapi3.Schema, what string, plaintext []byte) error {
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		return fmt.Errorf("contract: %s is not JSON: %w", what, err)
	}
	if err := schema.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("contract: %s: %w", what, err)
	}
	return nil
}
