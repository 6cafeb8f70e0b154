package ecpaysimtest_test

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Server.Client talks to the simulator with the first merchant's keys and
// the simulator's clock; each outcome arrives as the wrapper's error type
// for it.
func TestNewServerClient(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return testNow }))
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "C1"); err != nil {
		t.Fatal(err)
	}
	cancel := func() error {
		_, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "C1"})
		return err
	}

	res, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != wrapper.RtnCodeOK || res.RtnMsg != "取消開立發票成功" || !res.Timestamp.Equal(testNow) {
		t.Errorf("result %+v", res)
	}
	if r := sim.Requests()[0]; r.Envelope.RqHeader.Revision == nil || r.Envelope.RqHeader.Timestamp != int(testNow.Unix()) {
		t.Errorf("the client sent %+v", r.Envelope)
	}

	if apiErr, ok := errors.AsType[*wrapper.APIError](cancel()); !ok || apiErr.RtnCode != wrapper.RtnCodeNoUpdatableTsr {
		t.Errorf("second cancel: %v", apiErr)
	}

	if err := sim.InjectNext(ecpaysim.Fault{TransCode: 10000006}, ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable},
		ecpaysim.Fault{MalformedBody: `{"TransCode":`}); err != nil {
		t.Fatal(err)
	}
	if err, ok := errors.AsType[*wrapper.TransError](cancel()); !ok || err.TransCode != 10000006 {
		t.Errorf("injected TransCode: %v", err)
	}
	if err, ok := errors.AsType[*wrapper.HTTPError](cancel()); !ok || err.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("injected HTTP status: %v", err)
	}
	if _, ok := errors.AsType[*wrapper.DecodeError](cancel()); !ok {
		t.Error("injected malformed body: no DecodeError")
	}
}

// The client of a Server uses the first merchant given.
func TestNewServerClientUsesTheFirstMerchant(t *testing.T) {
	const id = "3085340"
	sim := ecpaysimtest.NewServer(t,
		ecpaysim.WithMerchant(id, "1234567890abcdef", "fedcba0987654321"),
		ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV))
	if err := sim.AddDelayedInvoice(id, "M1"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "M1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := sim.Status(id, "M1"); st != ecpaysim.StatusIssued {
		t.Errorf("M1 is %s, want issued", st)
	}
}

// A client whose clock is 11 minutes off is refused with the TransCode the
// simulator uses for the time window.
func TestClientClockSkew(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(sim.URL), wrapper.WithClock(func() time.Time { return time.Now().Add(11 * time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T"})
	if transErr, ok := errors.AsType[*wrapper.TransError](err); !ok || transErr.TransCode != ecpaysim.TransCodeTimestampOutOfRange {
		t.Errorf("got %v, want TransCode %d", err, ecpaysim.TransCodeTimestampOutOfRange)
	}
}

// recordingTB is a testing.TB whose Errorf and Fatalf are recorded instead of
// failing the test, to test that violations fail the TB they were given.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// A simulator bug fails the test that started the Server: here a clock that
// panics while the simulator checks a Timestamp.
func TestViolationFailsTheTest(t *testing.T) {
	tb := &recordingTB{TB: t}
	var calls atomic.Int32
	clock := func() time.Time {
		// The record's Received time comes first.
		if calls.Add(1) == 2 {
			panic("clock failure")
		}
		return time.Now()
	}
	sim := ecpaysimtest.NewServer(tb, ecpaysim.WithClock(clock))
	// A client with a clock of its own, so that only the Server reads sim's.
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(sim.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	if transErr, ok := errors.AsType[*wrapper.TransError](err); !ok || transErr.TransCode != ecpaysim.TransCodeInternalError {
		t.Errorf("got %v, want TransCode %d", err, ecpaysim.TransCodeInternalError)
	}
	got := tb.recorded()
	if len(got) != 1 || !strings.Contains(got[0], "clock failure") || strings.Contains(got[0], "ecpaysim: ecpaysim:") {
		t.Errorf("the test got %q, want one error about the panic", got)
	}
}

// NewServer reports a bad option through t.Fatalf, naming the helper.
func TestNewServerBadOption(t *testing.T) {
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ecpaysimtest.NewServer(tb, ecpaysim.WithMerchant("2000132", "short", "short"))
	}()
	<-done
	if !strings.Contains(tb.msg, "ecpaysimtest.NewServer") || !strings.Contains(tb.msg, "HashKey is 5 bytes") {
		t.Errorf("Fatalf(%q), want the helper's name and the problem", tb.msg)
	}
}

// fatalTB records Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
