package wrapper_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/wrapper"
)

// ECPay's public stage credentials.
const (
	merchantID = "2000132"
	hashKey    = "ejCk326UnaZWKisg"
	hashIV     = "q9jcZX8Ib9LM8wYk"
)

// received is one request as the fake server saw it, decrypted.
type received struct {
	Envelope generated.RequestEnvelope
	Inner    generated.CancelDelayIssueRequestData
	Body     []byte
}

// answer is what a fake's responder wants sent back.
type answer struct {
	status int    // default 200
	raw    []byte // sent verbatim when set
	// Otherwise an envelope: TransCode (default 1), TransMsg, and Data, the
	// inner plaintext to encrypt (encrypted only when non-empty).
	transCode *int // default 1
	transMsg  string
	data      string
	timestamp int64 // RpHeader.Timestamp; default the request's
}

// fakeECPay is an httptest server that speaks ECPay's wire format. Every
// request it receives is checked against the spec (envelope with
// openapi3filter, decrypted Data against requestBody.Data); every envelope
// it answers with is too, unless a test sends raw bytes on purpose.
type fakeECPay struct {
	*httptest.Server
	t       testing.TB
	codec   *ecpaycrypto.Codec
	respond func(r received) answer

	mu       sync.Mutex
	requests []received
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

// success answers RtnCode 1 as ECPay does.
func success(received) answer {
	return answer{data: `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`}
}

func (f *fakeECPay) serve(w http.ResponseWriter, r *http.Request) {
	check, err := contract.New()
	if err != nil {
		f.t.Error(err)
		return
	}
	input, err := check.Request(r.Context(), r)
	if err != nil {
		f.t.Errorf("the client sent a request that violates the spec: %v", err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.ContentLength != int64(len(body)) {
		f.t.Errorf("Content-Length %d for a body of %d bytes", r.ContentLength, len(body))
	}
	var rec received
	rec.Body = body
	if err := json.Unmarshal(body, &rec.Envelope); err != nil {
		f.t.Errorf("request envelope: %v", err)
	}
	plaintext, err := f.codec.Decrypt(rec.Envelope.Data)
	if err != nil {
		f.t.Errorf("request Data does not decrypt: %v", err)
	}
	if err := check.RequestData(plaintext); err != nil {
		f.t.Errorf("the client sent Data that violates the spec: %v", err)
	}
	if err := json.Unmarshal(plaintext, &rec.Inner); err != nil {
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
		if err := check.Response(r.Context(), input, a.status, http.Header{"Content-Type": {"application/json"}}, out); err != nil {
			f.t.Errorf("the fake answered outside the spec: %v", err)
		}
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
