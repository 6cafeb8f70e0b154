package spec_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/spec"
)

const (
	vendorSpec = "../../openapi/CancelDelayIssue.yaml"
	overlay    = "../../openapi/overlay.yaml"
)

func TestVendorAndOverlaidSpecsValidate(t *testing.T) {
	ctx := context.Background()
	if _, err := spec.Load(ctx, vendorSpec); err != nil {
		t.Fatalf("vendor spec: %v", err)
	}
	doc, err := spec.LoadOverlaid(ctx, vendorSpec, overlay)
	if err != nil {
		t.Fatalf("overlaid spec: %v", err)
	}
	op := doc.Paths.Find("/B2CInvoice/CancelDelayIssue").Post
	if op.OperationID != "CancelDelayIssue" {
		t.Errorf("operationId = %q, want CancelDelayIssue", op.OperationID)
	}
	inner := doc.Components.Schemas[spec.RequestDataSchema].Value
	for _, field := range []string{"MerchantID", "Tsr"} {
		if !slices.Contains(inner.Required, field) {
			t.Errorf("%s: %s is not required", spec.RequestDataSchema, field)
		}
		if inner.Properties[field].Value.MinLength != 1 {
			t.Errorf("%s.%s: minLength = %d, want 1", spec.RequestDataSchema, field, inner.Properties[field].Value.MinLength)
		}
	}
}

// mutate loads the vendor spec as plain YAML, lets edit change it, and
// writes the result to a temporary file whose path it returns.
func mutate(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(vendorSpec)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "candidate.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// node walks doc along keys, failing the test when a key is missing.
func node(t *testing.T, doc map[string]any, keys ...string) map[string]any {
	t.Helper()
	cur := doc
	for _, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			t.Fatalf("vendor spec has no %s", strings.Join(keys, "."))
		}
		cur = next
	}
	return cur
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadRejectsBrokenSpecNamingTheLocation(t *testing.T) {
	tests := map[string]struct {
		path func(t *testing.T) string
		want []string
	}{
		"unknown type in an inner schema": {
			path: func(t *testing.T) string {
				return mutate(t, func(doc map[string]any) {
					node(t, doc, "components", "schemas", spec.RequestDataSchema, "properties", "Tsr")["type"] = "strng"
				})
			},
			want: []string{`schema "requestBody.Data"`, `"strng"`},
		},
		"unknown type in the operation": {
			path: func(t *testing.T) string {
				return mutate(t, func(doc map[string]any) {
					node(t, doc, "paths", "/B2CInvoice/CancelDelayIssue", "post", "requestBody", "content",
						"application/json", "schema", "properties", "MerchantID")["type"] = "strin"
				})
			},
			want: []string{"/B2CInvoice/CancelDelayIssue", "POST", `"strin"`},
		},
		"maxLength that is not a number": {
			path: func(t *testing.T) string {
				return mutate(t, func(doc map[string]any) {
					node(t, doc, "components", "schemas", spec.RequestDataSchema, "properties", "Tsr")["maxLength"] = "thirty"
				})
			},
			want: []string{"requestBody.Data/properties/Tsr/maxLength"},
		},
		"YAML syntax error": {
			path: func(t *testing.T) string {
				return writeFile(t, "broken.yaml", "openapi: 3.1.0\ninfo: {title: x, version: 1}\npaths: [\n")
			},
			want: []string{"line 4"},
		},
		"missing file": {
			path: func(t *testing.T) string { return filepath.Join(t.TempDir(), "absent.yaml") },
			want: []string{"absent.yaml", "no such file"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := tc.path(t)
			_, err := spec.Load(context.Background(), path)
			if err == nil {
				t.Fatal("Load accepted a broken spec")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestLoadOverlaidIsStrict(t *testing.T) {
	stray := writeFile(t, "overlay.yaml", `overlay: 1.0.0
info: {title: stray, version: 1.0.0}
actions:
  - target: $.components.schemas['requestBody.Data'].properties.InvoiceNo
    description: a target that does not exist
    update: {minLength: 1}
`)
	_, err := spec.LoadOverlaid(context.Background(), vendorSpec, stray)
	if err == nil || !strings.Contains(err.Error(), "did not match any targets") {
		t.Fatalf("a non-matching overlay action must fail, got %v", err)
	}

	// The project's own overlay on a vendor spec that lost a field it corrects.
	noTsr := mutate(t, func(doc map[string]any) {
		delete(node(t, doc, "components", "schemas", spec.RequestDataSchema, "properties"), "Tsr")
	})
	_, err = spec.LoadOverlaid(context.Background(), noTsr, overlay)
	if err == nil || !strings.Contains(err.Error(), "properties.Tsr") {
		t.Fatalf("the overlay must fail on a spec without Tsr, got %v", err)
	}
}

func TestInnerViewReferencesTheDataSchemas(t *testing.T) {
	doc, err := spec.Load(context.Background(), vendorSpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.InnerView(doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Find("/B2CInvoice/CancelDelayIssue").Post
	req := op.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties["Data"]
	if req.Ref != "#/components/schemas/"+spec.RequestDataSchema || req.Value.Properties["Tsr"] == nil {
		t.Errorf("request Data = %q, want a reference to %s", req.Ref, spec.RequestDataSchema)
	}
	resp := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value.Properties["Data"]
	if resp.Ref != "#/components/schemas/"+spec.ResponseDataSchema || resp.Value.Properties["RtnCode"] == nil {
		t.Errorf("response Data = %q, want a reference to %s", resp.Ref, spec.ResponseDataSchema)
	}
}

func TestInnerViewNeedsTheInnerSchema(t *testing.T) {
	doc, err := spec.Load(context.Background(), vendorSpec)
	if err != nil {
		t.Fatal(err)
	}
	delete(doc.Components.Schemas, spec.ResponseDataSchema)
	err = spec.InnerView(doc)
	if err == nil || !strings.Contains(err.Error(), spec.ResponseDataSchema) {
		t.Fatalf("InnerView = %v, want an error naming %s", err, spec.ResponseDataSchema)
	}
}

func TestDiffSeesInsideData(t *testing.T) {
	inner := func(t *testing.T, doc map[string]any, schema string) map[string]any {
		return node(t, doc, "components", "schemas", schema, "properties")
	}
	tests := map[string]struct {
		edit     func(t *testing.T, doc map[string]any)
		breaking bool
		want     []string // substrings of the report
	}{
		"unchanged": {
			edit:     func(*testing.T, map[string]any) {},
			breaking: false,
		},
		"inner Tsr maxLength lowered 30 to 20": {
			edit: func(t *testing.T, doc map[string]any) {
				inner(t, doc, spec.RequestDataSchema)["Tsr"].(map[string]any)["maxLength"] = 20
			},
			breaking: true,
			want:     []string{"request-property-max-length-decreased", "Data/Tsr", "20"},
		},
		"inner Tsr removed": {
			edit: func(t *testing.T, doc map[string]any) {
				delete(inner(t, doc, spec.RequestDataSchema), "Tsr")
			},
			breaking: true,
			want:     []string{"request-property-removed", "Data/Tsr"},
		},
		"inner RtnMsg removed from the response": {
			edit: func(t *testing.T, doc map[string]any) {
				delete(inner(t, doc, spec.ResponseDataSchema), "RtnMsg")
			},
			breaking: true,
			want:     []string{"response-optional-property-removed", "Data/RtnMsg"},
		},
		"optional inner property added to the response": {
			edit: func(t *testing.T, doc map[string]any) {
				inner(t, doc, spec.ResponseDataSchema)["InvoiceNo"] = map[string]any{"type": "string", "maxLength": 10}
			},
			breaking: false,
			want:     []string{"response-optional-property-added", "Data/InvoiceNo"},
		},
		"optional inner property added to the request": {
			edit: func(t *testing.T, doc map[string]any) {
				inner(t, doc, spec.RequestDataSchema)["InvoiceDate"] = map[string]any{"type": "string"}
			},
			breaking: false,
			want:     []string{"new-optional-request-property", "Data/InvoiceDate"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			candidate := mutate(t, func(doc map[string]any) { tc.edit(t, doc) })
			report, err := spec.Diff(context.Background(), vendorSpec, candidate)
			if err != nil {
				t.Fatal(err)
			}
			if got := report.Breaking(); got != tc.breaking {
				t.Errorf("Breaking() = %v, want %v; report:\n%s", got, tc.breaking, report)
			}
			for _, w := range tc.want {
				if !strings.Contains(report.String(), w) {
					t.Errorf("report does not mention %q:\n%s", w, report)
				}
			}
			if len(tc.want) == 0 && len(report.Changes) != 0 {
				t.Errorf("want no changes, got:\n%s", report)
			}
		})
	}
}
