package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// BenchmarkValidate measures the client-side check of one inner request
// against requestBody.Data, as CancelDelayIssue runs it before sending.
func BenchmarkValidate(b *testing.B) {
	ops, err := loadOperations()
	if err != nil {
		b.Fatal(err)
	}
	st := ops[registry.CancelDelayIssue.Index()]
	req := CancelDelayIssueRequest{MerchantID: "2000132", Tsr: "201909170001"}
	plaintext := []byte(`{"MerchantID":"2000132","Tsr":"201909170001"}`)
	b.Run("impl=plan", func(b *testing.B) {
		if !st.plan.usable {
			b.Skip("the committed spec of CancelDelayIssue has rules the plan does not compile")
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := st.plan.validate(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.validateData(plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The plan tests read frozen schemas (testdata/plan) and Go types of their
// own, so that neither a vendor update of openapi/ nor the generated types
// it brings can break them.

// cancelRequest is a Go type generated from testdata/plan/today.yaml.
type cancelRequest struct {
	MerchantID string `json:"MerchantID"`
	Tsr        string `json:"Tsr"`
}

// payTypeRequest is a Go type generated from
// testdata/plan/paytype-added.yaml.
type payTypeRequest struct {
	MerchantID string `json:"MerchantID"`
	PayType    string `json:"PayType"`
	Tsr        string `json:"Tsr"`
}

// optionalPayTypeRequest has PayType as a pointer, as oapi-codegen makes an
// optional field; the plan must still find it absent.
type optionalPayTypeRequest struct {
	MerchantID string  `json:"MerchantID"`
	PayType    *string `json:"PayType,omitempty"`
	Tsr        string  `json:"Tsr"`
}

// tradeNoRequest is a Go type generated from testdata/plan/tsr-renamed.yaml.
type tradeNoRequest struct {
	MerchantID string `json:"MerchantID"`
	TradeNo    string `json:"TradeNo,omitempty"`
}

// fixture returns requestBody.Data of the frozen document testdata/plan/name.
func fixture(t testing.TB, name string) *openapi3.Schema {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("testdata", "plan", name))
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["requestBody.Data"]
	if ref == nil || ref.Value == nil {
		t.Fatalf("%s has no requestBody.Data", name)
	}
	if err := ref.Value.Validate(context.Background()); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ref.Value
}

// The compiled plan must judge every request as validating the decoded
// object against the whole schema does.
func TestPlanAgreesWithTheWholeSchema(t *testing.T) {
	schemas := map[string]struct {
		file string
		typ  reflect.Type
		reqs map[string]any
	}{
		"today": {file: "today.yaml", typ: reflect.TypeFor[cancelRequest](), reqs: map[string]any{
			"valid":              &cancelRequest{MerchantID: "2000132", Tsr: "201909170001"},
			"30 Chinese":         &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("單", 30)},
			"31 Chinese":         &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("單", 31)},
			"empty Tsr":          &cancelRequest{MerchantID: "2000132"},
			"empty MerchantID":   &cancelRequest{Tsr: "T1"},
			"11-char MerchantID": &cancelRequest{MerchantID: "12345678901", Tsr: "T1"},
			"both empty":         &cancelRequest{},
			"30 emoji":           &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("🧾", 30)},
			"31 emoji":           &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("🧾", 31)},
			"31 invalid bytes":   &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("\xff", 31)},
			"30 invalid bytes":   &cancelRequest{MerchantID: "2000132", Tsr: strings.Repeat("\xff", 30)},
		}},
		"PayType added": {file: "paytype-added.yaml", typ: reflect.TypeFor[payTypeRequest](), reqs: map[string]any{
			"valid":         &payTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: "2"},
			"no PayType":    &payTypeRequest{MerchantID: "2000132", Tsr: "T1"},
			"PayType 3":     &payTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: "3"},
			"PayType 22":    &payTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: "22"},
			"only PayType":  &payTypeRequest{PayType: "2"},
			"31-char Tsr":   &payTypeRequest{MerchantID: "2000132", Tsr: strings.Repeat("9", 31), PayType: "2"},
			"all but Tsr":   &payTypeRequest{MerchantID: "2000132", PayType: "2"},
			"Chinese Tsr 1": &payTypeRequest{MerchantID: "2000132", Tsr: "單", PayType: "2"},
		}},
	}
	for name, sc := range schemas {
		schema := fixture(t, sc.file)
		plan := compileDataPlan(schema, sc.typ)
		if !plan.usable {
			t.Fatalf("%s: the plan is not usable", name)
		}
		whole := &opState{data: schema}
		for reqName, req := range sc.reqs {
			t.Run(name+"/"+reqName, func(t *testing.T) {
				plaintext, err := json.Marshal(req)
				if err != nil {
					t.Fatal(err)
				}
				planErr := plan.validate(req)
				_, wholeErr := whole.validateData(plaintext)
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
				// The whole-schema walk may report another failing field
				// first; each must be one the other path also rejects. An
				// empty required string is "required" to the plan, and to the
				// schema whichever of its rules "" breaks first (the
				// generator's minLength 1, an enum).
				if p.Field == w.Field && p.Rule != w.Rule && p.Rule != "required" {
					t.Errorf("plan %s/%s, whole schema %s/%s", p.Field, p.Rule, w.Field, w.Rule)
				}
			})
		}
	}
}

// A required field a spec update adds is refused when left at "" (or nil),
// with no handwritten Go naming it.
func TestPlanRequiresFieldsASpecUpdateAdds(t *testing.T) {
	schema := fixture(t, "paytype-added.yaml")
	tests := map[string]struct {
		typ        reflect.Type
		req        any
		wantReason string // "" when valid
	}{
		"PayType left empty":         {typ: reflect.TypeFor[payTypeRequest](), req: &payTypeRequest{MerchantID: "2000132", Tsr: "T1"}, wantReason: "PayType is required (必填) but missing or empty; give it a value"},
		"PayType nil":                {typ: reflect.TypeFor[optionalPayTypeRequest](), req: &optionalPayTypeRequest{MerchantID: "2000132", Tsr: "T1"}, wantReason: "PayType is required (必填) but missing; give it"},
		"PayType pointing ''":        {typ: reflect.TypeFor[optionalPayTypeRequest](), req: &optionalPayTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: new(string)}, wantReason: "PayType is required (必填) but empty; give it a value"},
		"PayType given":              {typ: reflect.TypeFor[payTypeRequest](), req: &payTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: "2"}},
		"PayType given by a pointer": {typ: reflect.TypeFor[optionalPayTypeRequest](), req: &optionalPayTypeRequest{MerchantID: "2000132", Tsr: "T1", PayType: func() *string { s := "2"; return &s }()}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			plan := compileDataPlan(schema, tc.typ)
			err := plan.validate(tc.req)
			if tc.wantReason == "" {
				if err != nil {
					t.Errorf("validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "PayType" || ve.Rule != "required" || ve.Reason != tc.wantReason {
				t.Errorf("err = %#v, want PayType required: %s", err, tc.wantReason)
			}
		})
	}
}

// Rules the plan cannot check field by field make it fall back on the whole
// schema, and it still refuses a required string left "".
func TestPlanFallsBackOnObjectRules(t *testing.T) {
	tests := map[string]struct {
		file  string
		typ   reflect.Type
		empty any // a request whose required string is empty
		field string
	}{
		"additionalProperties: false":  {file: "closed.yaml", typ: reflect.TypeFor[cancelRequest](), empty: &cancelRequest{MerchantID: "2000132"}, field: "Tsr"},
		"a property the Go type lacks": {file: "invoiceno-added.yaml", typ: reflect.TypeFor[cancelRequest](), empty: &cancelRequest{Tsr: "T1"}, field: "MerchantID"},
		"a required name not declared": {file: "tsr-renamed.yaml", typ: reflect.TypeFor[tradeNoRequest](), empty: &tradeNoRequest{TradeNo: "T1"}, field: "MerchantID"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			schema := fixture(t, tc.file)
			plan := compileDataPlan(schema, tc.typ)
			if plan.usable {
				t.Fatal("a plan was compiled")
			}
			var ve *ValidationError
			if err := plan.validate(tc.empty); !errors.As(err, &ve) || ve.Field != tc.field || ve.Rule != "required" {
				t.Errorf("validate = %v, want %s required", err, tc.field)
			}
		})
	}
	// The whole schema then finds what the plan left: the undeclared
	// required Tsr.
	st := &opState{data: fixture(t, "tsr-renamed.yaml")}
	var ve *ValidationError
	if _, err := st.validateData([]byte(`{"MerchantID":"2000132","TradeNo":"T1"}`)); !errors.As(err, &ve) || ve.Rule != "required" {
		t.Errorf("validateData = %v, want a required violation", err)
	}
}

// The fast rule must judge an enum as kin-openapi does: in it or not.
func TestLengthRuleJudgesAnEnum(t *testing.T) {
	s := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Enum: []any{"2"}}
	r := lengthOnly(s)
	for _, v := range []string{"2", "1", "", "22"} {
		if got, want := r.holds(v), s.VisitJSON(v) == nil; got != want {
			t.Errorf("holds(%q) = %v, kin-openapi says %v", v, got, want)
		}
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
		"with enum":     {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Enum: []any{"a"}, Default: "a"}, want: true},
		"number enum":   {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Enum: []any{1.0}}, want: false},
		"with format":   {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: "date"}, want: false},
		"not a string":  {schema: openapi3.NewIntegerSchema(), want: false},
		"string or nil": {schema: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString, openapi3.TypeNull}}, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := lengthOnly(tc.schema) != nil; got != tc.want {
				t.Errorf("lengthOnly = %v, want %v", got, tc.want)
			}
		})
	}
}
