package ecpaysim_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/wrapper"
)

// sdkExamples returns ECPay's PHP SDK examples, the inner Data of each,
// by operation: testdata/sdk-examples/<Operation>.json, every file there.
func sdkExamples(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "sdk-examples", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no SDK example in testdata/sdk-examples")
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = raw
	}
	return out
}

// withMerchant returns data, a request's Data, with its MerchantID (if it
// has one) set to merchantID, then edits.
func withMerchant(t *testing.T, data []byte, merchantID string, edits ...func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["MerchantID"]; ok {
		m["MerchantID"] = merchantID
	}
	for _, edit := range edits {
		edit(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

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
	example := sdkExamples(t)[op.Name]
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
			data := withMerchant(t, example, ecpaysim.StageMerchantID, tc.edit)
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
	if err := json.Unmarshal(withMerchant(t, sdkExamples(t)["Issue"], ecpaysim.StageMerchantID), &req); err != nil {
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
	want := brokenRule(t, set, inner)
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
	if result.RtnCode == nil || int(*result.RtnCode) != wrapper.RtnCodeAmountMismatch || result.RtnMsg == nil || !strings.Contains(*result.RtnMsg, want.Message) {
		t.Errorf("RtnCode %v, RtnMsg %v; want AmountMismatch (%d) with %q", result.RtnCode, result.RtnMsg, wrapper.RtnCodeAmountMismatch, want.Message)
	}
}

// brokenRule is the one rule data breaks.
func brokenRule(t *testing.T, set *rules.Set, data []byte) rules.Violation {
	t.Helper()
	got, err := set.CheckJSON(data)
	if err != nil || len(got) != 1 {
		t.Fatalf("the rules: %v, %v; want one broken", got, err)
	}
	return got[0]
}

// The proxy records a request breaking a rule as a violation of the
// request's Data: the pointer of the rule's first field, the rule, its
// message; and forwards it all the same.
func TestProxyRecordsABrokenRule(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	proxy := newTestProxy(t, sim.URL, ecpaysim.WithClock(fixedClock))
	op := registry.Issue
	set, err := op.Rules()
	if err != nil {
		t.Fatal(err)
	}
	data := withMerchant(t, sdkExamples(t)[op.Name], ecpaysim.StageMerchantID, func(d map[string]any) { d["SalesAmount"] = 33 })
	want := brokenRule(t, set, data)
	postJSON(t, op, proxy.URL, envelope(testNow, stageData(t, string(data))))
	exs := proxy.exchanges(t)
	if len(exs) != 1 {
		t.Fatalf("%d exchanges recorded, want 1", len(exs))
	}
	i := slices.IndexFunc(exs[0].Violations, func(v ecpaysim.RecordedViolation) bool { return v.Rule == rules.Extension })
	if i < 0 || len(exs[0].Violations) != 1 {
		t.Fatalf("violations %+v, want the rule's alone", exs[0].Violations)
	}
	v := exs[0].Violations[i]
	if v.Side != ecpaysim.SideRequest || v.Where != ecpaysim.WhereData || v.Pointer != "/"+want.Fields[0] || !strings.Contains(v.Reason, want.Message) {
		t.Errorf("violation %+v, want the request Data's at /%s with %q", v, want.Fields[0], want.Message)
	}
	if n := proxy.Summary().ViolationsBySide[ecpaysim.SideRequest][rules.Extension]; n != 1 {
		t.Errorf("Summary counts %d request violations of %s, want 1", n, rules.Extension)
	}
	if len(sim.Requests()) != 1 {
		t.Errorf("the simulator received %d requests; the proxy forwards every one", len(sim.Requests()))
	}
}

// ECPay's own SDK examples, one per file of testdata/sdk-examples, pass the
// client's checks and are answered by the simulator with TransCode 1 and a
// success RtnCode, with no contract violation on either side (a Proxy in
// front of the simulator checks both). They are tested against the pages
// of openapi/ on purpose: the pages must accept what ECPay itself sends.
func TestSDKExamplesPass(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	proxy := newTestProxy(t, sim.URL)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(proxy.URL))
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range sdkExamples(t) {
		t.Run(name, func(t *testing.T) {
			op := registry.Lookup(name)
			if op == nil {
				t.Fatalf("testdata/sdk-examples/%s.json names no operation of the registry (%s)", name, registry.Names())
			}
			data := withMerchant(t, raw, ecpaysim.StageMerchantID)
			if err := client.ValidateCall(op.Name, data); err != nil {
				t.Fatalf("the client refuses ECPay's own example: %v", err)
			}
			before := len(proxy.exchanges(t))
			res, err := client.Call(t.Context(), op.Name, data)
			if err != nil {
				t.Fatalf("the simulator refuses ECPay's own example: %v", err)
			}
			if !op.Success(res.RtnCode) || res.Envelope.TransCode == nil || *res.Envelope.TransCode != ecpaysim.TransCodeOK {
				t.Errorf("TransCode %v, RtnCode %d %q; want TransCode 1 and a success", res.Envelope.TransCode, res.RtnCode, res.RtnMsg)
			}
			exs := proxy.exchanges(t)
			if len(exs) != before+1 {
				t.Fatalf("%d exchanges recorded, want %d", len(exs), before+1)
			}
			if v := exs[len(exs)-1].Violations; len(v) != 0 {
				t.Errorf("contract violations: %+v", v)
			}
		})
	}
	if vs := sim.Violations(); len(vs) != 0 {
		t.Errorf("the simulator's violations: %v", vs)
	}
}
