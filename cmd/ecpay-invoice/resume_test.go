package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

// journalLines reads an --out file and its journal: the journal must
// start with its header and hold intents and unsettled results only, the
// results file final results only, each line as stdout prints it.
func journalLines(t *testing.T, path string) (intents []string, results []batch.Result) {
	t.Helper()
	results = parseResults(t, readString(t, path))
	for _, r := range results {
		if !r.Final() || r.Skipped {
			t.Errorf("%s holds a line that is not a final result: %+v", path, r)
		}
	}
	lines := strings.Split(strings.TrimSuffix(readString(t, path+batch.JournalSuffix), "\n"), "\n")
	if _, ok := batch.ParseHeader([]byte(lines[0])); !ok {
		t.Fatalf("%s starts with %q, not a header", path+batch.JournalSuffix, lines[0])
	}
	for _, line := range lines[1:] {
		var rec batch.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%s: line %q: %v", path+batch.JournalSuffix, line, err)
		}
		if rec.Sending {
			intents = append(intents, rec.Key)
		} else if _, final := rec.IsResult(); final {
			t.Errorf("%s holds a final result: %s", path+batch.JournalSuffix, line)
		}
	}
	return intents, results
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeJournal writes an --out file of the stage merchant's tgt at url:
// results, and a journal of the header and records.
func writeJournal(t *testing.T, operation, url string, results, records []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.jsonl")
	tgt := batch.Target{Operation: operation, BaseURL: url, MerchantID: wrapper.StageMerchantID}
	join := func(lines []string) string {
		if len(lines) == 0 {
			return ""
		}
		return strings.Join(lines, "\n") + "\n"
	}
	if err := os.WriteFile(path, []byte(join(results)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+batch.JournalSuffix, []byte(testHeader(tgt, path)+join(records)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResumeAfterKill(t *testing.T) {
	const n, concurrency = 200, 4
	tsrs := tsrList("KILL", n)
	sim := newSim(t, tsrs...)
	// A quarter of the batch is answered, then the calls are held until
	// the kill: the batch is killed midway with calls in flight, however
	// loaded the machine.
	g := newGate(t, sim, n/4)
	dir := t.TempDir()
	input := writeFile(t, "tsrs.txt", strings.Join(tsrs, "\n")+"\n")
	out := filepath.Join(dir, "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", g.URL, "--rate", "0", "--concurrency", "4", "--file", input, "--out", out}

	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := exited(cmd)
	if !g.wait(ended) {
		t.Fatalf("the batch ended before a quarter was answered: %v", cmd.ProcessState)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-ended
	g.Release()

	intents, results := journalLines(t, out)
	answered := map[string]bool{}
	for _, r := range results {
		answered[r.Key] = true
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
		if r.Final() {
			final[r.Key]++
		}
		if r.Resent {
			resent[r.Key] = true
			if !inFlight[r.Key] {
				t.Errorf("%s is marked resent but was not in flight at the kill", r.Key)
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
	// answer: its intent is the last thing the files say of it.
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "DONE"}); err != nil {
		t.Fatal(err)
	}
	out := writeJournal(t, "CancelDelayIssue", sim.URL, []string{
		`{"tsr":"SKIP","ok":true,"rtn_code":1,"rtn_msg":"取消開立發票成功"}`,
	}, []string{
		`{"tsr":"DONE","sending":true}`,
		`{"tsr":"INFLIGHT","sending":true}`,
		`{"tsr":"SKIP","sending":true}`,
		`{"tsr":"NOTSENT","sending":true}`,
		`{"tsr":"NOTSENT","ok":false,"error":{"kind":"transport","message":"connection refused"}}`,
		`{"tsr":"MAYBE","sending":true}`,
		`{"tsr":"MAYBE","ok":false,"error":{"kind":"transport","message":"timeout","maybe_sent":true}}`,
		`{"tsr":"TORN","sending":true}`,
		`{"tsr":"TORN","ok":fa`,
	})
	// The torn line has no "\n".
	if err := os.WriteFile(out+batch.JournalSuffix, []byte(strings.TrimSuffix(readString(t, out+batch.JournalSuffix), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--out", out,
		"--tsr", "DONE", "--tsr", "INFLIGHT", "--tsr", "SKIP", "--tsr", "NOTSENT", "--tsr", "MAYBE", "--tsr", "TORN"}
	rerun := runBinary(t, invocation{args: args})
	if rerun.code != exitOK {
		t.Errorf("exit status %d, want %d (DONE was probably done earlier, which is no failure); stderr:\n%s", rerun.code, exitOK, rerun.stderr)
	}
	if !strings.Contains(rerun.stderr, "dropped a torn last line") {
		t.Errorf("stderr does not mention the torn line:\n%s", rerun.stderr)
	}
	if !strings.Contains(rerun.stderr, "1 probably done earlier") {
		t.Errorf("the summary does not count the probable earlier success:\n%s", rerun.stderr)
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
	if r := got["DONE"]; r.Outcome != batch.OutcomeProbablyDoneEarlier || r.Error == nil || r.Error.Kind != wrapper.KindAPI || r.RtnCode == nil || *r.RtnCode != wrapper.RtnCodeNoUpdatableTsr {
		t.Errorf("DONE: got %+v, want the refusal as probably done earlier", r)
	}
	if sim.Cancelled(ecpaysim.StageMerchantID, "SKIP") {
		t.Error("SKIP was sent although the file settles it")
	}
	_, results := journalLines(t, out) // every line parses: the torn one is gone
	if len(results) != len(want) {
		t.Errorf("the results file holds %d results, want %d", len(results), len(want))
	}

	// A third run finds everything settled and sends nothing; the results
	// file does not grow.
	before, size := len(sim.Requests()), len(readString(t, out))
	again := runBinary(t, invocation{args: args})
	if again.code != exitOK || len(sim.Requests()) != before {
		t.Errorf("third run: exit status %d, %d new requests", again.code, len(sim.Requests())-before)
	}
	for _, r := range parseResults(t, again.stdout) {
		if !r.Skipped {
			t.Errorf("third run did not skip %s", r.Key)
		}
	}
	if n := len(readString(t, out)); n != size {
		t.Errorf("the results file grew from %d to %d bytes on a run that sent nothing", size, n)
	}
}

func TestResumeNotProbablyDoneWithoutALostAnswer(t *testing.T) {
	// A refusal of a Tsr that was never sent before is a failure.
	sim := newSim(t)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	res := runBinary(t, invocation{args: []string{"trigger-issue", "--base-url", sim.URL, "--out", out, "--tsr", "NEVER"}})
	r := parseResults(t, res.stdout)
	if res.code != exitRefused || len(r) != 1 || r[0].Outcome != "" || r[0].RtnCode == nil || *r[0].RtnCode != wrapper.RtnCodeUnknownTsr {
		t.Errorf("exit status %d, %+v", res.code, r)
	}
}

func TestResumeRefusesAnotherTarget(t *testing.T) {
	sim := newSim(t, "T1")
	other := newSim(t, "T1")
	out := filepath.Join(t.TempDir(), "results.jsonl")
	first := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--out", out, "--tsr", "T1"}})
	if first.code != exitOK {
		t.Fatalf("first run: exit status %d: %s", first.code, first.stderr)
	}
	env := []string{"ECPAY_MERCHANT_ID=" + otherMerchantID, "ECPAY_HASH_KEY=" + otherHashKey, "ECPAY_HASH_IV=" + otherHashIV}
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"another base URL", []string{"cancel-delay-issue", "--base-url", other.URL}, nil, other.URL},
		{"production", []string{"cancel-delay-issue", "--env", "prod"}, env, "--env prod (" + wrapper.ProductionURL + ")"},
		{"another merchant", []string{"cancel-delay-issue", "--base-url", sim.URL}, env, "merchant " + otherMerchantID},
		{"a platform", []string{"cancel-delay-issue", "--base-url", sim.URL, "--platform-id", "P1"}, nil, "platform P1"},
		{"another operation", []string{"trigger-issue", "--base-url", sim.URL}, nil, "TriggerIssue on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runBinary(t, invocation{args: append(tt.args, "--out", out, "--tsr", "T1"), env: tt.env})
			if res.code != exitInvalid || res.stdout != "" {
				t.Errorf("exit status %d, stdout %q; want 2 and nothing", res.code, res.stdout)
			}
			for _, want := range []string{"CancelDelayIssue on " + sim.URL + " for merchant " + wrapper.StageMerchantID, tt.want} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q: %s", want, res.stderr)
				}
			}
		})
	}
	if st, _ := other.Status(wrapper.StageMerchantID, "T1"); st != ecpaysim.StatusPending {
		t.Errorf("the other simulator's T1 is %s", st)
	}
}

func TestResumeAdoptsAnEarlierVersionsFile(t *testing.T) {
	sim := newSim(t, "OLD-DONE", "OLD-INFLIGHT", "NEW")
	if _, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "OLD-DONE"}); err != nil {
		t.Fatal(err)
	}
	// The previous version's --out: intents and results in one file.
	old := strings.Join([]string{
		`{"tsr":"OLD-DONE","sending":true}`,
		`{"tsr":"OLD-DONE","ok":true,"rtn_code":1,"rtn_msg":"取消開立發票成功"}`,
		`{"tsr":"OLD-INFLIGHT","sending":true}`,
	}, "\n") + "\n"
	out := writeFile(t, "results.jsonl", old)
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--out", out, "--tsr", "OLD-DONE", "--tsr", "OLD-INFLIGHT", "--tsr", "NEW"}
	refused := runBinary(t, invocation{args: args})
	if refused.code != exitInvalid || !strings.Contains(refused.stderr, "--adopt") || !strings.Contains(refused.stderr, "has no journal") {
		t.Fatalf("without --adopt: exit status %d, stderr %s", refused.code, refused.stderr)
	}
	if len(sim.Requests()) != 1 || readString(t, out) != old {
		t.Fatal("the refused run sent something or changed the file")
	}
	if _, err := os.Stat(out + batch.JournalSuffix); err == nil {
		t.Error("the refused run left a journal behind")
	}
	adopted := runBinary(t, invocation{args: append(args, "--adopt")})
	if adopted.code != exitOK || !strings.Contains(adopted.stderr, "adopted") {
		t.Fatalf("with --adopt: exit status %d, stderr %s", adopted.code, adopted.stderr)
	}
	got := byTsr(t, parseResults(t, adopted.stdout))
	if !got["OLD-DONE"].Skipped || !got["OLD-INFLIGHT"].Resent || !got["NEW"].OK || got["NEW"].Resent {
		t.Errorf("after adopting: %+v", got)
	}
	_, results := journalLines(t, out)
	if len(results) != 3 {
		t.Errorf("the results file holds %d results, want 3", len(results))
	}
	again := runBinary(t, invocation{args: append(args, "--adopt")})
	if again.code != exitInvalid || !strings.Contains(again.stderr, "has one") {
		t.Errorf("--adopt with a journal: exit status %d, stderr %s", again.code, again.stderr)
	}
}

func TestResumeRefusesASecondRunOnTheSameFile(t *testing.T) {
	sim := newSim(t, "L1")
	// The first run's call is held until the second run is over: the first
	// run holds the file all that time, however loaded the machine.
	g := newGate(t, sim, 0)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", g.URL, "--out", out, "--tsr", "L1"}
	first := exec.Command(binary, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	ended := exited(first)
	if !g.wait(ended) {
		t.Fatalf("the first run ended before sending: %v", first.ProcessState)
	}
	second := runBinary(t, invocation{args: args})
	if second.code != exitInvalid || !strings.Contains(second.stderr, "in use by another run") {
		t.Errorf("second run: exit status %d, stderr %s", second.code, second.stderr)
	}
	g.Release()
	<-ended
	if code := first.ProcessState.ExitCode(); code != exitOK {
		t.Errorf("first run: exit status %d", code)
	}
}

func TestInterruptLetsCallsInFlightFinish(t *testing.T) {
	for _, tt := range []struct {
		sig        syscall.Signal
		say, never string
	}{
		{syscall.SIGINT, "Ctrl-C again to quit now", "SIGTERM"},
		{syscall.SIGTERM, "stopped by SIGTERM", "Ctrl-C"},
	} {
		t.Run(batch.SignalName(tt.sig), func(t *testing.T) { testInterrupt(t, tt.sig, tt.say, tt.never) })
	}
}

func testInterrupt(t *testing.T, sig syscall.Signal, say, never string) {
	const n = 40
	tsrs := tsrList("INT", n)
	sim := newSim(t, tsrs...)
	// Three calls are answered, then the calls are held until the signal:
	// it comes with calls in flight, however loaded the machine.
	g := newGate(t, sim, 3)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", g.URL, "--rate", "0", "--concurrency", "3", "--file", "-", "--out", out}
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(strings.Join(tsrs, "\n"))
	var stdout strings.Builder
	var stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := exited(cmd)
	if !g.wait(ended) {
		t.Fatalf("the batch ended before its first results: %v; stderr:\n%s", cmd.ProcessState, stderr.String())
	}
	stopped := stderr.Written("sending no more requests")
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	// The calls in flight are answered only now, once the batch has taken
	// the signal (it says so): however loaded the machine, it sends nothing
	// more.
	select {
	case <-stopped:
	case <-ended:
	}
	g.Release()
	<-ended
	assertClean(t, stdout.String(), stderr.String())
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") || !strings.Contains(stderr.String(), say) || strings.Contains(stderr.String(), never) {
		t.Errorf("stderr does not say it was interrupted with %q and without %q:\n%s", say, never, stderr.String())
	}
	intents, results := journalLines(t, out)
	if len(results) >= n {
		t.Fatalf("all %d Tsrs done before the interrupt", n)
	}
	answered := map[string]bool{}
	for _, r := range results {
		answered[r.Key] = true
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
			t.Errorf("%s resent after a clean interrupt", r.Key)
		}
	}
	for _, inv := range sim.Invoices() {
		if inv.Status != ecpaysim.StatusCancelled || inv.CancelRequests != 1 {
			t.Errorf("%+v", inv)
		}
	}
}

func TestResultsFileHoldsExactlyTheLinesStdoutPrints(t *testing.T) {
	sim := newSim(t, "R1", "R2", "R3")
	long := strings.Repeat("Y", 31)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "1", "--out", out,
		"--tsr", "R1", "--tsr", "R2", "--tsr", long, "--tsr", "R3", "--tsr", "UNKNOWN"}
	// R2 meets an HTTP 503, which settles nothing: a rerun sends it again.
	if err := sim.InjectNext(ecpaysim.Fault{}, ecpaysim.Fault{HTTPStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	first := runBinary(t, invocation{args: args})
	if first.code != exitFailure {
		t.Errorf("first run: exit status %d, want %d", first.code, exitFailure)
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(first.stdout, "\n") {
		if line != "" && !strings.Contains(line, `"tsr":"R2"`) {
			want.WriteString(line)
		}
	}
	if got := readString(t, out); got != want.String() {
		t.Errorf("after the first run the results file holds\n%s\nwant the final lines of stdout\n%s", got, want.String())
	}
	second := runBinary(t, invocation{args: args})
	if second.code != exitInvalid {
		t.Errorf("second run: exit status %d, want %d", second.code, exitInvalid)
	}
	for _, line := range strings.SplitAfter(second.stdout, "\n") {
		if strings.Contains(line, `"tsr":"R2"`) {
			want.WriteString(line)
		}
	}
	if got := readString(t, out); got != want.String() {
		t.Errorf("after the rerun the results file holds\n%s\nwant\n%s", got, want.String())
	}
	if got := byTsr(t, parseResults(t, readString(t, out))); len(got) != 5 {
		t.Errorf("the results file holds %d Tsrs, want 5", len(got))
	}
	if info, err := os.Stat(out + batch.JournalSuffix); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the journal: %v, mode %v; want 0600", err, info.Mode())
	}
}
