package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
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
			t.Errorf("rerun did not skip %s", r.Tsr)
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

// testTarget is a target for journals opened by the tests themselves.
var testTarget = target{Operation: "CancelDelayIssue", BaseURL: "http://127.0.0.1:1", MerchantID: wrapper.StageMerchantID}

func TestJournalRefusesToSendAfterAWriteFailure(t *testing.T) {
	for _, broken := range []string{"results", "journal"} {
		t.Run(broken, func(t *testing.T) {
			j, err := openJournal(filepath.Join(t.TempDir(), "out.jsonl"), testTarget, false, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			failed := make(chan error, 1)
			j.onFail = func(err error) { failed <- err }
			if err := j.intent("A"); err != nil {
				t.Fatal(err)
			}
			// Every later write of the file fails.
			if broken == "results" {
				j.results.f.Close()
			} else {
				j.log.f.Close()
			}
			j.record([]byte(`{"tsr":"A","ok":true}`+"\n"), "A", true)
			if err := j.intent("B"); err == nil && broken == "journal" {
				t.Error("an intent was accepted although it could not be written")
			}
			if err := j.intent("C"); err == nil {
				t.Error("an intent was accepted after a write failure")
			}
			select {
			case <-failed:
			case <-time.After(5 * time.Second):
				t.Error("the failure was not reported")
			}
			unwritten, err := j.close()
			if err == nil {
				t.Error("close reported no error")
			}
			if want := broken == "results"; (len(unwritten) == 1 && unwritten[0] == "A") != want {
				t.Errorf("unwritten %q, want A listed: %t", unwritten, want)
			}
		})
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

func TestLineReader(t *testing.T) {
	tests := map[string]struct {
		input string
		max   int
		want  []string // "!" marks a line too long
	}{
		"LF":                      {"a\nb\n", 10, []string{"a", "b"}},
		"CRLF":                    {"a\r\nb\r\n", 10, []string{"a", "b"}},
		"no final newline":        {"a\nb", 10, []string{"a", "b"}},
		"lone CR stays":           {"a\rb\n", 10, []string{"a\rb"}},
		"empty lines":             {"\n\na\n", 10, []string{"", "", "a"}},
		"exactly max":             {"12345\n", 5, []string{"12345"}},
		"too long":                {"123456\nok\n", 5, []string{"!", "ok"}},
		"too long past a buffer":  {strings.Repeat("x", 200<<10) + "\nok", 100 << 10, []string{"!", "ok"}},
		"long within the maximum": {strings.Repeat("x", 200<<10) + "\n", 300 << 10, []string{strings.Repeat("x", 200<<10)}},
		"empty input":             {"", 10, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			lr := newLineReader(strings.NewReader(tt.input), tt.max)
			var got []string
			for {
				line, err := lr.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if lr.tooLong {
					got = append(got, "!")
				} else {
					got = append(got, string(line))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %.40q, want %.40q", got, tt.want)
			}
		})
	}
}

func TestJournalLoad(t *testing.T) {
	intent := func(tsr string) string { return `{"tsr":"` + tsr + `","sending":true}` + "\n" }
	tests := map[string]struct {
		results, journal string                  // the records after the header
		want             map[string]journalEntry // final is compared as set or not
		wantResults      string                  // the results file after opening, when set
		wantJournal      string                  // the journal's records after opening, when set
		warning          string
	}{
		"intent only": {
			journal:     intent("A"),
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantJournal: intent("A"),
		},
		"answered": {
			journal: intent("A"),
			results: `{"tsr":"A","ok":true,"rtn_code":1}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"refused is final": {
			results: `{"tsr":"A","ok":false,"error":{"kind":"api","message":"m"}}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"a probable earlier success is final": {
			results: `{"tsr":"A","ok":false,"error":{"kind":"api","message":"m"},"rtn_code":5070305,"outcome":"probably_done_earlier","resent":true}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"http failure is not final nor uncertain": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":403}` + "\n",
			want:    map[string]journalEntry{},
		},
		"timeout is uncertain": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"transport","message":"m","maybe_sent":true}}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}},
		},
		"uncertainty outlives a later clean failure": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"transport","message":"m","maybe_sent":true}}` + "\n" +
				intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":503}` + "\n",
			want: map[string]journalEntry{"A": {uncertain: true}},
		},
		"an unanswered intent before an answered one": {
			journal: intent("A") + intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":503}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}},
		},
		"torn journal tail dropped": {
			journal:     intent("A") + `{"tsr":"A","ok":fa`,
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantJournal: intent("A"),
			warning:     "dropped a torn last line (18 bytes)",
		},
		"torn results tail dropped": {
			journal:     intent("A"),
			results:     `{"tsr":"A","ok":tr`,
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantResults: "",
			warning:     "dropped a torn last line (18 bytes)",
		},
		"whole tail completed": {
			results:     `{"tsr":"A","ok":true}`,
			want:        map[string]journalEntry{"A": {final: 1}},
			wantResults: `{"tsr":"A","ok":true}` + "\n",
		},
		"zeros after a crash": {
			results:     `{"tsr":"A","ok":true}` + "\n\x00\x00\x00\x00",
			want:        map[string]journalEntry{"A": {final: 1}},
			wantResults: `{"tsr":"A","ok":true}` + "\n",
			warning:     "torn last line",
		},
		"garbage in the middle is ignored": {
			results: "not json\n" + `{"tsr":"A","ok":true}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
			warning: "line 1 is not a result or intent line",
		},
		"an earlier version's intent in the results file still counts": {
			results: intent("A") + intent("B") + `{"tsr":"B","ok":true}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}, "B": {final: 1}},
			warning: "2 lines are intent or unsettled lines",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			header := testHeader(testTarget, path)
			if err := os.WriteFile(path, []byte(tt.results), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+journalSuffix, []byte(header+tt.journal), 0o600); err != nil {
				t.Fatal(err)
			}
			var warn bytes.Buffer
			j, err := openJournal(path, testTarget, false, &warn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := j.close(); err != nil {
				t.Fatal(err)
			}
			if len(j.index) != len(tt.want) {
				t.Errorf("index %+v, want %+v", j.index, tt.want)
			}
			for tsr, w := range tt.want {
				if e := j.index[tsr]; (e.final != 0) != (w.final != 0) || e.resend() != w.uncertain {
					t.Errorf("%s: %+v, want %+v", tsr, e, w)
				}
			}
			if tt.wantResults != "" || strings.Contains(name, "results tail") {
				if b, _ := os.ReadFile(path); string(b) != tt.wantResults {
					t.Errorf("results file after opening: %q, want %q", b, tt.wantResults)
				}
			}
			if tt.wantJournal != "" {
				if b, _ := os.ReadFile(path + journalSuffix); string(b) != header+tt.wantJournal {
					t.Errorf("journal after opening: %q, want %q", b, header+tt.wantJournal)
				}
			}
			if !strings.Contains(warn.String(), tt.warning) || (tt.warning == "" && warn.Len() > 0) {
				t.Errorf("warning %q, want %q", warn.String(), tt.warning)
			}
		})
	}
}

// testHeader is the journal header of tgt for the results file path.
func testHeader(tgt target, path string) string {
	return string(headerLine(filepath.Base(path), tgt))
}

func TestNewAnswer(t *testing.T) {
	refused := &wrapper.TransportError{Err: syscall.ECONNREFUSED}
	timeout := &wrapper.TransportError{Err: context.DeadlineExceeded}
	tests := map[string]struct {
		err       error
		kind      string
		final     bool
		maybeSent bool
		code      int
	}{
		"validation":         {&wrapper.ValidationError{Field: "Tsr", Rule: "maxLength"}, wrapper.KindValidation, true, false, exitInvalid},
		"http":               {&wrapper.HTTPError{StatusCode: http.StatusForbidden}, wrapper.KindHTTP, false, false, exitFailure},
		"trans":              {&wrapper.TransError{TransCode: 9}, wrapper.KindTrans, true, false, exitRefused},
		"api":                {&wrapper.APIError{RtnCode: 9}, wrapper.KindAPI, true, false, exitRefused},
		"decode":             {&wrapper.DecodeError{Problem: "x"}, wrapper.KindDecode, false, true, exitFailure},
		"connection refused": {refused, wrapper.KindTransport, false, false, exitFailure},
		"timeout":            {timeout, wrapper.KindTransport, false, true, exitFailure},
		"of no known type":   {errors.New("x"), wrapper.KindTransport, false, true, exitFailure},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := result{Tsr: "T", answer: newAnswer(nil, tt.err, 0)}
			if r.OK || r.Error == nil || r.Error.Kind != tt.kind || r.final() != tt.final || r.Error.MaybeSent != tt.maybeSent || r.exitCode() != tt.code {
				t.Errorf("got %+v %+v final=%t code=%d", r, r.Error, r.final(), r.exitCode())
			}
		})
	}
	ok := result{Tsr: "T", answer: newAnswer(&wrapper.Result[json.RawMessage]{RtnCode: 4000004, RtnMsg: "m"}, nil, 0)}
	if !ok.OK || !ok.final() || ok.exitCode() != exitOK || *ok.RtnCode != 4000004 {
		t.Errorf("success: %+v", ok)
	}
}
