package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

// firstWrite is a writer that discards what it is given and closes written
// at the first write.
type firstWrite struct {
	written chan struct{}
	once    sync.Once
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.written) })
	return len(p), nil
}

// runInProcess runs the command line in this process, under the race
// detector when the tests are.
func runInProcess(ctx context.Context, t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut testkit.Buffer
	code = runWith(ctx, args, stdio{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
	assertClean(t, out.String(), errOut.String())
	return out.String(), errOut.String(), code
}

func TestBatchInProcess(t *testing.T) {
	const n = 300
	tsrs := tsrList("IP", n)
	sim := newSim(t, tsrs...)
	input := strings.Join(tsrs, "\n") + "\n" + strings.Repeat("Z", 31) + "\n"
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "8", "--file", "-", "--out", out}
	stdout, stderr, code := runInProcess(t.Context(), t, input, nil, args...)
	if code != exitInvalid {
		t.Fatalf("exit status %d, want %d (one invalid Tsr); stderr:\n%s", code, exitInvalid, stderr)
	}
	if got := len(byTsr(t, parseResults(t, stdout))); got != n+1 {
		t.Errorf("%d results, want %d", got, n+1)
	}
	stdout, _, code = runInProcess(t.Context(), t, input, nil, args...)
	if code != exitInvalid {
		t.Errorf("rerun: exit status %d, want %d", code, exitInvalid)
	}
	for _, r := range parseResults(t, stdout) {
		if !r.Skipped {
			t.Errorf("rerun did not skip %s", r.Key)
		}
	}
	if got := len(sim.Requests()); got != n {
		t.Errorf("the simulator saw %d requests, want %d", got, n)
	}
}

func TestBatchInProcessInterrupted(t *testing.T) {
	const n, pass, concurrency = 30, 5, 2
	tsrs := tsrList("IPI", n)
	sim := newSim(t, tsrs...)
	// The batch is interrupted once pass calls are answered and one more
	// is in flight, held until then: the point is reached by events, so a
	// loaded machine changes nothing.
	g := newGate(t, sim, pass)
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan struct{})
	go func() {
		if g.wait(ended) {
			cancel()
			g.Release()
		}
	}()
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", g.URL, "--rate", "0", "--concurrency", strconv.Itoa(concurrency), "--file", "-", "--out", out}
	stdout, stderr, code := runInProcess(ctx, t, strings.Join(tsrs, "\n"), nil, args...)
	close(ended)
	if code != exitInterrupted {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	done := len(parseResults(t, stdout))
	if done <= pass || done > pass+concurrency {
		t.Errorf("%d results, want the %d answered before the interrupt and the 1 to %d calls then in flight", done, pass, concurrency)
	}
	if got := len(sim.Requests()); got != done {
		t.Errorf("the simulator saw %d requests for %d results: a call in flight was dropped or one was sent after the interrupt", got, done)
	}
}

func TestOutMustBeARegularFile(t *testing.T) {
	for name, out := range map[string]string{"a device": os.DevNull, "a directory": t.TempDir()} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runInProcess(t.Context(), t, "", nil, "cancel-delay-issue", "--base-url", closedURL(t), "--out", out, "--tsr", "A")
			if code != exitInvalid || !strings.Contains(stderr, "not a regular file") {
				t.Errorf("exit status %d, stderr %s", code, stderr)
			}
		})
	}
}

func TestCodecInProcess(t *testing.T) {
	stdout, _, code := runInProcess(t.Context(), t, vectorPlaintext+"\n", nil, "encrypt")
	if code != exitOK || stdout != vectorData+"\n" {
		t.Errorf("encrypt: %d %q", code, stdout)
	}
	env := map[string]string{envMerchantID: otherMerchantID, envHashKey: otherHashKey, envHashIV: otherHashIV}
	enc, _, _ := runInProcess(t.Context(), t, "x\ny\n", env, "encrypt")
	stdout, _, code = runInProcess(t.Context(), t, enc, env, "decrypt")
	if code != exitOK || stdout != "x\ny\n" {
		t.Errorf("decrypt: %d %q", code, stdout)
	}
}

func TestLineCommandNoticesAnInterruptWhileStdinBlocks(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	codeCh := make(chan int, 1)
	out := &firstWrite{written: make(chan struct{})}
	go func() {
		codeCh <- runWith(ctx, []string{"encrypt"}, stdio{stdin: pr, stdout: out, stderr: io.Discard, getenv: func(string) string { return "" }})
	}()
	if _, err := pw.Write([]byte(vectorPlaintext + "\n")); err != nil {
		t.Fatal(err)
	}
	// The first line's Data is out: encrypt now blocks reading stdin.
	select {
	case <-out.written:
	case code := <-codeCh:
		t.Fatalf("encrypt ended with status %d before writing the first line's Data", code)
	}
	cancel()
	select {
	case code := <-codeCh:
		if code != exitInterrupted {
			t.Errorf("exit status %d, want %d", code, exitInterrupted)
		}
	case <-time.After(time.Minute):
		t.Fatal("encrypt did not stop at the interrupt")
	}
}

// testHeader is the journal header of tgt for the results file path.
func testHeader(tgt batch.Target, path string) string {
	return string(batch.HeaderLine(filepath.Base(path), tgt))
}
