package proxy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// invoiceBinary builds cmd/ecpay-invoice once per test binary, for its
// validate --record.
var invoiceBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ecpay-invoice-validate")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ecpay-invoice")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ecpay-go/einvoice/cmd/ecpay-invoice").CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

// sdkExample decodes ECPay's SDK example of op's request Data
// (testdata/sdk-examples/<op>.json at the module root) into v.
func sdkExample(t *testing.T, op string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", op+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s.json: %v", op, err)
	}
}

// lifeStep is one call of the lifecycle and what it gave.
type lifeStep struct {
	name string
	outcome
}

// invoiceLifecycle runs the life of ECPay's SDK example invoice through c,
// each request ECPay's SDK example with the numbers of earlier answers:
// Issue, GetIssue, Allowance, Invalid refused while the allowance stands,
// AllowanceInvalid, Invalid, GetInvalid. Then three delayed invoices
// (DelayIssue, under RelateNumbers of their own): one waits for a trigger,
// is triggered (TriggerIssue) and found issued (GetIssue); ECPay's example,
// scheduled in 15 days, is found issued once advance has moved the
// simulator's clock past them (a replay's advance moves nothing: its
// answers are recorded); the third is cancelled (CancelDelayIssue).
//
// Both voids are the same request but for their Reason: a Replay answers a
// request with the answer recorded last for the same Data, so a request
// sent again after the state changed must differ to be replayed with its
// own answer.
func invoiceLifecycle(t *testing.T, c *wrapper.Client, advance func(time.Duration)) []lifeStep {
	t.Helper()
	ctx := t.Context()
	var steps []lifeStep
	add := func(name string, o outcome) { steps = append(steps, lifeStep{name, o}) }

	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued, err := c.Issue(ctx, req)
	add("Issue", outcomeOf(issued, err))
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	no, day := string(*issued.Data.InvoiceNo), string(*issued.Data.InvoiceDate)[:10]

	var get wrapper.GetIssueRequest
	sdkExample(t, "GetIssue", &get)
	get.InvoiceNo, get.InvoiceDate = &no, &day
	got, err := c.GetIssue(ctx, get)
	add("GetIssue", outcomeOf(got, err))

	var allow wrapper.AllowanceRequest
	sdkExample(t, "Allowance", &allow)
	allow.InvoiceNo, allow.InvoiceDate = no, day
	allowed, err := c.Allowance(ctx, allow)
	add("Allowance", outcomeOf(allowed, err))
	if err != nil {
		t.Fatalf("Allowance: %v", err)
	}
	allowanceNo := string(*allowed.Data.IAAllowNo)

	var void wrapper.InvalidRequest
	sdkExample(t, "Invalid", &void)
	void.InvoiceNo, void.InvoiceDate = no, day
	early := void
	early.Reason = "allowance stands"
	refused, err := c.Invalid(ctx, early)
	add("Invalid while the allowance stands", outcomeOf(refused, err))

	var undo wrapper.AllowanceInvalidRequest
	sdkExample(t, "AllowanceInvalid", &undo)
	undo.InvoiceNo, undo.AllowanceNo = no, allowanceNo
	undone, err := c.AllowanceInvalid(ctx, undo)
	add("AllowanceInvalid", outcomeOf(undone, err))

	voided, err := c.Invalid(ctx, void)
	add("Invalid", outcomeOf(voided, err))

	var getVoid wrapper.GetInvalidRequest
	sdkExample(t, "GetInvalid", &getVoid)
	getVoid.InvoiceNo, getVoid.InvoiceDate = no, day
	gotVoid, err := c.GetInvalid(ctx, getVoid)
	add("GetInvalid", outcomeOf(gotVoid, err))

	var scheduled wrapper.DelayIssueRequest
	sdkExample(t, "DelayIssue", &scheduled)
	scheduled.NotifyURL = nil // no notification leaves the test
	delayed := func(name string, req wrapper.DelayIssueRequest) {
		t.Helper()
		stored, err := c.DelayIssue(ctx, req)
		add(name, outcomeOf(stored, err))
	}
	lookUp := func(name, relate string) {
		t.Helper()
		got, err := c.GetIssue(ctx, wrapper.GetIssueRequest{RelateNumber: &relate})
		add(name, outcomeOf(got, err))
	}
	waiting := scheduled
	waiting.DelayFlag, waiting.DelayDay, waiting.Tsr, waiting.RelateNumber = "2", 0, "LIFE0001", "LIFE0001"
	delayed("DelayIssue waiting for a trigger", waiting)
	triggered, err := c.TriggerIssue(ctx, wrapper.TriggerIssueRequest{Tsr: waiting.Tsr, PayType: "2"})
	add("TriggerIssue", outcomeOf(triggered, err))
	lookUp("GetIssue of the triggered invoice", waiting.RelateNumber)

	scheduled.RelateNumber = "LIFE0002" // the example's is the issued invoice's
	delayed("DelayIssue scheduled", scheduled)
	advance(time.Duration(scheduled.DelayDay) * 24 * time.Hour)
	lookUp("GetIssue of the scheduled invoice", scheduled.RelateNumber)

	cancelled := waiting
	cancelled.Tsr, cancelled.RelateNumber = "LIFE0003", "LIFE0003"
	delayed("DelayIssue to cancel", cancelled)
	gone, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: cancelled.Tsr})
	add("CancelDelayIssue", outcomeOf(gone, err))
	return steps
}

// The invoice's whole life, recorded through a Proxy in front of the
// simulator, replays: the same requests sent to a Replay of the recording,
// an hour later with the simulator gone, get the same codes, messages and
// decrypted Data, stamped with the replay's time; no exchange breaks its
// page, recorded or replayed, and ecpay-invoice validate --record finds the
// recording clean.
func TestInvoiceLifecycleRecordThenReplay(t *testing.T) {
	at := time.Date(2026, 12, 7, 7, 4, 5, 0, time.UTC) // 15:04:05 in Taipei
	sim, err := ecpaysim.New(ecpaysim.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(sim)
	p := newTestProxy(t, upstream.URL, proxy.WithClock(sim.Clock()))
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(p.URL), wrapper.WithClock(sim.Clock()))
	if err != nil {
		t.Fatal(err)
	}
	recorded := invoiceLifecycle(t, client, func(d time.Duration) {
		if _, err := sim.Advance(d); err != nil {
			t.Fatal(err)
		}
	})
	upstream.Close()

	var codes []int
	for _, s := range recorded {
		codes = append(codes, s.RtnCode)
	}
	ok := wrapper.RtnCodeOK
	want := []int{ok, ok, ok, wrapper.RtnCodeInvoiceHasAllowance, ok, ok, ok, // the issued invoice
		ok, wrapper.RtnCodeIssued, ok, ok, ok, ok, ok} // the delayed ones
	if !reflect.DeepEqual(codes, want) {
		t.Fatalf("recorded the codes %v, want %v: %+v", codes, want, recorded)
	}
	if s := p.Summary(); s.Exchanges != len(recorded) || s.Violations != 0 || s.UpstreamFailures != 0 || s.RecordingErrors != 0 {
		t.Errorf("the Proxy's summary: %+v", s)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("the simulator's violations: %v", v)
	}
	recording := p.Recording.String()
	for _, ex := range readExchanges(t, recording) {
		if len(ex.Violations) != 0 || ex.UpstreamFailure != "" || len(ex.Notes) != 0 {
			t.Errorf("recorded %s with violations %v, upstream failure %q, notes %v", ex.Operation, ex.Violations, ex.UpstreamFailure, ex.Notes)
		}
	}

	later := sim.Now().Add(time.Hour)
	rp, replayURL := newTestReplay(t, recording, proxy.WithClock(func() time.Time { return later }))
	client, err = wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(replayURL), wrapper.WithClock(func() time.Time { return later }))
	if err != nil {
		t.Fatal(err)
	}
	replayed := invoiceLifecycle(t, client, func(time.Duration) {})
	if len(replayed) != len(recorded) {
		t.Fatalf("replayed %d steps, recorded %d", len(replayed), len(recorded))
	}
	for i, got := range replayed {
		t.Run(got.name, func(t *testing.T) {
			want := recorded[i]
			if got.name != want.name {
				t.Fatalf("step %d is %s, recorded %s", i, got.name, want.name)
			}
			if want.Error == "" {
				if !got.Timestamp.Equal(later) {
					t.Errorf("answered at %v, want the replay's clock, %v", got.Timestamp, later)
				}
				got.Timestamp, want.Timestamp = time.Time{}, time.Time{}
			}
			if got.outcome != want.outcome {
				t.Errorf("replayed %+v, recorded %+v", got.outcome, want.outcome)
			}
		})
	}
	s := rp.Summary()
	if s.Violations != 0 || s.UpstreamFailures != 0 || s.Replay == nil ||
		*s.Replay != (proxy.ReplayCounts{Loaded: len(recorded), Served: len(recorded)}) {
		t.Errorf("the Replay's summary: %+v (replay %+v)", s, s.Replay)
	}

	path := filepath.Join(t.TempDir(), "lifecycle.jsonl")
	if err := os.WriteFile(path, []byte(recording), 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := invoiceBinary()
	if err != nil {
		t.Fatalf("building ecpay-invoice: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), bin, "validate", "--record", path).CombinedOutput()
	if err != nil {
		t.Errorf("ecpay-invoice validate --record: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("record: %d exchanges, 0 violations in 0 of them", len(recorded)); !strings.Contains(string(out), want) {
		t.Errorf("ecpay-invoice validate --record says:\n%s\nwant %q", out, want)
	}
	noKeys(t, map[string]string{"the recording": recording, "validate's output": string(out)})
}
