package proxy

import (
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// DefaultMaxInFlightBytes bounds the bytes a Proxy or a Replay holds for
// the exchanges in flight, unless WithMaxInFlightBytes says otherwise.
const DefaultMaxInFlightBytes = 64 << 20

// exchangeBytes is what each exchange in flight counts for besides its
// bodies: its headers, its record, its checks.
const exchangeBytes = 16 << 10

// retryAfter is the Retry-After, in seconds, of the 503 a Proxy or a
// Replay answers when its bytes in flight are at their bound.
const retryAfter = "1"

// WithMaxInFlightBytes bounds the bytes a Proxy or a Replay holds for the
// exchanges in flight (DefaultMaxInFlightBytes by default), so that its
// memory is bounded by n (a few times n, for the decrypted Data, the checks
// and the recorded line of each), not by the number of callers. Each request
// counts its body (its Content-Length, or ecpaysim.MaxBodyBytes, 1 MiB,
// when it does not announce one) and 16 KiB; a request that does not fit
// gets 503 text/plain with Retry-After: 1, its body unread (and not
// forwarded). Each answer of
// the upstream counts its body too while it is checked: one that does not
// fit is passed on unchecked, as it came, with a note. n must be at least
// 2*ecpaysim.MaxBodyBytes (2 MiB), so that the largest exchange fits.
func WithMaxInFlightBytes(n int64) SharedOption {
	return func(c *config) error {
		if n < 2*serving.MaxBodyBytes {
			return fmt.Errorf("ecpaysim: WithMaxInFlightBytes(%d): want at least %d (2 MiB), so that the largest request and answer fit", n, 2*serving.MaxBodyBytes)
		}
		c.maxInFlight = n
		return nil
	}
}

// byteBudget counts the bytes in flight against a bound.
type byteBudget struct {
	max int64

	mu   sync.Mutex
	used int64
}

// take counts n more bytes in flight, or reports false when they do not
// fit under the bound.
func (b *byteBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// give counts n bytes no longer in flight.
func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// requestBytes is what a request counts for in flight: its body as
// announced (MaxBodyBytes when it is not, or announced larger: it is read
// no further) and exchangeBytes.
func requestBytes(r *http.Request) int64 {
	n := r.ContentLength
	if n < 0 || n > serving.MaxBodyBytes {
		n = serving.MaxBodyBytes
	}
	return n + exchangeBytes
}

// busy answers a request that does not fit in the bytes in flight: 503
// with Retry-After, recorded with a note. Its body is read to its end (up
// to MaxBodyBytes, into nothing), so that the caller, still sending it,
// reads the answer rather than a reset connection.
func (o *observer) busy(w http.ResponseWriter, ob *observation) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, ob.r.Body, serving.MaxBodyBytes))
	not := "not forwarded"
	if o.mode == ModeReplay {
		not = "not answered"
	}
	msg := fmt.Sprintf("the %s holds %d MiB of exchanges in flight, its bound: %s; retry after %s s", o.mode, o.budget.max>>20, not, retryAfter)
	ob.ex.Request.Omitted = "not read: " + msg
	o.answer(w, ob, &localAnswer{status: http.StatusServiceUnavailable, msg: msg, note: not + ": " + msg + " (answered 503)", retryAfter: retryAfter})
}
