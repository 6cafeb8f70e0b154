package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestCancelDelayIssueSucceeds(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		data    string
		offSpec bool // the vendor's own example breaks responses.Data
		opts    []wrapper.Option
		req     wrapper.CancelDelayIssueRequest
		// what the server must have received
		wantMerchant string
		noRevision   bool
		wantPlatform *string
	}{
		"RtnCode as a number": {
			data: `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
			req:  wrapper.CancelDelayIssueRequest{Tsr: "201909170001"},
		},
		"RtnCode as a string, as the vendor page shows": {
			data:    `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`,
			offSpec: true,
			req:     wrapper.CancelDelayIssueRequest{Tsr: "201909170001"},
		},
		"explicit MerchantID and PlatformID, as a platform sends for a sub-merchant": {
			data:         `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
			opts:         []wrapper.Option{wrapper.WithPlatformID("3085340")},
			req:          wrapper.CancelDelayIssueRequest{MerchantID: "3085676", Tsr: "T1"},
			wantMerchant: "3085676",
			wantPlatform: ptr("3085340"),
		},
		"no Revision": {
			data:       `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
			opts:       []wrapper.Option{wrapper.WithRevision("")},
			req:        wrapper.CancelDelayIssueRequest{Tsr: "201909170001"},
			noRevision: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// The answer's Data is injected: the vendor's example breaks
			// the page, and a sub-merchant's answer is under the
			// platform's keys.
			sim := newSim(t, ecpaysim.WithClock(fixedClock(now)), ecpaysim.WithMerchant(merchantID, hashKey, hashIV), ecpaysim.WithMerchant("3085340", hashKey, hashIV))
			inject(t, sim, ecpaysim.Fault{Data: tc.data})
			c := client(t, sim.URL, append([]wrapper.Option{wrapper.WithClock(fixedClock(now))}, tc.opts...)...)
			res, err := c.CancelDelayIssue(bg, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.RtnCode != wrapper.RtnCodeOK || res.RtnMsg != "取消開立發票成功" {
				t.Errorf("result = %d %q", res.RtnCode, res.RtnMsg)
			}
			if res.Data.RtnCode == nil || *res.Data.RtnCode != 1 {
				t.Errorf("Data.RtnCode = %v", res.Data.RtnCode)
			}
			if !res.Timestamp.Equal(now) {
				t.Errorf("Timestamp = %v, want %v", res.Timestamp, now)
			}
			got := received(t, sim)
			if len(got) != 1 {
				t.Fatalf("server received %d requests", len(got))
			}
			env := got[0].Envelope
			wantMerchant := tc.wantMerchant
			if wantMerchant == "" {
				wantMerchant = merchantID
			}
			if env.MerchantID != wantMerchant || got[0].field("MerchantID") != wantMerchant {
				t.Errorf("MerchantID envelope %q inner %q, want %q", env.MerchantID, got[0].field("MerchantID"), wantMerchant)
			}
			if got[0].field("Tsr") != tc.req.Tsr {
				t.Errorf("Tsr = %q, want %q", got[0].field("Tsr"), tc.req.Tsr)
			}
			if got[0].Op != "CancelDelayIssue" {
				t.Errorf("the request went to %s", got[0].Op)
			}
			// Plain Unix seconds: adding 8 hours for "GMT+8" would be a bug.
			if env.RqHeader.Timestamp != int(now.Unix()) {
				t.Errorf("Timestamp = %d, want %d", env.RqHeader.Timestamp, now.Unix())
			}
			wantRevision := wrapper.DefaultRevision
			if tc.noRevision {
				wantRevision = "<nil>"
			}
			if got := deref(env.RqHeader.Revision); got != wantRevision {
				t.Errorf("Revision = %s, want %s", got, wantRevision)
			}
			if (env.PlatformID == nil) != (tc.wantPlatform == nil) || deref(env.PlatformID) != deref(tc.wantPlatform) {
				t.Errorf("PlatformID = %v, want %v", deref(env.PlatformID), deref(tc.wantPlatform))
			}
		})
	}
}

// Production answers have been reported with MerchantID as a JSON number; a
// cancel ECPay made must not turn into a DecodeError.
func TestCancelDelayIssueTakesANumericMerchantID(t *testing.T) {
	data := testkit.StageData(t, `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`)
	srv := plainServer(t, http.StatusOK, nil, `{"MerchantID":2000132,"RpHeader":{"Timestamp":1},"TransCode":1,"TransMsg":"","Data":"`+data+`"}`)
	res, err := client(t, srv.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != 1 || res.Envelope.MerchantID == nil || *res.Envelope.MerchantID != merchantID {
		t.Errorf("result %+v, envelope MerchantID %v", res, res.Envelope.MerchantID)
	}
}

func TestCancelDelayIssueValidatesBeforeSending(t *testing.T) {
	tsrMax := dataMaxLength(t, registry.CancelDelayIssue, "Tsr")
	idMax := dataMaxLength(t, registry.CancelDelayIssue, "MerchantID")
	tests := map[string]struct {
		req       wrapper.CancelDelayIssueRequest
		wantField string
		wantRule  string
	}{
		"empty Tsr":            {req: wrapper.CancelDelayIssueRequest{Tsr: ""}, wantField: "Tsr", wantRule: "required"},
		"Tsr too long":         {req: wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("9", tsrMax+1)}, wantField: "Tsr", wantRule: "maxLength"},
		"MerchantID too long":  {req: wrapper.CancelDelayIssueRequest{MerchantID: strings.Repeat("1", idMax+1), Tsr: "T1"}, wantField: "MerchantID", wantRule: "maxLength"},
		"Tsr too long Chinese": {req: wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("單", tsrMax+1)}, wantField: "Tsr", wantRule: "maxLength"},
	}
	sim := newSim(t)
	pending(t, sim, strings.Repeat("單", tsrMax))
	c := client(t, sim.URL)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := c.CancelDelayIssue(bg, tc.req)
			wantValidation(t, err, "CancelDelayIssue", tc.wantField, tc.wantRule)
			if tc.req.Tsr != "" && strings.Contains(err.Error(), tc.req.Tsr) {
				t.Errorf("the error quotes the request's Data: %v", err)
			}
		})
	}
	// Validate gives the same verdict without sending anything.
	for name, tc := range tests {
		t.Run("Validate/"+name, func(t *testing.T) {
			wantValidation(t, c.Validate(tc.req), "CancelDelayIssue", tc.wantField, tc.wantRule)
		})
	}
	if err := c.Validate(wrapper.CancelDelayIssueRequest{Tsr: "T1"}); err != nil {
		t.Errorf("Validate of a valid request: %v", err)
	}
	// maxLength characters is the limit, not past it.
	if _, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("單", tsrMax)}); err != nil {
		t.Errorf("a %d-character Tsr: %v", tsrMax, err)
	}
	if n := len(received(t, sim)); n != 1 {
		t.Errorf("server received %d requests, want only the valid one", n)
	}
}

func TestNewClientChecksItsArguments(t *testing.T) {
	tests := map[string]struct {
		merchant, key, iv string
		opts              []wrapper.Option
		want              string
	}{
		"empty MerchantID":        {merchant: "", key: hashKey, iv: hashIV, want: "MerchantID is empty"},
		"MerchantID too long":     {merchant: strings.Repeat("1", 100), key: hashKey, iv: hashIV, want: "MerchantID"},
		"MerchantID not UTF-8":    {merchant: "2000\xff132", key: hashKey, iv: hashIV, want: "MerchantID holds bytes that are not UTF-8"},
		"short HashKey":           {merchant: merchantID, key: hashKey[:15], iv: hashIV, want: "15"},
		"long HashIV":             {merchant: merchantID, key: hashKey, iv: hashIV + "x", want: "17"},
		"32-byte HashKey":         {merchant: merchantID, key: hashKey + hashKey, iv: hashIV, want: "32"},
		"ftp base URL":            {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("ftp://example.test")}, want: "https URL"},
		"base URL no host":        {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://")}, want: "host"},
		"unparsable URL":          {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("http://[::1")}, want: "does not parse"},
		"plain http, not local":   {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("http://einvoice.example.test")}, want: "loopback"},
		"base URL with password":  {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://u:" + hashKey + "@x.test")}, want: "user information"},
		"PlatformID too long":     {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithPlatformID(strings.Repeat("1", 100))}, want: "PlatformID"},
		"PlatformID not UTF-8":    {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithPlatformID("30\xff85")}, want: "PlatformID holds bytes that are not UTF-8"},
		"Revision not UTF-8":      {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithRevision("3.0\xff")}, want: "Revision holds bytes that are not UTF-8"},
		"negative timeout":        {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithTimeout(-time.Second)}, want: "negative"},
		"nil clock":               {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithClock(nil)}, want: "WithClock"},
		"base URL with ?":         {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://x.test/?a=1")}, want: "query"},
		"empty base URL":          {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("")}, want: "https URL"},
		"relative base URL":       {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("/B2CInvoice")}, want: "https URL"},
		"negative MaxAttempts":    {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: -1})}, want: "WithRetry"},
		"negative InitialBackoff": {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, InitialBackoff: -time.Second})}, want: "must not be negative"},
		"negative MaxBackoff":     {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, MaxBackoff: -time.Second})}, want: "must not be negative"},
		"backoffs reversed":       {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Minute, MaxBackoff: time.Second})}, want: "above MaxBackoff"},
		// Production is reached only with a merchant's own credentials.
		"stage merchant, production":        {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL(wrapper.ProductionURL)}, want: "einvoice.ecpay.com.tw is ECPay's production host, which needs the merchant's own credentials"},
		"stage merchant, production's host": {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://EINVOICE.ecpay.com.tw.:443/B2CInvoice/")}, want: "production host"},
		"stage key, production":             {merchant: "3000111", key: hashKey, iv: "fedcba9876543210", opts: []wrapper.Option{wrapper.WithBaseURL(wrapper.ProductionURL)}, want: "production host"},
		"stage MerchantID, production":      {merchant: merchantID, key: "0123456789abcdef", iv: "fedcba9876543210", opts: []wrapper.Option{wrapper.WithBaseURL(wrapper.ProductionURL)}, want: "production host"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := wrapper.NewClient(tc.merchant, tc.key, tc.iv, tc.opts...)
			if err == nil {
				t.Fatalf("NewClient accepted it: %v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			// A constructor error, not one of a call's.
			if _, ok := asValidation(err); ok || strings.Contains(err.Error(), "nothing was sent") {
				t.Errorf("error %q reads as a refused request", err)
			}
			assertNoSecret(t, err.Error())
		})
	}
	for _, u := range []string{wrapper.StageURL, "http://127.0.0.1:8080", "http://localhost:1/prefix/", "http://[::1]:9"} {
		if _, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(u)); err != nil {
			t.Errorf("WithBaseURL(%q): %v", u, err)
		}
	}
	// A merchant's own credentials reach production (nothing is sent here).
	if _, err := wrapper.NewClient("3000111", "0123456789abcdef", "fedcba9876543210", wrapper.WithBaseURL(wrapper.ProductionURL)); err != nil {
		t.Errorf("own credentials with ProductionURL: %v", err)
	}
}

func TestCancelDelayIssueErrors(t *testing.T) {
	other, err := ecpaycrypto.New("0123456789abcdef", "fedcba9876543210")
	if err != nil {
		t.Fatal(err)
	}
	otherData, err := other.Encrypt([]byte(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	// raw answers with a plain server; sim with the simulator and faults.
	raw := func(status int, body string) func(t *testing.T) string {
		return func(t *testing.T) string { return plainServer(t, status, nil, body).URL }
	}
	sim := func(faults ...ecpaysim.Fault) func(t *testing.T) string {
		return func(t *testing.T) string {
			s := newSim(t, ecpaysim.WithClock(fixedClock(now)))
			inject(t, s, faults...)
			return s.URL
		}
	}
	tests := map[string]struct {
		serve func(t *testing.T) string // the base URL
		check func(t *testing.T, err error)
	}{
		"HTTP 403 says ECPay rate-limits": {
			serve: raw(http.StatusForbidden, "Forbidden"),
			check: func(t *testing.T, err error) {
				var he *wrapper.HTTPError
				if !errors.As(err, &he) || he.StatusCode != 403 || !strings.Contains(err.Error(), "rate-limit") {
					t.Errorf("err = %v, want an HTTPError 403 about rate limits", err)
				}
			},
		},
		"HTML 502 page": {
			serve: raw(http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
			check: wantHTTP(502),
		},
		"TransCode 0 with empty Data": {
			// A fault's TransCode 0 would be no fault: a plain server.
			serve: raw(http.StatusOK, fmt.Sprintf(`{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":0,"TransMsg":"MerchantID Error","Data":""}`, now.Unix())),
			check: func(t *testing.T, err error) {
				var te *wrapper.TransError
				if !errors.As(err, &te) || te.TransCode != 0 || te.TransMsg != "MerchantID Error" {
					t.Errorf("err = %v, want TransError 0 MerchantID Error", err)
				}
				if te != nil && te.ClockSkew != 0 {
					t.Errorf("ClockSkew = %v with clocks in sync", te.ClockSkew)
				}
			},
		},
		"TransError with the local clock 20 minutes off": {
			serve: func(t *testing.T) string {
				s := newSim(t, ecpaysim.WithClock(fixedClock(now.Add(-20*time.Minute))))
				inject(t, s, ecpaysim.Fault{TransCode: 10000006, TransMsg: "Timestamp Error"})
				return s.URL
			},
			check: func(t *testing.T, err error) {
				var te *wrapper.TransError
				if !errors.As(err, &te) || te.ClockSkew != 20*time.Minute || !strings.Contains(err.Error(), "local clock is 20m0s ahead") {
					t.Errorf("err = %v, want a TransError saying the local clock is 20 minutes ahead", err)
				}
			},
		},
		"RtnCode refusal": {
			serve: sim(ecpaysim.Fault{RtnCode: 5000001, RtnMsg: "查無此交易單號"}),
			check: func(t *testing.T, err error) {
				var ae *wrapper.APIError
				if !errors.As(err, &ae) || ae.Operation != "CancelDelayIssue" || ae.RtnCode != 5000001 || ae.RtnMsg != "查無此交易單號" {
					t.Errorf("err = %v, want APIError 5000001", err)
				}
				if want := "ecpay: CancelDelayIssue refused: RtnCode 5000001: 查無此交易單號"; err.Error() != want {
					t.Errorf("message %q, want %q", err, want)
				}
			},
		},
		"RtnCode refusal as a string":  {serve: sim(ecpaysim.Fault{Data: `{"RtnCode":"2","RtnMsg":"x"}`}), check: wantAPI(2)},
		"empty body":                   {serve: raw(200, ""), check: wantDecode("empty body")},
		"truncated JSON":               {serve: raw(200, `{"TransCode":1,"Data":"abc`), check: wantDecode("not an ECPay JSON envelope")},
		"no TransCode":                 {serve: raw(200, `{"TransMsg":"?"}`), check: wantDecode("no TransCode")},
		"Data not base64":              {serve: raw(200, `{"TransCode":1,"Data":"%%%not base64%%%"}`), check: wantDecodeIs(ecpaycrypto.ErrBase64)},
		"Data under another key":       {serve: raw(200, `{"TransCode":1,"Data":"`+otherData+`"}`), check: wantDecode("does not decrypt")},
		"TransCode 1 but no Data":      {serve: raw(200, `{"TransCode":1,"Data":""}`), check: wantDecode("Data is empty")},
		"inner JSON without RtnCode":   {serve: sim(ecpaysim.Fault{Data: `{"RtnMsg":"?"}`}), check: wantDecode("no RtnCode")},
		"inner JSON that is not JSON":  {serve: sim(ecpaysim.Fault{Data: `RtnCode=1`}), check: wantDecode("not the expected JSON")},
		"inner RtnCode not an integer": {serve: sim(ecpaysim.Fault{Data: `{"RtnCode":"one"}`}), check: wantDecode("not the expected JSON")},
		"10 MB body": {
			serve: raw(200, `{"TransCode":1,"TransMsg":"`+strings.Repeat("x", 10<<20)+`"}`),
			check: wantDecode("exceeds"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := client(t, tc.serve(t), wrapper.WithClock(fixedClock(now)))
			res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if res != nil {
				t.Errorf("a result came with the error: %+v", res)
			}
			tc.check(t, err)
			assertNoSecret(t, err.Error())
		})
	}
}

func wantHTTP(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var he *wrapper.HTTPError
		if !errors.As(err, &he) || he.StatusCode != status {
			t.Errorf("err = %v, want HTTPError %d", err, status)
		}
	}
}

func wantAPI(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var ae *wrapper.APIError
		if !errors.As(err, &ae) || ae.RtnCode != code {
			t.Errorf("err = %v, want APIError %d", err, code)
		}
	}
}

func wantDecode(problem string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var de *wrapper.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), problem) {
			t.Errorf("err = %v, want a DecodeError about %q", err, problem)
		}
	}
}

func wantDecodeIs(cause error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var de *wrapper.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, cause) {
			t.Errorf("err = %v, want a DecodeError wrapping %v", err, cause)
		}
	}
}

// hostile serves h on a plain httptest server (no contract checks: it
// misbehaves on purpose).
func hostile(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestEndlessBodyStopsAtTheCap(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"TransCode":1,"TransMsg":"`)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := client(t, srv.URL)
	start := time.Now()
	_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	wantDecode("exceeds")(t, err)
	// Not a timing assertion: a client that kept reading would never return
	// at all, and the call's own 30 s timeout would end the test instead.
	t.Logf("stopped after %v", time.Since(start))
}

func TestTimeoutsAndCancellation(t *testing.T) {
	release, arrived := make(chan struct{}), make(chan struct{})
	slow := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hang up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}: // a test waits for the request
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	// Registered after the server, so it runs before the server's Close.
	t.Cleanup(func() { close(release) })
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
		defer cancel()
		_, err := client(t, slow.URL).CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		var te *wrapper.TransportError
		if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a TransportError that is context.DeadlineExceeded", err)
		}
	})
	t.Run("WithTimeout", func(t *testing.T) {
		_, err := client(t, slow.URL, wrapper.WithTimeout(50*time.Millisecond)).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
			t.Errorf("err = %v, want DeadlineExceeded saying it timed out", err)
		}
	})
	t.Run("cancelled mid-call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		go func() {
			select {
			case <-arrived:
				cancel()
			case <-ctx.Done():
			}
		}()
		_, err := client(t, slow.URL).CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled while the body streams", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		srv := hostile(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"TransCode":1,`)
			w.(http.Flusher).Flush()
			cancel()
			<-r.Context().Done()
		})
		_, err := client(t, srv.URL).CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		var te *wrapper.TransportError
		if !errors.As(err, &te) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want a TransportError that is context.Canceled", err)
		}
	})
}

// A same-host 307 is followed, and the encrypted body is sent again.
func TestRedirectResendsTheEncryptedBody(t *testing.T) {
	sim := newSim(t)
	pending(t, sim, "T307")
	url, redirected := moved(t, sim)
	res, err := client(t, url).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T307"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != 1 {
		t.Errorf("RtnCode = %d", res.RtnCode)
	}
	if got := received(t, sim); len(got) != 1 || got[0].field("Tsr") != "T307" {
		t.Errorf("after the redirect the server received %+v", got)
	}
	// The base URL's path is kept as a prefix.
	if got := redirected(); len(got) != 1 || got[0] != movedPrefix+registry.CancelDelayIssue.Path {
		t.Errorf("the client asked for %q, want the prefix kept", got)
	}
}

// The client's own http.Client follows no redirect that would send the
// request elsewhere than the base URL's host, or resend it without its body.
func TestDefaultClientRefusesRedirectsElsewhere(t *testing.T) {
	elsewhereURL := func(elsewhere, _ string) string { return elsewhere }
	sameHost := func(_, self string) string { return self }
	tests := map[string]struct {
		status int
		to     func(elsewhere, self string) string
		want   string
	}{
		"307 to another host":      {status: http.StatusTemporaryRedirect, to: elsewhereURL, want: "another host"},
		"308 to another host":      {status: http.StatusPermanentRedirect, to: elsewhereURL, want: "another host"},
		"302 to another host":      {status: http.StatusFound, to: elsewhereURL, want: "another host"},
		"302 on the host, as GET":  {status: http.StatusFound, to: sameHost, want: "without its body"},
		"303 on the host, as GET":  {status: http.StatusSeeOther, to: sameHost, want: "without its body"},
		"301 on the host, as GET":  {status: http.StatusMovedPermanently, to: sameHost, want: "without its body"},
		"307 to localhost by name": {status: http.StatusTemporaryRedirect, to: func(elsewhere, self string) string { return strings.Replace(self, "127.0.0.1", "localhost", 1) }, want: "another host"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			elsewhere := newCounter(t)
			var hits atomic.Int32
			var self *httptest.Server
			self = hostile(t, func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) > 1 {
					http.Error(w, "followed", http.StatusInternalServerError)
					return
				}
				http.Redirect(w, r, tc.to(elsewhere.URL, self.URL)+r.URL.Path, tc.status)
			})
			_, err := client(t, self.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			var te *wrapper.TransportError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a TransportError saying %q", err, tc.want)
			}
			if n := elsewhere.count(); n != 0 {
				t.Errorf("the other host received %d requests", n)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("the first server received %d requests, want 1", n)
			}
		})
	}
}

// One client serves both operations from many goroutines at once.
func TestOneClientServesManyGoroutines(t *testing.T) {
	sim := newSim(t)
	for i := range 50 {
		// A cancel answers 1; a trigger of an invoice with a DelayDay
		// answers RtnCodeTriggered.
		inv := ecpaysim.DelayedInvoice{MerchantID: merchantID, Tsr: fmt.Sprintf("T%03d", i), DelayDay: i % 2}
		if err := sim.AddInvoice(inv); err != nil {
			t.Fatal(err)
		}
	}
	c := client(t, sim.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			tsr := fmt.Sprintf("T%03d", i)
			if i%2 == 0 {
				res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: tsr})
				if err == nil && res.RtnCode != wrapper.RtnCodeOK {
					err = fmt.Errorf("CancelDelayIssue: RtnCode %d", res.RtnCode)
				}
				errs <- err
				return
			}
			res, err := c.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: triggerissue.PayType2})
			if err == nil && res.RtnCode != wrapper.RtnCodeTriggered {
				err = fmt.Errorf("TriggerIssue: RtnCode %d", res.RtnCode)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[string]string{}
	for _, r := range received(t, sim) {
		seen[r.field("Tsr")] = r.Op
	}
	if len(seen) != 50 {
		t.Errorf("server saw %d distinct Tsrs, want 50", len(seen))
	}
	for tsr, op := range seen {
		var i int
		_, _ = fmt.Sscanf(tsr, "T%03d", &i)
		if want := map[bool]string{true: "CancelDelayIssue", false: "TriggerIssue"}[i%2 == 0]; op != want {
			t.Errorf("Tsr %s went to %s, want %s", tsr, op, want)
		}
	}
}

// recordHandler keeps every slog record's text.
type recordHandler struct {
	mu    sync.Mutex
	lines []string
	attrs []map[string]any
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	attrs := map[string]any{}
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		attrs[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, b.String())
	h.attrs = append(h.attrs, attrs)
	h.mu.Unlock()
	return nil
}

// Every error and every log record, whatever the answer, is searched for
// the HashKey, the HashIV, plaintext Data and the Tsr.
func TestLoggingAndErrorsNeverLeakSecrets(t *testing.T) {
	const tsr = "SECRET-TSR-0001"
	sim := func(faults ...ecpaysim.Fault) func(t *testing.T) string {
		return func(t *testing.T) string {
			s := newSim(t)
			pending(t, s, tsr)
			inject(t, s, faults...)
			return s.URL
		}
	}
	raw := func(status int, body string) func(t *testing.T) string {
		return func(t *testing.T) string { return plainServer(t, status, nil, body).URL }
	}
	answers := []struct {
		op       string
		serve    func(t *testing.T) string // the base URL
		wantKind string                    // "" for success
	}{
		{"CancelDelayIssue", sim(), ""},
		{"TriggerIssue", sim(), ""},
		{"CancelDelayIssue", sim(ecpaysim.Fault{RtnCode: 7, RtnMsg: "refused"}), wrapper.KindAPI},
		{"TriggerIssue", sim(ecpaysim.Fault{RtnCode: wrapper.RtnCodeUnknownTsr, RtnMsg: "不存在此交易單號"}), wrapper.KindAPI},
		{"CancelDelayIssue", sim(ecpaysim.Fault{TransCode: 5, TransMsg: "bad"}), wrapper.KindTrans},
		{"CancelDelayIssue", raw(403, "no"), wrapper.KindHTTP},
		{"TriggerIssue", raw(500, "key "+hashKey+"\niv "+hashIV), wrapper.KindHTTP},
		{"CancelDelayIssue", raw(200, `{"TransCode":1,"Data":"AAAA"}`), wrapper.KindDecode},
		{"TriggerIssue", sim(ecpaysim.Fault{Data: `{"RtnCode":"x","RtnMsg":"` + tsr + `"}`}), wrapper.KindDecode},
	}
	h := &recordHandler{}
	for i, a := range answers {
		c := client(t, a.serve(t), wrapper.WithLogger(slog.New(h)))
		var err error
		if a.op == "CancelDelayIssue" {
			_, err = c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: tsr})
		} else {
			_, err = c.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: triggerissue.PayType2})
		}
		if (err == nil) != (a.wantKind == "") || err != nil && wrapper.ErrorKind(err) != a.wantKind {
			t.Errorf("answer %d: err = %v, want kind %q", i, err, a.wantKind)
		}
		if err != nil {
			assertNoSecret(t, err.Error())
			if strings.Contains(err.Error(), tsr) {
				t.Errorf("answer %d: error quotes the Tsr: %v", i, err)
			}
		}
	}
	if len(h.lines) != len(answers) {
		t.Fatalf("%d log records for %d calls, want one each", len(h.lines), len(answers))
	}
	allowed := []string{logkeys.Operation, logkeys.Attempts, logkeys.HTTPStatus, logkeys.Duration, logkeys.TransCode, logkeys.RtnCode, logkeys.Error}
	for i, line := range h.lines {
		assertNoSecret(t, line)
		if strings.Contains(line, tsr) {
			t.Errorf("log record quotes the Tsr: %s", line)
		}
		for k := range h.attrs[i] {
			if !slices.Contains(allowed, k) {
				t.Errorf("record %d has the key %q, not one of internal/logkeys' for the client", i, k)
			}
		}
		if got := h.attrs[i][logkeys.Operation]; got != answers[i].op {
			t.Errorf("record %d: %s = %v, want %s", i, logkeys.Operation, got, answers[i].op)
		}
		if got, _ := h.attrs[i][logkeys.Error].(string); got != answers[i].wantKind {
			t.Errorf("record %d: %s = %q, want %q", i, logkeys.Error, got, answers[i].wantKind)
		}
	}
	first := h.attrs[0]
	if first[logkeys.HTTPStatus] != int64(200) || first[logkeys.TransCode] != int64(1) || first[logkeys.RtnCode] != int64(1) || first[logkeys.Attempts] != int64(1) {
		t.Errorf("success record = %v", first)
	}
	if _, ok := first[logkeys.Duration]; !ok {
		t.Errorf("success record lacks %s: %v", logkeys.Duration, first)
	}
	if got := h.attrs[1][logkeys.RtnCode]; got != int64(wrapper.RtnCodeIssued) {
		t.Errorf("TriggerIssue record %s = %v, want %d", logkeys.RtnCode, got, wrapper.RtnCodeIssued)
	}
}

func TestTransportErrorWhenNothingListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = client(t, "http://"+addr).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	var te *wrapper.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 || te.Operation != "CancelDelayIssue" {
		t.Errorf("err = %v, want a CancelDelayIssue TransportError after 1 attempt", err)
	}
}
