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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestCancelDelayIssueSucceeds(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		data string
		opts []wrapper.Option
		req  wrapper.CancelDelayIssueRequest
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
			data: `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`,
			req:  wrapper.CancelDelayIssueRequest{Tsr: "201909170001"},
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
			fake := newFake(t, func(received) answer { return answer{data: tc.data} })
			c := client(t, fake.URL, append([]wrapper.Option{wrapper.WithClock(fixedClock(now))}, tc.opts...)...)
			res, err := c.CancelDelayIssue(bg, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.RtnCode != 1 || res.RtnMsg != "取消開立發票成功" {
				t.Errorf("result = %d %q", res.RtnCode, res.RtnMsg)
			}
			if res.Data.RtnCode == nil || *res.Data.RtnCode != 1 {
				t.Errorf("Data.RtnCode = %v", res.Data.RtnCode)
			}
			if !res.Timestamp.Equal(now) {
				t.Errorf("Timestamp = %v, want %v", res.Timestamp, now)
			}
			got := fake.received()
			if len(got) != 1 {
				t.Fatalf("server received %d requests", len(got))
			}
			env := got[0].Envelope
			wantMerchant := tc.wantMerchant
			if wantMerchant == "" {
				wantMerchant = merchantID
			}
			if env.MerchantID != wantMerchant || got[0].Inner.MerchantID != wantMerchant {
				t.Errorf("MerchantID envelope %q inner %q, want %q", env.MerchantID, got[0].Inner.MerchantID, wantMerchant)
			}
			if got[0].Inner.Tsr != tc.req.Tsr {
				t.Errorf("Tsr = %q, want %q", got[0].Inner.Tsr, tc.req.Tsr)
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
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`))
	if err != nil {
		t.Fatal(err)
	}
	fake := newFake(t, func(received) answer {
		return answer{raw: []byte(`{"MerchantID":2000132,"RpHeader":{"Timestamp":1},"TransCode":1,"TransMsg":"","Data":"` + data + `"}`)}
	})
	res, err := client(t, fake.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != 1 || res.Envelope.MerchantID == nil || *res.Envelope.MerchantID != merchantID {
		t.Errorf("result %+v, envelope MerchantID %v", res, res.Envelope.MerchantID)
	}
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestCancelDelayIssueValidatesBeforeSending(t *testing.T) {
	tests := map[string]struct {
		req       wrapper.CancelDelayIssueRequest
		wantField string
		wantRule  string
	}{
		"empty Tsr":         {req: wrapper.CancelDelayIssueRequest{Tsr: ""}, wantField: "Tsr", wantRule: "minLength"},
		"Tsr of 31":         {req: wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("9", 31)}, wantField: "Tsr", wantRule: "maxLength"},
		"MerchantID of 11":  {req: wrapper.CancelDelayIssueRequest{MerchantID: "12345678901", Tsr: "T1"}, wantField: "MerchantID", wantRule: "maxLength"},
		"Tsr of 31 Chinese": {req: wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("單", 31)}, wantField: "Tsr", wantRule: "maxLength"},
	}
	fake := newFake(t, success)
	c := client(t, fake.URL)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := c.CancelDelayIssue(bg, tc.req)
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Field != tc.wantField || ve.Rule != tc.wantRule {
				t.Errorf("ValidationError{Field: %q, Rule: %q}, want %q %q", ve.Field, ve.Rule, tc.wantField, tc.wantRule)
			}
			if tc.req.Tsr != "" && strings.Contains(err.Error(), tc.req.Tsr) {
				t.Errorf("the error quotes the request's Data: %v", err)
			}
		})
	}
	// Validate gives the same verdict without sending anything.
	for name, tc := range tests {
		var ve *wrapper.ValidationError
		if err := c.Validate(tc.req); !errors.As(err, &ve) || ve.Field != tc.wantField {
			t.Errorf("Validate(%s) = %v, want a ValidationError on %s", name, err, tc.wantField)
		}
	}
	if err := c.Validate(wrapper.CancelDelayIssueRequest{Tsr: "T1"}); err != nil {
		t.Errorf("Validate of a valid request: %v", err)
	}
	// 30 characters is the limit, not past it.
	if _, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: strings.Repeat("單", 30)}); err != nil {
		t.Errorf("a 30-character Tsr: %v", err)
	}
	if n := len(fake.received()); n != 1 {
		t.Errorf("server received %d requests, want only the valid one", n)
	}
}

func TestNewClientChecksItsArguments(t *testing.T) {
	tests := map[string]struct {
		merchant, key, iv string
		opts              []wrapper.Option
		want              string
	}{
		"empty MerchantID":  {merchant: "", key: hashKey, iv: hashIV, want: "MerchantID"},
		"MerchantID of 11":  {merchant: "12345678901", key: hashKey, iv: hashIV, want: "MerchantID"},
		"short HashKey":     {merchant: merchantID, key: hashKey[:15], iv: hashIV, want: "15"},
		"long HashIV":       {merchant: merchantID, key: hashKey, iv: hashIV + "x", want: "17"},
		"32-byte HashKey":   {merchant: merchantID, key: hashKey + hashKey, iv: hashIV, want: "32"},
		"ftp base URL":      {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("ftp://example.test")}, want: "http or https"},
		"base URL no host":  {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://")}, want: "host"},
		"unparsable URL":    {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("http://[::1")}, want: "does not parse"},
		"PlatformID of 11":  {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithPlatformID("12345678901")}, want: "PlatformID"},
		"negative timeout":  {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithTimeout(-time.Second)}, want: "negative"},
		"nil clock":         {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithClock(nil)}, want: "WithClock"},
		"base URL with ?":   {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("https://x.test/?a=1")}, want: "query"},
		"empty base URL":    {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("")}, want: "http or https"},
		"relative base URL": {merchant: merchantID, key: hashKey, iv: hashIV, opts: []wrapper.Option{wrapper.WithBaseURL("/B2CInvoice")}, want: "http or https"},
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
			assertNoSecret(t, err.Error())
		})
	}
	for _, u := range []string{wrapper.StageURL, wrapper.ProductionURL, "http://127.0.0.1:8080", "http://localhost:1/prefix/"} {
		if _, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(u)); err != nil {
			t.Errorf("WithBaseURL(%q): %v", u, err)
		}
	}
}

// assertNoSecret fails when s holds the HashKey, the HashIV or a plaintext
// inner Data.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{hashKey, hashIV, `"Tsr"`, `"RtnMsg"`, `{"RtnCode"`} {
		if strings.Contains(s, secret) {
			t.Errorf("%q leaks %q", s, secret)
		}
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
	raw := func(status int, body string) func(received) answer {
		return func(received) answer { return answer{status: status, raw: []byte(body)} }
	}
	tests := map[string]struct {
		respond func(received) answer
		check   func(t *testing.T, err error)
	}{
		"HTTP 403 says ECPay rate-limits": {
			respond: raw(http.StatusForbidden, "Forbidden"),
			check: func(t *testing.T, err error) {
				var he *wrapper.HTTPError
				if !errors.As(err, &he) || he.StatusCode != 403 || !strings.Contains(err.Error(), "rate-limit") {
					t.Errorf("err = %v, want an HTTPError 403 about rate limits", err)
				}
			},
		},
		"HTML 502 page": {
			respond: raw(http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
			check:   wantHTTP(502),
		},
		"TransCode 0 with empty Data": {
			respond: func(received) answer { return answer{transCode: ptr(0), transMsg: "MerchantID Error"} },
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
			respond: func(r received) answer {
				return answer{transCode: ptr(10000006), transMsg: "Timestamp Error", timestamp: now.Add(-20 * time.Minute).Unix()}
			},
			check: func(t *testing.T, err error) {
				var te *wrapper.TransError
				if !errors.As(err, &te) || te.ClockSkew != 20*time.Minute || !strings.Contains(err.Error(), "local clock is 20m0s ahead") {
					t.Errorf("err = %v, want a TransError saying the local clock is 20 minutes ahead", err)
				}
			},
		},
		"RtnCode refusal": {
			respond: func(received) answer {
				return answer{data: `{"RtnCode":5000001,"RtnMsg":"查無此交易單號"}`}
			},
			check: func(t *testing.T, err error) {
				var ae *wrapper.APIError
				if !errors.As(err, &ae) || ae.RtnCode != 5000001 || ae.RtnMsg != "查無此交易單號" {
					t.Errorf("err = %v, want APIError 5000001", err)
				}
			},
		},
		"RtnCode refusal as a string":  {respond: func(received) answer { return answer{data: `{"RtnCode":"2","RtnMsg":"x"}`} }, check: wantAPI(2)},
		"empty body":                   {respond: raw(200, ""), check: wantDecode("empty body")},
		"truncated JSON":               {respond: raw(200, `{"TransCode":1,"Data":"abc`), check: wantDecode("not an ECPay JSON envelope")},
		"no TransCode":                 {respond: raw(200, `{"TransMsg":"?"}`), check: wantDecode("no TransCode")},
		"Data not base64":              {respond: raw(200, `{"TransCode":1,"Data":"%%%not base64%%%"}`), check: wantDecodeIs(ecpaycrypto.ErrBase64)},
		"Data under another key":       {respond: raw(200, `{"TransCode":1,"Data":"`+otherData+`"}`), check: wantDecode("does not decrypt")},
		"TransCode 1 but no Data":      {respond: raw(200, `{"TransCode":1,"Data":""}`), check: wantDecode("Data is empty")},
		"inner JSON without RtnCode":   {respond: func(received) answer { return answer{data: `{"RtnMsg":"?"}`} }, check: wantDecode("no RtnCode")},
		"inner JSON that is not JSON":  {respond: func(received) answer { return answer{data: `RtnCode=1`} }, check: wantDecode("not the expected JSON")},
		"inner RtnCode not an integer": {respond: func(received) answer { return answer{data: `{"RtnCode":"one"}`} }, check: wantDecode("not the expected JSON")},
		"10 MB body": {
			respond: raw(200, `{"TransCode":1,"TransMsg":"`+strings.Repeat("x", 10<<20)+`"}`),
			check:   wantDecode("exceeds"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := newFake(t, tc.respond)
			c := client(t, fake.URL, wrapper.WithClock(fixedClock(now)))
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
	release := make(chan struct{})
	slow := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hang up.
		_, _ = io.Copy(io.Discard, r.Body)
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
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "WithTimeout") {
			t.Errorf("err = %v, want DeadlineExceeded mentioning WithTimeout", err)
		}
	})
	t.Run("cancelled mid-call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		time.AfterFunc(50*time.Millisecond, cancel)
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

func TestRedirectResendsTheEncryptedBody(t *testing.T) {
	fake := newFake(t, success)
	redirect := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fake.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	res, err := client(t, redirect.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T307"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != 1 {
		t.Errorf("RtnCode = %d", res.RtnCode)
	}
	if got := fake.received(); len(got) != 1 || got[0].Inner.Tsr != "T307" {
		t.Errorf("after the redirect the server received %+v", got)
	}
}

func TestBasePathIsKeptAsAPrefix(t *testing.T) {
	var path string
	fake := newFake(t, success)
	proxy := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		http.Redirect(w, r, fake.URL+strings.TrimPrefix(r.URL.Path, "/ecpay"), http.StatusTemporaryRedirect)
	})
	if _, err := client(t, proxy.URL+"/ecpay").CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"}); err != nil {
		t.Fatal(err)
	}
	if path != "/ecpay/B2CInvoice/CancelDelayIssue" {
		t.Errorf("path = %q, want the prefix kept", path)
	}
}

func TestOneClientServesManyGoroutines(t *testing.T) {
	fake := newFake(t, success)
	c := client(t, fake.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: fmt.Sprintf("T%03d", i)})
			if err == nil && res.RtnCode != 1 {
				err = fmt.Errorf("RtnCode %d", res.RtnCode)
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
	seen := map[string]bool{}
	for _, r := range fake.received() {
		seen[r.Inner.Tsr] = true
	}
	if len(seen) != 50 {
		t.Errorf("server saw %d distinct Tsrs, want 50", len(seen))
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

func TestLoggingAndErrorsNeverLeakSecrets(t *testing.T) {
	answers := []func(received) answer{
		success,
		func(received) answer { return answer{data: `{"RtnCode":7,"RtnMsg":"refused"}`} },
		func(received) answer { return answer{transCode: ptr(5), transMsg: "bad"} },
		func(received) answer { return answer{status: 403, raw: []byte("no")} },
		func(received) answer { return answer{raw: []byte(`{"TransCode":1,"Data":"AAAA"}`)} },
	}
	h := &recordHandler{}
	for i, respond := range answers {
		fake := newFake(t, respond)
		c := client(t, fake.URL, wrapper.WithLogger(slog.New(h)))
		_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "SECRET-TSR-0001"})
		if err != nil {
			assertNoSecret(t, err.Error())
			if strings.Contains(err.Error(), "SECRET-TSR-0001") {
				t.Errorf("answer %d: error quotes the Tsr: %v", i, err)
			}
		}
	}
	if len(h.lines) != len(answers) {
		t.Fatalf("%d log records for %d calls, want one each", len(h.lines), len(answers))
	}
	for _, line := range h.lines {
		assertNoSecret(t, line)
		if strings.Contains(line, "SECRET-TSR-0001") {
			t.Errorf("log record quotes the Tsr: %s", line)
		}
	}
	first := h.attrs[0]
	if first["operation"] != "CancelDelayIssue" || first["http_status"] != int64(200) || first["trans_code"] != int64(1) || first["rtn_code"] != int64(1) {
		t.Errorf("success record = %v", first)
	}
	if _, ok := first["duration"]; !ok {
		t.Errorf("success record lacks duration: %v", first)
	}
	if h.attrs[1]["error"] != "api" || h.attrs[2]["error"] != "trans" || h.attrs[3]["error"] != "http" || h.attrs[4]["error"] != "decode" {
		t.Errorf("error kinds = %v %v %v %v", h.attrs[1]["error"], h.attrs[2]["error"], h.attrs[3]["error"], h.attrs[4]["error"])
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
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Errorf("err = %v, want a TransportError after 1 attempt", err)
	}
}
