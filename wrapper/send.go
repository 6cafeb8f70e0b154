package wrapper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ecpay-go/einvoice/internal/protocol"
)

// MaxResponseBytes bounds how much of a response body is read, so a broken
// or hostile server cannot exhaust memory. ECPay's answers are a few hundred
// bytes.
const MaxResponseBytes = protocol.MaxResponseBytes

// send makes x's attempts within the client's timeout, repeating those that
// provably never reached ECPay while the retry policy allows.
func (x *exchange) send(ctx context.Context) error {
	c := x.c
	if c.timeout > 0 {
		if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > c.timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	for {
		x.out.attempts++
		err := x.attempt(ctx)
		if err == nil || x.out.attempts >= c.retry.MaxAttempts || !retryable(x.out.status, err) {
			return err
		}
		if err := protocol.Sleep(ctx, c.retry.backoff(x.out.attempts+1)); err != nil {
			return &TransportError{Operation: x.st.op.Name, Attempts: x.out.attempts, Err: err}
		}
	}
}

// retryable applies ShouldRetry to an attempt's error.
func retryable(status int, err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return ShouldRetry(0, te.Err)
	}
	var he *HTTPError
	return errors.As(err, &he) && ShouldRetry(status, nil)
}

// attempt makes one exchange with ECPay: the sealed request goes out, once
// the attempt hooks allow it, and its answer is opened.
func (x *exchange) attempt(ctx context.Context) error {
	c, op := x.c, x.st.op.Name
	x.out.status, x.out.transCode, x.out.rtnCode = 0, nil, nil // what the last attempt got
	body, err := x.seal()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoints[x.st.op.Index()], bytes.NewReader(body))
	if err != nil {
		return &TransportError{Operation: op, Attempts: x.out.attempts, Err: err}
	}
	req.Header["Content-Type"] = jsonContentType
	if len(c.hooks) == 0 {
		return x.roundTrip(req)
	}
	return x.hooked(ctx, req)
}

// roundTrip sends req and opens its answer.
func (x *exchange) roundTrip(req *http.Request) error {
	c, op := x.c, x.st.op.Name
	res, err := c.doer.Do(req)
	if err != nil {
		return &TransportError{Operation: op, Attempts: x.out.attempts, Err: err}
	}
	defer res.Body.Close()
	x.out.status = res.StatusCode
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return newHTTPError(op, res, c.codec, c.now())
	}
	raw, err := readBody(res.Body)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.Operation = op
			return de
		}
		return &TransportError{Operation: op, Attempts: x.out.attempts, Err: err}
	}
	return x.open(raw)
}

// jsonContentType is the Content-Type of every request, shared: a header
// value is replaced, never written to, by net/http and its users, and its
// capacity of 1 makes an Add copy it.
var jsonContentType = []string{"application/json"}[:1:1]

// readBody reads r up to MaxResponseBytes; a longer body is an error, not a
// truncation.
func readBody(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxResponseBytes {
		return nil, &DecodeError{Problem: fmt.Sprintf("body exceeds %d bytes", MaxResponseBytes)}
	}
	return body, nil
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<10)) }
