package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/input"
)

// maxEnvelopeBytes bounds the file validate reads: ECPay's bodies are far
// smaller, and the simulator refuses more than 1 MiB.
const maxEnvelopeBytes = 8 << 20

func validateHelp() help {
	return help{
		usage: "validate (--request FILE | --response FILE) [--operation OP] [--envelope-only] [credential flags] | validate --record FILE [--html REPORT]",
		about: `Checks a captured envelope (a JSON file; - for stdin) of any operation
against its page as this module embeds it: the request envelope, or the
response envelope as the HTTP 200 answer, and then its Data, decrypted with
the merchant's HashKey and HashIV, against the page's request or response
Data schema, and a request's Data that matches it against the page's
business rules (x-ecpay-validations in its overlay, as the client checks
them before sending: a rule broken is printed at its first field with
the rule's message, Data#/SalesAmount: x-ecpay-validations: …). An
answer's Data that is a plain JSON object, as ECPay answers GetIssueList
(x-ecpay-answer-data: plain in its overlay), is checked as it is, with a
note; for any other operation the envelope check reports it.
--operation names the operation (` + registry.Names() + `,
or in kebab case); without it, the operation is told first by the names of
the decrypted Data's members (the operations whose Data schema declares
every one of them and requires the fewest that are missing), then checked,
so that a broken member is named with the rule it breaks. Of several, those
the Data is valid for count (for a response, those whose pages know its
RtnCode): a Data valid for several operations is valid, and validate names
them. If no operation declares every member, or those left judge the Data
differently, validate says so and asks for --operation.
Offline, validate cannot check whether a request's RqHeader.Timestamp is
within ` + timestampWindow + ` of ECPay's clock (that depends on when it is
sent): a request found ok is printed with a note that says so.
Each violation is printed on stdout with its JSON pointer, in the envelope
(envelope#/RqHeader/Timestamp) or in the decrypted Data (Data#/Tsr). Exit
status 1 if there is any violation, 2 if the file cannot be read or the
operation cannot be told. The check of the response Data is strict: ECPay's
own example answers "RtnCode": "1", a string, which the pages' integer type
rejects (the client accepts it).

--record FILE re-checks a recording of ecpay-sim --upstream --record (or -
for stdin) against the pages as this build embeds them, for instance after
a spec update: every exchange, both sides, from the decrypted Data the
recording holds, so no keys are needed (a Data that did not decrypt when it
was recorded keeps its recorded verdict). Each violation is printed as
"line N: Operation: side where#pointer: rule: reason", marked "(new since
the recording)" when the recording did not hold it; a violation the
recording holds that the pages no longer find is printed as "no longer a
violation". Exchanges whose upstream failed are counted, not checked. Exit
status 1 if any violation is found, 2 if a line of FILE is not an exchange.
With --html REPORT it also writes the check as one HTML file with no
external asset, for a CI job to keep: a summary (exchanges, operations,
violations, upstream failures), then each exchange (the latest 2,000) with
both sides' decrypted Data and each violation pinned to its field, as
ecpay-sim's inspector page shows them. It holds the decrypted Data, and
is created readable by its owner only.

Each FILE is a regular file or a pipe (a directory or a device such as
/dev/zero is refused) and is read up to a bound: 8 MiB for an envelope,
4 GiB for a recording. SIGINT or SIGTERM stops validate at once, with exit
status 130, even while it waits on a pipe.`,
		examples: []string{
			"ecpay-invoice validate --request captured-request.json",
			"ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice validate --env prod --response captured-response.json --operation TriggerIssue",
			"ecpay-invoice validate --envelope-only --request - < captured-request.json",
			"ecpay-invoice validate --record ecpay-contract.jsonl",
			"ecpay-invoice validate --record ecpay-contract.jsonl --html contract-report.html",
		},
	}
}

// timestampWindow is how far ECPay lets RqHeader.Timestamp be from its clock,
// from the pages, for the messages that say validate does not check it.
var timestampWindow = fmt.Sprintf("%d minutes", int(registry.TimestampWindow.Minutes()))

// validateFlags are the flags of validate, parsed into by fs.
type validateFlags struct {
	fs                                               *pflag.FlagSet
	cf                                               credentialFlags
	requestFile, responseFile, operation, recordFile string
	htmlFile                                         string
	envelopeOnly                                     bool
}

// defineValidate registers the flags of validate on fs and returns its run.
func defineValidate(fs *pflag.FlagSet) runFunc {
	v := &validateFlags{fs: fs}
	v.cf.register(fs)
	fs.StringVar(&v.requestFile, "request", "", "a captured request envelope, JSON `FILE` (- for stdin)")
	fs.StringVar(&v.responseFile, "response", "", "a captured response envelope, JSON `FILE` (- for stdin)")
	fs.StringVar(&v.operation, "operation", "", "`OP`, the operation the envelope is for (default: the one its decrypted Data matches)")
	fs.BoolVar(&v.envelopeOnly, "envelope-only", false, "check the envelope only, not its decrypted Data (no credentials needed)")
	fs.StringVar(&v.recordFile, "record", "", "re-check every exchange of a recording of ecpay-sim --record, `FILE` (- for stdin)")
	fs.StringVar(&v.htmlFile, "html", "", "with --record, also write the check as one self-contained HTML report, `FILE`")
	return v.run
}

// run is validate once its flags are parsed.
func (v *validateFlags) run(ctx context.Context, _ []string, std stdio) int {
	fail := func(err error) int { return usageFailure("validate", err, std.stderr) }
	if v.recordFile != "" {
		var others []string
		v.fs.Visit(func(f *pflag.Flag) {
			if f.Name != "record" && f.Name != "html" {
				others = append(others, "--"+f.Name)
			}
		})
		if len(others) > 0 {
			return fail(usagef("--record takes no other flag (%s): the recording names each operation and holds its decrypted Data", strings.Join(others, ", ")))
		}
		return validateRecording(ctx, v.recordFile, v.htmlFile, std)
	}
	if v.htmlFile != "" {
		return fail(usagef("--html needs --record FILE: the report is of a recording"))
	}
	if (v.requestFile == "") == (v.responseFile == "") {
		return fail(usagef("give either --request FILE, --response FILE or --record FILE"))
	}
	var op *registry.Operation
	if v.operation != "" {
		if op = lookupOperation(v.operation); op == nil {
			return fail(unknownOperation("--operation", v.operation))
		}
	}
	var codec *ecpaycrypto.Codec
	if !v.envelopeOnly {
		cred, err := v.cf.resolve(v.fs, std.getenv, false)
		if err != nil {
			return fail(err)
		}
		if codec, err = cred.codec(); err != nil {
			return fail(err)
		}
	}
	what, path := "request", v.requestFile
	if path == "" {
		what, path = "response", v.responseFile
	}
	body, err := readEnvelope(ctx, "--"+what, path, std.stdin)
	switch {
	case ctx.Err() != nil:
		return interrupted(std, context.Cause(ctx))
	case err != nil:
		var tooLarge *input.TooLargeError
		if errors.As(err, &tooLarge) {
			return fail(usagef("%s is larger than %s: not an ECPay envelope", path, input.SizeName(maxEnvelopeBytes)))
		}
		return fail(err)
	}
	checker, err := contract.New()
	if err != nil {
		fmt.Fprintf(std.stderr, "ecpay-invoice validate: loading the pages: %v\n", err)
		return exitFailure
	}
	rep, err := checkCaptured(ctx, checker.AllViolations(), what, body, codec, op)
	if err != nil {
		return fail(err)
	}
	for _, f := range rep.findings {
		fmt.Fprintln(std.stdout, f)
	}
	for _, n := range rep.notes {
		fmt.Fprintln(std.stdout, "note: "+n)
	}
	of := ""
	if len(rep.ops) > 0 {
		of = " of " + opNames(rep.ops)
	}
	if len(rep.findings) > 0 {
		// The same status as a refusal: the answer is "no".
		noun := "violations"
		if len(rep.findings) == 1 {
			noun = "violation"
		}
		fmt.Fprintf(std.stdout, "%s: %d %s of the spec%s\n", what, len(rep.findings), noun, of)
		return exitRefused
	}
	if what == "request" {
		fmt.Fprintf(std.stdout, "note: not checked offline: whether RqHeader.Timestamp is within %s of ECPay's clock when the request reaches it\n", timestampWindow)
	}
	if !rep.dataChecked {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope matches the spec%s (Data not checked)\n", what, of)
	} else {
		fmt.Fprintf(std.stdout, "%s: ok: the envelope and its decrypted Data match the spec%s\n", what, of)
	}
	return exitOK
}

// readEnvelope reads the file at path (- for stdin), which the flag named
// flag gave, up to maxEnvelopeBytes. What is neither a regular file nor a
// pipe is refused; a wait on a pipe ends with ctx. A file too long is a
// *input.TooLargeError.
func readEnvelope(ctx context.Context, flag, path string, stdin io.Reader) ([]byte, error) {
	var in *input.File
	if path == "-" {
		in = input.Stream(ctx, flag, "stdin", stdin, maxEnvelopeBytes)
	} else {
		var err error
		if in, err = input.Open(ctx, flag, path, maxEnvelopeBytes); err != nil {
			return nil, err
		}
		defer in.Close()
	}
	return io.ReadAll(in)
}
