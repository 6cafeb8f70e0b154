package main

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/wrapper"
)

// utf16File encodes lines as UTF-16 in the byte order given, with or
// without a byte-order mark.
func utf16File(lines []string, bigEndian, bom bool) string {
	var b []byte
	put := func(u uint16) {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, u := range utf16.Encode([]rune(strings.Join(lines, "\n") + "\n")) {
		put(u)
	}
	return string(b)
}

func TestInputLines(t *testing.T) {
	tests := []struct {
		name  string
		input string
		sent  []string          // the Tsrs that must be sent
		bad   map[string]string // result key → what its message says
	}{
		{
			name:  "a UTF-8 byte-order mark is dropped",
			input: "\ufeffBOM1\nBOM2\n",
			sent:  []string{"BOM1", "BOM2"},
		},
		{
			name:  "white space is trimmed",
			input: "  SP1\t\n\u3000SP2 \r\n",
			sent:  []string{"SP1", "SP2"},
		},
		{
			name:  "invalid UTF-8",
			input: "A\xffB\nGOOD1\n",
			sent:  []string{"GOOD1"},
			bad:   map[string]string{"A\ufffdB": "line 1 of stdin is not valid UTF-8 (byte 2 is 0xff)"},
		},
		{
			name:  "control characters",
			input: "N\x00UL\nS\x01OH\nD\x7fEL\nOK2\n",
			sent:  []string{"OK2"},
			bad: map[string]string{
				"N\x00UL": "line 1 of stdin holds a NUL byte (character 2): the file looks like UTF-16",
				"S\x01OH": "line 2 of stdin holds U+0001",
				"D\x7fEL": "line 3 of stdin holds U+007F",
			},
		},
		{
			name:  "format characters",
			input: "RTL\u202e1\nZW\ufeffNBSP\nSOFT\u00adHY\n",
			bad: map[string]string{
				"RTL\u202e1":   "line 1 of stdin holds U+202E, a control or format character",
				"ZW\ufeffNBSP": "line 2 of stdin holds U+FEFF",
				"SOFT\u00adHY": "line 3 of stdin holds U+00AD",
			},
		},
		{
			name:  "the replacement character",
			input: "BAD\ufffd1\n",
			bad:   map[string]string{"BAD\ufffd1": "holds U+FFFD, the replacement character"},
		},
		{
			name:  "a line too long",
			input: strings.Repeat("L", batch.MaxKeyBytes+1) + "\nOK3\n",
			sent:  []string{"OK3"},
			bad:   map[string]string{strings.Repeat("L", input.HeadBytes) + "\ufffd…(65538 bytes)": "line 1 of stdin is longer than 64 KiB"},
		},
	}
	for _, bigEndian := range []bool{false, true} {
		for _, bom := range []bool{false, true} {
			name := map[bool]string{false: "UTF-16LE", true: "UTF-16BE"}[bigEndian] + map[bool]string{false: "", true: " with a BOM"}[bom]
			tests = append(tests, struct {
				name  string
				input string
				sent  []string
				bad   map[string]string
			}{name: name, input: utf16File([]string{"U1", "U2"}, bigEndian, bom), bad: map[string]string{"": "UTF-16"}})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.sent...)
			out := filepath.Join(t.TempDir(), "results.jsonl")
			args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--file", "-", "--out", out}
			res := runBinary(t, invocation{args: args, stdin: tt.input})
			wantCode := exitOK
			if len(tt.bad) > 0 {
				wantCode = exitInvalid
			}
			if res.code != wantCode {
				t.Errorf("exit status %d, want %d; stderr:\n%s", res.code, wantCode, res.stderr)
			}
			results := parseResults(t, res.stdout)
			got := byTsr(t, results)
			for _, tsr := range tt.sent {
				if r := got[tsr]; !r.OK || !sim.Cancelled(wrapper.StageMerchantID, tsr) {
					t.Errorf("%q: %+v, want it cancelled", tsr, r)
				}
			}
			for key, msg := range tt.bad {
				if key == "" {
					// UTF-16: every line is refused, none sent.
					if len(results) == 0 {
						t.Error("no result for the UTF-16 lines")
					}
					for _, r := range results {
						if r.Error == nil || r.Error.Kind != wrapper.KindValidation || !strings.Contains(r.Error.Message, msg) || !strings.Contains(r.Error.Message, "save it as UTF-8") {
							t.Errorf("%q: %+v, want a refusal naming UTF-16", r.Key, r)
						}
					}
					continue
				}
				r, ok := got[key]
				if !ok || r.Error == nil || r.Error.Kind != wrapper.KindValidation || !strings.Contains(r.Error.Message, msg) || !strings.Contains(r.Error.Message, "nothing was sent") {
					t.Errorf("%q: %+v, want a refusal saying %q", key, r, msg)
				}
			}
			if n, want := len(sim.Requests()), len(tt.sent); n != want {
				t.Errorf("%d requests, want %d", n, want)
			}

			// A rerun finds every line settled, the refused ones too:
			// the key of each result is what the rerun reads.
			size := len(readString(t, out))
			rerun := runBinary(t, invocation{args: args, stdin: tt.input})
			if rerun.code != wantCode {
				t.Errorf("rerun: exit status %d, want %d", rerun.code, wantCode)
			}
			for _, r := range parseResults(t, rerun.stdout) {
				if !r.Skipped {
					t.Errorf("rerun: %q not skipped: %+v", r.Key, r)
				}
			}
			if n := len(readString(t, out)); n != size {
				t.Errorf("the results file grew on the rerun, from %d to %d bytes", size, n)
			}
			if n, want := len(sim.Requests()), len(tt.sent); n != want {
				t.Errorf("after the rerun, %d requests, want %d", n, want)
			}
		})
	}
}

func TestTsrFlagIsTrimmedAsLinesAre(t *testing.T) {
	sim := newSim(t, "T1", "T2")
	res := runBinary(t, invocation{args: []string{"trigger-issue", "--base-url", sim.URL, "--tsr", " T1 ", "--tsr", "\tT2\u00a0", "--tsr", "T\u202e3"}})
	got := byTsr(t, parseResults(t, res.stdout))
	if !got["T1"].OK || !got["T2"].OK {
		t.Errorf("the trimmed Tsrs: %+v", got)
	}
	if r := got["T\u202e3"]; r.Error == nil || !strings.Contains(r.Error.Message, "--tsr value 3 holds U+202E") {
		t.Errorf("the Tsr with U+202E: %+v", r)
	}
	if res.code != exitInvalid || len(sim.Requests()) != 2 {
		t.Errorf("exit status %d, %d requests", res.code, len(sim.Requests()))
	}
}

func TestDuplicatesAreNotSentAgain(t *testing.T) {
	sim := newSim(t, "D1", "D2")
	out := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "4", "--file", "-", "--out", out}
	input := "D1\nD2\n D1\nD1\n"
	res := runBinary(t, invocation{args: args, stdin: input})
	if res.code != exitInvalid {
		t.Errorf("exit status %d, want %d", res.code, exitInvalid)
	}
	var dups []batch.Result
	for _, r := range parseResults(t, res.stdout) {
		if r.Outcome == batch.OutcomeDuplicate {
			dups = append(dups, r)
		}
	}
	if len(dups) != 2 || dups[0].Key != "D1" || !strings.Contains(dups[0].Error.Message, "line 3 of stdin repeats the Tsr of line 1") {
		t.Errorf("duplicates %+v", dups)
	}
	if !strings.Contains(res.stderr, "2 duplicates") {
		t.Errorf("the summary does not count the duplicates:\n%s", res.stderr)
	}
	for _, inv := range sim.Invoices() {
		if inv.CancelRequests != 1 {
			t.Errorf("%s: %d requests", inv.Tsr, inv.CancelRequests)
		}
	}
	// The results file has one line per Tsr.
	if got := byTsr(t, parseResults(t, readString(t, out))); len(got) != 2 {
		t.Errorf("the results file holds %d Tsrs", len(got))
	}
	// --tsr repeats are duplicates too.
	res = runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--tsr", "X", "--tsr", "X"}})
	if n := strings.Count(res.stdout, `"outcome":"duplicate"`); n != 1 || !strings.Contains(res.stdout, "--tsr value 2 repeats the Tsr of --tsr value 1") {
		t.Errorf("stdout %s", res.stdout)
	}
}
