package ecpaysim

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// mockValue builds from each frozen schema a value that passes kin-openapi's
// validation of the same schema once sent as JSON, and the value the table
// pins: so that a change of the rules is seen, not only a failure.
func TestMockValue(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/mock/schemas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Some examples violate their schema on purpose, as a vendor page's may.
	if err := doc.Validate(t.Context(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"page-responses-data":               `{"RtnCode":0,"RtnMsg":""}`,
		"string":                            `""`,
		"string-minLength":                  `"xxx"`,
		"string-enum":                       `"2"`,
		"string-example":                    `"TSR0001"`,
		"string-example-too-long":           `"xx"`,
		"string-default":                    `"ECPAY"`,
		"integer-example-of-the-wrong-type": `0`,
		"integer":                           `0`,
		"integer-minimum":                   `3`,
		"integer-fractional-minimum":        `3`,
		"integer-exclusive-minimum":         `1`,
		"integer-negative-maximum":          `-4`,
		"integer-multipleOf":                `10`,
		"number-minimum":                    `1.5`,
		"number-exclusive-range":            `0.25`,
		"boolean":                           `false`,
		"array":                             `[]`,
		"array-minItems":                    `["x","x"]`,
		"nested-object":                     `{"Carrier":"","Invoice":{"Amount":1,"InvoiceNo":"xxxxxxxxxx","Items":[{"ItemCount":1,"ItemName":"x","Taxed":false}]}}`,
		"untyped-properties":                `{"Name":"x"}`,
		"nullable-untyped":                  `null`,
	}
	if got := slices.Sorted(maps.Keys(doc.Components.Schemas)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("the schemas are %v; the table has %v", got, slices.Sorted(maps.Keys(want)))
	}
	for name, ref := range doc.Components.Schemas {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(serving.MockValue(ref.Value))
			if err != nil {
				t.Fatal(err)
			}
			var sent any
			if err := json.Unmarshal(b, &sent); err != nil {
				t.Fatal(err)
			}
			if err := ref.Value.VisitJSON(sent); err != nil {
				t.Errorf("mockValue gave %s, which violates the schema: %v", b, err)
			}
			if string(b) != want[name] {
				t.Errorf("mockValue gave %s, want %s", b, want[name])
			}
		})
	}
}

// serverDoer sends a client's requests straight to a Server's ServeHTTP, in
// the calling goroutine.
type serverDoer struct{ s *Server }

func (d serverDoer) Do(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	d.s.ServeHTTP(w, r)
	return w.Result(), nil
}

// An operation without behaviour of its own gets the default answer:
// TransCode 1, its first success code with ECPay's message, and Data mocked
// from its response Data schema, which passes the contract check (the
// simulator would otherwise report a violation and answer 9999). Each
// operation is tried with its behaviour taken away.
func TestDefaultAnswer(t *testing.T) {
	for _, op := range registry.All() {
		t.Run(op.Name, func(t *testing.T) {
			if behave, ok := behaviours[op]; ok {
				delete(behaviours, op)
				t.Cleanup(func() { behaviours[op] = behave })
			}
			s := testServer(t)
			if err := s.AddDelayedInvoice(StageMerchantID, "D1"); err != nil {
				t.Fatal(err)
			}
			client, err := wrapper.NewClient(StageMerchantID, StageHashKey, StageHashIV,
				wrapper.WithBaseURL("http://127.0.0.1"), wrapper.WithHTTPClient(serverDoer{s}))
			if err != nil {
				t.Fatal(err)
			}
			// A valid request Data, mocked from the page's own schema.
			doc, err := op.Spec()
			if err != nil {
				t.Fatal(err)
			}
			req, _ := serving.MockValue(doc.Components.Schemas[op.RequestDataSchema].Value).(map[string]any)
			req["MerchantID"] = StageMerchantID
			if _, ok := registry.FieldByJSONName(op.RequestType, "Tsr"); ok {
				req["Tsr"] = "D1" // not every page's request names a Tsr
			}
			if req, err = simtest.KeepingRules(op, req); err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.Call(t.Context(), op.Name, data)
			if err != nil {
				t.Fatalf("Call(%s): %v", op.Name, err)
			}
			first := op.Successes()[0]
			if msg := serving.OrDefault(first.Message, defaultRtnMsg); res.RtnCode != first.Code || res.RtnMsg != msg {
				t.Errorf("RtnCode %d %q, want the first success %d %q", res.RtnCode, res.RtnMsg, first.Code, msg)
			}
			if err := s.contract.ResponseData(op, res.Data); err != nil {
				t.Errorf("the answer's Data %s violates %s: %v", res.Data, op.ResponseDataSchema, err)
			}
			var got map[string]any
			if err := json.Unmarshal(res.Data, &got); err != nil {
				t.Fatal(err)
			}
			mocked, _ := serving.MockValue(s.contract.ResponseDataSchema(op)).(map[string]any)
			for name := range mocked {
				if _, ok := got[name]; !ok {
					t.Errorf("the answer's Data %s lacks %s", res.Data, name)
				}
			}
			if inv, _ := s.invoice(StageMerchantID, "D1"); inv.Status != StatusPending || inv.CancelRequests+inv.TriggerRequests != 0 {
				t.Errorf("the default answer changed the invoice: %+v", inv)
			}
			if v := s.Violations(); len(v) != 0 {
				t.Errorf("Violations() = %v", v)
			}
			if r := s.Requests(); len(r) != 1 || !bytes.Equal(r[0].Answer.Plaintext, res.Data) || r[0].Answer.RtnCode != first.Code {
				t.Errorf("Requests() = %+v", r)
			}
		})
	}
}
