package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/clitest"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/demo"
	"github.com/ecpay-go/einvoice/wrapper"
)

// demoClock is the simulator's clock in the deterministic runs of the demo:
// 2026-12-07 15:04:05 in Taipei.
var demoClock = ecpaysim.WithClock(func() time.Time { return time.Date(2026, 12, 7, 7, 4, 5, 0, time.UTC) })

// demoURL matches the simulator's URL, which has a port of the moment.
var demoURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// demoSteps are the demo's steps in order: the operation called, ECPay's
// RtnCode for it, and what the narration says.
var demoSteps = []struct {
	op        *registry.Operation
	rtnCode   int
	narration string
}{
	{registry.Issue, wrapper.RtnCodeOK, "Issue ECPay's SDK example invoice (RelateNumber Test1525168923, NT$32): issued as SM00000001 on "},
	{registry.GetIssue, wrapper.RtnCodeOK, "Look it up by number and date (GetIssue): SM00000001 of NT$32, all of it open to allowances (NT$32)"},
	{registry.Allowance, wrapper.RtnCodeOK, "Make an allowance (折讓) of NT$11 against it (Allowance): allowance "},
	{registry.Invalid, wrapper.RtnCodeInvoiceHasAllowance, "Void the invoice while the allowance stands (Invalid): refused with RtnCode 5070450, a *wrapper.APIError; errors.Is(err, wrapper.ErrConflict) = true."},
	{registry.AllowanceInvalid, wrapper.RtnCodeOK, "Void the allowance (AllowanceInvalid): allowance "},
	{registry.Invalid, wrapper.RtnCodeOK, "(Invalid): SM00000001 voided"},
	{registry.DelayIssue, wrapper.RtnCodeOK, "Store a delayed invoice that waits for a trigger (DelayIssue, DelayFlag 2, DelayDay 0): Tsr DEMO201909170001"},
	{registry.TriggerIssue, wrapper.RtnCodeIssued, "Trigger it, as when the buyer has paid (TriggerIssue): RtnCode 4000004, wrapper.RtnCodeIssued, a success though not 1: issued at once."},
	{registry.GetIssue, wrapper.RtnCodeOK, "Look it up by its RelateNumber DemoDelayed1 (GetIssue): issued as SM00000002, NT$32"},
	{registry.DelayIssue, wrapper.RtnCodeOK, "Store another (DelayIssue): Tsr DEMO201909170002"},
	{registry.CancelDelayIssue, wrapper.RtnCodeOK, "Cancel it (CancelDelayIssue): RtnCode 1; it will never be issued."},
}

// runDemoAt runs the demo in this process on the fixed clock and returns
// its output, the simulator's URL written as http://127.0.0.1:PORT.
func runDemoAt(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	if err := demo.Run(t.Context(), &out, demoClock); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	assertClean(t, out.String())
	return demoURL.ReplaceAllString(out.String(), "http://127.0.0.1:PORT")
}

// The output on a fixed clock: what a user sees, each answer by its
// RtnCode and RtnMsg, for a vendor update may add members to an answer
// (go test -run TestDemoGolden -update rewrites it; TestDemoSteps checks
// the whole answers). Two runs print the same, answers and all.
func TestDemoGolden(t *testing.T) {
	out := runDemoAt(t)
	if again := runDemoAt(t); again != out {
		t.Errorf("two runs on the same clock differ:\n%s\nthen:\n%s", out, again)
	}
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		answer, ok := strings.CutPrefix(line, "    {")
		if !ok {
			continue
		}
		var code struct {
			RtnCode int
			RtnMsg  string
		}
		if err := json.Unmarshal([]byte("{"+answer), &code); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		lines[i] = fmt.Sprintf("    {…\"RtnCode\":%d,\"RtnMsg\":%q…}", code.RtnCode, code.RtnMsg)
	}
	clitest.AssertGolden(t, filepath.Join("testdata", "demo.golden"), strings.Join(lines, "\n"), *update)
}

// Each step is one numbered line of narration, saying its RtnCode, then the
// answer's decrypted Data as compact JSON, which holds that RtnCode and
// keeps its page's response schema.
func TestDemoSteps(t *testing.T) {
	assertDemo(t, runDemoAt(t))
}

// The demo's requests are ECPay's SDK examples, which it builds rather
// than reads from testdata.
func TestDemoRequestsAreSDKExamples(t *testing.T) {
	read := func(name string, v any) {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var issue wrapper.IssueRequest
	read("Issue.json", &issue)
	if got := demo.IssueRequest(); !reflect.DeepEqual(got, issue) {
		t.Errorf("demo.IssueRequest() = %+v, want Issue.json's %+v", got, issue)
	}
	var allowance wrapper.AllowanceRequest
	read("Allowance.json", &allowance)
	if got := demo.AllowanceRequest(allowance.InvoiceNo, allowance.InvoiceDate); !reflect.DeepEqual(got, allowance) {
		t.Errorf("demo.AllowanceRequest() = %+v, want Allowance.json's %+v", got, allowance)
	}
	var void wrapper.InvalidRequest
	read("Invalid.json", &void)
	if void.Reason != demo.Reason {
		t.Errorf("demo.Reason is %q, Invalid.json's Reason %q", demo.Reason, void.Reason)
	}
}

func TestDemo(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"demo"}})
	if out.code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", out.code, out.stderr)
	}
	assertDemo(t, out.stdout)
}

func TestDemoInProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"demo"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr.String())
	}
	assertClean(t, stdout.String(), stderr.String())
	assertDemo(t, stdout.String())
}

// A demo stopped before its end exits with exitInterrupted and says why.
func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"demo"}, strings.NewReader(""), &stdout, &stderr); code != exitInterrupted {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "ecpay-invoice demo: stopped: context canceled") {
		t.Errorf("stderr: %s", stderr.String())
	}
	assertClean(t, stdout.String(), stderr.String())
}

// assertDemo checks a run of the demo: its steps in order, each a line
// of narration with its RtnCode followed by the answer's Data as compact
// JSON that holds the RtnCode and keeps its page's response schema; and
// the end, with no answer breaking its page.
func assertDemo(t *testing.T, stdout string) {
	t.Helper()
	if !strings.HasPrefix(stdout, "The ECPay simulator listens on http://127.0.0.1:") {
		t.Errorf("stdout does not say where the simulator listens:\n%s", stdout)
	}
	checker, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	step := regexp.MustCompile(`^ ?[0-9]+\. `)
	lines := strings.Split(stdout, "\n")
	var at []int // the line of each step
	for i, line := range lines {
		if step.MatchString(line) && i+1 < len(lines) {
			at = append(at, i)
		}
	}
	if len(at) != len(demoSteps) {
		t.Fatalf("the demo has %d steps, want %d:\n%s", len(at), len(demoSteps), stdout)
	}
	for i, want := range demoSteps {
		narration, answer := lines[at[i]], strings.TrimPrefix(lines[at[i]+1], "    ")
		if !strings.HasPrefix(narration, fmt.Sprintf("%2d. ", i+1)) || !strings.Contains(narration, want.narration) ||
			!strings.Contains(narration, "RtnCode "+strconv.Itoa(want.rtnCode)) {
			t.Errorf("step %d says %q, want %q with RtnCode %d", i+1, narration, want.narration, want.rtnCode)
		}
		var data struct{ RtnCode int }
		if err := json.Unmarshal([]byte(answer), &data); err != nil || data.RtnCode != want.rtnCode {
			t.Errorf("step %d's answer %s: RtnCode %d (%v), want %d", i+1, answer, data.RtnCode, err, want.rtnCode)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(answer)); err != nil || compact.String() != answer {
			t.Errorf("step %d's answer is not compact JSON: %s", i+1, answer)
		}
		if err := checker.ResponseData(want.op, []byte(answer)); err != nil {
			t.Errorf("step %d's answer breaks %s's page: %v", i+1, want.op.Name, err)
		}
	}
	wantEnd := fmt.Sprintf("Done: %d requests reached the simulator, each checked against its operation's page, and 0 answers broke theirs.", len(demoSteps))
	if !strings.HasSuffix(stdout, "\n"+wantEnd+"\n") {
		t.Errorf("stdout does not end with %q:\n%s", wantEnd, stdout)
	}
}
