package ecpaysim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A simulator behind httptest, a delayed invoice, and the wrapper client
// cancelling it twice: ECPay refuses the second cancel. In a test,
// ecpaysim.NewServer(t) does the setup in one line.
func Example() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "201909170001"); err != nil {
		panic(err)
	}

	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	res, err := client.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.RtnCode, res.RtnMsg)
	fmt.Println("cancelled:", sim.Cancelled(ecpaysim.StageMerchantID, "201909170001"))

	_, err = client.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.RtnCode == ecpaysim.RtnCodeAlreadyCancelled)
	}
	fmt.Println("requests:", len(sim.Requests()))
	// Output:
	// 1 取消開立發票成功
	// cancelled: true
	// true
	// requests: 2
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
