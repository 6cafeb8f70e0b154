package ecpaysim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

// The operations with a lifecycle, by their registry entries.
var (
	cancelOp  = registry.CancelDelayIssue
	triggerOp = registry.TriggerIssue
)

// The request builders the simulator's tests share (see packages simtest and
// testkit).
var (
	do            = testkit.Do
	encrypt       = testkit.Encrypt
	stageData     = testkit.StageData
	innerJSON     = simtest.InnerJSON
	envelope      = simtest.Envelope
	requestMember = simtest.RequestMember
	mustAdd       = simtest.MustAdd
)

// testNow is the simulator's clock in the tests that fix it.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// pageSpec is one operation's page with a router, for the tests' own checks
// of the simulator's answers: loaded from the registry, independent of the
// simulator's copy, and validated by kin-openapi as the page says (3.1).
type pageSpec struct {
	doc    *openapi3.T
	router routers.Router
}

var specs = sync.OnceValue(func() map[*registry.Operation]pageSpec {
	out := map[*registry.Operation]pageSpec{}
	for _, op := range registry.All() {
		doc, err := op.Spec()
		if err != nil {
			panic(err)
		}
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			panic(err)
		}
		out[op] = pageSpec{doc, router}
	}
	return out
})

// schema returns a component schema of op's page.
func schema(t *testing.T, op *registry.Operation, name string) *openapi3.Schema {
	t.Helper()
	ref := specs()[op].doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("%s has no schema %s", op.Page, name)
	}
	return ref.Value
}

// envelopeSchemas returns the request and response envelope schemas of op.
func envelopeSchemas(t *testing.T, op *registry.Operation) (request, response *openapi3.Schema) {
	t.Helper()
	post := specs()[op].doc.Paths.Find(op.Path).Post
	return post.RequestBody.Value.Content.Get("application/json").Schema.Value,
		post.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
}

// request returns a valid request to op for the stage merchant's tsr.
func request(t testing.TB, op *registry.Operation, tsr string) []byte {
	t.Helper()
	return envelope(testNow, stageData(t, innerJSON(op, ecpaysim.StageMerchantID, tsr)))
}

// cancelRequest returns a valid request cancelling the stage merchant's tsr.
func cancelRequest(t testing.TB, tsr string) []byte {
	t.Helper()
	return request(t, cancelOp, tsr)
}

// innerAnswer is what every page's responses.Data has.
type innerAnswer struct {
	RtnCode *generated.LenientInt
	RtnMsg  *string
}

// reply is an answer as a test sees it on the wire.
type reply struct {
	status int
	body   []byte
	env    generated.ResponseEnvelope
	raw    map[string]json.RawMessage
	// plaintext is the decrypted Data of a TransCode 1 answer.
	plaintext []byte
	inner     *innerAnswer
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

// post sends body to op's path on baseURL and returns the answer; it reports
// problems with t.Errorf, never t.Fatal, so goroutines may call it. Every
// HTTP 200 answer is checked independently of the simulator: it must satisfy
// op's page (openapi3filter.ValidateResponse, undeclared statuses included);
// a TransCode error must carry Data "" or none, never null; a TransCode 1
// answer must carry Data that decrypts under hashKey/hashIV to JSON matching
// the page's response Data schema and decoding into the generated type, and
// an RpHeader holding only Timestamp. No answer may contain a key.
func post(t *testing.T, op *registry.Operation, baseURL, contentType string, body io.Reader, hashKey, hashIV string) reply {
	t.Helper()
	var got reply
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+op.Path, body)
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
	checkAnswerOnWire(t, op, resp, got.body)
	if err := json.Unmarshal(got.body, &got.raw); err != nil {
		t.Errorf("answer %s: %v", got.body, err)
		return got
	}
	plain := plainData(op, got.raw)
	if err := json.Unmarshal(withoutMember(got.body, plain, "Data"), &got.env); err != nil {
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
	switch {
	case plain:
		got.plaintext = got.raw["Data"]
	case got.env.Data == nil || *got.env.Data == "":
		t.Errorf("TransCode 1 answer without Data: %s", got.body)
		return got
	default:
		codec, err := ecpaycrypto.New(hashKey, hashIV)
		if err != nil {
			t.Error(err)
			return got
		}
		if got.plaintext, err = codec.Decrypt(*got.env.Data); err != nil {
			t.Errorf("answer Data does not decrypt: %v", err)
			return got
		}
	}
	var value any
	if err := json.Unmarshal(got.plaintext, &value); err != nil {
		t.Errorf("answer Data is not JSON: %q", got.plaintext)
		return got
	}
	if err := schema(t, op, op.ResponseDataSchema).VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("answer Data %s violates %s: %v", got.plaintext, op.ResponseDataSchema, err)
	}
	if err := json.Unmarshal(got.plaintext, reflect.New(op.ResponseType).Interface()); err != nil {
		t.Errorf("answer Data %s does not decode into %v: %v", got.plaintext, op.ResponseType, err)
	}
	got.inner = new(innerAnswer)
	if err := json.Unmarshal(got.plaintext, got.inner); err != nil {
		t.Errorf("answer Data %s: %v", got.plaintext, err)
	}
	return got
}

// plainData reports whether the members of an answer to op hold a Data that
// is a JSON object, which only an operation ECPay answers so may have
// (PlainAnswerData: GetIssueList); the page's envelope schema, which
// checkAnswerOnWire applies, refuses it for every other.
func plainData(op *registry.Operation, members map[string]json.RawMessage) bool {
	data := bytes.TrimSpace(members["Data"])
	return op.PlainAnswerData && len(data) > 0 && data[0] == '{'
}

// withoutMember returns the JSON object body without its member name when
// drop is true, and body itself otherwise.
func withoutMember(body []byte, drop bool, name string) []byte {
	var members map[string]json.RawMessage
	if !drop || json.Unmarshal(body, &members) != nil {
		return body
	}
	delete(members, name)
	out, err := json.Marshal(members)
	if err != nil {
		panic(err) // raw members always encode
	}
	return out
}

// checkAnswerOnWire validates an HTTP answer against op's page.
func checkAnswerOnWire(t *testing.T, op *registry.Operation, resp *http.Response, body []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, op.Path, nil)
	route, params, err := specs()[op].router.FindRoute(req)
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
		t.Errorf("the answer violates %s: %v\n%s", op.Page, err, body)
	}
}

// postJSON sends an envelope to op as application/json with the stage keys.
func postJSON(t *testing.T, op *registry.Operation, baseURL string, body []byte) reply {
	t.Helper()
	return post(t, op, baseURL, "application/json", bytes.NewReader(body), ecpaysim.StageHashKey, ecpaysim.StageHashIV)
}

// rtnMsg is the RtnMsg the simulator answers code with: ECPay's, as the
// registry has it, or the simulator's default for a code the overlays give
// no message (a page dropped in without an overlay of its own).
func rtnMsg(t *testing.T, op *registry.Operation, code int) string {
	t.Helper()
	c, ok := op.Code(code)
	if !ok {
		t.Fatalf("the registry does not know %s's RtnCode %d", op.Name, code)
	}
	if c.Message == "" {
		return ecpaysim.DefaultRtnMsg
	}
	return c.Message
}
