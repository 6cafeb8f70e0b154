package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/batch"
)

// TestBinariesEndToEnd runs the two commands as separate processes: the
// simulator built from cmd/ecpay-sim, and this CLI cancelling a delayed
// invoice through wrapper.Client against it, twice, the second time refused.
func TestBinariesEndToEnd(t *testing.T) {
	sim := filepath.Join(t.TempDir(), "ecpay-sim")
	if out, err := exec.Command("go", "build", "-o", sim, "../ecpay-sim").CombinedOutput(); err != nil {
		t.Fatalf("building ecpay-sim: %v\n%s", err, out)
	}
	cmd := exec.Command(sim, "--addr", "127.0.0.1:0", "--quiet", "--delayed", "E2E0001")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	lines := bufio.NewReader(stdout)
	urlLine := make(chan string, 1)
	go func() {
		line, _ := lines.ReadString('\n')
		urlLine <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, lines)
		exited <- cmd.Wait()
	}()
	var baseURL string
	select {
	case baseURL = <-urlLine:
	case <-time.After(30 * time.Second):
		t.Fatal("ecpay-sim printed no URL")
	}
	if !strings.HasPrefix(baseURL, "http://127.0.0.1:") {
		t.Fatalf("first line of ecpay-sim = %q, want its base URL", baseURL)
	}

	cancel := func() (batch.Result, int) {
		out := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", baseURL, "--tsr", "E2E0001"}})
		results := parseResults(t, out.stdout)
		if len(results) != 1 {
			t.Fatalf("%d result lines: %s", len(results), out.stdout)
		}
		return results[0], out.code
	}
	first, code := cancel()
	if code != 0 || !first.OK || first.RtnCode == nil || *first.RtnCode != 1 {
		t.Fatalf("first cancel: exit %d, %+v", code, first)
	}
	second, code := cancel()
	if code != 1 || second.OK || second.Error == nil || second.Error.Kind != "api" {
		t.Errorf("second cancel: exit %d, %+v; want an api refusal with exit 1", code, second)
	}

	resp, err := http.Get(baseURL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state ecpaysim.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	if len(state.Invoices) != 1 || state.Invoices[0].Status != ecpaysim.StatusCancelled || state.Invoices[0].CancelRequests != 2 {
		t.Errorf("simulator state = %+v, want E2E0001 cancelled after 2 requests", state)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Errorf("ecpay-sim after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("ecpay-sim did not stop on SIGTERM")
	}
}
