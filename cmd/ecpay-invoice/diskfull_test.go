package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// runLimited runs the built command with the file-size limit fsize
// (RLIMIT_FSIZE, through prlimit), so that writing the results file or the
// journal past it fails as a full disk does: with a short write, then EFBIG.
func runLimited(t *testing.T, fsize int, args ...string) outcome {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("needs prlimit(1) to limit the size of the files the command writes")
	}
	cmd := exec.Command(prlimit, append([]string{"--fsize=" + strconv.Itoa(fsize), binary}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	assertClean(t, stdout.String(), stderr.String())
	return outcome{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// unwrittenTsrs reads the Tsrs the command names as on stdout only.
func unwrittenTsrs(t *testing.T, stderr string) map[string]bool {
	t.Helper()
	m := regexp.MustCompile(`(\d+) answered Tsrs are on stdout but not in \S+: (.*); their intents`).FindStringSubmatch(stderr)
	if m == nil {
		return nil
	}
	out := map[string]bool{}
	for _, q := range strings.Split(m[2], ", ") {
		tsr, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("unquoting %s: %v", q, err)
		}
		out[tsr] = true
	}
	if n, _ := strconv.Atoi(m[1]); n != len(out) {
		t.Errorf("stderr says %s Tsrs and lists %d", m[1], len(out))
	}
	return out
}

func TestResultsFileCannotBeWritten(t *testing.T) {
	const n = 400
	tsrs := tsrList("FULL", n)
	tests := []struct {
		name string
		// journalPadding fills the journal so that it, not the
		// results file, reaches the limit first.
		journalPadding int
		failing        string // the file named in the error
	}{
		{name: "the results file", failing: "results.jsonl:"},
		{name: "the journal", journalPadding: 15_000, failing: "results.jsonl.journal:"},
	}
	const limit = 16_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tsrs...)
			input := writeFile(t, "tsrs.txt", strings.Join(tsrs, "\n")+"\n")
			out := filepath.Join(t.TempDir(), "results.jsonl")
			if tt.journalPadding > 0 {
				var pad []string
				for i := 0; len(strings.Join(pad, "\n")) < tt.journalPadding; i++ {
					pad = append(pad, fmt.Sprintf(`{"tsr":"PAD%06d","sending":true}`, i))
					pad = append(pad, fmt.Sprintf(`{"tsr":"PAD%06d","ok":false,"error":{"kind":"http","message":"m"},"http_status":503}`, i))
				}
				out = writeJournal(t, "CancelDelayIssue", sim.URL, nil, pad)
			}
			args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "4", "--file", input, "--out", out}
			res := runLimited(t, limit, args...)
			if res.code != exitFailure {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", res.code, exitFailure, res.stderr)
			}
			if !strings.Contains(res.stderr, "stopped: writing") || !strings.Contains(res.stderr, tt.failing) || !strings.Contains(res.stderr, "file too large") {
				t.Errorf("stderr does not say which file could not be written:\n%s", res.stderr)
			}
			printed := parseResults(t, res.stdout)
			if len(printed) == 0 || len(printed) >= n {
				t.Fatalf("%d results printed, want some but not all", len(printed))
			}
			// Sending stopped at once: every request that went out was
			// answered on stdout, and the batch did not go on.
			if got := len(sim.Requests()); got != len(printed) {
				t.Errorf("%d requests for %d results on stdout", got, len(printed))
			}
			// Every answered Tsr is in the results file or named on
			// stderr, not both.
			inFile := map[string]bool{}
			for _, r := range parseResults(t, wholeLines(readString(t, out))) {
				inFile[r.Key] = true
			}
			named := unwrittenTsrs(t, res.stderr)
			for _, r := range printed {
				if inFile[r.Key] == named[r.Key] {
					t.Errorf("%s: in the results file %t, named as missing %t", r.Key, inFile[r.Key], named[r.Key])
				}
			}
			if tt.journalPadding > 0 && len(named) > 0 {
				t.Errorf("the results file could be written, yet %d Tsrs are named as missing", len(named))
			}
			t.Logf("stopped after %d results, %d of them not in the results file", len(printed), len(named))

			// A rerun without the limit settles the rest, sends the
			// named ones again and cancels nothing twice.
			rerun := runBinary(t, invocation{args: args})
			if rerun.code != exitOK {
				t.Fatalf("rerun: exit status %d; stderr:\n%s", rerun.code, rerun.stderr)
			}
			final := map[string]int{}
			for _, r := range parseResults(t, readString(t, out)) {
				final[r.Key]++
			}
			for _, tsr := range tsrs {
				if final[tsr] != 1 {
					t.Errorf("%s has %d results in the file, want 1", tsr, final[tsr])
				}
			}
			for _, inv := range sim.Invoices() {
				if inv.Status != ecpaysim.StatusCancelled || inv.CancelRequests > 2 || (inv.CancelRequests == 2 && !named[inv.Tsr]) {
					t.Errorf("%+v", inv)
				}
			}
			if !sim.Cancelled(wrapper.StageMerchantID, tsrs[n-1]) {
				t.Error("the rerun did not finish the batch")
			}
		})
	}
}

// wholeLines drops a last line without its "\n", which a short write left.
func wholeLines(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[:i+1]
	}
	return ""
}
