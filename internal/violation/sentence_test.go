package violation_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/violation"
)

// Sentence turns kin-openapi's own errors into plain English naming the
// field, the rule and what to do.
func TestSentence(t *testing.T) {
	maxLen := uint64(3)
	one := openapi3.NewStringSchema()
	one.Enum = []any{"2"}
	two := openapi3.NewStringSchema()
	two.Enum = []any{"1", "2"}
	object := openapi3.NewObjectSchema().WithProperty("Tsr", openapi3.NewStringSchema())
	object.Required = []string{"Tsr"}
	closed := openapi3.NewObjectSchema().WithProperty("Tsr", openapi3.NewStringSchema())
	closed.AdditionalProperties = openapi3.AdditionalProperties{Has: new(bool)}
	tests := map[string]struct {
		schema *openapi3.Schema
		value  any
		want   string
	}{
		"maxLength":            {schema: &openapi3.Schema{Type: &openapi3.Types{"string"}, MaxLength: &maxLen}, value: "abcd", want: "X is too long: the page allows at most 3 characters; shorten it"},
		"minLength 1":          {schema: openapi3.NewStringSchema().WithMinLength(1), value: "", want: "X is empty, but the page requires a value; give one"},
		"minLength 2":          {schema: openapi3.NewStringSchema().WithMinLength(2), value: "a", want: "X is too short: the page wants at least 2 characters"},
		"an enum of one":       {schema: one, value: "3", want: `X is not one of the allowed values: "2"; give one of them`},
		"an enum of two":       {schema: two, value: "3", want: `X is not one of the allowed values: "1", "2"; give one of them`},
		"type":                 {schema: openapi3.NewStringSchema(), value: 1.0, want: "X must be a string"},
		"minimum":              {schema: openapi3.NewIntegerSchema().WithMin(1), value: 0.0, want: "X must be at least 1"},
		"pattern":              {schema: openapi3.NewStringSchema().WithPattern("^[0-9]+$"), value: "a", want: `X does not match the page's pattern "^[0-9]+$"`},
		"required":             {schema: object, value: map[string]any{}, want: "Tsr is required (必填) but missing; give it"},
		"additionalProperties": {schema: closed, value: map[string]any{"Amount": 1.0}, want: "Amount is not a member the page declares; leave it out"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.schema.VisitJSON(tc.value)
			if err == nil {
				t.Fatal("the value passed")
			}
			if got := violation.First(err).Sentence("X"); got != tc.want {
				t.Errorf("Sentence = %q, want %q (from %+v)", got, tc.want, violation.First(err))
			}
		})
	}
	for v, want := range map[violation.Violation]string{
		{}:                                   "X does not match the page",
		{Reason: "odd"}:                      "X does not match the page: odd",
		{Rule: "uniqueItems", Reason: "dup"}: "X does not meet the page's uniqueItems rule: dup",
	} {
		if got := v.Sentence("X"); got != want {
			t.Errorf("Sentence of %+v = %q, want %q", v, got, want)
		}
	}
}
