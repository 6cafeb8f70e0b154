package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/wrapper"
)

// issueData returns ECPay's SDK example of Issue (testdata/sdk-examples)
// as one line of an issue batch, with relateNumber.
func issueData(t testing.TB, relateNumber string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	delete(data, "MerchantID") // the client's
	data["RelateNumber"] = relateNumber
	line, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return string(line)
}

// issueFile writes the issue batch of n invoices whose RelateNumbers
// start with prefix, and returns its path and the RelateNumbers.
func issueFile(t testing.TB, prefix string, n int) (string, []string) {
	t.Helper()
	keys := tsrList(prefix, n)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(issueData(t, k) + "\n")
	}
	path := filepath.Join(t.TempDir(), "invoices.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, keys
}

// issued counts, per RelateNumber, the Issue requests the simulator
// answered with success: the invoices it issued, whether the answer
// reached the batch or not.
func issued(sim *ecpaysimtest.Server) map[string]int {
	counts := map[string]int{}
	for _, r := range sim.Requests() {
		if d, ok := r.Data.(*issue.RequestData); ok && r.Operation == "Issue" && r.Answer.RtnCode == wrapper.RtnCodeOK {
			counts[d.RelateNumber]++
		}
	}
	return counts
}

// byKey indexes results by their key, failing on a key given twice.
func byKey(t *testing.T, results []batch.Result) map[string]batch.Result {
	t.Helper()
	return byTsr(t, results)
}

// assertIssuedOnce checks that every RelateNumber of keys was issued once
// by sim, as its requests and its book of invoices both say, and has its
// invoice's number, date and random number in the results file out.
func assertIssuedOnce(t *testing.T, sim *ecpaysimtest.Server, out string, keys []string) {
	t.Helper()
	counts := issued(sim)
	book := map[string][]ecpaysim.IssuedInvoice{}
	for _, inv := range sim.IssuedInvoices(ecpaysim.StageMerchantID) {
		book[inv.RelateNumber] = append(book[inv.RelateNumber], inv)
	}
	_, results := journalLines(t, out)
	final := byKey(t, results)
	numbers := map[string]string{}
	for _, k := range keys {
		if counts[k] != 1 || len(book[k]) != 1 {
			t.Errorf("%s was issued %d times (%d in the book)", k, counts[k], len(book[k]))
		} else if inv, r := book[k][0], final[k]; r.InvoiceNo != inv.InvoiceNo || r.RandomNumber != inv.RandomNumber || r.InvoiceDate != inv.InvoiceDate.Format("2006-01-02 15:04:05") {
			t.Errorf("%s: the results file says %+v, the simulator issued %s of %s, random number %s", k, r.Issued, inv.InvoiceNo, inv.InvoiceDate, inv.RandomNumber)
		}
		r, ok := final[k]
		switch {
		case !ok:
			t.Errorf("%s has no result in %s", k, out)
		case !r.OK || r.InvoiceNo == "":
			t.Errorf("%s: %+v, want a success with its InvoiceNo", k, r)
		case numbers[r.InvoiceNo] != "":
			t.Errorf("%s and %s have the same InvoiceNo %s", k, numbers[r.InvoiceNo], r.InvoiceNo)
		}
		numbers[r.InvoiceNo] = k
	}
	if len(final) != len(keys) {
		t.Errorf("%s holds %d results, want %d", out, len(final), len(keys))
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("contract violations: %v", v)
	}
}

func TestIssueBatch(t *testing.T) {
	sim := newSim(t)
	good := []string{issueData(t, "OK1"), issueData(t, "OK2")}
	broken := strings.Replace(issueData(t, "SUM"), `"SalesAmount":32`, `"SalesAmount":33`, 1)
	input := writeFile(t, "invoices.jsonl", strings.Join([]string{
		good[0],
		"",
		"# a comment",
		"not json",
		`{"Print":"0"}`,
		broken,
		good[0],
		`{"RelateNumber":"ODD","Frobnicate":1}`,
		good[1],
	}, "\n")+"\n")
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"issue", "--base-url", sim.URL, "--rate", "0", "--file", input, "--out", out}
	run := runBinary(t, invocation{args: args})
	if run.code != exitInvalid {
		t.Fatalf("exit status %d, want 2; stderr:\n%s", run.code, run.stderr)
	}
	got := parseResults(t, run.stdout)
	want := map[string]string{
		"OK1":            "",
		"OK2":            "",
		"\ufffd(line 4)": "line 4 of " + input + " is not a JSON object",
		"\ufffd(line 5)": "line 5 of " + input + " has no RelateNumber",
		"SUM":            "line 6 of " + input + ": ecpay: Issue: invalid request, nothing was sent: SalesAmount is not the sum",
		"ODD":            "line 8 of " + input + ": ecpay: Issue: invalid request",
	}
	seen := map[string]bool{}
	for _, r := range got {
		if r.KeyMember != "relate_number" {
			t.Errorf("a line names its key %q, want relate_number", r.KeyMember)
		}
		if r.Outcome == batch.OutcomeDuplicate {
			if r.Key != "OK1" || !strings.Contains(r.Error.Message, "line 7 of "+input+" repeats the RelateNumber of line 1") {
				t.Errorf("duplicate %+v %+v", r, r.Error)
			}
			continue
		}
		msg, ok := want[r.Key]
		seen[r.Key] = true
		switch {
		case !ok:
			t.Errorf("unexpected result %+v", r)
		case msg == "" && (!r.OK || !strings.HasPrefix(r.InvoiceNo, "") || r.InvoiceNo == ""):
			t.Errorf("%s: %+v, want an invoice", r.Key, r)
		case msg != "" && (r.OK || r.Error.Kind != wrapper.KindValidation || !strings.HasPrefix(r.Error.Message, msg)):
			t.Errorf("%s: %+v, want a refusal starting %q", r.Key, r.Error, msg)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("results for %v, want %d keys", seen, len(want))
	}
	if n := len(sim.Requests()); n != 2 {
		t.Errorf("the simulator got %d requests, want 2: a line refused is not sent", n)
	}
	if !strings.Contains(run.stderr, "7 RelateNumbers: 2 ok, 4 failed, 0 skipped, 1 duplicates") {
		t.Errorf("summary:\n%s", run.stderr)
	}
	// A rerun sends nothing: every line is settled.
	rerun := runBinary(t, invocation{args: args})
	if rerun.code != exitInvalid || len(sim.Requests()) != 2 {
		t.Errorf("rerun: exit status %d, %d requests in all; stderr:\n%s", rerun.code, len(sim.Requests()), rerun.stderr)
	}
	if !strings.Contains(rerun.stderr, "6 skipped") {
		t.Errorf("rerun summary:\n%s", rerun.stderr)
	}
}

func TestIssueNeedsAFile(t *testing.T) {
	r, _ := cliEnvRun(t, nil, "", "issue", "--base-url", "http://127.0.0.1:1")
	if r.Code != exitInvalid || !strings.Contains(r.Stderr, "give --file (- for stdin): one Issue request Data per line") {
		t.Errorf("exit status %d, stderr %q", r.Code, r.Stderr)
	}
	r, _ = cliEnvRun(t, nil, "", "Issue")
	if r.Code != exitInvalid || !strings.Contains(r.Stderr, "the batch subcommand of Issue is issue") {
		t.Errorf("exit status %d, stderr %q", r.Code, r.Stderr)
	}
}

// holdAnswers serves sim's API on a server of its own that answers the
// first pass requests; each later one is served by the simulator, its work
// done, and its answer held until the client goes away: a batch killed
// then leaves invoices issued whose answers it never saw. After Release,
// every request is answered.
type holdAnswers struct {
	URL     string
	Passed  <-chan struct{} // closed once pass requests are answered
	Holding <-chan struct{} // closed once a later one is done and held

	released atomic.Bool
	held     sync.WaitGroup // the requests held
}

// Release answers every later request, once the requests held are over
// (their client gone): the simulator has then done all it will do for the
// batch that sent them.
func (h *holdAnswers) Release() {
	h.held.Wait()
	h.released.Store(true)
}

func newHoldAnswers(t *testing.T, sim *ecpaysimtest.Server, pass int64) *holdAnswers {
	t.Helper()
	passed, holding := make(chan struct{}), make(chan struct{})
	var arrived, answered atomic.Int64
	var holdOnce sync.Once
	api := sim.Handler()
	h := &holdAnswers{Passed: passed, Holding: holding}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) > pass && !h.released.Load() {
			h.held.Add(1)
			defer h.held.Done()
			api.ServeHTTP(httptest.NewRecorder(), r)
			holdOnce.Do(func() { close(holding) })
			<-r.Context().Done()
			return
		}
		api.ServeHTTP(w, r)
		if answered.Add(1) == pass {
			close(passed)
		}
	}))
	t.Cleanup(hs.Close)
	h.URL = hs.URL
	return h
}

// SIGKILL while invoices are issued but their answers held: the rerun
// settles each by GetIssue and issues none twice.
func TestIssueResumeAfterKill(t *testing.T) {
	const n = 200
	sim := newSim(t)
	input, keys := issueFile(t, "KILL", n)
	h := newHoldAnswers(t, sim, n/4)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"issue", "--base-url", h.URL, "--rate", "0", "--concurrency", "4", "--file", input, "--out", out}

	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := exited(cmd)
	for _, ch := range []<-chan struct{}{h.Passed, h.Holding} {
		select {
		case <-ch:
		case <-ended:
			t.Fatalf("the batch ended before the kill: %v", cmd.ProcessState)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-ended
	h.Release()

	_, results := journalLines(t, out)
	done := issued(sim)
	lost := 0
	answered := map[string]bool{}
	for _, r := range results {
		answered[r.Key] = true
	}
	for k := range done {
		if !answered[k] {
			lost++
		}
	}
	if len(results) >= n || lost == 0 {
		t.Fatalf("after the kill: %d results, %d invoices issued unanswered; want fewer than %d and some", len(results), lost, n)
	}
	t.Logf("killed after %d results with %d invoices issued and unanswered", len(results), lost)

	rerun := runBinary(t, invocation{args: args})
	if rerun.code != exitOK {
		t.Fatalf("rerun: exit status %d; stderr:\n%s", rerun.code, rerun.stderr)
	}
	settled := 0
	for _, r := range parseResults(t, rerun.stdout) {
		if r.Outcome == batch.OutcomeIssuedEarlier {
			settled++
			if done[r.Key] != 1 {
				t.Errorf("%s settled as issued earlier, issued %d times before the rerun", r.Key, done[r.Key])
			}
		}
	}
	if settled != lost {
		t.Errorf("rerun settled %d by GetIssue, want the %d issued unanswered", settled, lost)
	}
	assertIssuedOnce(t, sim, out, keys)
}

// An answer lost after the invoice was issued (a broken connection, an
// answer that does not decode) is settled by GetIssue in the same run, and
// the invoice is not issued again; one lost before (a refused
// dial is another test's) is sent again once GetIssue finds nothing.
func TestIssueSettlesALostAnswer(t *testing.T) {
	tests := map[string]struct {
		fault   ecpaysim.Fault
		outcome string
		resent  bool
	}{
		"the connection closed after the work": {ecpaysim.Fault{LoseAnswer: true}, batch.OutcomeIssuedEarlier, false},
		"a garbled answer, nothing done":       {ecpaysim.Fault{MalformedBody: `{"TransCode":`}, "", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			input, keys := issueFile(t, "LOST", 3)
			if err := sim.InjectNext(tt.fault); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "results.jsonl")
			run := runBinary(t, invocation{args: []string{"issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "1", "--file", input, "--out", out}})
			if run.code != exitOK {
				t.Fatalf("exit status %d; stderr:\n%s", run.code, run.stderr)
			}
			first := parseResults(t, run.stdout)[0]
			if first.Key != keys[0] || first.Outcome != tt.outcome || first.Resent != tt.resent || !first.OK || first.InvoiceNo == "" {
				t.Errorf("the first line %+v, want outcome %q resent %t with an InvoiceNo", first, tt.outcome, tt.resent)
			}
			lookups := 0
			for _, r := range sim.Requests() {
				if r.Operation == "GetIssue" {
					lookups++
				}
			}
			if lookups != 1 {
				t.Errorf("%d GetIssue requests, want 1", lookups)
			}
			assertIssuedOnce(t, sim, out, keys)
		})
	}
}

// A rerun after a journal that says an Issue went out unanswered asks
// GetIssue first: an invoice found is not issued again; one not found is.
func TestIssueRerunSettlesByGetIssue(t *testing.T) {
	sim := newSim(t)
	if _, err := sim.Client.Call(t.Context(), "Issue", json.RawMessage(issueData(t, "DONE"))); err != nil {
		t.Fatal(err)
	}
	out := writeJournal(t, "Issue", sim.URL, nil, []string{
		`{"relate_number":"DONE","sending":true}`,
		`{"relate_number":"NEVER","sending":true}`,
	})
	var in bytes.Buffer
	for _, k := range []string{"DONE", "NEVER", "FRESH"} {
		fmt.Fprintln(&in, issueData(t, k))
	}
	run := runBinary(t, invocation{args: []string{"issue", "--base-url", sim.URL, "--rate", "0", "--file", "-", "--out", out}, stdin: in.String()})
	if run.code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", run.code, run.stderr)
	}
	got := byKey(t, parseResults(t, run.stdout))
	if r := got["DONE"]; r.Outcome != batch.OutcomeIssuedEarlier || r.Resent || r.InvoiceNo == "" {
		t.Errorf("DONE: %+v", r)
	}
	if r := got["NEVER"]; r.Outcome != "" || !r.Resent || !r.OK || r.InvoiceNo == "" {
		t.Errorf("NEVER: %+v", r)
	}
	if r := got["FRESH"]; r.Outcome != "" || r.Resent || !r.OK {
		t.Errorf("FRESH: %+v", r)
	}
	assertIssuedOnce(t, sim, out, []string{"DONE", "NEVER", "FRESH"})
}
