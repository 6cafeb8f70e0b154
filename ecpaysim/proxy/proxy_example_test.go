package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A Proxy in front of an upstream (here a simulator; in CI, ECPay's stage)
// checks what passes and records it; the recording replays without the
// upstream.
func ExampleNew() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "TSR0001"); err != nil {
		panic(err)
	}
	upstream := httptest.NewServer(sim)

	var recording bytes.Buffer // in a program, a file of proxy.OpenRecording
	p, err := proxy.New(upstream.URL, proxy.WithRecording(&recording))
	if err != nil {
		panic(err)
	}
	front := httptest.NewServer(p)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(front.URL))
	if err != nil {
		panic(err)
	}
	res, err := client.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "TSR0001"})
	if err != nil {
		panic(err)
	}
	fmt.Println("through the proxy:", res.RtnCode, res.RtnMsg)
	front.Close() // waits for the exchange to be recorded
	upstream.Close()
	s := p.Summary()
	fmt.Println(s.Exchanges, "exchange,", s.UpstreamFailures, "upstream failures,", s.Violations, "violations")
	for line, err := range proxy.ReadRecording(bytes.NewReader(recording.Bytes())) {
		if err != nil {
			panic(err)
		}
		var answer struct {
			RtnCode int
			RtnMsg  string
		}
		if err := json.Unmarshal(line.Exchange.Response.Data, &answer); err != nil {
			panic(err)
		}
		fmt.Printf("line %d: %s %s -> RtnCode %d %s\n", line.Number, line.Exchange.Operation, line.Exchange.Request.Data, answer.RtnCode, answer.RtnMsg)
	}

	replay, err := proxy.NewReplay(&recording)
	if err != nil {
		panic(err)
	}
	front = httptest.NewServer(replay)
	defer front.Close()
	client, err = wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(front.URL))
	if err != nil {
		panic(err)
	}
	res, err = client.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "TSR0001"})
	if err != nil {
		panic(err)
	}
	fmt.Println("replayed:", res.RtnCode, res.RtnMsg)
	// Output:
	// through the proxy: 1 取消開立發票成功
	// 1 exchange, 0 upstream failures, 0 violations
	// line 1: CancelDelayIssue {"MerchantID":"2000132","Tsr":"TSR0001"} -> RtnCode 1 取消開立發票成功
	// replayed: 1 取消開立發票成功
}
