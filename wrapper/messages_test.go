package wrapper_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A refused request's message is plain English that names the field, the
// rule it breaks and what to do; an enum's names the values allowed.
func TestValidationMessagesAreSentences(t *testing.T) {
	tsrMax := dataMaxLength(t, registry.CancelDelayIssue, "Tsr")
	tests := map[string]struct {
		op, data string
		want     string // the message after "ecpay: <op>: invalid request, nothing was sent: "
	}{
		"a value outside its enum": {op: "TriggerIssue", data: `{"Tsr":"T1","PayType":"3"}`, want: `PayType is not one of the allowed values: "2"; give one of them`},
		"too long": {op: "CancelDelayIssue", data: `{"Tsr":"` + strings.Repeat("9", tsrMax+1) + `"}`,
			want: "Tsr is too long: the page allows at most " + strconv.Itoa(tsrMax) + " characters; shorten it"},
		"a required member empty":    {op: "CancelDelayIssue", data: `{"Tsr":""}`, want: "Tsr is required (必填) but missing or empty; give it a value"},
		"a required member left":     {op: "CancelDelayIssue", data: `{}`, want: "Tsr is required (必填) but missing or empty; give it a value"},
		"not JSON":                   {op: "CancelDelayIssue", data: `{"Tsr":T1}`, want: "Data is not valid JSON (invalid character 'T' looking for beginning of value); give one JSON object of CancelDelayIssue's members"},
		"cut short":                  {op: "CancelDelayIssue", data: `{"Tsr":`, want: "Data is not valid JSON (it ends too soon); give one JSON object of CancelDelayIssue's members"},
		"not an object":              {op: "CancelDelayIssue", data: `["T1"]`, want: "Data is not a JSON object; give one JSON object of CancelDelayIssue's members"},
		"empty":                      {op: "CancelDelayIssue", data: ``, want: "Data is empty; give one JSON object of CancelDelayIssue's members"},
		"something after the object": {op: "CancelDelayIssue", data: `{"Tsr":"T1"} {}`, want: "Data has something that follows its JSON object; give exactly one object"},
	}
	c, err := wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, wrapper.WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.ValidateCall(tc.op, json.RawMessage(tc.data))
			want := "ecpay: " + tc.op + ": invalid request, nothing was sent: " + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("message\n %v\nwant\n %s", err, want)
			}
		})
	}
}
