package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/spf13/pflag"
	"golang.org/x/time/rate"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/wrapper"
)

// batchOp is an operation of the registry that the batch engine runs, one
// request per Tsr: its request Data has a Tsr, and every other required
// field but MerchantID has a default or a single allowed value in the page's
// schema (registry.RequestDefaults). A request is the Tsr alone: the client
// fills in MerchantID and those fields. It becomes the subcommand named
// after the operation in kebab case.
type batchOp struct {
	op      *registry.Operation
	command string
	fields  []sentField
}

// sentField is a required field a batch sends with the same value for every
// Tsr.
type sentField struct {
	name  string
	value json.RawMessage
	why   string // where the value comes from
}

// batchOperations returns the batch operations of the registry, in its
// order, read from the pages' schemas once.
var batchOperations = sync.OnceValue(func() []*batchOp {
	var out []*batchOp
	for _, op := range registry.All() {
		if bop, _ := batchFor(op); bop != nil {
			out = append(out, bop)
		}
	}
	return out
})

// batchFor returns the batch of op, or nil and why op cannot have one. It
// reads op's request Data schema, required members and defaults from its
// Model, compiled once per process.
func batchFor(op *registry.Operation) (*batchOp, string) {
	m, err := op.Model()
	if err != nil {
		return nil, "the pages do not load: " + err.Error()
	}
	if p := m.RequestData.Properties["Tsr"]; p == nil || p.Value == nil || !p.Value.Type.Is("string") {
		return nil, "its request Data has no Tsr"
	}
	bop := &batchOp{op: op, command: kebab(op.Name)}
	defaults := m.Defaults
	for _, name := range m.Required {
		if name == "Tsr" || name == "MerchantID" {
			continue
		}
		i := slices.IndexFunc(defaults, func(d registry.Default) bool { return d.Name == name })
		if i < 0 {
			return nil, fmt.Sprintf("its required field %s has neither a default nor a single allowed value", name)
		}
		value, err := json.Marshal(defaults[i].Value)
		if err != nil {
			return nil, fmt.Sprintf("the value of its field %s does not encode: %v", name, err)
		}
		bop.fields = append(bop.fields, sentField{name: name, value: value, why: defaults[i].Why})
	}
	return bop, ""
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

// request returns the request Data for tsr: the Tsr alone, as the client
// fills in the rest from the page (see batchOp).
func (bop *batchOp) request(tsr string) json.RawMessage {
	quoted, _ := json.Marshal(tsr) // a string always encodes
	data := make([]byte, 0, len(`{"Tsr":}`)+len(quoted))
	data = append(append(data, `{"Tsr":`...), quoted...)
	return append(data, '}')
}

// summary is the subcommand's line in the main usage.
func (bop *batchOp) summary() string {
	return fmt.Sprintf("%s by Tsr, as a resumable batch: %s", bop.op.Name, bop.op.Summary)
}

// sends describes the request Data, for --help.
func (bop *batchOp) sends() string {
	var data, why []string
	data = append(data, `"Tsr":"…"`)
	for _, f := range bop.fields {
		data = append(data, fmt.Sprintf("%q:%s", f.name, f.value))
		why = append(why, fmt.Sprintf("%s %s is %s", f.name, f.value, f.why))
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
			bop.op.Name, bop.op.Summary, bop.op.Description, bop.sends(), successes(bop.op)), "") + `

Stdout holds one JSON object per Tsr and nothing else:
  {"tsr":"…","ok":true,"rtn_code":…,"rtn_msg":"…"}
  {"tsr":"…","ok":false,"error":{"kind":"api","message":"…"},"rtn_code":…,"rtn_msg":"…"}
error.kind is validation, http, trans, api, decode or transport, with the
codes that apply (http_status, trans_code, trans_msg, rtn_code, rtn_msg).

--file reads one Tsr per line (- is stdin; blank lines and # comments are
skipped; a UTF-8 byte-order mark is dropped) as a stream, up to ` + input.SizeName(maxTsrFile) + `;
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

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// Type is what pflag calls the flag's value.
func (r *repeated) Type() string { return "string" }

// batchFlags are the flags of a batch subcommand, parsed into by fs.
type batchFlags struct {
	fs                    *pflag.FlagSet
	cf                    clientFlags
	tsrs                  repeated
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
	fs.Var(&f.tsrs, "tsr", "a `Tsr` to send; repeatable")
	fs.StringVar(&f.file, "file", "", "read Tsrs from `FILE`, one per line (- for stdin)")
	fs.StringVar(&f.out, "out", "", "keep final results in `FILE` (its journal in FILE.journal) and skip the Tsrs it settles (resume)")
	fs.BoolVar(&f.adopt, "adopt", false, "convert an --out results file that has no journal (an earlier version's) for this run's target")
	fs.IntVar(&f.concurrency, "concurrency", 4, "make at most `N` calls at once")
	fs.Float64Var(&f.rps, "rate", 5, "at most `R` requests per second; 0 for no limit")
	fs.IntVar(&f.attempts, "retry", 1, "make up to `N` attempts per Tsr, repeating only failures that provably never reached ECPay (a failed dial, HTTP 429 or 503)")
	return func(ctx context.Context, _ []string, std stdio) int { return bop.run(ctx, f, std) }
}

// run is the batch subcommand once its flags f are parsed.
func (bop *batchOp) run(ctx context.Context, f *batchFlags, std stdio) int {
	fail := func(err error) int { return usageFailure(bop.command, err, std.stderr) }
	switch {
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
	src, err := openTsrSource(ctx, f.tsrs, f.file, std.stdin)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(std.stderr, "ecpay-invoice %s: %v\n", bop.command, err)
			return exitInterrupted
		}
		return fail(err)
	}
	defer src.close()

	stop, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	b := &batch{bop: bop, concurrency: f.concurrency, timeout: f.cf.timeout, stdout: std.stdout, stop: stop, abort: abort}
	if f.rps > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(f.rps), 1)
	}
	send := &sender{next: newHTTPClient(f.concurrency), stop: stop, abort: abort}
	var more []wrapper.Option
	if f.attempts > 1 {
		more = append(more, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: f.attempts}))
	}
	if b.client, err = newClient(cred, baseURL, f.cf.timeout, send, more...); err != nil {
		return fail(err)
	}
	// Last, once nothing else can fail: the journal holds the files' locks.
	if f.out != "" {
		tgt := target{Operation: bop.op.Name, BaseURL: baseURL, MerchantID: cred.merchantID, PlatformID: cred.platformID}
		if b.journal, err = openJournal(f.out, tgt, f.adopt, std.stderr); err != nil {
			return fail(err)
		}
		b.journal.onFail = abort
		send.journal = b.journal
	}
	b.progress = newProgress(std.stderr)
	send.sending = b.progress.sending
	return b.run(src)
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
	for _, path := range journalFiles(out) {
		if info, err := os.Stat(path); err == nil && os.SameFile(input, info) {
			return usagef("--file and --out name the same file (%s): the batch would read its own results; give another --out", path)
		}
	}
	return nil
}

// batch sends a stream of Tsrs with a fixed number of workers. Memory does
// not grow with the number of Tsrs but for the duplicate check (seenSet) and,
// with --out, the journal's index of earlier runs' Tsrs: the reader hands one
// Tsr at a time to the workers, and results go straight to stdout and the
// journal.
type batch struct {
	bop         *batchOp
	client      *wrapper.Client
	limiter     *rate.Limiter // nil: no --rate limit
	journal     *journal      // nil without --out
	concurrency int
	timeout     time.Duration // --timeout, for messages
	stdout      io.Writer
	progress    *progress

	// stop ends at the first signal, or with a cause when a file fails:
	// no request is sent after it, calls in flight finish.
	stop  context.Context
	abort context.CancelCauseFunc

	mu     sync.Mutex // guards stdout, the journal's records, the codes and closed
	code   int
	closed bool // run has returned; late output is dropped
	// earlier counts the results a rerun repeats from --out that are
	// failures, and the exit status of those results; ownCode is the exit
	// status of this run's own results.
	earlier struct{ failed, code int }
	ownCode int

	unhandled atomic.Int64 // Tsrs taken but not sent because of stop
	over      atomic.Bool  // the batch is over: the counting pass may stop
}

// job is one Tsr for a worker.
type job struct {
	tsr    string
	resent bool
}

// run processes every Tsr of src and returns the exit status.
func (b *batch) run(src *tsrSource) int {
	if src.count != nil {
		go b.count(src)
	}
	jobs := make(chan job)
	read := make(chan readOutcome, 1)
	go func() {
		all, err := b.read(src, jobs)
		read <- readOutcome{all, err}
		close(jobs)
	}()
	notice, noticed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(noticed)
		select {
		case <-b.stop.Done():
			b.progress.note("ecpay-invoice: %s: sending no more requests; waiting for the calls in flight%s", stopReason(b.stop), againHint(b.stop))
		case <-notice:
		}
	}()
	var wg sync.WaitGroup
	for range b.concurrency {
		wg.Go(func() { b.work(jobs) })
	}
	wg.Wait()
	close(notice)
	<-noticed
	b.over.Store(true)

	// A reader still busy was stopped, perhaps while blocked on stdin: it
	// is left behind, and emit ignores it from now on.
	var outcome readOutcome
	select {
	case outcome = <-read:
	default:
	}
	b.mu.Lock()
	b.closed = true
	code, earlier, ownCode := b.code, b.earlier, b.ownCode
	b.mu.Unlock()

	interrupted := !outcome.all || b.unhandled.Load() > 0
	fatal := fatalCause(b.stop)
	var unwritten []string
	if b.journal != nil {
		var err error
		if unwritten, err = b.journal.close(); err != nil && fatal == nil {
			fatal = err
		}
	}
	if outcome.err != nil {
		b.progress.note("ecpay-invoice: %v", outcome.err)
		var tooLarge *input.TooLargeError
		if errors.As(outcome.err, &tooLarge) {
			code = worse(code, exitInvalid)
		} else {
			code = worse(code, exitFailure)
		}
	}
	summary := b.summary(interrupted)
	if earlier.failed > 0 {
		decides := earlier.code > ownCode && code == earlier.code && fatal == nil && !interrupted
		summary += b.earlierFailures(earlier.failed, earlier.code, decides)
	}
	b.progress.finish(summary)
	switch {
	case fatal != nil:
		b.progress.note("ecpay-invoice: stopped: %v", fatal)
		if len(unwritten) > 0 {
			b.progress.note("ecpay-invoice: %d answered Tsrs are on stdout but not in %s: %s; their intents are in the journal, so a rerun with the same --out sends them again, marked resent",
				len(unwritten), b.journal.results.path, joinTsrs(unwritten))
		}
		return exitFailure
	case interrupted:
		return exitInterrupted
	}
	return code
}

// stopReason says why stop ended.
func stopReason(stop context.Context) string {
	var sig interruption
	switch cause := context.Cause(stop); {
	case errors.As(cause, &sig) && sig.sig == os.Interrupt:
		return "interrupted (SIGINT)"
	case errors.As(cause, &sig):
		return "stopped by " + signalName(sig.sig)
	case errors.Is(cause, context.Canceled):
		return "interrupted"
	default:
		return fmt.Sprint(cause)
	}
}

// againHint says how to quit at once, for a signal only: Ctrl-C is SIGINT's.
func againHint(stop context.Context) string {
	var sig interruption
	if !errors.As(context.Cause(stop), &sig) {
		return ""
	}
	if sig.sig == os.Interrupt {
		return " (Ctrl-C again to quit now)"
	}
	return " (" + signalName(sig.sig) + " again to quit now)"
}

// fatalCause returns why stop ended when it was not a signal: a file that
// could not be written.
func fatalCause(stop context.Context) error {
	cause := context.Cause(stop)
	var sig interruption
	if cause == nil || errors.Is(cause, context.Canceled) || errors.As(cause, &sig) {
		return nil
	}
	return cause
}

// readOutcome is how the reader ended: all is set when it reached the end
// of the input (or an error reading it, in err).
type readOutcome struct {
	all bool
	err error
}

// summary is the last line on stderr. Its rate is of the requests sent.
func (b *batch) summary(interrupted bool) string {
	p := b.progress
	done, failed, skipped := p.done.Load(), p.failed.Load(), p.skipped.Load()
	earlier, duplicates := p.earlier.Load(), p.duplicates.Load()
	noun := "Tsrs"
	if done == 1 {
		noun = "Tsr"
	}
	s := fmt.Sprintf("ecpay-invoice: %d %s: %d ok, %d failed, %d skipped", done, noun, done-failed-skipped-earlier-duplicates, failed, skipped)
	if earlier > 0 {
		s += fmt.Sprintf(", %d probably done earlier (resent after a lost answer and refused as already done: not failures)", earlier)
	}
	if duplicates > 0 {
		s += fmt.Sprintf(", %d duplicates", duplicates)
	}
	s += fmt.Sprintf(", in %s (%d sent, %.1f/s)", time.Since(p.start).Round(time.Millisecond), p.sent.Load(), p.rate())
	if interrupted {
		if b.journal != nil {
			s += "; interrupted: rerun with the same --out to resume"
		} else {
			s += "; interrupted: the remaining Tsrs were not sent"
		}
	}
	return s
}

// earlierFailures ends the summary of a rerun that skipped n Tsrs whose
// result in --out is a failure: without it, "0 failed" and exit status 1
// would contradict each other. When decides, they alone make the exit
// status code.
func (b *batch) earlierFailures(n, code int, decides bool) string {
	noun := "Tsrs"
	if n == 1 {
		noun = "Tsr"
	}
	s := fmt.Sprintf("; %d skipped %s failed in an earlier run (see %s)", n, noun, b.journal.results.path)
	if decides {
		s += fmt.Sprintf(": exit status %d for them", code)
	}
	return s
}

// count counts the input in a second pass, for the progress: every Tsr,
// and those that will need a request.
func (b *batch) count(src *tsrSource) {
	var total, toSend int64
	stopped := false
	src.count(func(it tsrItem) {
		if stopped = stopped || b.over.Load(); stopped {
			return
		}
		total++
		// A Tsr the client refuses without a request is counted here
		// and taken off when it is refused (progress.unsendable).
		if it.problem != "" || (b.journal != nil && b.journal.lookup(it.tsr).final != 0) {
			return
		}
		toSend++
	})
	if !stopped {
		b.progress.setTotal(total, toSend)
	}
}

// read feeds jobs until the input ends (all is then true) or the batch
// stops. It settles itself what needs no request: repeats, Tsrs the journal
// already settles, and lines that hold no Tsr that could be sent.
func (b *batch) read(src *tsrSource, jobs chan<- job) (all bool, err error) {
	var seen seenSet
	warnedFull := false
	for {
		it, err := src.next()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			if b.stop.Err() != nil {
				return false, nil
			}
			// The input is unreadable, or longer than it may be: as far
			// as it goes, it is all read.
			return true, err
		}
		if b.stop.Err() != nil {
			return false, nil
		}
		if first, repeated := seen.add(it.tsr, it.number); repeated {
			r := invalidResult(it.tsr, fmt.Sprintf("%s repeats the Tsr of %s: it is sent once, not again", it.where, src.where(first)))
			r.Outcome = outcomeDuplicate
			b.emit(&r, false)
			continue
		}
		if seen.full && !warnedFull {
			warnedFull = true
			b.progress.note("ecpay-invoice: more than %d distinct Tsrs: repeats of later ones are not detected as duplicates", maxSeen)
		}
		var e journalEntry
		if b.journal != nil {
			if e = b.journal.lookup(it.tsr); e.final != 0 {
				r, err := b.journal.finalResult(e)
				if err != nil {
					b.abort(err)
					return false, nil
				}
				r.Skipped = true
				b.emit(&r, false)
				continue
			}
		}
		if it.problem != "" {
			r := invalidResult(it.tsr, it.where+" "+it.problem+"; nothing was sent")
			b.emit(&r, false)
			continue
		}
		select {
		case jobs <- job{tsr: it.tsr, resent: e.resend()}:
		case <-b.stop.Done():
			return false, nil
		}
	}
}

// where names the line or --tsr value number of src.
func (s *tsrSource) where(number int) string {
	if s.lines == nil {
		return fmt.Sprintf("--tsr value %d", number)
	}
	return fmt.Sprintf("line %d", number)
}

// work sends the Tsrs of jobs until there are no more or the batch stops.
func (b *batch) work(jobs <-chan job) {
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			b.send(j)
		case <-b.stop.Done():
			return
		}
	}
}

// send makes one Tsr's call and reports it. A call that the stop kept from
// being sent reports nothing: a rerun picks the Tsr up.
func (b *batch) send(j job) {
	if b.stop.Err() != nil {
		b.unhandled.Add(1)
		return
	}
	op, data := b.bop.op.Name, b.bop.request(j.tsr)
	// Pace only what will go on the wire: a Tsr the spec rejects is
	// refused by the client without a request. The wait is not part of
	// the call's --timeout.
	if b.limiter != nil && b.client.ValidateCall(op, data) == nil {
		if err := b.limiter.Wait(b.stop); err != nil {
			b.unhandled.Add(1)
			return
		}
	}
	// Calls in flight outlive the stop, bounded by --timeout; the
	// sender sees the Tsr through the context.
	ctx := context.WithValue(context.WithoutCancel(b.stop), tsrKey{}, j.tsr)
	res, err := b.client.Call(ctx, op, data)
	if errors.Is(err, errStopping) {
		b.unhandled.Add(1)
		return
	}
	r := result{Tsr: j.tsr, answer: newAnswer(res, err, b.timeout), Resent: j.resent}
	if j.resent && errors.Is(err, wrapper.ErrConflict) {
		r.Outcome = outcomeProbablyDoneEarlier
	}
	sent := err == nil || wrapper.ErrorKind(err) != wrapper.KindValidation
	if !sent {
		b.progress.unsendable()
	}
	b.emit(&r, sent)
}

// emit prints r on stdout and records it: a final result in the results
// file, the unsettled answer to a request in the journal. sent says whether
// a request was made for it.
func (b *batch) emit(r *result, sent bool) {
	buf := encodeResult(r)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if b.journal != nil && !r.Skipped {
		switch {
		case r.final():
			b.journal.record(buf.Bytes(), r.Tsr, true)
		case sent:
			b.journal.record(buf.Bytes(), r.Tsr, false)
		}
	}
	_, _ = b.stdout.Write(buf.Bytes())
	code := r.exitCode()
	b.code = worse(b.code, code)
	if r.Skipped {
		if code != exitOK {
			b.earlier.failed++
		}
		b.earlier.code = worse(b.earlier.code, code)
	} else {
		b.ownCode = worse(b.ownCode, code)
	}
	b.progress.add(r, sent)
}

// tsrKey carries the Tsr of a call to the sender.
type tsrKey struct{}

// errStopping fails a request that the batch's stop kept from being sent.
var errStopping = errors.New("not sent: the batch is stopping")

// sender is the HTTP client under the wrapper client: every request that
// goes on the wire, retries included, first has its intent journalled and
// synced.
type sender struct {
	next    wrapper.HTTPDoer
	journal *journal // nil: no journal
	stop    context.Context
	abort   context.CancelCauseFunc
	sending func() // called before each request goes out
}

func (s *sender) Do(req *http.Request) (*http.Response, error) {
	if s.stop.Err() != nil {
		return nil, errStopping
	}
	if s.journal != nil {
		tsr, _ := req.Context().Value(tsrKey{}).(string)
		if err := s.journal.intent(tsr); err != nil {
			// Without its intent on disk a request must not go out.
			s.abort(err)
			return nil, errStopping
		}
	}
	if s.sending != nil {
		s.sending()
	}
	return s.next.Do(req)
}
