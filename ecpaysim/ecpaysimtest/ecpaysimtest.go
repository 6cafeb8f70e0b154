package ecpaysim

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ecpay-go/einvoice/wrapper"
)

// TestServer is a Server listening on a local httptest.Server, with a client
// of its first merchant. Its Server methods (AddDelayedInvoice, Cancelled,
// Requests, InjectNext, Violations, …) are promoted.
type TestServer struct {
	*Server
	// URL is the base URL, e.g. "http://127.0.0.1:34567", for the
	// endpoint at URL+"/B2CInvoice/CancelDelayIssue" and the admin API at
	// URL+"/_sim/".
	URL string
	// HTTP is the underlying httptest.Server.
	HTTP *httptest.Server
	// Client is a wrapper.Client for the first configured merchant (the
	// stage merchant by default) whose requests go to URL, reading the
	// same clock as the Server.
	Client *wrapper.Client
}

// NewServer starts a Server made with opts (and WithTB(t), so a violation
// fails t) on a local port, serving the endpoint and the admin API, and
// closes it when t's test ends. It calls t.Fatal if the Server cannot be
// made.
func NewServer(t testing.TB, opts ...Option) *TestServer {
	t.Helper()
	cfg, err := configure(append([]Option{WithTB(t)}, opts...))
	if err != nil {
		t.Fatalf("ecpaysim.NewServer: %v", err)
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatalf("ecpaysim.NewServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(AdminPrefix, s.AdminHandler())
	mux.Handle("/", s)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)

	first := cfg.merchants[0]
	client, err := wrapper.NewClient(first.id, first.hashKey, first.hashIV,
		wrapper.WithBaseURL(hs.URL), wrapper.WithHTTPClient(hs.Client()), wrapper.WithClock(cfg.clock))
	if err != nil {
		t.Fatalf("ecpaysim.NewServer: making the client of merchant %s: %v", first.id, err)
	}
	return &TestServer{Server: s, URL: hs.URL, HTTP: hs, Client: client}
}
