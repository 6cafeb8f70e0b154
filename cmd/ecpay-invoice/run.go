package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/ecpay-go/einvoice/internal/suggest"
)

// Exit statuses. In a batch the highest of exitFailure, exitInvalid and
// exitRefused that applies wins.
const (
	exitOK          = 0
	exitRefused     = 1   // ECPay (or the simulator) answered and refused: TransCode ≠ 1, or an RtnCode that is not a success
	exitInvalid     = 2   // usage error or invalid input; nothing was sent for it
	exitFailure     = 3   // transport, HTTP, decode or local I/O failure
	exitInterrupted = 130 // SIGINT or SIGTERM stopped the command before it was done
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

// fixedSubcommands are the verbs that are not batches: call, listed first,
// and the tools that need no operation, listed after the batches.
func fixedSubcommands() (call subcommand, tools []subcommand) {
	return subcommand{"call", "call any operation once with the request Data you give as JSON", runCall}, []subcommand{
		{"encrypt", "encrypt each line of stdin into ECPay Data", runEncrypt},
		{"decrypt", "decrypt each line of stdin (ECPay Data) into its plaintext", runDecrypt},
		{"validate", "check a captured request or response envelope of any operation against its page", runValidate},
		{"demo", "show the delayed-invoice lifecycle on an in-process simulator, narrating the wire", runDemo},
	}
}

// subcommands returns every verb, in the order of the usage: call, one batch
// per batch operation of the registry, and the tools. The registry's pages
// are read once, the first time.
var subcommands = sync.OnceValue(func() []subcommand {
	call, tools := fixedSubcommands()
	out := []subcommand{call}
	for _, bop := range batchOperations() {
		out = append(out, subcommand{bop.command, bop.summary(), bop.run})
	}
	return append(out, tools...)
})

// lookupSubcommand returns the verb called name. It reads the registry's
// pages only for a name that is neither call nor a tool: those need no batch
// operation, and start faster without.
func lookupSubcommand(name string) (subcommand, bool) {
	call, tools := fixedSubcommands()
	for _, sc := range append(tools, call) {
		if sc.name == name {
			return sc, true
		}
	}
	for _, sc := range subcommands() {
		if sc.name == name {
			return sc, true
		}
	}
	return subcommand{}, false
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
	case "-version", "--version":
		fmt.Fprintln(std.stdout, versionLine())
		return exitOK
	case "help":
		if len(args) == 1 {
			printMainUsage(std.stdout)
			return exitOK
		}
		name, args = args[1], []string{args[1], "--help"}
	}
	if sc, ok := lookupSubcommand(name); ok {
		return sc.run(ctx, args[1:], std)
	}
	if op := lookupOperation(name); op != nil {
		bop, why := batchFor(op)
		if bop != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice: the batch subcommand of %s is %s (see ecpay-invoice %s --help)\n", op.Name, bop.command, bop.command)
			return exitInvalid
		}
		// An operation of the registry that the batch engine cannot run.
		fmt.Fprintf(std.stderr, "ecpay-invoice: %s has no batch subcommand: %s; call it once with `ecpay-invoice call %s --data JSON`\n", op.Name, why, op.Name)
		return exitInvalid
	}
	fmt.Fprintf(std.stderr, "ecpay-invoice: %s (see ecpay-invoice --help)\n", suggest.Unknown("subcommand", name, topLevelNames()))
	return exitInvalid
}

// topLevelNames are what may come first on the command line: the
// subcommands, help and the flags of its own.
func topLevelNames() []string {
	var names []string
	for _, sc := range subcommands() {
		names = append(names, sc.name)
	}
	return append(names, "help", "--help", "--version")
}

func printMainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ecpay-invoice <subcommand> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Calls ECPay's B2C e-invoice API: every operation whose page is in openapi/")
	fmt.Fprintln(w, "(see `ecpay-invoice call --help` for the list), once with `call`, or as a")
	fmt.Fprintln(w, "resumable batch over Tsrs for each operation that needs only a Tsr.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Subcommands:")
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-20s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Examples:")
	fmt.Fprintln(w, `  ecpay-invoice call TriggerIssue --data '{"Tsr":"201909170001","PayType":"2"}'`)
	fmt.Fprintln(w, "  ecpay-invoice cancel-delay-issue --tsr 201909170001")
	fmt.Fprintln(w, "  ecpay-invoice trigger-issue --file tsrs.txt --out results.jsonl")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run ecpay-invoice <subcommand> --help for its flags; ecpay-invoice --version")
	fmt.Fprintln(w, "for the build. Exit status: 0 all ok; 1 ECPay refused at least one request;")
	fmt.Fprintln(w, "2 usage error or invalid input; 3 transport, HTTP, decode or I/O failure;")
	fmt.Fprintln(w, "130 interrupted.")
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
// Positional arguments are an error; call takes its one before parse.
func parse(fs *flag.FlagSet, h help, args []string, std stdio) (code int, done bool) {
	return parsed(fs, h, fs.Parse(args), std)
}

// parsed completes parse with the error of fs.Parse.
func parsed(fs *flag.FlagSet, h help, err error, std stdio) (code int, done bool) {
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
		return usageFailure(fs.Name(), flagError(fs, err), std.stderr), true
	}
	return exitOK, false
}

// goFlagName matches where package flag names a flag with one dash
// ("flag provided but not defined: -tsr", "invalid value … for flag -rate").
var goFlagName = regexp.MustCompile(`(not defined: |needs an argument: |for flag |for )-([A-Za-z0-9][A-Za-z0-9_-]*)`)

// undefinedFlag matches package flag's error for a flag fs does not have.
var undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)

// flagError spells the flags in a parse error of package flag as --help
// does, with two dashes, and suggests the flag of fs nearest to one it does
// not have.
func flagError(fs *flag.FlagSet, err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	msg := goFlagName.ReplaceAllString(err.Error(), "$1--$2")
	if m := undefinedFlag.FindStringSubmatch(err.Error()); m != nil {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
		if near, ok := suggest.Closest(m[1], names); ok {
			msg += ": did you mean " + near + "?"
		}
	}
	return errors.New(msg)
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

// wrap folds text, one paragraph, into lines of at most 76 columns, each
// starting with indent, for --help.
func wrap(text, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len([]rune(line))+1+len([]rune(word)) > 76 {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}
