package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// benchServer answers every request with a fixed, valid, encrypted success
// envelope for the operation of its path (RtnCode 1 for CancelDelayIssue and
// Issue, 4000004 for TriggerIssue), doing as little as possible so that the
// client's own cost shows. It is a real net/http server on loopback.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string][]byte{}
	for path, inner := range map[string]string{
		registry.CancelDelayIssue.Path: `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
		registry.TriggerIssue.Path:     `{"RtnCode":4000004,"RtnMsg":"開立發票成功"}`,
		registry.Issue.Path:            `{"RtnCode":1,"RtnMsg":"開立發票成功","InvoiceNo":"AB12345678","InvoiceDate":"2026-12-07 12:00:00","RandomNumber":"1234"}`,
	} {
		data, err := codec.Encrypt([]byte(inner))
		if err != nil {
			b.Fatal(err)
		}
		bodies[path] = fmt.Appendf(nil, `{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":1,"TransMsg":"","Data":%q}`, time.Now().Unix(), data)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[r.URL.Path])
	}))
	b.Cleanup(srv.Close)
	return srv
}

// errRefused is what the lean calls return for an answer that is not a success.
var errRefused = errors.New("refused")

// leanCall is the leanest correct call a user could write by hand instead
// of the client, the baseline the client is measured against: one marshal
// of the inner request and one of the envelope (the generated types), one
// http.NewRequestWithContext, one Do, a bounded read, one envelope decode
// (TransCode and Data only), one decrypt-and-decode of the inner answer. No
// timeout context, no validation, no logging.
func leanCall[Req any](ctx context.Context, hc *http.Client, codec *ecpaycrypto.Codec, endpoint string, req *Req, success func(int) bool) (int, error) {
	inner, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	data, err := codec.Encrypt(inner)
	if err != nil {
		return 0, err
	}
	env := generated.RequestEnvelope{MerchantID: merchantID, RqHeader: generated.RqHeader{Timestamp: int(time.Now().Unix())}, Data: data}
	body, err := json.Marshal(&env)
	if err != nil {
		return 0, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(hreq)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, wrapper.MaxResponseBytes))
	if err != nil {
		return 0, err
	}
	var out struct {
		TransCode int
		Data      string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, err
	}
	if out.TransCode != 1 {
		return 0, errRefused
	}
	var res struct {
		RtnCode generated.LenientInt
		RtnMsg  string
	}
	if err := codec.DecryptJSON(out.Data, &res); err != nil {
		return 0, err
	}
	if !success(int(res.RtnCode)) {
		return int(res.RtnCode), errRefused
	}
	return int(res.RtnCode), nil
}

// BenchmarkRoundTrip compares whole calls of both operations through the
// typed client (default options as shipped: validation, 30 s timeout,
// logging off but checked) with the lean hand-written call (leanCall), with
// and without the same deadline, and reports the bare generated client with
// the editor and the hook, and the client without its timeout, against the
// same loopback server with the same http.Client. make bench runs each sub-benchmark in its own process
// (internal/cmd/benchratio).
func BenchmarkRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	client := func(b *testing.B, opts ...wrapper.Option) *wrapper.Client {
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV, append([]wrapper.Option{wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(hc)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	const tsr = "201909170001"

	b.Run("op=CancelDelayIssue/impl=lean", func(b *testing.B) {
		endpoint := srv.URL + registry.CancelDelayIssue.Path
		b.ReportAllocs()
		for b.Loop() {
			req := canceldelayissue.RequestData{MerchantID: merchantID, Tsr: tsr}
			if _, err := leanCall(ctx, hc, codec, endpoint, &req, registry.CancelDelayIssue.Success); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The lean call with the deadline the client sets by default
	// (WithTimeout's 30 s), to show what a bounded call costs in net/http
	// whoever makes it.
	b.Run("op=CancelDelayIssue/impl=lean-timeout", func(b *testing.B) {
		endpoint := srv.URL + registry.CancelDelayIssue.Path
		b.ReportAllocs()
		for b.Loop() {
			req := canceldelayissue.RequestData{MerchantID: merchantID, Tsr: tsr}
			tctx, cancel := context.WithTimeout(ctx, wrapper.DefaultTimeout)
			_, err := leanCall(tctx, hc, codec, endpoint, &req, registry.CancelDelayIssue.Success)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=CancelDelayIssue/impl=client", func(b *testing.B) {
		c := client(b)
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: tsr}); err != nil || res.RtnCode != 1 {
				b.Fatal(res, err)
			}
		}
	})
	// The client without its default 30 s timeout, to show what the
	// deadline context costs.
	b.Run("op=CancelDelayIssue/impl=client-notimeout", func(b *testing.B) {
		c := client(b, wrapper.WithTimeout(0))
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: tsr}); err != nil || res.RtnCode != 1 {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("op=CancelDelayIssue/impl=generated", func(b *testing.B) {
		c, err := canceldelayissue.NewClientWithResponses(srv.URL,
			canceldelayissue.WithHTTPClient(wrapper.DecryptResponses(codec, hc)),
			canceldelayissue.WithRequestEditorFn(wrapper.EncryptRequest(codec)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			inner, err := json.Marshal(canceldelayissue.RequestData{MerchantID: merchantID, Tsr: tsr})
			if err != nil {
				b.Fatal(err)
			}
			resp, err := c.CancelDelayIssueWithResponse(ctx, canceldelayissue.CancelDelayIssueJSONRequestBody{MerchantID: merchantID, Data: string(inner)})
			if err != nil {
				b.Fatal(err)
			}
			var res canceldelayissue.ResponseData
			if err := json.Unmarshal([]byte(*resp.JSON200.Data), &res); err != nil || *res.RtnCode != 1 {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=TriggerIssue/impl=lean", func(b *testing.B) {
		endpoint := srv.URL + registry.TriggerIssue.Path
		b.ReportAllocs()
		for b.Loop() {
			req := triggerissue.RequestData{MerchantID: merchantID, Tsr: tsr, PayType: triggerissue.PayType2}
			if _, err := leanCall(ctx, hc, codec, endpoint, &req, registry.TriggerIssue.Success); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=TriggerIssue/impl=lean-timeout", func(b *testing.B) {
		endpoint := srv.URL + registry.TriggerIssue.Path
		b.ReportAllocs()
		for b.Loop() {
			req := triggerissue.RequestData{MerchantID: merchantID, Tsr: tsr, PayType: triggerissue.PayType2}
			tctx, cancel := context.WithTimeout(ctx, wrapper.DefaultTimeout)
			_, err := leanCall(tctx, hc, codec, endpoint, &req, registry.TriggerIssue.Success)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=TriggerIssue/impl=client", func(b *testing.B) {
		c := client(b)
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: triggerissue.PayType2}); err != nil || res.RtnCode != wrapper.RtnCodeIssued {
				b.Fatal(res, err)
			}
		}
	})
}

// issueWithItems is IssueWithItems (validate_pass_internal_test.go) with
// the bench's merchant.
func issueWithItems(b *testing.B, n int) issue.RequestData {
	b.Helper()
	req := wrapper.IssueWithItems(b, n)
	req.MerchantID = merchantID
	return req
}

// BenchmarkIssueRoundTrip is BenchmarkRoundTrip's comparison for Issue with
// 10 items (issue 17): the client as shipped, which checks the page's schema
// and its 20 business rules before sending, against the lean hand-written
// call, which checks nothing, with the same deadline.
func BenchmarkIssueRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	req := issueWithItems(b, 10)
	ctx := context.Background()
	b.Run("impl=lean-timeout", func(b *testing.B) {
		endpoint := srv.URL + registry.Issue.Path
		b.ReportAllocs()
		for b.Loop() {
			r := req
			tctx, cancel := context.WithTimeout(ctx, wrapper.DefaultTimeout)
			_, err := leanCall(tctx, hc, codec, endpoint, &r, registry.Issue.Success)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=client", func(b *testing.B) {
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		// The page's rules are compiled at its first request, once per
		// process: that call is left out, as the lean call has none.
		if _, err := c.Issue(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if res, err := c.Issue(ctx, req); err != nil || res.RtnCode != 1 {
				b.Fatal(res, err)
			}
		}
	})
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkInMemory is BenchmarkRoundTrip's CancelDelayIssue without the
// network: the same http.Client API over a RoundTripper that answers from
// memory, so that what the client's own code costs beside the lean call
// shows without loopback's noise (no deadline on either side).
func BenchmarkInMemory(b *testing.B) {
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		b.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`))
	if err != nil {
		b.Fatal(err)
	}
	body := fmt.Appendf(nil, `{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":1,"TransMsg":"","Data":%q}`, time.Now().Unix(), data)
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}, nil
	})}
	ctx := context.Background()
	const base = "https://ecpay.invalid"
	b.Run("impl=lean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := canceldelayissue.RequestData{MerchantID: merchantID, Tsr: "201909170001"}
			if _, err := leanCall(ctx, hc, codec, base+registry.CancelDelayIssue.Path, &req, registry.CancelDelayIssue.Success); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=client", func(b *testing.B) {
		c, err := wrapper.NewClient(merchantID, hashKey, hashIV, wrapper.WithBaseURL(base), wrapper.WithHTTPClient(hc), wrapper.WithTimeout(0))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
