package wrapper

import (
	"context"
	"encoding/json"
	"net/http"
)

// AttemptInfo describes one attempt of a call, for an AttemptHook.
type AttemptInfo struct {
	// Operation is the operation's name, e.g. TriggerIssue.
	Operation string
	// Attempt counts the call's attempts from 1; a retry (see WithRetry)
	// is attempt 2 and on.
	Attempt int
	// Data is the request's inner Data as plaintext JSON, exactly as it is
	// encrypted into the envelope: MerchantID and the page's defaults filled
	// in. It holds no key, IV or envelope. It is shared with the call and
	// must not be changed.
	Data json.RawMessage
}

// AttemptResult is what an attempt got, for AttemptHook.After.
type AttemptResult struct {
	// HTTPStatus is the answer's HTTP status; 0 when none came.
	HTTPStatus int
	// TransCode and RtnCode are the answer's, when it held them: TransCode
	// from the envelope, RtnCode from the decrypted Data.
	TransCode, RtnCode *int
	// Err is the error the attempt ends with (the call's, when it is the
	// last attempt): nil on success, else one of the client's typed errors.
	Err error
}

// AttemptHook runs around each attempt of every call of a Client (see
// WithAttemptHook): Before just before the sealed request goes out, After
// once its answer is read or the attempt failed. Either may be nil. A
// non-nil error from Before keeps the request from being sent: the attempt
// fails with a *TransportError wrapping that error (not retried unless
// ShouldRetry says so of it), and After is not called for that hook.
// Requests refused before sending (a *ValidationError) make no attempt and
// reach no hook. Hooks run on the calling goroutine and may block it; they
// must be safe for concurrent use when the Client is.
type AttemptHook struct {
	Before func(ctx context.Context, info AttemptInfo) error
	After  func(ctx context.Context, info AttemptInfo, result AttemptResult)
}

// WithAttemptHook adds hook around each attempt, in the style of a small
// middleware: hooks added earlier are outside those added later, so their
// Before runs first and their After last. A journal records what is about
// to be sent in Before and what came back in After; a metric counts
// attempts by outcome.
func WithAttemptHook(hook AttemptHook) Option {
	return func(c *config) { c.hooks = append(c.hooks, hook) }
}

// hooked sends req as roundTrip does, inside the client's attempt hooks.
func (x *exchange) hooked(ctx context.Context, req *http.Request) error {
	info := AttemptInfo{Operation: x.st.op.Name, Attempt: x.out.attempts, Data: x.plaintext}
	hooks := x.c.hooks
	entered := 0
	var err error
	for _, h := range hooks {
		if h.Before != nil {
			if err = h.Before(ctx, info); err != nil {
				err = &TransportError{Operation: info.Operation, Attempts: info.Attempt, Err: err}
				break
			}
		}
		entered++
	}
	if err == nil {
		err = x.roundTrip(req)
	}
	result := AttemptResult{HTTPStatus: x.out.status, Err: err}
	if x.out.transCode != nil {
		code := *x.out.transCode
		result.TransCode = &code
	}
	if x.out.rtnCode != nil {
		code := *x.out.rtnCode
		result.RtnCode = &code
	}
	for i := entered - 1; i >= 0; i-- {
		if hooks[i].After != nil {
			hooks[i].After(ctx, info, result)
		}
	}
	return err
}
