package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
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

// subMerchant is a merchant other than the stage one, as a platform sends
// for a sub-merchant; the simulator knows it under the stage keys where a
// test says so.
const subMerchant = "3085676"

// movedPrefix is a path prefix that moved answers with a same-host 307 to
// the path without it, as a server that moved its API would.
const movedPrefix = "/moved"

// simServer is the simulator behind a front that checks what the client
// sends before the simulator does: URL is the front's.
type simServer struct {
	*ecpaysimtest.Server
	URL   string
	front http.Handler
}

// newSim starts the simulator (ecpaysimtest) for the stage merchant, made
// with opts. Every request must carry a Content-Length equal to its body,
// and every request it received is checked against its operation's page
// when the test ends, those that an injected fault answered too, as the
// simulator checks only the others.
func newSim(t testing.TB, opts ...ecpaysim.Option) *simServer {
	t.Helper()
	sim := ecpaysimtest.NewServer(t, opts...)
	checking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d for a body of %d bytes (%v)", r.ContentLength, len(body), err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sim.Handler().ServeHTTP(w, r)
	})
	front := httptest.NewServer(checking)
	t.Cleanup(front.Close)
	t.Cleanup(func() {
		check, err := contract.New()
		if err != nil {
			t.Error(err)
			return
		}
		for _, r := range sim.Requests() {
			op := registry.Lookup(r.Operation)
			if op == nil {
				t.Errorf("the client sent a request to no operation (%q)", r.Operation)
				continue
			}
			req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, op.Path, bytes.NewReader(r.Body))
			req.Header.Set("Content-Type", "application/json")
			route, err := check.Request(req.Context(), req)
			if route == nil || err != nil {
				t.Errorf("the client sent a %s request that violates the spec: %v", r.Operation, err)
				continue
			}
			if err := check.RequestData(route.Op, r.Plaintext); err != nil {
				t.Errorf("the client sent %s Data that violates the spec: %v", r.Operation, err)
			}
		}
	})
	return &simServer{Server: sim, URL: front.URL, front: checking}
}

// inject queues faults on sim for its next requests, or fails the test.
func inject(t testing.TB, sim *simServer, faults ...ecpaysim.Fault) {
	t.Helper()
	if err := sim.InjectNext(faults...); err != nil {
		t.Fatal(err)
	}
}

// moved serves sim behind movedPrefix: a request to movedPrefix+path is
// answered with a same-host 307 to path, and recorded in the result.
func moved(t testing.TB, sim *simServer) (url string, redirected func() []string) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, movedPrefix); ok {
			mu.Lock()
			paths = append(paths, r.URL.Path)
			mu.Unlock()
			http.Redirect(w, r, rest, http.StatusTemporaryRedirect)
			return
		}
		sim.front.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + movedPrefix, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

// sent is a request the simulator received, its Data decoded.
type sent struct {
	Op       string
	Envelope generated.RequestEnvelope
	Inner    map[string]any
}

// field returns the string member name of the inner request.
func (s sent) field(name string) string {
	v, _ := s.Inner[name].(string)
	return v
}

// received returns the requests sim received, in order.
func received(t testing.TB, sim *simServer) []sent {
	t.Helper()
	var out []sent
	for _, r := range sim.Requests() {
		s := sent{Op: r.Operation}
		if r.Envelope != nil {
			s.Envelope = *r.Envelope
		}
		if err := json.Unmarshal(r.Plaintext, &s.Inner); err != nil {
			t.Errorf("request Data: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// wantNothingSent fails t when sim received any request.
func wantNothingSent(t *testing.T, sim *simServer) {
	t.Helper()
	if got := sim.Requests(); len(got) != 0 {
		t.Errorf("the server received %d requests, want none", len(got))
	}
}

// inner is the plaintext of an answer's Data with code and message.
func inner(code int, msg string) string {
	b, err := json.Marshal(map[string]any{"RtnCode": code, "RtnMsg": msg})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// plain is a server outside ECPay's protocol that answers every request
// with the same status, header and body (as application/json unless header
// says otherwise), and counts them.
type plain struct {
	*httptest.Server
	n atomic.Int32
}

func plainServer(t testing.TB, status int, header http.Header, body string) *plain {
	p := &plain{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		maps.Copy(w.Header(), header)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *plain) count() int { return int(p.n.Load()) }

// newCounter is a plain server that answers 500: what must never be reached.
func newCounter(t testing.TB) *plain {
	return plainServer(t, http.StatusInternalServerError, nil, "reached")
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

// pending registers on sim a delayed invoice of the stage merchant waiting
// for a trigger for each tsr, which CancelDelayIssue cancels (RtnCode 1) and
// TriggerIssue issues (4000004).
func pending(t testing.TB, sim *simServer, tsrs ...string) {
	t.Helper()
	for _, tsr := range tsrs {
		if err := sim.AddDelayedInvoice(merchantID, tsr); err != nil {
			t.Fatal(err)
		}
	}
}
