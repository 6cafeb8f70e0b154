package contract

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
)

// The corpus below was written against the frozen copy of the pages
// (package frozen), so that a legitimate vendor update committed to
// openapi/ (a new field, a lower maxLength) does not break these tests.

var (
	cancelOp  = &registry.Operation{Name: "CancelDelayIssue", Path: "/B2CInvoice/CancelDelayIssue", RequestDataSchema: pages.RequestDataSchema, ResponseDataSchema: pages.ResponseDataSchema}
	triggerOp = &registry.Operation{Name: "TriggerIssue", Path: "/B2CInvoice/TriggerIssue", RequestDataSchema: pages.RequestDataSchema, ResponseDataSchema: pages.ResponseDataSchema}
)

// frozenDocs loads the frozen pages afresh (NewFor changes them), overlaid as
// the generator overlays them.
func frozenDocs(t *testing.T) []Page {
	t.Helper()
	all, err := pages.LoadAll(context.Background(), frozen.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var out []Page
	for _, p := range all {
		op := map[string]*registry.Operation{cancelOp.Name: cancelOp, triggerOp.Name: triggerOp}[p.Name]
		if op == nil {
			t.Fatalf("the frozen pages hold %s, which this test does not know", p.Name)
		}
		out = append(out, Page{op, p.Doc})
	}
	return out
}

// checkers returns a Checker as New builds them (3.0 engine) and one over the
// untouched 3.1 documents (JSON Schema 2020-12 engine), both of the frozen
// pages.
func checkers(t *testing.T) (native, jsonSchema2020 *Checker) {
	t.Helper()
	native, err := NewFor(frozenDocs(t))
	if err != nil {
		t.Fatal(err)
	}
	docs := frozenDocs(t)
	for _, p := range docs {
		if !p.Doc.IsOpenAPI31OrLater() {
			t.Fatalf("%s is OpenAPI %s; this test compares against 3.1", p.Op.Page, p.Doc.OpenAPI)
		}
	}
	jsonSchema2020, err = build(docs, rulesOfDoc)
	if err != nil {
		t.Fatal(err)
	}
	return native, jsonSchema2020
}

// The embedded pages, as the generator made them, load into a Checker.
func TestNewLoadsEveryOperation(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range registry.All() {
		if c.ResponseDataSchema(op) == nil {
			t.Errorf("New has no response Data schema for %s", op.Name)
		}
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1"+op.Path, strings.NewReader("{}"))
		if route, err := c.Route(r); err != nil || route.Op != op {
			t.Errorf("Route(%s) = %v, %v", op.Path, route, err)
		}
	}
}

func post(body string) *http.Request { return postTo(cancelOp.Path, body) }

func postTo(path, body string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

var (
	long11  = `"12345678901"`
	long31  = `"` + strings.Repeat("9", 31) + `"`
	zh30    = `"` + strings.Repeat("單", 30) + `"`
	zh31    = `"` + strings.Repeat("單", 31) + `"`
	long201 = `"` + strings.Repeat("x", 201) + `"`
)

// The envelopes and Data below cover every keyword the spec uses, each on
// both sides of its limit.
var requestEnvelopes = map[string]string{
	"page example":           `{"MerchantID":"2000132","RqHeader":{"Timestamp":1525168923},"Data":"加密資料"}`,
	"with Revision":          `{"MerchantID":"2000132","RqHeader":{"Timestamp":1525168923,"Revision":"3.0.0"},"Data":"x"}`,
	"with PlatformID":        `{"MerchantID":"2000132","PlatformID":"3085340","RqHeader":{"Timestamp":1},"Data":"x"}`,
	"empty PlatformID":       `{"MerchantID":"2000132","PlatformID":"","RqHeader":{"Timestamp":1},"Data":"x"}`,
	"PlatformID of 11":       `{"MerchantID":"2000132","PlatformID":` + long11 + `,"RqHeader":{"Timestamp":1},"Data":"x"}`,
	"MerchantID of 11":       `{"MerchantID":` + long11 + `,"RqHeader":{"Timestamp":1},"Data":"x"}`,
	"empty MerchantID":       `{"MerchantID":"","RqHeader":{"Timestamp":1},"Data":"x"}`,
	"MerchantID a number":    `{"MerchantID":2000132,"RqHeader":{"Timestamp":1},"Data":"x"}`,
	"no MerchantID":          `{"RqHeader":{"Timestamp":1},"Data":"x"}`,
	"no RqHeader":            `{"MerchantID":"2000132","Data":"x"}`,
	"no Timestamp":           `{"MerchantID":"2000132","RqHeader":{},"Data":"x"}`,
	"Timestamp a string":     `{"MerchantID":"2000132","RqHeader":{"Timestamp":"1525168923"},"Data":"x"}`,
	"Timestamp a fraction":   `{"MerchantID":"2000132","RqHeader":{"Timestamp":1.5},"Data":"x"}`,
	"Timestamp in exponent":  `{"MerchantID":"2000132","RqHeader":{"Timestamp":1.7e9},"Data":"x"}`,
	"Timestamp null":         `{"MerchantID":"2000132","RqHeader":{"Timestamp":null},"Data":"x"}`,
	"Revision a number":      `{"MerchantID":"2000132","RqHeader":{"Timestamp":1,"Revision":3},"Data":"x"}`,
	"no Data":                `{"MerchantID":"2000132","RqHeader":{"Timestamp":1}}`,
	"empty Data":             `{"MerchantID":"2000132","RqHeader":{"Timestamp":1},"Data":""}`,
	"Data null":              `{"MerchantID":"2000132","RqHeader":{"Timestamp":1},"Data":null}`,
	"Data an object":         `{"MerchantID":"2000132","RqHeader":{"Timestamp":1},"Data":{"Tsr":"T1"}}`,
	"unknown member":         `{"MerchantID":"2000132","RqHeader":{"Timestamp":1},"Data":"x","Extra":true}`,
	"array":                  `[]`,
	"null":                   `null`,
	"RqHeader an array":      `{"MerchantID":"2000132","RqHeader":[1],"Data":"x"}`,
	"MerchantID of 10 runes": `{"MerchantID":"` + strings.Repeat("單", 10) + `","RqHeader":{"Timestamp":1},"Data":"x"}`,
}

var responseEnvelopes = map[string]string{
	"page example":           `{"MerchantID":"2000132","RpHeader":{"Timestamp":1525169058},"TransCode":1,"TransMsg":"","Data":"加密資料"}`,
	"rejected, Data empty":   `{"MerchantID":"2000132","RpHeader":{"Timestamp":1},"TransCode":9001,"TransMsg":"bad","Data":""}`,
	"rejected, no Data":      `{"TransCode":0,"TransMsg":"bad"}`,
	"Data null":              `{"TransCode":0,"TransMsg":"bad","Data":null}`,
	"TransMsg of 201":        `{"TransCode":0,"TransMsg":` + long201 + `}`,
	"TransCode a string":     `{"TransCode":"1"}`,
	"TransCode a fraction":   `{"TransCode":1.5}`,
	"MerchantID of 11":       `{"TransCode":1,"MerchantID":` + long11 + `}`,
	"MerchantID a number":    `{"TransCode":1,"MerchantID":2000132}`,
	"PlatformID of 11":       `{"TransCode":1,"PlatformID":` + long11 + `}`,
	"RpHeader Timestamp 1.5": `{"TransCode":1,"RpHeader":{"Timestamp":1.5}}`,
	"empty object":           `{}`,
	"array":                  `[]`,
}

var requestData = map[string]string{
	"page example":      `{"MerchantID":"2000132","Tsr":"201909170001"}`,
	"Tsr of 30 Chinese": `{"MerchantID":"2000132","Tsr":` + zh30 + `}`,
	"Tsr of 31 Chinese": `{"MerchantID":"2000132","Tsr":` + zh31 + `}`,
	"Tsr of 31":         `{"MerchantID":"2000132","Tsr":` + long31 + `}`,
	"empty Tsr":         `{"MerchantID":"2000132","Tsr":""}`,
	"no Tsr":            `{"MerchantID":"2000132"}`,
	"no MerchantID":     `{"Tsr":"T1"}`,
	"MerchantID of 11":  `{"MerchantID":` + long11 + `,"Tsr":"T1"}`,
	"Tsr a number":      `{"MerchantID":"2000132","Tsr":201909170001}`,
	"Tsr null":          `{"MerchantID":"2000132","Tsr":null}`,
	"unknown member":    `{"MerchantID":"2000132","Tsr":"T1","InvoiceNo":"AB12345678"}`,
	"empty object":      `{}`,
	"array":             `["2000132","T1"]`,
	"string":            `"T1"`,
}

var responseData = map[string]string{
	"number RtnCode":            `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
	"page example, string code": `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`,
	"RtnCode a fraction":        `{"RtnCode":1.5}`,
	"RtnCode in exponent":       `{"RtnCode":1e0}`,
	"RtnMsg of 200":             `{"RtnCode":2,"RtnMsg":"` + strings.Repeat("x", 200) + `"}`,
	"RtnMsg of 201":             `{"RtnCode":2,"RtnMsg":` + long201 + `}`,
	"RtnMsg null":               `{"RtnCode":2,"RtnMsg":null}`,
	"empty object":              `{}`,
}

// The 3.0 engine New uses must judge every case as the 2020-12 engine the
// 3.1 document calls for does.
func TestNativeEngineAgreesWithJSONSchema2020(t *testing.T) {
	native, js2020 := checkers(t)
	ctx := context.Background()
	verdict := func(err error) string {
		if err == nil {
			return "valid"
		}
		return "invalid"
	}
	for name, body := range requestEnvelopes {
		t.Run("request/"+name, func(t *testing.T) {
			_, a := native.Request(ctx, post(body))
			_, b := js2020.Request(ctx, post(body))
			if verdict(a) != verdict(b) {
				t.Errorf("3.0 engine: %v; 2020-12 engine: %v", a, b)
			}
		})
	}
	for name, body := range responseEnvelopes {
		t.Run("response/"+name, func(t *testing.T) {
			in1, err := native.Route(post("{}"))
			if err != nil {
				t.Fatal(err)
			}
			in2, err := js2020.Route(post("{}"))
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{"Content-Type": {"application/json"}}
			a := native.Response(ctx, in1, 200, h, []byte(body))
			b := js2020.Response(ctx, in2, 200, h, []byte(body))
			if verdict(a) != verdict(b) {
				t.Errorf("3.0 engine: %v; 2020-12 engine: %v", a, b)
			}
		})
	}
	for name, body := range requestData {
		t.Run("request Data/"+name, func(t *testing.T) {
			a, b := native.RequestData(cancelOp, []byte(body)), js2020.RequestData(cancelOp, []byte(body))
			if verdict(a) != verdict(b) {
				t.Errorf("3.0 engine: %v; 2020-12 engine: %v", a, b)
			}
		})
	}
	for name, body := range responseData {
		t.Run("response Data/"+name, func(t *testing.T) {
			a, b := native.ResponseData(cancelOp, []byte(body)), js2020.ResponseData(cancelOp, []byte(body))
			if verdict(a) != verdict(b) {
				t.Errorf("3.0 engine: %v; 2020-12 engine: %v", a, b)
			}
		})
	}
}

// Spot checks that the corpus above is not all one verdict.
func TestVerdicts(t *testing.T) {
	c, _ := checkers(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		err   error
		valid bool
	}{
		{"page request", second(c.Request(ctx, post(requestEnvelopes["page example"]))), true},
		{"request with Revision", second(c.Request(ctx, post(requestEnvelopes["with Revision"]))), true},
		{"11-char PlatformID", second(c.Request(ctx, post(requestEnvelopes["PlatformID of 11"]))), false},
		{"empty Data", second(c.Request(ctx, post(requestEnvelopes["empty Data"]))), false},
		{"page inner request", c.RequestData(cancelOp, []byte(requestData["page example"])), true},
		{"31 Chinese characters", c.RequestData(cancelOp, []byte(requestData["Tsr of 31 Chinese"])), false},
		{"30 Chinese characters", c.RequestData(cancelOp, []byte(requestData["Tsr of 30 Chinese"])), true},
		{"empty Tsr", c.RequestData(cancelOp, []byte(requestData["empty Tsr"])), false},
		{"number RtnCode", c.ResponseData(cancelOp, []byte(responseData["number RtnCode"])), true},
		// ECPay's own page example breaks its integer schema.
		{"page RtnCode string", c.ResponseData(cancelOp, []byte(responseData["page example, string code"])), false},
		{"not JSON", c.RequestData(cancelOp, []byte("Tsr=T1")), false},
	}
	for _, tc := range tests {
		if (tc.err == nil) != tc.valid {
			t.Errorf("%s: err = %v, want valid=%v", tc.name, tc.err, tc.valid)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestResponseRejectsAnUndeclaredStatus(t *testing.T) {
	c, _ := checkers(t)
	in, err := c.Route(post("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Response(context.Background(), in, 500, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`)); err == nil {
		t.Error("an HTTP 500 answer passed, the spec declares only 200")
	}
}

func TestRequestPutsTheBodyBack(t *testing.T) {
	c, _ := checkers(t)
	r := post(requestEnvelopes["page example"])
	if _, err := c.Request(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil || buf.String() != requestEnvelopes["page example"] {
		t.Errorf("body after Request = %q, %v", buf.String(), err)
	}
}

func TestRejectsJSONSchema2020Features(t *testing.T) {
	doc := frozenDocs(t)[0].Doc
	if err := rejectJSONSchema2020Features(doc); err != nil {
		t.Fatalf("the frozen page: %v", err)
	}
	tsr := doc.Components.Schemas[cancelOp.RequestDataSchema].Value.Properties["Tsr"].Value
	tsr.Type = &openapi3.Types{openapi3.TypeString, openapi3.TypeNull}
	err := rejectJSONSchema2020Features(doc)
	if err == nil || !strings.Contains(err.Error(), "requestBody.Data/Tsr") {
		t.Errorf("a type list was not refused: %v", err)
	}
	docs := frozenDocs(t)
	docs[0].Doc.Components.Schemas[cancelOp.RequestDataSchema].Value.Properties["Tsr"].Value.Type = tsr.Type
	_, err = NewFor(docs)
	if err == nil || !strings.HasPrefix(err.Error(), "contract: "+docs[0].Op.Name+": ") || strings.Count(err.Error(), "contract:") != 1 {
		t.Errorf("NewFor = %v, want one error starting contract: %s:", err, docs[0].Op.Name)
	}
}

func TestAllViolationsReportsEveryOne(t *testing.T) {
	c, _ := checkers(t)
	data := []byte(`{"MerchantID":"12345678901","Tsr":""}`)
	if err := c.RequestData(cancelOp, data); err == nil {
		t.Fatal("invalid Data passed")
	} else if _, multi := err.(openapi3.MultiError); multi {
		t.Errorf("the default checker should stop at the first violation: %v", err)
	}
	var me openapi3.MultiError
	if err := c.AllViolations().RequestData(cancelOp, data); !errors.As(err, &me) || len(me) != 2 {
		t.Errorf("AllViolations().RequestData = %v, want both violations", err)
	}
	body := `{"MerchantID":"12345678901","RqHeader":{"Timestamp":"now"},"Data":""}`
	_, err := c.AllViolations().Request(context.Background(), post(body))
	if err == nil || !strings.Contains(err.Error(), "MerchantID") || !strings.Contains(err.Error(), "Timestamp") {
		t.Errorf("AllViolations().Request = %v, want MerchantID and Timestamp named", err)
	}
}

// Each page is checked against its own schemas, found by the request's path.
func TestEveryOperationHasItsOwnSchemas(t *testing.T) {
	c, _ := checkers(t)
	ctx := context.Background()
	trigger := `{"MerchantID":"2000132","Tsr":"T1","PayType":"2"}`
	tests := []struct {
		name  string
		err   error
		valid bool
	}{
		{"TriggerIssue Data", c.RequestData(triggerOp, []byte(trigger)), true},
		{"TriggerIssue Data without PayType", c.RequestData(triggerOp, []byte(`{"MerchantID":"2000132","Tsr":"T1"}`)), false},
		{"TriggerIssue Data with PayType 1", c.RequestData(triggerOp, []byte(`{"MerchantID":"2000132","Tsr":"T1","PayType":"1"}`)), false},
		{"CancelDelayIssue Data with PayType", c.RequestData(cancelOp, []byte(trigger)), true},
		{"TriggerIssue envelope", second(c.Request(ctx, postTo(triggerOp.Path, requestEnvelopes["page example"]))), true},
		{"TriggerIssue envelope, empty Data", second(c.Request(ctx, postTo(triggerOp.Path, requestEnvelopes["empty Data"]))), false},
	}
	for _, tc := range tests {
		if (tc.err == nil) != tc.valid {
			t.Errorf("%s: err = %v, want valid=%v", tc.name, tc.err, tc.valid)
		}
	}
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/B2CInvoice/NoSuchOperation", strings.NewReader("{}"))
	if _, err := c.Route(r); !errors.Is(err, ErrUnknownPath) || !strings.Contains(err.Error(), "CancelDelayIssue, TriggerIssue") {
		t.Errorf("an unknown path: %v", err)
	}
	if err := c.RequestData(&registry.Operation{Name: "Other"}, []byte(trigger)); err == nil || !strings.Contains(err.Error(), "Other") {
		t.Errorf("an operation the Checker does not know: %v", err)
	}
}
