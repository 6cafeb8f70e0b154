package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// journalLines reads the --out file: every line must be an intent or a
// result.
func journalLines(t *testing.T, path string) (intents []string, results []result) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec journalRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		if rec.Sending {
			intents = append(intents, rec.Tsr)
			continue
		}
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	return intents, results
}

// countFinal counts the lines of path that hold a final result.
func countFinal(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), `"ok":true`)
}

func TestResumeAfterKill(t *testing.T) {
	const n, concurrency = 200, 4
	tsrs := tsrList("KILL", n)
	sim := newSim(t, tsrs...)
	// Every answer is held back, so the batch is slow enough to kill
	// midway with calls in flight.
	faults := make([]ecpaysim.Fault, n)
	for i := range faults {
		faults[i] = ecpaysim.Fault{Delay: 30 * time.Millisecond}
	}
	if err := sim.InjectNext(faults...); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	input := writeFile(t, "tsrs.txt", strings.Join(tsrs, "\n")+"\n")
	out := filepath.Join(dir, "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "4", "--file", input, "--out", out}

	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a quarter of the batch", 20*time.Second, func() bool { return countFinal(out) >= n/4 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	intents, results := journalLines(t, out)
	answered := map[string]bool{}
	for _, r := range results {
		answered[r.Tsr] = true
	}
	inFlight := map[string]bool{}
	for _, tsr := range intents {
		if !answered[tsr] {
			inFlight[tsr] = true
		}
	}
	if len(results) >= n || len(inFlight) > concurrency {
		t.Fatalf("after the kill: %d results, %d in flight; want fewer than %d and at most %d", len(results), len(inFlight), n, concurrency)
	}
	t.Logf("killed after %d results with %d calls in flight", len(results), len(inFlight))

	rerun := runBinary(t, invocation{args: args})
	if rerun.code != exitOK && rerun.code != exitRefused {
		t.Fatalf("rerun: exit status %d; stderr:\n%s", rerun.code, rerun.stderr)
	}
	printed := byTsr(t, parseResults(t, rerun.stdout))
	if len(printed) != n {
		t.Errorf("rerun printed %d results, want %d", len(printed), n)
	}
	skipped := 0
	for tsr, r := range printed {
		if r.Skipped {
			skipped++
			if !answered[tsr] {
				t.Errorf("%s skipped without a result from the first run", tsr)
			}
		}
	}
	if skipped != len(results) {
		t.Errorf("rerun skipped %d, want the %d of the first run", skipped, len(results))
	}

	_, results = journalLines(t, out)
	final := map[string]int{}
	resent := map[string]bool{}
	for _, r := range results {
		if r.final() {
			final[r.Tsr]++
		}
		if r.Resent {
			resent[r.Tsr] = true
			if !inFlight[r.Tsr] {
				t.Errorf("%s is marked resent but was not in flight at the kill", r.Tsr)
			}
		}
	}
	for _, tsr := range tsrs {
		if final[tsr] != 1 {
			t.Errorf("%s has %d final results, want 1", tsr, final[tsr])
		}
	}
	if len(resent) > concurrency {
		t.Errorf("%d Tsrs resent, want at most %d", len(resent), concurrency)
	}
	for _, inv := range sim.Invoices() {
		if inv.Status != ecpaysim.StatusCancelled {
			t.Errorf("%s is %s", inv.Tsr, inv.Status)
		}
		if inv.CancelRequests != 1 && !(resent[inv.Tsr] && inv.CancelRequests == 2) {
			t.Errorf("%s saw %d cancel requests", inv.Tsr, inv.CancelRequests)
		}
	}
}

func TestResumeReadsEachKindOfRecord(t *testing.T) {
	sim := newSim(t, "DONE", "INFLIGHT", "SKIP", "NOTSENT", "MAYBE", "TORN")
	// DONE was cancelled by a run that was killed before it wrote the
	// answer: its intent is the last thing the file says of it.
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "DONE"}); err != nil {
		t.Fatal(err)
	}
	out := writeFile(t, "results.jsonl", strings.Join([]string{
		`{"tsr":"DONE","sending":true}`,
		`{"tsr":"INFLIGHT","sending":true}`,
		`{"tsr":"SKIP","sending":true}`,
		`{"tsr":"SKIP","ok":true,"rtn_code":1,"rtn_msg":"取消開立發票成功"}`,
		`{"tsr":"NOTSENT","sending":true}`,
		`{"tsr":"NOTSENT","ok":false,"error":{"kind":"transport","message":"connection refused"}}`,
		`{"tsr":"MAYBE","sending":true}`,
		`{"tsr":"MAYBE","ok":false,"error":{"kind":"transport","message":"timeout","maybe_sent":true}}`,
		`{"tsr":"TORN","sending":true}`,
		`{"tsr":"TORN","ok":tr`,
	}, "\n"))
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--out", out,
		"--tsr", "DONE", "--tsr", "INFLIGHT", "--tsr", "SKIP", "--tsr", "NOTSENT", "--tsr", "MAYBE", "--tsr", "TORN"}
	rerun := runBinary(t, invocation{args: args})
	if rerun.code != exitRefused {
		t.Errorf("exit status %d, want %d (DONE is refused)", rerun.code, exitRefused)
	}
	if !strings.Contains(rerun.stderr, "dropped a torn last line") {
		t.Errorf("stderr does not mention the torn line:\n%s", rerun.stderr)
	}
	got := byTsr(t, parseResults(t, rerun.stdout))
	want := map[string]struct{ ok, resent, skipped bool }{
		"DONE":     {ok: false, resent: true},
		"INFLIGHT": {ok: true, resent: true},
		"SKIP":     {ok: true, skipped: true},
		"NOTSENT":  {ok: true},
		"MAYBE":    {ok: true, resent: true},
		"TORN":     {ok: true, resent: true},
	}
	for tsr, w := range want {
		r := got[tsr]
		if r.OK != w.ok || r.Resent != w.resent || r.Skipped != w.skipped {
			t.Errorf("%s: got %+v, want %+v", tsr, r, w)
		}
	}
	if r := got["DONE"]; r.Error == nil || r.Error.Kind != kindAPI || r.RtnCode == nil || *r.RtnCode != ecpaysim.RtnCodeAlreadyCancelled {
		t.Errorf("DONE: got %+v, want the already-cancelled refusal", r)
	}
	if sim.Cancelled(ecpaysim.StageMerchantID, "SKIP") {
		t.Error("SKIP was sent although the file settles it")
	}
	journalLines(t, out) // every line parses: the torn one is gone

	// A third run finds everything settled and sends nothing.
	before := len(sim.Requests())
	again := runBinary(t, invocation{args: args})
	if again.code != exitRefused || len(sim.Requests()) != before {
		t.Errorf("third run: exit status %d, %d new requests", again.code, len(sim.Requests())-before)
	}
	for _, r := range parseResults(t, again.stdout) {
		if !r.Skipped {
			t.Errorf("third run did not skip %s", r.Tsr)
		}
	}
}

func TestResumeRefusesASecondRunOnTheSameFile(t *testing.T) {
	sim := newSim(t, "L1")
	if err := sim.InjectNext(ecpaysim.Fault{Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--out", out, "--tsr", "L1"}
	first := exec.Command(binary, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Process.Kill(); _ = first.Wait() })
	waitFor(t, "the first run's intent", 10*time.Second, func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), `"sending":true`)
	})
	second := runBinary(t, invocation{args: args})
	if second.code != exitInvalid || !strings.Contains(second.stderr, "in use by another run") {
		t.Errorf("second run: exit status %d, stderr %s", second.code, second.stderr)
	}
}

func TestInterruptLetsCallsInFlightFinish(t *testing.T) {
	const n = 40
	tsrs := tsrList("INT", n)
	sim := newSim(t, tsrs...)
	faults := make([]ecpaysim.Fault, n)
	for i := range faults {
		faults[i] = ecpaysim.Fault{Delay: 100 * time.Millisecond}
	}
	if err := sim.InjectNext(faults...); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "3", "--file", "-", "--out", out}
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(strings.Join(tsrs, "\n"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first results", 10*time.Second, func() bool { return countFinal(out) >= 3 })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	assertClean(t, stdout.String(), stderr.String())
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr.String())
	}
	intents, results := journalLines(t, out)
	if len(results) >= n {
		t.Fatalf("all %d Tsrs done before the interrupt", n)
	}
	answered := map[string]bool{}
	for _, r := range results {
		answered[r.Tsr] = true
	}
	for _, tsr := range intents {
		if !answered[tsr] {
			t.Errorf("%s was in flight at the interrupt and has no result", tsr)
		}
	}
	if got := len(parseResults(t, stdout.String())); got != len(results) {
		t.Errorf("stdout has %d results, the file %d", got, len(results))
	}

	rerun := runBinary(t, invocation{args: args, stdin: strings.Join(tsrs, "\n")})
	if rerun.code != exitOK {
		t.Errorf("rerun: exit status %d", rerun.code)
	}
	for _, r := range parseResults(t, rerun.stdout) {
		if r.Resent {
			t.Errorf("%s resent after a clean interrupt", r.Tsr)
		}
	}
	for _, inv := range sim.Invoices() {
		if inv.Status != ecpaysim.StatusCancelled || inv.CancelRequests != 1 {
			t.Errorf("%+v", inv)
		}
	}
}
