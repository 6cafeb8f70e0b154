package violation_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/violation"
)

func schema(t *testing.T) *openapi3.Schema {
	t.Helper()
	ten := uint64(10)
	return &openapi3.Schema{
		Type:     &openapi3.Types{openapi3.TypeObject},
		Required: []string{"Tsr"},
		Properties: openapi3.Schemas{
			"Tsr":        &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MaxLength: &ten}},
			"MerchantID": &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MaxLength: &ten}},
			"a/b~c":      &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeInteger}}},
		},
	}
}

func TestList(t *testing.T) {
	s := schema(t)
	secret := "SECRET-VALUE-123"
	tests := map[string]struct {
		value any
		opts  []openapi3.SchemaValidationOption
		want  []string // String() of each violation, in order
	}{
		"valid":                {value: map[string]any{"Tsr": "T1"}},
		"too long":             {value: map[string]any{"Tsr": secret}, want: []string{"at /Tsr: maxLength: maximum string length is 10"}},
		"missing":              {value: map[string]any{}, want: []string{"at /Tsr: required: property \"Tsr\" is missing"}},
		"every one, sorted":    {value: map[string]any{"Tsr": secret, "MerchantID": secret}, opts: []openapi3.SchemaValidationOption{openapi3.MultiErrors()}, want: []string{"at /MerchantID: maxLength: maximum string length is 10", "at /Tsr: maxLength: maximum string length is 10"}},
		"pointer escaped":      {value: map[string]any{"Tsr": "T", "a/b~c": "x"}, want: []string{"at /a~1b~0c: type: value must be an integer"}},
		"not an object at all": {value: "T1", want: []string{"type: value must be an object"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := s.VisitJSON(tc.value, tc.opts...)
			got := violation.List(err)
			if len(got) != len(tc.want) {
				t.Fatalf("List = %v, want %d violations %v", got, len(tc.want), tc.want)
			}
			for i, v := range got {
				if v.String() != tc.want[i] {
					t.Errorf("violation %d = %q, want %q", i, v.String(), tc.want[i])
				}
				if strings.Contains(v.String(), secret) {
					t.Errorf("violation %d quotes the value: %q", i, v.String())
				}
			}
		})
	}
}

func TestListOpensWrappersDownToSchemaErrors(t *testing.T) {
	s := schema(t)
	inner := s.VisitJSON(map[string]any{"Tsr": "12345678901"})
	for name, err := range map[string]error{
		"fmt wrap":       fmt.Errorf("request body: %w", inner),
		"joined":         errors.Join(errors.New("other"), inner),
		"wrap of a wrap": fmt.Errorf("a: %w", fmt.Errorf("b: %w", inner)),
	} {
		t.Run(name, func(t *testing.T) {
			vs := violation.List(err)
			if len(vs) == 0 || vs[len(vs)-1].Pointer != "/Tsr" && vs[0].Pointer != "/Tsr" {
				t.Errorf("List(%v) = %v, want the /Tsr violation", err, vs)
			}
		})
	}
	// An error with no schema error keeps its message, on one line, without
	// what follows "Schema:" or "Value:".
	vs := violation.List(errors.New("bad\nthing Schema: {...} Value: \"x\""))
	if len(vs) != 1 || vs[0].Reason != "bad thing" || vs[0].Pointer != "" {
		t.Errorf("plain error: %+v", vs)
	}
	if violation.List(nil) != nil || violation.First(nil) != (violation.Violation{}) {
		t.Error("nil must give no violation")
	}
}

// ruleBroken is an Error, as package contract's RuleError is.
type ruleBroken struct{ v violation.Violation }

func (e ruleBroken) Error() string                  { return "a rule: " + e.v.Reason }
func (e ruleBroken) Violation() violation.Violation { return e.v }

// An Error is listed as its own violation, wrapped, joined or beside
// schema errors.
func TestListErrors(t *testing.T) {
	a := ruleBroken{violation.Violation{Pointer: "/SalesAmount", Rule: "x-ecpay-validations", Reason: "SalesAmount is not the sum"}}
	b := ruleBroken{violation.Violation{Pointer: "/Donation", Rule: "x-ecpay-validations", Reason: "Donation needs a LoveCode"}}
	schemaErr := schema(t).VisitJSON(map[string]any{})
	for name, tc := range map[string]struct {
		err  error
		want []violation.Violation
	}{
		"alone":               {err: a, want: []violation.Violation{a.v}},
		"wrapped":             {err: fmt.Errorf("contract: %w", a), want: []violation.Violation{a.v}},
		"joined, sorted":      {err: errors.Join(a, b), want: []violation.Violation{b.v, a.v}},
		"with a schema error": {err: errors.Join(a, schemaErr), want: []violation.Violation{a.v, violation.First(schemaErr)}},
	} {
		t.Run(name, func(t *testing.T) {
			got := violation.List(tc.err)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("List = %v, want %v", got, tc.want)
			}
		})
	}
}
