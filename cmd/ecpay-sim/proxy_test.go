package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
)

// invoiceBinary builds cmd/ecpay-invoice once per test binary, the CLI a
// merchant runs through the proxy.
var invoiceBinary = sync.OnceValues(func() (string, error) {
	dir, err := binaryDir("ecpay-invoice-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ecpay-invoice")
	if out, err := exec.Command("go", "build", "-o", bin, "../ecpay-invoice").CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

// invoice runs ecpay-invoice with args and no ECPAY_ variables of the
// environment, and returns its stdout, stderr and exit status.
func invoice(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	bin, err := invoiceBinary()
	if err != nil {
		t.Fatalf("building ecpay-invoice: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ECPAY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if exitErr, ok := errors.AsType[*exec.ExitError](err); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("ecpay-invoice %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// terminate sends SIGTERM to the process and returns its exit status.
func (p *simProcess) terminate(t *testing.T) int {
	t.Helper()
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.Exited():
		if exitErr, ok := errors.AsType[*exec.ExitError](err); ok {
			return exitErr.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		t.Fatalf("still running a minute after SIGTERM; stderr: %s", p.stderr)
	}
	return -1
}

// summary reads GET /_sim/state of a proxy or a replay.
func (p *simProcess) summary(t *testing.T) (proxy.Summary, string) {
	t.Helper()
	status, body := p.do(t, http.MethodGet, "/_sim/state", "", nil)
	var s proxy.Summary
	if status != http.StatusOK || json.Unmarshal(body, &s) != nil {
		t.Fatalf("GET /_sim/state: HTTP %d %s", status, body)
	}
	return s, string(body)
}

// The binary as a proxy, recording, in front of the binary as the
// simulator, with ecpay-invoice's cancel-delay-issue and call through it;
// then the binary replaying the recording with the simulator stopped:
// ecpay-invoice prints the same lines, a request not recorded is refused
// naming the closest, and no output holds a key.
func TestBinaryRecordThenReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries; skipped with -short")
	}
	upstream := start(t, "--addr", "127.0.0.1:0", "--quiet", "--delayed", "PRE1", "--delayed", "PRE2")
	recording := filepath.Join(t.TempDir(), "ecpay.jsonl")
	px := start(t, "--addr", "127.0.0.1:0", "--upstream", upstream.url, "--record", recording, "--fail-on-violation")

	calls := [][]string{
		{"cancel-delay-issue", "--tsr", "PRE1"},
		{"call", "TriggerIssue", "--data", `{"Tsr":"PRE2","PayType":"2"}`},
	}
	var outputs []string
	var logs strings.Builder
	for _, args := range calls {
		stdout, stderr, code := invoice(t, append(args, "--base-url", px.url)...)
		if code != 0 || !strings.Contains(stdout, `"ok":true`) {
			t.Fatalf("ecpay-invoice %v through the proxy: exit %d\n%s%s", args, code, stdout, stderr)
		}
		outputs = append(outputs, stdout)
		logs.WriteString(stdout + stderr)
	}
	if !strings.Contains(outputs[0], `"rtn_code":1`) || !strings.Contains(outputs[1], `"rtn_code":4000004`) {
		t.Errorf("through the proxy:\n%s", strings.Join(outputs, ""))
	}
	// The inspector shows the traffic to the upstream, decrypted.
	if status, page := px.do(t, http.MethodGet, "/_sim/ui", "", nil); status != http.StatusOK || !strings.Contains(string(page), "ECPay proxy inspector") ||
		!strings.Contains(string(page), `data-op="TriggerIssue" data-verdict="ok"`) || !strings.Contains(string(page), "&#34;Tsr&#34;: &#34;PRE2&#34;") {
		t.Errorf("GET /_sim/ui of the proxy: HTTP %d\n%s", status, page)
	}
	state, stateBody := px.summary(t)
	if state.Mode != proxy.ModeProxy || state.Upstream != upstream.url || state.Exchanges != 2 || state.Violations != 0 || state.UpstreamFailures != 0 {
		t.Errorf("the proxy's state %s", stateBody)
	}
	if code := px.terminate(t); code != exitOK {
		t.Errorf("the proxy exited %d after SIGTERM; stderr:\n%s", code, px.stderr)
	}
	if want := "ecpay-sim: proxy to " + upstream.url + ": 2 exchanges, 0 upstream failures, 0 violations\n"; !strings.Contains(px.stderr.String(), want) {
		t.Errorf("the proxy's stderr lacks %q:\n%s", want, px.stderr)
	}
	if code := upstream.terminate(t); code != exitOK {
		t.Errorf("the upstream exited %d", code)
	}
	info, err := os.Stat(recording)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the recording: %v, %v; want mode 0600", info, err)
	}
	recorded, _ := os.ReadFile(recording)
	if n := bytes.Count(recorded, []byte("\n")); n != 2 {
		t.Errorf("the recording has %d lines, want 2", n)
	}

	replay := start(t, "--addr", "127.0.0.1:0", "--replay", recording, "--fail-on-violation")
	for i, args := range calls {
		stdout, stderr, code := invoice(t, append(args, "--base-url", replay.url)...)
		if code != 0 || stdout != outputs[i] {
			t.Errorf("ecpay-invoice %v from the replay: exit %d\n%s\nwant\n%s%s", args, code, stdout, outputs[i], stderr)
		}
		logs.WriteString(stdout + stderr)
	}
	stdout, stderr, code := invoice(t, "call", "TriggerIssue", "--data", `{"Tsr":"PRE9","PayType":"2"}`, "--base-url", replay.url)
	if code != 3 || !strings.Contains(stdout, `"kind":"http"`) || !strings.Contains(stdout, "closest recorded TriggerIssue request, on line 2 of the recording") {
		t.Errorf("an unrecorded request: exit %d\n%s%s", code, stdout, stderr)
	}
	logs.WriteString(stdout + stderr)
	replayState, replayBody := replay.summary(t)
	if replayState.Mode != proxy.ModeReplay || !reflect.DeepEqual(replayState.Replay, &proxy.ReplayCounts{Loaded: 2, Served: 2, Unmatched: 1}) || replayState.Violations != 0 {
		t.Errorf("the replay's state %s", replayBody)
	}
	if status, body := replay.do(t, http.MethodPost, "/_sim/delayed", "application/json", strings.NewReader(`{"MerchantID":"2000132","Tsr":"X"}`)); status != http.StatusNotFound {
		t.Errorf("POST /_sim/delayed to the replay: HTTP %d %s", status, body)
	}
	if code := replay.terminate(t); code != exitOK {
		t.Errorf("the replay exited %d after SIGTERM (an unmatched request is no violation); stderr:\n%s", code, replay.stderr)
	}
	for _, want := range []string{
		"ecpay-sim: replay of " + recording + ": 3 exchanges, 0 upstream failures, 0 violations\n",
		"ecpay-sim:   2 served from the recording, 1 unmatched; 2 recorded exchanges loaded\n",
	} {
		if !strings.Contains(replay.stderr.String(), want) {
			t.Errorf("the replay's stderr lacks %q:\n%s", want, replay.stderr)
		}
	}
	for name, text := range map[string]string{
		"the recording": string(recorded), "the proxy's stderr": px.stderr.String(), "the replay's stderr": replay.stderr.String(),
		"the upstream's stderr": upstream.stderr.String(), "ecpay-invoice's output": logs.String(), "the states": stateBody + replayBody,
	} {
		if strings.Contains(text, ecpaysim.StageHashKey) || strings.Contains(text, ecpaysim.StageHashIV) {
			t.Errorf("%s holds the HashKey or the HashIV", name)
		}
	}
}

// SIGTERM makes a proxy print its summary and exit 0, or 1 with
// --fail-on-violation when a violation was found; an upstream failure,
// such as ECPay's 403 when called too fast, is never a violation.
func TestBinaryFailOnViolation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	rateLimited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer rateLimited.Close()
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := codec.Encrypt([]byte(`{"MerchantID":"2000132","Tsr":"V1"}`))
	// MerchantID too long for the envelope: the simulator refuses it with a
	// TransCode, an HTTP 200 the proxy passes on.
	breaking := fmt.Sprintf(`{"MerchantID":"20001320000","RqHeader":{"Timestamp":%d},"Data":%q}`, time.Now().Unix(), data)
	valid := fmt.Sprintf(`{"MerchantID":"2000132","RqHeader":{"Timestamp":%d},"Data":%q}`, time.Now().Unix(), data)
	tests := []struct {
		name     string
		upstream string // "" for a simulator process
		flags    []string
		quiet    bool
		body     string
		want     int
		stderr   []string
	}{
		{"a violation", "", []string{"--fail-on-violation"}, false, breaking, exitError, []string{
			"1 exchange, 0 upstream failures, 1 violation\n", "request violations by rule: maxLength 1\n", "exit status 1: --fail-on-violation, and 1 violation\n",
		}},
		{"a violation without the flag", "", nil, false, breaking, exitOK, []string{"1 exchange, 0 upstream failures, 1 violation\n"}},
		{"no violation, quiet", "", []string{"--fail-on-violation", "--quiet"}, true, valid, exitOK, []string{"1 exchange, 0 upstream failures, 0 violations\n"}},
		{"a 403", rateLimited.URL, []string{"--fail-on-violation"}, false, valid, exitOK, []string{"1 exchange, 1 upstream failure, 0 violations\n", `upstream="HTTP 403 Forbidden"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := tt.upstream
			if up == "" {
				up = start(t, "--addr", "127.0.0.1:0", "--quiet").url
			}
			px := start(t, append([]string{"--addr", "127.0.0.1:0", "--upstream", up}, tt.flags...)...)
			px.do(t, http.MethodPost, "/B2CInvoice/CancelDelayIssue", "application/json", strings.NewReader(tt.body))
			if code := px.terminate(t); code != tt.want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.want, px.stderr)
			}
			logs := px.stderr.String()
			for _, want := range tt.stderr {
				if !strings.Contains(logs, want) {
					t.Errorf("stderr lacks %q:\n%s", want, logs)
				}
			}
			if tt.quiet == strings.Contains(logs, "ecpaysim proxy exchange") {
				t.Errorf("--quiet %v, and the log of the exchange: %s", tt.quiet, logs)
			}
		})
	}
}

// A recording that is not one, or one that others may read, is refused
// before anything is served.
func TestRunRejectsBadRecordings(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("\n{\"time\":\"2025-01-02T03:04:05Z\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "shared.jsonl")
	if err := os.WriteFile(shared, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a bad line", []string{"--replay", bad}, "--replay " + bad + `: recording line 2: not an exchange: "method" is missing`},
		{"a recording others may read", []string{"--upstream", "http://127.0.0.1:1", "--record", shared}, "--record: the recording " + shared + " may be read by others (mode 0644)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

// --record mends a recording whose last line an interrupted run cut off,
// and says so, before appending to it.
func TestRunRecordMendsATornRecording(t *testing.T) {
	const line = recordedLine
	for _, tt := range []struct {
		name, content, want, say string
	}{
		{"cut off", line + "\n" + line[:40], line + "\n", "line 2 was cut off (40 bytes without a newline, from an interrupted run): removed it before appending"},
		{"without its newline", line, line + "\n", "line 1, a whole exchange, had no newline: added one"},
		{"whole", line + "\n", line + "\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel() // it stops as soon as it serves
			var stdout, stderr bytes.Buffer
			if code := run(ctx, []string{"--addr", "127.0.0.1:0", "--quiet", "--upstream", "http://127.0.0.1:1", "--record", path}, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit status %d: %s", code, stderr.String())
			}
			if said := strings.Contains(stderr.String(), "--record "+path+": "+tt.say); tt.say == "" && strings.Contains(stderr.String(), "--record") || tt.say != "" && !said {
				t.Errorf("stderr %q, want it to say %q", stderr.String(), tt.say)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.want {
				t.Errorf("the recording is %q, want %q", b, tt.want)
			}
		})
	}
}

// recordedLine is a line of a recording.
const recordedLine = `{"time":"2025-01-02T03:04:05Z","method":"POST","path":"/x","request":{},"response":{"status":502}}`

// --replay reads a regular file or a pipe, up to maxReplayBytes, and
// refuses anything else (for FIFOs, see TestRunReplayHonoursSignals).
func TestRunReplayInputs(t *testing.T) {
	const line = recordedLine + "\n"
	dir := t.TempDir()
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, []byte(strings.Repeat(line, 3)), 0o600); err != nil {
		t.Fatal(err)
	}
	old := maxReplayBytes
	maxReplayBytes = int64(2 * len(line))
	t.Cleanup(func() { maxReplayBytes = old })
	for _, tt := range []struct{ name, path, want string }{
		{"a device that never ends", "/dev/zero", "--replay /dev/zero is a character device, not a regular file or a pipe"},
		{"a directory", dir, "--replay " + dir + " is a directory"},
		{"over the bound", long, "--replay " + long + " is longer than " + strconv.Itoa(2*len(line)) + " bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--replay", tt.path}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
				t.Errorf("exit status %d, stdout %q, stderr %q; want %d, nothing and %q", code, stdout.String(), stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "2097152": 2 << 20, "64MiB": 64 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "MiB", "64 MiB", "64mb", "-1", "1.5MiB", "9223372036854775807KiB"} {
		if got, ok := parseSize(in); ok {
			t.Errorf("parseSize(%q) = %d, want a refusal", in, got)
		}
	}
}
