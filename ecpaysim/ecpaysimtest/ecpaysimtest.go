// Package ecpaysimtest starts the ECPay simulator of package ecpaysim for a
// Go test, with a client ready to call it. It is apart from ecpaysim so that
// programs serving the simulator, such as cmd/ecpay-sim, do not link package
// testing.
//
//	func TestCancel(t *testing.T) {
//		sim := ecpaysimtest.NewServer(t) // stage merchant 2000132, closed by t.Cleanup
//		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "TSR0001"); err != nil {
//			t.Fatal(err)
//		}
//		if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "TSR0001"}); err != nil {
//			t.Fatal(err)
//		}
//	}
package ecpaysimtest

import (
	"net/http/httptest"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Server is an ecpaysim.Server listening on a local httptest.Server, with a
// client of its first merchant. Its ecpaysim.Server methods
// (AddDelayedInvoice, Status, Requests, InjectNext, Violations, …) are
// promoted.
type Server struct {
	*ecpaysim.Server
	// URL is the base URL, e.g. "http://127.0.0.1:34567", for the
	// operations at URL+"/B2CInvoice/<Operation>" and the admin API at
	// URL+"/_sim/".
	URL string
	// HTTP is the underlying httptest.Server.
	HTTP *httptest.Server
	// Client is a wrapper.Client for the first configured merchant (the
	// stage merchant by default) whose requests go to URL, reading the
	// simulator's clock (Server.Now: WithClock's if given, moved by
	// Advance), so its Timestamps stay in the window after a move.
	Client *wrapper.Client
}

// NewServer starts an ecpaysim.Server made with opts on a local port,
// serving the operations and the admin API, and closes it when t's test
// ends. Every violation of the simulator fails t. It calls t.Fatal if the
// Server cannot be made. The client reads the Server's clock, moves
// included.
func NewServer(t testing.TB, opts ...ecpaysim.Option) *Server {
	t.Helper()
	opts = append([]ecpaysim.Option{ecpaysim.WithViolationFunc(func(err error) { t.Errorf("%v", err) })}, opts...)
	merchants, err := ecpaysim.Configured(opts...)
	if err != nil {
		t.Fatalf("ecpaysimtest.NewServer: %v", err)
	}
	s, err := ecpaysim.New(opts...)
	if err != nil {
		t.Fatalf("ecpaysimtest.NewServer: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(s.Close) // runs first: no notification after the test

	first := merchants[0]
	client, err := wrapper.NewClient(first.ID, first.HashKey, first.HashIV,
		wrapper.WithBaseURL(hs.URL), wrapper.WithHTTPClient(hs.Client()), wrapper.WithClock(s.Clock()))
	if err != nil {
		t.Fatalf("ecpaysimtest.NewServer: making the client of merchant %s: %v", first.ID, err)
	}
	return &Server{Server: s, URL: hs.URL, HTTP: hs, Client: client}
}
