package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestHelpExitsZeroWithAnExample(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"cancel-delay-issue", "--help"}, {"trigger-issue", "--help"}, {"call", "--help"}, {"encrypt", "--help"}, {"decrypt", "--help"},
		{"validate", "--help"}, {"demo", "--help"}, {"cancel-delay-issue", "-h"}, {"help", "validate"}, {"call", "TriggerIssue", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := runBinary(t, invocation{args: args})
			if out.code != exitOK {
				t.Errorf("exit status %d, want 0; stderr: %s", out.code, out.stderr)
			}
			if !strings.Contains(out.stdout, "usage: ecpay-invoice") || !strings.Contains(out.stdout, "Example") {
				t.Errorf("stdout is not a usage with an example:\n%s", out.stdout)
			}
			if out.stderr != "" {
				t.Errorf("stderr is not empty: %s", out.stderr)
			}
		})
	}
}

func TestUsageErrorIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string // in the line
	}{
		{"no subcommand", nil, nil, "missing subcommand"},
		{"unknown subcommand", []string{"frobnicate"}, nil, "unknown subcommand"},
		{"an operation's name", []string{"TriggerIssue", "--tsr", "A"}, nil, "the batch subcommand of TriggerIssue is trigger-issue"},
		{"unknown flag", []string{"cancel-delay-issue", "--frob"}, nil, "flag provided but not defined: --frob"},
		{"flag without its value", []string{"trigger-issue", "--tsr"}, nil, "flag needs an argument: --tsr"},
		{"flag with a bad value", []string{"cancel-delay-issue", "--concurrency", "many", "--tsr", "A"}, nil, "for flag --concurrency"},
		{"bad boolean", []string{"validate", "--envelope-only=maybe"}, nil, "for --envelope-only"},
		{"no Tsr", []string{"cancel-delay-issue"}, nil, "give --tsr or --file"},
		{"both Tsr and file", []string{"cancel-delay-issue", "--tsr", "A", "--file", "-"}, nil, "not both"},
		{"positional argument", []string{"cancel-delay-issue", "--tsr", "A", "extra"}, nil, "unexpected argument"},
		{"prod without credentials", []string{"cancel-delay-issue", "--env", "prod", "--tsr", "A"}, nil, "--env prod needs credentials"},
		{"unknown env", []string{"cancel-delay-issue", "--env", "qa", "--tsr", "A"}, nil, "--env must be stage or prod"},
		{"http to a remote host", []string{"cancel-delay-issue", "--base-url", "http://einvoice.ecpay.com.tw", "--tsr", "A"}, nil, "--base-url: http://einvoice.ecpay.com.tw: plain http is allowed only for loopback"},
		{"http to a private address", []string{"cancel-delay-issue", "--base-url", "http://10.0.0.1:8080", "--tsr", "A"}, nil, "plain http is allowed only for loopback"},
		{"user information in the URL", []string{"cancel-delay-issue", "--base-url", "https://user:" + wrapper.StageHashKey + "@example.com", "--tsr", "A"}, nil, "user information"},
		{"not a URL scheme", []string{"cancel-delay-issue", "--base-url", "ftp://127.0.0.1", "--tsr", "A"}, nil, "https URL"},
		{"negative timeout", []string{"cancel-delay-issue", "--timeout", "-1s", "--tsr", "A"}, nil, "--timeout"},
		{"bad timeout", []string{"cancel-delay-issue", "--timeout", "soon", "--tsr", "A"}, nil, "timeout"},
		{"zero concurrency", []string{"cancel-delay-issue", "--concurrency", "0", "--tsr", "A"}, nil, "--concurrency"},
		{"negative rate", []string{"cancel-delay-issue", "--rate", "-1", "--tsr", "A"}, nil, "--rate"},
		{"NaN rate", []string{"cancel-delay-issue", "--rate", "NaN", "--tsr", "A"}, nil, "--rate must be a number"},
		{"infinite rate", []string{"trigger-issue", "--rate", "+Inf", "--tsr", "A"}, nil, "--rate must be a number"},
		{"negative infinite rate", []string{"trigger-issue", "--rate", "-Inf", "--tsr", "A"}, nil, "--rate must be a number"},
		{"a directory as --file", []string{"cancel-delay-issue", "--file", os.TempDir()}, nil, "is a directory"},
		{"--adopt without --out", []string{"cancel-delay-issue", "--adopt", "--tsr", "A"}, nil, "--adopt needs --out"},
		{"call without an operation", []string{"call", "--data", "{}"}, nil, "give the operation to call: one of " + registry.Names()},
		{"call of an unknown operation", []string{"call", "IssueEverything", "--data", "{}"}, nil, "give one of " + registry.Names()},
		{"call with two operations", []string{"call", "TriggerIssue", "CancelDelayIssue", "--data", "{}"}, nil, "unexpected argument"},
		{"call with empty Data", []string{"call", "TriggerIssue"}, nil, "give the request Data"},
		{"validate with an unknown operation", []string{"validate", "--request", "-", "--operation", "Nope"}, nil, "unknown operation"},
		{"missing file", []string{"cancel-delay-issue", "--file", "/nonexistent/tsrs.txt"}, nil, "--file"},
		{"incomplete credentials", []string{"cancel-delay-issue", "--tsr", "A"}, []string{"ECPAY_MERCHANT_ID=" + otherMerchantID}, "missing --hash-key"},
		{"short key", []string{"encrypt", "--hash-key", wrapper.StageHashKey[:15], "--hash-iv", wrapper.StageHashIV}, nil, "HashKey is 15 bytes"},
		{"long merchant ID", []string{"cancel-delay-issue", "--merchant-id", "12345678901", "--hash-key", otherHashKey, "--hash-iv", otherHashIV, "--tsr", "A"}, nil, "MerchantID"},
		{"validate without a file", []string{"validate"}, nil, "--request FILE, --response FILE or --record FILE"},
		{"encrypt with prod and no credentials", []string{"encrypt", "--env", "prod"}, nil, "--env prod needs credentials"},
		{"demo with a flag", []string{"demo", "--tsr", "A"}, nil, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runBinary(t, invocation{args: tt.args, env: tt.env})
			if out.code != exitInvalid {
				t.Errorf("exit status %d, want %d", out.code, exitInvalid)
			}
			if out.stdout != "" {
				t.Errorf("stdout is not empty: %s", out.stdout)
			}
			if strings.Count(out.stderr, "\n") != 1 || !strings.HasSuffix(out.stderr, "\n") {
				t.Errorf("stderr is not exactly one line:\n%s", out.stderr)
			}
			if !strings.Contains(out.stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", out.stderr, tt.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"--version"}})
	// The test binary is built from the working tree, so Go reports no
	// module version.
	if out.code != exitOK || !strings.HasPrefix(out.stdout, "ecpay-invoice (devel): a development build") || strings.Count(out.stdout, "\n") != 1 {
		t.Errorf("exit status %d, stdout %q", out.code, out.stdout)
	}
}

func TestSameFileForInputAndOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "results.jsonl")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(out, link); err != nil {
		t.Fatal(err)
	}
	sim := newSim(t, "S1")
	first := runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", sim.URL, "--out", out, "--tsr", "S1"}})
	if first.code != exitOK {
		t.Fatalf("exit status %d: %s", first.code, first.stderr)
	}
	tests := map[string][]string{
		"the results file":         {"--file", out},
		"the results file by link": {"--file", link},
		"the journal":              {"--file", out + batch.JournalSuffix},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			size := len(readString(t, out))
			res := runBinary(t, invocation{args: append([]string{"cancel-delay-issue", "--base-url", sim.URL, "--out", out}, args...)})
			if res.code != exitInvalid || !strings.Contains(res.stderr, "--file and --out name the same file") || strings.Count(res.stderr, "\n") != 1 {
				t.Errorf("exit status %d, stderr %s", res.code, res.stderr)
			}
			if len(readString(t, out)) != size {
				t.Error("the results file changed")
			}
		})
	}
	t.Run("stdin", func(t *testing.T) {
		cmd := exec.Command(binary, "cancel-delay-issue", "--base-url", sim.URL, "--out", out, "--file", "-")
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
		stderr, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != exitInvalid || !strings.Contains(string(stderr), "same file") {
			t.Errorf("exit status %d (%v), output %s", code, err, stderr)
		}
	})
}
