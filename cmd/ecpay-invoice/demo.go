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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

var demoHelp = help{
	usage: "demo",
	about: `Starts the ECPay simulator (package ecpaysim) in this process on a loopback
port and walks the delayed-invoice lifecycle through the typed client
(package wrapper), narrating each call on stdout: the inner request JSON,
the encrypted envelope on the wire, the response envelope and the decrypted
result. Two invoices wait for a trigger: the first is triggered and issued
(TriggerIssue, RtnCode 4000004, a success though not 1), the second is
cancelled (CancelDelayIssue, RtnCode 1); then cancelling the issued one is
refused (RtnCode 5070305), a typed *wrapper.APIError that errors.Is
classifies, with no code to know, both as a conflict and as not found:
ECPay gives that one answer for a Tsr it never had and for one already
done. It uses ECPay's public stage merchant and needs no network and no
credentials.`,
	examples: []string{"ecpay-invoice demo"},
}

// The Tsrs of the demo's delayed invoices.
const (
	demoTriggerTsr = "DEMO201909170001"
	demoCancelTsr  = "DEMO201909170002"
)

// defineDemo returns the run of demo, which has no flags.
func defineDemo(*pflag.FlagSet) runFunc { return runDemo }

func runDemo(ctx context.Context, _ []string, std stdio) int {
	if err := demo(ctx, std.stdout); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice demo: stopped: %v\n", context.Cause(ctx))
			return exitInterrupted
		}
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

	fmt.Fprintf(w, "1. The ECPay simulator listens on %s (merchant %s, ECPay's public stage merchant).\n", baseURL, wrapper.StageMerchantID)
	for _, tsr := range []string{demoTriggerTsr, demoCancelTsr} {
		if err := sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: wrapper.StageMerchantID, Tsr: tsr, DelayFlag: ecpaysim.DelayTrigger}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "2. It holds two delayed invoices waiting for a trigger (DelayFlag 2, DelayDay 0): Tsr %s and Tsr %s.\n", demoTriggerTsr, demoCancelTsr)

	wire := &recorder{next: http.DefaultTransport}
	client, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV,
		wrapper.WithBaseURL(baseURL), wrapper.WithHTTPClient(&http.Client{Transport: wire, CheckRedirect: wrapper.CheckRedirect}), wrapper.WithTimeout(10*time.Second))
	if err != nil {
		return err
	}
	codec, err := ecpaycrypto.New(wrapper.StageHashKey, wrapper.StageHashIV)
	if err != nil {
		return err
	}
	status := func(tsr string) ecpaysim.InvoiceStatus {
		st, _ := sim.Status(wrapper.StageMerchantID, tsr)
		return st
	}

	fmt.Fprintf(w, "\n3. Trigger the first: client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: %q, PayType: \"2\"})\n", demoTriggerTsr)
	triggered, err := client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: demoTriggerTsr, PayType: "2"})
	if err != nil {
		return fmt.Errorf("the trigger failed: %w", err)
	}
	if err := narrate(w, wire.last(), codec); err != nil {
		return err
	}
	fmt.Fprintf(w, "   The typed result: *wrapper.TriggerIssueResult{RtnCode: %d, RtnMsg: %q}: RtnCode %d is wrapper.RtnCodeIssued, a success though not 1\n", triggered.RtnCode, triggered.RtnMsg, triggered.RtnCode)
	fmt.Fprintf(w, "   The simulator now says the invoice is %s.\n", status(demoTriggerTsr))

	fmt.Fprintf(w, "\n4. Cancel the second: client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: %q})\n", demoCancelTsr)
	cancelled, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: demoCancelTsr})
	if err != nil {
		return fmt.Errorf("the cancel failed: %w", err)
	}
	if err := narrate(w, wire.last(), codec); err != nil {
		return err
	}
	fmt.Fprintf(w, "   The typed result: *wrapper.CancelDelayIssueResult{RtnCode: %d, RtnMsg: %q}\n", cancelled.RtnCode, cancelled.RtnMsg)
	fmt.Fprintf(w, "   The simulator now says the invoice is %s.\n", status(demoCancelTsr))

	fmt.Fprintf(w, "\n5. Cancel the first, already issued: client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: %q})\n", demoTriggerTsr)
	_, err = client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: demoTriggerTsr})
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("cancelling the issued invoice: want a *wrapper.APIError, got %v", err)
	}
	if err := narrate(w, wire.last(), codec); err != nil {
		return err
	}
	fmt.Fprintf(w, "   The typed error: *wrapper.APIError{RtnCode: %d, RtnMsg: %q}; its message: %s\n", apiErr.RtnCode, apiErr.RtnMsg, apiErr)
	fmt.Fprintf(w, "   Classified without knowing codes: errors.Is(err, wrapper.ErrConflict) = %t and errors.Is(err, wrapper.ErrNotFound) = %t.\n",
		errors.Is(err, wrapper.ErrConflict), errors.Is(err, wrapper.ErrNotFound))
	fmt.Fprintf(w, "   %s\n", whyClasses(apiErr))
	fmt.Fprintf(w, "   The simulator still says the invoice is %s.\n", status(demoTriggerTsr))

	fmt.Fprintf(w, "\nDone: %d requests reached the simulator, every one checked against its operation's page.\n", len(sim.Requests()))
	return nil
}

// whyClasses explains, from the page's description of its code (see
// generated/registry), why the refusal err is in its classes: a newcomer who
// sees one error be both not found and a conflict needs to know that ECPay's
// answer does not tell the two apart.
func whyClasses(err *wrapper.APIError) string {
	classes := err.Classes()
	var names []string
	for _, c := range classes {
		names = append(names, strings.ReplaceAll(string(c), "_", " "))
	}
	s := fmt.Sprintf("RtnCode %d is classified as %s", err.RtnCode, strings.Join(names, " and "))
	both := slices.Contains(classes, registry.NotFound) && slices.Contains(classes, registry.Conflict)
	if both {
		s = fmt.Sprintf("Both are true: RtnCode %d is classified both as not found and as a conflict", err.RtnCode)
	}
	if op := registry.Lookup(err.Operation); op != nil {
		if code, ok := op.Code(err.RtnCode); ok && code.Description != "" {
			s += fmt.Sprintf(", because its page describes it as %q", code.Description)
		}
	}
	if both {
		s += ":\n   ECPay gives this one answer for a Tsr it never had (not found) and for one already done (a conflict)," +
			"\n   and nothing in the answer tells them apart. Here it is the conflict: this invoice was issued in step 3." +
			"\n   (A cancel resent after its first answer was lost meets the same code when the first one succeeded.)"
		return s
	}
	return s + "."
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
