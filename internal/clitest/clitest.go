// Package clitest describes a command's command line for a golden test, as
// a user meets it and whatever parses it: the flags its --help documents,
// with their default and environment variable, what each takes and whether
// its one-dash spelling works, and the exit status and message of misuse.
// The help's layout is not described, only the facts read from it, so that
// a golden file taken before a change of parser holds after it.
//
//	cli := clitest.CLI{Name: "ecpay-sim", UsageExit: 2, Run: run}
//	for _, f := range clitest.HelpFlags(help) {
//		b.WriteString(cli.DescribeFlag(nil, f))
//	}
//	clitest.AssertGolden(t, "testdata/cli.golden", b.String(), *update)
package clitest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// ProbeFlag is a flag no command has.
const ProbeFlag = "--zz-probe"

// Run is what one run of a command left.
type Run struct {
	Code           int
	Stdout, Stderr string
}

// CLI is a command to describe.
type CLI struct {
	// Name is the command's name, as its usage starts: "usage: Name".
	Name string
	// UsageExit is its exit status for a usage error, whose stderr is one
	// line worth pinning; other runs' stderr may hold timings.
	UsageExit int
	// Run runs the command line args (without the command's name).
	Run func(args ...string) Run
}

// Line is args and what running them did, as a line of the golden file.
func (c CLI) Line(args []string, r Run) string {
	return strings.Join(append([]string{c.Name}, args...), " ") + " → " + c.Summary(r) + "\n"
}

// Summary is r in short: the exit status, whether stdout holds a usage or
// how many lines, and stderr when r is a usage error.
func (c CLI) Summary(r Run) string {
	s := fmt.Sprintf("exit %d", r.Code)
	switch {
	case strings.Contains(r.Stdout, "usage: "+c.Name):
		s += ", usage on stdout"
	case r.Stdout != "":
		s += fmt.Sprintf(", %d lines on stdout", strings.Count(r.Stdout, "\n"))
	}
	switch n := strings.Count(r.Stderr, "\n"); {
	case r.Code != c.UsageExit:
	case n == 1:
		s += "; stderr: " + strings.TrimSuffix(r.Stderr, "\n")
	default:
		s += fmt.Sprintf("; %d lines on stderr", n)
	}
	return s
}

// Flag is a flag as --help documents it.
type Flag struct {
	Name, Placeholder string
	// Text is all its help says of it, on one line.
	Text string
}

// helpFlag matches the line of --help that introduces a flag: its name and
// the placeholder of its value, if any.
var helpFlag = regexp.MustCompile(`^\s+(?:-[a-z], )?--([a-z][a-z0-9-]*)(?:[ =]([^\s,]+))?`)

// helpDefault and helpEnv find, in the text of a flag, its documented
// default and environment variables.
var (
	helpDefault = regexp.MustCompile(`\(default ([^;)]*)[;)]`)
	helpEnv     = regexp.MustCompile(`\$([A-Z][A-Z0-9_]+)`)
)

// HelpFlags reads the flags of the "Flags:" section of help: a flag's text
// runs from its line to the next flag's or the end of the section.
func HelpFlags(help string) []Flag {
	var flags []Flag
	for _, line := range Section(help, "Flags:") {
		if m := helpFlag.FindStringSubmatch(line); m != nil {
			flags = append(flags, Flag{Name: m[1], Placeholder: m[2]})
		}
		if len(flags) > 0 {
			flags[len(flags)-1].Text += " " + strings.TrimSpace(line)
		}
	}
	return flags
}

// Section returns the indented lines of help after the line title, up to
// the first line that is empty or not indented.
func Section(help, title string) []string {
	var lines []string
	in := false
	for line := range strings.SplitSeq(help, "\n") {
		switch {
		case strings.TrimSpace(line) == title:
			in = true
		case !in:
		case strings.TrimSpace(line) == "" || !strings.HasPrefix(line, " "):
			in = false
		default:
			lines = append(lines, line)
		}
	}
	return lines
}

// DescribeFlag describes f of the command, or of its subcommand when
// before is its name: what --help says of it, what it takes (any text, a
// boolean, or a typed value that "zz-probe" is not), whether its one-dash
// spelling works the same, and the misuse of giving it no value. Every
// probe ends in a usage error before the command does anything.
func (c CLI) DescribeFlag(before []string, f Flag) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--%s", f.Name)
	if f.Placeholder != "" {
		fmt.Fprintf(&b, " %s", f.Placeholder)
	}
	if m := helpDefault.FindStringSubmatch(f.Text); m != nil {
		fmt.Fprintf(&b, "; default %s", strings.Trim(strings.TrimSpace(m[1]), `"`))
	}
	for _, m := range helpEnv.FindAllStringSubmatch(f.Text, -1) {
		fmt.Fprintf(&b, "; $%s", m[1])
	}
	args := func(more ...string) []string { return append(append([]string(nil), before...), more...) }
	accepts := func(r Run) bool { return strings.Contains(r.Stderr, ProbeFlag) }
	text := c.Run(args("--"+f.Name+"=zz-probe", ProbeFlag)...)
	kind := "typed"
	switch {
	case accepts(text):
		kind = "text"
	case accepts(c.Run(args("--"+f.Name+"=true", ProbeFlag)...)):
		kind = "bool"
	}
	fmt.Fprintf(&b, "; takes %s\n", kind)
	if !accepts(text) {
		b.WriteString(c.Line(args("--"+f.Name+"=zz-probe"), text))
	}
	if oneDash := c.Run(args("-"+f.Name+"=zz-probe", ProbeFlag)...); c.Summary(oneDash) == c.Summary(text) {
		fmt.Fprintf(&b, "  -%s: the same\n", f.Name)
	} else {
		b.WriteString(c.Line(args("-"+f.Name+"=zz-probe", ProbeFlag), oneDash))
	}
	if kind != "bool" {
		for _, dashes := range []string{"--", "-"} {
			b.WriteString(c.Line(args(dashes+f.Name), c.Run(args(dashes+f.Name)...)))
		}
	}
	return b.String()
}

// AssertGolden compares got with the file at path, or rewrites the file
// when update is set.
func AssertGolden(t *testing.T, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("%s differs from line %d:\n got: %s\nwant: %s", path, i+1, g, w)
			return
		}
	}
}

// CompletionMarkers maps each shell that `name completion SHELL` supports
// to a string its script for name holds. A script that also holds
// "__complete" asks the command itself for the completions.
func CompletionMarkers(name string) map[string]string {
	return map[string]string{
		"bash":       "bash completion V2 for " + name,
		"zsh":        "#compdef " + name,
		"fish":       "complete -c " + name,
		"powershell": "Register-ArgumentCompleter",
	}
}
