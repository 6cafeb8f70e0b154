package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/internal/cmdline"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/wrapper"
)

// batchOp is a batch operation of package batch (see batch.Operation), as
// the subcommand named after the operation in kebab case.
type batchOp struct {
	*batch.Operation
	command string
}

// batchOperations returns the batch subcommands, in the registry's order.
var batchOperations = sync.OnceValue(func() []*batchOp {
	var out []*batchOp
	for _, bop := range batch.Operations() {
		out = append(out, &batchOp{Operation: bop, command: kebab(bop.Op.Name)})
	}
	return out
})

// batchFor returns the batch subcommand of op, or nil and why op cannot
// have one.
func batchFor(op *registry.Operation) (*batchOp, string) {
	bop, why := batch.For(op)
	if bop == nil {
		return nil, why
	}
	return &batchOp{Operation: bop, command: kebab(op.Name)}, ""
}

// kebab writes an operation's name in kebab case, as its subcommand:
// CancelDelayIssue is cancel-delay-issue; an acronym stays one word.
func kebab(name string) string {
	runes := []rune(name)
	var b strings.Builder
	for i, r := range runes {
		if unicode.IsUpper(r) && i > 0 {
			prev := runes[i-1]
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if unicode.IsLower(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// summary is the subcommand's line in the main usage.
func (bop *batchOp) summary() string {
	return fmt.Sprintf("%s by %s, as a resumable batch: %s", bop.Op.Name, bop.Key, bop.Op.Summary)
}

// sends describes the request Data, for --help.
func (bop *batchOp) sends() string {
	var data, why []string
	data = append(data, fmt.Sprintf("%q:\"…\"", bop.Key))
	for _, f := range bop.Fields {
		data = append(data, fmt.Sprintf("%q:%s", f.Name, f.Value))
		why = append(why, fmt.Sprintf("%s %s is %s", f.Name, f.Value, f.Why))
	}
	s := "{" + strings.Join(data, ",") + "} (MerchantID is the client's"
	for _, w := range why {
		s += "; " + w
	}
	return s + ")"
}

// successes describes the operation's success codes, for --help.
func successes(op *registry.Operation) string {
	var codes []string
	for _, c := range op.Successes() {
		codes = append(codes, fmt.Sprintf("%d (%s)", c.Code, c.Description))
	}
	// internal/pages gives every operation at least one (1 by default).
	return "RtnCode " + strings.Join(codes, " or ")
}

// help is the subcommand's --help.
func (bop *batchOp) help() help {
	c := bop.command
	return help{
		usage: c + " (--tsr TSR [--tsr TSR]... | --file FILE) [--out FILE] [flags]",
		about: wrap(fmt.Sprintf("Calls %s (%s: %s) once per Tsr, sending the request Data %s. It succeeds with %s; any other RtnCode is a refusal. This subcommand is made from the operation's page: any operation whose request Data has a Tsr and whose other required fields have a default or a single allowed value gets one.",
			bop.Op.Name, bop.Op.Summary, bop.Op.Description, bop.sends(), successes(bop.Op)), "") + `

Stdout holds one JSON object per Tsr and nothing else:
  {"tsr":"…","ok":true,"rtn_code":…,"rtn_msg":"…"}
  {"tsr":"…","ok":false,"error":{"kind":"api","message":"…"},"rtn_code":…,"rtn_msg":"…"}
error.kind is validation, http, trans, api, decode or transport, with the
codes that apply (http_status, trans_code, trans_msg, rtn_code, rtn_msg).

--file reads one Tsr per line (- is stdin; blank lines and # comments are
skipped; a UTF-8 byte-order mark is dropped) as a stream, up to ` + input.SizeName(batch.MaxSourceBytes) + `;
what is neither a regular file nor a pipe (a directory, /dev/zero) is
refused. --tsr values and lines are trimmed alike. A line that is not
valid UTF-8 (say, a UTF-16 file) or holds a control or format character
(NUL, DEL, U+202E, U+FEFF) is reported with its line number and not sent. A Tsr given again in the same
run is reported with "outcome":"duplicate" and not sent again (exit 2).

--out FILE keeps the final result lines (ok, or refused: validation, trans,
api), exactly as stdout prints them, one per Tsr across runs; jq over it
gives one object per Tsr. Its journal FILE.journal (0600) records what the
results belong to (operation, environment or base URL, MerchantID,
PlatformID; never keys), a synced intent line before each request, and the
attempts that settled nothing (transport, HTTP, decode failures). A rerun
with the same --out resumes: settled Tsrs are not sent and are repeated on
stdout with "skipped":true, their failures still counting in the exit
status (the summary says how many failed in an earlier run); the others
are sent. A rerun against another
target (--env, --base-url, merchant, platform or operation) is refused. A
Tsr whose earlier attempt may have reached ECPay unanswered (the run died
with it in flight, or it timed out) is sent again with "resent":true; if
ECPay then refuses it as already done, that attempt most likely succeeded:
it ends with "outcome":"probably_done_earlier", which is not a failure. A
results file without its journal, as the previous version of this command
wrote (with intent lines in it), is refused: --adopt converts it for this
run's target. When FILE or its journal cannot be written (disk full), the
batch stops sending at once, lets the calls in flight finish, names on
stderr the answered Tsrs that are on stdout but not in FILE, and exits 3.

Progress goes to stderr, its rate and ETA counting only the Tsrs sent.
SIGINT (Ctrl-C) or SIGTERM stops sending, lets the calls in flight finish
and exits 130; a second signal quits at once. ECPay has no idempotency key
and answers HTTP 403 to callers that are too fast, so --rate is
conservative and retries are off unless --retry is given.`,
		examples: []string{
			"ecpay-invoice " + c + " --tsr 201909170001",
			"ECPAY_MERCHANT_ID=… ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice " + c + " --env prod --file tsrs.txt --out results.jsonl",
			"ecpay-invoice " + c + " --base-url http://127.0.0.1:8080 --file - --concurrency 8 --rate 0 < tsrs.txt",
		},
	}
}

// batchFlags are the flags of a batch subcommand, parsed into by fs.
type batchFlags struct {
	fs                    *pflag.FlagSet
	cf                    clientFlags
	tsrs                  cmdline.Repeated
	file, out             string
	adopt                 bool
	concurrency, attempts int
	rps                   float64
}

// define registers the flags of the batch subcommand on fs and returns its
// run.
func (bop *batchOp) define(fs *pflag.FlagSet) runFunc {
	f := &batchFlags{fs: fs}
	f.cf.register(fs)
	keys := bop.Key + "s"
	if bop.Whole {
		fs.StringVar(&f.file, "file", "", "read the request Data of "+bop.Op.Name+" from `FILE`, one JSON object per line (- for stdin)")
	} else {
		fs.Var(&f.tsrs, "tsr", "a `Tsr` to send; repeatable")
		fs.StringVar(&f.file, "file", "", "read Tsrs from `FILE`, one per line (- for stdin)")
	}
	fs.StringVar(&f.out, "out", "", "keep final results in `FILE` (its journal in FILE.journal) and skip the "+keys+" it settles (resume)")
	if !bop.Whole {
		fs.BoolVar(&f.adopt, "adopt", false, "convert an --out results file that has no journal (an earlier version's) for this run's target")
	}
	fs.IntVar(&f.concurrency, "concurrency", 4, "make at most `N` calls at once")
	fs.Float64Var(&f.rps, "rate", 5, "at most `R` requests per second; 0 for no limit")
	fs.IntVar(&f.attempts, "retry", 1, "make up to `N` attempts per "+bop.Key+", repeating only failures that provably never reached ECPay (a failed dial, HTTP 429 or 503)")
	return func(ctx context.Context, _ []string, std stdio) int { return bop.run(ctx, f, std) }
}

// run is the batch subcommand once its flags f are parsed.
func (bop *batchOp) run(ctx context.Context, f *batchFlags, std stdio) int {
	fail := func(err error) int { return usageFailure(bop.command, err, std.stderr) }
	switch {
	case bop.Whole && f.file == "":
		return fail(usagef("give --file (- for stdin): one %s request Data per line", bop.Op.Name))
	case len(f.tsrs) == 0 && f.file == "":
		return fail(usagef("give --tsr or --file"))
	case len(f.tsrs) > 0 && f.file != "":
		return fail(usagef("give --tsr or --file, not both"))
	case f.concurrency < 1 || f.concurrency > 256:
		return fail(usagef("--concurrency must be 1 to 256"))
	case math.IsNaN(f.rps) || math.IsInf(f.rps, 0) || f.rps < 0:
		return fail(usagef("--rate must be a number of requests per second, 0 or more (0: no limit)"))
	case f.attempts < 0:
		return fail(usagef("--retry must not be negative"))
	case f.adopt && f.out == "":
		return fail(usagef("--adopt needs --out"))
	}
	cred, baseURL, err := f.cf.resolve(f.fs, std.getenv)
	if err != nil {
		return fail(err)
	}
	if f.out != "" {
		if err := notTheInput(f.file, f.out, std.stdin); err != nil {
			return fail(err)
		}
	}
	var src *batch.Source
	if bop.Whole {
		src, err = batch.OpenDataSource(ctx, bop.Operation, f.file, std.stdin)
	} else {
		src, err = batch.OpenSource(ctx, f.tsrs, f.file, std.stdin)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice %s: %v\n", bop.command, err)
			return exitInterrupted
		}
		return fail(err)
	}
	defer src.Close()

	cfg := batch.Config{Operation: bop.Operation, Concurrency: f.concurrency, Rate: f.rps, Timeout: f.cf.timeout, Stdout: std.stdout, Stderr: std.stderr}
	if f.out != "" {
		cfg.Out, cfg.Adopt = f.out, f.adopt
		cfg.Target = batch.Target{Operation: bop.Op.Name, BaseURL: baseURL, MerchantID: cred.merchantID, PlatformID: cred.platformID}
	}
	var more []wrapper.Option
	if f.attempts > 1 {
		more = append(more, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: f.attempts}))
	}
	b, err := batch.Start(ctx, cfg, func(opts ...wrapper.Option) (*wrapper.Client, error) {
		return newClient(cred, baseURL, f.cf.timeout, newHTTPClient(f.concurrency), append(more, opts...)...)
	})
	if err != nil {
		return fail(err)
	}
	return b.Run(src)
}

// notTheInput refuses an --out whose results file or journal is the --file
// (or the file stdin reads): the batch would read its own output.
func notTheInput(file, out string, stdin io.Reader) error {
	var input os.FileInfo
	switch {
	case file == "-":
		if f, ok := stdin.(*os.File); ok {
			input, _ = f.Stat()
		}
	case file != "":
		input, _ = os.Stat(file)
	}
	if input == nil {
		return nil
	}
	for _, path := range batch.Files(out) {
		if info, err := os.Stat(path); err == nil && os.SameFile(input, info) {
			return usagef("--file and --out name the same file (%s): the batch would read its own results; give another --out", path)
		}
	}
	return nil
}
