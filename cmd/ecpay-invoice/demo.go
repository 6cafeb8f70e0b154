package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

var demoHelp = help{
	usage: "demo",
	about: `Starts the ECPay simulator (package ecpaysim) in this process on a loopback
port, registers a delayed invoice, cancels it through the typed client
(package wrapper) and narrates each step on stdout: the inner request JSON,
the encrypted envelope on the wire, the response envelope and the decrypted
result. Then it cancels the same invoice again to show ECPay's refusal as a
typed *wrapper.APIError. It uses ECPay's public stage merchant and needs no
network and no credentials.`,
	examples: []string{"ecpay-invoice demo"},
}

// demoTsr is the Tsr of the demo's delayed invoice.
const demoTsr = "DEMO201909170001"

func runDemo(ctx context.Context, args []string, std stdio) int {
	fs := newFlagSet("demo")
	if code, done := parse(fs, demoHelp, args, std); done {
		return code
	}
	if err := demo(ctx, std.stdout); err != nil {
		fmt.Fprintf(std.stderr, "ecpay-invoice demo: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func demo(ctx context.Context, w io.Writer) error {
	sim, err := ecpaysim.New()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(ln) }()
	defer server.Close()
	baseURL := "http://" + ln.Addr().String()

	fmt.Fprintf(w, "1. The ECPay simulator listens on %s (merchant %s, ECPay's public stage merchant).\n", baseURL, ecpaysim.StageMerchantID)
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, demoTsr); err != nil {
		return err
	}
	fmt.Fprintf(w, "2. It holds a delayed invoice, Tsr %s, pending.\n", demoTsr)

	wire := &recorder{next: http.DefaultTransport}
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(baseURL), wrapper.WithHTTPClient(&http.Client{Transport: wire}), wrapper.WithTimeout(10*time.Second))
	if err != nil {
		return err
	}
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "\n3. client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: %q})\n", demoTsr)
	res, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: demoTsr})
	if err != nil {
		return fmt.Errorf("the first cancel failed: %w", err)
	}
	if err := narrate(w, wire.last(), codec); err != nil {
		return err
	}
	fmt.Fprintf(w, "   The typed result: *wrapper.CancelDelayIssueResult{RtnCode: %d, RtnMsg: %q}\n", res.RtnCode, res.RtnMsg)
	fmt.Fprintf(w, "   The simulator now says the invoice is cancelled: %t\n", sim.Cancelled(ecpaysim.StageMerchantID, demoTsr))

	fmt.Fprintf(w, "\n4. The same call again: ECPay has no idempotency key and refuses a second cancel.\n")
	_, err = client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: demoTsr})
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("the second cancel: want a *wrapper.APIError, got %v", err)
	}
	if err := narrate(w, wire.last(), codec); err != nil {
		return err
	}
	fmt.Fprintf(w, "   The typed error: *wrapper.APIError{RtnCode: %d, RtnMsg: %q}\n", apiErr.RtnCode, apiErr.RtnMsg)
	fmt.Fprintf(w, "   errors.As(err, &apiErr) matches it; its message: %s\n", apiErr)

	fmt.Fprintf(w, "\nDone: %d requests reached the simulator, every one checked against ECPay's spec.\n", len(sim.Requests()))
	return nil
}

// narrate prints one recorded exchange: the inner request JSON (decrypted
// from the envelope that went out), the request envelope on the wire, the
// response envelope and its decrypted Data.
func narrate(w io.Writer, ex exchange, codec *ecpaycrypto.Codec) error {
	var reqEnv struct{ Data string }
	if err := json.Unmarshal(ex.request, &reqEnv); err != nil {
		return fmt.Errorf("the recorded request is not an envelope: %w", err)
	}
	inner, err := codec.Decrypt(reqEnv.Data)
	if err != nil {
		return fmt.Errorf("decrypting the recorded request: %w", err)
	}
	fmt.Fprintf(w, "   a. The inner request, the JSON the client encrypts into Data:\n      %s\n", inner)
	fmt.Fprintf(w, "   b. The envelope on the wire: POST %s\n      %s\n", ex.url, bytes.TrimSpace(ex.request))
	fmt.Fprintf(w, "   c. The response envelope: HTTP %d\n      %s\n", ex.status, bytes.TrimSpace(ex.response))
	var respEnv struct {
		TransCode int
		Data      string
	}
	if err := json.Unmarshal(ex.response, &respEnv); err != nil {
		return fmt.Errorf("the recorded response is not an envelope: %w", err)
	}
	result, err := codec.Decrypt(respEnv.Data)
	if err != nil {
		return fmt.Errorf("decrypting the recorded response: %w", err)
	}
	fmt.Fprintf(w, "   d. TransCode %d: the envelope was accepted; its Data decrypts to:\n      %s\n", respEnv.TransCode, result)
	return nil
}

// exchange is one request and its answer as they crossed the wire.
type exchange struct {
	url               string
	request, response []byte
	status            int
}

// recorder is the transport under the demo's HTTP client: it keeps a copy
// of each request and response body as they cross the wire.
type recorder struct {
	next http.RoundTripper

	mu        sync.Mutex
	exchanges []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{url: req.URL.String()}
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		ex.request, err = io.ReadAll(body)
		body.Close()
		if err != nil {
			return nil, err
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, wrapper.MaxResponseBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	ex.response, ex.status = body, resp.StatusCode
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	return resp, nil
}

// last returns the latest exchange.
func (r *recorder) last() exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) == 0 {
		return exchange{}
	}
	return r.exchanges[len(r.exchanges)-1]
}
