// Package spec checks ECPay's pages and compares versions of a page. It
// backs the Makefile's spec targets through internal/cmd/spectool:
//
//	make validate-spec         ValidateDir("openapi"): every page alone, then with its overlays
//	make spec-diff NEW=path    ComparePage("openapi", path): NEW against the committed page
//
// The overlays are applied by package internal/pages, as the generator
// applies them; this package adds the checks of the vendor document alone
// (Load) and the comparison of two versions with oasdiff (Diff), including
// changes inside the encrypted Data schemas that a plain diff cannot see and
// any change of the servers.
package spec

import (
	"context"
	"errors"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/pages"
)

// Load reads the vendor document at path alone, without overlays
// (pages.LoadVendor), validates it with kin-openapi and checks that every
// "required" entry names a declared property (pages.CheckRequired). The
// error names the file and, through kin-openapi's message, the location of
// the first problem; one line per undeclared required name.
func Load(ctx context.Context, path string) (*openapi3.T, error) {
	doc, err := pages.LoadVendor(path)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("page %s is invalid: %w", path, err)
	}
	if err := pages.CheckRequired(doc); err != nil {
		var errs []error
		for _, e := range split(err) {
			errs = append(errs, fmt.Errorf("page %s: %w", path, e))
		}
		return nil, errors.Join(errs...)
	}
	return doc, nil
}

// split returns the errors joined in err (errors.Join), or err alone.
func split(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, split(e)...)
		}
		return out
	}
	return []error{err}
}

// InnerView rewrites doc in place so that each JSON request or response
// schema's string property Data refers to the inner schema it carries
// (pages.RequestDataSchema for request bodies, pages.ResponseDataSchema for
// responses). On the wire Data is an encrypted string, so the inner schemas
// are referenced by nothing and diff tools ignore them; in this view a
// change inside them is a change to the operation, which oasdiff then
// reports. It returns an error when doc has a Data property but not the
// inner schema.
func InnerView(doc *openapi3.T) error {
	if doc.Paths == nil {
		return errors.New("the document has no paths")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if err := refData(doc, op.RequestBody.Value.Content, pages.RequestDataSchema); err != nil {
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
				if err := refData(doc, resp.Value.Content, pages.ResponseDataSchema); err != nil {
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
