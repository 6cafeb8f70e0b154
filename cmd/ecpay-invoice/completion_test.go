package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/clitest"
)

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range clitest.CompletionMarkers("ecpay-invoice") {
		t.Run(shell, func(t *testing.T) {
			out := runBinary(t, invocation{args: []string{"completion", shell}})
			if out.code != exitOK || out.stderr != "" {
				t.Fatalf("exit status %d, stderr %q", out.code, out.stderr)
			}
			// The script asks the command itself for the completions.
			if !strings.Contains(out.stdout, marker) || !strings.Contains(out.stdout, "__complete") {
				t.Errorf("stdout is not a %s completion script of ecpay-invoice:\n%.400s", shell, out.stdout)
			}
		})
	}
}

// completions returns what the shell is offered for the command line
// args, the last being the word being completed, without descriptions.
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	r, _ := cliEnvRun(t, nil, "", append([]string{"__complete"}, args...)...)
	if r.Code != exitOK {
		t.Fatalf("__complete %q: exit status %d, stderr %q", args, r.Code, r.Stderr)
	}
	var offered []string
	for line := range strings.SplitSeq(r.Stdout, "\n") {
		if line == "" || strings.HasPrefix(line, ":") { // the directive
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		offered = append(offered, name)
	}
	return offered
}

func TestCompletionOffersTheRegistry(t *testing.T) {
	var ops, tri []string
	for _, op := range registry.All() {
		ops = append(ops, op.Name)
		if strings.HasPrefix(op.Name, "Tri") {
			tri = append(tri, op.Name)
		}
	}
	tests := map[string]struct {
		args []string
		want []string
	}{
		"call's operation":            {[]string{"call", ""}, ops},
		"call's operation, begun":     {[]string{"call", "Tri"}, tri},
		"nothing after the operation": {[]string{"call", "TriggerIssue", ""}, nil},
		"validate's --operation":      {[]string{"validate", "--operation", ""}, ops},
		"--env":                       {[]string{"call", "TriggerIssue", "--env", ""}, []string{"stage", "prod"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := completions(t, tt.args...); !slices.Equal(got, tt.want) {
				t.Errorf("__complete %q offers %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestCompletionOffersSubcommandsAndTheirFlags(t *testing.T) {
	offered := completions(t, "")
	for _, sc := range subcommands() {
		if !slices.Contains(offered, sc.name) {
			t.Errorf("__complete \"\" offers %q, without %s", offered, sc.name)
		}
		t.Run(sc.name, func(t *testing.T) {
			flags := completions(t, sc.name, "--")
			help, _ := cliEnvRun(t, nil, "", sc.name, "--help")
			for _, f := range clitest.HelpFlags(help.Stdout) {
				if !slices.Contains(flags, "--"+f.Name) {
					t.Errorf("__complete %s -- offers %q, without --%s", sc.name, flags, f.Name)
				}
			}
		})
	}
	if !slices.Contains(offered, "completion") {
		t.Errorf("__complete \"\" offers %q, without completion", offered)
	}
}
