package jsonview_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ecpay-go/einvoice/internal/jsonview"
)

func TestTypeNameWithArticle(t *testing.T) {
	tests := []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[string](), "a string"},
		{reflect.TypeFor[[]byte](), "a base64 string"},
		{reflect.TypeFor[json.RawMessage](), "a JSON value"},
		{reflect.TypeFor[any](), "a JSON value"},
		{reflect.TypeFor[int](), "an integer"},
		{reflect.TypeFor[uint8](), "an integer"},
		{reflect.TypeFor[float64](), "a number"},
		{reflect.TypeFor[bool](), "a boolean"},
		{reflect.TypeFor[[]string](), "an array"},
		{reflect.TypeFor[map[string]any](), "an object"},
		{reflect.TypeFor[struct{ A int }](), "an object"},
	}
	for _, tt := range tests {
		if got := jsonview.WithArticle(jsonview.TypeName(tt.t)); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.t, got, tt.want)
		}
	}
}
