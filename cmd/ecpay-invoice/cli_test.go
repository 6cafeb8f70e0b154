package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/clitest"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestCommandLine pins what a user of ecpay-invoice relies on, whatever
// parses it: the subcommands, each one's flags with their documented
// default and environment variable, what each flag takes and whether its
// one-dash spelling works, the environment variables each subcommand
// reads, and the exit status and message of representative misuse. The
// batch subcommands, made from the registry, are described once as
// <batch>, and the registry's list of operations is written <operations>,
// so that a page added changes nothing here.
func TestCommandLine(t *testing.T) {
	clitest.AssertGolden(t, filepath.Join("testdata", "cli.golden"), describeCommandLine(t), *update)
}

// cliEnvRun is a run in this process with env as its whole environment,
// and the environment variables it looked up, in order, once each.
func cliEnvRun(t *testing.T, env map[string]string, stdin string, args ...string) (clitest.Run, []string) {
	t.Helper()
	var stdout, stderr testkit.Buffer
	var mu sync.Mutex
	var read []string
	getenv := func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(read, name) {
			read = append(read, name)
		}
		return env[name]
	}
	code := runWith(t.Context(), args, stdio{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: getenv})
	assertClean(t, stdout.String(), stderr.String())
	return clitest.Run{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}, read
}

// typicalArgs are command lines of each subcommand that go as far as it
// goes without ECPay (to a closed port), for the environment it reads.
func typicalArgs(name string) (args []string, stdin string, ok bool) {
	offline := []string{"--base-url", "http://127.0.0.1:1", "--timeout", "1s"}
	switch {
	case name == "call":
		return append([]string{"call", "TriggerIssue", "--data", `{"Tsr":"A","PayType":"2"}`}, offline...), "", true
	case isBatch(name):
		return append([]string{name, "--tsr", "A"}, offline...), "", true
	case name == "issue":
		// ECPay's SDK example of Issue (testdata/sdk-examples), which is
		// sent.
		return append([]string{"issue", "--file", "-"}, offline...), `{"RelateNumber":"A","CustomerPhone":"0911222333","Print":"0","Donation":"0","CarrierType":"1","TaxType":"1","SalesAmount":32,"Items":[{"ItemName":"測試商品01","ItemCount":3,"ItemWord":"個","ItemPrice":10.5,"ItemTaxType":"1","ItemAmount":32}],"InvType":"07"}`, true
	case name == "encrypt", name == "decrypt":
		return []string{name}, "", true
	case name == "validate":
		return []string{"validate", "--request", "-"}, "{}", true
	case name == "demo":
		return []string{"demo"}, "", true
	}
	return nil, "", false
}

func isBatch(name string) bool {
	return slices.ContainsFunc(batchOperations(), func(b *batchOp) bool { return b.command == name })
}

func describeCommandLine(t *testing.T) string {
	cli := clitest.CLI{Name: "ecpay-invoice", UsageExit: exitInvalid, Run: func(args ...string) clitest.Run {
		r, _ := cliEnvRun(t, nil, "", args...)
		return r
	}}
	var b strings.Builder
	b.WriteString("# top level\n")
	for _, args := range [][]string{
		nil, {"--help"}, {"-h"}, {"-help"}, {"help"}, {"help", "call"}, {"help", "frobnicate"},
		{"--version"}, {"-version"}, {"version"}, {"frobnicate"}, {"Trigger-Issue"}, {"TriggerIssue"},
		{clitest.ProbeFlag}, {"--env", "prod", "call"},
	} {
		r := cli.Run(args...)
		if slices.Contains(args, "--version") || slices.Contains(args, "-version") {
			r.Stdout = strings.Repeat("\n", strings.Count(r.Stdout, "\n")) // the build varies
		}
		b.WriteString(cli.Line(args, r))
	}

	var subcommands, batches, want []string
	for _, line := range clitest.Section(cli.Run("--help").Stdout, "Subcommands:") {
		name := strings.Fields(line)[0]
		subcommands = append(subcommands, name)
		if isBatch(name) {
			batches = append(batches, name)
		}
	}
	for _, bop := range batchOperations() {
		want = append(want, bop.command)
	}
	if !slices.Equal(batches, want) {
		t.Errorf("the usage lists the batch subcommands %v, want those of the registry, %v", batches, want)
	}
	fmt.Fprintf(&b, "\n# subcommands\n%s\n", strings.Join(collapseBatches(subcommands), " "))

	sections := map[string]string{}
	for _, name := range subcommands {
		s := describeSubcommand(t, cli, name)
		if isBatch(name) {
			s = strings.ReplaceAll(s, name, "<batch>")
			if prev, ok := sections["<batch>"]; ok && prev != s {
				t.Errorf("batch subcommand %s differs from the others:\n%s\nthe others:\n%s", name, s, prev)
			}
			name = "<batch>"
		}
		if _, ok := sections[name]; ok {
			continue
		}
		sections[name] = s
		fmt.Fprintf(&b, "\n## %s\n%s", name, s)
	}
	return strings.ReplaceAll(b.String(), registry.Names(), "<operations>")
}

// collapseBatches writes the batch subcommands of names as one <batch>.
func collapseBatches(names []string) []string {
	var out []string
	for _, n := range names {
		if isBatch(n) {
			n = "<batch>"
			if len(out) > 0 && out[len(out)-1] == n {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// describeSubcommand is the section of the golden file about subcommand
// name.
func describeSubcommand(t *testing.T, cli clitest.CLI, name string) string {
	var b strings.Builder
	for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {name, "-help"}, {name, clitest.ProbeFlag}, {name, "zz-positional"}} {
		b.WriteString(cli.Line(args, cli.Run(args...)))
	}
	for _, f := range clitest.HelpFlags(cli.Run(name, "--help").Stdout) {
		if f.Name != "help" {
			b.WriteString(cli.DescribeFlag([]string{name}, f))
		}
	}
	args, stdin, ok := typicalArgs(name)
	if !ok {
		return b.String()
	}
	r, envRead := cliEnvRun(t, nil, stdin, args...)
	read := strings.Join(envRead, " ")
	if read == "" {
		read = "none"
	}
	fmt.Fprintf(&b, "environment read: %s (exit %d)\n", read, r.Code)
	for _, env := range envRead {
		bad, _ := cliEnvRun(t, map[string]string{env: "zz"}, stdin, args...)
		fmt.Fprintf(&b, "%s=zz → %s\n", env, cli.Summary(bad))
	}
	return b.String()
}
