package wrapper_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A member the page fixes (TriggerIssue's PayType, which its page allows
// one value) may be left out: the methods, Call and Validate fill it in
// from the page, and the simulator receives it.
func TestClientFillsThePagesDefaults(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	calls := map[string]func(tsr string) error{
		"method, left out": func(tsr string) error {
			_, err := sim.Client.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: tsr})
			return err
		},
		"Call, left out": func(tsr string) error {
			_, err := sim.Client.Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"`+tsr+`"}`))
			return err
		},
		"Call, empty": func(tsr string) error {
			_, err := sim.Client.Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"`+tsr+`","PayType":""}`))
			return err
		},
	}
	n := 0
	for name, call := range calls {
		n++
		t.Run(name, func(t *testing.T) {
			tsr := "D" + strconv.Itoa(n)
			if err := sim.AddDelayedInvoice(wrapper.StageMerchantID, tsr); err != nil {
				t.Fatal(err)
			}
			before := len(sim.Requests())
			if err := call(tsr); err != nil {
				t.Fatal(err)
			}
			reqs := sim.Requests()[before:]
			var sent map[string]any
			if len(reqs) != 1 || json.Unmarshal(reqs[0].Plaintext, &sent) != nil || sent["PayType"] != "2" {
				t.Errorf("the simulator received %d requests: %+v", len(reqs), reqs)
			}
		})
	}
	if err := sim.Client.Validate(wrapper.TriggerIssueRequest{Tsr: "T1"}); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if err := sim.Client.ValidateCall("TriggerIssue", json.RawMessage(`{"Tsr":"T1"}`)); err != nil {
		t.Errorf("ValidateCall: %v", err)
	}
	req := wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "3"}
	err := sim.Client.Validate(req)
	if ve, ok := asValidation(err); !ok || ve.Field != "PayType" || ve.Rule != "enum" || req.PayType != "3" {
		t.Errorf("PayType 3: %v; want an enum ValidationError, the value kept", err)
	}
}
