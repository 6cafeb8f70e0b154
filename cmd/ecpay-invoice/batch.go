package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecpay-go/einvoice/wrapper"
)

// batch cancels a stream of Tsrs with a fixed number of workers. Memory
// does not grow with the number of Tsrs: the reader hands one Tsr at a time
// to the workers, and results go straight to stdout and the journal.
type batch struct {
	client      *wrapper.Client
	limiter     *rate.Limiter // nil: no --rate limit
	journal     *journal      // nil without --out
	concurrency int
	stdout      io.Writer
	progress    *progress

	// stop ends at the first signal, or with a cause when the journal
	// fails: no request is sent after it, calls in flight finish.
	stop  context.Context
	abort context.CancelCauseFunc

	mu     sync.Mutex // guards stdout, code and closed
	code   int
	closed bool // run has returned; late output is dropped

	unhandled atomic.Int64 // Tsrs taken but not sent because of stop
}

// job is one Tsr for a worker.
type job struct {
	tsr    string
	resent bool
}

// run processes every Tsr of src and returns the exit status.
func (b *batch) run(src *tsrSource) int {
	if src.count != nil {
		go func() { b.progress.setTotal(src.count()) }()
	}
	jobs := make(chan job)
	read := make(chan readOutcome, 1)
	go func() {
		all, err := b.read(src, jobs)
		read <- readOutcome{all, err}
		close(jobs)
	}()
	notice := make(chan struct{})
	go func() {
		select {
		case <-b.stop.Done():
			if context.Cause(b.stop) == context.Canceled {
				b.progress.note("ecpay-invoice: interrupted: sending no more requests; waiting for the calls in flight (Ctrl-C again to quit now)")
			}
		case <-notice:
		}
	}()
	var wg sync.WaitGroup
	for range b.concurrency {
		wg.Go(func() { b.work(jobs) })
	}
	wg.Wait()
	close(notice)

	// A reader still busy was stopped, perhaps while blocked on stdin: it
	// is left behind, and emit ignores it from now on.
	var outcome readOutcome
	select {
	case outcome = <-read:
	default:
	}
	b.mu.Lock()
	b.closed = true
	code := b.code
	b.mu.Unlock()

	interrupted := !outcome.all || b.unhandled.Load() > 0
	var fatal error
	if cause := context.Cause(b.stop); cause != nil && cause != context.Canceled {
		fatal = cause
	}
	if b.journal != nil {
		if err := b.journal.close(); err != nil && fatal == nil {
			fatal = err
		}
	}
	if outcome.err != nil {
		b.progress.note("ecpay-invoice: %v", outcome.err)
		code = worse(code, exitFailure)
	}
	b.progress.finish(b.summary(interrupted))
	switch {
	case fatal != nil:
		b.progress.note("ecpay-invoice: stopped: %v", fatal)
		return exitFailure
	case interrupted:
		return exitInterrupted
	}
	return code
}

// readOutcome is how the reader ended: all is set when it reached the end
// of the input (or an error reading it, in err).
type readOutcome struct {
	all bool
	err error
}

// summary is the last line on stderr.
func (b *batch) summary(interrupted bool) string {
	p := b.progress
	done, failed, skipped := p.done.Load(), p.failed.Load(), p.skipped.Load()
	elapsed := time.Since(p.start)
	noun := "Tsrs"
	if done == 1 {
		noun = "Tsr"
	}
	s := fmt.Sprintf("ecpay-invoice: %d %s: %d ok, %d failed, %d skipped, in %s (%s)",
		done, noun, done-failed-skipped, failed, skipped, elapsed.Round(time.Millisecond), elapsedRate(done-skipped, elapsed))
	if interrupted {
		if b.journal != nil {
			s += "; interrupted: rerun with the same --out to resume"
		} else {
			s += "; interrupted: the remaining Tsrs were not sent"
		}
	}
	return s
}

// read feeds jobs until the input ends (all is then true) or the batch
// stops. It settles itself what needs no request: Tsrs the journal already
// settles, and lines too long to be a Tsr.
func (b *batch) read(src *tsrSource, jobs chan<- job) (all bool, err error) {
	for {
		tsr, line, tooLong, err := src.next()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			// The input is unreadable: as far as it goes, it is all read.
			return true, err
		}
		if b.stop.Err() != nil {
			return false, nil
		}
		if tooLong {
			b.emit(&result{Tsr: fmt.Sprintf("(%s line %d)", src.name, line), Error: &resultError{
				Kind:    kindValidation,
				Message: fmt.Sprintf("line %d of %s is longer than %s: not a Tsr (ECPay allows 30 characters); nothing was sent", line, src.name, sizeName(maxTsrLine)),
			}}, false)
			continue
		}
		j := job{tsr: tsr}
		if b.journal != nil {
			e := b.journal.lookup(tsr)
			if e.final != 0 {
				r, err := b.journal.finalResult(e)
				if err != nil {
					b.abort(err)
					return false, nil
				}
				r.Skipped = true
				b.emit(&r, false)
				continue
			}
			j.resent = e.uncertain
		}
		select {
		case jobs <- j:
		case <-b.stop.Done():
			return false, nil
		}
	}
}

// work cancels the Tsrs of jobs until there are no more or the batch stops.
func (b *batch) work(jobs <-chan job) {
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			b.cancel(j)
		case <-b.stop.Done():
			return
		}
	}
}

// cancel makes one Tsr's call and reports it. A call that the stop kept
// from being sent reports nothing: a rerun picks the Tsr up.
func (b *batch) cancel(j job) {
	if b.stop.Err() != nil {
		b.unhandled.Add(1)
		return
	}
	// Pace only what will go on the wire: a Tsr the spec rejects is
	// refused by the client without a request. The wait is not part of
	// the call's --timeout.
	if b.limiter != nil && b.sendable(j.tsr) {
		if err := b.limiter.Wait(b.stop); err != nil {
			b.unhandled.Add(1)
			return
		}
	}
	// Calls in flight outlive the stop, bounded by --timeout; the
	// sender sees the Tsr through the context.
	ctx := context.WithValue(context.WithoutCancel(b.stop), tsrKey{}, j.tsr)
	res, err := b.client.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: j.tsr})
	if errors.Is(err, errStopping) {
		b.unhandled.Add(1)
		return
	}
	r := newResult(j.tsr, res, err)
	r.Resent = j.resent
	b.emit(&r, true)
}

// sendable reports whether the client will send the request for tsr, so
// that an invalid one takes no rate-limit slot.
func (b *batch) sendable(tsr string) bool {
	return b.client.Validate(wrapper.CancelDelayIssueRequest{Tsr: tsr}) == nil
}

// emit prints r on stdout and, when record is set, appends it to the
// journal.
func (b *batch) emit(r *result, record bool) {
	var buf bytes.Buffer
	r.appendJSON(&buf)
	if record && b.journal != nil {
		b.journal.record(buf.Bytes())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	_, _ = b.stdout.Write(buf.Bytes())
	b.code = worse(b.code, r.exitCode())
	b.progress.add(r)
}

// tsrKey carries the Tsr of a call to the sender.
type tsrKey struct{}

// errStopping fails a request that the batch's stop kept from being sent.
var errStopping = errors.New("not sent: the batch is stopping")

// sender is the HTTP client under the wrapper client: every request that
// goes on the wire, retries included, first has its intent journalled and
// synced.
type sender struct {
	next    *http.Client
	journal *journal // nil: no journal
	stop    context.Context
	abort   context.CancelCauseFunc
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
	return s.next.Do(req)
}

// elapsedRate formats a throughput.
func elapsedRate(n int64, d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f/s", float64(n)/d.Seconds())
}
