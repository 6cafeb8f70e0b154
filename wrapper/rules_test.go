package wrapper_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// sdkIssue returns ECPay's PHP SDK example for Issue
// (testdata/sdk-examples/Issue.json: 3 × 10.5 with ItemAmount 32, rounded
// as ECPay rounds), with the client's MerchantID.
func sdkIssue(t *testing.T) wrapper.IssueRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req wrapper.IssueRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	req.MerchantID = ""
	return req
}

// A typed Issue whose SalesAmount is not the sum of its items breaks the
// page's rule: the client refuses it before sending, naming the rule's
// fields and message, through every entry of the call core; ECPay's SDK
// example, whose item is rounded, is sent.
func TestClientChecksThePagesRules(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	broken := sdkIssue(t)
	broken.SalesAmount = 33
	plaintext, err := json.Marshal(broken)
	if err != nil {
		t.Fatal(err)
	}
	// The rule's own words, as the engine gives them for this request.
	set, err := registry.Issue.Rules()
	if err != nil {
		t.Fatal(err)
	}
	withMerchant := strings.Replace(string(plaintext), `"MerchantID":""`, `"MerchantID":"`+wrapper.StageMerchantID+`"`, 1)
	vs, err := set.CheckJSON([]byte(withMerchant))
	if err != nil || len(vs) != 1 {
		t.Fatalf("the rules on the broken request: %v, %v; want one violation", vs, err)
	}
	want := vs[0]

	calls := map[string]func() error{
		"method": func() error {
			_, err := sim.Client.Issue(bg, broken)
			return err
		},
		"Call": func() error {
			_, err := sim.Client.Call(bg, "Issue", plaintext)
			return err
		},
		"Validate":     func() error { return sim.Client.Validate(broken) },
		"ValidateCall": func() error { return sim.Client.ValidateCall("Issue", plaintext) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *wrapper.ValidationError", err)
			}
			if ve.Operation != "Issue" || ve.Rule != "x-ecpay-validations" || ve.Field != want.Fields[0] ||
				!slices.Equal(ve.Fields, want.Fields) || ve.Quote != want.Quote || !strings.Contains(ve.Reason, want.Message) {
				t.Errorf("got %+v\nwant the rule %+v", ve, want)
			}
			for _, w := range []string{want.Message, strings.Join(want.Fields, ", "), "nothing was sent"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
			if wrapper.ErrorKind(err) != wrapper.KindValidation {
				t.Errorf("ErrorKind = %v", wrapper.ErrorKind(err))
			}
		})
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("the simulator received %d requests, want none", n)
	}

	res, err := sim.Client.Issue(bg, sdkIssue(t))
	if err != nil {
		t.Fatalf("ECPay's SDK example: %v", err)
	}
	if !registry.Issue.Success(res.RtnCode) {
		t.Errorf("ECPay's SDK example: RtnCode %d", res.RtnCode)
	}
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("the simulator received %d requests, want the SDK example's", n)
	}
}
