package ecpaysim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestInjectNext(t *testing.T) {
	tests := []struct {
		name  string
		fault ecpaysim.Fault
		check func(t *testing.T, got reply, took time.Duration)
		// cancelled is whether the request cancels its invoice despite the fault.
		cancelled bool
	}{
		{
			name:  "TransCode error",
			fault: ecpaysim.Fault{TransCode: 10000006, TransMsg: "RqHeader.Timestamp Error"},
			check: func(t *testing.T, got reply, _ time.Duration) {
				if got.status != http.StatusOK || got.transCode() != 10000006 || got.transMsg() != "RqHeader.Timestamp Error" {
					t.Errorf("got HTTP %d %s", got.status, got.body)
				}
			},
		},
		{
			name:  "TransCode error with the default message",
			fault: ecpaysim.Fault{TransCode: 999},
			check: func(t *testing.T, got reply, _ time.Duration) {
				if got.transCode() != 999 || got.transMsg() != "injected fault" {
					t.Errorf("got %s", got.body)
				}
			},
		},
		{
			name:  "RtnCode error",
			fault: ecpaysim.Fault{RtnCode: 6000001, RtnMsg: "系統錯誤"},
			check: func(t *testing.T, got reply, _ time.Duration) {
				if got.transCode() != ecpaysim.TransCodeOK || got.rtnCode() != 6000001 || got.rtnMsg() != "系統錯誤" {
					t.Errorf("got %s, Data %+v", got.body, got.inner)
				}
			},
		},
		{
			name:  "HTTP status",
			fault: ecpaysim.Fault{HTTPStatus: http.StatusForbidden},
			check: func(t *testing.T, got reply, _ time.Duration) {
				if got.status != http.StatusForbidden {
					t.Errorf("got HTTP %d %s", got.status, got.body)
				}
			},
		},
		{
			name:  "HTTP 503",
			fault: ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable},
			check: func(t *testing.T, got reply, _ time.Duration) {
				if got.status != http.StatusServiceUnavailable {
					t.Errorf("got HTTP %d %s", got.status, got.body)
				}
			},
		},
		{
			name:  "latency",
			fault: ecpaysim.Fault{Delay: 150 * time.Millisecond},
			check: func(t *testing.T, got reply, took time.Duration) {
				if took < 150*time.Millisecond || got.rtnCode() != wrapper.RtnCodeOK {
					t.Errorf("took %v, got %s", took, got.body)
				}
			},
			cancelled: true,
		},
		{
			name:  "latency then a TransCode error",
			fault: ecpaysim.Fault{Delay: 100 * time.Millisecond, TransCode: 9},
			check: func(t *testing.T, got reply, took time.Duration) {
				if took < 100*time.Millisecond || got.transCode() != 9 {
					t.Errorf("took %v, got %s", took, got.body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
			mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
			if err := sim.InjectNext(tt.fault); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1"))
			tt.check(t, got, time.Since(start))
			if c := sim.Cancelled(ecpaysim.StageMerchantID, "T1"); c != tt.cancelled {
				t.Errorf("Cancelled = %v, want %v", c, tt.cancelled)
			}
			reqs := sim.Requests()
			if f := reqs[0].Fault; f == nil || *f != tt.fault {
				t.Errorf("recorded fault %v, want %v", f, tt.fault)
			}
			if n := sim.PendingFaults(); n != 0 {
				t.Errorf("PendingFaults() = %d after use", n)
			}
			// The fault was for one answer only.
			if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1")); got.transCode() != ecpaysim.TransCodeOK {
				t.Errorf("the answer after the fault: %s", got.body)
			}
			if !sim.Cancelled(ecpaysim.StageMerchantID, "T1") {
				t.Error("T1 is not cancelled after the faulty answer")
			}
		})
	}
}

func TestInjectNextMalformedBody(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
	const broken = `{"TransCode":1,"Data":`
	if err := sim.InjectNext(ecpaysim.Fault{MalformedBody: broken}); err != nil {
		t.Fatal(err)
	}
	// post would check the body against the spec, so read it raw.
	resp, err := http.Post(sim.URL+cancelOp.Path, "application/json", bytes.NewReader(cancelRequest(t, "T1")))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.String() != broken || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("got HTTP %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
	}
	if sim.Cancelled(ecpaysim.StageMerchantID, "T1") {
		t.Error("a malformed answer cancelled the invoice")
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("an injected malformed body counts as a violation: %v", v)
	}
}

// A LoseAnswer fault does the work and then closes the connection without
// the answer: the client sees a transport error that may have reached
// ECPay, the invoice is cancelled all the same, and the record keeps the
// answer that was lost.
func TestInjectNextLoseAnswer(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
	if err := sim.InjectNext(ecpaysim.Fault{LoseAnswer: true}); err != nil {
		t.Fatal(err)
	}
	_, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	var te *wrapper.TransportError
	if !errors.As(err, &te) || wrapper.ShouldRetry(0, te.Err) {
		t.Fatalf("got %v, want a transport error that may have reached ECPay", err)
	}
	if !sim.Cancelled(ecpaysim.StageMerchantID, "T1") {
		t.Error("the invoice was not cancelled: the work must be done before the answer is lost")
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || !reqs[0].Answer.Lost || reqs[0].Answer.RtnCode != wrapper.RtnCodeOK {
		t.Errorf("records %+v, want one lost answer of RtnCode 1", reqs)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("a lost answer counts as a violation: %v", v)
	}
	// The next request is answered.
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T1"}); !errors.Is(err, wrapper.ErrConflict) {
		t.Errorf("the cancel resent: %v, want ErrConflict", err)
	}
}

// A Data fault answers TransCode 1 with exactly the plaintext given, under
// the merchant's keys, unchecked, and changes nothing.
func TestInjectNextData(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
	const plaintext = `{"RtnCode":"1","RtnMsg":"取消開立發票成功","NotOnThePage":[1]}`
	if err := sim.InjectNext(ecpaysim.Fault{Data: plaintext}); err != nil {
		t.Fatal(err)
	}
	status, body := do(t, http.MethodPost, sim.URL+cancelOp.Path, "application/json", bytes.NewReader(cancelRequest(t, "T1")))
	var env struct {
		TransCode int
		Data      string
	}
	if err := json.Unmarshal(body, &env); err != nil || status != http.StatusOK || env.TransCode != ecpaysim.TransCodeOK {
		t.Fatalf("HTTP %d %s (%v), want TransCode 1", status, body, err)
	}
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := codec.Decrypt(env.Data); err != nil || string(got) != plaintext {
		t.Errorf("Data decrypts to %s (%v), want %s", got, err, plaintext)
	}
	if sim.Cancelled(ecpaysim.StageMerchantID, "T1") {
		t.Error("an injected Data cancelled the invoice")
	}
	// A faulted request is recorded as far as it reads without a check.
	if got := sim.Requests(); len(got) != 1 || got[0].Operation != cancelOp.Name || !bytes.Contains(got[0].Plaintext, []byte(`"Tsr":"T1"`)) {
		t.Errorf("recorded %+v, want the operation and the decrypted Data", got)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("an injected Data counts as a violation: %v", v)
	}
}

// A client that gives up during an injected delay gets nothing, and the
// request is recorded as abandoned instead of holding the server.
func TestInjectedDelayRespectsTheRequestContext(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
	if err := sim.InjectNext(ecpaysim.Fault{Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	// The client gives up once the simulator has read the whole request,
	// and the test reads Requests once the simulator's handler returned:
	// events, not a deadline that a loaded machine could miss.
	bodyRead, served := make(chan struct{}), make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		r.Body = &signalAtEOF{ReadCloser: r.Body, eof: bodyRead}
		sim.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		select {
		case <-bodyRead:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, front.URL+cancelOp.Path, bytes.NewReader(cancelRequest(t, "T1")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		if err == nil {
			resp.Body.Close()
		}
		t.Fatalf("got %v, want the client's cancellation", err)
	}
	select {
	case <-served:
	case <-time.After(time.Minute):
		t.Fatal("the simulator still holds the request its client gave up")
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || !reqs[0].Answer.Abandoned || reqs[0].Answer.StatusCode != 0 {
		t.Fatalf("Requests() = %+v, want one abandoned request", reqs)
	}
	if sim.Cancelled(ecpaysim.StageMerchantID, "T1") {
		t.Error("an abandoned request cancelled the invoice")
	}
}

// signalAtEOF closes eof once its reader is read to the end.
type signalAtEOF struct {
	io.ReadCloser
	eof  chan struct{}
	once sync.Once
}

func (s *signalAtEOF) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		s.once.Do(func() { close(s.eof) })
	}
	return n, err
}

func TestInjectNextQueuesInOrder(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "T1")
	err := sim.InjectNext(ecpaysim.Fault{TransCode: 2}, ecpaysim.Fault{HTTPStatus: http.StatusBadGateway}, ecpaysim.Fault{RtnCode: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1")); got.transCode() != 2 {
		t.Errorf("first answer: %s", got.body)
	}
	if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1")); got.status != http.StatusBadGateway {
		t.Errorf("second answer: HTTP %d", got.status)
	}
	if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1")); got.rtnCode() != 3 {
		t.Errorf("third answer: %s", got.body)
	}
	if got := postJSON(t, cancelOp, sim.URL, cancelRequest(t, "T1")); got.rtnCode() != wrapper.RtnCodeOK {
		t.Errorf("fourth answer: %s", got.body)
	}
	inv := sim.Invoices()[0]
	if inv.CancelRequests != 2 {
		// The RtnCode fault's request and the successful one passed every
		// envelope check; the first two were answered before them.
		t.Errorf("CancelRequests = %d, want 2", inv.CancelRequests)
	}
}

// An RtnCode fault applies only to an envelope that passes the checks.
func TestRtnCodeFaultNeedsAValidEnvelope(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	if err := sim.InjectNext(ecpaysim.Fault{RtnCode: 5}); err != nil {
		t.Fatal(err)
	}
	body := envelope(testNow.Add(time.Hour), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "T1")))
	if got := postJSON(t, cancelOp, sim.URL, body); got.transCode() != ecpaysim.TransCodeTimestampOutOfRange {
		t.Errorf("got %s", got.body)
	}
	if n := sim.PendingFaults(); n != 0 {
		t.Errorf("PendingFaults() = %d; the request used the fault up", n)
	}
}

func TestInjectNextRejectsInconsistentFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault ecpaysim.Fault
		want  string
	}{
		{"two kinds", ecpaysim.Fault{TransCode: 2, RtnCode: 3}, "at most one"},
		{"Data and an RtnCode", ecpaysim.Fault{RtnCode: 3, Data: "{}"}, "at most one"},
		{"a lost answer and an HTTP status", ecpaysim.Fault{LoseAnswer: true, HTTPStatus: 503}, "at most one"},
		{"negative delay", ecpaysim.Fault{Delay: -time.Second}, "negative"},
		{"HTTP 200", ecpaysim.Fault{HTTPStatus: http.StatusOK}, "400 to 599"},
		{"HTTP 600", ecpaysim.Fault{HTTPStatus: 600}, "400 to 599"},
		{"TransCode 1", ecpaysim.Fault{TransCode: ecpaysim.TransCodeOK}, "success"},
		{"RtnCode 1", ecpaysim.Fault{RtnCode: wrapper.RtnCodeOK}, "success"},
		{"TransMsg alone", ecpaysim.Fault{TransMsg: "x"}, "needs a TransCode"},
		{"RtnMsg alone", ecpaysim.Fault{RtnMsg: "x"}, "needs an RtnCode"},
		{"TransMsg too long", ecpaysim.Fault{TransCode: 2, TransMsg: strings.Repeat("錯", 201)}, "201 characters"},
		{"RtnMsg too long", ecpaysim.Fault{RtnCode: 2, RtnMsg: strings.Repeat("x", 201)}, "201 characters"},
	}
	sim := ecpaysimtest.NewServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sim.InjectNext(ecpaysim.Fault{TransCode: 7}, tt.fault)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("InjectNext(%+v) = %v, want an error containing %q", tt.fault, err, tt.want)
			}
			if n := sim.PendingFaults(); n != 0 {
				t.Errorf("PendingFaults() = %d: a rejected batch queued faults", n)
			}
		})
	}
}
