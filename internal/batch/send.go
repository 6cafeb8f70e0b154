package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/wrapper"
)

// send makes one key's call and reports it. A call that the stop kept from
// being sent reports nothing: a rerun picks the key up.
func (b *Batch) send(j job) {
	if b.stop.Err() != nil {
		b.unhandled.Add(1)
		return
	}
	op, data := b.bop.Op.Name, json.RawMessage(j.data)
	if !b.bop.Whole {
		data = b.bop.Request(j.key)
	}
	// Pace only what will go on the wire: a request the spec rejects is
	// refused by the client without a request. The wait is not part of
	// the call's --timeout.
	if b.limiter != nil && b.client.ValidateCall(op, data) == nil {
		if err := b.limiter.Wait(b.stop); err != nil {
			b.unhandled.Add(1)
			return
		}
	}
	// Calls in flight outlive the stop, bounded by --timeout;
	// beforeAttempt journals each attempt's intent.
	ctx := context.WithoutCancel(b.stop)
	if b.bop.settle != nil {
		r, sent, ok := b.sendSettled(ctx, j, data)
		if !ok {
			b.unhandled.Add(1)
			return
		}
		if !sent && r.Error != nil && r.Error.Kind == wrapper.KindValidation {
			b.progress.unsendable()
		}
		b.emit(&r, sent)
		return
	}
	res, err := b.client.Call(ctx, op, data)
	if errors.Is(err, errStopping) {
		b.unhandled.Add(1)
		return
	}
	r := b.result(j, res, err, j.resent)
	if j.resent && errors.Is(err, wrapper.ErrConflict) {
		r.Outcome = OutcomeProbablyDoneEarlier
	}
	sent := err == nil || wrapper.ErrorKind(err) != wrapper.KindValidation
	if !sent {
		b.progress.unsendable()
	}
	b.emit(&r, sent)
}

// result is the result of j's call that answered res or err. The client's
// refusal of a Whole line's Data names the line.
func (b *Batch) result(j job, res *wrapper.Result[json.RawMessage], err error, resent bool) Result {
	r := Result{Key: j.key, KeyMember: b.bop.KeyMember, Answer: NewAnswer(res, err, b.timeout), Resent: resent}
	if b.bop.Whole && r.Error != nil && r.Error.Kind == wrapper.KindValidation {
		r.Error.Message = j.where + ": " + r.Error.Message
	}
	return r
}

// afterLoss says what a rerun does with a key whose answer was lost.
func (b *Batch) afterLoss() string {
	if b.bop.settle != nil {
		return "asks " + b.bop.settle.lookupName + " whether they were done before sending anything"
	}
	return "sends them again, marked resent"
}

// maxSends bounds the requests a run sends for one key of an operation with
// a settler: the first, and one resend after a lost answer that the lookup
// found not done. A key still unsettled after them is left to a rerun.
const maxSends = 2

// sendSettled makes j's call, settling any lost answer by the operation's
// lookup before sending again, so that the work is never done twice. ok is
// false when the stop kept a request from being sent: nothing is reported.
func (b *Batch) sendSettled(ctx context.Context, j job, data json.RawMessage) (r Result, sent, ok bool) {
	s := b.bop.settle
	// resent is set once Issue goes out again after an attempt that may
	// have reached ECPay: a lookup alone resends nothing.
	lost, resent := j.resent, false
	conflict := false
	for sends := 0; ; {
		if lost {
			made, found, err := s.lookup(ctx, b.client, j.key)
			switch {
			case errors.Is(err, errStopping):
				return Result{}, false, false
			case err != nil:
				return b.unsettled(j, err, resent), sends > 0, true
			case found:
				return Result{Key: j.key, KeyMember: b.bop.KeyMember, Answer: Answer{OK: true}, Issued: made, Outcome: OutcomeIssuedEarlier, Resent: resent}, sends > 0, true
			case conflict || sends >= maxSends:
				// Refused as done, yet not found; or lost twice.
				return r, true, true
			}
		}
		if lost {
			// Sent again after the lookup found nothing.
			resent = true
		}
		res, err := b.client.Call(ctx, b.bop.Op.Name, data)
		if errors.Is(err, errStopping) {
			return Result{}, false, false
		}
		r = b.result(j, res, err, resent)
		if err == nil {
			r.Issued = s.issued(res.Data)
			return r, true, true
		}
		if r.Error.Kind == wrapper.KindHTTP && !wrapper.ShouldRetry(r.HTTPStatus, nil) {
			// A 502 or 504 of a proxy in front of ECPay may follow the
			// work done: only 429 and 503 say it was not.
			r.Error.MaybeSent = true
		}
		if wrapper.ErrorKind(err) == wrapper.KindValidation {
			return r, false, true
		}
		sends++
		switch {
		case r.Error.MaybeSent:
			lost = true
		case resent && errors.Is(err, wrapper.ErrConflict):
			lost, conflict = true, true
		default:
			return r, true, true
		}
	}
}

// unsettled is the result of a key whose earlier attempt lost its answer
// and whose lookup failed: not final, so a rerun looks it up again before
// sending anything.
func (b *Batch) unsettled(j job, err error, resent bool) Result {
	r := Result{Key: j.key, KeyMember: b.bop.KeyMember, Answer: NewAnswer(nil, err, b.timeout), Outcome: OutcomeUnsettled, Resent: resent}
	r.Error.Message = fmt.Sprintf("an attempt lost its answer and %s could not say whether it was done: %s; a rerun with the same --out asks again before sending", b.bop.settle.lookupName, r.Error.Message)
	r.Error.MaybeSent = true
	return r
}
