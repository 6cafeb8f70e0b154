package ecpaysim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated/delayissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// delayedRequest is ECPay's SDK example of DelayIssue with tsr, relate and
// the delay given.
func delayedRequest(t *testing.T, tsr, relate string, flag delayissue.DelayFlag, days int) wrapper.DelayIssueRequest {
	t.Helper()
	var req wrapper.DelayIssueRequest
	if err := json.Unmarshal(simtest.SDKExamples(t)["DelayIssue"], &req); err != nil {
		t.Fatal(err)
	}
	req.MerchantID, req.Tsr, req.RelateNumber, req.DelayFlag, req.DelayDay = ecpaysim.StageMerchantID, tsr, relate, flag, days
	notify := "https://shop.example/notify/" + tsr
	req.NotifyURL = &notify
	return req
}

// rtnCode is the RtnCode of a call's answer: its result's, or its
// *APIError's; any other error fails the test.
func rtnCode(t *testing.T, code int, err error) int {
	t.Helper()
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); ok {
		return apiErr.RtnCode
	}
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// A delayed invoice's whole life through the typed client: stored by
// DelayIssue with its invoice, edited, triggered, issued by the clock
// (Advance), cancelled; each issued one is in the book (InvoicePrint finds
// it) and told to delayedIssued (DelayedIssues).
func TestDelayedInvoiceLifecycle(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	ctx, c := t.Context(), sim.Client
	delay := func(req wrapper.DelayIssueRequest) int {
		res, err := c.DelayIssue(ctx, req)
		if err == nil && (res.Data.OrderNumber == nil || string(*res.Data.OrderNumber) != req.RelateNumber) {
			t.Errorf("DelayIssue %s answered OrderNumber %v, want its RelateNumber", req.Tsr, res.Data.OrderNumber)
		}
		return rtnCode(t, resCode(res), err)
	}
	trigger := func(tsr string) int {
		res, err := c.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"})
		return rtnCode(t, resCode(res), err)
	}
	edit := func(tsr, relate string, amount float64) int {
		d := delayedRequest(t, tsr, relate, delayissue.DelayFlagTrigger, 0)
		var req wrapper.EditDelayIssueRequest
		raw, _ := json.Marshal(d)
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Fatal(err)
		}
		req.DelayFlag, req.DelayDay, req.PayType, req.PayAct = nil, nil, nil, nil // as a live edit sends it
		req.SalesAmount, req.Items = amount, req.Items[1:]
		req.Items[0].ItemAmount, req.Items[0].ItemPrice = amount, amount
		res, err := c.EditDelayIssue(ctx, req)
		return rtnCode(t, resCode(res), err)
	}
	steps := []struct {
		name string
		do   func() int
		want int
	}{
		{"store one waiting for a trigger", func() int { return delay(delayedRequest(t, "T-TRIG", "R1", delayissue.DelayFlagTrigger, 0)) }, wrapper.RtnCodeOK},
		{"store one scheduled in 3 days", func() int { return delay(delayedRequest(t, "T-SCHED", "R2", delayissue.DelayFlagScheduled, 3)) }, wrapper.RtnCodeOK},
		{"store one issued 2 days after its trigger", func() int { return delay(delayedRequest(t, "T-LATER", "R3", delayissue.DelayFlagTrigger, 2)) }, wrapper.RtnCodeOK},
		{"store one to edit", func() int { return delay(delayedRequest(t, "T-EDIT", "R4", delayissue.DelayFlagTrigger, 0)) }, wrapper.RtnCodeOK},
		{"store one scheduled, to cancel", func() int { return delay(delayedRequest(t, "T-CANCEL", "R6", delayissue.DelayFlagScheduled, 1)) }, wrapper.RtnCodeOK},
		{"a Tsr stored before", func() int { return delay(delayedRequest(t, "T-TRIG", "R9", delayissue.DelayFlagTrigger, 0)) }, ecpaysim.RtnCodeRuleBroken},
		{"a RelateNumber taken, in another case", func() int { return delay(delayedRequest(t, "T-NEW", "r1", delayissue.DelayFlagTrigger, 0)) }, ecpaysim.RtnCodeRuleBroken},
		{"edit a pending one", func() int { return edit("T-EDIT", "R5", 150) }, wrapper.RtnCodeOK},
		{"edit an unknown Tsr", func() int { return edit("T-NONE", "R7", 150) }, wrapper.RtnCodeUnknownTsr},
		{"edit to a RelateNumber taken", func() int { return edit("T-EDIT", "R2", 150) }, ecpaysim.RtnCodeRuleBroken},
		{"trigger with DelayDay 0 issues", func() int { return trigger("T-TRIG") }, wrapper.RtnCodeIssued},
		{"the issued one's RelateNumber is taken", func() int { return delay(delayedRequest(t, "T-NEW", "R1", delayissue.DelayFlagTrigger, 0)) }, ecpaysim.RtnCodeRuleBroken},
		{"edit an issued one", func() int { return edit("T-TRIG", "R8", 150) }, wrapper.RtnCodeUnknownTsr},
		{"trigger with DelayDay 2 triggers", func() int { return trigger("T-LATER") }, wrapper.RtnCodeTriggered},
		{"edit a triggered one", func() int { return edit("T-LATER", "R8", 150) }, wrapper.RtnCodeUnknownTsr},
		{"trigger the edited one", func() int { return trigger("T-EDIT") }, wrapper.RtnCodeIssued},
		{"cancel the scheduled one", func() int {
			res, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "T-CANCEL"})
			return rtnCode(t, resCode(res), err)
		}, wrapper.RtnCodeOK},
	}
	for _, st := range steps {
		if got := st.do(); got != st.want {
			t.Fatalf("%s: RtnCode %d, want %d", st.name, got, st.want)
		}
	}

	issued := func() []string {
		var tsrs []string
		for _, e := range sim.DelayedIssues() {
			tsrs = append(tsrs, e.Tsr)
		}
		return tsrs
	}
	if got := strings.Join(issued(), ","); got != "T-TRIG,T-EDIT" {
		t.Fatalf("issued %s before the clock moved, want T-TRIG,T-EDIT", got)
	}
	for _, move := range []struct {
		by   time.Duration
		want string
	}{
		{47 * time.Hour, "T-TRIG,T-EDIT"},
		{time.Hour, "T-TRIG,T-EDIT,T-LATER"},              // 2 days after its trigger
		{24 * time.Hour, "T-TRIG,T-EDIT,T-LATER,T-SCHED"}, // 3 days after it was stored
		{30 * 24 * time.Hour, "T-TRIG,T-EDIT,T-LATER,T-SCHED"},
	} {
		if _, err := sim.Advance(move.by); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(issued(), ","); got != move.want {
			t.Fatalf("after %v more: issued %s, want %s", move.by, got, move.want)
		}
	}

	events := sim.DelayedIssues()
	byTsr := map[string]ecpaysim.Invoice{}
	for _, inv := range sim.Invoices() {
		byTsr[inv.Tsr] = inv
	}
	wantRelate := map[string]string{"T-TRIG": "R1", "T-EDIT": "R5", "T-LATER": "R3", "T-SCHED": "R2"}
	wantDate := map[string]time.Time{"T-TRIG": testNow, "T-EDIT": testNow, "T-LATER": testNow.Add(48 * time.Hour), "T-SCHED": testNow.Add(72 * time.Hour)}
	for _, e := range events {
		inv := byTsr[e.Tsr]
		if inv.Status != ecpaysim.StatusIssued || inv.InvoiceNo != e.InvoiceNo || !inv.HasData || !inv.IssueAt.IsZero() ||
			e.RelateNumber != wantRelate[e.Tsr] || e.NotifyURL != "https://shop.example/notify/"+e.Tsr || !e.InvoiceDate.Equal(wantDate[e.Tsr]) {
			t.Errorf("issued %+v, invoice %+v", e, inv)
		}
		// It is in the book: GetIssue finds it by its RelateNumber, and
		// InvoicePrint on its date.
		relate := e.RelateNumber
		got, err := c.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &relate})
		if err != nil || got.Data.IISNumber == nil || string(*got.Data.IISNumber) != e.InvoiceNo {
			t.Errorf("GetIssue %s: %v, %v", relate, got, err)
		}
		res, err := c.InvoicePrint(ctx, wrapper.InvoicePrintRequest{InvoiceNo: e.InvoiceNo, InvoiceDate: e.InvoiceDate.In(taipei).Format("2006-01-02")})
		if err != nil || res.Data.InvoiceHtml == nil {
			t.Errorf("InvoicePrint %s: %v, %v", e.InvoiceNo, res, err)
		}
	}
	if inv := byTsr["T-CANCEL"]; inv.Status != ecpaysim.StatusCancelled || inv.InvoiceNo != "" {
		t.Errorf("the cancelled one: %+v", inv)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

// An invoice registered without its invoice Data (AddDelayedInvoice, POST
// /_sim/delayed) issues the simulator's minimal invoice, its Tsr as
// RelateNumber; a scheduled one issues when POST /_sim/clock moves the clock
// past its time. An invoice the book refuses (its RelateNumber issued
// meanwhile) stays as it was, saying why.
func TestDelayedInvoiceWithoutData(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "ADD1")
	adminPost(t, sim.URL+"/_sim/delayed", `{"MerchantID":"2000132","Tsr":"ADD2","DelayFlag":"1","DelayDay":2}`, http.StatusCreated, `"IssueAt"`)
	// ADD3's RelateNumber will be its Tsr, which a DelayIssue takes first.
	mustAdd(t, sim, ecpaysim.StageMerchantID, "ADD3")
	if err := sim.AddInvoice(ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: "ADD4", DelayFlag: ecpaysim.DelayScheduled, DelayDay: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := sim.Client.DelayIssue(t.Context(), delayedRequest(t, "OTHER", "ADD3", delayissue.DelayFlagTrigger, 0)); err != nil {
		t.Fatal(res, err)
	}
	if res, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "OTHER", PayType: "2"}); err != nil {
		t.Fatal(res, err)
	}

	if res, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "ADD1", PayType: "2"}); err != nil || res.RtnCode != wrapper.RtnCodeIssued {
		t.Fatalf("TriggerIssue ADD1: %v, %v", res, err)
	}
	_, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "ADD3", PayType: "2"})
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != ecpaysim.RtnCodeRuleBroken || !strings.Contains(apiErr.RtnMsg, "RelateNumber") {
		t.Errorf("TriggerIssue ADD3, whose RelateNumber is issued: %v; want RtnCode %d naming the RelateNumber", err, ecpaysim.RtnCodeRuleBroken)
	}
	adminPost(t, sim.URL+"/_sim/clock", `{"advance":"48h"}`, http.StatusOK, `"Now"`)

	want := map[string]struct {
		status ecpaysim.InvoiceStatus
		issued bool
	}{
		"ADD1": {ecpaysim.StatusIssued, true}, "ADD2": {ecpaysim.StatusIssued, true},
		"ADD3": {ecpaysim.StatusPending, false}, "ADD4": {ecpaysim.StatusIssued, true}, "OTHER": {ecpaysim.StatusIssued, true},
	}
	for _, inv := range sim.Invoices() {
		w := want[inv.Tsr]
		if inv.Status != w.status || (inv.InvoiceNo != "") != w.issued || inv.HasData != (inv.Tsr == "OTHER") {
			t.Errorf("%+v, want status %s, issued %v", inv, w.status, w.issued)
		}
	}
	for _, e := range sim.DelayedIssues() {
		if e.Tsr != "OTHER" && (e.RelateNumber != e.Tsr || e.NotifyURL != "") {
			t.Errorf("the minimal invoice of %s: %+v", e.Tsr, e)
		}
	}
	if got := len(sim.DelayedIssues()); got != 4 {
		t.Errorf("%d issued, want 4", got)
	}
	resp, err := http.Get(sim.URL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state ecpaysim.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil || len(state.DelayedIssues) != 4 || !state.Now.Equal(testNow.Add(48*time.Hour)) {
		t.Errorf("GET /_sim/state: %v; %d delayed issues at %s, want 4 at %s", err, len(state.DelayedIssues), state.Now, testNow.Add(48*time.Hour))
	}
}

// taipei is GMT+8, where invoices are dated.
var taipei = time.FixedZone("GMT+8", 8*3600)

// resCode is the RtnCode of a result, 0 for none.
func resCode[T any](res *wrapper.Result[T]) int {
	if res == nil {
		return 0
	}
	return res.RtnCode
}

// Moves of the clock and requests racing each other issue every scheduled
// invoice once, each with its own number.
func TestDelayedIssuesOnceUnderConcurrency(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	const n = 40
	for i := range n {
		inv := ecpaysim.DelayedInvoice{MerchantID: ecpaysim.StageMerchantID, Tsr: fmt.Sprintf("C%02d", i), DelayFlag: ecpaysim.DelayScheduled, DelayDay: 1 + i%5}
		if err := sim.AddInvoice(inv); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 6 {
				if _, err := sim.Advance(time.Hour * 5); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 6 {
				_, _ = sim.Client.CheckBarcode(t.Context(), wrapper.CheckBarcodeRequest{BarCode: ecpaysim.BuiltinBarcode})
			}
		})
	}
	wg.Wait()
	events := sim.DelayedIssues()
	numbers := map[string]bool{}
	for _, e := range events {
		numbers[e.InvoiceNo] = true
	}
	if len(events) != n || len(numbers) != n {
		t.Errorf("%d issued with %d numbers after 120 hours, want %d each", len(events), len(numbers), n)
	}
}
