package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// salesAmounts returns the paths of the SalesAmount members of s, a
// request's Data schema, nested objects included (VoidWithReIssue's
// IssueModel).
func salesAmounts(s *openapi3.Schema, at []string) [][]string {
	var out [][]string
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		path := append(slices.Clip(at), name)
		if name == "SalesAmount" {
			out = append(out, path)
		}
		out = append(out, salesAmounts(s.Properties[name].Value, path)...)
	}
	return out
}

// SalesAmount is an integer on ECPay's pages and in our schemas, yet ECPay's
// own SDK sends it as 32.0 (a PHP float), which JSON Schema counts as an
// integer: the request type decodes it, and the schema passes it and
// refuses 32.5, while a quoted "32" stays refused, as a request must be
// strict.
func TestSalesAmountTakesTheSDKsIntegralFloat(t *testing.T) {
	found := false
	for _, op := range registry.All() {
		doc, err := op.Spec()
		if err != nil {
			t.Fatal(err)
		}
		data := doc.Components.Schemas[op.RequestDataSchema].Value
		for _, path := range salesAmounts(data, nil) {
			found = true
			t.Run(op.Name+"/"+strings.Join(path, "."), func(t *testing.T) {
				schema := data
				for _, name := range path {
					schema = schema.Properties[name].Value
				}
				if !schema.Type.Is(openapi3.TypeInteger) {
					t.Errorf("the schema says %v, want integer as the page says", schema.Type)
				}
				if err := schema.VisitJSON(32.0); err != nil {
					t.Errorf("the schema refuses 32.0: %v", err)
				}
				if err := schema.VisitJSON(32.5); err == nil {
					t.Error("the schema passes 32.5")
				}
				wrap := func(v string) string {
					for i := len(path) - 1; i >= 0; i-- {
						v = `{"` + path[i] + `":` + v + `}`
					}
					return v
				}
				req := reflect.New(op.RequestType)
				if err := json.Unmarshal([]byte(wrap(`32.0`)), req.Interface()); err != nil {
					t.Errorf("the request type refuses 32.0: %v", err)
				}
				if err := json.Unmarshal([]byte(wrap(`"32"`)), reflect.New(op.RequestType).Interface()); err == nil {
					t.Error(`the request type decodes "32"`)
				}
			})
		}
	}
	if !found {
		t.Skip("no page's request has a SalesAmount")
	}
}

// ECPay's PHP SDK examples (testdata/sdk-examples/<Operation>.json, the
// request Data ECPay itself sends) decode into the request types and pass
// the request schemas, SalesAmount 32.0 and all: a page that refuses one of
// them is wrong.
func TestSDKExamplesDecodeAndPassTheSchemas(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "sdk-examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no SDK example: %v", err)
	}
	for _, file := range files {
		op := registry.Lookup(strings.TrimSuffix(filepath.Base(file), ".json"))
		if op == nil {
			continue // an example of a page not generated
		}
		t.Run(op.Name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, reflect.New(op.RequestType).Interface()); err != nil {
				t.Errorf("the request type refuses the SDK's example: %v", err)
			}
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			var value any
			if err := json.Unmarshal(raw, &value); err != nil {
				t.Fatal(err)
			}
			if err := doc.Components.Schemas[op.RequestDataSchema].Value.VisitJSON(value); err != nil {
				t.Errorf("the schema refuses the SDK's example: %v", err)
			}
		})
	}
}
