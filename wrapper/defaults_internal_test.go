package wrapper

import (
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

type defaultsRequest struct {
	Kind     string  `json:"Kind"`               // a single allowed value, required
	Note     *string `json:"Note,omitempty"`     // a default, optional
	Count    *int    `json:"Count,omitempty"`    // an integer default, optional
	Fixed    int     `json:"Fixed"`              // an integer default, not a pointer: never filled
	Free     string  `json:"Free"`               // no default
	Mismatch string  `json:"Mismatch,omitempty"` // a default of another kind: not filled
}

// TestFillDefaults: a member the page gives a value (a default, or an
// enum of one) is filled when it is empty or absent, and a value given,
// even one the page refuses, is kept; the caller's pointer is not written
// through.
func TestFillDefaults(t *testing.T) {
	str := func(mod func(s *openapi3.Schema)) *openapi3.SchemaRef {
		s := openapi3.NewStringSchema()
		mod(s)
		return s.NewRef()
	}
	schema := &openapi3.Schema{
		Type:     &openapi3.Types{openapi3.TypeObject},
		Required: []string{"Kind", "Fixed"},
		Properties: openapi3.Schemas{
			"Kind":     str(func(s *openapi3.Schema) { s.Enum = []any{"2"} }),
			"Note":     str(func(s *openapi3.Schema) { s.Default = "n" }),
			"Count":    openapi3.NewIntegerSchema().WithDefault(float64(3)).NewRef(),
			"Fixed":    openapi3.NewIntegerSchema().WithDefault(float64(5)).NewRef(),
			"Free":     str(func(*openapi3.Schema) {}),
			"Mismatch": str(func(s *openapi3.Schema) { s.Default = float64(1) }),
		},
	}
	plan := compileDataPlan(schema, reflect.TypeFor[defaultsRequest]())
	empty, given, three := "", "mine", 7
	n, kind := func(s string) *string { return &s }, "2"
	tests := map[string]struct {
		req, want defaultsRequest
	}{
		"all absent": {
			req:  defaultsRequest{},
			want: defaultsRequest{Kind: kind, Note: n("n"), Count: func() *int { i := 3; return &i }()},
		},
		"empty strings": {
			req:  defaultsRequest{Kind: "", Note: &empty},
			want: defaultsRequest{Kind: kind, Note: n("n"), Count: func() *int { i := 3; return &i }()},
		},
		"values given are kept": {
			req:  defaultsRequest{Kind: "3", Note: &given, Count: &three, Fixed: 0, Free: "f"},
			want: defaultsRequest{Kind: "3", Note: &given, Count: &three, Free: "f"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req := tc.req
			plan.fillDefaults(&req)
			if !reflect.DeepEqual(req, tc.want) {
				t.Errorf("filled %+v\nwant   %+v", show(req), show(tc.want))
			}
			if empty != "" || given != "mine" || three != 7 {
				t.Errorf("the caller's values changed: %q %q %d", empty, given, three)
			}
		})
	}
}

func show(r defaultsRequest) map[string]any {
	m := map[string]any{"Kind": r.Kind, "Fixed": r.Fixed, "Free": r.Free, "Mismatch": r.Mismatch}
	if r.Note != nil {
		m["Note"] = *r.Note
	}
	if r.Count != nil {
		m["Count"] = *r.Count
	}
	return m
}
