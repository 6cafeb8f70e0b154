package proxy_test

import (
	"errors"
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
// of openapi/ on purpose: the pages must accept what ECPay itself sends. An
// example that names an invoice by its number, which a fresh simulator has
// not issued, is answered with its not-found refusal instead.
func TestSDKExamplesPass(t *testing.T) {
	// unknownInvoice is the refusal of the examples that name an invoice by
	// its number, which a fresh simulator has not issued.
	unknownInvoice := map[string]int{"InvoiceNotify": wrapper.RtnCodeInvoiceNotFound}
	sim := ecpaysimtest.NewServer(t)
	p := newTestProxy(t, sim.URL)
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.URL))
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range simtest.SDKExamples(t) {
		t.Run(name, func(t *testing.T) {
			op := registry.Lookup(name)
			if op == nil {
				t.Fatalf("testdata/sdk-examples/%s.json names no operation of the registry (%s)", name, registry.Names())
			}
			data := simtest.WithMerchant(t, raw, ecpaysim.StageMerchantID)
			if err := client.ValidateCall(op.Name, data); err != nil {
				t.Fatalf("the client refuses ECPay's own example: %v", err)
			}
			before := len(p.exchanges(t))
			res, err := client.Call(t.Context(), op.Name, data)
			if apiErr, ok := errors.AsType[*wrapper.APIError](err); ok && apiErr.RtnCode == unknownInvoice[name] {
				// The example is valid; the invoice it names is not in
				// the fresh simulator's book.
				return
			}
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
		})
	}
	if vs := sim.Violations(); len(vs) != 0 {
		t.Errorf("the simulator's violations: %v", vs)
	}
}
