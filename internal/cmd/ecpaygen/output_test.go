package main

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	shared "github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// These tests check what every page's generated package embeds and what the
// types generated from it are, against facts of the overlays and the
// generator, never against the vendor pages in openapi/: a legitimate vendor
// update (a new optional field, a lower maxLength) must not break them.
// make check-generated checks that the generated files are openapi/'s.

// jsonFields returns the JSON names of t's fields with whether each is a
// pointer (optional).
func jsonFields(t reflect.Type) map[string]bool {
	fields := map[string]bool{}
	for f := range t.Fields() {
		name, _ := registry.JSONName(f) // a field without a name still counts
		fields[name] = f.Type.Kind() == reflect.Pointer
	}
	return fields
}

// checkSchemaMatchesType checks that schema s and the Go type t generated
// from it have the same properties, the required ones plain values, the
// others pointers, and that every required string must be non-empty.
func checkSchemaMatchesType(t *testing.T, where string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	fields := jsonFields(typ)
	for name, prop := range s.Properties {
		optional, ok := fields[name]
		required := slices.Contains(s.Required, name)
		switch {
		case !ok:
			t.Errorf("%s: property %s has no field in %s", where, name, typ)
		case optional == required:
			t.Errorf("%s: property %s: required %v, but its field in %s is a pointer: %v", where, name, required, typ, optional)
		}
		if required && prop.Value.Type.Is(openapi3.TypeString) && prop.Value.MinLength < 1 {
			t.Errorf("%s: required string %s may be empty (minLength %d)", where, name, prop.Value.MinLength)
		}
	}
	for _, name := range s.Required {
		if s.Properties[name] == nil {
			t.Errorf("%s: required names %s, which is no property", where, name)
		}
	}
	if len(fields) != len(s.Properties) {
		t.Errorf("%s: %d properties, %s has %d fields", where, len(s.Properties), typ, len(fields))
	}
}

// The embedded spec of every page must be the overlaid one: run-time
// validation relies on the corrections, and needs no file on disk.
func TestEmbeddedSpecsAreOverlaid(t *testing.T) {
	ops := registry.All()
	if len(ops) == 0 {
		t.Fatal("the registry is empty")
	}
	for _, op := range ops {
		t.Run(op.Name, func(t *testing.T) {
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Fatalf("embedded spec is invalid: %v", err)
			}
			if got := doc.Paths.InMatchingOrder(); !slices.Equal(got, []string{op.Path}) {
				t.Fatalf("paths %v, want %s only", got, op.Path)
			}
			post := doc.Paths.Find(op.Path).Post
			if post == nil || post.OperationID != op.Name || !strings.HasSuffix(op.Path, "/"+op.Name) {
				t.Fatalf("operation %s at %s: operationId is not the path's last segment", op.Name, op.Path)
			}

			req := post.RequestBody.Value.Content.Get("application/json").Schema.Value
			if req.Extensions["x-go-type"] != "generated.RequestEnvelope" {
				t.Errorf("request envelope x-go-type = %v, want the shared generated.RequestEnvelope", req.Extensions["x-go-type"])
			}
			if req.Properties["PlatformID"] == nil || req.Properties["PlatformID"].Value.MaxLength == nil || *req.Properties["PlatformID"].Value.MaxLength != 10 {
				t.Error("request envelope lacks the shared overlay's PlatformID String(10)")
			}
			if req.Properties["RqHeader"].Value.Properties["Revision"] == nil {
				t.Error("RqHeader lacks Revision")
			}
			if w := req.Properties["RqHeader"].Value.Properties["Timestamp"].Value.Extensions["x-ecpay-window-seconds"]; w == nil {
				t.Error("RqHeader.Timestamp lacks x-ecpay-window-seconds")
			}
			resp := post.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
			if resp.Extensions["x-go-type"] != "generated.ResponseEnvelope" {
				t.Errorf("answer envelope x-go-type = %v, want the shared generated.ResponseEnvelope", resp.Extensions["x-go-type"])
			}

			for _, inner := range []struct {
				schema, goName string
				typ            reflect.Type
			}{{op.RequestDataSchema, "RequestData", op.RequestType}, {op.ResponseDataSchema, "ResponseData", op.ResponseType}} {
				ref := doc.Components.Schemas[inner.schema]
				if ref == nil {
					t.Errorf("the embedded spec lost %s", inner.schema)
					continue
				}
				if ref.Value.Extensions["x-go-name"] != inner.goName || inner.typ.Name() != inner.goName {
					t.Errorf("%s is generated as %s (x-go-name %v), want %s", inner.schema, inner.typ, ref.Value.Extensions["x-go-name"], inner.goName)
				}
				checkSchemaMatchesType(t, inner.schema, ref.Value, inner.typ)
			}
			rtn := doc.Components.Schemas[op.ResponseDataSchema].Value.Properties["RtnCode"]
			if rtn == nil || rtn.Value.Extensions["x-go-type"] != "lenient.Int" {
				t.Error("responses.Data.RtnCode is not mapped to lenient.Int")
			}

			var listed []struct {
				Code int `json:"code"`
			}
			raw, _ := json.Marshal(post.Extensions["x-ecpay-rtn-codes"])
			if err := json.Unmarshal(raw, &listed); err != nil {
				t.Fatalf("x-ecpay-rtn-codes: %v", err)
			}
			for _, c := range listed {
				if _, ok := op.Code(c.Code); !ok {
					t.Errorf("the embedded spec lists RtnCode %d, the registry does not", c.Code)
				}
			}
		})
	}
}

// The required lists the pages' own overlays set (ECPay's 必填).
func TestRequiredInnerFieldsAreTheOverlays(t *testing.T) {
	for op, want := range map[*registry.Operation][]string{
		registry.CancelDelayIssue: {"MerchantID", "Tsr"},
		registry.TriggerIssue:     {"MerchantID", "Tsr", "PayType"},
	} {
		doc, err := op.Spec()
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.Components.Schemas[op.RequestDataSchema].Value.Required; !slices.Equal(got, want) {
			t.Errorf("%s: %s required %v, want %v", op.Name, op.RequestDataSchema, got, want)
		}
	}
}

// Stage and production are named by host, not by their position in a
// page's servers (issue 10 item 5).
func TestServerURLsAreTheHostsByName(t *testing.T) {
	for name, tc := range map[string]struct{ url, host string }{
		"ServerURLStage":      {shared.ServerURLStage, "einvoice-stage.ecpay.com.tw"},
		"ServerURLProduction": {shared.ServerURLProduction, "einvoice.ecpay.com.tw"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil || u.Scheme != "https" || u.Host != tc.host || (u.Path != "" && u.Path != "/") {
			t.Errorf("%s = %q, want https://%s", name, tc.url, tc.host)
		}
		for _, op := range registry.All() {
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(doc.Servers, func(s *openapi3.Server) bool { return s.URL == tc.url })
			if i < 0 || doc.Servers[i].Extensions["x-go-name"] != name {
				t.Errorf("%s: the page does not name its server %s %s", op.Name, tc.url, name)
			}
		}
	}
}
