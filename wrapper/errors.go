package wrapper

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Every error CancelDelayIssue returns is one of the types below (or wraps
// one); branch on them with errors.As. None of their messages holds the
// HashKey, the HashIV or the plaintext Data.

// ValidationError reports a request that violates ECPay's spec (the schemas
// embedded in package generated). Nothing was sent.
type ValidationError struct {
	Field  string // the property at fault, e.g. "Tsr" or "PlatformID"
	Rule   string // the schema rule it breaks, e.g. "maxLength", "required"
	Reason string // kin-openapi's explanation, without the value
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("ecpay: invalid request, nothing was sent: %s breaks %s: %s", e.Field, e.Rule, e.Reason)
}

// HTTPError reports an answer whose HTTP status is not 2xx: ECPay did not
// process the request.
type HTTPError struct {
	StatusCode int
}

func (e *HTTPError) Error() string {
	switch e.StatusCode {
	case 403:
		return "ecpay: HTTP 403 Forbidden: ECPay rate-limits callers and answers 403 when called too fast; wait (ECPay has asked for up to 30 minutes) before trying again"
	case 429:
		return "ecpay: HTTP 429 Too Many Requests: slow down and try again later"
	default:
		return fmt.Sprintf("ecpay: HTTP %d: ECPay did not process the request", e.StatusCode)
	}
}

// TransError reports an envelope ECPay rejected (TransCode ≠ 1): wrong
// MerchantID, keys or timestamp, or a malformed request. The cancel was not
// attempted.
type TransError struct {
	TransCode int
	TransMsg  string
	// ClockSkew is how far ECPay's response timestamp is from the local
	// clock when that is more than ECPay's 10-minute window, else 0.
	ClockSkew time.Duration
}

func (e *TransError) Error() string {
	return fmt.Sprintf("ecpay: envelope rejected: TransCode %d: %s%s", e.TransCode, e.TransMsg, skewHint(e.ClockSkew))
}

// APIError reports a request ECPay processed and refused (RtnCode ≠ 1), e.g.
// a Tsr that is unknown or already cancelled.
type APIError struct {
	RtnCode int
	RtnMsg  string
	// ClockSkew is as in TransError.
	ClockSkew time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ecpay: CancelDelayIssue refused: RtnCode %d: %s%s", e.RtnCode, e.RtnMsg, skewHint(e.ClockSkew))
}

// DecodeError reports an answer that could not be read: an empty or non-JSON
// body, a body over the size limit, Data that does not decrypt, or inner JSON
// that does not decode. Err is the cause.
type DecodeError struct {
	Problem string // what was wrong, for the message
	Err     error
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return "ecpay: unreadable response: " + e.Problem
	}
	return "ecpay: unreadable response: " + e.Problem + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// TransportError reports a failure to exchange the request with ECPay:
// connection, TLS, timeout or cancellation. errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, context.Canceled) hold through
// it. Attempts counts the tries made (more than one with WithRetry).
type TransportError struct {
	Attempts int
	Err      error
}

func (e *TransportError) Error() string {
	msg := "ecpay: transport failure"
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if errors.Is(e.Err, context.DeadlineExceeded) {
		msg += " (timed out: raise WithTimeout or the context deadline)"
	}
	return msg + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// clockWindow is the window ECPay allows between its clock and the
// request's Timestamp.
const clockWindow = 10 * time.Minute

// skew returns how far server is from local when beyond clockWindow, else 0.
func skew(server, local time.Time) time.Duration {
	d := local.Sub(server)
	if d > clockWindow || d < -clockWindow {
		return d
	}
	return 0
}

func skewHint(d time.Duration) string {
	if d == 0 {
		return ""
	}
	dir := "ahead of"
	if d < 0 {
		dir, d = "behind", -d
	}
	return fmt.Sprintf(" (the local clock is %s %s ECPay's, beyond its 10-minute window: synchronise it, e.g. with NTP)", d.Round(time.Second), dir)
}
