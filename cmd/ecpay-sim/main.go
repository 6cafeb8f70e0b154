// Command ecpay-sim serves the ECPay e-invoice simulator of package ecpaysim
// over HTTP, for clients in any language and for manual testing: every
// operation of the pages in openapi/ (CancelDelayIssue, TriggerIssue, and any
// page added since) at POST {URL}/B2CInvoice/<Operation>, with ECPay's
// envelope and AES-encrypted Data, every request and answer checked against
// the pages.
//
//	go run ./cmd/ecpay-sim --addr 127.0.0.1:8080 \
//		--merchant 2000132:ejCk326UnaZWKisg:q9jcZX8Ib9LM8wYk --delayed TSR1 --delayed TSR2:2:3
//
// The first line on stdout, printed once it listens, is the base URL, e.g.
// http://127.0.0.1:8080 (with --addr 127.0.0.1:0 the port is a free one):
// scripts read it to find the simulator. Nothing else goes to stdout.
//
// The delayed invoices it knows are registered by --delayed TSR[:FLAG[:DAYS]]
// and by the admin API (not ECPay's), which also shows the state:
//
//	curl -H 'Content-Type: application/json' \
//		-d '{"MerchantID":"2000132","Tsr":"TSR3","DelayFlag":"2","DelayDay":3}' {URL}/_sim/delayed
//	curl {URL}/_sim/state
//
// DelayFlag is DelayIssue's: "2" waits for TriggerIssue (the default), "1" is
// scheduled (it issues by itself DelayDay days after it was stored);
// DelayDay is the days before it issues once triggered (0 by default:
// TriggerIssue issues it at once), by the simulator's clock, which
// POST {URL}/_sim/clock moves forward ({"advance":"72h"}). DelayIssue itself
// stores an invoice the same way, with its invoice data. `ecpay-sim --help`
// lists every flag and the admin API's answers; the lifecycle and the codes
// are in the documentation of package ecpaysim.
//
// # Proxy and replay: contract validation against ECPay
//
// With --upstream URL, ecpay-sim is a validating proxy instead (proxy.Proxy, of package ecpaysim/proxy):
// it checks each request as the simulator does, forwards it unchanged to URL
// even when it breaks the pages, checks the answer (its Data decrypted with
// the --merchant keys) and passes it back unchanged; it never retries, never
// follows a redirect, never alters a byte. ECPay's failures (no answer, a
// timeout, an HTML 502, its 403 when called too fast) pass through, or become
// a 502 when nothing came, and count as upstream failures, not violations.
// --record FILE appends every exchange to FILE, one JSON line each
// (proxy.Exchange: both sides with their decrypted Data, never keys; the
// file is created 0600). With --replay FILE, ecpay-sim serves such a
// recording without a network (proxy.Replay): a request is matched on its
// operation, merchant and decrypted Data, and answered with the recorded
// answer, re-sealed with a fresh timestamp. A merchant's CI records through
// the proxy against ECPay's stage in one job and replays in the others:
//
//	# the job that reaches ECPay's stage: record
//	ecpay-sim --upstream https://einvoice-stage.ecpay.com.tw --record ecpay.jsonl --fail-on-violation & sim=$!
//	until curl -sf http://127.0.0.1:8080/_sim/state >/dev/null; do sleep 0.2; done
//	ECPAY_BASE_URL=http://127.0.0.1:8080 go test ./...   # the merchant's integration tests
//	kill -TERM $sim; wait $sim                             # the summary; status 1 on a violation
//
//	# every other job: replay, without a network
//	ecpay-sim --replay ecpay.jsonl --fail-on-violation & sim=$!
//	until curl -sf http://127.0.0.1:8080/_sim/state >/dev/null; do sleep 0.2; done
//	ECPAY_BASE_URL=http://127.0.0.1:8080 go test ./...
//	kill -TERM $sim; wait $sim
//
// (ECPAY_BASE_URL stands for however the merchant's tests are given the base
// URL; --merchant gives the proxy the keys of a merchant other than the
// stage one.) On SIGINT or SIGTERM the proxy and the replay print a summary on
// stderr (exchanges; upstream failures; violations by side and rule) and exit
// 0, or 1 with --fail-on-violation when there was any violation (upstream
// failures never count), or when the recording could not be written;
// GET {URL}/_sim/state shows the same counts while they run.
//
// {URL}/_sim/ui is the inspector, for a browser on the same machine (it
// answers loopback only; a line on stderr gives its address on start-up):
// every exchange, newest first, with its operation, merchant, TransCode,
// RtnCode and verdict, opening to both sides' decrypted Data with each
// violation pinned to its field; filters; live updates; the state (the
// simulator's invoices, the proxy's counts) and, for the simulator, a form
// that arms a fault as InjectNext does. In proxy mode it shows the traffic
// to the real ECPay, upstream failures apart from violations.
//
// Logs go to stderr, one line per answer, and never hold keys or Data. The
// simulator keeps the most recent 1,000 requests, within
// ecpaysim.DefaultRequestBytes, so that its memory stays bounded however long
// it runs. SIGINT or SIGTERM shuts it down gracefully, with exit status 0;
// bad flags exit with status 2 after one line on stderr, naming the flag as
// --help spells it and the argument's position, never its value (which may
// hold a key); --version prints the module version it was built from;
// `ecpay-sim completion bash` (zsh, fish, powershell) prints a script that
// completes its flags in that shell.
//
// Keys given with --merchant show in ps and /proc/PID/cmdline: the
// environment variable ECPAY_SIM_MERCHANTS (ID:HashKey:HashIV entries
// separated by spaces or newlines) and --merchants-file FILE (the same, in a
// file only its owner may read) give merchants too.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/cmdline"
	"github.com/ecpay-go/einvoice/internal/input"
)

// Exit statuses.
const (
	exitOK = 0
	// exitError: the server could not run (the port is taken); or, for a
	// proxy or a replay, --fail-on-violation and a violation, or a
	// recording that could not be written.
	exitError = 1
	exitUsage = 2 // bad flags
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses args, serves until ctx ends and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, f := newFlagSet()
	cl := &commandLine{fs: fs, f: f, args: cmdline.LongFlags(fs, args), stdout: stdout, stderr: stderr}
	code := exitOK
	root := &cobra.Command{
		Use:           "ecpay-sim",
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		Run:           func(_ *cobra.Command, operands []string) { code = cl.serve(ctx, operands) },
	}
	root.Flags().AddFlagSet(fs)
	root.Flags().SetInterspersed(false)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(append([]string{}, cl.args...)) // never nil: cobra reads os.Args for nil
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(flagProblem(err, cl.args) + flagHint(fs, err))
	})
	cobraHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c != root {
			cobraHelp(c, args) // the completion subcommands
			return
		}
		fmt.Fprintf(stdout, usage, registry.Names(), keepRequests, ecpaysim.DefaultRequestBytes>>20, proxy.DefaultUpstreamTimeout, envMerchants, input.SizeName(maxReplayBytes), strings.ReplaceAll(input.SizeName(proxy.DefaultMaxInFlightBytes), " ", ""), ecpaysim.DefaultInvoiceLimit)
	})
	if _, err := root.ExecuteContextC(ctx); err != nil {
		return cl.fail("%s", err)
	}
	return code
}

// usageError is a mistake on the command line, said in one line.
type usageError string

func (e usageError) Error() string { return string(e) }

// commandLine is a command line of ecpay-sim: its flags fs, parsed into f
// from args (spelled with two dashes), and where it writes.
type commandLine struct {
	fs             *pflag.FlagSet
	f              *flags
	args           []string
	stdout, stderr io.Writer
}

// fail prints a usage error on one line and returns its exit status.
func (cl *commandLine) fail(format string, args ...any) int {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "; ")
	fmt.Fprintf(cl.stderr, "ecpay-sim: %s (ecpay-sim --help for help)\n", msg)
	return exitUsage
}

// serve serves as the flags say until ctx ends; operands are the arguments
// left after them, which must be none.
func (cl *commandLine) serve(ctx context.Context, operands []string) int {
	fs, f, args, stdout, stderr, fail := cl.fs, cl.f, cl.args, cl.stdout, cl.stderr, cl.fail
	if f.version {
		info, ok := debug.ReadBuildInfo()
		fmt.Fprintln(stdout, versionLine(info, ok))
		return exitOK
	}
	if len(operands) > 0 {
		// The value is not repeated: it may be a key, given with spaces
		// for the colons of --merchant ID:HashKey:HashIV.
		return fail("unexpected argument #%d: ecpay-sim takes flags only (a merchant is one argument, --merchant ID:HashKey:HashIV)%s", len(args)-len(operands)+1, nearestFlag(fs, operands[0]))
	}
	f.given = map[string]bool{}
	misplaced := ""
	fs.VisitAll(func(fl *pflag.Flag) {
		if !fl.Changed {
			return
		}
		f.given[fl.Name] = true
		if fl.Name != "merchant" && misplaced == "" && looksLikeMerchant(fl.Value.String()) {
			misplaced = fl.Name
		}
	})
	if misplaced != "" {
		// A file flag would otherwise name (or create) a file after it.
		return fail("--%s: its value looks like a merchant, ID:HashKey:HashIV (not shown): give merchants with --merchant, --merchants-file or %s", misplaced, envMerchants)
	}
	if msg := f.modeProblem(); msg != "" {
		return fail("%s", msg)
	}
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return fail("--addr: want host:port, e.g. 127.0.0.1:8080")
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	// The options of the simulator, and those of the proxy and the replay.
	var opts []ecpaysim.Option
	var shared []proxy.SharedOption
	if !f.quiet {
		opts = append(opts, ecpaysim.WithLogger(logger))
		shared = append(shared, proxy.WithLogger(logger))
	}
	if f.maxInFlight != "" {
		n, ok := parseSize(f.maxInFlight)
		if !ok || n < 2*ecpaysim.MaxBodyBytes {
			return fail("--max-in-flight: want a size of at least 2MiB, in bytes or with KiB, MiB or GiB, e.g. 64MiB")
		}
		shared = append(shared, proxy.WithMaxInFlightBytes(n))
	}
	given, firstMerchant, err := merchants(ctx, f, os.LookupEnv)
	if err != nil {
		return fail("%s", err)
	}
	if firstMerchant == "" {
		firstMerchant = ecpaysim.StageMerchantID
	}
	for _, m := range given {
		opts = append(opts, ecpaysim.WithMerchant(m.ID, m.HashKey, m.HashIV))
		shared = append(shared, proxy.WithMerchant(m.ID, m.HashKey, m.HashIV))
	}
	var svc *service
	var code int
	switch {
	case f.given["upstream"]:
		svc, code = proxyService(f, shared, stderr, fail)
	case f.given["replay"]:
		svc, code = replayService(ctx, f, shared, stderr, fail)
	default:
		svc, code = simulatorService(f, firstMerchant, opts, logger, fail)
	}
	if svc == nil {
		return code
	}
	return serve(ctx, f, svc, logger, stdout, stderr)
}

// versionLine is what --version prints: the module and version ecpay-sim
// was built from, the Go version, and the commit when the build recorded it.
// A build from a source tree outside a module proxy, such as go run or a
// go build with version stamping off, has the version "(devel)", and says
// so.
func versionLine(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "ecpay-sim: no build information (built without module support)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	line := fmt.Sprintf("ecpay-sim %s (%s, %s)", info.Main.Version, info.Main.Path, info.GoVersion)
	if v := info.Main.Version; v == "" || v == "(devel)" {
		line = fmt.Sprintf("ecpay-sim (devel) (%s, %s): a development build, not a released version", info.Main.Path, info.GoVersion)
	}
	if rev := settings["vcs.revision"]; rev != "" {
		line += "; commit " + rev[:min(len(rev), 12)]
		if settings["vcs.modified"] == "true" {
			line += " with uncommitted changes"
		}
	}
	return line
}
