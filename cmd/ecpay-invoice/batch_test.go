package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/wrapper"
)

// closedURL returns the base URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

func TestCancelEndToEnd(t *testing.T) {
	sim := newSim(t, "OK1", "OK2", "DONE1")
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "DONE1"}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("X", 31)

	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		want     map[string]string // Tsr → "ok" or the error kind
	}{
		{
			name:     "success",
			args:     []string{"--tsr", "OK1", "--tsr", "OK2"},
			wantCode: exitOK,
			want:     map[string]string{"OK1": "ok", "OK2": "ok"},
		},
		{
			name:     "already cancelled is a refusal",
			args:     []string{"--tsr", "DONE1"},
			wantCode: exitRefused,
			want:     map[string]string{"DONE1": wrapper.KindAPI},
		},
		{
			name:     "a 31-character Tsr is invalid and the batch goes on",
			args:     []string{"--file", "-"},
			stdin:    long + "\n# a comment\n\nDONE1\n",
			wantCode: exitInvalid,
			want:     map[string]string{long: wrapper.KindValidation, "DONE1": wrapper.KindAPI},
		},
		{
			name:     "validation outranks refusal",
			args:     []string{"--tsr", "DONE1", "--tsr", long},
			wantCode: exitInvalid,
			want:     map[string]string{"DONE1": wrapper.KindAPI, long: wrapper.KindValidation},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0"}, tt.args...)
			out := runBinary(t, invocation{args: args, stdin: tt.stdin})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr:\n%s", out.code, tt.wantCode, out.stderr)
			}
			got := byTsr(t, parseResults(t, out.stdout))
			if len(got) != len(tt.want) {
				t.Errorf("%d results, want %d:\n%s", len(got), len(tt.want), out.stdout)
			}
			for tsr, kind := range tt.want {
				r, ok := got[tsr]
				switch {
				case !ok:
					t.Errorf("no result for %s", tsr)
				case kind == "ok" && (!r.OK || r.RtnCode == nil || *r.RtnCode != 1 || r.RtnMsg == nil || *r.RtnMsg != okMessage(t, registry.CancelDelayIssue)):
					t.Errorf("%s: got %+v, want ok with rtn_code 1", tsr, r)
				case kind != "ok" && (r.OK || r.Error == nil || r.Error.Kind != kind || r.Error.Message == ""):
					t.Errorf("%s: got %+v, want error kind %s", tsr, r, kind)
				case kind == wrapper.KindAPI && (r.RtnCode == nil || *r.RtnCode != wrapper.RtnCodeNoUpdatableTsr):
					t.Errorf("%s: got %+v, want rtn_code %d", tsr, r, wrapper.RtnCodeNoUpdatableTsr)
				}
			}
		})
	}
	for _, tsr := range []string{"OK1", "OK2"} {
		if !sim.Cancelled(ecpaysim.StageMerchantID, tsr) {
			t.Errorf("%s was not cancelled", tsr)
		}
	}
}

func TestCancelRtnCodeIsANumberEvenWhenSentAsAString(t *testing.T) {
	// The simulator never breaks the spec, so this server answers as
	// ECPay's page shows: "RtnCode": "1", a string, inside Data.
	data := stageData(t, `{"RtnCode":"1","RtnMsg":"取消開立發票成功"}`)
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"MerchantID":"2000132","RpHeader":{"Timestamp":%d},"TransCode":1,"TransMsg":"","Data":%q}`, time.Now().Unix(), data)
	}))
	t.Cleanup(vendor.Close)
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", vendor.URL, "--tsr", "N1"}})
	if out.code != exitOK {
		t.Fatalf("exit status %d: %s", out.code, out.stdout)
	}
	if want := `{"tsr":"N1","ok":true,"rtn_code":1,"rtn_msg":"取消開立發票成功"}` + "\n"; out.stdout != want {
		t.Errorf("stdout %s, want %s", out.stdout, want)
	}
}

func TestCancelTransportFailure(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", closedURL(t), "--tsr", "T1"}})
	if out.code != exitFailure {
		t.Errorf("exit status %d, want %d", out.code, exitFailure)
	}
	results := parseResults(t, out.stdout)
	if len(results) != 1 || results[0].Error == nil || results[0].Error.Kind != wrapper.KindTransport || results[0].Error.MaybeSent {
		t.Errorf("got %+v, want one transport failure that was not sent", results)
	}
}

func TestCancelMixedBatchExitPrecedence(t *testing.T) {
	sim := newSim(t, "M1", "M2")
	long := strings.Repeat("Y", 31)
	// M1 gets an injected TransCode error (1), the long Tsr is invalid
	// (2), M2 gets an injected HTTP 503 (3): transport-like failures win.
	if err := sim.InjectNext(ecpaysim.Fault{TransCode: 10000016, TransMsg: "injected"}, ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "1",
		"--tsr", "M1", "--tsr", long, "--tsr", "M2"}})
	if out.code != exitFailure {
		t.Errorf("exit status %d, want %d; stdout:\n%s", out.code, exitFailure, out.stdout)
	}
	got := byTsr(t, parseResults(t, out.stdout))
	if r := got["M1"]; r.Error == nil || r.Error.Kind != wrapper.KindTrans || r.TransCode == nil || *r.TransCode != 10000016 || r.TransMsg == nil {
		t.Errorf("M1: got %+v, want trans_code 10000016", r)
	}
	if r := got[long]; r.Error == nil || r.Error.Kind != wrapper.KindValidation {
		t.Errorf("long Tsr: got %+v, want validation", r)
	}
	if r := got["M2"]; r.Error == nil || r.Error.Kind != wrapper.KindHTTP || r.HTTPStatus != http.StatusServiceUnavailable {
		t.Errorf("M2: got %+v, want http_status 503", r)
	}
}

func TestCancelCredentialsFromEnvironmentAndFlags(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithMerchant(otherMerchantID, otherHashKey, otherHashIV))
	for _, tsr := range []string{"E1", "E2"} {
		if err := sim.AddDelayedInvoice(otherMerchantID, tsr); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"ECPAY_MERCHANT_ID=" + otherMerchantID, "ECPAY_HASH_KEY=" + otherHashKey, "ECPAY_HASH_IV=" + otherHashIV}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--env", "prod", "--base-url", sim.URL, "--tsr", "E1"}, env: env})
	if out.code != exitOK {
		t.Errorf("with the environment: exit status %d, stdout %s stderr %s", out.code, out.stdout, out.stderr)
	}
	// A flag wins over its variable: a wrong key in the environment is
	// overridden by the right one on the command line.
	env[1] = "ECPAY_HASH_KEY=0123456789abcdef"
	out = runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--hash-key", otherHashKey, "--tsr", "E2"}, env: env})
	if out.code != exitOK {
		t.Errorf("with a flag: exit status %d, stdout %s stderr %s", out.code, out.stdout, out.stderr)
	}
	if !sim.Cancelled(otherMerchantID, "E1") || !sim.Cancelled(otherMerchantID, "E2") {
		t.Error("E1 and E2 were not both cancelled")
	}
}

func TestCancelBaseURLPathIsAPrefix(t *testing.T) {
	sim := newSim(t, "P1")
	mux := http.NewServeMux()
	mux.Handle("/prefix/", http.StripPrefix("/prefix", sim.Server))
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", front.URL + "/prefix", "--tsr", "P1"}})
	if out.code != exitOK || !sim.Cancelled(ecpaysim.StageMerchantID, "P1") {
		t.Errorf("exit status %d, stdout %s", out.code, out.stdout)
	}
}

func TestCancelRetry(t *testing.T) {
	sim := newSim(t, "R1", "R2")
	if err := sim.InjectNext(ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--tsr", "R1", "--retry", "3"}})
	if out.code != exitOK {
		t.Errorf("with --retry 3: exit status %d, stdout %s", out.code, out.stdout)
	}
	if err := sim.InjectNext(ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	out = runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--tsr", "R2"}})
	if out.code != exitFailure {
		t.Errorf("without --retry: exit status %d, want %d", out.code, exitFailure)
	}
}

func TestCancelRateLimit(t *testing.T) {
	sim := newSim(t, tsrList("RL", 6)...)
	start := time.Now()
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "20", "--concurrency", "4", "--file", "-"},
		stdin: strings.Join(tsrList("RL", 6), "\n")})
	if out.code != exitOK {
		t.Fatalf("exit status %d: %s", out.code, out.stderr)
	}
	// Six requests at 20/s with a burst of one take at least 250 ms.
	if elapsed := time.Since(start); elapsed < 250*time.Millisecond {
		t.Errorf("6 requests at --rate 20 took %v", elapsed)
	}
}

func TestCancelFileProgressAndSummary(t *testing.T) {
	tsrs := tsrList("F", 5)
	sim := newSim(t, tsrs...)
	path := filepath.Join(t.TempDir(), "tsrs.txt")
	if err := os.WriteFile(path, []byte("# Tsrs to cancel\r\n"+strings.Join(tsrs, "\r\n")+"\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--file", path}})
	if out.code != exitOK || len(parseResults(t, out.stdout)) != 5 {
		t.Fatalf("exit status %d, stdout:\n%s", out.code, out.stdout)
	}
	if !strings.Contains(out.stderr, "5 Tsrs: 5 ok, 0 failed, 0 skipped") {
		t.Errorf("stderr lacks the summary:\n%s", out.stderr)
	}
}

func TestCancelDecodeFailureMayHaveBeenSent(t *testing.T) {
	sim := newSim(t, "D1")
	if err := sim.InjectNext(ecpaysim.Fault{MalformedBody: `{"TransCode":`}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--tsr", "D1"}})
	if out.code != exitFailure {
		t.Errorf("exit status %d, want %d", out.code, exitFailure)
	}
	results := parseResults(t, out.stdout)
	if len(results) != 1 || results[0].Error == nil || results[0].Error.Kind != wrapper.KindDecode || !results[0].Error.MaybeSent {
		t.Errorf("got %+v, want one decode failure marked maybe_sent", results)
	}
}

// okMessage is the RtnMsg of op's first success code, as its page records it.
func okMessage(t *testing.T, op *registry.Operation) string {
	t.Helper()
	successes := op.Successes()
	if len(successes) == 0 {
		t.Fatalf("%s has no success code", op.Name)
	}
	return successes[0].Message
}

func TestTriggerIssueEndToEnd(t *testing.T) {
	sim := newSim(t)
	for _, inv := range []ecpaysim.DelayedInvoice{
		{Tsr: "NOW"},
		{Tsr: "LATER", DelayDay: 3},
		{Tsr: "CANCELLED"},
		{Tsr: "SCHEDULED", DelayFlag: ecpaysim.DelayScheduled},
	} {
		inv.MerchantID = wrapper.StageMerchantID
		if err := sim.AddInvoice(inv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "CANCELLED"}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"trigger-issue", "--base-url", sim.URL, "--rate", "0", "--file", "-"},
		stdin: "NOW\nLATER\nCANCELLED\nSCHEDULED\nUNKNOWN\n"})
	if out.code != exitRefused {
		t.Errorf("exit status %d, want %d (refusals); stderr:\n%s", out.code, exitRefused, out.stderr)
	}
	got := byTsr(t, parseResults(t, out.stdout))
	want := map[string]struct {
		ok   bool
		code int
	}{
		"NOW":       {true, wrapper.RtnCodeIssued},
		"LATER":     {true, wrapper.RtnCodeTriggered},
		"CANCELLED": {false, wrapper.RtnCodeNoUpdatableTsr},
		"SCHEDULED": {false, wrapper.RtnCodeNoUpdatableTsr},
		"UNKNOWN":   {false, wrapper.RtnCodeUnknownTsr},
	}
	for tsr, w := range want {
		r := got[tsr]
		if r.OK != w.ok || r.RtnCode == nil || *r.RtnCode != w.code || (!w.ok && (r.Error == nil || r.Error.Kind != wrapper.KindAPI)) {
			t.Errorf("%s: got %+v, want ok=%t rtn_code %d", tsr, r, w.ok, w.code)
		}
	}
	for tsr, status := range map[string]ecpaysim.InvoiceStatus{"NOW": ecpaysim.StatusIssued, "LATER": ecpaysim.StatusTriggered, "CANCELLED": ecpaysim.StatusCancelled} {
		if st, _ := sim.Status(wrapper.StageMerchantID, tsr); st != status {
			t.Errorf("%s is %s, want %s", tsr, st, status)
		}
	}
	// Every request carried the PayType the page defaults to.
	for _, req := range sim.Requests() {
		if req.Operation != "TriggerIssue" {
			continue
		}
		data, ok := req.Data.(*triggerissue.RequestData)
		if !ok || data.PayType != triggerissue.PayType2 {
			t.Errorf("request for %v: Data %#v, want PayType 2", req.Answer.RtnCode, req.Data)
		}
	}
}

func TestBatchHelpSaysWhatItSends(t *testing.T) {
	tests := map[string][]string{
		"trigger-issue":      {`{"Tsr":"…","PayType":"2"}`, `PayType "2" is the page's default`, "4000003", "4000004", "--out FILE", "probably_done_earlier", "FILE.journal"},
		"cancel-delay-issue": {`{"Tsr":"…"}`, "RtnCode 1 (the delayed issuing is cancelled)", "--adopt"},
	}
	for command, wants := range tests {
		t.Run(command, func(t *testing.T) {
			out := runBinary(t, invocation{args: []string{command, "--help"}})
			if out.code != exitOK {
				t.Fatalf("exit status %d", out.code)
			}
			text := strings.Join(strings.Fields(out.stdout), " ")
			for _, want := range wants {
				if !strings.Contains(text, want) {
					t.Errorf("--help lacks %q:\n%s", want, out.stdout)
				}
			}
		})
	}
}

func TestBatchOperationsFromTheRegistry(t *testing.T) {
	// One subcommand per operation of the registry that batch.For takes,
	// in the registry's order, whatever the pages are today.
	var names, want []string
	for _, bop := range batchOperations() {
		names = append(names, bop.command)
	}
	for _, op := range registry.All() {
		if bop, _ := batch.For(op); bop != nil {
			want = append(want, kebab(op.Name))
		}
	}
	if got := strings.Join(names, " "); got != strings.Join(want, " ") {
		t.Errorf("batch subcommands %q, want %q", got, strings.Join(want, " "))
	}
	for _, op := range []*registry.Operation{registry.CancelDelayIssue, registry.TriggerIssue} {
		if !slices.Contains(names, kebab(op.Name)) {
			t.Errorf("%s has no batch subcommand: %q", op.Name, names)
		}
	}
	for name, want := range map[string]string{
		"CancelDelayIssue": "cancel-delay-issue", "TriggerIssue": "trigger-issue",
		"GetB2CInvoice": "get-b2c-invoice", "VoidWithReIssue": "void-with-re-issue", "CheckLoveCode": "check-love-code",
	} {
		if got := kebab(name); got != want {
			t.Errorf("kebab(%q) = %q, want %q", name, got, want)
		}
	}
	trigger, _ := batchFor(registry.TriggerIssue)
	if got := string(trigger.Request("T1")); got != `{"Tsr":"T1"}` {
		t.Errorf("TriggerIssue request %s", got)
	}
}

func TestRedirects(t *testing.T) {
	// A server elsewhere that must never see the request replayed.
	var replayed atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replayed.Add(1)
		http.Error(w, "not here", http.StatusTeapot)
	}))
	t.Cleanup(elsewhere.Close)
	sim := newSim(t, "SAME1")
	tests := []struct {
		name     string
		location func(r *http.Request) string
		wantCode int
	}{
		// 127.0.0.1 and localhost are other hosts, both plain http.
		{"to another host", func(*http.Request) string {
			return strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1) + "/B2CInvoice/CancelDelayIssue"
		}, exitFailure},
		{"to the same host", func(r *http.Request) string { return "/moved" + r.URL.Path }, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if path, ok := strings.CutPrefix(r.URL.Path, "/moved"); ok {
					r.URL.Path = path
					sim.Server.ServeHTTP(w, r)
					return
				}
				http.Redirect(w, r, tt.location(r), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(front.Close)
			out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", front.URL, "--tsr", "SAME1"}})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stdout %s", out.code, tt.wantCode, out.stdout)
			}
		})
	}
	if n := replayed.Load(); n != 0 {
		t.Errorf("the other host got %d replayed requests", n)
	}
	if !sim.Cancelled(wrapper.StageMerchantID, "SAME1") {
		t.Error("the same-host redirect did not resend the body")
	}
}

func TestNewClientErrorsNameFlags(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--tsr", "A", "--platform-id", "12345678901",
		"--merchant-id", otherMerchantID, "--hash-key", otherHashKey, "--hash-iv", otherHashIV}})
	if out.code != exitInvalid || !strings.Contains(out.stderr, "--platform-id") {
		t.Errorf("exit status %d, stderr %s", out.code, out.stderr)
	}
	for _, library := range []string{"NewClient", "WithPlatformID", "WithBaseURL", "WithTimeout"} {
		if strings.Contains(out.stderr, library) {
			t.Errorf("stderr names the library's %s: %s", library, out.stderr)
		}
	}
}

func TestTimeoutNamesTheFlag(t *testing.T) {
	sim := newSim(t, "SLOW")
	if err := sim.InjectNext(ecpaysim.Fault{Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--timeout", "100ms", "--tsr", "SLOW"}})
	r := parseResults(t, out.stdout)
	if out.code != exitFailure || len(r) != 1 || r[0].Error == nil || !strings.Contains(r[0].Error.Message, "--timeout 100ms ran out") || !r[0].Error.MaybeSent {
		t.Errorf("exit status %d, %+v", out.code, r)
	}
}
