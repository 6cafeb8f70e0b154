package ecpaysim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The simulator refuses a request that breaks a business rule of its page
// as ECPay does, inside a TransCode 1 answer: ECPay's RtnCode where the
// rule names one (Issue's SalesAmount rule), else RtnCodeRuleBroken, with
// the rule's message. The requests are sealed by hand, as a client that
// does not check the rules would send them.
func TestSimulatorRefusesABrokenRule(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	op := registry.Issue
	set, err := op.Rules()
	if err != nil {
		t.Fatal(err)
	}
	example := simtest.SDKExamples(t)[op.Name]
	tests := map[string]struct {
		edit     func(map[string]any)
		wantCode func(rules.Violation) int
	}{
		"a rule naming ECPay's code": {
			edit:     func(d map[string]any) { d["SalesAmount"] = 33 },
			wantCode: func(v rules.Violation) int { return v.Code },
		},
		"a rule with no code of ECPay's": {
			edit:     func(d map[string]any) { delete(d, "CustomerPhone"); delete(d, "CustomerEmail") },
			wantCode: func(rules.Violation) int { return ecpaysim.RtnCodeRuleBroken },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			data := simtest.WithMerchant(t, example, ecpaysim.StageMerchantID, tc.edit)
			vs, err := set.CheckJSON(data)
			if err != nil || len(vs) != 1 {
				t.Fatalf("the rules on the request: %v, %v; want one broken", vs, err)
			}
			code := tc.wantCode(vs[0])
			if code == 0 {
				t.Fatalf("the rule %q names no code", vs[0].Rule)
			}
			got := postJSON(t, op, sim.URL, envelope(testNow, stageData(t, string(data))))
			if got.transCode() != ecpaysim.TransCodeOK || got.rtnCode() != code || !strings.Contains(got.rtnMsg(), vs[0].Message) {
				t.Errorf("TransCode %d, RtnCode %d, RtnMsg %q; want TransCode 1, RtnCode %d and the rule's message %q",
					got.transCode(), got.rtnCode(), got.rtnMsg(), code, vs[0].Message)
			}
		})
	}
	if vs := sim.Violations(); len(vs) != 0 {
		t.Errorf("the simulator's violations: %v", vs)
	}
}

// The typed generated client, which checks nothing (its request editor
// only seals the Data), meets the simulator's refusal of a broken rule:
// for Issue's SalesAmount, ECPay's AmountMismatch.
func TestGeneratedClientMeetsTheSimulatorsRuleRefusal(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	c, err := issue.NewClientWithResponses(sim.URL,
		issue.WithHTTPClient(wrapper.DecryptResponses(codec, sim.HTTP.Client())),
		issue.WithRequestEditorFn(wrapper.EncryptRequest(codec, wrapper.WithEditorClock(fixedClock))))
	if err != nil {
		t.Fatal(err)
	}
	var req issue.RequestData
	if err := json.Unmarshal(simtest.WithMerchant(t, simtest.SDKExamples(t)["Issue"], ecpaysim.StageMerchantID), &req); err != nil {
		t.Fatal(err)
	}
	req.SalesAmount = 33
	inner, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	set, err := registry.Issue.Rules()
	if err != nil {
		t.Fatal(err)
	}
	want := simtest.BrokenRule(t, set, inner)
	resp, err := c.IssueWithResponse(t.Context(), issue.IssueJSONRequestBody{MerchantID: ecpaysim.StageMerchantID, Data: string(inner)})
	if err != nil {
		t.Fatal(err)
	}
	env := resp.JSON200
	if env == nil || env.TransCode == nil || *env.TransCode != ecpaysim.TransCodeOK || env.Data == nil {
		t.Fatalf("answer %s, want TransCode 1 with Data", resp.Body)
	}
	var result issue.ResponseData
	if err := json.Unmarshal([]byte(*env.Data), &result); err != nil {
		t.Fatal(err)
	}
	if result.RtnCode == nil || int(*result.RtnCode) != wrapper.RtnCodeAmountMismatch || result.RtnMsg == nil || !strings.Contains(string(*result.RtnMsg), want.Message) {
		t.Errorf("RtnCode %v, RtnMsg %v; want AmountMismatch (%d) with %q", result.RtnCode, result.RtnMsg, wrapper.RtnCodeAmountMismatch, want.Message)
	}
}
