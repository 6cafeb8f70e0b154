package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// startSimulator serves a simulator of ECPay for the stage merchant on a
// local port, with one delayed invoice per Tsr, waiting for a trigger and
// issued as soon as it is triggered.
func startSimulator(tsrs ...string) (*ecpaysim.Server, *httptest.Server) {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	for _, tsr := range tsrs {
		if err := sim.AddDelayedInvoice(wrapper.StageMerchantID, tsr); err != nil {
			panic(err)
		}
	}
	return sim, httptest.NewServer(sim)
}

// The typed client against a local simulator (drop WithBaseURL to call
// ECPay's stage, or use wrapper.ProductionURL). Cancelling the same invoice
// twice shows ECPay's refusal as a typed error, classified for errors.Is;
// an invalid request is refused before anything is sent.
func ExampleNewClient() {
	_, srv := startSimulator("201909170001")
	defer srv.Close()

	c, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	res, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.RtnCode, res.RtnMsg)

	_, err = c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	var refused *wrapper.APIError
	if errors.As(err, &refused) {
		fmt.Println("refused, RtnCode", refused.RtnCode, "conflict:", errors.Is(err, wrapper.ErrConflict))
	}

	_, err = c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: ""})
	var invalid *wrapper.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Field, invalid.Rule)
	}
	// Output:
	// 1 取消開立發票成功
	// refused, RtnCode 5070305 conflict: true
	// not sent: Tsr required
}

// TriggerIssue succeeds with either of two codes, not 1: the result's
// RtnCode says whether the invoice was issued now or only triggered.
func ExampleClient_TriggerIssue() {
	sim, srv := startSimulator("NOW-0001")
	defer srv.Close()
	// An invoice ECPay issues three days after its trigger.
	if err := sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: wrapper.StageMerchantID, Tsr: "LATER-0001", DelayDay: 3}); err != nil {
		panic(err)
	}

	c, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	for _, tsr := range []string{"NOW-0001", "LATER-0001", "UNKNOWN-0001"} {
		res, err := c.TriggerIssue(context.Background(), wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"})
		switch {
		case errors.Is(err, wrapper.ErrNotFound):
			fmt.Println(tsr, "not found:", err)
		case err != nil:
			panic(err)
		case res.RtnCode == wrapper.RtnCodeIssued:
			fmt.Println(tsr, "issued now:", res.RtnMsg)
		case res.RtnCode == wrapper.RtnCodeTriggered:
			fmt.Println(tsr, "triggered, issued after its delay:", res.RtnMsg)
		}
	}
	// Output:
	// NOW-0001 issued now: 開立發票成功
	// LATER-0001 triggered, issued after its delay: 延後開立成功
	// UNKNOWN-0001 not found: ecpay: TriggerIssue refused: RtnCode 4000001: 不存在此交易單號
}

// Call takes any operation by name and its request Data as JSON, as a
// command line or a queue would hold it, and returns the decrypted answer
// as received. A member the page fixes may be left out (TriggerIssue's
// PayType, whose page allows only "2"): the client fills it in. The JSON is
// decoded strictly and checked as the typed methods check: a misspelt
// member ("tsr") or a required one left out is refused before anything is
// sent.
func ExampleClient_Call() {
	_, srv := startSimulator("201909170001")
	defer srv.Close()

	c, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	res, err := c.Call(ctx, "TriggerIssue", json.RawMessage(`{"Tsr":"201909170001"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.RtnCode, string(res.Data))

	_, err = c.Call(ctx, "TriggerIssue", json.RawMessage(`{"tsr":"201909170001","PayType":"2"}`))
	var invalid *wrapper.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Field, invalid.Rule)
	}
	_, err = c.Call(ctx, "TriggerIssue", json.RawMessage(`{"PayType":"2"}`))
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Field, invalid.Rule)
	}
	// Output:
	// 4000004 {"RtnCode":4000004,"RtnMsg":"開立發票成功"}
	// not sent: Data json
	// not sent: Tsr required
}

// A page's generated client (here CancelDelayIssue's), with the codec
// plugged in: the request editor encrypts the plaintext Data and timestamps
// the envelope, and the response hook decrypts the answer's Data before the
// generated parser reads it.
func Example_generatedClient() {
	_, srv := startSimulator("201909170001")
	defer srv.Close()

	codec, err := ecpaycrypto.New(wrapper.StageHashKey, wrapper.StageHashIV)
	if err != nil {
		panic(err)
	}
	c, err := canceldelayissue.NewClientWithResponses(srv.URL,
		canceldelayissue.WithHTTPClient(wrapper.DecryptResponses(codec, http.DefaultClient)),
		canceldelayissue.WithRequestEditorFn(wrapper.EncryptRequest(codec)),
	)
	if err != nil {
		panic(err)
	}

	inner, err := json.Marshal(canceldelayissue.RequestData{MerchantID: wrapper.StageMerchantID, Tsr: "201909170001"})
	if err != nil {
		panic(err)
	}
	resp, err := c.CancelDelayIssueWithResponse(context.Background(),
		canceldelayissue.CancelDelayIssueJSONRequestBody{MerchantID: wrapper.StageMerchantID, Data: string(inner)})
	if err != nil {
		panic(err)
	}
	env := resp.JSON200
	fmt.Println("TransCode", *env.TransCode)
	var result canceldelayissue.ResponseData
	if err := json.Unmarshal([]byte(*env.Data), &result); err != nil {
		panic(err)
	}
	fmt.Println(*result.RtnCode, *result.RtnMsg)
	// Output:
	// TransCode 1
	// 1 取消開立發票成功
}
