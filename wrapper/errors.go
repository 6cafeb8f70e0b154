package wrapper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/redact"
)

// Every error a call returns is one of the types below (or wraps one);
// branch on them with errors.As, or on the class of an ECPay refusal with
// errors.Is and the Err… sentinels. Each names the operation. None of their
// messages holds the HashKey, the HashIV or the plaintext Data.

// Classes of ECPay refusals, for errors.Is: an *APIError matches the
// classes its RtnCode has in the page's overlay (x-ecpay-rtn-codes) or, for
// a code the overlays do not list, that its RtnMsg's keywords give; a
// *TransError matches by its TransMsg's keywords; an *HTTPError with status
// 403, 429 or 503 matches ErrBusy.
var (
	// ErrNotFound: no such invoice or Tsr (查無, 不存在).
	ErrNotFound = errors.New("ecpay: not found")
	// ErrConflict: already done — cancelled, triggered, issued, a
	// duplicate (已作廢, 已存在, 重複). A request resent after its first
	// answer was lost meets it when the first attempt succeeded.
	ErrConflict = errors.New("ecpay: conflict: already done")
	// ErrCredentials: the keys or the signature are wrong (金鑰, 簽章).
	ErrCredentials = errors.New("ecpay: credentials refused")
	// ErrBusy: ECPay asks to slow down or try later (系統忙碌, 請稍後, HTTP 403).
	ErrBusy = errors.New("ecpay: busy: try later")
	// ErrTransient: a temporary failure behind ECPay, e.g. the tax
	// ministry's system (財政部…失敗).
	ErrTransient = errors.New("ecpay: transient failure")
)

var classErrors = map[registry.Class]error{
	registry.NotFound:    ErrNotFound,
	registry.Conflict:    ErrConflict,
	registry.Credentials: ErrCredentials,
	registry.Busy:        ErrBusy,
	registry.Transient:   ErrTransient,
}

// msgKeywords classify a refusal whose code the overlays do not list, by
// its message: ECPay's codes span inconsistent ranges, and an independent
// client that ran against ECPay's stage classifies by these keywords of the
// Chinese RtnMsg. Each entry's fragments must all appear.
var msgKeywords = []struct {
	class     registry.Class
	fragments []string
}{
	{registry.NotFound, []string{"查無"}},
	{registry.NotFound, []string{"不存在"}},
	{registry.Conflict, []string{"已作廢"}},
	{registry.Conflict, []string{"已存在"}},
	{registry.Conflict, []string{"重複"}},
	{registry.Credentials, []string{"金鑰"}},
	{registry.Credentials, []string{"簽章"}},
	{registry.Busy, []string{"系統忙碌"}},
	{registry.Busy, []string{"請稍後"}},
	{registry.Transient, []string{"財政部", "失敗"}},
}

// classesOf returns the classes of a message by its keywords.
func classesOf(msg string) []registry.Class {
	var out []registry.Class
	for _, k := range msgKeywords {
		all := true
		for _, f := range k.fragments {
			all = all && strings.Contains(msg, f)
		}
		if all {
			out = append(out, k.class)
		}
	}
	return out
}

func hasClass(classes []registry.Class, target error) bool {
	for _, c := range classes {
		if classErrors[c] == target {
			return true
		}
	}
	return false
}

// ValidationError reports a request that violates ECPay's spec (the page's
// schemas, embedded in its generated package) or one of the page's business
// rules. Nothing was sent.
//
// The business rules are the rules across fields that the page's prose
// states (SalesAmount is the sum of the items, a donated invoice needs a
// LoveCode, …), written as CEL in the page's overlay
// (openapi/<Operation>.overlay.yaml, x-ecpay-validations on
// requestBody.Data) and compiled once per operation from the embedded page
// (registry.Operation.Rules). They are checked after the schema passes; the
// first one broken, in the overlay's order, is the error, with Rule
// "x-ecpay-validations", Field the first of the rule's Fields, Reason the
// rule's message followed by its fields, and Quote the page's sentence.
type ValidationError struct {
	Operation string // e.g. "CancelDelayIssue"
	Field     string // the property at fault, e.g. "Tsr" or "PlatformID"
	// Rule is the schema rule it breaks, e.g. "maxLength", "required",
	// "utf8", or "x-ecpay-validations" for a business rule of the page.
	Rule string
	// Reason is the explanation, without the value: a sentence that names
	// the field and says what to do, e.g. "Tsr is too long: the page
	// allows at most 30 characters; shorten it".
	Reason string
	// Fields are the members a business rule is about, e.g. [SalesAmount
	// Items] (a member of the items written Items.ItemTaxType); nil for a
	// schema rule.
	Fields []string
	// Quote is the page's sentence a business rule comes from; "" for a
	// schema rule.
	Quote string
}

// Error gives the operation and the Reason, e.g. "ecpay: TriggerIssue:
// invalid request, nothing was sent: PayType is not one of the allowed
// values: "2"; give one of them"; a Reason that does not name the Field is
// preceded by it.
func (e *ValidationError) Error() string {
	reason := e.Reason
	switch {
	case reason == "":
		reason = fmt.Sprintf("%s does not meet the page's %s rule", e.Field, e.Rule)
	case !strings.Contains(reason, e.Field):
		reason = e.Field + ": " + reason
	}
	return fmt.Sprintf("%sinvalid request, nothing was sent: %s", prefix(e.Operation), reason)
}

// HTTPError reports an answer whose HTTP status is not 2xx: ECPay did not
// process the request.
type HTTPError struct {
	Operation  string
	StatusCode int
	// RetryAfter is the wait the answer's Retry-After header asks for; 0
	// when it has none.
	RetryAfter time.Duration
	// Body is the start of the answer's body (at most 256 bytes, on one
	// line, control characters and invalid UTF-8 replaced, the merchant's
	// HashKey and HashIV redacted), for the message and the logs.
	Body string
}

func newHTTPError(op string, res *http.Response, codec *ecpaycrypto.Codec, now time.Time) *HTTPError {
	buf := make([]byte, redact.ReadLimit(redact.Limit))
	n, _ := io.ReadFull(res.Body, buf)
	drain(res.Body)
	return &HTTPError{
		Operation:  op,
		StatusCode: res.StatusCode,
		RetryAfter: retryAfter(res.Header.Get("Retry-After"), now),
		Body:       redact.Text(codec, string(buf[:n]), redact.Limit),
	}
}

// maxRetryAfter bounds what a Retry-After header may ask for, far beyond
// any real wait, so that its seconds cannot overflow a Duration.
const maxRetryAfter = 24 * time.Hour

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return min(time.Duration(min(s, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), maxRetryAfter)
	}
	return 0
}

func (e *HTTPError) Error() string {
	var msg string
	switch e.StatusCode {
	case 403:
		msg = "HTTP 403 Forbidden: ECPay rate-limits callers and answers 403 when called too fast; wait (ECPay has asked for up to 30 minutes) before trying again"
	case 429:
		msg = "HTTP 429 Too Many Requests: slow down and try again later"
	default:
		msg = fmt.Sprintf("HTTP %d: ECPay did not process the request", e.StatusCode)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (Retry-After: %s)", e.RetryAfter)
	}
	if e.Body != "" {
		msg += fmt.Sprintf("; the body begins %q", e.Body)
	}
	return prefix(e.Operation) + msg
}

// Is matches ErrBusy for the statuses that ask the caller to wait.
func (e *HTTPError) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return target == ErrBusy
	}
	return false
}

// TransError reports an envelope ECPay rejected (TransCode ≠ 1): wrong
// MerchantID, keys or timestamp, or a malformed request. The operation was
// not attempted.
type TransError struct {
	Operation string
	TransCode int
	// TransMsg is ECPay's message made safe to print and keep: at most
	// 256 bytes of it, on one line, control and format characters and
	// invalid UTF-8 replaced by U+FFFD, the merchant's HashKey and HashIV
	// redacted (as HTTPError.Body).
	TransMsg string
	// ClockSkew is how far ECPay's response timestamp is from the local
	// clock when that is more than ECPay's window, else 0.
	ClockSkew time.Duration
}

func (e *TransError) Error() string {
	// The client's TransMsg is safe already; one made elsewhere may not be.
	return fmt.Sprintf("%senvelope rejected: TransCode %d: %s%s", prefix(e.Operation), e.TransCode, redact.Text(nil, e.TransMsg, redact.Limit), skewHint(e.ClockSkew))
}

// Is matches the classes of the TransMsg's keywords.
func (e *TransError) Is(target error) bool { return hasClass(classesOf(e.TransMsg), target) }

// APIError reports a request ECPay processed and refused: an RtnCode that is
// not one of the operation's success codes, e.g. a Tsr that is unknown or
// already cancelled. errors.Is(err, ErrNotFound) and the other classes tell
// why without knowing codes.
type APIError struct {
	Operation string
	RtnCode   int
	// RtnMsg is the answer's message, made safe as TransError.TransMsg
	// is: capped, on one line, without control characters or keys.
	RtnMsg string
	// ClockSkew is as in TransError.
	ClockSkew time.Duration

	op *registry.Operation
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ecpay: %s refused: RtnCode %d: %s%s", e.Operation, e.RtnCode, redact.Text(nil, e.RtnMsg, redact.Limit), skewHint(e.ClockSkew))
}

// Classes returns the classes of the refusal: those the page's overlay gives
// its RtnCode or, for a code it does not list, those of its RtnMsg's keywords.
func (e *APIError) Classes() []registry.Class {
	op := e.op
	if op == nil {
		op = registry.Lookup(e.Operation)
	}
	if op != nil {
		if c, ok := op.Code(e.RtnCode); ok && len(c.Classes) > 0 {
			return c.Classes
		}
	}
	return classesOf(e.RtnMsg)
}

// Is matches the sentinel of each of e's Classes.
func (e *APIError) Is(target error) bool { return hasClass(e.Classes(), target) }

// DecodeError reports an answer that could not be read: an empty or non-JSON
// body, a body over the size limit, Data that does not decrypt, or inner JSON
// that does not decode. Err is the cause. ECPay may have done what was asked.
type DecodeError struct {
	Operation string
	Problem   string // what was wrong, for the message
	Err       error
}

func (e *DecodeError) Error() string {
	msg := prefix(e.Operation) + "unreadable response: " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// TransportError reports a failure to exchange the request with ECPay:
// connection, TLS, timeout or cancellation. errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, context.Canceled) hold through
// it. Attempts counts the tries made (more than one with WithRetry).
type TransportError struct {
	Operation string
	Attempts  int
	Err       error
}

func (e *TransportError) Error() string {
	msg := prefix(e.Operation) + "transport failure"
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if errors.Is(e.Err, context.DeadlineExceeded) {
		msg += " (timed out: raise the timeout or the context deadline)"
	}
	return msg + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// The kinds of error ErrorKind names.
const (
	KindValidation = "validation"
	KindHTTP       = "http"
	KindTrans      = "trans"
	KindAPI        = "api"
	KindDecode     = "decode"
	KindTransport  = "transport"
)

// ErrorKind names the class of an error a call returned, one per error
// type: KindValidation, KindHTTP, KindTrans, KindAPI, KindDecode or
// KindTransport (also for an error of none of these types). The client's
// log records and the CLI's result lines use it.
func ErrorKind(err error) string {
	var (
		ve *ValidationError
		he *HTTPError
		te *TransError
		ae *APIError
		de *DecodeError
	)
	switch {
	case errors.As(err, &ve):
		return KindValidation
	case errors.As(err, &he):
		return KindHTTP
	case errors.As(err, &te):
		return KindTrans
	case errors.As(err, &ae):
		return KindAPI
	case errors.As(err, &de):
		return KindDecode
	default:
		return KindTransport
	}
}

// prefix starts an error message: "ecpay: CancelDelayIssue: ".
func prefix(operation string) string {
	if operation == "" {
		return "ecpay: "
	}
	return "ecpay: " + operation + ": "
}

// skew returns how far server is from local when beyond ECPay's window,
// else 0.
func skew(server, local time.Time) time.Duration {
	return protocol.Skew(server, local)
}

func skewHint(d time.Duration) string {
	if d == 0 {
		return ""
	}
	dir := "ahead of"
	if d < 0 {
		dir, d = "behind", -d
	}
	return fmt.Sprintf(" (the local clock is %s %s ECPay's, beyond its %s window: synchronise it, e.g. with NTP)", d.Round(time.Second), dir, protocol.TimestampWindow)
}
