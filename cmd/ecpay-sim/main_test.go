package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

// buildBinary builds the command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := binaryDir("ecpay-sim-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ecpay-sim")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	binaryDirs.Lock()
	for _, dir := range binaryDirs.list {
		_ = os.RemoveAll(dir)
	}
	binaryDirs.Unlock()
	os.Exit(code)
}

// binaryDirs are the directories of the binaries built, for TestMain to
// remove.
var binaryDirs struct {
	sync.Mutex
	list []string
}

// binaryDir makes a directory for a binary that TestMain removes.
func binaryDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		binaryDirs.Lock()
		binaryDirs.list = append(binaryDirs.list, dir)
		binaryDirs.Unlock()
	}
	return dir, err
}

// simProcess is a running ecpay-sim.
type simProcess struct {
	*testkit.Process
	url    string
	stderr *testkit.Buffer
}

// start runs the built binary with args and waits for the URL on stdout.
func start(t *testing.T, args ...string) *simProcess {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	p := testkit.Start(t, bin, args...)
	return &simProcess{Process: p, url: p.URL, stderr: p.Stderr}
}

// do sends a request to the running simulator and returns status and body.
func (p *simProcess) do(t *testing.T, method, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	return testkit.Do(t, method, p.url+path, contentType, body)
}

func (p *simProcess) state(t *testing.T) ecpaysim.State {
	t.Helper()
	status, body := p.do(t, http.MethodGet, "/_sim/state", "", nil)
	var s ecpaysim.State
	if status != http.StatusOK || json.Unmarshal(body, &s) != nil {
		t.Fatalf("GET /_sim/state: HTTP %d %s", status, body)
	}
	return s
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	p := start(t, "--addr", "127.0.0.1:0", "--delayed", "PRE1", "--delayed", "PRE2", "--delayed", "PRE3:2:3", "--delayed", "PRE4:1")

	status, body := p.do(t, http.MethodPost, "/_sim/delayed", "application/json", strings.NewReader(`{"MerchantID":"2000132","Tsr":"BIN1"}`))
	if status != http.StatusCreated {
		t.Fatalf("POST /_sim/delayed: HTTP %d %s", status, body)
	}
	status, body = p.do(t, http.MethodPost, "/_sim/delayed", "application/json", strings.NewReader(`{"MerchantID":"2000132","Tsr":"BIN2","DelayFlag":"2","DelayDay":3}`))
	if status != http.StatusCreated {
		t.Fatalf("POST /_sim/delayed with DelayFlag and DelayDay: HTTP %d %s", status, body)
	}
	status, body = p.do(t, http.MethodPost, "/_sim/delayed", "application/json", strings.NewReader(`{"MerchantID":"2000132","Tsr":"BIN3","DelayDay":"3"}`))
	if msg := string(body); status != http.StatusBadRequest || !strings.Contains(msg, "DelayDay") || strings.Contains(msg, "ecpaysim: ecpaysim:") {
		t.Errorf("POST /_sim/delayed with a string DelayDay: HTTP %d %q, want 400 naming DelayDay once prefixed", status, msg)
	}

	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.url))
	if err != nil {
		t.Fatal(err)
	}
	for _, tsr := range []string{"BIN1", "PRE1"} {
		res, err := client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: tsr})
		if err != nil {
			t.Fatalf("cancelling %s: %v", tsr, err)
		}
		if res.RtnCode != wrapper.RtnCodeOK || res.RtnMsg != "取消開立發票成功" {
			t.Errorf("cancelling %s: %+v", tsr, res)
		}
	}
	if _, err := client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "BIN1"}); !errors.Is(err, wrapper.ErrConflict) {
		t.Errorf("second cancel of BIN1: %v", err)
	}
	for tsr, want := range map[string]int{"PRE2": wrapper.RtnCodeIssued, "PRE3": wrapper.RtnCodeTriggered, "BIN2": wrapper.RtnCodeTriggered} {
		res, err := client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: tsr, PayType: "2"})
		if err != nil || res.RtnCode != want {
			t.Errorf("triggering %s: %+v, %v; want RtnCode %d", tsr, res, err, want)
		}
	}

	oversized := `{"MerchantID":"` + strings.Repeat("x", ecpaysim.MaxBodyBytes) + `"}`
	for _, tt := range []struct {
		name, path, contentType, body string
		want                          int
	}{
		{"garbage", "/B2CInvoice/CancelDelayIssue", "application/json", "\x00\x01garbage", http.StatusBadRequest},
		{"oversized", "/B2CInvoice/TriggerIssue", "application/json", oversized, http.StatusRequestEntityTooLarge},
		{"wrong content type", "/B2CInvoice/CancelDelayIssue", "text/xml", "<a/>", http.StatusUnsupportedMediaType},
		{"admin garbage", "/_sim/delayed", "application/json", "garbage", http.StatusBadRequest},
		{"admin oversized", "/_sim/delayed", "application/json", oversized, http.StatusRequestEntityTooLarge},
		{"admin wrong content type", "/_sim/delayed", "text/plain", `{"MerchantID":"2000132","Tsr":"X"}`, http.StatusUnsupportedMediaType},
	} {
		if status, body := p.do(t, http.MethodPost, tt.path, tt.contentType, strings.NewReader(tt.body)); status != tt.want {
			t.Errorf("%s: HTTP %d, want %d: %.200s", tt.name, status, tt.want, body)
		}
	}

	// Still serving after all that.
	state := p.state(t)
	stage := ecpaysim.StageMerchantID
	want := map[string]ecpaysim.Invoice{
		"PRE1": {MerchantID: stage, Tsr: "PRE1", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusCancelled, CancelRequests: 1},
		"PRE2": {MerchantID: stage, Tsr: "PRE2", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusIssued, TriggerRequests: 1},
		"PRE3": {MerchantID: stage, Tsr: "PRE3", DelayFlag: ecpaysim.DelayTrigger, DelayDay: 3, Status: ecpaysim.StatusTriggered, TriggerRequests: 1},
		// Scheduled 0 days after it was stored: issued by the first request.
		"PRE4": {MerchantID: stage, Tsr: "PRE4", DelayFlag: ecpaysim.DelayScheduled, Status: ecpaysim.StatusIssued},
		"BIN1": {MerchantID: stage, Tsr: "BIN1", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusCancelled, CancelRequests: 2},
		"BIN2": {MerchantID: stage, Tsr: "BIN2", DelayFlag: ecpaysim.DelayTrigger, DelayDay: 3, Status: ecpaysim.StatusTriggered, TriggerRequests: 1},
	}
	if len(state.Invoices) != len(want) || state.Violations != 0 {
		t.Errorf("state %+v", state)
	}
	for _, inv := range state.Invoices {
		// The clock runs: a triggered invoice issues some time in 3 days;
		// an issued one has a number.
		if (inv.Status == ecpaysim.StatusTriggered) == inv.IssueAt.IsZero() || (inv.Status == ecpaysim.StatusIssued) == (inv.InvoiceNo == "") {
			t.Errorf("invoice %+v: IssueAt or InvoiceNo does not fit its status", inv)
		}
		inv.IssueAt, inv.InvoiceNo = time.Time{}, ""
		if inv != want[inv.Tsr] {
			t.Errorf("invoice %+v, want %+v", inv, want[inv.Tsr])
		}
	}

	// The inspector, at the URL the start-up line gives, shows them.
	if want := "ecpay-sim: the inspector is at " + p.url + "/_sim/ui (it answers this machine only)\n"; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, p.stderr)
	}
	if status, page := p.do(t, http.MethodGet, "/_sim/ui?op=CancelDelayIssue", "", nil); status != http.StatusOK ||
		strings.Count(string(page), `data-op="CancelDelayIssue"`) != 3 || strings.Contains(string(page), `data-op="TriggerIssue"`) {
		t.Errorf("GET /_sim/ui?op=CancelDelayIssue: HTTP %d\n%s", status, page)
	}
	if status, page := p.do(t, http.MethodGet, "/_sim/ui/state", "", nil); status != http.StatusOK || !strings.Contains(string(page), "<td>PRE4</td>") {
		t.Errorf("GET /_sim/ui/state: HTTP %d\n%s", status, page)
	}

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.Exited():
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr: %s", err, p.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after SIGTERM")
	}
	logs := p.stderr.String()
	if strings.Contains(logs, ecpaysim.StageHashKey) || strings.Contains(logs, ecpaysim.StageHashIV) {
		t.Errorf("the logs hold a key:\n%s", logs)
	}
	if !strings.Contains(logs, "trans_code=1") || !strings.Contains(logs, "operation=TriggerIssue") || !strings.Contains(logs, "ecpay-sim stopped") {
		t.Errorf("the logs lack the answers or the shutdown:\n%s", logs)
	}
	// SIGTERM is not a key press, and one signal is enough.
	if strings.Contains(logs, "Ctrl-C") || !strings.Contains(logs, "terminated") {
		t.Errorf("the shutdown after SIGTERM should name it and not mention Ctrl-C:\n%s", logs)
	}
}

func TestBinaryBadFlagExitsWithStatus2(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	cmd := exec.Command(bin, "--merchant", "2000132:SECRETSECRETSEC:q9jcZX8Ib9LM8wYk")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("got %v, want exit status 2", err)
	}
	if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "HashKey is 15 bytes") || strings.Contains(msg, "SECRET") {
		t.Errorf("stderr %q, want one line about the HashKey's length without the key", msg)
	}
}

// --version prints the module version from the build info and exits 0.
func TestBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	line := string(out)
	if !regexp.MustCompile(`^ecpay-sim (v\S+|\(devel\)) \(github\.com/ecpay-go/einvoice, go\S+\)`).MatchString(line) || strings.Count(line, "\n") != 1 {
		t.Errorf("--version printed %q, want one line with the module's version", line)
	}
}

// The binary links neither package testing nor net/http/httptest: the test
// helper lives in ecpaysim/ecpaysimtest, which only tests import. Nor does
// it, the simulator or the proxy link the client they stand in for
// (wrapper): what they share with it is in internal/protocol.
func TestBinaryDoesNotLinkTestingOrTheClient(t *testing.T) {
	const module = "github.com/ecpay-go/einvoice/"
	for _, pkg := range []string{".", module + "ecpaysim", module + "ecpaysim/proxy"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 || !slices.Contains(deps, module+"internal/protocol") {
			t.Fatalf("go list -deps %s listed %d packages, without internal/protocol: %q", pkg, len(deps), out)
		}
		for _, banned := range []string{"testing", "net/http/httptest", module + "wrapper"} {
			if slices.Contains(deps, banned) {
				t.Errorf("%s links %s", pkg, banned)
			}
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "unknown flag --bogus"},
		{"unknown flag with one dash", []string{"-bogus=1"}, "unknown flag --bogus"},
		{"flag without its value", []string{"--addr"}, "flag --addr needs a value"},
		{"flag with one dash without its value", []string{"-delayed"}, "flag --delayed needs a value"},
		{"bad boolean", []string{"--quiet=maybe"}, `--quiet: invalid value in argument #1 (not shown): want true or false`},
		{"positional argument", []string{"--quiet", "serve"}, `unexpected argument #2: ecpay-sim takes flags only`},
		{"addr without port", []string{"--addr", "localhost"}, `--addr: want host:port`},
		{"merchant without keys", []string{"--merchant", "2000132"}, "three parts"},
		{"merchant with an extra part", []string{"--merchant", "2000132:SECRETSECRETSECR:q9jcZX8Ib9LM8wYk:x"}, "got 4 parts"},
		{"short HashKey", []string{"--merchant", "2000132:SECRET:q9jcZX8Ib9LM8wYk"}, "HashKey is 6 bytes"},
		{"long HashIV", []string{"--merchant", "2000132:ejCk326UnaZWKisg:SECRETSECRETSECRET"}, "HashIV is 18 bytes"},
		{"both wrong", []string{"--merchant", "2000132:SECRET:SECRET"}, "HashIV is 6 bytes"},
		{"merchant ID too long", []string{"--merchant", "12345678901:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk"}, "--merchant #1: the merchant ID must be 1 to 10 characters"},
		{"merchant twice", []string{"--merchant", "1:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk", "--merchant", "1:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk"}, "twice"},
		{"delayed too long", []string{"--delayed", strings.Repeat("T", 31)}, "Tsr must be 1 to 30 characters"},
		{"delayed empty", []string{"--delayed", ":2"}, "Tsr must be 1 to 30 characters"},
		{"delayed twice", []string{"--delayed", "A", "--delayed", "A"}, "already registered"},
		{"delayed FLAG 3", []string{"--delayed", "A:3"}, `--delayed #1: FLAG, the second part: want 1 (scheduled) or 2`},
		{"delayed FLAG empty", []string{"--delayed", "A", "--delayed", "A:"}, `--delayed #2: FLAG, the second part: want 1`},
		{"delayed DAYS not a number", []string{"--delayed", "A:2:three"}, `DAYS, the third part: want a whole number of days`},
		{"delayed DAYS negative", []string{"--delayed", "A:1:-1"}, `DAYS, the third part`},
		{"delayed four parts", []string{"--delayed", "A:1:2:3"}, "at most three parts"},
		{"replay and upstream", []string{"--replay", "r.jsonl", "--upstream", "http://127.0.0.1:1"}, "--replay and --upstream exclude each other"},
		{"record without upstream", []string{"--record", "r.jsonl"}, "--record is for --upstream"},
		{"record with replay", []string{"--record", "r.jsonl", "--replay", "r.jsonl"}, "--record is for --upstream"},
		{"upstream-timeout without upstream", []string{"--upstream-timeout", "1s"}, "--upstream-timeout is for --upstream"},
		{"delayed with upstream", []string{"--upstream", "http://127.0.0.1:1", "--delayed", "A"}, "--delayed is for the simulator: with --upstream"},
		{"delayed with replay", []string{"--replay", "r.jsonl", "--delayed", "A"}, "--delayed is for the simulator: with --replay"},
		{"max-in-flight for the simulator", []string{"--max-in-flight", "8MiB"}, "--max-in-flight is for --upstream and --replay"},
		{"max-in-flight under 2 MiB", []string{"--upstream", "http://127.0.0.1:1", "--max-in-flight", "1MiB"}, "--max-in-flight: want a size of at least 2MiB"},
		{"max-in-flight not a size", []string{"--replay", "r.jsonl", "--max-in-flight", "lots"}, "--max-in-flight: want a size of at least 2MiB"},
		{"max-in-flight overflowing", []string{"--replay", "r.jsonl", "--max-in-flight", "9223372036854775807GiB"}, "--max-in-flight: want a size"},
		{"fail-on-violation for the simulator", []string{"--fail-on-violation"}, "--fail-on-violation is for --upstream and --replay"},
		{"invoice-limit zero", []string{"--invoice-limit", "0"}, "--invoice-limit: want a whole number of at least 1"},
		{"invoice-limit not a number", []string{"--invoice-limit", "many"}, "--invoice-limit"},
		{"invoice-limit with upstream", []string{"--upstream", "http://127.0.0.1:1", "--invoice-limit", "5"}, "--invoice-limit and --notify-any-host are for the simulator"},
		{"notify-any-host with replay", []string{"--replay", "r.jsonl", "--notify-any-host"}, "--invoice-limit and --notify-any-host are for the simulator"},
		{"upstream over plain http", []string{"--upstream", "http://einvoice-stage.ecpay.com.tw"}, "--upstream: the base URL http://einvoice-stage.ecpay.com.tw: plain http is allowed only for loopback hosts"},
		{"upstream with user information", []string{"--upstream", "https://me:SECRET@einvoice-stage.ecpay.com.tw"}, "--upstream: the base URL must not hold user information"},
		{"upstream not a URL", []string{"--upstream", "einvoice-stage.ecpay.com.tw"}, "--upstream: the base URL einvoice-stage.ecpay.com.tw has no scheme; write https://einvoice-stage.ecpay.com.tw"},
		{"upstream-timeout zero", []string{"--upstream", "http://127.0.0.1:1", "--upstream-timeout", "0s"}, "--upstream-timeout: want a positive duration"},
		{"upstream-timeout not a duration", []string{"--upstream", "http://127.0.0.1:1", "--upstream-timeout", "soon"}, `--upstream-timeout: invalid value in argument #4 (not shown): want a duration`},
		{"record in a missing directory", []string{"--upstream", "http://127.0.0.1:1", "--record", "/nonexistent/dir/r.jsonl"}, "--record: opening the recording: open /nonexistent/dir/r.jsonl"},
		{"replay a missing file", []string{"--replay", "/nonexistent/r.jsonl"}, "--replay: stat /nonexistent/r.jsonl: no such file"},
		{"merchant of a proxy", []string{"--upstream", "http://127.0.0.1:1", "--merchant", "2000132:SECRET:q9jcZX8Ib9LM8wYk"}, "--merchant #1: merchant 2000132: ecpaycrypto: HashKey is 6 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			msg := stderr.String()
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "ecpay-sim: ") {
				t.Errorf("stderr %q, want one line containing %q", msg, tt.want)
			}
			if oneDash.MatchString(msg) {
				t.Errorf("stderr %q spells a flag with one dash; --help spells them with two", msg)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("stderr %q repeats a key", msg)
			}
			if strings.Contains(msg, "ecpaysim: ") {
				t.Errorf("stderr %q repeats the library's prefix after ecpay-sim's", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

// oneDash finds a flag of ecpay-sim spelled with one dash.
var oneDash = regexp.MustCompile(`(^|[^-\w])-(addr|merchant|merchants-file|delayed|quiet|version|help|bogus|upstream|upstream-timeout|record|replay|max-in-flight|fail-on-violation|invoice-limit|notify-any-host)\b`)

// The help documents every flag, spelled with two dashes, the admin API and
// the first line of stdout.
func TestRunHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{arg}, &stdout, &stderr); code != exitOK || stderr.Len() != 0 {
				t.Errorf("exit status %d, stderr %q", code, stderr.String())
			}
			help := stdout.String()
			fs, _ := newFlagSet()
			fs.VisitAll(func(f *pflag.Flag) {
				if !strings.Contains(help, "\n  --"+f.Name+" ") && !strings.Contains(help, "\n  --"+f.Name+"\n") {
					t.Errorf("the help does not document --%s", f.Name)
				}
			})
			wants := []string{
				"POST {URL}/_sim/delayed", `"DelayFlag":"2"`, `"DelayDay":3`, "GET {URL}/_sim/state",
				"The first line on stdout", "base URL", "--help",
				"validating proxy", "never retries", "403", "413", "re-sealed", "closest recorded", "violations by side and rule", "30s",
			}
			for _, op := range registry.All() { // every operation served, whatever the pages are today
				wants = append(wants, op.Name)
			}
			for _, want := range wants {
				if !strings.Contains(help, want) {
					t.Errorf("the help lacks %q", want)
				}
			}
			if oneDash.MatchString(help) {
				t.Errorf("the help spells a flag with one dash: %q", oneDash.FindString(help))
			}
		})
	}
}

// --version prints one line and exits 0, whatever else is given.
func TestRunVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"--version", "--addr", "127.0.0.1:0"}, &stdout, &stderr); code != exitOK || stderr.Len() != 0 {
		t.Errorf("exit status %d, stderr %q", code, stderr.String())
	}
	info, ok := debug.ReadBuildInfo()
	if got, want := stdout.String(), versionLine(info, ok)+"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "ecpay-sim: no build information (built without module support)"},
		{
			"a released version",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ecpay-go/einvoice", Version: "v1.2.3"}},
			"ecpay-sim v1.2.3 (github.com/ecpay-go/einvoice, go1.26.8)",
		},
		{
			"a devel build",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ecpay-go/einvoice", Version: "(devel)"}},
			"ecpay-sim (devel) (github.com/ecpay-go/einvoice, go1.26.8): a development build, not a released version",
		},
		{
			"a stamped build with changes",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ecpay-go/einvoice", Version: "v0.0.0-20250102030405-0123456789ab+dirty"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}},
			"ecpay-sim v0.0.0-20250102030405-0123456789ab+dirty (github.com/ecpay-go/einvoice, go1.26.8); commit 0123456789ab with uncommitted changes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.info, tt.info != nil); got != tt.want {
				t.Errorf("versionLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// run stops serving, with status 0, when its context ends (the signal).
func TestRunShutsDownWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &lineWriter{lines: make(chan string, 1)}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--quiet"}, stdout, io.Discard) }()
	var url string
	select {
	case url = <-stdout.lines:
	case <-time.After(10 * time.Second):
		t.Fatal("no URL")
	}
	resp, err := http.Get(strings.TrimSpace(url) + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit status %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
}

func TestRunPortInUse(t *testing.T) {
	var stdout bytes.Buffer
	p := &lineWriter{lines: make(chan string, 1)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--quiet"}, p, io.Discard) }()
	url := strings.TrimSpace(<-p.lines)
	defer func() { cancel(); <-done }()
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"--addr", strings.TrimPrefix(url, "http://")}, &stdout, &stderr); code != exitError {
		t.Errorf("exit status %d, want %d; stderr %q", code, exitError, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "address already in use") || !strings.Contains(msg, "--addr 127.0.0.1:0") || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q, want one line saying the address is in use and suggesting --addr 127.0.0.1:0", msg)
	}
}

// lineWriter hands over the first line written to it.
type lineWriter struct {
	lines chan string
	once  sync.Once
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { w.lines <- string(p) })
	return len(p), nil
}

// ecpay-sim keeps a bounded log of requests by default: the most recent
// keepRequests, within ecpaysim.DefaultRequestBytes.
func TestRunKeepsABoundedLog(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &lineWriter{lines: make(chan string, 1)}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--quiet"}, stdout, io.Discard) }()
	defer func() { cancel(); <-done }()
	p := &simProcess{url: strings.TrimSpace(<-stdout.lines)}
	for i := range keepRequests + 10 {
		if status, body := p.do(t, http.MethodPost, "/B2CInvoice/CancelDelayIssue", "application/json", strings.NewReader("not JSON")); status != http.StatusBadRequest {
			t.Fatalf("request %d: HTTP %d %s", i, status, body)
		}
	}
	if state := p.state(t); state.Requests != keepRequests {
		t.Errorf("the state counts %d requests kept, want %d", state.Requests, keepRequests)
	}
}

func TestRunSuggestsTheNearestFlag(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"a flag without its dashes": {[]string{"version"}, "did you mean --version?"},
		"a flag's typo":             {[]string{"--verison"}, "unknown flag --verison; did you mean --version?"},
		"a flag near none":          {[]string{"--frobnicate"}, "unknown flag --frobnicate ("},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("exit status %d, stderr %q; want %d and one line with %q", code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}
