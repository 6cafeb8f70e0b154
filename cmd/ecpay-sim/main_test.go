package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// buildBinary builds the command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ecpay-sim-test")
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
	if bin, err := buildBinary(); err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// simProcess is a running ecpay-sim.
type simProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

// syncBuffer collects the process's stderr while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the built binary with args and waits for the URL on stdout.
func start(t *testing.T, args ...string) *simProcess {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	p := &simProcess{cmd: exec.Command(bin, args...), stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		p.done <- p.cmd.Wait()
	}()
	select {
	case line := <-lines:
		p.url = strings.TrimSuffix(line, "\n")
	case <-time.After(30 * time.Second):
		t.Fatalf("no URL on stdout within 30s; stderr: %s", p.stderr)
	}
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") || strings.HasSuffix(p.url, ":0") {
		t.Fatalf("first stdout line %q, want http://127.0.0.1:PORT; stderr: %s", p.url, p.stderr)
	}
	return p
}

// do sends a request to the running simulator and returns status and body.
func (p *simProcess) do(t *testing.T, method, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
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
	p := start(t, "--addr", "127.0.0.1:0", "--delayed", "PRE1", "--delayed", "PRE2")

	status, body := p.do(t, http.MethodPost, "/_sim/delayed", "application/json", strings.NewReader(`{"MerchantID":"2000132","Tsr":"BIN1"}`))
	if status != http.StatusCreated {
		t.Fatalf("POST /_sim/delayed: HTTP %d %s", status, body)
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
		if res.RtnCode != ecpaysim.RtnCodeOK || res.RtnMsg != ecpaysim.RtnMsgOK {
			t.Errorf("cancelling %s: %+v", tsr, res)
		}
	}
	var apiErr *wrapper.APIError
	if _, err := client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "BIN1"}); !errors.As(err, &apiErr) || apiErr.RtnCode != ecpaysim.RtnCodeAlreadyCancelled {
		t.Errorf("second cancel of BIN1: %v", err)
	}

	oversized := `{"MerchantID":"` + strings.Repeat("x", ecpaysim.MaxBodyBytes) + `"}`
	for _, tt := range []struct {
		name, path, contentType, body string
		want                          int
	}{
		{"garbage", "/B2CInvoice/CancelDelayIssue", "application/json", "\x00\x01garbage", http.StatusBadRequest},
		{"oversized", "/B2CInvoice/CancelDelayIssue", "application/json", oversized, http.StatusRequestEntityTooLarge},
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
	want := map[string]ecpaysim.Invoice{
		"PRE1": {MerchantID: ecpaysim.StageMerchantID, Tsr: "PRE1", Status: ecpaysim.StatusCancelled, CancelRequests: 1},
		"PRE2": {MerchantID: ecpaysim.StageMerchantID, Tsr: "PRE2", Status: ecpaysim.StatusPending},
		"BIN1": {MerchantID: ecpaysim.StageMerchantID, Tsr: "BIN1", Status: ecpaysim.StatusCancelled, CancelRequests: 2},
	}
	if len(state.Invoices) != len(want) || state.Violations != 0 {
		t.Errorf("state %+v", state)
	}
	for _, inv := range state.Invoices {
		if inv != want[inv.Tsr] {
			t.Errorf("invoice %+v, want %+v", inv, want[inv.Tsr])
		}
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
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
	if !strings.Contains(logs, "transCode=1") || !strings.Contains(logs, "ecpay-sim stopped") {
		t.Errorf("the logs lack the answers or the shutdown:\n%s", logs)
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

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "flag provided but not defined: -bogus"},
		{"positional argument", []string{"serve"}, `unexpected argument "serve"`},
		{"addr without port", []string{"--addr", "localhost"}, "--addr"},
		{"merchant without keys", []string{"--merchant", "2000132"}, "three parts"},
		{"merchant with an extra part", []string{"--merchant", "2000132:SECRETSECRETSECR:q9jcZX8Ib9LM8wYk:x"}, "got 4 parts"},
		{"short HashKey", []string{"--merchant", "2000132:SECRET:q9jcZX8Ib9LM8wYk"}, "HashKey is 6 bytes"},
		{"long HashIV", []string{"--merchant", "2000132:ejCk326UnaZWKisg:SECRETSECRETSECRET"}, "HashIV is 18 bytes"},
		{"both wrong", []string{"--merchant", "2000132:SECRET:SECRET"}, "HashIV is 6 bytes"},
		{"merchant ID too long", []string{"--merchant", "12345678901:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk"}, "1 to 10 characters"},
		{"merchant twice", []string{"--merchant", "1:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk", "--merchant", "1:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk"}, "twice"},
		{"delayed too long", []string{"--delayed", strings.Repeat("T", 31)}, "Tsr must be 1 to 30 characters"},
		{"delayed twice", []string{"--delayed", "A", "--delayed", "A"}, "already registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			msg := stderr.String()
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line containing %q", msg, tt.want)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("stderr %q repeats a key", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, &stdout, &stderr); code != exitOK {
		t.Errorf("exit status %d", code)
	}
	if !strings.Contains(stdout.String(), "--merchant") {
		t.Errorf("help %q", stdout.String())
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
