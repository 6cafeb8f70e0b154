package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/clitest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestCommandLine pins what a user of ecpay-sim relies on, whatever parses
// it: each flag with its documented default, what it takes and whether its
// one-dash spelling works, the environment variables it reads, and the exit
// status and message of representative misuse.
func TestCommandLine(t *testing.T) {
	// Every run but the environment's ends in a usage error before it
	// serves; those serve on a free port and stop at once.
	stopped, cancel := context.WithCancel(t.Context())
	cancel()
	cli := clitest.CLI{Name: "ecpay-sim", UsageExit: exitUsage, Run: func(args ...string) clitest.Run {
		var stdout, stderr bytes.Buffer
		code := run(stopped, args, &stdout, &stderr)
		return clitest.Run{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
	}}
	t.Setenv(envMerchants, "")
	os.Unsetenv(envMerchants)

	var b strings.Builder
	b.WriteString("# misuse\n")
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"-help"}, {"--version"}, {"-version"}, {"version"},
		{clitest.ProbeFlag}, {"zz-positional"}, {"--quiet", "zz-positional"}, {"help"},
	} {
		r := cli.Run(args...)
		if strings.Contains(strings.Join(args, " "), "version") {
			r.Stdout = strings.Repeat("\n", strings.Count(r.Stdout, "\n")) // the build varies
		}
		b.WriteString(cli.Line(args, r))
	}
	help := cli.Run("--help").Stdout
	b.WriteString("\n# flags\n")
	for _, f := range clitest.HelpFlags(help) {
		if f.Name != "help" {
			b.WriteString(cli.DescribeFlag(nil, f))
		}
	}
	b.WriteString("\n# environment\n")
	serve := []string{"--addr", "127.0.0.1:0", "--quiet"}
	b.WriteString(cli.Line(serve, cli.Run(serve...)))
	for _, line := range clitest.Section(help, "Environment:") {
		if name := strings.TrimSpace(line); name == strings.ToUpper(name) && !strings.Contains(name, " ") {
			os.Setenv(name, "zz")
			fmt.Fprintf(&b, "%s=zz %s", name, cli.Line(serve, cli.Run(serve...)))
			os.Unsetenv(name)
		}
	}
	clitest.AssertGolden(t, filepath.Join("testdata", "cli.golden"), b.String(), *update)
}

func TestCompletion(t *testing.T) {
	for shell, marker := range clitest.CompletionMarkers("ecpay-sim") {
		t.Run(shell, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{"completion", shell}, &stdout, &stderr); code != exitOK || stderr.Len() != 0 {
				t.Fatalf("exit status %d, stderr %q", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), marker) || !strings.Contains(stdout.String(), "__complete") {
				t.Errorf("stdout is not a %s completion script of ecpay-sim:\n%.400s", shell, stdout.String())
			}
		})
	}
	t.Run("flags", func(t *testing.T) {
		var stdout, stderr, help bytes.Buffer
		run(t.Context(), []string{"--help"}, &help, &stderr)
		if code := run(t.Context(), []string{"__complete", "--"}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit status %d, stderr %q", code, stderr.String())
		}
		var offered []string
		for line := range strings.SplitSeq(stdout.String(), "\n") {
			name, _, _ := strings.Cut(line, "\t")
			offered = append(offered, name)
		}
		for _, f := range clitest.HelpFlags(help.String()) {
			if !slices.Contains(offered, "--"+f.Name) {
				t.Errorf("__complete -- does not offer --%s:\n%s", f.Name, stdout.String())
			}
		}
	})
}
