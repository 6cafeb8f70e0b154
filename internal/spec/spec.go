// Package spec loads ECPay's vendor OpenAPI document, applies this project's
// overlay the way the generator does, validates both with kin-openapi, and
// reports breaking changes between two vendor versions with oasdiff,
// including changes inside the encrypted Data schemas that a plain diff
// cannot see. It backs `make validate-spec` and `make spec-diff` through
// internal/cmd/spectool.
package spec

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
)

// Inner schema names ECPay uses on its e-invoice pages for the plaintext
// carried, encrypted, in the envelopes' Data string.
const (
	RequestDataSchema  = "requestBody.Data"
	ResponseDataSchema = "responses.Data"
)

// Load reads the OpenAPI document at path and validates it with kin-openapi.
// The error names the file and, through kin-openapi's message, the location
// of the first problem.
func Load(ctx context.Context, path string) (*openapi3.T, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec %s does not load: %w", path, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec %s is invalid: %w", path, err)
	}
	return doc, nil
}

// LoadOverlaid reads the document at specPath, applies the OpenAPI Overlay at
// overlayPath strictly (an action whose target matches nothing is an error),
// exactly as oapi-codegen does during `go generate`, and validates the result.
func LoadOverlaid(ctx context.Context, specPath, overlayPath string) (*openapi3.T, error) {
	for _, p := range []string{specPath, overlayPath} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("spec %s: %w", p, err)
		}
	}
	doc, err := util.LoadSwaggerWithOverlay(specPath, util.LoadSwaggerWithOverlayOpts{
		Path:                overlayPath,
		Strict:              true,
		AllowRemoteRefsFrom: []string{},
	})
	if err != nil {
		return nil, fmt.Errorf("overlay %s on spec %s: %w", overlayPath, specPath, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec %s with overlay %s is invalid: %w", specPath, overlayPath, err)
	}
	return doc, nil
}

// InnerView rewrites doc in place so that each JSON request or response
// schema's string property Data refers to the inner schema it carries
// (RequestDataSchema for request bodies, ResponseDataSchema for responses).
// On the wire Data is an encrypted string, so the inner schemas are
// referenced by nothing and diff tools ignore them; in this view a change
// inside them is a change to the operation, which oasdiff then reports.
// It returns an error when doc has a Data property but not the inner schema.
func InnerView(doc *openapi3.T) error {
	if doc.Paths == nil {
		return errors.New("spec has no paths")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if err := refData(doc, op.RequestBody.Value.Content, RequestDataSchema); err != nil {
					return fmt.Errorf("%s %s request: %w", method, path, err)
				}
			}
			if op.Responses == nil {
				continue
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				if err := refData(doc, resp.Value.Content, ResponseDataSchema); err != nil {
					return fmt.Errorf("%s %s response %s: %w", method, path, status, err)
				}
			}
		}
	}
	return nil
}

func refData(doc *openapi3.T, content openapi3.Content, inner string) error {
	mt := content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	data := mt.Schema.Value.Properties["Data"]
	if data == nil || data.Value == nil || !data.Value.Type.Is(openapi3.TypeString) {
		return nil
	}
	target := doc.Components.Schemas[inner]
	if target == nil {
		return fmt.Errorf("property Data is encrypted but components.schemas[%q] is missing", inner)
	}
	// A copy of the envelope schema, so a schema shared by two operations is
	// not rewritten twice and the loaded document's other views stay intact.
	envelope := *mt.Schema.Value
	envelope.Properties = make(openapi3.Schemas, len(mt.Schema.Value.Properties))
	for name, prop := range mt.Schema.Value.Properties {
		envelope.Properties[name] = prop
	}
	envelope.Properties["Data"] = openapi3.NewSchemaRef("#/components/schemas/"+inner, target.Value)
	mt.Schema = openapi3.NewSchemaRef("", &envelope)
	return nil
}
