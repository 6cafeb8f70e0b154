package wrapper_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TriggerIssue succeeds with 4000003 and 4000004, not 1: both are results,
// and the result's RtnCode says which.
func TestTriggerIssueSucceedsWithEitherCode(t *testing.T) {
	tests := map[string]struct {
		code int
		msg  string
	}{
		"issued now (DelayDay 0)":          {code: wrapper.RtnCodeIssued, msg: "開立發票成功"},
		"triggered, issued after DelayDay": {code: wrapper.RtnCodeTriggered, msg: "延後開立成功"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// The simulator issues an invoice at once when its DelayDay is
			// 0 and triggers it otherwise.
			sim := newSim(t)
			day := map[int]int{wrapper.RtnCodeIssued: 0, wrapper.RtnCodeTriggered: 1}[tc.code]
			if err := sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: merchantID, Tsr: "T1", DelayDay: day}); err != nil {
				t.Fatal(err)
			}
			res, err := client(t, sim.URL).TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: "T1", PayType: triggerissue.PayType2})
			if err != nil {
				t.Fatal(err)
			}
			if res.RtnCode != tc.code || res.RtnMsg != tc.msg || res.Data.RtnCode == nil || int(*res.Data.RtnCode) != tc.code {
				t.Errorf("result %d %q (Data %v), want %d %q", res.RtnCode, res.RtnMsg, res.Data.RtnCode, tc.code, tc.msg)
			}
			got := received(t, sim)
			if len(got) != 1 || got[0].Op != "TriggerIssue" || got[0].field("Tsr") != "T1" || got[0].field("PayType") != "2" || got[0].field("MerchantID") != merchantID {
				t.Errorf("server received %+v", got)
			}
		})
	}
}

// TriggerIssue's refusals are *APIErrors of TriggerIssue, classified.
func TestTriggerIssueRefusals(t *testing.T) {
	tests := map[string]struct {
		code     int
		msg      string
		is, isNt []error
	}{
		"unknown Tsr": {
			code: wrapper.RtnCodeUnknownTsr, msg: "不存在此交易單號",
			is: []error{wrapper.ErrNotFound}, isNt: []error{wrapper.ErrConflict, wrapper.ErrBusy},
		},
		"no longer waiting for a trigger": {
			code: wrapper.RtnCodeNoUpdatableTsr, msg: "B2C取消延遲(或觸發)發票 查無可更新交易單號",
			is: []error{wrapper.ErrNotFound, wrapper.ErrConflict}, isNt: []error{wrapper.ErrCredentials, wrapper.ErrTransient},
		},
		"a success code of another operation": {
			code: wrapper.RtnCodeOK, msg: "取消開立發票成功",
			isNt: []error{wrapper.ErrNotFound, wrapper.ErrConflict, wrapper.ErrCredentials, wrapper.ErrBusy, wrapper.ErrTransient},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// Data, not RtnCode: a fault of RtnCode 1 would be refused.
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{Data: inner(tc.code, tc.msg)})
			res, err := client(t, sim.URL).TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: "T1", PayType: triggerissue.PayType2})
			var ae *wrapper.APIError
			if !errors.As(err, &ae) || res != nil {
				t.Fatalf("result %+v, err %v, want an *APIError", res, err)
			}
			if ae.Operation != "TriggerIssue" || ae.RtnCode != tc.code || ae.RtnMsg != tc.msg {
				t.Errorf("APIError %+v", ae)
			}
			if want := "ecpay: TriggerIssue refused: RtnCode " + strconv.Itoa(tc.code) + ": " + tc.msg; err.Error() != want {
				t.Errorf("message %q, want %q", err, want)
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(err, %v) = false", target)
				}
			}
			for _, target := range tc.isNt {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(err, %v) = true", target)
				}
			}
		})
	}
}

// The delayed-invoice lifecycle against the simulator, whose every
// request and answer is checked against the pages: triggers, cancels and
// the refusals of what is already done.
func TestDelayedInvoiceLifecycleAgainstTheSimulator(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	for _, inv := range []ecpaysim.DelayedInvoice{
		{MerchantID: merchantID, Tsr: "NOW"},
		{MerchantID: merchantID, Tsr: "LATER", DelayDay: 3},
		{MerchantID: merchantID, Tsr: "CANCEL"},
		{MerchantID: merchantID, Tsr: "SCHEDULED", DelayFlag: ecpaysim.DelayScheduled, DelayDay: 2},
	} {
		if err := sim.AddInvoice(inv); err != nil {
			t.Fatal(err)
		}
	}
	trigger := func(tsr string) (int, error) {
		res, err := sim.Client.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: triggerissue.PayType2})
		if err != nil {
			return 0, err
		}
		return res.RtnCode, nil
	}
	cancel := func(tsr string) (int, error) {
		res, err := sim.Client.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: tsr})
		if err != nil {
			return 0, err
		}
		return res.RtnCode, nil
	}
	steps := []struct {
		name    string
		do      func(string) (int, error)
		tsr     string
		want    int   // the success code, or
		wantErr error // the class of the refusal
		status  ecpaysim.InvoiceStatus
	}{
		{"trigger a DelayDay 0 invoice", trigger, "NOW", wrapper.RtnCodeIssued, nil, ecpaysim.StatusIssued},
		{"trigger a DelayDay 3 invoice", trigger, "LATER", wrapper.RtnCodeTriggered, nil, ecpaysim.StatusTriggered},
		{"trigger it again", trigger, "LATER", 0, wrapper.ErrConflict, ecpaysim.StatusTriggered},
		{"trigger an unknown Tsr", trigger, "NONE", 0, wrapper.ErrNotFound, ""},
		{"trigger a scheduled invoice", trigger, "SCHEDULED", 0, wrapper.ErrConflict, ecpaysim.StatusPending},
		{"cancel a pending invoice", cancel, "CANCEL", wrapper.RtnCodeOK, nil, ecpaysim.StatusCancelled},
		{"cancel it again", cancel, "CANCEL", 0, wrapper.ErrConflict, ecpaysim.StatusCancelled},
		{"cancel a triggered invoice", cancel, "LATER", 0, wrapper.ErrConflict, ecpaysim.StatusTriggered},
		{"trigger a cancelled invoice", trigger, "CANCEL", 0, wrapper.ErrConflict, ecpaysim.StatusCancelled},
		{"cancel an unknown Tsr", cancel, "NONE", 0, wrapper.ErrNotFound, ""},
		{"cancel a scheduled invoice", cancel, "SCHEDULED", wrapper.RtnCodeOK, nil, ecpaysim.StatusCancelled},
	}
	for _, s := range steps {
		code, err := s.do(s.tsr)
		switch {
		case s.wantErr == nil && (err != nil || code != s.want):
			t.Errorf("%s: RtnCode %d, err %v; want %d", s.name, code, err, s.want)
		case s.wantErr != nil && !errors.Is(err, s.wantErr):
			t.Errorf("%s: err %v, want one matching %v", s.name, err, s.wantErr)
		}
		if got, _ := sim.Status(merchantID, s.tsr); got != s.status {
			t.Errorf("%s: the invoice is %q, want %q", s.name, got, s.status)
		}
	}
}
