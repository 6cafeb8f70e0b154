package wrapper

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"syscall"
	"time"
)

// RetryPolicy configures WithRetry. CancelDelayIssue has no idempotency key
// and ECPay refuses a second cancel of the same Tsr, so only failures that
// provably never reached ECPay are retried (see ShouldRetry).
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 or less means no retry.
	MaxAttempts int
	// InitialBackoff is the mean wait before the second attempt; it doubles
	// per attempt up to MaxBackoff, with full jitter. Defaults: 500ms and 10s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// ShouldRetry reports whether an attempt that ended with HTTP status
// statusCode (0 when there was no response) and error err may be repeated
// safely. It is true only for failures that never reached ECPay — a failed
// dial, a DNS failure, a refused connection — and for HTTP 429 and 503,
// which say the request was not processed. It is false for every answer
// that carries a TransCode or RtnCode, for timeouts and cancellations (the
// request may have arrived), and for everything else.
func ShouldRetry(statusCode int, err error) bool {
	if err == nil {
		return statusCode == http.StatusTooManyRequests || statusCode == http.StatusServiceUnavailable
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// backoff returns the wait before attempt n (n ≥ 2): a uniformly random
// duration in [0, min(MaxBackoff, InitialBackoff·2^(n-2))].
func (p RetryPolicy) backoff(n int) time.Duration {
	ceiling := p.InitialBackoff
	for i := 2; i < n && ceiling < p.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxBackoff)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
