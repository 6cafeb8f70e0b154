package wrapper_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ecpay-go/einvoice/wrapper"
)

// An attempt hook that writes a journal line before each request goes out
// and after its answer, as a resumable batch does: the inner Data says which
// invoice is in flight, the result what came back. A Before that fails
// keeps the request from being sent.
func ExampleWithAttemptHook() {
	_, srv := startSimulator("201909170001")
	defer srv.Close()

	journal := wrapper.AttemptHook{
		Before: func(_ context.Context, info wrapper.AttemptInfo) error {
			var data struct{ Tsr string }
			if err := json.Unmarshal(info.Data, &data); err != nil {
				return err
			}
			fmt.Printf("sending %s attempt %d for Tsr %s\n", info.Operation, info.Attempt, data.Tsr)
			return nil
		},
		After: func(_ context.Context, info wrapper.AttemptInfo, r wrapper.AttemptResult) {
			if r.Err != nil {
				fmt.Printf("%s attempt %d: HTTP %d, %s error\n", info.Operation, info.Attempt, r.HTTPStatus, wrapper.ErrorKind(r.Err))
				return
			}
			fmt.Printf("%s attempt %d: HTTP %d, RtnCode %d\n", info.Operation, info.Attempt, r.HTTPStatus, *r.RtnCode)
		},
	}
	c, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV,
		wrapper.WithBaseURL(srv.URL), wrapper.WithAttemptHook(journal))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 2 {
		_, _ = c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
	}
	// Output:
	// sending CancelDelayIssue attempt 1 for Tsr 201909170001
	// CancelDelayIssue attempt 1: HTTP 200, RtnCode 1
	// sending CancelDelayIssue attempt 1 for Tsr 201909170001
	// CancelDelayIssue attempt 1: HTTP 200, api error
}
