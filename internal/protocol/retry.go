package protocol

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// RetryableStatus reports whether an HTTP status says the request was not
// processed and may be sent again: 429 and 503.
func RetryableStatus(statusCode int) bool {
	return statusCode == http.StatusTooManyRequests || statusCode == http.StatusServiceUnavailable
}

// NotSent reports whether err, the error of an attempt that got no answer,
// provably never reached the server: a failed dial, a DNS failure, a
// refused connection. Timeouts and cancellations are not (the request may
// have arrived), nor is anything else.
func NotSent(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	opErr, ok := errors.AsType[*net.OpError](err)
	return ok && opErr.Op == "dial"
}

// Sleep waits d, or until ctx ends (its error then): the one wait between
// attempts, for the client's retries, the simulator's notifications and
// an injected delay alike. A d of 0 or less returns nil at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
