package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses. In a batch the highest of exitFailure, exitInvalid and
// exitRefused that applies wins.
const (
	exitOK          = 0
	exitRefused     = 1   // ECPay (or the simulator) answered and refused: TransCode or RtnCode ≠ 1
	exitInvalid     = 2   // usage error or invalid input; nothing was sent for it
	exitFailure     = 3   // transport, HTTP, decode or local I/O failure
	exitInterrupted = 130 // a signal stopped the batch before it was done
)

// stdio is what a subcommand reads and writes, and where it reads the
// environment: the process's own in main, fakes in tests.
type stdio struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// subcommand is one verb of the command line.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, std stdio) int
}

var subcommands = []subcommand{
	{"cancel-delay-issue", "cancel the delayed issuing of invoices, by Tsr", runCancel},
	{"encrypt", "encrypt each line of stdin into ECPay Data", runEncrypt},
	{"decrypt", "decrypt each line of stdin (ECPay Data) into its plaintext", runDecrypt},
	{"validate", "check a captured request or response envelope against ECPay's spec", runValidate},
	{"demo", "cancel an invoice on an in-process simulator, narrating each step", runDemo},
}

// run executes the command line args and returns the exit status. It is
// main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdio{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv})
}

func runWith(ctx context.Context, args []string, std stdio) int {
	if len(args) == 0 {
		fmt.Fprintln(std.stderr, "ecpay-invoice: missing subcommand (see ecpay-invoice --help)")
		return exitInvalid
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printMainUsage(std.stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			printMainUsage(std.stdout)
			return exitOK
		}
		name, args = args[1], []string{args[1], "--help"}
	}
	for _, sc := range subcommands {
		if sc.name == name {
			return sc.run(ctx, args[1:], std)
		}
	}
	// The name is not echoed: it may be a mistyped secret.
	fmt.Fprintln(std.stderr, "ecpay-invoice: unknown subcommand (see ecpay-invoice --help)")
	return exitInvalid
}

func printMainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ecpay-invoice <subcommand> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Subcommands:")
	for _, sc := range subcommands {
		fmt.Fprintf(w, "  %-20s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Example:")
	fmt.Fprintln(w, "  ecpay-invoice cancel-delay-issue --tsr 201909170001")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run ecpay-invoice <subcommand> --help for its flags. Exit status: 0 all ok;")
	fmt.Fprintln(w, "1 ECPay refused at least one request; 2 usage error or invalid input;")
	fmt.Fprintln(w, "3 transport, HTTP or decode failure; 130 interrupted.")
}

// usageError is a mistake on the command line: the subcommand prints it as
// one line on stderr and exits with exitInvalid. Its message never holds a
// flag's value that could be a secret.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// help describes a subcommand for --help.
type help struct {
	usage    string   // the synopsis after "usage: "
	about    string   // what it does, a few lines
	examples []string // command lines
}

// newFlagSet returns a flag set that reports nothing itself: parse prints
// errors as one line and --help as the full usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args into fs. It returns done=true with the exit status when
// the subcommand must stop: after printing --help (0) or a usage error (2).
// Positional arguments are an error; none of the subcommands takes any.
func parse(fs *flag.FlagSet, h help, args []string, std stdio) (code int, done bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(std.stdout, fs, h)
		return exitOK, true
	}
	if err == nil && fs.NArg() > 0 {
		// The argument is not echoed: it may be a secret typed after a
		// flag that took an empty value.
		err = usagef("unexpected argument: %s takes flags only", fs.Name())
	}
	if err != nil {
		return usageFailure(fs.Name(), err, std.stderr), true
	}
	return exitOK, false
}

// usageFailure prints err as a usage error of subcommand name, on one line,
// and returns exitInvalid.
func usageFailure(name string, err error, stderr io.Writer) int {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintf(stderr, "ecpay-invoice %s: %s (see ecpay-invoice %s --help)\n", name, msg, name)
	return exitInvalid
}

// printUsage writes the --help text of a subcommand, flags with two dashes.
func printUsage(w io.Writer, fs *flag.FlagSet, h help) {
	fmt.Fprintf(w, "usage: ecpay-invoice %s\n\n%s\n\nExamples:\n", h.usage, strings.TrimSpace(h.about))
	for _, ex := range h.examples {
		fmt.Fprintf(w, "  %s\n", ex)
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		switch f.DefValue {
		case "", "0", "false":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}
