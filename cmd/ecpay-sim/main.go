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
// scheduled (ECPay issues it by itself; the simulator keeps it pending);
// DelayDay is the days before it issues once triggered (0 by default:
// TriggerIssue issues it at once). `ecpay-sim --help`
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
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/cmdline"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/suggest"
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

// shutdownTimeout bounds the graceful shutdown after a signal (for a
// proxy, after the upstream timeout: an exchange in flight may have
// reached ECPay, and is waited for).
const shutdownTimeout = 5 * time.Second

// keepRequests is how many requests the simulator keeps (within
// ecpaysim.DefaultRequestBytes): only their count is shown, in /_sim/state
// and on shutdown.
const keepRequests = 1000

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usage is the help, with the operations of the registry for %[1]s.
const usage = `usage: ecpay-sim [--addr host:port] [--merchant ID:HashKey:HashIV]... [--merchants-file FILE] [--delayed TSR[:FLAG[:DAYS]]]... [--quiet]
       ecpay-sim --upstream URL [--record FILE] [--upstream-timeout D] [--fail-on-violation] [--addr …] [--merchant …]... [--quiet]
       ecpay-sim --replay FILE [--fail-on-violation] [--addr …] [--merchant …]... [--quiet]
       ecpay-sim --version | --help
       ecpay-sim completion bash|zsh|fish|powershell

ecpay-sim serves ECPay's B2C e-invoice API locally, as ECPay answers it:
POST {URL}/B2CInvoice/<Operation> for every operation of the pages
(%[1]s), with ECPay's envelope and AES-encrypted Data, each
request and answer checked against the operation's page.

With --upstream it is a validating proxy instead, for checking ECPay itself
(its stage) and the merchant's code against the pages: each request is
checked as the simulator checks it, then forwarded unchanged to URL, even
when it breaks the pages; the answer is checked, its Data decrypted with
the merchant's keys, and passed back unchanged. It never retries, never
follows a redirect, never alters a byte. Upstream failures (no answer, a
timeout, a non-2xx answer such as an HTML 502 or ECPay's 403 when called too
fast) pass through as they came, or become a 502 text/plain when nothing
came, and are counted apart from violations. A request body over 1 MiB is
the proxy's own limit: answered 413, not forwarded; so is a path that climbs
out of URL's path prefix (a "..", escaped or not): answered 400. The query
string is forwarded, never recorded.

With --replay it serves a recording made with --record, without a network:
a request is checked as a live one and matched on its operation, merchant
and decrypted Data (not its Timestamp; of the same request recorded twice,
the later answer), and answered with the recorded answer re-sealed: a fresh
RpHeader.Timestamp, and the Data encrypted anew with the merchant's keys. A
request not recorded gets 404 text/plain naming the closest recorded one.

The first line on stdout, printed once it listens, is the base URL {URL},
e.g. http://127.0.0.1:8080; nothing else goes to stdout. Logs go to stderr,
one line per answer (per exchange for a proxy or a replay), and never hold
keys or Data.

Flags:
  --addr host:port
        where to listen (default 127.0.0.1:8080); port 0 picks a free port
  --merchant ID:HashKey:HashIV
        a merchant to accept (the simulator), or whose Data to decrypt and
        check (a proxy, a replay), with the HashKey and HashIV (16 bytes
        each) its Data is encrypted under; repeatable (default the stage
        merchant 2000132). A proxy forwards the requests of other merchants
        too, with their Data unchecked. Keys on the command line show in ps
        and /proc/PID/cmdline: prefer --merchants-file or %[5]s.
  --merchants-file FILE
        merchants as --merchant gives them, read from FILE: ID:HashKey:HashIV
        entries separated by spaces or newlines, a line starting with # a
        comment. FILE holds keys: it is refused unless only its owner may
        read it (chmod 600 FILE).
  --delayed TSR[:FLAG[:DAYS]]
        the simulator only: register a pending delayed invoice of the first
        merchant, as DelayIssue stores it; repeatable. FLAG is DelayFlag: 2
        waits for TriggerIssue (the default), 1 is scheduled (it stays
        pending here); DAYS is DelayDay (default 0): TriggerIssue issues the
        invoice at once (4000004) or after DAYS days (4000003). A Tsr
        holding ':' needs the admin API.
  --upstream URL
        run as a proxy to URL (https, or http for a loopback host; its path
        is a prefix of the requests'), e.g. https://einvoice-stage.ecpay.com.tw;
        ECPay's production host needs --merchant with the merchant's own
        keys, never the stage merchant's
  --upstream-timeout D
        with --upstream: bound each exchange with the upstream, from the
        request to the end of the answer (default %[4]s); an upstream that
        has not answered by then gets the caller a 502
  --record FILE
        with --upstream: append every exchange to FILE, one JSON line each,
        with both sides' decrypted Data (never keys or headers); created
        with mode 0600, refused if others may read it. A last line that an
        interrupted run cut off is removed first, and said on stderr
  --replay FILE
        serve the answers recorded in FILE (made with --record): a regular
        file or a pipe, of at most %[6]s, loaded before it serves. SIGINT or
        SIGTERM while it loads ends ecpay-sim with status 0 and no URL
  --max-in-flight SIZE
        with --upstream or --replay: bound the bytes held for the exchanges
        in flight (default %[7]s), so that memory is bounded by SIZE (a few
        times it), not by the callers: each request counts its body and 16
        KiB; one beyond the bound gets 503 with Retry-After: 1, unforwarded;
        an answer beyond it is passed on unchecked. At least 2MiB; in bytes,
        KiB, MiB or GiB, e.g. 64MiB
  --fail-on-violation
        with --upstream or --replay: exit 1 after the signal if any
        violation was found; upstream failures never count
  --quiet
        do not log each answer on stderr
  --version
        print the module version ecpay-sim was built from and exit
  --help
        print this help and exit

Environment:
  %[5]s
        merchants as --merchant gives them: ID:HashKey:HashIV entries
        separated by spaces or newlines. The merchants are those of
        --merchant, then --merchants-file, then %[5]s, all of them (the
        first is --delayed's); one given twice is refused. Errors name where
        a merchant was given (--merchant #2, %[5]s entry #1, FILE line 3),
        never its value.

Admin API (the simulator's own, not ECPay's; errors are one text/plain line):
  POST {URL}/_sim/delayed
        register a pending delayed invoice, as --delayed does, from
        {"MerchantID":"2000132","Tsr":"TSR3","DelayFlag":"2","DelayDay":3}
        DelayFlag (a string, "1" or "2") and DelayDay (a number of days) are
        optional ("2" and 0). 201 with the invoice as JSON; 400 naming the
        field at fault; 404 for a merchant not configured; 409 for a Tsr
        already registered; 413 over 1 MiB; 415 unless application/json.
        A proxy or a replay has no invoices: 404 saying so.
  GET {URL}/_sim/state
        the merchants (IDs, never keys), every invoice with its status
        (pending, triggered, issued, cancelled) and request counts, and how
        many requests are kept and how many simulator bugs were seen. For a
        proxy or a replay: the mode, the upstream, the exchanges, upstream
        failures and violations by side and rule, and for a replay the
        recorded exchanges loaded, served and unmatched.

The simulator keeps the most recent %[2]d requests, within %[3]d MiB. SIGINT
or SIGTERM shuts it down gracefully (exit status 0); a proxy or a replay
first lets the exchanges in flight finish, then prints a summary on stderr
(exchanges, upstream failures, violations by side and rule) and exits 0, or
1 with --fail-on-violation and a violation, or when the recording could not
be written. Bad flags exit with status 2, a server that cannot run (the port
is taken) with 1.
`

// repeated is a flag that may be given several times. Its Set never fails,
// so the flag package never quotes a value (which could hold a key) in an
// error; values are checked after parsing.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// Type is what pflag calls the flag's value.
func (r *repeated) Type() string { return "string" }

// flags are the values of the command line.
type flags struct {
	addr               string
	merchants, delayed repeated
	quiet, version     bool
	upstream           string
	upstreamTimeout    time.Duration
	record, replay     string
	merchantsFile      string
	maxInFlight        string
	failOnViolation    bool
	given              map[string]bool // the flags given, by name
}

// newFlagSet returns the flags ecpay-sim takes, which usage documents, and
// where Parse puts their values. Like package flag, which parsed them
// first, it stops at the first argument that is not a flag.
func newFlagSet() (*pflag.FlagSet, *flags) {
	f := &flags{}
	fs := pflag.NewFlagSet("ecpay-sim", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "")
	fs.Var(&f.merchants, "merchant", "")
	fs.StringVar(&f.merchantsFile, "merchants-file", "", "")
	fs.Var(&f.delayed, "delayed", "")
	fs.StringVar(&f.upstream, "upstream", "", "")
	fs.DurationVar(&f.upstreamTimeout, "upstream-timeout", proxy.DefaultUpstreamTimeout, "")
	fs.StringVar(&f.record, "record", "", "")
	fs.StringVar(&f.replay, "replay", "", "")
	fs.StringVar(&f.maxInFlight, "max-in-flight", "", "")
	fs.BoolVar(&f.failOnViolation, "fail-on-violation", false, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.version, "version", false, "")
	return fs, f
}

// modeProblem names a flag given in a mode it is not for, or "".
func (f *flags) modeProblem() string {
	proxy, replay := f.given["upstream"], f.given["replay"]
	switch {
	case proxy && replay:
		return "--replay and --upstream exclude each other: replay a recording, or proxy to an upstream"
	case f.given["record"] && !proxy:
		return "--record is for --upstream: it records what the proxy forwards (a replay already has its recording)"
	case f.given["upstream-timeout"] && !proxy:
		return "--upstream-timeout is for --upstream"
	case f.given["delayed"] && proxy:
		return "--delayed is for the simulator: with --upstream, the invoices are the upstream's"
	case f.given["delayed"] && replay:
		return "--delayed is for the simulator: with --replay, the answers are the recording's"
	case f.given["max-in-flight"] && !proxy && !replay:
		return "--max-in-flight is for --upstream and --replay"
	case f.failOnViolation && !proxy && !replay:
		return "--fail-on-violation is for --upstream and --replay: the simulator's own answers never break the pages"
	}
	return ""
}

// service is what ecpay-sim serves in its mode: the simulator, a proxy or
// a replay.
type service struct {
	handler http.Handler
	// shutdown bounds the graceful shutdown.
	shutdown time.Duration
	// finish runs after the shutdown and returns the exit status.
	finish func() int
	// release frees what finish would, when there was nothing to serve.
	release func()
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
		fmt.Fprintf(stdout, usage, registry.Names(), keepRequests, ecpaysim.DefaultRequestBytes>>20, proxy.DefaultUpstreamTimeout, envMerchants, input.SizeName(maxReplayBytes), strings.ReplaceAll(input.SizeName(proxy.DefaultMaxInFlightBytes), " ", ""))
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

// serve listens on f.addr and serves svc until ctx ends.
func serve(ctx context.Context, f *flags, svc *service, logger *slog.Logger, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = "; give another --addr, e.g. --addr 127.0.0.1:0 for a free port (the URL is the first line on stdout)"
		}
		fmt.Fprintf(stderr, "ecpay-sim: %v%s\n", err, hint)
		svc.release()
		return exitError
	}
	server := &http.Server{
		Handler:           svc.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(stderr, "ecpay-sim: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "ecpay-sim: %v\n", err)
		svc.release()
		return exitError
	case <-ctx.Done():
	}
	// One signal is enough: the calls in flight finish, within the
	// shutdown's bound, and ecpay-sim exits.
	if !f.quiet {
		logger.Info("ecpay-sim stopping", slog.String("reason", stopReason(ctx)))
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), svc.shutdown)
	defer cancel()
	code := exitOK
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "ecpay-sim: shutting down: %v\n", err)
		code = exitError
	}
	return max(code, svc.finish())
}

// simulatorService is the simulator, with the --delayed invoices.
func simulatorService(f *flags, firstMerchant string, opts []ecpaysim.Option, logger *slog.Logger, fail func(string, ...any) int) (*service, int) {
	sim, err := ecpaysim.New(append(opts, ecpaysim.WithRequestLimit(keepRequests))...)
	if err != nil {
		return nil, fail("%s", libraryMessage(err))
	}
	given := map[string]int{} // the --delayed of each Tsr
	for i, d := range f.delayed {
		inv, err := parseDelayed(firstMerchant, d)
		if first, ok := given[inv.Tsr]; ok && err == nil {
			// The library's error would quote the Tsr, a value.
			return nil, fail("--delayed #%d: its Tsr is already registered, by --delayed #%d", i+1, first)
		}
		given[inv.Tsr] = i + 1
		if err == nil {
			err = sim.AddInvoice(inv)
		}
		if err != nil {
			return nil, fail("--delayed #%d: %s", i+1, libraryMessage(err))
		}
	}
	return &service{handler: sim.Handler(), shutdown: shutdownTimeout, release: func() {}, finish: func() int {
		if !f.quiet {
			logger.Info("ecpay-sim stopped", slog.Int("requests", len(sim.Requests())), slog.Int("violations", len(sim.Violations())))
		}
		return exitOK
	}}, 0
}

// proxyService is the proxy to --upstream, recording to --record.
func proxyService(f *flags, shared []proxy.SharedOption, stderr io.Writer, fail func(string, ...any) int) (*service, int) {
	upstream, err := protocol.CheckBaseURL(f.upstream)
	if err != nil {
		return nil, fail("--upstream: %s", err)
	}
	if f.upstreamTimeout <= 0 {
		return nil, fail("--upstream-timeout: want a positive duration, e.g. 30s")
	}
	opts := []proxy.Option{proxy.WithUpstreamTimeout(f.upstreamTimeout)}
	for _, o := range shared {
		opts = append(opts, o)
	}
	var rec *os.File
	if f.record != "" {
		torn, err := proxy.RepairRecording(f.record)
		if err != nil {
			return nil, fail("--record: %s", libraryMessage(err))
		}
		if torn != nil {
			fmt.Fprintln(stderr, tornMessage(f.record, torn))
		}
		if rec, err = proxy.OpenRecording(f.record); err != nil {
			return nil, fail("--record: %s", libraryMessage(err))
		}
		opts = append(opts, proxy.WithRecording(rec))
	}
	p, err := proxy.New(upstream.String(), opts...)
	if err != nil {
		if rec != nil {
			rec.Close()
		}
		if errors.Is(err, protocol.ErrStageCredentials) {
			return nil, fail("--upstream: %v; give the merchant's own keys with ECPAY_SIM_MERCHANTS, --merchants-file or --merchant ID:HashKey:HashIV (without any, the proxy has the stage merchant)", errors.Unwrap(err))
		}
		return nil, fail("%s", libraryMessage(err))
	}
	closeRecording := func() error {
		if rec == nil {
			return nil
		}
		return rec.Close()
	}
	return &service{
		handler:  p.Handler(),
		shutdown: f.upstreamTimeout + shutdownTimeout,
		release:  func() { _ = closeRecording() },
		finish: func() int {
			p.CloseIdleConnections()
			code := printSummary(stderr, "proxy to "+upstream.String(), p.Summary(), f.failOnViolation)
			if err := closeRecording(); err != nil {
				fmt.Fprintf(stderr, "ecpay-sim: closing the recording: %v\n", err)
				code = exitError
			}
			return code
		},
	}, 0
}

// tornMessage says how RepairRecording mended the recording at path.
func tornMessage(path string, torn *proxy.TornLine) string {
	if torn.Whole {
		return fmt.Sprintf("ecpay-sim: --record %s: line %d, a whole exchange, had no newline: added one before appending", path, torn.Line)
	}
	return fmt.Sprintf("ecpay-sim: --record %s: line %d was cut off (%s without a newline, from an interrupted run): removed it before appending", path, torn.Line, plural(int(torn.Bytes), "byte"))
}

// maxReplayBytes bounds what --replay reads: a recording is loaded whole,
// and what never ends (/dev/zero through a pipe) must not be read forever.
var maxReplayBytes int64 = 4 << 30

// replayService is the replay of --replay. A signal (the end of ctx) while
// the recording loads, or while a FIFO waits for its writer, ends it before
// anything is served: nil and exitOK, as a signal ends ecpay-sim.
func replayService(ctx context.Context, f *flags, shared []proxy.SharedOption, stderr io.Writer, fail func(string, ...any) int) (*service, int) {
	in, err := input.Open(ctx, "--replay", f.replay, maxReplayBytes)
	var rp *proxy.Replay
	if err == nil {
		opts := make([]proxy.ReplayOption, len(shared))
		for i, o := range shared {
			opts[i] = o
		}
		rp, err = proxy.NewReplay(in, opts...)
		in.Close()
		if tooLarge, ok := errors.AsType[*input.TooLargeError](err); ok {
			err = tooLarge
		} else if err != nil {
			err = fmt.Errorf("--replay %s: %s", f.replay, libraryMessage(err))
		}
	}
	switch {
	case ctx.Err() != nil: // the load may have ended first: nothing is served all the same
		fmt.Fprintf(stderr, "ecpay-sim: --replay %s: stopped while loading the recording (%s): nothing served\n", f.replay, stopReason(ctx))
		return nil, exitOK
	case err != nil:
		// input's errors name the flag.
		return nil, fail("%s", err)
	}
	return &service{handler: rp.Handler(), shutdown: shutdownTimeout, release: func() {}, finish: func() int {
		return printSummary(stderr, "replay of "+f.replay, rp.Summary(), f.failOnViolation)
	}}, 0
}

// printSummary writes what a proxy or a replay saw on w and returns the
// exit status it calls for.
func printSummary(w io.Writer, what string, s proxy.Summary, failOnViolation bool) int {
	fmt.Fprintf(w, "ecpay-sim: %s: %s, %s, %s\n", what,
		plural(s.Exchanges, "exchange"), plural(s.UpstreamFailures, "upstream failure"), plural(s.Violations, "violation"))
	if r := s.Replay; r != nil {
		fmt.Fprintf(w, "ecpay-sim:   %d served from the recording, %d unmatched; %s loaded\n", r.Served, r.Unmatched, plural(r.Loaded, "recorded exchange"))
	}
	for _, side := range []string{proxy.SideRequest, proxy.SideResponse} {
		rules := s.ViolationsBySide[side]
		if len(rules) == 0 {
			continue
		}
		var parts []string
		for _, rule := range slices.Sorted(maps.Keys(rules)) {
			parts = append(parts, fmt.Sprintf("%s %d", rule, rules[rule]))
		}
		fmt.Fprintf(w, "ecpay-sim:   %s violations by rule: %s\n", side, strings.Join(parts, ", "))
	}
	code := exitOK
	if s.RecordingErrors > 0 {
		fmt.Fprintf(w, "ecpay-sim: %s could not be written to the recording: it is incomplete\n", plural(s.RecordingErrors, "exchange"))
		code = exitError
	}
	if failOnViolation && s.Violations > 0 {
		fmt.Fprintf(w, "ecpay-sim: exit status 1: --fail-on-violation, and %s\n", plural(s.Violations, "violation"))
		code = exitError
	}
	return code
}

// parseSize reads a size as --max-in-flight takes it: a whole number of
// bytes, or of KiB, MiB or GiB ("64MiB").
func parseSize(s string) (int64, bool) {
	shift := 0
	for suffix, sh := range map[string]int{"KiB": 10, "MiB": 20, "GiB": 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, shift = n, sh
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, false
	}
	return n << shift, true
}

// plural is "1 exchange" or "2 exchanges".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// stopReason names what ended ctx: the signal, as signal.NotifyContext
// records it, or the context's error.
func stopReason(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil {
		return cause.Error()
	}
	return "stopped"
}

// parseDelayed reads a --delayed value, TSR, TSR:FLAG or TSR:FLAG:DAYS, as
// an invoice of merchantID. A Tsr holding ':' cannot be given this way (use
// the admin API).
func parseDelayed(merchantID, v string) (ecpaysim.DelayedInvoice, error) {
	parts := strings.Split(v, ":")
	inv := ecpaysim.DelayedInvoice{MerchantID: merchantID, Tsr: parts[0]}
	if len(parts) > 3 {
		return inv, errors.New("want TSR, TSR:FLAG or TSR:FLAG:DAYS, at most three parts separated by ':'")
	}
	if len(parts) > 1 {
		switch parts[1] {
		case string(ecpaysim.DelayScheduled), string(ecpaysim.DelayTrigger):
			inv.DelayFlag = ecpaysim.DelayFlag(parts[1])
		default:
			return inv, errors.New("FLAG, the second part: want 1 (scheduled) or 2 (waits for a trigger)")
		}
	}
	if len(parts) > 2 {
		days, err := strconv.Atoi(parts[2])
		if err != nil || days < 0 {
			return inv, errors.New("DAYS, the third part: want a whole number of days, 0 or more")
		}
		inv.DelayDay = days
	}
	return inv, nil
}

// libraryMessage is err's message without the "ecpaysim: " every error of
// the library starts with, which would repeat ecpay-sim's own prefix.
func libraryMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "ecpaysim: ", "")
}

// flagName is what a flag's name looks like; what does not may be a value
// given as a flag, and is not repeated.
var flagName = regexp.MustCompile(`^[a-z][a-z-]{0,30}$`)

// flagHint suggests the flag of fs nearest to the one err says fs does not
// have, or is "".
func flagHint(fs *pflag.FlagSet, err error) string {
	if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
		return nearestFlag(fs, notExist.GetSpecifiedName())
	}
	return ""
}

// nearestFlag is "; did you mean --NAME?" for the flag of fs nearest to
// name (a flag mistyped, or written without its dashes), or "".
func nearestFlag(fs *pflag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
	if near, ok := suggest.Closest(name, names); ok {
		return "; did you mean " + near + "?"
	}
	return ""
}

// flagProblem is the message of a parse error of args, naming the flag as
// --help spells it and the argument's position, never its value, which may
// hold a key.
func flagProblem(err error, args []string) string {
	if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
		name := notExist.GetSpecifiedName()
		if !flagName.MatchString(name) {
			// Not a name: maybe a value given as a flag.
			return fmt.Sprintf("unknown flag in argument #%d (not shown)", failingArgument(args, err))
		}
		return fmt.Sprintf("unknown flag --%s", name)
	}
	if noValue, ok := errors.AsType[*pflag.ValueRequiredError](err); ok {
		return fmt.Sprintf("flag --%s needs a value", noValue.GetFlag().Name)
	}
	if invalid, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		want := "see --help"
		switch invalid.GetFlag().Value.Type() {
		case "duration":
			want = "want a duration, e.g. 30s"
		case "bool":
			want = "want true or false, or the flag alone"
		}
		return fmt.Sprintf("--%s: invalid value in argument #%d (not shown): %s", invalid.GetFlag().Name, failingArgument(args, err), want)
	}
	return err.Error()
}

// failingArgument is the position in args (from 1) of the argument at
// which parsing them fails with err: the end of the shortest prefix of
// args that fails so.
func failingArgument(args []string, err error) int {
	for n := 1; n <= len(args); n++ {
		fs, _ := newFlagSet()
		if e := fs.Parse(args[:n]); e != nil && e.Error() == err.Error() {
			return n
		}
	}
	return len(args)
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
