package main

import (
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
)

func TestUnknownNamesAreRepeatedWithTheClosest(t *testing.T) {
	tests := map[string]struct {
		args []string
		want []string // in the line, in order
		not  string   // not in the line, when set
	}{
		"an operation in the wrong case": {
			args: []string{"call", "triggerissue", "--data", "{}"},
			want: []string{`unknown operation "triggerissue": did you mean TriggerIssue?`, "Give one of " + registry.Names()},
		},
		"an operation near none": {
			args: []string{"call", "Frobnicate", "--data", "{}"},
			want: []string{`unknown operation "Frobnicate": give one of ` + registry.Names()},
			not:  "did you mean",
		},
		"a key where the operation goes": {
			args: []string{"call", otherHashKey, "--data", "{}"},
			want: []string{"unknown operation: give one of " + registry.Names()},
			not:  otherHashKey,
		},
		"validate's --operation with a typo": {
			args: []string{"validate", "--operation", "TrigerIssue", "--request", "-"},
			want: []string{`--operation: unknown operation "TrigerIssue": did you mean TriggerIssue?`, "Give one of " + registry.Names()},
		},
		"validate's --operation near none": {
			args: []string{"validate", "--operation", "Frobnicate", "--request", "-"},
			want: []string{`--operation: unknown operation "Frobnicate": give one of ` + registry.Names()},
			not:  "did you mean",
		},
		"a flag written as a subcommand": {
			args: []string{"version"},
			want: []string{`unknown subcommand "version": did you mean --version?`, "see ecpay-invoice --help"},
		},
		"an operation's batch in the wrong case": {
			args: []string{"Trigger-Issue", "--tsr", "A"},
			want: []string{`unknown subcommand "Trigger-Issue": did you mean trigger-issue?`},
		},
		"a subcommand near none": {
			args: []string{"frobnicate"},
			want: []string{`unknown subcommand "frobnicate" (see ecpay-invoice --help)`},
		},
		"a flag's typo": {
			args: []string{"call", "TriggerIssue", "--dta", "{}"},
			want: []string{"not defined: --dta: did you mean --data?"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out := runBinary(t, invocation{args: tt.args})
			if out.code != exitInvalid || out.stdout != "" || strings.Count(out.stderr, "\n") != 1 {
				t.Fatalf("exit status %d, stdout %q, stderr %q; want %d and one line on stderr", out.code, out.stdout, out.stderr, exitInvalid)
			}
			rest := out.stderr
			for _, want := range tt.want {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stderr %q lacks %q (in this order: %q)", out.stderr, want, tt.want)
				}
				rest = rest[i+len(want):]
			}
			if tt.not != "" && strings.Contains(out.stderr, tt.not) {
				t.Errorf("stderr %q holds %q", out.stderr, tt.not)
			}
		})
	}
}
