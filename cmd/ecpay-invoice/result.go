package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/internal/redact"
	"github.com/ecpay-go/einvoice/wrapper"
)

// answer is what a call's outcome says in a line of output: whether it
// succeeded, ECPay's codes, and for a failure its kind (wrapper.ErrorKind)
// and message. Field order is the order of the JSON object.
type answer struct {
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
	// outcomeProbablyDoneEarlier: the Tsr was resent because the answer to
	// an earlier attempt was lost, and ECPay refused it as already done
	// (wrapper.ErrConflict), which means that attempt most likely
	// succeeded. It is final and not a failure.
	outcomeProbablyDoneEarlier = "probably_done_earlier"
	// outcomeDuplicate: the Tsr was given earlier in the same run; it is
	// not sent again and the line is not final.
	outcomeDuplicate = "duplicate"
)

// result is the outcome of one Tsr in a batch: a line on stdout and, when
// final, in the --out file.
type result struct {
	Tsr string `json:"tsr"`
	answer
	// Outcome is outcomeProbablyDoneEarlier or outcomeDuplicate; empty
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

// newAnswer turns the outcome of a call made with --timeout timeout into its
// answer: the codes of res on success, or the kind, message and codes of err,
// and whether the request may have been sent. It extracts codes only; the
// kind is wrapper.ErrorKind's. The message of a timeout says which flag set
// it, as the wrapper's speaks of the library's timeout.
func newAnswer(res *wrapper.Result[json.RawMessage], err error, timeout time.Duration) answer {
	if err == nil {
		return answer{OK: true, RtnCode: &res.RtnCode, RtnMsg: &res.RtnMsg}
	}
	a := answer{Error: &resultError{Kind: wrapper.ErrorKind(err), Message: oneLine(err.Error())}}
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
func invalidResult(tsr, message string) result {
	return result{Tsr: tsr, answer: answer{Error: &resultError{Kind: wrapper.KindValidation, Message: message}}}
}

// final reports whether r settles its Tsr, so a rerun skips it: a success,
// a refusal by ECPay, or a request that can never be valid. Transport, HTTP
// and decode failures are retried by a rerun; a duplicate settles nothing.
func (r *result) final() bool {
	if r.Outcome == outcomeDuplicate {
		return false
	}
	return r.answer.final()
}

func (a *answer) final() bool {
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
func (r *result) exitCode() int {
	switch r.Outcome {
	case outcomeProbablyDoneEarlier:
		return exitOK
	case outcomeDuplicate:
		return exitInvalid
	}
	return r.answer.exitCode()
}

func (a *answer) exitCode() int {
	if a.OK {
		return exitOK
	}
	if a.Error == nil {
		return exitFailure
	}
	switch a.Error.Kind {
	case wrapper.KindTrans, wrapper.KindAPI:
		return exitRefused
	case wrapper.KindValidation:
		return exitInvalid
	}
	return exitFailure
}

// worse combines exit statuses: 3 over 2 over 1 over 0.
func worse(a, b int) int { return max(a, b) }

// encodeResult returns r as a line, "\n" included, of at most
// maxRecordBytes before its newline, so that the results file and the
// journal read back every line they are given. The client caps ECPay's
// messages already; a line longer all the same has its messages cut to
// redact.Limit (in r too, so that stdout and the file agree), then its Tsr,
// which only a Tsr never sent can make that long, to a head that names it.
func encodeResult(r *result) *bytes.Buffer {
	var buf bytes.Buffer
	appendJSON(&buf, r)
	if buf.Len() <= maxRecordBytes+1 {
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
	appendJSON(&buf, r)
	if buf.Len() > maxRecordBytes+1 {
		r.Tsr = fmt.Sprintf("%s\ufffd…(%d bytes)", redact.Text(nil, r.Tsr, headBytes), len(r.Tsr))
		buf.Reset()
		appendJSON(&buf, r)
	}
	return &buf
}

// appendJSON appends v as one line of JSON, without escaping <, > and &
// so that messages stay readable.
func appendJSON(buf *bytes.Buffer, v any) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// The lines are structs of strings, bools, ints and valid JSON values.
	_ = enc.Encode(v)
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
