package wrapper

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// BenchmarkValidate measures the client-side check of one inner request
// against requestBody.Data, as CancelDelayIssue runs it before sending.
func BenchmarkValidate(b *testing.B) {
	s, err := loadSchemas()
	if err != nil {
		b.Fatal(err)
	}
	req := CancelDelayIssueRequest{MerchantID: "2000132", Tsr: "201909170001"}
	plaintext := []byte(`{"MerchantID":"2000132","Tsr":"201909170001"}`)
	b.Run("impl=plan", func(b *testing.B) {
		if !s.plan.usable {
			b.Fatal("the plan is not usable for CancelDelayIssueRequest")
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.validateRequest(&req, plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.validateData(plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The compiled plan must judge every request as validating the decoded
// object against the whole schema does.
func TestPlanAgreesWithTheWholeSchema(t *testing.T) {
	s, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if !s.plan.usable {
		t.Fatal("the plan is not usable for CancelDelayIssueRequest")
	}
	tests := map[string]CancelDelayIssueRequest{
		"valid":              {MerchantID: "2000132", Tsr: "201909170001"},
		"30 Chinese":         {MerchantID: "2000132", Tsr: strings.Repeat("單", 30)},
		"31 Chinese":         {MerchantID: "2000132", Tsr: strings.Repeat("單", 31)},
		"empty Tsr":          {MerchantID: "2000132"},
		"empty MerchantID":   {Tsr: "T1"},
		"11-char MerchantID": {MerchantID: "12345678901", Tsr: "T1"},
		"both empty":         {},
		"30 emoji":           {MerchantID: "2000132", Tsr: strings.Repeat("🧾", 30)},
		"31 emoji":           {MerchantID: "2000132", Tsr: strings.Repeat("🧾", 31)},
		"31 invalid bytes":   {MerchantID: "2000132", Tsr: strings.Repeat("\xff", 31)},
		"30 invalid bytes":   {MerchantID: "2000132", Tsr: strings.Repeat("\xff", 30)},
	}
	for name, req := range tests {
		t.Run(name, func(t *testing.T) {
			plaintext, err := json.Marshal(&req)
			if err != nil {
				t.Fatal(err)
			}
			planErr := s.validateRequest(&req, plaintext)
			wholeErr := s.validateData(plaintext)
			if (planErr == nil) != (wholeErr == nil) {
				t.Fatalf("plan says %v, whole schema says %v", planErr, wholeErr)
			}
			if planErr == nil {
				return
			}
			var p, w *ValidationError
			if !errors.As(planErr, &p) || !errors.As(wholeErr, &w) {
				t.Fatalf("not ValidationErrors: %v / %v", planErr, wholeErr)
			}
			// The whole-schema walk may report another failing field first;
			// each must be one the other path also rejects.
			if p.Field == w.Field && p.Rule != w.Rule {
				t.Errorf("plan %s/%s, whole schema %s/%s", p.Field, p.Rule, w.Field, w.Rule)
			}
		})
	}
}

func TestLengthOnlyTakesOnlyLengthRules(t *testing.T) {
	ten := uint64(10)
	tests := map[string]struct {
		schema *openapi3.Schema
		want   bool
	}{
		"min and max":   {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MinLength: 1, MaxLength: &ten}, want: true},
		"no limits":     {schema: openapi3.NewStringSchema(), want: true},
		"with pattern":  {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MaxLength: &ten, Pattern: "^[0-9]+$"}, want: false},
		"with enum":     {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Enum: []any{"a"}}, want: false},
		"with format":   {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: "date"}, want: false},
		"not a string":  {schema: openapi3.NewIntegerSchema(), want: false},
		"string or nil": {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString, openapi3.TypeNull}}, want: false},
	}
	for name, tc := range tests {
		if got := lengthOnly(tc.schema) != nil; got != tc.want {
			t.Errorf("%s: lengthOnly = %v, want %v", name, got, tc.want)
		}
	}
}

func TestPlanFallsBackOnObjectRules(t *testing.T) {
	s, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	strict := *s.data
	no := false
	strict.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	if compileDataPlan(&strict, reflect.TypeFor[CancelDelayIssueRequest]()).usable {
		t.Error("a plan was compiled for a schema with additionalProperties: false")
	}
	extra := *s.data
	extra.Properties = maps.Clone(s.data.Properties)
	extra.Properties["InvoiceNo"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	if compileDataPlan(&extra, reflect.TypeFor[CancelDelayIssueRequest]()).usable {
		t.Error("a plan was compiled for a property the Go type lacks")
	}
}
