package ecpaysim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/delayissue"
	"github.com/ecpay-go/einvoice/notify"
	"github.com/ecpay-go/einvoice/wrapper"
)

// merchantApp is a merchant's application: notify's handlers on a local
// port, keeping what they hand it.
type merchantApp struct {
	*httptest.Server
	mu        sync.Mutex
	invoiced  []notify.Invoiced
	allowance []notify.AllowanceAgreed
}

func newMerchantApp(t *testing.T, keys notify.Keys) *merchantApp {
	t.Helper()
	kr, err := notify.NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	app := &merchantApp{}
	mux := http.NewServeMux()
	mux.Handle("/invoiced", notify.InvoicedHandler(kr, func(_ context.Context, v notify.Invoiced) error {
		app.mu.Lock()
		defer app.mu.Unlock()
		app.invoiced = append(app.invoiced, v)
		return nil
	}))
	mux.Handle("/allowance", notify.AllowanceHandler(kr, func(_ context.Context, a notify.AllowanceAgreed) error {
		app.mu.Lock()
		defer app.mu.Unlock()
		app.allowance = append(app.allowance, a)
		return nil
	}))
	app.Server = httptest.NewServer(mux)
	t.Cleanup(app.Close)
	return app
}

var stageKeys = notify.Keys{MerchantID: ecpaysim.StageMerchantID, HashKey: ecpaysim.StageHashKey, HashIV: ecpaysim.StageHashIV}

// A delayed invoice issued on trigger and one issued by the simulator's
// clock reach the application's NotifyURL through notify's handler as
// typed values, the same invoices the simulator issued; one without a
// NotifyURL, and one whose NotifyURL is not on loopback, send nothing.
func TestDelayedInvoicesNotifyTheApplication(t *testing.T) {
	app := newMerchantApp(t, stageKeys)
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	ctx := t.Context()
	for _, d := range []wrapper.DelayIssueRequest{
		delayedRequest(t, "T-TRIGGERED", "R-TRIGGERED", delayissue.DelayFlagTrigger, 0),
		delayedRequest(t, "T-SCHEDULED", "R-SCHEDULED", delayissue.DelayFlagScheduled, 3),
		delayedRequest(t, "T-NO-URL", "R-NO-URL", delayissue.DelayFlagTrigger, 0),
		delayedRequest(t, "T-REMOTE", "R-REMOTE", delayissue.DelayFlagTrigger, 0), // https://shop.example/…
	} {
		switch d.Tsr {
		case "T-NO-URL":
			d.NotifyURL = nil
		case "T-REMOTE":
		default:
			target := app.URL + "/invoiced"
			d.NotifyURL = &target
		}
		if _, err := sim.Client.DelayIssue(ctx, d); err != nil {
			t.Fatalf("DelayIssue %s: %v", d.Tsr, err)
		}
	}
	for _, tsr := range []string{"T-TRIGGERED", "T-NO-URL", "T-REMOTE"} {
		if _, err := sim.Client.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"}); err != nil {
			t.Fatalf("TriggerIssue %s: %v", tsr, err)
		}
	}
	if _, err := sim.Advance(4 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	sim.WaitDeliveries()

	issued := map[string]ecpaysim.DelayedIssue{}
	for _, e := range sim.DelayedIssues() {
		issued[e.Tsr] = e
	}
	if len(app.invoiced) != 2 {
		t.Fatalf("the application got %d notifications, want 2 (the invoice without NotifyURL sends none): %+v", len(app.invoiced), app.invoiced)
	}
	for _, got := range app.invoiced {
		want, ok := issued[got.Tsr]
		if !ok || got.MerchantID != ecpaysim.StageMerchantID || got.RtnCode != notify.RtnCodeOK || got.InvoiceNo != want.InvoiceNo ||
			got.RelateNumber != want.RelateNumber || got.RandomNumber != want.RandomNumber || !got.InvoiceDate.Equal(want.InvoiceDate) {
			t.Errorf("notified %+v, want the issued %+v", got, want)
		}
	}
	deliveries := sim.Deliveries()
	if len(deliveries) != 2 {
		t.Fatalf("deliveries %+v, want 2: none to a NotifyURL beyond loopback (WithNotifyAnyHost)", deliveries)
	}
	for _, d := range deliveries {
		if !d.Delivered || d.Kind != "invoiced" || d.Attempts != 1 || d.Answer != notify.AnswerOK {
			t.Errorf("delivery %+v, want delivered at once", d)
		}
	}
}

// A notification signed with other keys than the application holds is
// refused and recorded as not delivered (one attempt: WithNotifyAttempts).
func TestForgedNotificationIsRefused(t *testing.T) {
	app := newMerchantApp(t, notify.Keys{MerchantID: ecpaysim.StageMerchantID, HashKey: "AAAAAAAAAAAAAAAA", HashIV: "BBBBBBBBBBBBBBBB"})
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock), ecpaysim.WithNotifyAttempts(1))
	d := delayedRequest(t, "T-FORGED", "R-FORGED", delayissue.DelayFlagTrigger, 0)
	target := app.URL + "/invoiced"
	d.NotifyURL = &target
	if _, err := sim.Client.DelayIssue(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T-FORGED", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	sim.WaitDeliveries()
	got := sim.Deliveries()[0]
	if len(app.invoiced) != 0 || got.Delivered || got.Attempts != 1 || !got.Done || got.Status != http.StatusForbidden || !strings.HasPrefix(got.Answer, "0|") {
		t.Errorf("forged: application got %+v, delivery %+v; want refused 403", app.invoiced, got)
	}
}

// The admin API's agree plays the buyer of an online allowance: the
// application's ReturnURL gets the allowance notification, typed; agreeing
// to a paper allowance is 409, to an unknown one 404.
func TestAgreeAllowanceNotifiesReturnURL(t *testing.T) {
	app := newMerchantApp(t, stageKeys)
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(func() time.Time { return fixedTaipei }))
	c, ctx := sim.Client, t.Context()
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued := must(c.Issue(ctx, req)).ok(t, "Issue")
	no, day := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)[:10]
	var online wrapper.AllowanceByCollegiateRequest
	sdkExample(t, "AllowanceByCollegiate", &online)
	returnURL := app.URL + "/allowance"
	online.InvoiceNo, online.InvoiceDate, online.ReturnURL = no, day, &returnURL
	allowanceNo := string(*must(c.AllowanceByCollegiate(ctx, online)).ok(t, "AllowanceByCollegiate").Data.IAAllowNo)
	var paper wrapper.AllowanceRequest
	sdkExample(t, "Allowance", &paper)
	paper.InvoiceNo, paper.InvoiceDate = no, day
	paperNo := string(*must(c.Allowance(ctx, paper)).ok(t, "Allowance").Data.IAAllowNo)

	agree := func(no string) int {
		res, err := sim.HTTP.Client().Post(sim.URL+ecpaysim.AdminPrefix+"allowances/"+no+"/agree", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := agree(allowanceNo); code != http.StatusOK {
		t.Fatalf("agree: %d, want 200", code)
	}
	if code := agree(paperNo); code != http.StatusConflict {
		t.Errorf("agree to a paper allowance: %d, want 409", code)
	}
	if code := agree("0000000000000000"); code != http.StatusNotFound {
		t.Errorf("agree to an unknown allowance: %d, want 404", code)
	}
	sim.WaitDeliveries()
	inv, _ := sim.IssuedInvoice(ecpaysim.StageMerchantID, no)
	if len(app.allowance) != 1 {
		t.Fatalf("the application got %+v, want one allowance notification", app.allowance)
	}
	got := app.allowance[0]
	if got.AllowanceNo != allowanceNo || got.InvoiceNo != no || got.RtnCode != notify.RtnCodeOK || got.RemainingAmount != inv.Remaining || !got.Date.Equal(fixedTaipei) {
		t.Errorf("notified %+v, want allowance %s of %s, remaining %d, at %v", got, allowanceNo, no, inv.Remaining, fixedTaipei)
	}
}
