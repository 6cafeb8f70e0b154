package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/wrapper"
)

// ECPay's public stage credentials.
const (
	merchantID = wrapper.StageMerchantID
	hashKey    = wrapper.StageHashKey
	hashIV     = wrapper.StageHashIV
)

// movedPrefix is a path prefix the fake answers with a same-host 307 to the
// path without it, as a server that moved its API would.
const movedPrefix = "/moved"

// received is one request as the fake server saw it, decrypted.
type received struct {
	Op        *registry.Operation
	Envelope  generated.RequestEnvelope
	Plaintext []byte         // the decrypted Data
	Inner     map[string]any // Plaintext decoded
	Body      []byte
}

// field returns the string member name of the inner request.
func (r received) field(name string) string {
	s, _ := r.Inner[name].(string)
	return s
}

// answer is what a fake's responder wants sent back.
type answer struct {
	status int         // default 200
	header http.Header // added to the answer's header
	raw    []byte      // sent verbatim when set
	// Otherwise an envelope: TransCode (default 1), TransMsg, and Data, the
	// inner plaintext to encrypt (encrypted only when non-empty).
	transCode *int
	transMsg  string
	data      string
	// offSpec marks data that breaks responses.Data on purpose (ECPay's
	// documented "RtnCode": "1", say); any other data must pass it.
	offSpec   bool
	timestamp int64 // RpHeader.Timestamp; default the request's
}

// fakeECPay is an httptest server that speaks ECPay's wire format for every
// operation of the registry. Every request it receives is checked against
// its operation's page (envelope with openapi3filter, decrypted Data against
// requestBody.Data); every envelope it answers with is too, and so is the
// inner Data, unless a test sends raw bytes or off-spec Data on purpose.
type fakeECPay struct {
	*httptest.Server
	t       testing.TB
	codec   *ecpaycrypto.Codec
	respond func(r received) answer

	mu       sync.Mutex
	requests []received
	moved    []string // paths answered with a redirect
}

func newFake(t testing.TB, respond func(r received) answer) *fakeECPay {
	t.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeECPay{t: t, codec: codec, respond: respond}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// success answers the operation's first success code with its message, as
// ECPay does: 1 for CancelDelayIssue, 4000003 for TriggerIssue.
func success(r received) answer {
	c := r.Op.Successes()[0]
	return answer{data: inner(c.Code, c.Message)}
}

// inner is the plaintext of an answer's Data with code and message.
func inner(code int, msg string) string {
	b, err := json.Marshal(map[string]any{"RtnCode": code, "RtnMsg": msg})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (f *fakeECPay) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, movedPrefix); ok {
		f.mu.Lock()
		f.moved = append(f.moved, r.URL.Path)
		f.mu.Unlock()
		http.Redirect(w, r, rest, http.StatusTemporaryRedirect)
		return
	}
	check, err := contract.New()
	if err != nil {
		f.t.Error(err)
		return
	}
	route, err := check.Request(r.Context(), r)
	if route == nil {
		f.t.Errorf("the client sent a request to no operation: %v", err)
		http.NotFound(w, r)
		return
	}
	if err != nil {
		f.t.Errorf("the client sent a %s request that violates the spec: %v", route.Op.Name, err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.ContentLength != int64(len(body)) {
		f.t.Errorf("Content-Length %d for a body of %d bytes", r.ContentLength, len(body))
	}
	rec := received{Op: route.Op, Body: body}
	if err := json.Unmarshal(body, &rec.Envelope); err != nil {
		f.t.Errorf("request envelope: %v", err)
	}
	if rec.Plaintext, err = f.codec.Decrypt(rec.Envelope.Data); err != nil {
		f.t.Errorf("request Data does not decrypt: %v", err)
	}
	if err := check.RequestData(route.Op, rec.Plaintext); err != nil {
		f.t.Errorf("the client sent %s Data that violates the spec: %v", route.Op.Name, err)
	}
	if err := json.Unmarshal(rec.Plaintext, &rec.Inner); err != nil {
		f.t.Errorf("request Data: %v", err)
	}
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	f.mu.Unlock()

	a := f.respond(rec)
	if a.status == 0 {
		a.status = http.StatusOK
	}
	out := a.raw
	if out == nil {
		out = f.envelope(rec, a)
		if err := check.Response(r.Context(), route, a.status, http.Header{"Content-Type": {"application/json"}}, out); err != nil {
			f.t.Errorf("the fake answered outside the spec: %v", err)
		}
		if a.data != "" && !a.offSpec {
			if err := check.ResponseData(route.Op, []byte(a.data)); err != nil {
				f.t.Errorf("the fake answered %s Data outside the spec: %v", route.Op.Name, err)
			}
		}
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write(out)
}

func (f *fakeECPay) envelope(rec received, a answer) []byte {
	transCode := 1
	if a.transCode != nil {
		transCode = *a.transCode
	}
	if a.timestamp == 0 {
		a.timestamp = int64(rec.Envelope.RqHeader.Timestamp)
	}
	env := map[string]any{
		"MerchantID": rec.Envelope.MerchantID,
		"RpHeader":   map[string]any{"Timestamp": a.timestamp},
		"TransCode":  transCode,
		"TransMsg":   a.transMsg,
		"Data":       "",
	}
	if a.data != "" {
		data, err := f.codec.Encrypt([]byte(a.data))
		if err != nil {
			f.t.Fatal(err)
		}
		env["Data"] = data
	}
	out, err := json.Marshal(env)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fakeECPay) received() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.requests...)
}

func (f *fakeECPay) redirected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.moved...)
}

// wantNothingSent fails t when f received any request.
func (f *fakeECPay) wantNothingSent(t *testing.T) {
	t.Helper()
	if got := f.received(); len(got) != 0 {
		t.Errorf("the server received %d requests, want none", len(got))
	}
}

// counter is a plain server that counts the requests it gets and answers
// 500: what must never be reached.
type counter struct {
	*httptest.Server
	mu sync.Mutex
	n  int
}

func newCounter(t *testing.T) *counter {
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
		http.Error(w, "reached", http.StatusInternalServerError)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// client returns a wrapper.Client for the stage merchant aimed at url.
func client(t testing.TB, url string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	c, err := wrapper.NewClient(merchantID, hashKey, hashIV, append([]wrapper.Option{wrapper.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedClock is a clock that reads t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

var bg = context.Background()

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// assertNoSecret fails when s holds the HashKey, the HashIV or a plaintext
// inner Data.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{hashKey, hashIV, `"Tsr"`, `"RtnMsg"`, `{"RtnCode"`, `"PayType"`} {
		if strings.Contains(s, secret) {
			t.Errorf("%q leaks %q", s, secret)
		}
	}
}

// wantValidation fails t unless err is a *wrapper.ValidationError of
// operation about field breaking rule.
func wantValidation(t *testing.T, err error, operation, field, rule string) {
	t.Helper()
	ve, ok := asValidation(err)
	if !ok {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	if ve.Operation != operation || ve.Field != field || ve.Rule != rule {
		t.Errorf("ValidationError{Operation: %q, Field: %q, Rule: %q}, want %q %q %q (%v)", ve.Operation, ve.Field, ve.Rule, operation, field, rule, err)
	}
	// The message says in plain English what is wrong with the field.
	want := fmt.Sprintf("ecpay: %s: invalid request, nothing was sent: ", operation)
	if sentence, ok := strings.CutPrefix(err.Error(), want); !ok || !strings.Contains(sentence, field) || strings.Contains(sentence, " breaks ") {
		t.Errorf("message %q does not begin %q with a sentence naming %s", err, want, field)
	}
}

func asValidation(err error) (*wrapper.ValidationError, bool) {
	var ve *wrapper.ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}

// dataMaxLength returns the maxLength of the member field of op's request
// Data, as the page embedded in the generated code gives it, so that tests
// of the limits follow a vendor update that changes them.
func dataMaxLength(t testing.TB, op *registry.Operation, field string) int {
	t.Helper()
	doc, err := op.Spec()
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas[op.RequestDataSchema]
	if s == nil || s.Value.Properties[field] == nil || s.Value.Properties[field].Value.MaxLength == nil {
		t.Fatalf("%s's request Data has no maxLength for %s", op.Name, field)
	}
	return int(*s.Value.Properties[field].Value.MaxLength)
}
