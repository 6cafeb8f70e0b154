package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecpay-go/einvoice/internal/input"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Config is what a batch needs besides its keys and its client.
type Config struct {
	Operation   *Operation
	Concurrency int           // calls at once, at least 1
	Rate        float64       // requests per second; 0 for no limit
	Timeout     time.Duration // the client's, named in messages
	// Out is the results file (its journal is Out + ".journal"); "" for
	// none. Target is what its results belong to; Adopt converts a results
	// file an earlier version wrote without a journal.
	Out    string
	Target Target
	Adopt  bool
	// Stdout receives the result lines, Stderr progress and notes.
	Stdout, Stderr io.Writer
}

// NewClient makes the batch's client with the options it is given (the
// batch's attempt hook) added to the caller's own.
type NewClient func(opts ...wrapper.Option) (*wrapper.Client, error)

// Start prepares a batch of cfg whose calls stop being sent when ctx ends:
// its client, made by newClient with the batch's attempt hook, then, with
// cfg.Out, its journal, which holds the files' locks until Run returns.
// Its errors are about cfg (e.g. a results file of another Target).
func Start(ctx context.Context, cfg Config, newClient NewClient) (*Batch, error) {
	stop, abort := context.WithCancelCause(ctx)
	b := &Batch{bop: cfg.Operation, concurrency: cfg.Concurrency, timeout: cfg.Timeout, stdout: cfg.Stdout, stop: stop, abort: abort}
	if cfg.Rate > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	var err error
	if b.client, err = newClient(wrapper.WithAttemptHook(wrapper.AttemptHook{Before: b.beforeAttempt})); err != nil {
		abort(nil)
		return nil, err
	}
	// Last, once nothing else can fail: the journal holds the files' locks.
	if cfg.Out != "" {
		if b.journal, err = openJournal(cfg.Out, cfg.Target, cfg.Operation.Key, cfg.Operation.KeyMember, cfg.Adopt, cfg.Stderr); err != nil {
			abort(nil)
			return nil, err
		}
		b.journal.onFail = abort
	}
	b.progress = newProgress(cfg.Stderr, cfg.Operation.Key)
	return b, nil
}

// Run sends every key of src and returns the exit status: the worst of the
// results' (ExitRefused, ExitInvalid, ExitFailure), ExitInterrupted when
// ctx ended first, ExitFailure when the results file could not be written.
func (b *Batch) Run(src *Source) int {
	defer b.abort(nil)
	return b.run(src)
}

// Batch sends a stream of keys with a fixed number of workers. Memory does
// not grow with the number of keys but for the duplicate check (seenSet) and,
// with --out, the journal's index of earlier runs' keys: the reader hands one
// key (and its line of Data) at a time to the workers, and results go
// straight to stdout and the journal.
type Batch struct {
	bop         *Operation
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

	unhandled atomic.Int64 // keys taken but not sent because of stop
	over      atomic.Bool  // the batch is over: the counting pass may stop
}

// job is one key for a worker: the request Data of a Whole line, where it
// was read, and whether an earlier attempt may have reached ECPay.
type job struct {
	key    string
	data   []byte
	where  string
	resent bool
}

// run processes every key of src and returns the exit status.
func (b *Batch) run(src *Source) int {
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
			// The workers may end before this select sees the stop (a
			// signal while the input was still being opened or read): the
			// user is told why all the same.
			if b.stop.Err() != nil {
				b.progress.note("ecpay-invoice: %s: sending no more requests", stopReason(b.stop))
			}
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
			code = worse(code, ExitInvalid)
		} else {
			code = worse(code, ExitFailure)
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
			b.progress.note("ecpay-invoice: %d answered %ss are on stdout but not in %s: %s; their intents are in the journal, so a rerun with the same --out %s",
				len(unwritten), b.bop.Key, b.journal.results.path, joinKeys(unwritten), b.afterLoss())
		}
		return ExitFailure
	case interrupted:
		return ExitInterrupted
	}
	return code
}

// stopReason says why stop ended.
func stopReason(stop context.Context) string {
	var sig Interruption
	switch cause := context.Cause(stop); {
	case errors.As(cause, &sig) && sig.Signal == os.Interrupt:
		return "interrupted (SIGINT)"
	case errors.As(cause, &sig):
		return "stopped by " + SignalName(sig.Signal)
	case errors.Is(cause, context.Canceled):
		return "interrupted"
	default:
		return fmt.Sprint(cause)
	}
}

// againHint says how to quit at once, for a signal only: Ctrl-C is SIGINT's.
func againHint(stop context.Context) string {
	var sig Interruption
	if !errors.As(context.Cause(stop), &sig) {
		return ""
	}
	if sig.Signal == os.Interrupt {
		return " (Ctrl-C again to quit now)"
	}
	return " (" + SignalName(sig.Signal) + " again to quit now)"
}

// fatalCause returns why stop ended when it was not a signal: a file that
// could not be written.
func fatalCause(stop context.Context) error {
	cause := context.Cause(stop)
	var sig Interruption
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
func (b *Batch) summary(interrupted bool) string {
	p := b.progress
	done, failed, skipped := p.done.Load(), p.failed.Load(), p.skipped.Load()
	earlier, duplicates := p.earlier.Load(), p.duplicates.Load()
	noun := b.bop.Key + "s"
	if done == 1 {
		noun = b.bop.Key
	}
	s := fmt.Sprintf("ecpay-invoice: %d %s: %d ok, %d failed, %d skipped", done, noun, done-failed-skipped-earlier-duplicates, failed, skipped)
	if earlier > 0 {
		s += fmt.Sprintf(", %d probably done earlier (resent after a lost answer and refused as already done: not failures)", earlier)
	}
	if duplicates > 0 {
		s += fmt.Sprintf(", %d duplicates", duplicates)
	}
	if settled := p.settled.Load(); settled > 0 {
		s += fmt.Sprintf(" (of the ok, %d issued by an earlier attempt whose answer was lost, found by %s, not sent again)", settled, b.bop.settle.lookupName)
	}
	s += fmt.Sprintf(", in %s (%d sent, %.1f/s)", time.Since(p.start).Round(time.Millisecond), p.sent.Load(), p.rate())
	if interrupted {
		if b.journal != nil {
			s += "; interrupted: rerun with the same --out to resume"
		} else {
			s += "; interrupted: the remaining " + b.bop.Key + "s were not sent"
		}
	}
	return s
}

// earlierFailures ends the summary of a rerun that skipped n keys whose
// result in --out is a failure: without it, "0 failed" and exit status 1
// would contradict each other. When decides, they alone make the exit
// status code.
func (b *Batch) earlierFailures(n, code int, decides bool) string {
	noun := b.bop.Key + "s"
	if n == 1 {
		noun = b.bop.Key
	}
	s := fmt.Sprintf("; %d skipped %s failed in an earlier run (see %s)", n, noun, b.journal.results.path)
	if decides {
		s += fmt.Sprintf(": exit status %d for them", code)
	}
	return s
}

// count counts the input in a second pass, for the progress: every key,
// and those that will need a request.
func (b *Batch) count(src *Source) {
	var total, toSend int64
	stopped := false
	src.count(func(it item) {
		if stopped = stopped || b.over.Load(); stopped {
			return
		}
		total++
		// A key the client refuses without a request is counted here
		// and taken off when it is refused (progress.unsendable).
		if it.problem != "" || (b.journal != nil && b.journal.lookup(it.key).final != 0) {
			return
		}
		toSend++
	})
	if !stopped {
		b.progress.setTotal(total, toSend)
	}
}

// read feeds jobs until the input ends (all is then true) or the batch
// stops. It settles itself what needs no request: repeats, keys the journal
// already settles, and lines that hold no key that could be sent.
func (b *Batch) read(src *Source, jobs chan<- job) (all bool, err error) {
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
		if first, repeated := seen.add(it.key, it.number); repeated {
			r := b.bop.invalidResult(it.key, fmt.Sprintf("%s repeats the %s of %s: it is sent once, not again", it.where, b.bop.Key, src.where(first)))
			r.Outcome = OutcomeDuplicate
			b.emit(&r, false)
			continue
		}
		if seen.full && !warnedFull {
			warnedFull = true
			b.progress.note("ecpay-invoice: more than %d distinct %ss: repeats of later ones are not detected as duplicates", maxSeen, b.bop.Key)
		}
		var e journalEntry
		if b.journal != nil {
			if e = b.journal.lookup(it.key); e.final != 0 {
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
			r := b.bop.invalidResult(it.key, it.where+" "+it.problem+"; nothing was sent")
			b.emit(&r, false)
			continue
		}
		select {
		case jobs <- job{key: it.key, data: it.data, where: it.where, resent: e.resend()}:
		case <-b.stop.Done():
			return false, nil
		}
	}
}

// where names the line or --tsr value number of src.
func (s *Source) where(number int) string {
	if s.lines == nil {
		return fmt.Sprintf("--tsr value %d", number)
	}
	return fmt.Sprintf("line %d", number)
}

// work sends the keys of jobs until there are no more or the batch stops.
func (b *Batch) work(jobs <-chan job) {
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

// emit prints r on stdout and records it: a final result in the results
// file, the unsettled answer to a request in the journal. sent says whether
// a request was made for it.
func (b *Batch) emit(r *Result, sent bool) {
	buf := encodeResult(r)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	if b.journal != nil && !r.Skipped {
		switch {
		case r.Final():
			b.journal.record(buf.Bytes(), r.Key, true)
		case sent:
			b.journal.record(buf.Bytes(), r.Key, false)
		}
	}
	_, _ = b.stdout.Write(buf.Bytes())
	code := r.exitCode()
	b.code = worse(b.code, code)
	if r.Skipped {
		if code != ExitOK {
			b.earlier.failed++
		}
		b.earlier.code = worse(b.earlier.code, code)
	} else {
		b.ownCode = worse(b.ownCode, code)
	}
	b.progress.add(r, sent)
}

// errStopping fails a request that the batch's stop kept from being sent.
var errStopping = errors.New("not sent: the batch is stopping")

// beforeAttempt is the batch's hook before each request goes out, retries
// included: nothing is sent once the batch stops, and with a journal the
// request's intent is journalled and synced first.
func (b *Batch) beforeAttempt(_ context.Context, info wrapper.AttemptInfo) error {
	if b.stop.Err() != nil {
		return errStopping
	}
	if b.journal != nil && info.Operation == b.bop.Op.Name {
		// A lookup (GetIssue) changes nothing: it needs no intent.
		key, err := b.bop.keyOf(info.Data)
		if err == nil {
			err = b.journal.intent(key)
		}
		if err != nil {
			// Without its intent on disk a request must not go out.
			b.abort(err)
			return errStopping
		}
	}
	if b.progress != nil {
		b.progress.sending()
	}
	return nil
}
