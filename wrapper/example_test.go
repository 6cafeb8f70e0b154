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
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The typed client against a local simulator (drop WithBaseURL to call
// ECPay's stage, or use wrapper.ProductionURL). Cancelling the same invoice
// twice shows ECPay's refusal as a typed error.
func ExampleNewClient() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if err := sim.AddDelayedInvoice("2000132", "201909170001"); err != nil {
		panic(err)
	}

	c, err := wrapper.NewClient("2000132", "ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk", wrapper.WithBaseURL(srv.URL))
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
		fmt.Println("refused, RtnCode", refused.RtnCode)
	}

	_, err = c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: ""})
	var invalid *wrapper.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Field, invalid.Rule)
	}
	// Output:
	// 1 取消開立發票成功
	// refused, RtnCode 9102
	// not sent: Tsr minLength
}

// The client generated from ECPay's spec, with the codec plugged in: the
// request editor encrypts the plaintext Data and timestamps the envelope, and
// the response hook decrypts the answer's Data before the generated parser
// reads it.
func Example_generatedClient() {
	sim, err := ecpaysim.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if err := sim.AddDelayedInvoice("2000132", "201909170001"); err != nil {
		panic(err)
	}

	codec, err := ecpaycrypto.New("ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
	if err != nil {
		panic(err)
	}
	c, err := generated.NewClientWithResponses(srv.URL,
		generated.WithHTTPClient(wrapper.DecryptResponses(codec, http.DefaultClient)),
		generated.WithRequestEditorFn(wrapper.EncryptRequest(codec)),
	)
	if err != nil {
		panic(err)
	}

	inner, err := json.Marshal(generated.CancelDelayIssueRequestData{MerchantID: "2000132", Tsr: "201909170001"})
	if err != nil {
		panic(err)
	}
	resp, err := c.CancelDelayIssueWithResponse(context.Background(),
		generated.CancelDelayIssueJSONRequestBody{MerchantID: "2000132", Data: string(inner)})
	if err != nil {
		panic(err)
	}
	env := resp.JSON200
	fmt.Println("TransCode", *env.TransCode)
	var result generated.CancelDelayIssueResponseData
	if err := json.Unmarshal([]byte(*env.Data), &result); err != nil {
		panic(err)
	}
	fmt.Println(*result.RtnCode, *result.RtnMsg)
	// Output:
	// TransCode 1
	// 1 取消開立發票成功
}
