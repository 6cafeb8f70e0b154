package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/internal/input"

	"github.com/ecpay-go/einvoice/internal/redact"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Exit statuses of a result, of a batch's Run, and of the CLI that prints
// them. In a batch the highest of ExitFailure, ExitInvalid and ExitRefused
// that applies wins.
const (
	ExitOK          = 0
	ExitRefused     = 1   // ECPay (or the simulator) answered and refused: TransCode ≠ 1, or an RtnCode that is not a success
	ExitInvalid     = 2   // usage error or invalid input; nothing was sent for it
	ExitFailure     = 3   // transport, HTTP, decode or local I/O failure
	ExitInterrupted = 130 // SIGINT or SIGTERM stopped the command before it was done
)

// Answer is what a call's outcome says in a line of output: whether it
// succeeded, ECPay's codes, and for a failure its kind (wrapper.ErrorKind)
// and message. Field order is the order of the JSON object.
type Answer struct {
	OK      bool         `json:"ok"`
	RtnCode *int         `json:"rtn_code,omitempty"`
	RtnMsg  *string      `json:"rtn_msg,omitempty"`
	Error   *resultError `json:"error,omitempty"`
	// The codes of a failure, when it has them.
	HTTPStatus int     `json:"http_status,omitempty"`
	TransCode  *int    `json:"trans_code,omitempty"`
	TransMsg   *string `json:"trans_msg,omitempty"`
}

type resultError struct {
	// Kind is wrapper.ErrorKind of the error: validation, http, trans,
	// api, decode or transport.
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// MaybeSent marks a transport or decode failure after which the
	// request may have reached ECPay: a rerun resends it and marks it
	// resent.
	MaybeSent bool `json:"maybe_sent,omitempty"`
}

// Outcomes a batch line may carry besides ok and error.
const (
	// OutcomeProbablyDoneEarlier: the key was resent because the answer to
	// an earlier attempt was lost, and ECPay refused it as already done
	// (wrapper.ErrConflict), which means that attempt most likely
	// succeeded. It is final and not a failure.
	OutcomeProbablyDoneEarlier = "probably_done_earlier"
	// OutcomeIssuedEarlier: an earlier attempt to issue the invoice lost
	// its answer (or a resend was refused as a repeated RelateNumber), and
	// GetIssue by RelateNumber found the invoice, whose number the line
	// carries: it was issued once, by that attempt. It is final and not a
	// failure.
	OutcomeIssuedEarlier = "issued_earlier"
	// OutcomeUnsettled: an earlier attempt lost its answer and the lookup
	// that settles it (GetIssue) failed too, so whether it was done is
	// unknown. It is a failure and not final: a rerun looks again before
	// sending anything.
	OutcomeUnsettled = "unsettled"
	// OutcomeDuplicate: the key was given earlier in the same run; it is
	// not sent again and the line is not final.
	OutcomeDuplicate = "duplicate"
)

// Issued is the invoice an Issue made, in a result line.
type Issued struct {
	InvoiceNo    string `json:"invoice_no,omitempty"`
	InvoiceDate  string `json:"invoice_date,omitempty"`
	RandomNumber string `json:"random_number,omitempty"`
}

// resultFields is Result without its methods, for its JSON.
type resultFields Result

// MarshalJSON writes r as a line does: its key first, under KeyMember
// ("key" when unset), then the other members.
func (r *Result) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	appendKeyed(&buf, r.KeyMember, r.Key, (*resultFields)(r))
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a line: its first member is the key.
func (r *Result) UnmarshalJSON(data []byte) error {
	member, key, err := firstMember(data)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, (*resultFields)(r)); err != nil {
		return err
	}
	r.KeyMember, r.Key = member, key
	return nil
}

// appendKeyed appends the JSON object of rest (a struct whose object is
// never empty) with the member name: key put first, without escaping <, >
// and &.
func appendKeyed(buf *bytes.Buffer, name, key string, rest any) {
	if name == "" {
		name = "key"
	}
	var tail bytes.Buffer
	AppendJSON(&tail, rest) // {"…":…}\n
	buf.WriteByte('{')
	appendString(buf, name)
	buf.WriteByte(':')
	appendString(buf, key)
	buf.WriteByte(',')
	buf.Write(tail.Bytes()[1 : tail.Len()-1]) // "…":…}
}

// appendString appends s as a JSON string, <, > and & as they are.
func appendString(buf *bytes.Buffer, s string) {
	AppendJSON(buf, s)
	buf.Truncate(buf.Len() - 1)
}

// firstMember returns the name and the string value of the first member of
// the JSON object data: the key of a result or intent line.
func firstMember(data []byte) (name, value string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", "", errors.New("a batch line is a JSON object")
	}
	t, err := dec.Token()
	if err != nil {
		return "", "", err
	}
	name, _ = t.(string)
	if t, err = dec.Token(); err != nil {
		return "", "", err
	}
	value, ok := t.(string)
	if name == "" || !ok {
		return "", "", errors.New("a batch line starts with its key, a string")
	}
	return name, value, nil
}

// Result is the outcome of one key in a batch: a line on stdout and, when
// final, in the --out file. The line's first member is the key, named by
// the operation's KeyMember: {"tsr":"…",…} or {"relate_number":"…",…}.
type Result struct {
	// Key is the key (a Tsr, a RelateNumber); KeyMember the member that
	// names it in the line.
	Key       string `json:"-"`
	KeyMember string `json:"-"`
	Answer
	// Issued is what an Issue batch records of the invoice: from Issue's
	// answer, or from GetIssue when it settled a lost answer.
	Issued
	// Outcome is OutcomeProbablyDoneEarlier, OutcomeIssuedEarlier or
	// OutcomeDuplicate; empty otherwise.
	Outcome string `json:"outcome,omitempty"`
	// Resent marks a key sent again although an earlier attempt may have
	// reached ECPay unanswered (the process died or timed out while the
	// call was in flight).
	Resent bool `json:"resent,omitempty"`
	// Skipped marks a key not sent because the --out file already holds
	// its final result, which this line repeats. Only stdout has it.
	Skipped bool `json:"skipped,omitempty"`
}

// NewAnswer turns the outcome of a call made with --timeout timeout into its
// answer: the codes of res on success, or the kind, message and codes of err,
// and whether the request may have been sent. It extracts codes only; the
// kind is wrapper.ErrorKind's. The message of a timeout says which flag set
// it, as the wrapper's speaks of the library's timeout.
func NewAnswer(res *wrapper.Result[json.RawMessage], err error, timeout time.Duration) Answer {
	if err == nil {
		return Answer{OK: true, RtnCode: &res.RtnCode, RtnMsg: &res.RtnMsg}
	}
	a := Answer{Error: &resultError{Kind: wrapper.ErrorKind(err), Message: OneLine(err.Error())}}
	if timeout > 0 && errors.Is(err, context.DeadlineExceeded) {
		a.Error.Message += fmt.Sprintf(" (--timeout %s ran out; raise it)", timeout)
	}
	var (
		he *wrapper.HTTPError
		te *wrapper.TransError
		ae *wrapper.APIError
		xe *wrapper.TransportError
	)
	switch {
	case errors.As(err, &he):
		a.HTTPStatus = he.StatusCode
	case errors.As(err, &te):
		a.TransCode, a.TransMsg = &te.TransCode, &te.TransMsg
	case errors.As(err, &ae):
		a.RtnCode, a.RtnMsg = &ae.RtnCode, &ae.RtnMsg
	case errors.As(err, &xe):
		// A failed dial never reached ECPay; a timeout or a broken
		// connection may have.
		a.Error.MaybeSent = !wrapper.ShouldRetry(0, xe.Err)
	default:
		// A decode failure: ECPay answered, so it may have done what
		// was asked; and an error of no known type may hide anything.
		a.Error.MaybeSent = a.Error.Kind == wrapper.KindDecode || a.Error.Kind == wrapper.KindTransport
	}
	return a
}

// invalidResult is the result of a key refused before any request.
func (bop *Operation) invalidResult(key, message string) Result {
	return Result{Key: key, KeyMember: bop.KeyMember, Answer: Answer{Error: &resultError{Kind: wrapper.KindValidation, Message: message}}}
}

// Final reports whether r settles its key, so a rerun skips it: a success,
// a refusal by ECPay, or a request that can never be valid. Transport, HTTP
// and decode failures are retried by a rerun; a duplicate settles nothing.
func (r *Result) Final() bool {
	if r.Outcome == OutcomeDuplicate || r.Outcome == OutcomeUnsettled {
		return false
	}
	return r.Answer.final()
}

func (a *Answer) final() bool {
	if a.OK {
		return true
	}
	if a.Error == nil {
		return false
	}
	switch a.Error.Kind {
	case wrapper.KindValidation, wrapper.KindTrans, wrapper.KindAPI:
		return true
	}
	return false
}

// exitCode is the exit status r calls for on its own.
func (r *Result) exitCode() int {
	switch r.Outcome {
	case OutcomeProbablyDoneEarlier, OutcomeIssuedEarlier:
		return ExitOK
	case OutcomeDuplicate:
		return ExitInvalid
	case OutcomeUnsettled:
		return ExitFailure
	}
	return r.Answer.ExitCode()
}

func (a *Answer) ExitCode() int {
	if a.OK {
		return ExitOK
	}
	if a.Error == nil {
		return ExitFailure
	}
	switch a.Error.Kind {
	case wrapper.KindTrans, wrapper.KindAPI:
		return ExitRefused
	case wrapper.KindValidation:
		return ExitInvalid
	}
	return ExitFailure
}

// worse combines exit statuses: 3 over 2 over 1 over 0.
func worse(a, b int) int { return max(a, b) }

// encodeResult returns r as a line, "\n" included, of at most
// MaxRecordBytes before its newline, so that the results file and the
// journal read back every line they are given. The client caps ECPay's
// messages already; a line longer all the same has its messages cut to
// redact.Limit (in r too, so that stdout and the file agree), then its key,
// which only a key never sent can make that long, to a head that names it.
func encodeResult(r *Result) *bytes.Buffer {
	var buf bytes.Buffer
	appendLine(&buf, r)
	if buf.Len() <= MaxRecordBytes+1 {
		return &buf
	}
	for _, s := range []*string{r.RtnMsg, r.TransMsg} {
		if s != nil {
			*s = redact.Text(nil, *s, redact.Limit)
		}
	}
	if r.Error != nil {
		r.Error.Message = redact.Text(nil, r.Error.Message, redact.Limit)
	}
	buf.Reset()
	appendLine(&buf, r)
	if buf.Len() > MaxRecordBytes+1 {
		r.Key = fmt.Sprintf("%s\ufffd…(%d bytes)", redact.Text(nil, r.Key, input.HeadBytes), len(r.Key))
		buf.Reset()
		appendLine(&buf, r)
	}
	return &buf
}

// appendLine appends r as a line, "\n" included.
func appendLine(buf *bytes.Buffer, r *Result) {
	appendKeyed(buf, r.KeyMember, r.Key, (*resultFields)(r))
	buf.WriteByte('\n')
}

// AppendJSON appends v as one line of JSON, without escaping <, > and &
// so that messages stay readable.
func AppendJSON(buf *bytes.Buffer, v any) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// The lines are structs of strings, bools, ints and valid JSON values.
	_ = enc.Encode(v)
}

// OneLine folds a message onto one line.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
