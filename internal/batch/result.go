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
	// OutcomeProbablyDoneEarlier: the Tsr was resent because the answer to
	// an earlier attempt was lost, and ECPay refused it as already done
	// (wrapper.ErrConflict), which means that attempt most likely
	// succeeded. It is final and not a failure.
	OutcomeProbablyDoneEarlier = "probably_done_earlier"
	// OutcomeDuplicate: the Tsr was given earlier in the same run; it is
	// not sent again and the line is not final.
	OutcomeDuplicate = "duplicate"
)

// Result is the outcome of one Tsr in a batch: a line on stdout and, when
// final, in the --out file.
type Result struct {
	Tsr string `json:"tsr"`
	Answer
	// Outcome is OutcomeProbablyDoneEarlier or OutcomeDuplicate; empty
	// otherwise.
	Outcome string `json:"outcome,omitempty"`
	// Resent marks a Tsr sent again although an earlier attempt may have
	// reached ECPay unanswered (the process died or timed out while the
	// call was in flight).
	Resent bool `json:"resent,omitempty"`
	// Skipped marks a Tsr not sent because the --out file already holds
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

// invalidResult is the result of a Tsr refused before any request.
func invalidResult(tsr, message string) Result {
	return Result{Tsr: tsr, Answer: Answer{Error: &resultError{Kind: wrapper.KindValidation, Message: message}}}
}

// Final reports whether r settles its Tsr, so a rerun skips it: a success,
// a refusal by ECPay, or a request that can never be valid. Transport, HTTP
// and decode failures are retried by a rerun; a duplicate settles nothing.
func (r *Result) Final() bool {
	if r.Outcome == OutcomeDuplicate {
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
	case OutcomeProbablyDoneEarlier:
		return ExitOK
	case OutcomeDuplicate:
		return ExitInvalid
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
// redact.Limit (in r too, so that stdout and the file agree), then its Tsr,
// which only a Tsr never sent can make that long, to a head that names it.
func encodeResult(r *Result) *bytes.Buffer {
	var buf bytes.Buffer
	AppendJSON(&buf, r)
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
	AppendJSON(&buf, r)
	if buf.Len() > MaxRecordBytes+1 {
		r.Tsr = fmt.Sprintf("%s\ufffd…(%d bytes)", redact.Text(nil, r.Tsr, input.HeadBytes), len(r.Tsr))
		buf.Reset()
		AppendJSON(&buf, r)
	}
	return &buf
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
