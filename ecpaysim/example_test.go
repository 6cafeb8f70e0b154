package ecpaysim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/allowance"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A simulator behind httptest and the wrapper client going through the
// delayed-invoice lifecycle: one invoice triggered (issued at once, DelayDay
// 0), another cancelled, then a cancel of the issued one, which ECPay
// refuses. In a test, ecpaysimtest.NewServer(t) does the setup in one line.
func Example() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, tsr := range []string{"201909170001", "201909170002"} {
		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
			panic(err)
		}
	}

	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	issued, err := client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: "201909170001", PayType: "2"})
	if err != nil {
		panic(err)
	}
	fmt.Println(issued.RtnCode, issued.RtnMsg)
	cancelled, err := client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170002"})
	if err != nil {
		panic(err)
	}
	fmt.Println(cancelled.RtnCode, cancelled.RtnMsg)

	_, err = client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.RtnCode, errors.Is(err, wrapper.ErrConflict))
	}
	for _, inv := range sim.Invoices() {
		fmt.Println(inv.Tsr, inv.Status)
	}
	// Output:
	// 4000004 開立發票成功
	// 1 取消開立發票成功
	// 5070305 true
	// 201909170001 issued
	// 201909170002 cancelled
}

// Faults make the next answers fail: here ECPay's HTTP 403 for callers that
// call too fast, then a rejected envelope.
func ExampleServer_InjectNext() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}

	err = sim.InjectNext(
		ecpaysim.Fault{HTTPStatus: http.StatusForbidden},
		ecpaysim.Fault{TransCode: 10000016, TransMsg: "injected: service busy"},
	)
	if err != nil {
		panic(err)
	}
	for range 2 {
		_, err := client.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		var httpErr *wrapper.HTTPError
		var transErr *wrapper.TransError
		switch {
		case errors.As(err, &httpErr):
			fmt.Println("HTTP", httpErr.StatusCode)
		case errors.As(err, &transErr):
			fmt.Println("TransCode", transErr.TransCode, transErr.TransMsg)
		}
	}
	// Output:
	// HTTP 403
	// TransCode 10000016 injected: service busy
}

// A delayed invoice that issues three days after its trigger, registered
// as DelayIssue would have stored it (without its invoice data: the
// simulator issues a minimal invoice of its own, its Tsr as RelateNumber),
// and the simulator's clock moved past that time.
func ExampleServer_AddInvoice() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	err = sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "T3", DelayFlag: ecpaysim.DelayTrigger, DelayDay: 3})
	if err != nil {
		panic(err)
	}
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	res, err := client.TriggerIssue(context.Background(), wrapper.TriggerIssueRequest{Tsr: "T3", PayType: "2"})
	if err != nil {
		panic(err)
	}
	status, _ := sim.Status(ecpaysim.StageMerchantID, "T3")
	fmt.Println(res.RtnCode == wrapper.RtnCodeTriggered, res.RtnMsg, status)

	// Three days later by the simulator's clock, it is issued.
	if _, err := sim.Advance(72 * time.Hour); err != nil {
		panic(err)
	}
	inv := sim.Invoices()[0]
	fmt.Println(inv.Status, inv.InvoiceNo)
	for _, e := range sim.DelayedIssues() {
		fmt.Println(e.Tsr, "issued as", e.InvoiceNo, "under RelateNumber", e.RelateNumber)
	}
	// Output:
	// true 延後開立成功 triggered
	// issued SM00000001
	// T3 issued as SM00000001 under RelateNumber T3
}

// The life of an issued invoice: Issue answers the invoice number of the
// simulator's track, an allowance is made against it, a void is refused
// while the allowance stands, and allowed once it is voided.
func ExampleServer_IssuedInvoice() {
	at := time.Date(2026, 12, 7, 7, 4, 5, 0, time.UTC) // 15:04:05 in Taipei
	sim, err := ecpaysim.New(ecpaysim.WithClock(func() time.Time { return at }))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(srv.URL), wrapper.WithClock(sim.Clock()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	email := "buyer@example.com"
	issued, err := client.Issue(ctx, wrapper.IssueRequest{RelateNumber: "Order42", CustomerEmail: &email, Print: "0", Donation: "0",
		TaxType: "1", InvType: "07", SalesAmount: 100,
		Items: []issue.Item{{ItemName: "Tea", ItemCount: 2, ItemWord: "cup", ItemPrice: 50, ItemAmount: 100}}})
	if err != nil {
		panic(err)
	}
	no, day := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)[:10]
	fmt.Println(no, *issued.Data.InvoiceDate)

	allowed, err := client.Allowance(ctx, wrapper.AllowanceRequest{InvoiceNo: no, InvoiceDate: day, AllowanceNotify: "N",
		AllowanceAmount: 30, Items: []allowance.AllowanceItem{{ItemName: "Tea", ItemCount: 1, ItemWord: "cup", ItemPrice: 30, ItemAmount: 30}}})
	if err != nil {
		panic(err)
	}
	fmt.Println(*allowed.Data.IAAllowNo, *allowed.Data.IARemainAllowanceAmt)

	_, err = client.Invalid(ctx, wrapper.InvalidRequest{InvoiceNo: no, InvoiceDate: day, Reason: "returned"})
	apiErr, _ := errors.AsType[*wrapper.APIError](err)
	fmt.Println(errors.Is(err, wrapper.ErrConflict), apiErr.RtnCode == wrapper.RtnCodeInvoiceHasAllowance)
	if _, err := client.AllowanceInvalid(ctx, wrapper.AllowanceInvalidRequest{InvoiceNo: no, AllowanceNo: string(*allowed.Data.IAAllowNo), Reason: "mistake"}); err != nil {
		panic(err)
	}
	if _, err := client.Invalid(ctx, wrapper.InvalidRequest{InvoiceNo: no, InvoiceDate: day, Reason: "returned"}); err != nil {
		panic(err)
	}
	inv, _ := sim.IssuedInvoice(ecpaysim.StageMerchantID, no)
	fmt.Println(inv.Status, inv.Remaining, len(inv.Allowances))
	// Output:
	// SM00000001 2026-12-07 15:04:05
	// 2026120700000001 70
	// true true
	// voided 100 1
}
