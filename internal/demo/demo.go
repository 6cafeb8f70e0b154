// Package demo is the story ecpay-invoice demo tells: the life of an
// invoice against the simulator (package ecpaysim) in this process, through
// the typed client (package wrapper), one call a step, each step a narrated
// line and ECPay's answer with its Data decrypted. It lives apart from the
// command so that the command holds its flags and its output only.
package demo

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
	"github.com/ecpay-go/einvoice/generated/allowance"
	"github.com/ecpay-go/einvoice/generated/delayissue"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The Tsrs and RelateNumbers of the demo's delayed invoices.
const (
	triggerTsr    = "DEMO201909170001"
	triggerRelate = "DemoDelayed1"
	cancelTsr     = "DEMO201909170002"
	cancelRelate  = "DemoDelayed2"
)

// Run tells the life of an invoice on w, against a simulator made with
// simOpts (a test fixes its clock with ecpaysim.WithClock, which the client
// follows too, so that the output is the same on every run).
func Run(ctx context.Context, w io.Writer, simOpts ...ecpaysim.Option) error {
	sim, err := ecpaysim.New(simOpts...)
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

	wire := &lastAnswer{next: http.DefaultTransport}
	client, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV,
		wrapper.WithBaseURL(baseURL), wrapper.WithHTTPClient(&http.Client{Transport: wire, CheckRedirect: wrapper.CheckRedirect}),
		wrapper.WithTimeout(10*time.Second), wrapper.WithClock(sim.Clock()))
	if err != nil {
		return err
	}
	codec, err := ecpaycrypto.New(wrapper.StageHashKey, wrapper.StageHashIV)
	if err != nil {
		return err
	}
	d := &run{w: w, wire: wire, codec: codec}

	fmt.Fprintf(w, "The ECPay simulator listens on %s as ECPay's public stage merchant %s.\n", baseURL, wrapper.StageMerchantID)
	fmt.Fprintf(w, "Each step is one call of the typed client (package wrapper), then ECPay's answer: its Data, decrypted.\n")
	if err := issuedLife(ctx, d, client); err != nil {
		return err
	}
	if err := delayedLife(ctx, d, client); err != nil {
		return err
	}

	if v := sim.Violations(); len(v) > 0 {
		return fmt.Errorf("the simulator broke its pages %d times, a bug of the simulator; the first: %w", len(v), v[0])
	}
	fmt.Fprintf(w, "\nDone: %d requests reached the simulator, each checked against its operation's page, and 0 answers broke theirs.\n", len(sim.Requests()))
	return nil
}

// issuedLife issues ECPay's SDK example invoice, looks it up, makes an
// allowance, is refused a void while it stands, voids the allowance and
// then the invoice.
func issuedLife(ctx context.Context, d *run, client *wrapper.Client) error {
	d.section("The life of an invoice")
	req := IssueRequest()
	issued, err := client.Issue(ctx, req)
	if err != nil {
		return err
	}
	no, date := text(issued.Data.InvoiceNo), text(issued.Data.InvoiceDate)
	if no == "" || len(date) < len("yyyy-MM-dd") {
		return fmt.Errorf("the answer to Issue has InvoiceNo %q and InvoiceDate %q, want a number and a date", no, date)
	}
	day := date[:len("yyyy-MM-dd")] // of "yyyy-MM-dd HH:mm:ss", as the look-ups take it
	if err := d.say("Issue ECPay's SDK example invoice (RelateNumber %s, NT$%g): issued as %s on %s, RtnCode %d.",
		req.RelateNumber, req.SalesAmount, no, date, issued.RtnCode); err != nil {
		return err
	}

	got, err := client.GetIssue(ctx, wrapper.GetIssueRequest{InvoiceNo: &no, InvoiceDate: &day})
	if err != nil {
		return err
	}
	if err := d.say("Look it up by number and date (GetIssue): %s of NT$%g, all of it open to allowances (NT$%g), RtnCode %d.",
		no, amount(got.Data.IISSalesAmount), amount(got.Data.IISRemainAllowanceAmt), got.RtnCode); err != nil {
		return err
	}

	allowance := AllowanceRequest(no, day)
	allowed, err := client.Allowance(ctx, allowance)
	if err != nil {
		return err
	}
	allowanceNo := text(allowed.Data.IAAllowNo)
	if allowanceNo == "" {
		return errors.New("the answer to Allowance has no allowance number (IA_Allow_No)")
	}
	if err := d.say("Make an allowance (折讓) of NT$%d against it (Allowance): allowance %s, NT$%g left, RtnCode %d.",
		allowance.AllowanceAmount, allowanceNo, amount(allowed.Data.IARemainAllowanceAmt), allowed.RtnCode); err != nil {
		return err
	}

	void := wrapper.InvalidRequest{InvoiceNo: no, InvoiceDate: day, Reason: Reason}
	_, err = client.Invalid(ctx, void)
	refused, err := refusal(err, "Invalid", wrapper.RtnCodeInvoiceHasAllowance)
	if err != nil {
		return err
	}
	if err := d.say("Void the invoice while the allowance stands (Invalid): refused with RtnCode %d, a *wrapper.APIError; errors.Is(err, wrapper.ErrConflict) = %t.",
		refused.RtnCode, errors.Is(refused, wrapper.ErrConflict)); err != nil {
		return err
	}

	undone, err := client.AllowanceInvalid(ctx, wrapper.AllowanceInvalidRequest{InvoiceNo: no, AllowanceNo: allowanceNo, Reason: Reason})
	if err != nil {
		return err
	}
	if err := d.say("Void the allowance (AllowanceInvalid): allowance %s voided, RtnCode %d.", allowanceNo, undone.RtnCode); err != nil {
		return err
	}

	voided, err := client.Invalid(ctx, void)
	if err != nil {
		return err
	}
	return d.say("Void the invoice again, now that no allowance stands (Invalid): %s voided, RtnCode %d.", no, voided.RtnCode)
}

// delayedLife stores a delayed invoice, triggers it and finds it
// issued, then stores another and cancels it.
func delayedLife(ctx context.Context, d *run, client *wrapper.Client) error {
	d.section("Two delayed invoices")
	first := delayIssueRequest(triggerTsr, triggerRelate)
	stored, err := client.DelayIssue(ctx, first)
	if err != nil {
		return err
	}
	if err := d.say("Store a delayed invoice that waits for a trigger (DelayIssue, DelayFlag 2, DelayDay 0): Tsr %s, RtnCode %d.", first.Tsr, stored.RtnCode); err != nil {
		return err
	}

	triggered, err := client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: first.Tsr, PayType: "2"})
	if err != nil {
		return err
	}
	if err := d.say("Trigger it, as when the buyer has paid (TriggerIssue): RtnCode %d, wrapper.RtnCodeIssued, a success though not 1: issued at once.", triggered.RtnCode); err != nil {
		return err
	}

	got, err := client.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &first.RelateNumber})
	if err != nil {
		return err
	}
	if err := d.say("Look it up by its RelateNumber %s (GetIssue): issued as %s, NT$%g, RtnCode %d.",
		first.RelateNumber, text(got.Data.IISNumber), amount(got.Data.IISSalesAmount), got.RtnCode); err != nil {
		return err
	}

	second := delayIssueRequest(cancelTsr, cancelRelate)
	stored, err = client.DelayIssue(ctx, second)
	if err != nil {
		return err
	}
	if err := d.say("Store another (DelayIssue): Tsr %s, RtnCode %d.", second.Tsr, stored.RtnCode); err != nil {
		return err
	}

	cancelled, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: second.Tsr})
	if err != nil {
		return err
	}
	return d.say("Cancel it (CancelDelayIssue): RtnCode %d; it will never be issued.", cancelled.RtnCode)
}

// Reason is the Reason of the demo's voids: that of ECPay's SDK example of Invalid.
const Reason = "Testing reason"

// IssueRequest returns ECPay's SDK example of Issue's Data (its
// example/Invoice/B2C/Issue.php; testdata/sdk-examples/Issue.json, which a
// test holds it to), built here so that the demo reads no file.
func IssueRequest() wrapper.IssueRequest {
	return wrapper.IssueRequest{
		MerchantID:    wrapper.StageMerchantID,
		RelateNumber:  "Test1525168923",
		CustomerPhone: new("0911222333"),
		Print:         "0",
		Donation:      "0",
		CarrierType:   new(issue.CarrierType("1")),
		TaxType:       "1",
		SalesAmount:   32,
		Items: []issue.Item{{
			ItemName: "測試商品01", ItemCount: 3, ItemWord: "個", ItemPrice: 10.5,
			ItemTaxType: new(issue.ItemTaxType("1")), ItemAmount: 32,
		}},
		InvType: "07",
	}
}

// AllowanceRequest returns ECPay's SDK example of Allowance's Data
// (testdata/sdk-examples/Allowance.json) for invoice no of day.
func AllowanceRequest(no, day string) wrapper.AllowanceRequest {
	return wrapper.AllowanceRequest{
		MerchantID:      wrapper.StageMerchantID,
		InvoiceNo:       no,
		InvoiceDate:     day,
		AllowanceNotify: "E",
		NotifyMail:      new("test-allowance@ecpay.com.tw"),
		AllowanceAmount: 11,
		Items: []allowance.AllowanceItem{{
			ItemSeq: new(1), ItemName: "測試商品01", ItemCount: 1, ItemWord: "個", ItemPrice: 10.5, ItemAmount: 10.5,
		}},
	}
}

// delayIssueRequest returns a delayed invoice of ECPay's SDK example
// invoice (as IssueRequest's) under tsr and relateNumber, waiting for a
// trigger and issued on it (DelayFlag 2, DelayDay 0).
func delayIssueRequest(tsr, relateNumber string) wrapper.DelayIssueRequest {
	inv := IssueRequest()
	return wrapper.DelayIssueRequest{
		MerchantID:    inv.MerchantID,
		RelateNumber:  relateNumber,
		CustomerPhone: inv.CustomerPhone,
		Print:         delayissue.Print(inv.Print),
		Donation:      delayissue.Donation(inv.Donation),
		CarrierType:   new(delayissue.CarrierType(*inv.CarrierType)),
		TaxType:       delayissue.TaxType(inv.TaxType),
		SalesAmount:   inv.SalesAmount,
		Items: []delayissue.Item{{
			ItemName: inv.Items[0].ItemName, ItemCount: inv.Items[0].ItemCount, ItemWord: inv.Items[0].ItemWord,
			ItemPrice: inv.Items[0].ItemPrice, ItemTaxType: new(delayissue.ItemTaxType(*inv.Items[0].ItemTaxType)), ItemAmount: inv.Items[0].ItemAmount,
		}},
		InvType:   delayissue.InvType(inv.InvType),
		DelayFlag: "2",
		DelayDay:  0,
		Tsr:       tsr,
		PayType:   "2",
		PayAct:    "ECPAY",
	}
}

// text returns a text of an answer, "" when absent.
func text[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// amount returns an amount of an answer, 0 when absent.
func amount[T ~float64 | ~int](p *T) float64 {
	if p == nil {
		return 0
	}
	return float64(*p)
}

// refusal returns err as the *wrapper.APIError of op's refusal with
// code, or an error saying what came instead.
func refusal(err error, op string, code int) (*wrapper.APIError, error) {
	apiErr, ok := errors.AsType[*wrapper.APIError](err)
	if !ok || apiErr.RtnCode != code {
		return nil, fmt.Errorf("%s: want ECPay's refusal with RtnCode %d, got %v", op, code, err)
	}
	return apiErr, nil
}

// run numbers and prints the demo's steps.
type run struct {
	w     io.Writer
	wire  *lastAnswer
	codec *ecpaycrypto.Codec
	step  int
}

// section starts a part of the demo.
func (d *run) section(title string) { fmt.Fprintf(d.w, "\n%s\n", title) }

// say prints the next step: its narration, then the Data of the answer
// just received, decrypted from the envelope on the wire, as compact JSON.
func (d *run) say(format string, args ...any) error {
	d.step++
	fmt.Fprintf(d.w, "%2d. %s\n", d.step, fmt.Sprintf(format, args...))
	url, body := d.wire.last()
	var env struct{ Data string }
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("the answer to %s is not an envelope: %w", url, err)
	}
	plaintext, err := d.codec.Decrypt(env.Data)
	if err != nil {
		return fmt.Errorf("decrypting the answer to %s: %w", url, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, plaintext); err != nil {
		return fmt.Errorf("the answer to %s is not JSON: %w", url, err)
	}
	fmt.Fprintf(d.w, "    %s\n", compact.Bytes())
	return nil
}

// lastAnswer is the transport under the demo's HTTP client: it keeps the
// body of the latest answer as it crossed the wire, for the demo to show
// its Data decrypted.
type lastAnswer struct {
	next http.RoundTripper

	mu   sync.Mutex
	url  string
	body []byte
}

func (l *lastAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, wrapper.MaxResponseBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	l.url, l.body = req.URL.String(), body
	l.mu.Unlock()
	return resp, nil
}

// last returns the URL and the body of the latest answer.
func (l *lastAnswer) last() (url string, body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.url, l.body
}
