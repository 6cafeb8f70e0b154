package ecpaysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
)

// Fault is a failure injected into one answer with InjectNext. Set at most
// one of HTTPStatus, MalformedBody, TransCode, RtnCode, Data and
// LoseAnswer; Delay combines with any of them, or stands alone to slow an
// otherwise normal answer.
type Fault struct {
	// Delay holds the answer back this long. If the request's context ends
	// first (the client gave up), nothing is sent and the request is
	// recorded with Answer.Abandoned.
	Delay time.Duration

	// HTTPStatus, if set (400 to 599), answers with this status and a short
	// text/plain body instead of an ECPay answer, as ECPay's HTTP 403 for
	// callers that call too fast does.
	HTTPStatus int

	// MalformedBody, if set, is sent as it is as the body of an HTTP 200
	// application/json answer: typically broken JSON such as `{"TransCode":`.
	// It is not validated.
	MalformedBody string

	// TransCode, if set, rejects the envelope with this TransCode (not
	// TransCodeOK) and TransMsg ("injected fault" if empty), whatever the
	// request was. Nothing is cancelled.
	TransCode int
	TransMsg  string

	// RtnCode, if set, answers an envelope that passes every check with
	// TransCode 1 and Data holding this RtnCode (not 1) and RtnMsg
	// ("injected fault" if empty). The invoice stays as it was; the request
	// still counts as a request for it. A request that fails an envelope
	// check gets that check's TransCode error instead. (An RtnCode that is
	// one of the operation's success codes, such as TriggerIssue's 4000004,
	// makes the client report success although nothing changed.)
	RtnCode int
	RtnMsg  string

	// Data, if set, answers with TransCode 1 and this plaintext as the
	// answer's Data, encrypted under the keys of the envelope's PlatformID
	// (or else MerchantID), whatever the request was: an answer off its
	// page, such as the page's own example "RtnCode": "1", a member the page
	// does not declare, or text that is not JSON, for a client's decoding
	// to meet. It is not validated and changes nothing. A request whose
	// envelope names no merchant of the Server gets TransCode 9002.
	Data string

	// LoseAnswer, if set, serves the request as without a fault, its work
	// done (an invoice issued, a Tsr cancelled), then loses the answer on
	// the way back: the connection is closed without a byte of it, as when
	// the network fails after ECPay did the work. The request's record
	// keeps the answer that was made, with Answer.Lost set. A client sees a
	// transport error, and must ask (GetIssue) rather than resend blindly.
	LoseAnswer bool
}

// validate reports why f cannot be injected.
func (f Fault) validate() error {
	kinds := 0
	for _, set := range []bool{f.HTTPStatus != 0, f.MalformedBody != "", f.TransCode != 0, f.RtnCode != 0, f.Data != "", f.LoseAnswer} {
		if set {
			kinds++
		}
	}
	var errs []error
	if kinds > 1 {
		errs = append(errs, errors.New("set at most one of HTTPStatus, MalformedBody, TransCode, RtnCode, Data and LoseAnswer"))
	}
	if f.Delay < 0 {
		errs = append(errs, fmt.Errorf("the Delay %v is negative", f.Delay))
	}
	if f.HTTPStatus != 0 && (f.HTTPStatus < 400 || f.HTTPStatus > 599) {
		errs = append(errs, fmt.Errorf("HTTPStatus %d is not an HTTP error status (400 to 599)", f.HTTPStatus))
	}
	if f.TransCode == TransCodeOK {
		errs = append(errs, errors.New("TransCode 1 is success, not a fault"))
	}
	if f.RtnCode == rtnCodeOK {
		errs = append(errs, errors.New("RtnCode 1 is success, not a fault"))
	}
	if f.TransMsg != "" && f.TransCode == 0 {
		errs = append(errs, errors.New("TransMsg needs a TransCode"))
	}
	if f.RtnMsg != "" && f.RtnCode == 0 {
		errs = append(errs, errors.New("RtnMsg needs an RtnCode"))
	}
	l := serving.PageLimits()
	for _, m := range []struct {
		name  string
		text  string
		limit int
	}{{"TransMsg", f.TransMsg, l.TransMsg}, {"RtnMsg", f.RtnMsg, l.RtnMsg}} {
		if n := utf8.RuneCountInString(m.text); n > m.limit {
			errs = append(errs, fmt.Errorf("%s has %d characters; the spec allows %d", m.name, n, m.limit))
		}
	}
	return errors.Join(errs...)
}

// InjectNext queues faults for the next requests to any operation, one fault
// per request, in order; requests rejected with an HTTP 4xx before that (not
// JSON, wrong Content-Type, too large) do not use one up. It returns an error,
// and queues nothing, if a fault is inconsistent (see Fault).
func (s *Server) InjectNext(faults ...Fault) error {
	for i, f := range faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("ecpaysim: fault %d: %w", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
	return nil
}

// PendingFaults returns how many injected faults no request has used yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// nextFault takes the oldest queued fault.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// faultAnswer returns the answer f replaces the normal one with, or nil when
// the request goes on (Delay alone, or RtnCode, which the handler applies).
func (s *Server) faultAnswer(ex *exchange, f Fault) *answer {
	switch {
	case f.HTTPStatus != 0:
		return plainAnswer(f.HTTPStatus, fmt.Sprintf("injected HTTP %d %s", f.HTTPStatus, http.StatusText(f.HTTPStatus)))
	case f.MalformedBody != "":
		a := newAnswer(false)
		a.header.Set("Content-Type", "application/json")
		a.status = http.StatusOK
		a.body.WriteString(f.MalformedBody)
		return a
	case f.TransCode != 0:
		return s.transError(ex, f.TransCode, serving.OrDefault(f.TransMsg, msgInjected))
	case f.Data != "":
		return s.dataAnswer(ex, f.Data)
	}
	return nil
}

// loseAnswer records a as made and lost (see Fault.LoseAnswer) and takes
// over the connection of w, for the endpoint to close without sending it
// once the exchange is recorded: a client that sees the connection closed
// finds the record.
func (s *Server) loseAnswer(w http.ResponseWriter, ex *exchange, a *answer) {
	ex.rec.Answer.StatusCode = a.status
	ex.rec.Answer.Body = a.body.Bytes()
	ex.rec.Answer.Lost = true
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// A connection that cannot be taken over (HTTP/2): half the
		// answer under the whole one's Content-Length, which the client
		// reads as a broken answer.
		body := a.body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(a.status)
		_, _ = w.Write(body[:len(body)/2])
		return
	}
	ex.lost = conn
}

// dataAnswer returns the answer of a Data fault: TransCode 1 and plaintext
// encrypted as the Data, unchecked (see Fault.Data).
func (s *Server) dataAnswer(ex *exchange, plaintext string) *answer {
	codec := s.faultCodec(ex)
	if codec == nil {
		return s.transError(ex, TransCodeUnknownMerchant, transMsgUnknownMerchant)
	}
	data, err := codec.Encrypt([]byte(plaintext))
	if err != nil {
		return s.internalError(ex, fmt.Errorf("encrypting an injected Data: %w", err))
	}
	a := newAnswer(false)
	a.header.Set("Content-Type", "application/json")
	a.status = http.StatusOK
	if err := json.NewEncoder(&a.body).Encode(s.envelope(ex, TransCodeOK, transMsgOK, data, []byte(plaintext), nil)); err != nil {
		a.body.Reset()
	}
	return a
}

// faultCodec returns the codec of the envelope's PlatformID, or else of its
// MerchantID, for a request a fault answers before any check; nil when
// neither is a merchant of the Server.
func (s *Server) faultCodec(ex *exchange) *ecpaycrypto.Codec {
	if ex.platformID != nil {
		if codec := s.merchants[*ex.platformID]; codec != nil {
			return codec
		}
	}
	if ex.merchantID != nil {
		return s.merchants[string(*ex.merchantID)]
	}
	return nil
}

// recordFaulted records what a request a fault answers is, as far as it
// can be read without a check: the operation its path names and, when the
// envelope names a merchant of the Server, its decrypted Data.
func (s *Server) recordFaulted(ex *exchange, path string) {
	if op := registry.ByPath(path); op != nil {
		ex.rec.Operation = op.Name
	}
	if codec := s.faultCodec(ex); codec != nil && ex.rec.Envelope != nil {
		if plaintext, err := codec.Decrypt(ex.rec.Envelope.Data); err == nil {
			ex.rec.Plaintext = plaintext
		}
	}
}
