package wrapper

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The default http.Client of NewClient never follows a redirect from https
// to plain http, to another server or to its own host and port. This test
// is internal only to make that client trust the test server's certificate:
// its redirect policy stays NewClient's.
func TestDefaultClientRefusesARedirectFromHTTPSToHTTP(t *testing.T) {
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		plainHits.Add(1)
		http.Error(w, "reached over plain http", http.StatusInternalServerError)
	}))
	t.Cleanup(plain.Close)
	tests := map[string]struct {
		to   func(r *http.Request) string
		want string
	}{
		"to a plain http server":          {to: func(r *http.Request) string { return plain.URL + r.URL.Path }, want: "another host"},
		"to its own host over plain http": {to: func(r *http.Request) string { return "http://" + r.Host + r.URL.Path }, want: "from https to http"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var tlsHits atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tlsHits.Add(1)
				http.Redirect(w, r, tc.to(r), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(StageMerchantID, StageHashKey, StageHashIV, WithBaseURL(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			hc, ok := c.doer.(*http.Client)
			if !ok || hc.CheckRedirect == nil {
				t.Fatalf("NewClient's HTTP client is %T without a redirect policy", c.doer)
			}
			hc.Transport = srv.Client().Transport
			_, err = c.CancelDelayIssue(context.Background(), CancelDelayIssueRequest{Tsr: "T1"})
			var te *TransportError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a TransportError saying %q", err, tc.want)
			}
			if n := tlsHits.Load(); n != 1 {
				t.Errorf("the https server received %d requests, want 1", n)
			}
			if n := plainHits.Load(); n != 0 {
				t.Errorf("the plain server received %d requests", n)
			}
		})
	}
}
