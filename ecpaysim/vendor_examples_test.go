package ecpaysim_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
)

// readExample decodes one of the JSON examples printed on ECPay's page.
func readExample(t *testing.T, name string) (raw []byte, value any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "page", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw, value
}

// The examples on ECPay's CancelDelayIssue page validate against its
// embedded spec, except the inner response's "RtnCode": "1", a known
// inconsistency of the page.
func TestVendorPageExamples(t *testing.T) {
	request, response := envelopeSchemas(t, cancelOp)
	tests := []struct {
		file   string
		schema *openapi3.Schema
	}{
		{"request.json", request},
		{"response.json", response},
		{"request_data.json", schema(t, cancelOp, cancelOp.RequestDataSchema)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, value := readExample(t, tt.file)
			if err := tt.schema.VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("the page's example %s violates the spec: %v", tt.file, err)
			}
		})
	}

	t.Run("response_data.json", func(t *testing.T) {
		raw, value := readExample(t, "response_data.json")
		// The page documents "RtnCode Int" and then prints "RtnCode": "1".
		// The schema keeps ECPay's documented integer, so it must refuse the
		// example: if it ever accepts it, the overlay or the spec changed.
		if err := schema(t, cancelOp, cancelOp.ResponseDataSchema).VisitJSON(value, openapi3.EnableJSONSchema2020()); err == nil {
			t.Error(`responses.Data accepts "RtnCode": "1"; want the strict integer schema to refuse it`)
		}
		// The generated type is lenient (generated.LenientInt), so a client
		// still reads such an answer.
		var data canceldelayissue.ResponseData
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatalf("canceldelayissue.ResponseData does not decode the page's example: %v", err)
		}
		if data.RtnCode == nil || *data.RtnCode != 1 || data.RtnMsg == nil || *data.RtnMsg != "取消開立發票成功" {
			t.Errorf("decoded %+v, want RtnCode 1 and RtnMsg 取消開立發票成功", data)
		}
	})
}
