package wrapper

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ecpay-go/einvoice/internal/protocol"
)

// RetryPolicy configures WithRetry. ECPay's operations have no idempotency
// key (a second cancel or trigger of the same Tsr is refused, not repeated),
// so only failures that provably never reached ECPay are retried (see
// ShouldRetry).
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 or less means no retry.
	MaxAttempts int
	// InitialBackoff is the longest wait before the second attempt; the
	// bound doubles per attempt up to MaxBackoff, and each wait is drawn
	// uniformly below it (full jitter). Defaults: 500ms and 10s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// check reports a policy NewClient refuses.
func (p RetryPolicy) check() error {
	if p.MaxAttempts < 0 || p.InitialBackoff < 0 || p.MaxBackoff < 0 {
		return fmt.Errorf("ecpay: WithRetry(%+v): MaxAttempts, InitialBackoff and MaxBackoff must not be negative", p)
	}
	if p.MaxBackoff > 0 && p.InitialBackoff > p.MaxBackoff {
		return fmt.Errorf("ecpay: WithRetry: InitialBackoff %v is above MaxBackoff %v", p.InitialBackoff, p.MaxBackoff)
	}
	return nil
}

// withDefaults fills in the backoffs of a policy that retries.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts > 1 {
		if p.InitialBackoff <= 0 {
			p.InitialBackoff = 500 * time.Millisecond
		}
		if p.MaxBackoff <= 0 {
			p.MaxBackoff = max(10*time.Second, p.InitialBackoff)
		}
	}
	return p
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
		return protocol.RetryableStatus(statusCode)
	}
	return protocol.NotSent(err)
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
