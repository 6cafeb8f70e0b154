package ecpaysim_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TestServer.Client talks to the simulator with the first merchant's keys
// and the simulator's clock; each outcome arrives as the wrapper's error
// type for it.
func TestTestServerClient(t *testing.T) {
	sim := ecpaysim.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "C1")
	cancel := func() error {
		_, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "C1"})
		return err
	}

	res, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != ecpaysim.RtnCodeOK || res.RtnMsg != ecpaysim.RtnMsgOK || !res.Timestamp.Equal(testNow) {
		t.Errorf("result %+v", res)
	}
	if r := sim.Requests()[0]; r.Envelope.RqHeader.Revision == nil || r.Envelope.RqHeader.Timestamp != int(testNow.Unix()) {
		t.Errorf("the client sent %+v", r.Envelope)
	}

	var apiErr *wrapper.APIError
	if err := cancel(); !errors.As(err, &apiErr) || apiErr.RtnCode != ecpaysim.RtnCodeAlreadyCancelled {
		t.Errorf("second cancel: %v", err)
	}

	if err := sim.InjectNext(ecpaysim.Fault{TransCode: 10000006}, ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable},
		ecpaysim.Fault{MalformedBody: `{"TransCode":`}); err != nil {
		t.Fatal(err)
	}
	var transErr *wrapper.TransError
	if err := cancel(); !errors.As(err, &transErr) || transErr.TransCode != 10000006 {
		t.Errorf("injected TransCode: %v", err)
	}
	var httpErr *wrapper.HTTPError
	if err := cancel(); !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("injected HTTP status: %v", err)
	}
	var decodeErr *wrapper.DecodeError
	if err := cancel(); !errors.As(err, &decodeErr) {
		t.Errorf("injected malformed body: %v", err)
	}
}

// The client of a TestServer uses the first merchant given.
func TestTestServerClientUsesTheFirstMerchant(t *testing.T) {
	const id = "3085340"
	sim := ecpaysim.NewServer(t,
		ecpaysim.WithMerchant(id, "1234567890abcdef", "fedcba0987654321"),
		ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV))
	mustAdd(t, sim, id, "M1")
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "M1"}); err != nil {
		t.Fatal(err)
	}
	if !sim.Cancelled(id, "M1") {
		t.Error("M1 is not cancelled")
	}
}

// A client whose clock is 11 minutes off is refused with the TransCode the
// simulator uses for the time window.
func TestClientClockSkew(t *testing.T) {
	sim := ecpaysim.NewServer(t)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(sim.URL), wrapper.WithClock(func() time.Time { return time.Now().Add(11 * time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T"})
	var transErr *wrapper.TransError
	if !errors.As(err, &transErr) || transErr.TransCode != ecpaysim.TransCodeTimestampOutOfRange {
		t.Errorf("got %v, want TransCode %d", err, ecpaysim.TransCodeTimestampOutOfRange)
	}
}
