package ecpaysim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const endpointPath = "/B2CInvoice/CancelDelayIssue"

// testNow is the simulator's clock in the tests that fix it.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// spec is the embedded spec with a router, loaded once for the tests' own
// checks of the simulator's answers: independent of the simulator's copy.
var spec = sync.OnceValues(func() (*openapi3.T, routers.Router) {
	doc, err := generated.GetSpec()
	if err != nil {
		panic(err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		panic(err)
	}
	return doc, router
})

// schema returns a component schema of the embedded spec.
func schema(t *testing.T, name string) *openapi3.Schema {
	t.Helper()
	doc, _ := spec()
	ref := doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("the embedded spec has no schema %s", name)
	}
	return ref.Value
}

// envelopeSchemas returns the request and response envelope schemas.
func envelopeSchemas(t *testing.T) (request, response *openapi3.Schema) {
	t.Helper()
	doc, _ := spec()
	op := doc.Paths.Find(endpointPath).Post
	return op.RequestBody.Value.Content.Get("application/json").Schema.Value,
		op.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
}

// encrypt returns Data for plaintext under the given key and IV.
func encrypt(t *testing.T, hashKey, hashIV, plaintext string) string {
	t.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// stageData returns Data for plaintext under the stage merchant's keys.
func stageData(t *testing.T, plaintext string) string {
	t.Helper()
	return encrypt(t, ecpaysim.StageHashKey, ecpaysim.StageHashIV, plaintext)
}

// innerJSON returns the plaintext of a request's Data.
func innerJSON(merchantID, tsr string) string {
	b, _ := json.Marshal(generated.CancelDelayIssueRequestData{MerchantID: merchantID, Tsr: tsr})
	return string(b)
}

// envelope returns a request envelope as JSON: the stage merchant, a
// Timestamp of at, the given Data, then edits, which may remove or mistype
// any field.
func envelope(at time.Time, data string, edits ...func(map[string]any)) []byte {
	env := map[string]any{
		"MerchantID": ecpaysim.StageMerchantID,
		"RqHeader":   map[string]any{"Timestamp": at.Unix()},
		"Data":       data,
	}
	for _, edit := range edits {
		edit(env)
	}
	b, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return b
}

// reply is an answer as a test sees it on the wire.
type reply struct {
	status int
	body   []byte
	env    generated.ResponseEnvelope
	raw    map[string]json.RawMessage
	inner  *generated.CancelDelayIssueResponseData
}

func (r reply) transCode() int {
	if r.env.TransCode == nil {
		return 0
	}
	return *r.env.TransCode
}

func (r reply) transMsg() string {
	if r.env.TransMsg == nil {
		return ""
	}
	return *r.env.TransMsg
}

func (r reply) rtnCode() int {
	if r.inner == nil || r.inner.RtnCode == nil {
		return 0
	}
	return int(*r.inner.RtnCode)
}

func (r reply) rtnMsg() string {
	if r.inner == nil || r.inner.RtnMsg == nil {
		return ""
	}
	return *r.inner.RtnMsg
}

// post sends body to the endpoint of baseURL and returns the answer; it
// reports problems with t.Errorf, never t.Fatal, so goroutines may call it. Every
// HTTP 200 answer is checked independently of the simulator: it must satisfy
// the spec (openapi3filter.ValidateResponse, undeclared statuses included);
// a TransCode error must carry Data "" or none, never null; a TransCode 1
// answer must carry Data that decrypts under hashKey/hashIV to JSON matching
// responses.Data, and an RpHeader holding only Timestamp. No answer may
// contain a key.
func post(t *testing.T, baseURL, contentType string, body io.Reader, hashKey, hashIV string) reply {
	t.Helper()
	var got reply
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+endpointPath, body)
	if err != nil {
		t.Error(err)
		return got
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST: %v", err)
		return got
	}
	defer resp.Body.Close()
	got.status = resp.StatusCode
	if got.body, err = io.ReadAll(resp.Body); err != nil {
		t.Errorf("reading the answer: %v", err)
		return got
	}
	for _, secret := range []string{hashKey, hashIV, ecpaysim.StageHashKey, ecpaysim.StageHashIV} {
		if secret != "" && bytes.Contains(got.body, []byte(secret)) {
			t.Errorf("the answer contains a key: %s", got.body)
		}
	}
	if resp.StatusCode != http.StatusOK {
		return got
	}
	checkAnswerOnWire(t, resp, got.body)
	if err := json.Unmarshal(got.body, &got.env); err != nil {
		t.Errorf("answer %s: %v", got.body, err)
		return got
	}
	if err := json.Unmarshal(got.body, &got.raw); err != nil {
		t.Errorf("answer %s: %v", got.body, err)
		return got
	}
	if data, ok := got.raw["Data"]; ok && string(data) == "null" {
		t.Errorf(`answer has "Data": null: %s`, got.body)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(got.raw["RpHeader"], &header); err != nil || len(header) != 1 || header["Timestamp"] == nil {
		t.Errorf("RpHeader must hold only Timestamp: %s", got.body)
	}
	if got.transCode() != ecpaysim.TransCodeOK {
		if got.env.Data != nil && *got.env.Data != "" {
			t.Errorf("TransCode %d answer carries Data %q", got.transCode(), *got.env.Data)
		}
		if got.transMsg() == "" {
			t.Errorf("TransCode %d answer has no TransMsg", got.transCode())
		}
		return got
	}
	if got.env.Data == nil || *got.env.Data == "" {
		t.Errorf("TransCode 1 answer without Data: %s", got.body)
		return got
	}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Error(err)
		return got
	}
	plaintext, err := codec.Decrypt(*got.env.Data)
	if err != nil {
		t.Errorf("answer Data does not decrypt: %v", err)
		return got
	}
	var value any
	if err := json.Unmarshal(plaintext, &value); err != nil {
		t.Errorf("answer Data is not JSON: %q", plaintext)
		return got
	}
	if err := schema(t, "responses.Data").VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("answer Data %s violates responses.Data: %v", plaintext, err)
	}
	got.inner = new(generated.CancelDelayIssueResponseData)
	if err := json.Unmarshal(plaintext, got.inner); err != nil {
		t.Errorf("answer Data %s: %v", plaintext, err)
		return got
	}
	return got
}

// checkAnswerOnWire validates an HTTP answer against the spec.
func checkAnswerOnWire(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	_, router := spec()
	req := httptest.NewRequest(http.MethodPost, endpointPath, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Error(err)
		return
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("the answer violates the spec: %v\n%s", err, body)
	}
}

// postJSON sends an envelope as application/json with the stage keys.
func postJSON(t *testing.T, baseURL string, body []byte) reply {
	t.Helper()
	return post(t, baseURL, "application/json", bytes.NewReader(body), ecpaysim.StageHashKey, ecpaysim.StageHashIV)
}

// cancelRequest returns a valid request cancelling the stage merchant's tsr.
func cancelRequest(t *testing.T, tsr string) []byte {
	t.Helper()
	return envelope(testNow, stageData(t, innerJSON(ecpaysim.StageMerchantID, tsr)))
}

// mustAdd registers a delayed invoice or fails the test.
func mustAdd(t *testing.T, sim *ecpaysim.TestServer, merchantID, tsr string) {
	t.Helper()
	if err := sim.AddDelayedInvoice(merchantID, tsr); err != nil {
		t.Fatal(err)
	}
}

// do sends one request to url and returns the status and body; contentType
// "" sends no Content-Type header.
func do(t *testing.T, method, url, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, got
}
