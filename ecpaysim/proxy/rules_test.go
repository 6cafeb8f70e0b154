package proxy_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/wrapper"
)

// The proxy records a request breaking a rule as a violation of the
// request's Data: the pointer of the rule's first field, the rule, its
// message; and forwards it all the same.
func TestProxyRecordsABrokenRule(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	p := newTestProxy(t, sim.URL)
	op := registry.Issue
	set, err := op.Rules()
	if err != nil {
		t.Fatal(err)
	}
	data := simtest.WithMerchant(t, simtest.SDKExamples(t)[op.Name], ecpaysim.StageMerchantID, func(d map[string]any) { d["SalesAmount"] = 33 })
	want := simtest.BrokenRule(t, set, data)
	if got := send(t, http.MethodPost, p.URL+op.Path, "application/json", envelope(time.Now(), stageData(t, string(data)))); got.status != http.StatusOK {
		t.Fatalf("HTTP %d %s", got.status, got.body)
	}
	exs := p.exchanges(t)
	if len(exs) != 1 {
		t.Fatalf("%d exchanges recorded, want 1", len(exs))
	}
	i := slices.IndexFunc(exs[0].Violations, func(v proxy.RecordedViolation) bool { return v.Rule == rules.Extension })
	if i < 0 || len(exs[0].Violations) != 1 {
		t.Fatalf("violations %+v, want the rule's alone", exs[0].Violations)
	}
	v := exs[0].Violations[i]
	if v.Side != proxy.SideRequest || v.Where != proxy.WhereData || v.Pointer != "/"+want.Fields[0] || !strings.Contains(v.Reason, want.Message) {
		t.Errorf("violation %+v, want the request Data's at /%s with %q", v, want.Fields[0], want.Message)
	}
	if n := p.Summary().ViolationsBySide[proxy.SideRequest][rules.Extension]; n != 1 {
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
// The examples that name an issued invoice or an allowance run in one
// lifecycle, in sdkLifecycle's order, with the InvoiceNo, dates and
// AllowanceNo of earlier answers substituted; the others each alone.
func TestSDKExamplesPass(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	p := newTestProxy(t, sim.URL)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.URL))
	if err != nil {
		t.Fatal(err)
	}
	examples := simtest.SDKExamples(t)
	call := func(t *testing.T, name string, edit func(map[string]any)) map[string]any {
		t.Helper()
		op := registry.Lookup(name)
		if op == nil {
			t.Fatalf("testdata/sdk-examples/%s.json names no operation of the registry (%s)", name, registry.Names())
		}
		data := simtest.WithMerchant(t, examples[name], ecpaysim.StageMerchantID, edit)
		if err := client.ValidateCall(op.Name, data); err != nil {
			t.Fatalf("the client refuses ECPay's own example: %v", err)
		}
		before := len(p.exchanges(t))
		res, err := client.Call(t.Context(), op.Name, data)
		if err != nil {
			t.Fatalf("the simulator refuses ECPay's own example: %v", err)
		}
		if !op.Success(res.RtnCode) || res.Envelope.TransCode == nil || *res.Envelope.TransCode != ecpaysim.TransCodeOK {
			t.Errorf("TransCode %v, RtnCode %d %q; want TransCode 1 and a success", res.Envelope.TransCode, res.RtnCode, res.RtnMsg)
		}
		exs := p.exchanges(t)
		if len(exs) != before+1 {
			t.Fatalf("%d exchanges recorded, want %d", len(exs), before+1)
		}
		if v := exs[len(exs)-1].Violations; len(v) != 0 {
			t.Errorf("contract violations: %+v", v)
		}
		var answer map[string]any
		if err := json.Unmarshal(res.Data, &answer); err != nil {
			t.Fatal(err)
		}
		return answer
	}

	run := map[string]bool{}
	t.Run("lifecycle", func(t *testing.T) {
		state := map[string]string{}
		for _, step := range sdkLifecycle {
			run[step.name] = true
			answer := call(t, step.name, func(d map[string]any) { step.edit(d, state) })
			for member, key := range step.keep {
				v, _ := answer[member].(string)
				if v == "" {
					t.Fatalf("%s answered no %s: %v", step.name, member, answer)
				}
				state[key] = v
			}
		}
	})
	for name := range examples {
		if run[name] {
			continue
		}
		// An example that names a delayed invoice (TriggerIssue,
		// CancelDelayIssue: the same Tsr) acts on one of its own, stored as
		// DelayIssue would have stored it.
		t.Run(name, func(t *testing.T) {
			call(t, name, func(m map[string]any) {
				if tsr, ok := m["Tsr"].(string); ok && name != registry.DelayIssue.Name {
					m["Tsr"] = tsr + name[:1]
					if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, m["Tsr"].(string)); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
	if vs := sim.Violations(); len(vs) != 0 {
		t.Errorf("the simulator's violations: %v", vs)
	}
}

// sdkLifecycle is the order in which ECPay's SDK examples that name an
// issued invoice or an allowance run: edit substitutes into an example's
// Data the values earlier answers kept (keep: the answer's member → the
// name it is kept under); "date" is the day of "time", the issue time.
var sdkLifecycle = []struct {
	name string
	edit func(d map[string]any, state map[string]string)
	keep map[string]string
}{
	{name: "Issue", edit: func(map[string]any, map[string]string) {}, keep: map[string]string{"InvoiceNo": "no", "InvoiceDate": "time"}},
	{name: "GetIssue", edit: invoiceNamed("InvoiceDate")},
	{name: "InvoiceNotify", edit: func(d map[string]any, state map[string]string) { d["InvoiceNo"] = state["no"] }},
	{name: "Allowance", edit: invoiceNamed("InvoiceDate"), keep: map[string]string{"IA_Allow_No": "allowance"}},
	{name: "GetAllowance", edit: allowanceNamed},
	{name: "AllowanceInvalid", edit: allowanceNamed},
	{name: "GetAllowanceInvalid", edit: allowanceNamed},
	{name: "VoidWithReIssue", edit: func(d map[string]any, state map[string]string) {
		d["VoidModel"].(map[string]any)["InvoiceNo"] = state["no"]
		d["IssueModel"].(map[string]any)["InvoiceDate"] = state["time"] // its RelateNumber is Issue's, in another case
	}},
	{name: "AllowanceByCollegiate", edit: invoiceNamed("InvoiceDate")},
	{name: "Issue", edit: func(d map[string]any, _ map[string]string) { d["RelateNumber"] = "Test1627453097" }, keep: map[string]string{"InvoiceNo": "no", "InvoiceDate": "time"}},
	{name: "Invalid", edit: invoiceNamed("InvoiceDate")},
	{name: "GetInvalid", edit: invoiceNamed("InvoiceDate")}, // its RelateNumber is the second Issue's
	// Its RelateNumber is the first Issue's, issued above: a delayed invoice
	// needs one of its own.
	{name: "DelayIssue", edit: func(d map[string]any, _ map[string]string) { d["RelateNumber"] = "Delay1525168923" }},
}

// invoiceNamed returns an edit naming the issued invoice by its number and
// its day in the member dateMember.
func invoiceNamed(dateMember string) func(d map[string]any, state map[string]string) {
	return func(d map[string]any, state map[string]string) {
		d["InvoiceNo"] = state["no"]
		d[dateMember] = state["time"][:10]
	}
}

// allowanceNamed names the allowance of the issued invoice.
func allowanceNamed(d map[string]any, state map[string]string) {
	d["InvoiceNo"] = state["no"]
	d["AllowanceNo"] = state["allowance"]
}
