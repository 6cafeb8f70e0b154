package ecpaysim_test

import (
	"errors"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// firstInvoiceNo is the number of the first invoice a simulator issues: its
// track's first.
const firstInvoiceNo = "SM00000001"

// call sends op for tsr through client, the typed method of each operation,
// and returns the RtnCode and RtnMsg it got, from a result or an *APIError.
func call(t *testing.T, client *wrapper.Client, op *registry.Operation, tsr string) (int, string) {
	t.Helper()
	var code int
	var msg string
	var err error
	switch op {
	case cancelOp:
		var res *wrapper.CancelDelayIssueResult
		if res, err = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: tsr}); err == nil {
			code, msg = res.RtnCode, res.RtnMsg
		}
	case triggerOp:
		var res *wrapper.TriggerIssueResult
		if res, err = client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"}); err == nil {
			code, msg = res.RtnCode, res.RtnMsg
		}
	default:
		t.Fatalf("no typed call for %s", op.Name)
	}
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); ok {
		if apiErr.Operation != op.Name {
			t.Errorf("APIError.Operation = %q, want %q", apiErr.Operation, op.Name)
		}
		return apiErr.RtnCode, apiErr.RtnMsg
	}
	if err != nil {
		t.Fatalf("%s %s: %v", op.Name, tsr, err)
	}
	return code, msg
}

// The delayed-invoice lifecycle through the wire format: each answer's code
// and ECPay's message for it, the state it leaves, and the request counters.
func TestLifecycle(t *testing.T) {
	const tsr = "LIFE1"
	waiting := func(days int) *ecpaysim.DelayedInvoice {
		return &ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: tsr, DelayFlag: ecpaysim.DelayTrigger, DelayDay: days}
	}
	scheduled := &ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: tsr, DelayFlag: ecpaysim.DelayScheduled, DelayDay: 5}
	tests := []struct {
		name string
		// inv is the invoice registered; nil for an unknown Tsr.
		inv *ecpaysim.DelayedInvoice
		// before are the requests that bring it to the state under test.
		before []*registry.Operation
		// fault is injected into the request under test.
		fault *ecpaysim.Fault
		// other sends the request as the second merchant, who has no
		// invoice of this Tsr.
		other      bool
		op         *registry.Operation
		wantCode   int
		wantStatus ecpaysim.InvoiceStatus
	}{
		{name: "trigger of a waiting invoice with DelayDay 0 issues it", inv: waiting(0), op: triggerOp, wantCode: wrapper.RtnCodeIssued, wantStatus: ecpaysim.StatusIssued},
		{name: "trigger of a waiting invoice with DelayDay 3 triggers it", inv: waiting(3), op: triggerOp, wantCode: wrapper.RtnCodeTriggered, wantStatus: ecpaysim.StatusTriggered},
		{name: "trigger of an unknown Tsr", op: triggerOp, wantCode: wrapper.RtnCodeUnknownTsr},
		{name: "trigger of another merchant's Tsr", inv: waiting(0), other: true, op: triggerOp, wantCode: wrapper.RtnCodeUnknownTsr, wantStatus: ecpaysim.StatusPending},
		{name: "trigger of a triggered invoice", inv: waiting(3), before: []*registry.Operation{triggerOp}, op: triggerOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusTriggered},
		{name: "trigger of an issued invoice", inv: waiting(0), before: []*registry.Operation{triggerOp}, op: triggerOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusIssued},
		{name: "trigger of a cancelled invoice", inv: waiting(0), before: []*registry.Operation{cancelOp}, op: triggerOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusCancelled},
		// The simulator's choice: ECPay's answer to it is not known.
		{name: "trigger of a scheduled invoice", inv: scheduled, op: triggerOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusPending},
		{name: "cancel of a scheduled invoice", inv: scheduled, op: cancelOp, wantCode: wrapper.RtnCodeOK, wantStatus: ecpaysim.StatusCancelled},
		{name: "cancel of a waiting invoice", inv: waiting(0), op: cancelOp, wantCode: wrapper.RtnCodeOK, wantStatus: ecpaysim.StatusCancelled},
		{name: "cancel of a waiting invoice with DelayDay 3", inv: waiting(3), op: cancelOp, wantCode: wrapper.RtnCodeOK, wantStatus: ecpaysim.StatusCancelled},
		{name: "cancel of an unknown Tsr", op: cancelOp, wantCode: wrapper.RtnCodeNoUpdatableTsr},
		{name: "cancel of another merchant's Tsr", inv: waiting(0), other: true, op: cancelOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusPending},
		{name: "cancel of a cancelled invoice", inv: scheduled, before: []*registry.Operation{cancelOp}, op: cancelOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusCancelled},
		{name: "cancel of a triggered invoice", inv: waiting(3), before: []*registry.Operation{triggerOp}, op: cancelOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusTriggered},
		{name: "cancel of an issued invoice", inv: waiting(0), before: []*registry.Operation{triggerOp}, op: cancelOp, wantCode: wrapper.RtnCodeNoUpdatableTsr, wantStatus: ecpaysim.StatusIssued},
		{
			name: "injected RtnCode on a trigger counts and changes nothing", inv: waiting(0), op: triggerOp,
			fault: &ecpaysim.Fault{RtnCode: wrapper.RtnCodeSystemError}, wantCode: wrapper.RtnCodeSystemError, wantStatus: ecpaysim.StatusPending,
		},
		{
			name: "injected RtnCode on a cancel counts and changes nothing", inv: scheduled, op: cancelOp,
			fault: &ecpaysim.Fault{RtnCode: wrapper.RtnCodeTaxSystemFailed, RtnMsg: "呼叫財政部API失敗"}, wantCode: wrapper.RtnCodeTaxSystemFailed, wantStatus: ecpaysim.StatusPending,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock),
				ecpaysim.WithMerchant(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV),
				ecpaysim.WithMerchant(otherMerchant, otherKey, otherIV))
			if tt.inv != nil {
				if err := sim.AddInvoice(*tt.inv); err != nil {
					t.Fatal(err)
				}
			}
			wantCounts := map[*registry.Operation]int{}
			for _, op := range tt.before {
				if code, _ := call(t, sim.Client, op, tsr); !op.Success(code) {
					t.Fatalf("setting up with %s: RtnCode %d", op.Name, code)
				}
				wantCounts[op]++
			}
			client := sim.Client
			if tt.other {
				var err error
				client, err = wrapper.NewClient(otherMerchant, otherKey, otherIV, wrapper.WithBaseURL(sim.URL), wrapper.WithHTTPClient(sim.HTTP.Client()), wrapper.WithClock(sim.Clock()))
				if err != nil {
					t.Fatal(err)
				}
			} else {
				wantCounts[tt.op]++
			}
			wantMsg := ""
			if tt.fault != nil {
				if err := sim.InjectNext(*tt.fault); err != nil {
					t.Fatal(err)
				}
				wantMsg = tt.fault.RtnMsg
				if wantMsg == "" {
					wantMsg = "injected fault"
				}
			} else {
				wantMsg = rtnMsg(t, tt.op, tt.wantCode)
			}

			code, msg := call(t, client, tt.op, tsr)
			if code != tt.wantCode || msg != wantMsg {
				t.Errorf("%s: RtnCode %d %q, want %d %q", tt.op.Name, code, msg, tt.wantCode, wantMsg)
			}
			reqs := sim.Requests()
			if last := reqs[len(reqs)-1]; last.Operation != tt.op.Name || last.Answer.RtnCode != tt.wantCode {
				t.Errorf("recorded %s answered %d, want %s answered %d", last.Operation, last.Answer.RtnCode, tt.op.Name, tt.wantCode)
			}
			invoices := sim.Invoices()
			if tt.inv == nil {
				if len(invoices) != 0 {
					t.Errorf("Invoices() = %+v, want none", invoices)
				}
				return
			}
			want := ecpaysim.Invoice{
				MerchantID: tt.inv.MerchantID, Tsr: tsr, DelayFlag: tt.inv.DelayFlag, DelayDay: tt.inv.DelayDay,
				Status: tt.wantStatus, CancelRequests: wantCounts[cancelOp], TriggerRequests: wantCounts[triggerOp],
			}
			switch {
			case tt.wantStatus == ecpaysim.StatusIssued:
				want.InvoiceNo = firstInvoiceNo
			case tt.wantStatus == ecpaysim.StatusTriggered,
				tt.wantStatus == ecpaysim.StatusPending && tt.inv.DelayFlag == ecpaysim.DelayScheduled:
				// The clock is fixed: the trigger, like the storing, was at testNow.
				want.IssueAt = testNow.AddDate(0, 0, tt.inv.DelayDay)
			}
			if len(invoices) != 1 || invoices[0] != want {
				t.Errorf("Invoices() = %+v, want [%+v]", invoices, want)
			}
			if st, ok := sim.Status(tt.inv.MerchantID, tsr); !ok || st != tt.wantStatus {
				t.Errorf("Status = %s, %v; want %s", st, ok, tt.wantStatus)
			}
			if got := sim.Cancelled(tt.inv.MerchantID, tsr); got != (tt.wantStatus == ecpaysim.StatusCancelled) {
				t.Errorf("Cancelled = %v with status %s", got, tt.wantStatus)
			}
		})
	}
}

// ECPay's refusals arrive classified: a cancel of an unknown Tsr and a
// trigger of an issued invoice are both 5070305, which matches
// wrapper.ErrNotFound and wrapper.ErrConflict; an unknown Tsr's trigger is
// 4000001, not found only.
func TestLifecycleRefusalsAreClassified(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	mustAdd(t, sim, ecpaysim.StageMerchantID, "C1")
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "C1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	_, cancelErr := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "NONE"})
	_, retriggerErr := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "C1", PayType: "2"})
	_, unknownErr := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "NONE", PayType: "2"})
	for _, tt := range []struct {
		name           string
		err            error
		notFound, conf bool
	}{
		{"cancel of an unknown Tsr", cancelErr, true, true},
		{"trigger of an issued invoice", retriggerErr, true, true},
		{"trigger of an unknown Tsr", unknownErr, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if errors.Is(tt.err, wrapper.ErrNotFound) != tt.notFound || errors.Is(tt.err, wrapper.ErrConflict) != tt.conf {
				t.Errorf("%v: not found %v, conflict %v; want %v, %v", tt.err,
					errors.Is(tt.err, wrapper.ErrNotFound), errors.Is(tt.err, wrapper.ErrConflict), tt.notFound, tt.conf)
			}
		})
	}
}
