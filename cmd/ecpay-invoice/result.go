package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ecpay-go/einvoice/wrapper"
)

// Kinds of failure in a result line, one per wrapper error type.
const (
	kindValidation = "validation"
	kindHTTP       = "http"
	kindTrans      = "trans"
	kindAPI        = "api"
	kindDecode     = "decode"
	kindTransport  = "transport"
)

// result is the outcome of one Tsr: a line on stdout and in the --out file.
// Field order is the order of the JSON object.
type result struct {
	Tsr     string       `json:"tsr"`
	OK      bool         `json:"ok"`
	RtnCode *int         `json:"rtn_code,omitempty"`
	RtnMsg  *string      `json:"rtn_msg,omitempty"`
	Error   *resultError `json:"error,omitempty"`
	// The codes of a failure, when it has them.
	HTTPStatus int     `json:"http_status,omitempty"`
	TransCode  *int    `json:"trans_code,omitempty"`
	TransMsg   *string `json:"trans_msg,omitempty"`
	// Resent marks a Tsr sent again although an earlier attempt may have
	// reached ECPay unanswered (the process died or timed out while the
	// call was in flight): if this attempt is refused as already
	// cancelled, the earlier one probably succeeded.
	Resent bool `json:"resent,omitempty"`
	// Skipped marks a Tsr not sent because the --out file already holds
	// its final result, which this line repeats.
	Skipped bool `json:"skipped,omitempty"`
}

type resultError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// MaybeSent marks a transport or decode failure after which the
	// request may have reached ECPay: a rerun resends it and marks it
	// resent.
	MaybeSent bool `json:"maybe_sent,omitempty"`
}

// newResult turns the answer to tsr's cancel into its result.
func newResult(tsr string, res *wrapper.CancelDelayIssueResult, err error) result {
	r := result{Tsr: tsr}
	if err == nil {
		r.OK = true
		r.RtnCode, r.RtnMsg = &res.RtnCode, &res.RtnMsg
		return r
	}
	r.Error = &resultError{Message: oneLine(err.Error())}
	var (
		ve *wrapper.ValidationError
		he *wrapper.HTTPError
		te *wrapper.TransError
		ae *wrapper.APIError
		de *wrapper.DecodeError
		xe *wrapper.TransportError
	)
	switch {
	case errors.As(err, &ve):
		r.Error.Kind = kindValidation
	case errors.As(err, &he):
		r.Error.Kind = kindHTTP
		r.HTTPStatus = he.StatusCode
	case errors.As(err, &te):
		r.Error.Kind = kindTrans
		r.TransCode, r.TransMsg = &te.TransCode, &te.TransMsg
	case errors.As(err, &ae):
		r.Error.Kind = kindAPI
		r.RtnCode, r.RtnMsg = &ae.RtnCode, &ae.RtnMsg
	case errors.As(err, &de):
		// ECPay answered: it may have processed the cancel.
		r.Error.Kind = kindDecode
		r.Error.MaybeSent = true
	case errors.As(err, &xe):
		r.Error.Kind = kindTransport
		// A failed dial never reached ECPay; a timeout or a broken
		// connection may have.
		r.Error.MaybeSent = !wrapper.ShouldRetry(0, xe.Err)
	default:
		r.Error.Kind = kindTransport
		r.Error.MaybeSent = true
	}
	return r
}

// final reports whether r settles its Tsr, so a rerun skips it: a success,
// a refusal by ECPay, or a request that can never be valid. Transport, HTTP
// and decode failures are retried by a rerun.
func (r *result) final() bool {
	if r.OK {
		return true
	}
	if r.Error == nil {
		return false
	}
	switch r.Error.Kind {
	case kindValidation, kindTrans, kindAPI:
		return true
	}
	return false
}

// exitCode is the exit status r calls for on its own.
func (r *result) exitCode() int {
	if r.OK {
		return exitOK
	}
	if r.Error == nil {
		return exitFailure
	}
	switch r.Error.Kind {
	case kindTrans, kindAPI:
		return exitRefused
	case kindValidation:
		return exitInvalid
	}
	return exitFailure
}

// worse combines exit statuses: 3 over 2 over 1 over 0.
func worse(a, b int) int { return max(a, b) }

// appendJSON appends r as one line of JSON, without escaping <, > and &
// so that messages stay readable.
func (r *result) appendJSON(buf *bytes.Buffer) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// A struct of strings, bools and ints always encodes.
	_ = enc.Encode(r)
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
