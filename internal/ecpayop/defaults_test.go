package ecpayop_test

import (
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/ecpayop"
)

func TestRequestDefaults(t *testing.T) {
	str := func(mod func(s *openapi3.Schema)) *openapi3.SchemaRef {
		s := openapi3.NewStringSchema()
		mod(s)
		return s.NewRef()
	}
	data := &openapi3.Schema{Properties: openapi3.Schemas{
		"Plain":        str(func(*openapi3.Schema) {}),
		"Defaulted":    str(func(s *openapi3.Schema) { s.Default = "d" }),
		"OneValue":     str(func(s *openapi3.Schema) { s.Enum = []any{"2"} }),
		"TwoValues":    str(func(s *openapi3.Schema) { s.Enum = []any{"1", "2"} }),
		"Both":         str(func(s *openapi3.Schema) { s.Default = "b"; s.Enum = []any{"a", "b"} }),
		"Number":       openapi3.NewIntegerSchema().WithDefault(float64(3)).NewRef(),
		"NilReference": {},
	}}
	want := []ecpayop.Default{
		{Name: "Both", Value: "b", Why: "the page's default"},
		{Name: "Defaulted", Value: "d", Why: "the page's default"},
		{Name: "Number", Value: float64(3), Why: "the page's default"},
		{Name: "OneValue", Value: "2", Why: "the only value the page allows"},
	}
	if got := ecpayop.RequestDefaults(data); !reflect.DeepEqual(got, want) {
		t.Errorf("RequestDefaults = %+v\nwant %+v", got, want)
	}
	if got := ecpayop.RequestDefaults(nil); got != nil {
		t.Errorf("RequestDefaults(nil) = %+v", got)
	}
}
