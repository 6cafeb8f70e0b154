package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/cmdline"
	"github.com/ecpay-go/einvoice/internal/suggest"
)

// Exit statuses, those of package batch (see there).
const (
	exitOK          = batch.ExitOK
	exitRefused     = batch.ExitRefused
	exitInvalid     = batch.ExitInvalid
	exitFailure     = batch.ExitFailure
	exitInterrupted = batch.ExitInterrupted
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
	help    func() help
	// operand names the one argument the subcommand takes besides its
	// flags, or is "" when it takes none.
	operand string
	// complete offers the operand, when there is one.
	complete cobra.CompletionFunc
	// define registers the subcommand's flags on fs and returns what runs
	// it once cobra has parsed them, with its arguments.
	define func(fs *pflag.FlagSet) runFunc
}

// runFunc runs a subcommand whose flags are parsed and returns its exit
// status.
type runFunc func(ctx context.Context, args []string, std stdio) int

// fixedSubcommands are the verbs that are not batches: call, listed first,
// and the tools that need no operation, listed after the batches.
func fixedSubcommands() (call subcommand, tools []subcommand) {
	call = subcommand{name: "call", summary: "call any operation once with the request Data you give as JSON",
		help: callHelp, operand: "OPERATION", complete: completeOperations, define: defineCall}
	return call, []subcommand{
		encryptCommand.subcommand("encrypt each line of stdin into ECPay Data"),
		decryptCommand.subcommand("decrypt each line of stdin (ECPay Data) into its plaintext"),
		{name: "validate", summary: "check a captured request or response envelope of any operation against its page", help: validateHelp, define: defineValidate},
		{name: "demo", summary: "tell the life of an invoice on an in-process simulator: issue, allowance, voids, delayed invoices", help: func() help { return demoHelp }, define: defineDemo},
	}
}

// subcommands returns every verb, in the order of the usage: call, one batch
// per batch operation of the registry, and the tools. The registry's pages
// are read once, the first time.
var subcommands = sync.OnceValue(func() []subcommand {
	call, tools := fixedSubcommands()
	out := []subcommand{call}
	for _, bop := range batchOperations() {
		out = append(out, subcommand{name: bop.command, summary: bop.summary(), help: bop.help, define: bop.define})
	}
	out = append(out, issueSubcommand())
	return append(out, tools...)
})

// completionSummary is the line of cobra's completion subcommand in the
// usage.
const completionSummary = "print the shell completion script for bash, zsh, fish or powershell"

// run executes the command line args and returns the exit status. It is
// main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdio{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv})
}

func runWith(ctx context.Context, args []string, std stdio) int {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		// The subcommand comes first; cobra would look for one after flags
		// (ecpay-invoice --env prod call), which the top level never took.
		return topLevel(args, std)
	}
	code := exitOK
	root := rootCommand(ctx, args, std, &code)
	if len(args) > 0 {
		if sc, _, err := root.Find(args[:1]); err == nil && sc != root {
			args = append(args[:1:1], cmdline.LongFlags(sc.Flags(), args[1:])...)
		}
	}
	root.SetArgs(append([]string{}, args...)) // never nil: cobra reads os.Args for nil
	if cmd, err := root.ExecuteContextC(ctx); err != nil {
		var ce *commandLineError
		if errors.As(err, &ce) {
			return usageFailure(subcommandPath(ce.cmd), ce.err, std.stderr)
		}
		// Writing a completion script failed.
		fmt.Fprintf(std.stderr, "ecpay-invoice %s: %v\n", subcommandPath(cmd), err)
		return exitFailure
	}
	return code
}

// rootCommand returns the command tree of one run of args: its
// subcommands set *code to their exit status. The batch subcommands,
// which read every page of the registry, are left out when args name a
// subcommand that is not one: those start faster without.
func rootCommand(ctx context.Context, args []string, std stdio, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:                "ecpay-invoice",
		Args:               cobra.ArbitraryArgs,
		DisableFlagParsing: true, // topLevel reads its --help and --version
		DisableSuggestions: true, // topLevel suggests with internal/suggest
		SilenceErrors:      true,
		SilenceUsage:       true,
		RunE: func(_ *cobra.Command, args []string) error {
			*code = topLevel(args, std)
			return nil
		},
	}
	root.SetIn(std.stdin)
	root.SetOut(std.stdout)
	root.SetErr(std.stderr)
	// For completion and --help only: topLevel reads them.
	root.Flags().BoolP("help", "h", false, "print the usage and exit")
	root.Flags().Bool("version", false, "print the build and exit")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &commandLineError{c, goFlagError(c.Flags(), err)} })
	cobraHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c == root {
			printMainUsage(std.stdout)
			return
		}
		cobraHelp(c, args) // the completion subcommands
	})
	root.SetHelpCommand(&cobra.Command{
		Use:                "help [subcommand]",
		Short:              "print the usage of ecpay-invoice or of a subcommand",
		DisableFlagParsing: true,
		ValidArgsFunction:  completeSubcommands,
		Run: func(_ *cobra.Command, args []string) {
			if len(args) == 0 {
				printMainUsage(std.stdout)
				return
			}
			*code = runWith(ctx, []string{args[0], "--help"}, std)
		},
	})

	call, tools := fixedSubcommands()
	all := append([]subcommand{call}, tools...)
	if len(args) == 0 || !slices.ContainsFunc(all, func(sc subcommand) bool { return sc.name == args[0] }) {
		all = subcommands()
	}
	for _, sc := range all {
		root.AddCommand(sc.command(ctx, std, code))
	}
	// Now rather than when it runs, so that runWith finds them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if completion, _, err := root.Find([]string{"completion"}); err == nil {
		for _, shell := range completion.Commands() {
			shell.Args = operands(0)
		}
	}
	return root
}

// subcommandPath names c as usage errors do: call, completion bash.
func subcommandPath(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), "ecpay-invoice ")
}

// operands returns the check of a command that takes up to max arguments
// besides its flags.
func operands(max int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > max {
			// The argument is not echoed: it may be a secret typed after
			// a flag that took an empty value.
			return &commandLineError{c, usagef("unexpected argument: %s takes flags only", subcommandPath(c))}
		}
		return nil
	}
}

// command is sc as a cobra command that sets *code to its exit status.
func (sc subcommand) command(ctx context.Context, std stdio, code *int) *cobra.Command {
	c := &cobra.Command{
		Use:               sc.name,
		Short:             sc.summary,
		ValidArgsFunction: cobra.NoFileCompletions,
		SilenceErrors:     true,
		SilenceUsage:      true,
	}
	if sc.operand != "" {
		c.Use += " " + sc.operand
	}
	if sc.complete != nil {
		c.ValidArgsFunction = sc.complete
	}
	run := sc.define(c.Flags())
	for name, complete := range flagCompletions {
		if c.Flags().Lookup(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, complete) // registered once
		}
	}
	c.Args = operands(0)
	if sc.operand != "" {
		c.Args = operands(1)
	}
	c.Run = func(_ *cobra.Command, args []string) { *code = run(ctx, args, std) }
	c.SetHelpFunc(func(c *cobra.Command, _ []string) { printUsage(std.stdout, c.Flags(), sc.help()) })
	return c
}

// commandLineError is a mistake on the command line of cmd that cobra
// found: in its flags, as pflag parses them, or its arguments.
type commandLineError struct {
	cmd *cobra.Command
	err error
}

func (e *commandLineError) Error() string { return e.err.Error() }

// flagCompletions offer the values of the flags that have a few.
var flagCompletions = map[string]cobra.CompletionFunc{
	"env":       cobra.FixedCompletions([]cobra.Completion{"stage", "prod"}, cobra.ShellCompDirectiveNoFileComp),
	"operation": completeOperations,
}

// completeOperations offers the operations of the registry, as call's
// operand and validate's --operation.
func completeOperations(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var ops []cobra.Completion
	for _, op := range registry.All() {
		if strings.HasPrefix(op.Name, toComplete) {
			ops = append(ops, cobra.CompletionWithDesc(op.Name, op.Summary))
		}
	}
	return ops, cobra.ShellCompDirectiveNoFileComp
}

// topLevel runs the command line args that name no subcommand: --help,
// --version, or a mistake.
func topLevel(args []string, std stdio) int {
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
	}
	if op := lookupOperation(name); op != nil {
		bop, why := batchFor(op)
		if op == issueBatch().Op {
			bop = issueBatch()
		}
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
	return append(names, "completion", "help", "--help", "--version")
}

// completeSubcommands offers the subcommands after help.
func completeSubcommands(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, sc := range subcommands() {
		names = append(names, cobra.CompletionWithDesc(sc.name, sc.summary))
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func printMainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ecpay-invoice <subcommand> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Calls ECPay's B2C e-invoice API: every operation whose page is in openapi/")
	fmt.Fprintln(w, "(see `ecpay-invoice call --help` for the list), once with `call`, or as a")
	fmt.Fprintln(w, "resumable batch over Tsrs for each operation that needs only a Tsr, and")
	fmt.Fprintln(w, "issue, which issues a file of invoices, never one twice.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Subcommands:")
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-20s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintf(w, "  %-20s %s\n", "completion", completionSummary)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Examples:")
	fmt.Fprintln(w, `  ecpay-invoice call TriggerIssue --data '{"Tsr":"201909170001","PayType":"2"}'`)
	fmt.Fprintln(w, "  ecpay-invoice cancel-delay-issue --tsr 201909170001")
	fmt.Fprintln(w, "  ecpay-invoice trigger-issue --file tsrs.txt --out results.jsonl")
	fmt.Fprintln(w, "  ecpay-invoice issue --file invoices.jsonl --out results.jsonl")
	fmt.Fprintln(w, "  source <(ecpay-invoice completion bash)")
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

// goFlagError spells a parse error of pflag as package flag did, which
// the command line was parsed with first ("flag provided but not defined:
// --frob", `invalid value "x" for flag --rate: parse error`), and suggests
// the flag of fs nearest to one it does not have.
func goFlagError(fs *pflag.FlagSet, err error) error {
	if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
		name := notExist.GetSpecifiedName()
		msg := "flag provided but not defined: --" + name
		var names []string
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				names = append(names, "--"+f.Name)
			}
		})
		if near, ok := suggest.Closest(name, names); ok {
			msg += ": did you mean " + near + "?"
		}
		return errors.New(msg)
	}
	if invalid, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		why := "parse error"
		if errors.Is(err, strconv.ErrRange) {
			why = "value out of range"
		}
		if invalid.GetFlag().Value.Type() == "bool" {
			return fmt.Errorf("invalid boolean value %q for --%s: %s", invalid.GetValue(), invalid.GetFlag().Name, why)
		}
		return fmt.Errorf("invalid value %q for flag --%s: %s", invalid.GetValue(), invalid.GetFlag().Name, why)
	}
	// "flag needs an argument: --tsr" and "bad flag syntax: ---tsr" are
	// package flag's words already.
	return err
}

// usageFailure prints err as a usage error of subcommand name, on one line,
// and returns exitInvalid.
func usageFailure(name string, err error, stderr io.Writer) int {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintf(stderr, "ecpay-invoice %s: %s (see ecpay-invoice %s --help)\n", name, msg, name)
	return exitInvalid
}

// printUsage writes the --help text of a subcommand, flags with two dashes.
func printUsage(w io.Writer, fs *pflag.FlagSet, h help) {
	fmt.Fprintf(w, "usage: ecpay-invoice %s\n\n%s\n\nExamples:\n", h.usage, strings.TrimSpace(h.about))
	for _, ex := range h.examples {
		fmt.Fprintf(w, "  %s\n", ex)
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		if name == "float64" {
			name = "float" // as package flag says
		}
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
	fmt.Fprintln(w, "  -h, --help\n    \tprint this help and exit")
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
